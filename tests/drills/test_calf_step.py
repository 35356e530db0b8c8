"""A step to reposition the foot lifts the shin as far as a calf raise does, but tilts it (simulated:
14° or more, a raise under 2°): it is not a raise, and the velocity it leaves behind must not spoil
the next one."""

from __future__ import annotations

import pytest

from dorsi.virtual.sim import SimParams
from tests.drills.helpers import counted, simulate_and_count


# seeds where a step was counted as a raise (1, 4, 8) or counted and the next raise lost (10)
@pytest.mark.parametrize("seed", [1, 4, 8, 10])
def test_a_step_between_calf_raises_is_not_a_rep(seed: int) -> None:
    params = SimParams(
        drill="calf-raises", seconds=150.0, seed=seed, rate_hz=100.0, events=("reposition",), sets=1, reps_per_set=8
    )
    sim, counter = simulate_and_count(params)
    step = sim.events[0]
    got = counted(counter)
    assert len(got) == len(sim.counted_reps), f"{len(got)} counted, {len(sim.counted_reps)} performed"
    assert not [r for r in counter.reps if r.start_s < step["end_s"] and r.end_s > step["start_s"]]
    for t, g in zip(sim.counted_reps, got, strict=True):  # each performed raise, in order
        assert g.start_s < t["end_s"] and g.end_s > t["start_s"]
