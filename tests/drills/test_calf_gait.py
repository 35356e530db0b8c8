"""Turning on the spot and stepping in place never count as calf raises (counter: the landing's verdict).

A step's heel-off lifts the ankle 3–6 cm in 0.2–0.4 s with the shin near still: the raise segmenter closes it
as a quick raise. What tells it is the toe-off that follows (the foot lifted, turned when turning) or the
turning step before it, so a calf raise is judged GaitParams.planted_after_s after its close, its foot
planted and facing one way from a stride before it rose through its landing. Seeds from the TUNING set
(dorsi.virtual.sim.heldout); the held-out figures are bench_reps.py --gait's.
"""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.drills import RepCounter
from dorsi.drills.gait import FOOT_LIFTED, FOOT_TURNED, STEPPING
from dorsi.drills.params import GaitParams
from dorsi.virtual.sim import SimParams
from tests.drills.helpers import count_movement, counted, random_chunks, simulate_and_count

NOT_PLANTED = {FOOT_LIFTED, FOOT_TURNED, STEPPING}


def _count(kind: str, seed: int, chunk_sizes: list[int] | None = None) -> RepCounter:
    return count_movement(kind, seed, "calf-raises", chunk_sizes, strap_known=True)


# before the landing's verdict these counted heel-offs as raises: 1000 (2), 1001 (1: its ankle under the lift
# check's floor, the turn after it tells), 1004 (3), 1019 (3), 1041 (the step back to standing, 1: only the
# turn before it tells)
def test_turning_on_the_spot_counts_no_calf_raise_and_says_why() -> None:
    reasons: set[str] = set()
    for seed in (1000, 1001, 1004, 1019, 1041):
        c = _count("turning", seed)
        reps = counted(c)
        assert c.rep_count == 0 and reps and not any(r.valid for r in reps)
        assert all(r.invalid_reason in NOT_PLANTED and r.index == 0 for r in reps)
        reasons |= {r.invalid_reason for r in reps}
    assert {FOOT_LIFTED, FOOT_TURNED} <= reasons


@pytest.mark.parametrize("seed", [1007, 1015])
def test_stepping_in_place_counts_no_calf_raise_the_lifted_foot_listed(seed: int) -> None:
    c = _count("stepping", seed)
    reps = counted(c)
    assert c.rep_count == 0 and reps and not any(r.valid for r in reps)
    assert FOOT_LIFTED in {r.invalid_reason for r in reps}


def test_the_landing_verdicts_are_the_same_for_any_chunking() -> None:
    whole = _count("turning", 1041)
    parts = _count("turning", 1041, random_chunks(7))
    assert {FOOT_LIFTED, FOOT_TURNED} <= {r.invalid_reason for r in whole.reps}
    assert [r.as_dict() for r in whole.reps] == [r.as_dict() for r in parts.reps]


@pytest.mark.parametrize("model", ["keyframe", "velocity"])
def test_a_calf_raise_set_still_counts_exactly_reported_after_its_landing(model: str) -> None:
    params = SimParams(drill="calf-raises", seed=1000, seconds=240.0, rate_hz=100.0, model=model)
    sim, c = simulate_and_count(params)
    got = [r for r in counted(c) if r.valid]
    assert c.rep_count == len(got) == len(sim.counted_reps) > 0
    assert not [r for r in c.reps if r.invalid_reason in NOT_PLANTED]
    wait = GaitParams().planted_after_s
    # reported at the first sample planted_after_s after the close (100 Hz: within one sample of it)
    assert np.allclose([r.emitted_s - r.end_s for r in got], wait, atol=0.011)
    _, chunked = simulate_and_count(params, random_chunks(3))
    assert [r.as_dict() for r in chunked.reps] == [r.as_dict() for r in c.reps]
