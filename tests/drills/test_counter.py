"""The live counter on simulated sessions of every drill: exact counts, peaks, holds, tempo, chunking."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dorsi.drills import DRILL_IDS
from dorsi.virtual.sim import SimParams
from tests.drills.helpers import counted, random_chunks, simulate_and_count

# A short session per drill (sets/reps overridden) keeps the sweep fast; the benchmark runs the big corpus.
SHORT: dict[str, dict[str, int]] = {
    "knee-to-wall": {"sets": 1, "reps_per_set": 3},
    "wall-test-half-kneeling": {"sets": 1, "reps_per_set": 3},
    "banded-mobilization": {"sets": 1, "reps_per_set": 5},
    "banded-distraction": {"sets": 1, "reps_per_set": 8},
    "knee-circles": {"sets": 2, "reps_per_set": 4},
    "squat-rocks": {"sets": 1, "reps_per_set": 8},
    "calf-raises": {"sets": 2, "reps_per_set": 4},
    "reverse-lunge": {"sets": 2, "reps_per_set": 4},
    "clamshell": {"sets": 2, "reps_per_set": 3},
    "ankle-matrix": {"sets": 1, "reps_per_set": 2},
    "rocking-mobilization": {"sets": 1, "reps_per_set": 8},
}
SECONDS = 150.0


def check_accuracy(sim, counter) -> None:  # type: ignore[no-untyped-def]
    truth = sim.counted_reps
    got = counted(counter)
    assert len(got) == len(truth), f"{len(got)} reps counted, {len(truth)} performed"
    for t, g in zip(truth, got, strict=True):
        if t.get("kind") not in ("tilt", "rotate"):
            assert abs(g.peak_tibial_inclination_deg - t["peak_tibial_inclination_deg"]) <= 1.5
        if t.get("kind") in ("drive", "hold", "tilt", "rotate"):
            assert abs(g.hold_s - t["hold_s"]) <= 0.3
        if t.get("kind") == "calf-raise":
            assert abs(g.extra["down_s"] - t["down_s"]) <= 0.5
        if "direction" in t:
            assert g.extra["direction"] == t["direction"]
        # reported at most 0.3 s after the rep truly ended (emitted_s is the sample at which it was reported)
        assert g.emitted_s - t["end_s"] <= 0.3, f"reported {g.emitted_s - t['end_s']:.2f} s after the rep ended"


@pytest.mark.parametrize("drill", DRILL_IDS)
@pytest.mark.parametrize(("seed", "rate"), [(1, 50.0), (2, 200.0), (3, 400.0)])
def test_every_drill_counts_exactly(drill: str, seed: int, rate: float) -> None:
    sim, counter = simulate_and_count(SimParams(drill=drill, seconds=SECONDS, seed=seed, rate_hz=rate, **SHORT[drill]))
    assert sim.counted_reps, "the simulation should contain reps"
    check_accuracy(sim, counter)
    json.dumps([r.as_dict() for r in counter.reps])  # JSON-able


@pytest.mark.parametrize("drill", ["banded-mobilization", "squat-rocks", "knee-circles", "calf-raises", "ankle-matrix"])
def test_whole_file_equals_random_chunks(drill: str) -> None:
    params = SimParams(drill=drill, seconds=90.0, seed=5, rate_hz=100.0, **SHORT[drill])
    _, whole = simulate_and_count(params)
    _, chunked = simulate_and_count(params, random_chunks(7))
    assert [r.as_dict() for r in whole.reps] == [r.as_dict() for r in chunked.reps]
    assert whole.sets == chunked.sets


def test_nothing_counted_during_calibration_and_quiet_standing() -> None:
    # 14 s: the calibration sequence and standing; the drill is cut before its first rep ends.
    for drill in ("rocking-mobilization", "calf-raises", "squat-rocks", "knee-circles", "ankle-matrix"):
        sim, counter = simulate_and_count(SimParams(drill=drill, seconds=14.0, seed=11))
        assert not sim.reps
        assert counter.reps == [], drill


def test_live_state_for_the_ui() -> None:
    params = SimParams(drill="clamshell", seconds=60.0, seed=4, sets=1, reps_per_set=2)
    _, counter = simulate_and_count(params, [50])
    st = counter.state
    assert st.rep_count == 2 and st.set_index == 1 and st.phase == "resting"
    assert st.target_hold_s == 5.0
    assert st.last_rep is not None and st.last_rep.index == 2
    assert any("held" in r for r in st.last_rep.reasons)


def test_scores_have_components_and_plain_reasons() -> None:
    _, counter = simulate_and_count(SimParams(drill="banded-mobilization", seconds=80.0, seed=3, reps_per_set=4))
    for rep in counted(counter):
        assert 0 <= rep.score <= 100
        assert set(rep.score_components) >= {"range", "hold", "alignment", "smoothness"}
        assert all(0.0 <= v <= 1.0 for v in rep.score_components.values())
        assert any(r.startswith("held ") and r.endswith(" of 2 s") for r in rep.reasons)
        assert any("knee" in r for r in rep.reasons)
    assert np.isfinite([r.extra["sparc"] for r in counter.reps]).all()
