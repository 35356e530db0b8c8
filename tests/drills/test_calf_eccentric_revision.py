"""Calf raises' eccentric revised once the landing is seen (issue 18). At the judging (close + 0.3 s) an
early-peaking lowering is still braking (its last fifth moves the heel under a millimetre: it ended 0.7 s early)
and a late-peaking one's slow set-off was read 0.7 s late. The landing's strike (a ring's first swing, or an
impulse) marks the end; the start is then fitted on every sample to it over beta velocity profiles
(lowering.lowering_landed). The rep is counted and reported at the judging as before; the counter amends its
eccentric (and score) in ``reps`` when the revision comes, the reported event keeping the judging's figures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dorsi.drills import lowering
from dorsi.drills.lowering import lowering_landed, lowering_time
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim import SimParams, model2, simulate
from dorsi.virtual.sim.heldout import assert_tunable
from dorsi.virtual.sim.script import PROFILES
from tests.drills.helpers import counted, random_chunks

RATE_HZ = 100.0


def _session(seed: int, model: str, chunk_sizes: list[int]) -> tuple[object, object, dict[float, float]]:
    """A 12-rep calf-raise set (a tuning seed): the simulation, its counter, and each event's eccentric."""
    assert_tunable(seed)
    params = SimParams(
        drill="calf-raises", seconds=120.0, seed=seed, rate_hz=RATE_HZ, sets=1, reps_per_set=12, model=model
    )
    sim = simulate(params)
    session = LiveSession(SessionSpec(rate_hz=RATE_HZ, drill="calf-raises"))
    reported: dict[float, float] = {}
    sizes = chunk_sizes
    start, k = 0, 0
    chunk = sim.recording.chunk
    while start < len(chunk):
        stop = min(len(chunk), start + sizes[k % len(sizes)])
        _, events = session.feed(chunk.slice(start, stop))
        reported.update({e.rep.start_s: e.rep.extra["down_s"] for e in events})
        start, k = stop, k + 1
    reported.update({e.rep.start_s: e.rep.extra["down_s"] for e in session.finish()})
    return sim, session.counter, reported


def _errors(profile: str, seeds: tuple[int, ...], monkeypatch: pytest.MonkeyPatch) -> tuple[list[float], list[float]]:
    """The velocity model with every lowering of one drawn profile: each rep's eccentric error as reported at
    the judging, and as revised (a landing not seen: the same)."""
    monkeypatch.setattr(model2, "PROFILE_WEIGHTS", {profile: 1.0})
    revised, reported = [], []
    for seed in seeds:
        sim, counter, at_judging = _session(seed, "velocity", [25])
        got = counted(counter)
        assert len(got) == len(sim.counted_reps) == 12
        for t, g in zip(sim.counted_reps, got, strict=True):
            reported.append(at_judging[g.start_s] - t["down_s"])
            revised.append(g.extra["down_s"] - t["down_s"])
    return reported, revised


def test_early_peaking_lowerings_are_revised_within_half_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    reported, revised = _errors("early", (1000, 1001), monkeypatch)
    landed = [e for e, r in zip(revised, reported, strict=True) if e != r]
    # measured: 23 of 24 landings seen, revised −0.07…+0.07 s (the other, no strike seen, stays at −0.55 s);
    # as reported at the judging −0.79…−0.46 s
    assert len(landed) >= 20 and all(abs(e) <= 0.5 for e in landed), (reported, revised)
    assert sum(abs(e) > 0.5 for e in reported) >= 12, reported  # what the revision is for


def test_late_peaking_lowerings_are_revised_within_half_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    reported, revised = _errors("late", (1000, 1001), monkeypatch)
    landed = [e for e, r in zip(revised, reported, strict=True) if e != r]
    # measured: 22 of 24 landings seen, revised −0.21…+0.42 s (the other two stay at −0.57, −0.60 s); as
    # reported at the judging −0.84…−0.52 s
    assert len(landed) >= 20 and all(abs(e) <= 0.5 for e in landed), (reported, revised)
    assert sum(abs(e) > 0.5 for e in reported) >= 12, reported


def test_key_frame_lowerings_are_not_made_worse() -> None:
    for seed in (1000, 1001):
        sim, counter, at_judging = _session(seed, "keyframe", [25])
        got = counted(counter)
        assert len(got) == len(sim.counted_reps)
        for t, g in zip(sim.counted_reps, got, strict=True):
            before, after = at_judging[g.start_s] - t["down_s"], g.extra["down_s"] - t["down_s"]
            assert abs(after) <= max(abs(before), 0.3), (before, after)


