"""A rep closes on the way back, at a quarter of its range; on a fast return that can still be beyond the
start threshold, and the rest of the return opened a "rep" of its own (its peak was its start). Those
tails outvoted the first rep as the partial-rep reference and a true partial was counted as full."""

from __future__ import annotations

from dorsi.virtual.sim import SimParams

from .helpers import counted, simulate_and_count


def test_the_tail_of_a_fast_return_is_not_a_rep() -> None:
    params = SimParams(drill="knee-to-wall", seconds=60.0, seed=31, rate_hz=200.0, events=("partial-rep",))
    sim, counter = simulate_and_count(params)
    truth = sim.counted_reps
    got = counted(counter)
    assert len(got) == len(truth) == 3
    for g, t in zip(got, truth, strict=True):
        assert abs(g.end_s - t["end_s"]) < 1.0
    # the partial drive is reported, as a partial
    assert [round(r.peak_tibial_inclination_deg) for r in counter.reps if r.partial] == [15]
