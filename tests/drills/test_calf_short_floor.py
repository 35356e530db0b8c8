"""Calf raises on the independent movement model (model2.py) at 50 Hz (the WitMotion profile): sets of 15
with under 1 s on the floor, each lowering ending in a soft heel strike. At 50 Hz a 20-40 ms strike falls
in 1-2 samples and the soft tissue rings, so its integral leaves several cm/s of velocity; the floor is too
short a rest to be seen as still. Before the floor rule (the next rise pushes off the floor's last quiet
moment) and the snap test, tuning seed 1000 counted 41 of 45 (5 lost, one merged, one extra)."""

from __future__ import annotations

import itertools

import pytest

from tests.drills.helpers import count_velocity_calf_set, counted

SEED = 1000  # a TUNING seed (dorsi.virtual.sim.heldout)


@pytest.mark.parametrize("profile", ["witmotion", "reference"])
def test_velocity_model_calf_set_under_one_second_on_the_floor_counts_exactly(profile: str) -> None:
    sim, counter = count_velocity_calf_set(SEED, profile)
    truth = sim.counted_reps
    floors = [b["start_s"] - a["end_s"] for a, b in itertools.pairwise(truth) if a["set"] == b["set"]]
    assert len(floors) >= 40 and max(floors) < 1.0  # the claim: under 1 s on the floor between reps
    got = counted(counter)
    assert len(got) == len(truth) == 45
    prev_top = -1.0
    for t, g in zip(truth, got, strict=True):
        # one detected rep per performed rep (it holds this rep's top and not the last one's), reported by
        # the time the heel is back down
        top = t["start_s"] + t["up_s"]
        assert prev_top < g.start_s < top
        prev_top = top
        assert t["start_s"] + t["up_s"] <= g.emitted_s <= t["end_s"] + 0.3
        assert g.extra["down_s"] > 0.0
