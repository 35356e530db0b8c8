"""The segmenters' chunk paths (arrays first, stops skipped) against their sample-by-sample paths (a BLE
notification's few samples): the same reps, bit for bit, on sessions with long stands between sets."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from dorsi.drills.cyclic import Cycle, RockSegmenter
from dorsi.drills.excursion import ExcursionSegmenter
from dorsi.drills.params import CounterParams
from dorsi.drills.vertical import RaiseSegmenter
from dorsi.virtual.sim import SimParams
from tests.drills.helpers import counted, drill_frames, random_chunks, simulate_and_count

NOTIFICATIONS = [1, 3, 7, 16, 32]  # every chunk at most SMALL_CHUNK: the sample-by-sample paths


def samples_taken(
    monkeypatch: pytest.MonkeyPatch, cls: type, name: str, count: Callable[[Any, tuple[Any, ...]], int]
) -> list[int]:
    """Spy on a segmenter's fast path ``cls.name`` (called as (self, columns or frames, start, ...)): the list
    it fills with each call's samples taken, ``count(its result, its arguments)``."""
    taken: list[int] = []
    fast = getattr(cls, name)

    def spy(self: Any, *args: Any) -> Any:
        out = fast(self, *args)
        taken.append(count(out, args))
        return out

    monkeypatch.setattr(cls, name, spy)
    return taken


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


def test_matrix_unrolled_rest_loop_matches_the_generic_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # the ankle matrix's rest loop on local floats (_rest_run_matrix) against the per-channel loop it unrolls
    params = SimParams(drill="ankle-matrix", seconds=180.0, seed=1013, rate_hz=200.0, model="velocity")
    sim, fast = simulate_and_count(params)
    _, fast_small = simulate_and_count(params, NOTIFICATIONS)
    monkeypatch.setattr(ExcursionSegmenter, "_matrix_layout", property(lambda self: False))
    _, generic = simulate_and_count(params)
    assert len(fast.reps) >= 0.8 * len(sim.counted_reps) > 0
    assert [r.as_dict() for r in fast.reps] == [r.as_dict() for r in generic.reps]
    assert [r.as_dict() for r in fast.reps] == [r.as_dict() for r in fast_small.reps]


@pytest.mark.parametrize(("seed", "model"), [(1330, "velocity"), (1331, "keyframe")])
def test_matrix_plain_rest_loop_matches_the_whole_loop(monkeypatch: pytest.MonkeyPatch, seed: int, model: str) -> None:
    # three sets with stands between: the plain rest goes through _rest_plain, with the same reps, bit for
    # bit, as the whole rest loop and as notifications, and the same end state
    params = SimParams(drill="ankle-matrix", seconds=240.0, seed=seed, sets=3, reps_per_set=4, model=model)
    taken = samples_taken(monkeypatch, ExcursionSegmenter, "_rest_plain", lambda out, args: out[0] - args[1])
    sim, fast = simulate_and_count(params)
    _, small = simulate_and_count(params, NOTIFICATIONS)
    monkeypatch.setattr(ExcursionSegmenter, "plain_rest", False)
    _, whole = simulate_and_count(params)
    # (between a simulated set's reps the shin rests ~2 s, unsettled for its first 0.6 s: ~10 % of the samples)
    assert sum(taken) > 0.05 * len(sim.recording.chunk) and max(taken) > 300
    assert len(fast.reps) >= 0.8 * len(sim.counted_reps) > 0
    assert [r.as_dict() for r in fast.reps] == [r.as_dict() for r in whole.reps]
    assert [r.as_dict() for r in fast.reps] == [r.as_dict() for r in small.reps]
    segs = [c.segmenter for c in (fast, whole)]
    assert all(isinstance(seg, ExcursionSegmenter) for seg in segs)
    assert repr(vars(segs[0].state)) == repr(vars(segs[1].state))  # (repr: exact floats, nan included)


def _rocks(rate_hz: float, n: int, start_s: float) -> np.ndarray:
    u = np.arange(int(n * 1.2 * rate_hz)) / (1.2 * rate_hz)
    return 25.0 + 4.0 * (1 - np.cos(2 * np.pi * u))  # 25° → 33° → 25°, 1.2 s each


