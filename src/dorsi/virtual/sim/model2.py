"""The second, independent movement model ("velocity"): other velocity profiles, other timing, invalid trials.

Written apart from the key-frame model's tuning so detection can be measured on movement it was not
shaped on (issue 18). What differs from the key-frame ("keyframe") model:

- every move draws its velocity profile (script.PROFILES: minimum jerk, bell, trapezoid, early- or
  late-peaking), so speed pulses are not all minimum-jerk;
- short rests: a third of the rests between reps are 0.5 s; the first rep starts ≈ 1 s after the
  calibration's second drive;
- postural sway of 0.5–1° (Sway.draw_postural) and soft-tissue wobble (softtissue.py), a strap per person;
- drills of their own where the key-frame model was gentle: continuous calf-raise sets (< 1 s on the
  floor, rise ≈ 1 s, 0.3–0.8 s at the top, lowering 2.6–3.6 s, ankle rising 6–7.5 cm, a few degrees
  of shin tilt, a soft heel strike), a squat rock straight after settling, knee circles whose radius
  ramps in over ≈ 0.6 s, and knee-to-wall with one trial whose heel lifts 1–3 cm (the knee then gets
  ≈ 1.6°/cm further): invalid in the truth, with its reason.

Truth per rep, besides the common fields: ``count`` (the running count of reps a counter should
count, 0 for partial or invalid ones), ``valid`` and ``invalid_reason``, ``eccentric_s`` (the
scripted return / lowering time).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from dorsi.virtual.sim.drills import DRIVE_DRILLS
from dorsi.virtual.sim.drills_more import MORE_DRILLS, _circle_plan, _phase_time, _rock, _rock_plan
from dorsi.virtual.sim.kinematics import ANKLE_HEIGHT_M, HEEL_BACK_M, MTP_FORWARD_M
from dorsi.virtual.sim.session import Ctx, drive, run_sets

PROFILE_WEIGHTS = {"min-jerk": 0.2, "bell": 0.2, "trapezoid": 0.2, "early": 0.2, "late": 0.2}
HEEL_LIFT_KNEE_DEG_PER_CM = 1.6  # issue 18's trial: 2.5 cm of heel lift, 4° more knee


def install(ctx: Ctx, rng: np.random.Generator) -> None:
    """Make ctx play the second model: the script draws each move's velocity profile from ``rng``."""
    names = list(PROFILE_WEIGHTS)
    weights = np.asarray([PROFILE_WEIGHTS[n] for n in names])

    def choose() -> str:
        return str(names[int(rng.choice(len(names), p=weights / weights.sum()))])

    ctx.script.chooser = choose
    ctx.model2_rng = rng


def ankle_rise_m(heel_rise_m: float) -> float:
    """The ankle joint's rise for a heel rise (the foot pitching about the metatarsal heads)."""
    beta = math.asin(min(1.0, heel_rise_m / HEEL_BACK_M))
    return MTP_FORWARD_M * math.sin(beta) + ANKLE_HEIGHT_M * math.cos(beta) - ANKLE_HEIGHT_M


def heel_for_ankle_rise(ankle_m: float) -> float:
    """The heel rise that lifts the ankle joint by ankle_m (bisection on the monotonic foot model)."""
    lo, hi = 0.0, HEEL_BACK_M * math.sin(math.radians(60.0))  # the ankle's highest: foot pitched ≈ 60°
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ankle_rise_m(mid) < ankle_m else (lo, mid)
    return 0.5 * (lo + hi)


