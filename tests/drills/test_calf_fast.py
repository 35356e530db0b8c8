"""A fast calf raise (the heel up in ~0.4 s) accelerates the shin at ~2 m/s², which the tap test (a tap into
the skin: 2–4 g for 5–20 ms) used to take for a tap: the onset was undone and the raise lost."""

from __future__ import annotations

from dorsi.virtual.sim import SimParams

from .helpers import counted, simulate_and_count


def test_fast_raises_are_not_taps() -> None:
    params = SimParams(drill="calf-raises", seconds=75.0, seed=36, rate_hz=200.0, events=("fast",))
    sim, counter = simulate_and_count(params)
    assert max(r["up_s"] for r in sim.counted_reps) < 0.6
    assert len(counted(counter)) == len(sim.counted_reps) >= 15


def test_a_tap_during_fast_raises_is_still_a_tap() -> None:
    params = SimParams(drill="calf-raises", seconds=75.0, seed=36, rate_hz=200.0, events=("fast", "tap"))
    sim, counter = simulate_and_count(params)
    assert any(e["name"] == "tap" for e in sim.events)
    assert len(counted(counter)) == len(sim.counted_reps)
