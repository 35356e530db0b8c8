"""Session building blocks: the context, the calibration sequence, the rep loop and the messy events."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dorsi.virtual.sim.kinematics import Person
from dorsi.virtual.sim.params import SimParams
from dorsi.virtual.sim.script import Script

GRAVITY_G_MPS2 = 9.80665
SHORT_REST_S = 0.5  # the second model's short rests between reps (issue 18)
SHORT_REST_SHARE = 1.0 / 3.0  # share of between-rep rests cut to SHORT_REST_S


@dataclass
class Ctx:
    """What a drill builder needs: the growing script, the person, a seeded generator."""

    script: Script
    person: Person
    rng: np.random.Generator
    params: SimParams
    tempo: float = 1.0  # movement durations are multiplied by this ("slow" > 1, "fast" < 1)
    info: dict[str, Any] = field(default_factory=dict)
    model2_rng: np.random.Generator | None = None  # set by model2.install: the second movement model runs

    def rest(self, rest_s: float) -> float:
        """A between-rep rest: as drawn, or under the second model a third of them cut to 0.5 s."""
        if self.model2_rng is None:
            return rest_s
        return SHORT_REST_S if self.model2_rng.random() < SHORT_REST_SHARE else rest_s

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def vary(self, x: float, rel: float = 0.15) -> float:
        return x * self.u(1.0 - rel, 1.0 + rel)

    def jitter(self, x: float, sd: float = 1.2, lim: float = 3.0) -> float:
        """Per-rep variation of a peak: normal, clipped to ±lim."""
        return x + float(np.clip(self.rng.normal(0.0, sd), -lim, lim))

    def jitter_range(self, range_deg: float) -> float:
        """Per-rep variation of a range to an end range (set by the tissue's stiffness): 8 % (sd) of it,
        at most the 1.2° of ``jitter``, clipped to ±2 sd. A spread fixed in degrees turns some reps of
        a 5° straight-knee rock into 2°: a partial rep to any coach's eye, though meant as full. A full
        rep stays over 0.84 of the range, a partial one (``drive``) under 0.42: under half of any."""
        sd = min(1.2, 0.08 * range_deg)
        return self.jitter(range_deg, sd=sd, lim=2.0 * sd)

    def event(self, name: str) -> bool:
        return name in self.params.events

    def sets(self, default: int) -> int:
        return self.params.sets if self.params.sets is not None else default

    def reps(self, default: int) -> int:
        return self.params.reps_per_set if self.params.reps_per_set is not None else default

    def remaining_s(self) -> float:
        return self.params.seconds - self.script.now

    def medial_drift(self, scale: float, frac: float) -> float:
        """Frontal drift (deg, signed in the person's left) toward the midline at fraction frac of range."""
        return self.person.medial_sign * self.person.valgus_end_deg * scale * float(np.clip(frac, 0.0, 1.2))


def calibration(ctx: Ctx) -> dict[str, Any]:
    """Quiet standing, two slow nearly straight forward knee drives, quiet standing."""
    s, p = ctx.script, ctx.person
    s.hold(ctx.u(3.0, 5.0))
    quiet = (0.5, s.now - 0.2)
    drives = []
    for k in range(2):
        peak = ctx.u(20.0, 35.0)
        coupling = ctx.u(-0.02, 0.02)  # |k| ≤ 0.02: the app asks for a straight drive
        start = s.now
        s.move(ctx.u(1.5, 2.5), theta_deg=peak, phi_deg=p.standing_phi_deg + coupling * (peak - p.standing_theta_deg))
        s.hold(ctx.u(0.1, 0.5))
        s.move(ctx.u(1.5, 2.5), theta_deg=p.standing_theta_deg, phi_deg=p.standing_phi_deg)
        drives.append({"start_s": start, "end_s": s.now, "scripted_peak_deg": peak, "coupling": coupling})
        if k == 0:
            s.hold(ctx.u(1.0, 2.0))
    final_s = ctx.u(2.0, 3.0)  # the second model starts the first rep ≈ 1 s after the second drive
    s.hold(final_s if ctx.model2_rng is None else ctx.model2_rng.uniform(0.8, 1.2))
    return {"quiet_s": list(quiet), "drives": drives, "end_s": s.now}


def drive(
    ctx: Ctx,
    set_idx: int,
    rest_theta: float,
    peak_theta: float,
    up_s: float,
    hold_s: float,
    down_s: float,
    partial: bool = False,
    valgus_scale: float = 1.0,
    **meta: Any,
) -> None:
    """One forward knee drive from the rest angle to a peak, a hold with slight creep, and back."""
    s = ctx.script
    phi0 = s.value("phi_deg")
    if partial:  # stops at under half range
        peak_theta = rest_theta + ctx.u(0.25, 0.42) * (peak_theta - rest_theta)
        hold_s = ctx.u(0.2, 0.5)
    frac = (peak_theta - rest_theta) / max(1.0, ctx.person.max_theta_deg - rest_theta)
    drift = ctx.medial_drift(valgus_scale * ctx.u(0.7, 1.1), frac)
    if ctx.model2_rng is not None:
        meta.setdefault("eccentric_s", down_s * ctx.tempo)
    start = s.now
    s.move(up_s * ctx.tempo, theta_deg=peak_theta, phi_deg=phi0 + drift)
    s.move(hold_s, theta_deg=peak_theta + ctx.u(-0.4, 0.6), phi_deg=phi0 + drift * ctx.u(1.0, 1.1))
    s.move(down_s * ctx.tempo, theta_deg=rest_theta, phi_deg=phi0)
    s.add_rep(set_idx, start, meta.pop("kind", "drive"), partial, **meta)  # a hold names its own kind


RepFn = Callable[[Ctx, int, bool], None]


def run_sets(
    ctx: Ctx,
    n_sets: int,
    n_reps: int,
    rep: RepFn,
    between_s: Callable[[], float],
    set_rest_s: float,
    setup: Callable[[Ctx], None] | None = None,
    teardown: Callable[[Ctx], None] | None = None,
) -> None:
    """Sets of reps with rests; the messy events land in the first set."""
    s = ctx.script
    for si in range(1, n_sets + 1):
        reps = n_reps
        if si == 1 and ctx.event("early-stop") and n_reps > 1:
            reps = max(1, round(n_reps / 2))
            ctx.info["early_stop"] = {"set": si, "planned": n_reps, "done": reps}
        if setup:
            setup(ctx)
        mid = max(1, reps // 2)
        for ri in range(reps):
            rep(ctx, si, False)
            if si == 1:
                insert_events(ctx, ri, reps, mid, functools.partial(rep, ctx, si, True))
            if ri < reps - 1:
                s.hold(ctx.rest(between_s()))
        if teardown:
            teardown(ctx)
        if si == 1 and ctx.event("early-stop") and n_reps > 1:
            s.events.append({"name": "early-stop", "start_s": s.now, "end_s": s.now})
        if si < n_sets:
            s.hold(set_rest_s)


def insert_events(ctx: Ctx, ri: int, reps: int, mid: int, partial_rep: Callable[[], None] | None) -> None:
    """Events after rep ri of the first set: partial after the first, pause/tap/reposition mid-set."""
    s = ctx.script
    if ri == 0 and ctx.event("partial-rep") and partial_rep is not None:
        s.hold(ctx.u(0.8, 1.5))
        t0 = s.now
        partial_rep()
        s.events.append({"name": "partial-rep", "start_s": t0, "end_s": s.now})
    if ri == mid - 1 and ctx.event("pause"):
        t0 = s.now
        s.hold(ctx.u(5.0, 10.0))
        s.events.append({"name": "pause", "start_s": t0, "end_s": s.now})
    if ri == min(mid, reps - 1) and ctx.event("tap"):
        tap(ctx)
    if ri == min(mid, reps - 1) and ctx.event("reposition"):
        reposition(ctx)


def tap(ctx: Ctx) -> None:
    """A tap on the sensor: 5–20 ms, 2–4 g, into the skin; no rotation."""
    s = ctx.script
    s.hold(ctx.u(0.4, 0.8))
    dur = ctx.u(0.005, 0.020)
    peak_g = ctx.u(2.0, 4.0)
    # The spike's centre falls on a sample, so the sampled signal shows its peak (true sample clock).
    rate = ctx.params.rate_hz * (1.0 + ctx.params.clock_drift_ppm * 1e-6)
    t_mid = math.ceil((s.now + 0.5 * dur) * rate) / rate
    s.tap(t_mid - 0.5 * dur, dur, peak_g * GRAVITY_G_MPS2)
    s.events.append({"name": "tap", "start_s": t_mid - 0.5 * dur, "end_s": t_mid + 0.5 * dur, "peak_g": peak_g})
    s.hold(ctx.u(0.6, 1.0))


def reposition(ctx: Ctx) -> None:
    """Lift the foot, turn and move it, set it down elsewhere (heading changes for good)."""
    s = ctx.script
    t0 = s.now
    rest = {k: s.value(k) for k in ("theta_deg", "phi_deg", "gamma_deg", "ankle_x_m", "ankle_y_m", "heading_deg")}
    turn = ctx.u(15.0, 40.0) * (1.0 if ctx.rng.random() < 0.5 else -1.0)
    dist, direction = ctx.u(0.05, 0.20), ctx.u(0.0, 2.0 * math.pi)
    dx, dy = dist * math.cos(direction), dist * math.sin(direction)
    s.move(
        ctx.u(0.4, 0.6),
        ankle_z_m=ctx.u(0.06, 0.12),
        theta_deg=rest["theta_deg"] - ctx.u(15.0, 30.0),
        phi_deg=rest["phi_deg"] + ctx.u(-8.0, 8.0),
        gamma_deg=rest["gamma_deg"] + 0.5 * turn,
        heading_deg=rest["heading_deg"] + 0.5 * turn,
        ankle_x_m=rest["ankle_x_m"] + 0.5 * dx,
        ankle_y_m=rest["ankle_y_m"] + 0.5 * dy,
    )
    s.move(
        ctx.u(0.4, 0.6),
        ankle_z_m=0.0,
        theta_deg=rest["theta_deg"],
        phi_deg=rest["phi_deg"],
        gamma_deg=rest["gamma_deg"],
        heading_deg=rest["heading_deg"] + turn,
        ankle_x_m=rest["ankle_x_m"] + dx,
        ankle_y_m=rest["ankle_y_m"] + dy,
    )
    s.events.append({"name": "reposition", "start_s": t0, "end_s": s.now, "heading_change_deg": turn})
    s.hold(ctx.u(0.8, 1.5))


def step_to(ctx: Ctx, theta_deg: float, forward_m: float, duration_s: float) -> None:
    """Change stance (e.g. into half-kneeling): the foot steps forward_m along the heading, shin to theta."""
    s = ctx.script
    h = math.radians(ctx.person.heading_deg + s.value("heading_deg"))
    x1 = s.value("ankle_x_m") + forward_m * math.cos(h)
    y1 = s.value("ankle_y_m") + forward_m * math.sin(h)
    if abs(forward_m) > 0.0:
        s.move(
            0.5 * duration_s,
            ankle_z_m=0.04,
            ankle_x_m=0.5 * (x1 + s.value("ankle_x_m")),
            ankle_y_m=0.5 * (y1 + s.value("ankle_y_m")),
            theta_deg=0.5 * (theta_deg + s.value("theta_deg")),
        )
        s.move(0.5 * duration_s, ankle_z_m=0.0, ankle_x_m=x1, ankle_y_m=y1, theta_deg=theta_deg)
    else:
        s.move(duration_s, theta_deg=theta_deg)
