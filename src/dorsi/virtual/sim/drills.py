"""Drill scripts made of forward knee drives (rest → peak → hold → rest)."""

from __future__ import annotations

from collections.abc import Callable

from dorsi.virtual.sim.session import Ctx, drive, run_sets, step_to


def _set_rest(ctx: Ctx, n_sets: int, set_s: float, lo: float, hi: float) -> float:
    """Rest between sets, drawn in [lo, hi], shortened (to ≥ 5 s) when the recording is short."""
    rest = ctx.u(lo, hi)
    if n_sets > 1:
        spare = (ctx.remaining_s() - n_sets * set_s) / (n_sets - 1)
        rest = min(rest, max(5.0, spare))
    return rest


def knee_to_wall(ctx: Ctx) -> None:
    """3 slow drives to the wall, 1–2 s touch at the person's maximum (30–50°), 3–6 s rest."""
    p = ctx.person
    rest_theta = p.standing_theta_deg + ctx.u(0.5, 2.0)  # foot set in front, weight slightly forward
    ctx.script.move(1.5, theta_deg=rest_theta)

    def rep(c: Ctx, si: int, partial: bool) -> None:
        peak = min(50.0, max(30.0, c.jitter(p.max_theta_deg, sd=1.0, lim=2.5)))
        drive(c, si, rest_theta, peak, c.u(2.0, 3.5), c.u(1.0, 2.0), c.u(1.5, 2.5), partial, 0.6)

    run_sets(ctx, ctx.sets(1), ctx.reps(3), rep, lambda: ctx.u(3.0, 6.0), ctx.u(10.0, 20.0))
    ctx.script.move(1.5, theta_deg=p.standing_theta_deg)


def _half_kneeling(ctx: Ctx, theta: float) -> None:
    step_to(ctx, theta, 0.30, ctx.u(2.5, 3.5))
    ctx.script.hold(ctx.u(1.0, 2.0))


def _stand_up(ctx: Ctx) -> None:
    ctx.script.hold(ctx.u(0.5, 1.0))
    step_to(ctx, ctx.person.standing_theta_deg, -0.30, ctx.u(2.5, 3.5))


def wall_test_half_kneeling(ctx: Ctx) -> None:
    """Half-kneeling, shin ~20°: drives toward the wall, heel down, 1–2 s touch."""
    p = ctx.person
    rest_theta = ctx.u(17.0, 23.0)
    _half_kneeling(ctx, rest_theta)

    def rep(c: Ctx, si: int, partial: bool) -> None:
        peak = c.jitter(p.max_theta_deg + 2.0, sd=1.0, lim=2.5)
        drive(c, si, rest_theta, peak, c.u(1.8, 3.0), c.u(1.0, 2.0), c.u(1.5, 2.5), partial, 0.6)

    run_sets(ctx, ctx.sets(1), ctx.reps(3), rep, lambda: ctx.u(3.0, 5.0), ctx.u(10.0, 20.0))
    _stand_up(ctx)


def banded_mobilization(ctx: Ctx) -> None:
    """Half-kneeling with a band: 1 × 10 drives to end range, 2 s hold."""
    p = ctx.person
    rest_theta = ctx.u(14.0, 20.0)
    _half_kneeling(ctx, rest_theta)
    target = p.max_theta_deg - ctx.u(0.0, 3.0)

    def rep(c: Ctx, si: int, partial: bool) -> None:
        drive(c, si, rest_theta, c.jitter(target), c.u(1.3, 2.0), c.vary(2.0, 0.1), c.u(1.2, 1.8), partial)

    run_sets(ctx, ctx.sets(1), ctx.reps(10), rep, lambda: ctx.u(0.6, 1.2), ctx.u(20.0, 40.0))
    _stand_up(ctx)


def reverse_lunge(ctx: Ctx) -> None:
    """Sensor on the front leg: 2–3 × 4–6 lunges, front shin forward to 25–40°, heel down."""
    p = ctx.person
    n_sets, n_reps = ctx.sets(int(ctx.rng.integers(2, 4))), ctx.reps(int(ctx.rng.integers(4, 7)))
    target = min(40.0, max(25.0, p.max_theta_deg - ctx.u(3.0, 10.0)))

    def rep(c: Ctx, si: int, partial: bool) -> None:
        peak = min(42.0, max(23.0, c.jitter(target)))
        drive(c, si, p.standing_theta_deg, peak, c.u(1.2, 1.8), c.u(0.4, 1.0), c.u(1.0, 1.5), partial, 0.8)

    set_s = n_reps * 5.5
    run_sets(ctx, n_sets, n_reps, rep, lambda: ctx.u(1.0, 2.0), _set_rest(ctx, n_sets, set_s, 30.0, 60.0))


def clamshell(ctx: Ctx) -> None:
    """Single-leg quarter squat, knee driven forward to 15–25°, 5 s hold; 2–3 × 4–6."""
    p = ctx.person
    n_sets, n_reps = ctx.sets(int(ctx.rng.integers(2, 4))), ctx.reps(int(ctx.rng.integers(4, 7)))
    target = ctx.u(17.0, 23.0)

    def rep(c: Ctx, si: int, partial: bool) -> None:
        peak = min(25.0, max(15.0, c.jitter(target, sd=1.0, lim=2.0)))
        # The hip pushes the knee out: the drift here is lateral (negative medial scale).
        drive(c, si, p.standing_theta_deg, peak, c.u(1.3, 1.8), c.vary(5.0, 0.08), c.u(1.2, 1.6), partial, -0.3)

    set_s = n_reps * 10.5
    run_sets(ctx, n_sets, n_reps, rep, lambda: ctx.u(2.0, 3.0), _set_rest(ctx, n_sets, set_s, 20.0, 40.0))


def rocking_mobilization(ctx: Ctx) -> None:
    """Knee straight (gastrocnemius): rock into dorsiflexion 10–15 times, 6–12° beyond standing (shin 8–20°)."""
    p = ctx.person
    target = ctx.u(6.0, 12.0)
    n_reps = ctx.reps(int(ctx.rng.integers(10, 16)))

    def rep(c: Ctx, si: int, partial: bool) -> None:
        # a partial rep stops short of the intended range (drive() scales it), not of a jittered one
        peak = p.standing_theta_deg + (target if partial else c.jitter_range(target))
        drive(c, si, p.standing_theta_deg, peak, c.u(1.0, 1.5), c.u(0.5, 1.0), c.u(1.0, 1.5), partial, 0.3)

    run_sets(ctx, ctx.sets(1), n_reps, rep, lambda: ctx.u(0.3, 0.8), ctx.u(20.0, 40.0))


DrillFn = Callable[[Ctx], None]

DRIVE_DRILLS: dict[str, DrillFn] = {
    "knee-to-wall": knee_to_wall,
    "wall-test-half-kneeling": wall_test_half_kneeling,
    "banded-mobilization": banded_mobilization,
    "reverse-lunge": reverse_lunge,
    "clamshell": clamshell,
    "rocking-mobilization": rocking_mobilization,
}