def calf_raises(ctx: Ctx) -> None:
    """Continuous sets of 15: < 1 s on the floor, rise ≈ 1 s, 0.3–0.8 s top, lowering 2.6–3.6 s."""
    p, s = ctx.person, ctx.script
    # Issue 18 asks 6–9 cm of ankle rise; this foot model (ankle 8 cm up, metatarsal heads 14 cm ahead)
    # lifts the ankle at most 8.1 cm (foot pitched 60°), 7.6 cm at a 45° pitch: 6–7.5 cm is drawn.
    ankle_m = ctx.u(0.06, 0.075)
    n_sets, n_reps = ctx.sets(3), ctx.reps(15)
    tilt_sign = 1.0 if ctx.rng.random() < 0.7 else -1.0  # most people's shin pitches forward on the toes

    def rep(c: Ctx, si: int, partial: bool) -> None:
        start = s.now
        top = heel_for_ankle_rise(ankle_m * (c.u(0.2, 0.4) if partial else c.u(0.93, 1.07)))
        up, down = c.u(0.85, 1.15) * c.tempo, c.u(2.6, 3.6) * c.tempo
        lean = tilt_sign * c.u(1.5, 4.0)  # a few degrees of shin tilt during the raise
        sideways = c.u(-1.5, 1.5)
        s.move(up, rise_m=top, theta_deg=p.standing_theta_deg + lean, phi_deg=p.standing_phi_deg + sideways)
        top_s = c.u(0.3, 0.8)
        s.hold(top_s)
        s.move(down, rise_m=0.0, theta_deg=p.standing_theta_deg, phi_deg=p.standing_phi_deg)
        # a soft heel strike: 0.2–0.6 g along the shin for 20–40 ms
        dur = c.u(0.02, 0.04)
        s.impact(s.now - 0.5 * dur, dur, c.u(0.2, 0.6) * 9.80665)
        s.add_rep(
            si,
            start,
            "calf-raise",
            partial,
            up_s=up,
            down_s=down,
            top_s=top_s,
            eccentric_s=down,
            ankle_rise_cm=round(100.0 * ankle_rise_m(top), 3),
        )

    def floor_s() -> float:
        return ctx.u(0.3, 0.95)  # under 1 s on the floor (issue 18)

    run_sets(ctx, n_sets, n_reps, rep, floor_s, ctx.u(30.0, 60.0))


def squat_rocks(ctx: Ctx) -> None:
    """Deep flat-foot squat; the first rock starts as soon as the squat is reached (a 0.2–0.5 s settle)."""
    p, s = ctx.person, ctx.script
    depth, amp, n_sets, n_reps = _rock_plan(ctx)

    def setup(c: Ctx) -> None:
        s.move(c.u(2.0, 3.0), theta_deg=depth, phi_deg=s.value("phi_deg") + c.medial_drift(0.4, 1.0))
        s.hold(c.u(0.2, 0.5))

    def teardown(c: Ctx) -> None:
        s.move(c.u(0.5, 0.8), theta_deg=depth)
        s.hold(c.u(0.3, 0.8))
        s.move(c.u(2.0, 3.0), theta_deg=p.standing_theta_deg, phi_deg=p.standing_phi_deg)

    run_sets(ctx, n_sets, n_reps, _rock(depth, amp), lambda: ctx.u(0.02, 0.15), ctx.u(30.0, 60.0), setup, teardown)


def knee_circles(ctx: Ctx) -> None:
    """Circles straight from the approach; the radius ramps in over ≈ 0.6 s (the phase turns at once)."""
    p, s = ctx.person, ctx.script
    centre, phi0, radius, directions, n_reps = _circle_plan(ctx)
    n_sets = len(directions)
    for si, direction in enumerate(directions, start=1):
        s.move(ctx.u(1.0, 1.6) * ctx.tempo, theta_deg=centre, phi_deg=phi0 + ctx.medial_drift(0.3, 1.0))
        period = ctx.u(2.2, 3.0) * ctx.tempo
        phase_ramp, radius_ramp = ctx.u(0.2, 0.35), ctx.u(0.5, 0.7)
        t0 = s.now
        total_s = n_reps * period + phase_ramp
        s.circle(total_s, direction * n_reps, phase_ramp)
        s.move(radius_ramp, circle_r_deg=radius * ctx.u(0.9, 1.1))
        for _ in range(n_reps):
            s.move(max(0.05, (total_s - radius_ramp - 0.6) / n_reps), circle_r_deg=radius * ctx.u(0.85, 1.15))
        s.move(max(0.05, t0 + total_s - s.now), circle_r_deg=0.0)
        ph = s.phases[-1]
        label = "ccw" if direction > 0 else "cw"
        bounds = [t0] + [
            _phase_time(ph.evaluate, t0, ph.duration_s, 2.0 * math.pi * k * direction) for k in range(1, n_reps + 1)
        ]
        for a, b in itertools.pairwise(bounds):
            s.add_rep(si, a, "circle", end_s=b, direction=label)
        s.move(ctx.u(1.2, 1.8) * ctx.tempo, theta_deg=p.standing_theta_deg, phi_deg=phi0)
        if si < n_sets:
            s.hold(ctx.u(2.0, 4.0))


