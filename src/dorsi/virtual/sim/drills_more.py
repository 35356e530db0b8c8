"""Drills that are not plain knee drives: distraction, circles, squat rocks, calf raises, ankle matrix."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable

from dorsi.virtual.sim.drills import _half_kneeling, _set_rest, _stand_up
from dorsi.virtual.sim.session import Ctx, drive, insert_events, run_sets


def banded_distraction(ctx: Ctx) -> None:
    """Half-kneeling, band at the ankle: knee drives ~1 per 2–3 s for 2 min, then a 30 s hold at the deepest."""
    p = ctx.person
    s = ctx.script
    rest_theta = ctx.u(14.0, 20.0)
    target = p.max_theta_deg - ctx.u(2.0, 5.0)
    _half_kneeling(ctx, rest_theta)
    for si in range(1, ctx.sets(1) + 1):
        t0 = s.now
        n_done, planned = 0, ctx.params.reps_per_set
        budget_s = 120.0 * (0.5 if (si == 1 and ctx.event("early-stop")) else 1.0)
        while (planned is None and s.now - t0 < budget_s - 2.5 * ctx.tempo) or (
            planned is not None and n_done < planned
        ):
            drive(ctx, si, rest_theta, ctx.jitter(target), ctx.u(0.9, 1.2), ctx.u(0.1, 0.3), ctx.u(0.8, 1.1))
            n_done += 1
            if si == 1:
                insert_events(
                    ctx,
                    n_done - 1,
                    10**6,
                    4,  # mid-set events after the 4th drive
                    functools.partial(drive, ctx, si, rest_theta, target, 1.0, 0.2, 1.0, partial=True),
                )
            s.hold(ctx.u(0.2, 0.6))
        if si == 1 and ctx.event("early-stop"):
            s.events.append({"name": "early-stop", "start_s": s.now, "end_s": s.now})
        # The final hold at the deepest position (a rep of its own: kind "hold").
        drive(ctx, si, rest_theta, p.max_theta_deg + ctx.u(0.0, 1.5), 2.0, ctx.u(29.0, 31.0), 2.0, kind="hold")
        if si < ctx.sets(1):
            s.hold(ctx.u(20.0, 40.0))
    _stand_up(ctx)


def knee_circles(ctx: Ctx) -> None:
    """Knee at end range, circles of 4–8° radius in (θ, φ): 10 each direction (set 1 one way, set 2 the other)."""
    p, s = ctx.person, ctx.script
    centre, phi0, radius, directions, n_reps = _circle_plan(ctx)
    n_sets = len(directions)
    for si, direction in enumerate(directions, start=1):
        circles = max(1, round(n_reps / 2)) if (si == 1 and ctx.event("early-stop")) else n_reps
        s.move(ctx.u(1.5, 2.5) * ctx.tempo, theta_deg=centre, phi_deg=phi0 + ctx.medial_drift(0.3, 1.0))
        if si == 1 and ctx.event("partial-rep"):  # an aborted half circle
            t_partial = s.now
            _circles(ctx, si, 0.5, radius, direction, partial=True)
            s.events.append({"name": "partial-rep", "start_s": t_partial, "end_s": s.now})
            pause_s = ctx.u(0.5, 1.0)
            # the knee is at the centre (radius 0): turn the phase back half a turn, which moves nothing,
            # so the set's circles start knee-forward like every set (their truth boundaries assume it)
            s.circle(pause_s, -0.5 * direction, 0.45 * pause_s)
            s.hold(pause_s)
        _circles(ctx, si, circles, radius, direction)
        if si == 1:
            insert_events(ctx, 0, 1, 1, None)  # the partial circle came first
            if ctx.event("early-stop"):
                s.events.append({"name": "early-stop", "start_s": s.now, "end_s": s.now})
        s.move(ctx.u(1.5, 2.0) * ctx.tempo, theta_deg=p.standing_theta_deg, phi_deg=phi0)
        if si < n_sets:
            s.hold(ctx.u(2.0, 4.0))


def _circle_plan(ctx: Ctx) -> tuple[float, float, float, list[float], int]:
    """Knee circles' draws (both movement models): centre θ, start φ, radius, each set's direction
    (alternating, the first one random), circles a set."""
    centre = ctx.person.max_theta_deg - ctx.u(5.0, 8.0)
    phi0 = ctx.script.value("phi_deg")
    radius = ctx.u(4.0, 8.0)
    first = 1.0 if ctx.rng.random() < 0.5 else -1.0
    n_sets, n_reps = ctx.sets(2), ctx.reps(10)
    return centre, phi0, radius, [first if si % 2 == 1 else -first for si in range(1, n_sets + 1)], n_reps


def _circles(ctx: Ctx, si: int, turns: float, radius: float, direction: float, partial: bool = False) -> None:
    """Circles at the current centre; each full turn of the phase is one rep (from the knee-forward point)."""
    s = ctx.script
    period = ctx.u(2.2, 3.0) * ctx.tempo
    ramp = min(1.0, 0.4 * turns * period)
    t0 = s.now
    total_s = turns * period + ramp
    s.circle(total_s, direction * turns, ramp)
    s.move(ramp, circle_r_deg=radius * ctx.u(0.9, 1.1))
    n_mid = max(1, math.ceil(turns))
    for _ in range(n_mid):  # radius varies a little from circle to circle
        s.move(max(0.05, (total_s - 2.0 * ramp) / n_mid), circle_r_deg=radius * ctx.u(0.85, 1.15))
    s.move(max(0.05, t0 + total_s - s.now), circle_r_deg=0.0)
    ph = s.phases[-1]
    label = "ccw" if direction > 0 else "cw"
    if partial:
        s.add_rep(si, t0, "circle", partial=True, direction=label)
        return
    # The turn boundaries are where the phase crosses whole turns: solve on the known profile.
    bounds = [t0] + [
        _phase_time(ph.evaluate, t0, ph.duration_s, 2.0 * math.pi * k * direction) for k in range(1, round(turns) + 1)
    ]
    for a, b in itertools.pairwise(bounds):
        s.add_rep(si, a, "circle", end_s=b, direction=label)


def _phase_time(f: Callable[..., object], t0: float, dur: float, target: float) -> float:
    """Time at which a monotonic phase profile reaches target (bisection)."""
    import numpy as np

    lo, hi = t0, t0 + dur
    sign = 1.0 if target >= 0 else -1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        v = float(np.asarray(f(np.array([mid])))[0])
        if sign * v < sign * target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def squat_rocks(ctx: Ctx) -> None:
    """Deep flat-foot squat (shin 30–45°), 20–30 rocks of ±4–8°, stand up.

    A rock runs from the back turning point, through the forward peak, to the next back turning point."""
    p, s = ctx.person, ctx.script
    depth, amp, n_sets, n_reps = _rock_plan(ctx)

    def setup(c: Ctx) -> None:
        s.move(c.u(2.5, 3.5), theta_deg=depth, phi_deg=s.value("phi_deg") + c.medial_drift(0.4, 1.0))
        s.hold(c.u(1.0, 2.0))
        s.move(c.u(0.5, 0.7) * c.tempo, theta_deg=depth - amp * c.u(0.6, 1.0))

    def teardown(c: Ctx) -> None:
        s.move(c.u(0.5, 0.8), theta_deg=depth)
        s.hold(c.u(0.5, 1.0))
        s.move(c.u(2.5, 3.5), theta_deg=p.standing_theta_deg, phi_deg=p.standing_phi_deg)

    run_sets(ctx, n_sets, n_reps, _rock(depth, amp), lambda: ctx.u(0.02, 0.15), ctx.u(30.0, 60.0), setup, teardown)


def _rock_plan(ctx: Ctx) -> tuple[float, float, int, int]:
    """Squat rocks' draws (both movement models): squat depth (shin 30–45°), rock amplitude, sets, reps."""
    depth = min(45.0, max(30.0, ctx.person.max_theta_deg - ctx.u(3.0, 8.0)))
    amp = ctx.u(4.0, 8.0)
    return depth, amp, ctx.sets(1), ctx.reps(int(ctx.rng.integers(20, 31)))