def test_rocks_after_a_long_stand_match_across_chunkings() -> None:
    # a stand of 250 s after a bout keeps the last turning point: the buffer passes 20 000 rows there and
    # is trimmed to that point only when it moves (the inline loop's cached trim test), then packed
    rate = 100.0
    incl = np.concatenate(
        [np.full(200, 25.0), _rocks(rate, 5, 2.0), np.full(int(250 * rate), 25.0), _rocks(rate, 5, 258.0)]
    )
    incl = np.concatenate([incl, np.full(200, 25.0)])
    t = np.arange(len(incl)) / rate
    speed = np.abs(np.gradient(incl, t))
    runs = []
    for size in (len(t), 7, 4096):
        seg = RockSegmenter(3.0, CounterParams())
        out: list[Cycle] = []
        for a in range(0, len(t), size):
            seg.detect(drill_frames(t[a : a + size], incl[a : a + size], speed=speed[a : a + size]), out.append)
        runs.append([(c.start_s, c.end_s, c.swing_deg, c.time_s.tobytes(), c.incl_deg.tobytes()) for c in out])
        assert len(seg._buf) < 20000 + seg._buf.PACK_ROWS
    assert len(runs[0]) >= 8
    assert sum(c[0] > 250.0 for c in runs[0]) >= 4  # rocks after the stand
    assert runs[0] == runs[1] == runs[2]


@pytest.mark.parametrize(
    ("model", "profile", "rate_hz", "seed"),
    [
        ("velocity", "witmotion", 50.0, 1029),
        ("keyframe", "reference", 200.0, 1014),
        ("velocity", "metamotion", 100.0, 1015),
    ],
)
def test_calf_rest_runs_match_the_sample_by_sample_loop(
    monkeypatch: pytest.MonkeyPatch, model: str, profile: str, rate_hz: float, seed: int
) -> None:
    # plain rest between reps taken as runs (RaiseSegmenter._rest_run) against detect's own loop: taps, heel
    # strikes' rings (velocity model) and the sets' long stands; the same reps and the same state, bit for bit
    params = SimParams(
        drill="calf-raises",
        seconds=240.0,
        seed=seed,
        rate_hz=rate_hz,
        sensor_profile=profile,
        model=model,
        events=("tap",),
        sets=2,
    )
    taken = samples_taken(monkeypatch, RaiseSegmenter, "_rest_run", lambda out, args: out[0])
    sim, fast = simulate_and_count(params)
    in_runs = sum(taken)
    _, fast_chunked = simulate_and_count(params, random_chunks(seed))  # runs cut by chunks of 1-400 samples
    monkeypatch.setattr(RaiseSegmenter, "FAST_REST", False)
    n_before = len(taken)
    _, plain = simulate_and_count(params)
    assert len(taken) == n_before  # (off: no run)
    assert in_runs > 0.25 * len(sim.recording.chunk), in_runs / len(sim.recording.chunk)  # (the runs used)
    assert len(counted(fast)) >= len(sim.counted_reps) - 1 > 0
    assert [repr(dataclasses.asdict(r)) for r in fast.reps] == [repr(dataclasses.asdict(r)) for r in plain.reps]
    assert [repr(dataclasses.asdict(r)) for r in fast_chunked.reps] == [repr(dataclasses.asdict(r)) for r in plain.reps]
    assert isinstance(fast.segmenter, RaiseSegmenter) and isinstance(plain.segmenter, RaiseSegmenter)
    assert repr(fast.segmenter.state) == repr(plain.segmenter.state)


@pytest.mark.parametrize(
    ("model", "profile", "rate_hz", "seed"),
    [("velocity", "witmotion", 50.0, 1029), ("keyframe", "consumer-mpu", 208.0, 1014)],
)
def test_calf_plain_rest_matches_the_sample_loop(
    monkeypatch: pytest.MonkeyPatch, model: str, profile: str, rate_hz: float, seed: int
) -> None:
    # a notification's leading plain rest in RaiseSegmenter._plain_rest against detect's own loop, fed in 1-,
    # 3-, 7-sample and random 1-24-sample notifications (taps and heel strikes' rings between reps): the same
    # reps and the same state, bit for bit
    params = SimParams(
        drill="calf-raises",
        seconds=150.0,
        seed=seed,
        rate_hz=rate_hz,
        sensor_profile=profile,
        model=model,
        events=("tap",),
        sets=2,
    )
    random_small = [int(x) for x in np.random.default_rng(seed).integers(1, 25, 50)]
    taken = samples_taken(monkeypatch, RaiseSegmenter, "_plain_rest", lambda out, args: out[0])
    ends = {}
    for sizes in ([1], [3], [7], random_small):
        for on in (True, False):
            monkeypatch.setattr(RaiseSegmenter, "FAST_PLAIN", on)
            n_before = sum(taken)
            sim, counter = simulate_and_count(params, sizes)
            if on:
                assert sum(taken) - n_before > 0.1 * len(sim.recording.chunk)  # (the path used)
            else:
                assert sum(taken) == n_before  # (off: never called)
            assert len(counted(counter)) >= len(sim.counted_reps) - 1 > 0
            assert isinstance(counter.segmenter, RaiseSegmenter)
            reps = [repr(dataclasses.asdict(r)) for r in counter.reps]
            ends[on] = (reps, repr(counter.segmenter.state), repr(vars(counter.state)))
        assert ends[True] == ends[False], sizes


