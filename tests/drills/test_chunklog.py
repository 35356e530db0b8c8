"""ChunkLog keeps the built rows in a buffer with room for more (no split into chunks, no copy of the kept rows
per read): its rows must stay those of every kept chunk, built one by one, whatever the chunk sizes, drops and
reads in between, and an array it handed out must never change afterwards."""

from __future__ import annotations

import math

import numpy as np

from dorsi.drills.chunklog import ChunkLog


def _build(t: np.ndarray, v: np.ndarray) -> np.ndarray:
    rows = np.empty((len(t), 3))
    rows[:, 0] = t
    rows[:, 1:] = v
    return rows


def test_rows_are_the_kept_chunks_rows_across_drops_and_reads() -> None:
    rng = np.random.default_rng(1001)
    log = ChunkLog(3, _build)
    kept: list[tuple[float, np.ndarray]] = []  # (last time, rows) of every kept chunk, oldest first
    t0, keep_s = 0.0, 0.5
    handed: list[tuple[np.ndarray, np.ndarray]] = []  # (an array rows() returned, a copy made then)
    for _ in range(400):
        n = int(rng.integers(1, 9))
        t = t0 + np.arange(1, n + 1) / 208.0
        t0 = float(t[-1])
        v = rng.normal(size=(n, 2))
        keep_from = float(t[0]) - keep_s
        log.extend(keep_from, t0, (t, v))
        kept = [(end, r) for end, r in kept if end >= keep_from] + [(t0, _build(t, v))]
        if rng.random() < 0.2:  # a rep judged: the rows read now and then
            got = log.rows()
            np.testing.assert_array_equal(got, np.concatenate([r for _, r in kept]))
            assert log.rows() is got  # the same array until the next extend
            handed.append((got, got.copy()))
    np.testing.assert_array_equal(log.rows(), np.concatenate([r for _, r in kept]))
    for got, then in handed:  # later reads appended to the buffer or moved to a new one: never wrote here
        np.testing.assert_array_equal(got, then)


def test_flat_columns_joined_through_fromiter_are_np_arrays_arrays() -> None:
    """chunklog.FAST_FLAT: plain columns of floats (nan, inf, -0.0 among them) or bools over chunks joined
    through np.fromiter: the dtype and the bits np.array gives."""
    from dorsi.drills import chunklog

    rng = np.random.default_rng(1002)
    special = [math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308]
    for _ in range(200):
        k = int(rng.integers(1, 40))
        pick = [special[int(i)] for i in rng.integers(len(special), size=300)]
        floats = [
            [float(x) if rng.random() < 0.9 else pick.pop() for x in rng.normal(size=int(m))]
            for m in rng.integers(1, 8, size=k)
        ]
        bools = [[bool(b) for b in rng.random(int(m)) < 0.5] for m in rng.integers(1, 8, size=k)]
        for parts in (floats, bools):
            fast = chunklog._joined(tuple(parts))
            chunklog.FAST_FLAT = False
            try:
                slow = chunklog._joined(tuple(parts))
            finally:
                chunklog.FAST_FLAT = True
            assert fast.dtype == slow.dtype and fast.shape == slow.shape
            assert fast.tobytes() == slow.tobytes()


def test_runs_of_lists_among_arrays_joined_at_once_are_the_per_chunk_join() -> None:
    """chunklog.FAST_RUNS: a column whose chunks are lists with an array among them (a block given as its
    notification's arrays) joined one run of lists at a time: the array the per-chunk joins give, dtype and
    bits (floats, bools, rows of floats)."""
    from dorsi.drills import chunklog

    rng = np.random.default_rng(1003)

    def chunk(kind: str, m: int, as_array: bool) -> object:
        if kind == "float":
            v: object = [float(x) for x in rng.normal(size=m)]
        elif kind == "bool":
            v = [bool(b) for b in rng.random(m) < 0.5]
        else:
            v = [[float(x) for x in row] for row in rng.normal(size=(m, 4))]
        return np.array(v) if as_array else v

    for _ in range(300):
        kind = str(rng.choice(["float", "bool", "rows"]))
        parts = tuple(
            chunk(kind, int(rng.integers(1, 8)), rng.random() < 0.15) for _ in range(int(rng.integers(1, 30)))
        )
        fast = chunklog._joined(parts)
        chunklog.FAST_RUNS = False
        try:
            slow = chunklog._joined(parts)
        finally:
            chunklog.FAST_RUNS = True
        assert fast.dtype == slow.dtype and fast.shape == slow.shape
        assert fast.tobytes() == slow.tobytes()
