"""A knee-to-wall session in which one trial lifts the heel (and gets the knee further): the existing
simulator with one drill script swapped in for the test (an opt-in scenario, not a simulator event).

    sim = simulate_heel_lift(seed, heel_cm=2.5, extra_deg=4.0, trial=2)
    sim.reps[i]["heel_lift"]   # True for the lifted trial

On the key-frame model the heel rises through the whole drive; on the velocity model
(``model="velocity"``) it is that model's own knee-to-wall, whose lifted trial (at a seeded place among
the trials) lifts in the last 30 % of the drive, here by ``heel_cm`` instead of its own 1-3 cm.

``python -m tests.drills.heel_lift LO HI [HEEL_CM] [MODEL]`` prints the heel rise the counter estimates
for every trial (valid and lifted) and how many the counter called lifted.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any
from unittest import mock

import numpy as np

from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim import SimParams, SimResult, core, model2, simulate
from dorsi.virtual.sim.session import Ctx, run_sets


def _knee_to_wall_heel_lift(trial: int, heel_m: float, extra_deg: float) -> Callable[[Ctx], None]:
    def build(ctx: Ctx) -> None:
        p = ctx.person
        rest_theta = p.standing_theta_deg + ctx.u(0.5, 2.0)
        ctx.script.move(1.5, theta_deg=rest_theta)
        ctx.script.hold(ctx.u(1.0, 2.0))  # the person settles before the first trial
        done = [0]

        def rep(c: Ctx, si: int, partial: bool) -> None:
            done[0] += 1
            lifted = done[0] == trial and not partial
            peak = min(50.0, max(30.0, c.jitter(p.max_theta_deg, sd=1.0, lim=2.5))) + (extra_deg if lifted else 0.0)
            up, hold, down = c.u(2.0, 3.5), c.u(1.0, 2.0), c.u(1.5, 2.5)
            s, start = c.script, c.script.now
            s.move(up, theta_deg=peak, rise_m=heel_m if lifted else 0.0)
            s.move(hold, theta_deg=peak + c.u(-0.4, 0.6))
            s.move(down, theta_deg=rest_theta, rise_m=0.0)
            s.reps.append({"set": si, "start_s": start, "end_s": s.now, "partial": partial, "kind": "drive"})
            s.reps[-1]["heel_lift"] = lifted

        run_sets(ctx, ctx.sets(1), ctx.reps(3), rep, lambda: ctx.u(3.0, 6.0), ctx.u(10.0, 20.0))
        ctx.script.move(1.5, theta_deg=p.standing_theta_deg)

    return build


def _velocity_knee_to_wall(heel_cm: float) -> Callable[[Ctx], None]:
    """The velocity model's own knee-to-wall with its lifted trial's heel at heel_cm (its own draw of
    1-3 cm is still made, so every other draw stays the model's)."""
    lift = model2._heel_lift_trial

    def fixed(ctx: Ctx, rest_theta: float, peak: float, _drawn_cm: float, *rest: float) -> None:
        peak += model2.HEEL_LIFT_KNEE_DEG_PER_CM * (heel_cm - _drawn_cm)
        lift(ctx, rest_theta, peak, heel_cm, *rest)

    def build(ctx: Ctx) -> None:
        with mock.patch.object(model2, "_heel_lift_trial", fixed):
            model2.knee_to_wall(ctx)

    return build


def simulate_heel_lift(
    seed: int,
    heel_cm: float = 2.5,
    extra_deg: float = 4.0,
    trial: int = 2,
    seconds: float = 70.0,
    model: str = "keyframe",
    **kw: Any,
) -> SimResult:
    if model == "velocity":
        with mock.patch.dict(model2.BUILDERS, {"knee-to-wall": _velocity_knee_to_wall(heel_cm)}):
            sim = simulate(SimParams(drill="knee-to-wall", seconds=seconds, seed=seed, model=model, **kw))
        for r in sim.reps:
            r["heel_lift"] = "heel_lift_cm" in r
        return sim
    builder = _knee_to_wall_heel_lift(trial, heel_cm / 100.0, extra_deg)
    with mock.patch.dict(core.DRILL_BUILDERS, {"knee-to-wall": builder}):
        return simulate(SimParams(drill="knee-to-wall", seconds=seconds, seed=seed, model=model, **kw))


def judged_trials(sim: SimResult) -> list[tuple[float, bool]]:
    """Every full trial the counter found: its heel-rise estimate (nan: not judged) and whether it was
    called a lifted heel."""
    p = sim.params
    session = LiveSession(SessionSpec(rate_hz=p.rate_hz, side=p.side, drill=p.drill))
    session.feed(sim.recording.chunk)
    assert session.counter is not None
    return [(r.heel_rise_cm, r.invalid_reason.startswith("heel lifted")) for r in session.counter.reps if not r.partial]


def estimated_heel_rise_cm(sim: SimResult) -> list[float]:
    """The counter's heel-rise estimate for every full trial (nan: not judged)."""
    return [e for e, _ in judged_trials(sim)]


def main(argv: list[str]) -> None:
    lo, hi = int(argv[0]), int(argv[1])
    heel_cm = float(argv[2]) if len(argv) > 2 else 2.5
    model = argv[3] if len(argv) > 3 else "keyframe"
    valid: list[tuple[float, bool]] = []
    lifted: list[tuple[float, bool]] = []
    lost = 0
    for seed in range(lo, hi):
        sim = simulate_heel_lift(seed, heel_cm=heel_cm, model=model)
        truth = [r["heel_lift"] for r in sim.reps if not r["partial"]]
        est = judged_trials(sim)
        if len(est) != len(truth):
            sys.stdout.write(f"seed {seed}: {len(est)} trials found, {len(truth)} made\n")
            lost += 1
            continue
        for e, lift in zip(est, truth, strict=True):
            (lifted if lift else valid).append(e)
    v, li = np.array([e for e, _ in valid]), np.array([e for e, _ in lifted])
    out = sys.stdout.write
    out(f"{model} seeds {lo}-{hi - 1}, lift {heel_cm} cm ({lost} sessions whose trials were not all found)\n")
    out(
        f"heel down: n={len(v)} unknown={int(np.isnan(v).sum())} mean={np.nanmean(v):.2f} sd={np.nanstd(v):.2f}"
        f" max={np.nanmax(v):.2f} rejected={sum(c for _, c in valid)}\n"
    )
    out(
        f"heel lifted: n={len(li)} unknown={int(np.isnan(li).sum())} mean={np.nanmean(li):.2f}"
        f" min={np.nanmin(li):.2f} caught={sum(c for _, c in lifted)} of {len(li)}\n"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