def test_revision_is_the_same_for_any_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model2, "PROFILE_WEIGHTS", {"early": 0.5, "late": 0.5})
    _, whole, whole_reported = _session(1002, "velocity", [10**9])
    _, notif, notif_reported = _session(1002, "velocity", [25])
    _, rand, rand_reported = _session(1002, "velocity", random_chunks(1002))
    assert whole.summary() == notif.summary() == rand.summary()
    assert whole_reported == notif_reported == rand_reported
    revised = [r for r in whole.reps if r.extra["down_s"] != whole_reported[r.start_s]]
    assert len(revised) >= 6


def test_the_revised_rep_is_scored_on_its_revised_eccentric(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model2, "PROFILE_WEIGHTS", {"early": 1.0})
    _, counter, reported = _session(1003, "velocity", [25])
    eccentric_s = counter.drill.eccentric_s
    revised = [r for r in counter.reps if r.extra["down_s"] != reported[r.start_s]]
    assert revised
    for r in revised:
        assert r.score_components["tempo"] == pytest.approx(min(1.0, r.extra["down_s"] / eccentric_s))
        assert f"lowered in {r.extra['down_s']:.1f} s" in " ".join(r.reasons)
    assert counter.state.last_rep is counter.reps[-1] or counter.state.last_rep in counter.reps


def _lowering(profile: str, dur_s: float, seed: int, density: float) -> tuple[np.ndarray, np.ndarray]:
    """A heel lowering along the simulator's position profile from a 6 cm ankle rise, its velocity integrated
    from white accelerometer noise at 100 Hz; 0.3 s of top hold before it, the data to the heel's landing."""
    t = np.arange(0.0, 0.3 + dur_s + 1e-9, 1.0 / RATE_HZ)
    heel_top = model2.heel_for_ankle_rise(0.06)
    heel = heel_top * (1.0 - PROFILES[profile](np.clip((t - 0.3) / dur_s, 0.0, 1.0)))
    z = np.asarray([model2.ankle_rise_m(h) for h in heel])
    noise = np.random.default_rng(seed).normal(0.0, density * math.sqrt(0.5 * RATE_HZ), len(t))
    return t, np.gradient(z, t) + np.cumsum(noise) / RATE_HZ


@pytest.mark.parametrize("profile", ["min-jerk", "early", "late", "bell", "trapezoid"])
def test_the_landed_fit_times_each_profile(profile: str) -> None:
    density = 150e-6 * 9.80665
    errors = []
    for seed in range(6):
        t, v = _lowering(profile, 3.0, seed, density)
        fit = lowering_landed(t, v, 0.0, 3.3, 0.06)
        errors.append(fit.dur_s - 3.0)
        if profile == "min-jerk":  # not worse than the judging's fit on the same samples
            assert abs(fit.dur_s - 3.0) <= abs(lowering_time(t, v, 0.0, 0.06, density).dur_s - 3.0) + 0.1
    # measured (6 seeds): minimum jerk −0.02…+0.04 s, early −0.04…+0.07, late −0.01…+0.23, bell −0.01…+0.04,
    # trapezoid −0.10…−0.03 (lowering_time on the same samples: early −0.68…−0.51, late −0.57…−0.52)
    assert max(abs(e) for e in errors) <= 0.3, errors


@pytest.mark.parametrize(("event", "seed"), [("tap", 0), ("tap", 3), ("reposition", 2)])
def test_a_tap_or_a_step_after_a_lowering_is_not_its_landing(event: str, seed: int) -> None:
    """The corpus's key-frame lowerings end without a strike. A tap on the sensor 0.7 s after one (its edge an
    impulse under the spike bar, then the spike and a ring) was taken for the landing (2.96 → 3.91 s, seed 0);
    a foot lifted to reposition it, then put down, left velocity no lowering explains (2.96 → 0.34 s, seed 2).
    Now a strike within tap_s of a spike is the tap's, and a landed fit whose cost per increment is beyond
    landed_cost_k × the judging's is no revision."""
    params = SimParams(drill="calf-raises", seconds=420.0, seed=seed, rate_hz=200.0, events=(event,))
    sim = simulate(params)
    session = LiveSession(SessionSpec(rate_hz=200.0, drill="calf-raises"))
    chunk = sim.recording.chunk
    for a in range(0, len(chunk), 50):
        session.feed(chunk.slice(a, min(len(chunk), a + 50)))
    session.finish()
    assert session.counter is not None
    got = counted(session.counter)
    assert len(got) == len(sim.counted_reps)
    errors = [g.extra["down_s"] - t["down_s"] for t, g in zip(sim.counted_reps, got, strict=True)]
    # measured: within ±0.23 s on all four corpus seeds of each event, as before the revision
    assert max(abs(e) for e in errors) <= 0.3, errors