def _rock(depth: float, amp: float) -> Callable[[Ctx, int, bool], None]:
    """One squat rock (both movement models): back turning point → forward peak → next back turning point."""

    def rep(c: Ctx, si: int, partial: bool) -> None:
        s = c.script
        start, back = s.now, s.value("theta_deg")
        fwd = depth + max(3.0, c.jitter(amp, sd=1.0, lim=2.5))
        if partial:  # under half the usual range from the back turning point
            fwd = back + c.u(0.25, 0.42) * (depth + amp - 3.0 - back)
        s.move(c.u(0.5, 0.8) * c.tempo, theta_deg=fwd)
        s.move(c.u(0.5, 0.8) * c.tempo, theta_deg=depth - amp * c.u(0.6, 1.0))
        s.add_rep(si, start, "rock", partial)

    return rep


def calf_raises(ctx: Ctx) -> None:
    """Single-leg calf raises 3 × 15: rise 5–9 cm in ~1 s, short top hold, 3 s lowering; 30–60 s rests.

    start_s: heel leaves the floor; end_s: heel back down; peak_s: highest heel rise;
    up_s / down_s: the scripted rise and lowering times."""
    p = ctx.person
    s = ctx.script
    rise_m = ctx.u(0.05, 0.09)
    n_sets, n_reps = ctx.sets(3), ctx.reps(15)

    def rep(c: Ctx, si: int, partial: bool) -> None:
        start = s.now
        top = rise_m * (c.u(0.2, 0.4) if partial else c.u(0.93, 1.07))
        up, down = c.vary(1.0, 0.15) * c.tempo, c.vary(3.0, 0.1) * c.tempo
        lean = c.u(-1.0, 1.5)
        s.move(up, rise_m=top, theta_deg=p.standing_theta_deg + lean)
        s.hold(c.u(0.2, 0.6))
        s.move(down, rise_m=0.0, theta_deg=p.standing_theta_deg)
        s.add_rep(si, start, "calf-raise", partial, up_s=up, down_s=down)

    set_s = n_reps * 5.2 * ctx.tempo
    run_sets(ctx, n_sets, n_reps, rep, lambda: ctx.u(0.3, 0.8), _set_rest(ctx, n_sets, set_s, 30.0, 60.0))


