"""Banded distraction drives start from a lunge stance and use what is left of the person's range: for a
person whose end range is 13° past the stance they span 7.6–11.6°, and the old absolute floor of 8°
dropped the smaller ones without a word. Whether a drive is partial is judged against the person's own
usual range; the floor only keeps sway from being judged at all."""

from __future__ import annotations

from dorsi.virtual.sim import SimParams

from .helpers import counted, simulate_and_count


def test_small_but_full_drives_are_counted() -> None:
    params = SimParams(drill="banded-distraction", seconds=100.0, seed=36, rate_hz=200.0)
    sim, counter = simulate_and_count(params)
    truth = sim.counted_reps
    ranges = [r["peak_tibial_inclination_deg"] for r in truth]
    assert min(ranges) < max(ranges) - 3.0  # drives of clearly different size
    assert len(counted(counter)) == len(truth)
    assert not [r for r in counter.reps if r.partial]