def _landed_full_grid(t: np.ndarray, v: np.ndarray, hold_s: float, end_s: float, drop_m: float) -> tuple[float, ...]:
    """``lowering_landed`` as first written: every cell of the grid costed (np.interp templates), the mean over
    all of them."""
    keep = t <= end_s
    inc = lowering._Increments.of(t[keep], v[keep])
    assert inc is not None
    foot = lowering._Foot.of(drop_m, lowering.DEFAULT_FOOT_CM)
    t0 = np.arange(hold_s - 0.3, end_s - lowering.LANDED_MIN_S, lowering.LANDED_T0_STEP_S)
    shapes = [(a, b) for a in lowering.LANDED_SHAPES for b in lowering.LANDED_SHAPES]
    cost = np.stack([inc.costs(lowering._beta_template(inc.ts, t0, end_s, a, b, foot)) for a, b in shapes])
    best = float(cost.min())
    w = np.exp(-0.5 * (cost - best) / (best / len(inc.dv)))
    i = int(np.argmin(cost)) // len(t0)
    return float(np.sum(w * t0[None, :]) / np.sum(w)), shapes[i][0], shapes[i][1], best


@pytest.mark.parametrize("profile", ["min-jerk", "early", "late", "trapezoid"])
def test_the_pruned_landed_fit_is_the_full_grids(profile: str) -> None:
    """The landed fit costs only the cells whose bound leaves them within LANDED_CHI2 of the best (≈ 6 % of
    them: 47 → ≈ 6.5 ms a fit): the start is the full grid's posterior mean within 1e-9 s (the cells left out
    weigh < 5e-18 each), the best shape and its cost the same bits (the templates are np.interp's)."""
    density = 150e-6 * 9.80665
    for seed in range(3):
        t, v = _lowering(profile, 2.0 + 0.5 * seed, seed, density)
        end_s = float(t[-1]) + 0.005
        fit = lowering_landed(t, v, 0.0, end_s, 0.06)
        t0_s, a, b, cost = _landed_full_grid(t, v, 0.0, end_s, 0.06)
        assert abs(fit.t0_s - t0_s) <= 1e-9
        assert (fit.up, fit.down, fit.cost) == (a, b, cost)


def test_the_cells_templates_are_np_interps() -> None:
    """``_beta_cells`` (every shape's tables read by index) gives ``_beta_template``'s bits, the bins' edges
    included."""
    foot = lowering._Foot.of(0.06, lowering.DEFAULT_FOOT_CM)
    knots = lowering._BETA_U
    cases = [  # (bins' times, starts, end): the second's u on the tables' knots and beside them
        (np.linspace(-0.1, 2.1, 203), np.array([-0.05, 0.0, 0.013, 0.1]), 2.0),
        (np.concatenate([knots, np.nextafter(knots, 2.0), np.nextafter(knots, -1.0)]), np.array([0.0]), 1.0),
    ]
    for ts, t0, end_s in cases:
        for k in (0, 48, 120):
            a, b = lowering._LANDED_GRID[k]
            ref = lowering._beta_template(ts, t0, end_s, a, b, foot)
            got = lowering._beta_cells(ts, t0, np.full(len(t0), k), end_s, foot).copy()
            assert np.array_equal(got.view(np.int64), ref.view(np.int64))


@pytest.mark.parametrize("profile", ["min-jerk", "early", "late"])
def test_a_run_of_starts_bound_is_below_each_of_its_cells_cost(profile: str) -> None:
    """``_block_bounds`` (a shape's run of starts bounded from its templates' ranges, no template computed) is at
    most the cost of every cell of the run, and it rules out most runs (it is what spares their templates)."""
    density = 150e-6 * 9.80665
    for seed in range(2):
        t, v = _lowering(profile, 2.0 + seed, seed, density)
        end_s = float(t[-1]) + 0.005
        inc = lowering._Increments.of(t, v)
        assert inc is not None
        foot = lowering._Foot.of(0.06, lowering.DEFAULT_FOOT_CM)
        t0 = np.arange(-0.3, end_s - lowering.LANDED_MIN_S, lowering.LANDED_T0_STEP_S)
        block = lowering.LANDED_BLOCK_STARTS
        cols = inc.bound_columns(lowering.LANDED_BLOCK_GROUP)
        assert cols is not None
        runs = lowering._block_bounds(inc, cols, t0, end_s, foot, block)
        assert runs is not None
        shapes = lowering._LANDED_GRID
        cost = np.stack([inc.costs(lowering._beta_template(inc.ts, t0, end_s, a, b, foot)) for a, b in shapes])
        per_cell = np.repeat(runs, block, axis=1)[:, : len(t0)]
        assert (per_cell <= cost).all()
        bar = cost.min() * (1.0 + lowering.LANDED_CHI2 / len(inc.dv))
        assert np.mean(runs > bar) > 0.9  # (measured: 0.96-0.98 of the runs out)