def ankle_matrix(ctx: Ctx) -> None:
    """3-way ankle matrix, bent knee (set 1) then straight leg (set 2): forward, tilt-left, tilt-right,
    rotate-left, rotate-right, a few reps each. Tilt-left: knee toward the person's left (φ > 0);
    rotate-left: the shin's front turns to the person's left (γ > 0, counter-clockwise from above)."""
    p = ctx.person
    s = ctx.script
    n_rounds, n_reps = ctx.sets(1), ctx.reps(3)
    for rnd in range(n_rounds):
        for ki, knee in enumerate(("bent", "straight")):
            si = 2 * rnd + ki + 1
            rest = ctx.u(10.0, 15.0) if knee == "bent" else p.standing_theta_deg
            s.move(ctx.u(1.5, 2.5), theta_deg=rest)
            s.hold(ctx.u(1.0, 2.0))
            # straight leg: the gastrocnemius stops the shin 6-12° beyond standing
            fwd = min(p.max_theta_deg, rest + ctx.u(15.0, 22.0)) if knee == "bent" else rest + ctx.u(6.0, 12.0)
            tilt, rot = (ctx.u(8.0, 12.0), ctx.u(12.0, 20.0)) if knee == "bent" else (ctx.u(5.0, 8.0), ctx.u(8.0, 15.0))
            for direction in ("forward", "tilt-left", "tilt-right", "rotate-left", "rotate-right"):
                reps = n_reps
                if si == 1 and direction == "forward" and ctx.event("early-stop"):
                    reps = max(1, round(n_reps / 2))
                for ri in range(reps):
                    _matrix_rep(ctx, si, knee, direction, rest, fwd, tilt, rot, False)
                    if si == 1 and direction == "forward":
                        insert_events(
                            ctx,
                            ri,
                            reps,
                            max(1, reps // 2),
                            functools.partial(_matrix_rep, ctx, si, knee, direction, rest, fwd, tilt, rot, True),
                        )
                    s.hold(ctx.u(0.6, 1.2))
                if si == 1 and direction == "forward" and ctx.event("early-stop"):
                    s.events.append({"name": "early-stop", "start_s": s.now, "end_s": s.now})
                s.hold(ctx.u(1.0, 2.0))
    s.move(ctx.u(1.5, 2.5), theta_deg=p.standing_theta_deg)


def _matrix_rep(
    ctx: Ctx, si: int, knee: str, direction: str, rest: float, fwd: float, tilt: float, rot: float, partial: bool
) -> None:
    s = ctx.script
    frac = ctx.u(0.25, 0.42) if partial else 1.0
    meta = {"direction": direction, "knee": knee}
    if direction == "forward":
        drive(
            ctx,
            si,
            rest,
            rest + (frac * (fwd - rest) if partial else ctx.jitter_range(fwd - rest)),
            ctx.u(1.2, 1.8),
            ctx.u(0.8, 1.2),
            ctx.u(1.2, 1.8),
            False,
            0.5,
            **meta,
        )
        s.reps[-1]["partial"] = partial
        return
    start, phi0, g0 = s.now, s.value("phi_deg"), s.value("gamma_deg")
    sign = 1.0 if direction.endswith("left") else -1.0
    if direction.startswith("tilt"):
        target = {
            "phi_deg": phi0 + sign * frac * max(3.0, ctx.jitter(tilt, sd=0.8, lim=2.0)),
            "theta_deg": rest + ctx.u(0.5, 2.0),
        }
        back = {"phi_deg": phi0, "theta_deg": rest}
    else:
        target = {"gamma_deg": g0 + sign * frac * max(4.0, ctx.jitter(rot, sd=1.0, lim=3.0))}
        back = {"gamma_deg": g0}
    s.move(ctx.u(1.2, 1.8) * ctx.tempo, **target)
    s.hold(ctx.u(0.8, 1.2))
    s.move(ctx.u(1.2, 1.8) * ctx.tempo, **back)
    s.add_rep(si, start, direction.split("-")[0], partial, direction=direction, knee=knee)


MORE_DRILLS: dict[str, Callable[[Ctx], None]] = {
    "banded-distraction": banded_distraction,
    "knee-circles": knee_circles,
    "squat-rocks": squat_rocks,
    "calf-raises": calf_raises,
    "ankle-matrix": ankle_matrix,
}
