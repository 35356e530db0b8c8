"""A live block's DrillFrames made as arrays only when read (DrillFramer.lazy_rows) and the ankle matrix reading
the framer's floats (ExcursionSegmenter.matrix_floats): switched off, the same reps and state, bit for bit."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dorsi.drills.excursion import ExcursionSegmenter
from dorsi.drills.segment import DrillFramer
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim import SimParams, simulate


def _live(drill: str, seed: int, model: str, sizes: list[int] | None, size: int) -> str:
    rec = simulate(SimParams(drill=drill, seconds=70.0, seed=seed, rate_hz=208.0, model=model)).recording
    chunk = rec.chunk
    if sizes is None:
        bounds = [*range(0, len(chunk), size), len(chunk)]
    else:
        rng, bounds = np.random.default_rng(seed), [0]
        while bounds[-1] < len(chunk):
            bounds.append(min(len(chunk), bounds[-1] + int(rng.choice(sizes))))
    session = LiveSession(SessionSpec(rate_hz=rec.rate_hz, drill=drill))
    events = []
    for a, b in itertools.pairwise(bounds):
        _, got = session.feed(chunk.slice(a, b))
        events += [(e.kind, e.rep.as_dict()) for e in got]
    events += [(e.kind, e.rep.as_dict()) for e in session.finish()]
    counter = session.counter
    assert counter is not None
    return repr((events, vars(counter.state), counter.summary()))


@pytest.mark.parametrize(
    ("drill", "seed", "model"),
    [("ankle-matrix", 1003, "keyframe"), ("calf-raises", 1004, "velocity"), ("knee-to-wall", 1005, "keyframe")],
)
@pytest.mark.parametrize("size", [1, 3, 7, 0])  # 0: random notifications of 1-6 samples
def test_lazy_rows_and_matrix_floats_switched_off_give_the_same_reps(
    monkeypatch: pytest.MonkeyPatch, drill: str, seed: int, model: str, size: int
) -> None:
    sizes = [1, 2, 3, 4, 5, 6] if size == 0 else None
    fast = _live(drill, seed, model, sizes, size)
    assert "'rep'" in fast  # reps were counted
    monkeypatch.setattr(DrillFramer, "lazy_rows", False)
    monkeypatch.setattr(ExcursionSegmenter, "matrix_floats", False)
    assert _live(drill, seed, model, sizes, size) == fast


@pytest.mark.parametrize(
    ("drill", "seed", "model"), [("calf-raises", 1006, "keyframe"), ("knee-to-wall", 1007, "velocity")]
)
@pytest.mark.parametrize("size", [1, 2, 3, 4, 6, 0])  # 0: random notifications of 1-6 samples (the pipeline's rows)
def test_logs_kept_as_floats_switched_off_give_the_same_rows_and_reps(
    monkeypatch: pytest.MonkeyPatch, drill: str, seed: int, model: str, size: int
) -> None:
    # the gait watch's lift rows and the heel check's motion rows kept as a joined block's floats (list_rows:
    # arrays made a few hundred samples at a time, or at a read) against each block's arrays: the same rows,
    # reps and state, bit for bit
    from dorsi.drills.chunklog import ChunkLog
    from dorsi.drills.gait import GaitWatch
    from dorsi.drills.validity import MotionBuffer

    sizes = [1, 2, 3, 4, 5, 6] if size == 0 else None
    logs: list[ChunkLog] = []
    counts = [0, 0]  # chunks given with lists, all chunks
    extend = ChunkLog.extend

    def spy(self: ChunkLog, keep_from: float, last_t: float, columns: list[object], lists: bool = False) -> None:
        if self not in logs:
            logs.append(self)
        counts[0] += lists and any(type(c) is list for c in columns)
        counts[1] += 1
        extend(self, keep_from, last_t, columns, lists)

    monkeypatch.setattr(ChunkLog, "extend", spy)
    fast = _live(drill, seed, model, sizes, size)
    rows_fast = [log.rows().tobytes() for log in logs]
    assert len(logs) == (2 if drill == "knee-to-wall" else 1)  # (the gait watch's; the heel check's: heel down)
    # (the lists used: blocks joined over 1-3-sample notifications, and a 4-6-sample one counted as it is)
    assert counts[0] > 0.9 * counts[1]
    assert "'rep'" in fast
    logs.clear()
    monkeypatch.setattr(GaitWatch, "list_rows", False)
    monkeypatch.setattr(MotionBuffer, "list_rows", False)
    n_lists = counts[0]
    assert _live(drill, seed, model, sizes, size) == fast
    assert counts[0] == n_lists  # (off: arrays only)
    assert [log.rows().tobytes() for log in logs] == rows_fast
