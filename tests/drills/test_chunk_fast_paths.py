"""The segmenters' chunk paths (arrays first, stops skipped) against their sample-by-sample paths (a BLE
notification's few samples): the same reps, bit for bit, on sessions with long stands between sets."""

from __future__ import annotations

from dorsi.virtual.sim import SimParams
from tests.drills.helpers import simulate_and_count

NOTIFICATIONS = [1, 3, 7, 16, 32]  # every chunk at most SMALL_CHUNK: the sample-by-sample paths


def test_circles_chunk_path_skips_stands_with_the_same_circles() -> None:
    # two sets with a stand between: the chunk path skips the stand's slow samples (a stop already seen)
    params = SimParams(drill="knee-circles", seconds=150.0, seed=1010, rate_hz=100.0, sets=2, reps_per_set=4)
    sim, whole = simulate_and_count(params)
    _, small = simulate_and_count(params, NOTIFICATIONS)
    assert len(whole.reps) == len(sim.counted_reps) == 8
    assert [r.as_dict() for r in whole.reps] == [r.as_dict() for r in small.reps]
    assert [r.extra["direction"] for r in whole.reps] == [t["direction"] for t in sim.counted_reps]


def test_calf_raise_inline_tests_match_across_chunkings() -> None:
    # taps between reps exercise the tap and ring paths the inline per-sample tests hand over to
    params = SimParams(
        drill="calf-raises", seconds=150.0, seed=1011, rate_hz=200.0, sets=2, reps_per_set=4, events=("tap",)
    )
    sim, whole = simulate_and_count(params)
    _, small = simulate_and_count(params, NOTIFICATIONS)
    assert len(whole.reps) == len(sim.counted_reps)
    assert [r.as_dict() for r in whole.reps] == [r.as_dict() for r in small.reps]


def test_knee_drive_rest_gains_match_across_chunkings() -> None:
    # the rest level's filter gains: on arrays for a chunk, on floats for a notification
    params = SimParams(drill="knee-to-wall", seconds=120.0, seed=1012, rate_hz=200.0, sets=1, reps_per_set=3)
    sim, whole = simulate_and_count(params)
    _, small = simulate_and_count(params, NOTIFICATIONS)
    assert len(whole.reps) == len(sim.counted_reps) == 3
    assert [r.as_dict() for r in whole.reps] == [r.as_dict() for r in small.reps]