def knee_to_wall(ctx: Ctx) -> None:
    """Three valid trials plus one whose heel lifts 1–3 cm (invalid, with its reason), in a seeded order."""
    p, s = ctx.person, ctx.script
    rest_theta = p.standing_theta_deg + ctx.u(0.5, 2.0)
    s.move(ctx.u(0.8, 1.2), theta_deg=rest_theta)
    n = ctx.reps(3)
    lifted = int(ctx.rng.integers(0, n + 1))  # the heel-lift trial's position among n + 1
    for k in range(n + 1):
        peak = min(50.0, max(30.0, ctx.jitter(p.max_theta_deg, sd=1.0, lim=2.5)))
        up, hold, down = ctx.u(2.0, 3.5), ctx.u(1.0, 2.0), ctx.u(1.5, 2.5)
        if k != lifted:
            drive(ctx, 1, rest_theta, peak, up, hold, down, False, 0.6, eccentric_s=down * ctx.tempo)
        else:
            heel_cm = ctx.u(1.0, 3.0)
            _heel_lift_trial(ctx, rest_theta, peak + HEEL_LIFT_KNEE_DEG_PER_CM * heel_cm, heel_cm, up, hold, down)
        if k < n:
            s.hold(ctx.rest(ctx.u(3.0, 6.0)))
    s.move(1.5, theta_deg=p.standing_theta_deg)


def _heel_lift_trial(
    ctx: Ctx, rest_theta: float, peak: float, heel_cm: float, up_s: float, hold_s: float, down_s: float
) -> None:
    """A drive during whose last part the heel comes up: an invalid weight-bearing lunge trial."""
    s = ctx.script
    phi0 = s.value("phi_deg")
    frac = (peak - rest_theta) / max(1.0, ctx.person.max_theta_deg - rest_theta)
    drift = ctx.medial_drift(0.6 * ctx.u(0.7, 1.1), frac)
    start = s.now
    s.move(0.7 * up_s * ctx.tempo, theta_deg=rest_theta + 0.85 * (peak - rest_theta), phi_deg=phi0 + 0.7 * drift)
    s.move(0.3 * up_s * ctx.tempo, theta_deg=peak, phi_deg=phi0 + drift, rise_m=heel_cm / 100.0)
    s.move(hold_s, theta_deg=peak + ctx.u(-0.4, 0.6))
    s.move(down_s * ctx.tempo, theta_deg=rest_theta, phi_deg=phi0, rise_m=0.0)
    s.add_rep(
        1,
        start,
        "drive",
        valid=False,
        invalid_reason=f"heel lifted {heel_cm:.1f} cm",
        heel_lift_cm=round(heel_cm, 3),
        eccentric_s=down_s * ctx.tempo,
    )


# The second model's own drills; the others run the key-frame builders under this model's profiles,
# rests and sway (their between-rep rests go through Ctx.rest in run_sets).
OWN_DRILLS: dict[str, Callable[[Ctx], None]] = {
    "calf-raises": calf_raises,
    "squat-rocks": squat_rocks,
    "knee-circles": knee_circles,
    "knee-to-wall": knee_to_wall,
}
BUILDERS: dict[str, Callable[[Ctx], None]] = {**DRIVE_DRILLS, **MORE_DRILLS, **OWN_DRILLS}


def finish_truth(reps: list[dict[str, Any]]) -> None:
    """The second model's per-rep truth fields: valid, invalid_reason, eccentric_s, count."""
    n = 0
    for r in reps:
        r.setdefault("valid", True)
        r.setdefault("invalid_reason", None)
        r.setdefault("eccentric_s", r.get("down_s"))
        if r["valid"] and not r["partial"]:
            n += 1
            r["count"] = n
        else:
            r["count"] = 0