@pytest.mark.parametrize(
    ("model", "profile", "rate_hz", "seed"),
    [
        ("velocity", "witmotion", 50.0, 1029),
        ("keyframe", "consumer-mpu", 208.0, 1014),
        ("velocity", "metamotion", 104.0, 1033),
    ],
)
def test_calf_rep_run_matches_the_sample_loop(
    monkeypatch: pytest.MonkeyPatch, model: str, profile: str, rate_hz: float, seed: int
) -> None:
    # a notification's leading samples inside a rep in RaiseSegmenter._rep_run against detect's own loop (and
    # _rep_step), fed in 1-, 3-, 7-sample and random 1-24-sample notifications (taps and heel strikes' rings
    # between reps, the top holds, closes and lowerings watched): the same reps and the same state, bit for bit
    params = SimParams(
        drill="calf-raises",
        seconds=150.0,
        seed=seed,
        rate_hz=rate_hz,
        sensor_profile=profile,
        model=model,
        events=("tap",),
        sets=2,
    )
    random_small = [int(x) for x in np.random.default_rng(seed).integers(1, 25, 50)]
    taken = samples_taken(monkeypatch, RaiseSegmenter, "_rep_run", lambda out, args: out[0])
    ends = {}
    for sizes in ([1], [3], [7], random_small):
        for on in (True, False):
            monkeypatch.setattr(RaiseSegmenter, "FAST_REP", on)
            n_before = sum(taken)
            sim, counter = simulate_and_count(params, sizes)
            if on:
                assert sum(taken) - n_before > 0.2 * len(sim.recording.chunk)  # (the path used)
            else:
                assert sum(taken) == n_before  # (off: never called)
            assert len(counted(counter)) >= len(sim.counted_reps) - 1 > 0
            assert isinstance(counter.segmenter, RaiseSegmenter)
            reps = [repr(dataclasses.asdict(r)) for r in counter.reps]
            ends[on] = (reps, repr(counter.segmenter.state), repr(vars(counter.state)))
        assert ends[True] == ends[False], sizes


@pytest.mark.parametrize(("seed", "model"), [(1320, "keyframe"), (1321, "velocity")])
def test_rock_still_blocks_match_the_sample_loop(monkeypatch: pytest.MonkeyPatch, seed: int, model: str) -> None:
    # three sets with stands between: the still samples go through _still_block (taken at least once), with
    # the same rocks, bit for bit, as the loop sample by sample and as notifications
    params = SimParams(drill="squat-rocks", seconds=200.0, seed=seed, sets=3, reps_per_set=5, model=model)
    taken = samples_taken(
        monkeypatch, RockSegmenter, "_still_block", lambda out, args: 0 if out is None else out[0] - args[1]
    )
    sim, fast = simulate_and_count(params)
    _, small = simulate_and_count(params, NOTIFICATIONS)
    monkeypatch.setattr(RockSegmenter, "still_blocks", False)
    _, plain = simulate_and_count(params)
    assert sum(taken) > 0.5 * len(sim.recording.chunk)  # most samples in blocks
    assert len(fast.reps) >= 0.8 * len(sim.counted_reps) > 0
    assert [r.as_dict() for r in fast.reps] == [r.as_dict() for r in plain.reps]
    assert [r.as_dict() for r in fast.reps] == [r.as_dict() for r in small.reps]
    # and the state it ends in and the rows it keeps, to the bit (repr: the shortest exact form, nan included;
    # whole chunks only: a notification's angles can differ from a chunk's by an ulp)
    segs = [c.segmenter for c in (fast, plain)]
    assert all(isinstance(seg, RockSegmenter) for seg in segs)
    ends = [repr((vars(seg.state), seg._d.v, seg._d.last)) + seg._buf.since(-math.inf).tobytes().hex() for seg in segs]
    assert ends[0] == ends[1]
