"""The cyclic segmenters' sample buffer: packed rows give exactly what a plain list of rows gives."""

from __future__ import annotations

import tracemalloc

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.drills.counter import SEGMENT_BLOCK
from dorsi.drills.cyclic import Cycle, CycleSample, RockSegmenter, _Buffer
from dorsi.drills.params import CounterParams
from tests.drills.helpers import drill_frames

# (op, value): append a row n steps on, ask since a time, or trim to a time (times in steps of 0.01 s)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(1, 300)),
        st.tuples(st.just("extend"), st.integers(1, 300)),  # rows appended as an array (the rocks' still blocks)
        st.tuples(st.just("since"), st.integers(-5, 400)),
        st.tuples(st.just("trim"), st.integers(-5, 400)),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_matches_a_plain_list(program: list[tuple[str, int]]) -> None:
    buf = _Buffer()
    buf.PACK_ROWS = 7  # pack often (the instance's own value; the class's is 4096)
    ref: list[CycleSample] = []
    step = 0
    for op, v in program:
        if op == "append":
            for _ in range(v):
                row = CycleSample(step * 0.01, float(step % 17), float(-step), float(step % 5))
                buf.rows.append(row)
                if len(buf.rows) >= buf.PACK_ROWS:
                    buf.pack()
                ref.append(row)
                step += 1
        elif op == "extend":
            rows = [CycleSample(k * 0.01, float(k % 17), float(-k), float(k % 5)) for k in range(step, step + v)]
            buf.extend(*np.asarray(rows).T)
            ref += rows
            step += v
        else:
            t0 = (step - v) * 0.01
            if op == "since":
                want = np.asarray(ref) if ref else np.zeros((0, 4))
                want = want[want[:, 0] >= t0] if len(want) else want
                np.testing.assert_array_equal(buf.since(t0), want)
            else:
                buf.trim(t0)
                ref = [r for r in ref if r[0] >= t0]
        assert len(buf) == len(ref)


def test_an_idle_hour_is_kept_packed() -> None:
    """An hour of standing after a bout (the turning point stays put): 32 bytes a row, not a tuple's ~150."""
    buf = _Buffer()
    n = 720_000
    for k in range(n):
        buf.rows.append(CycleSample(k * 0.005, 0.0, 0.0, 0.0))
        if len(buf.rows) >= buf.PACK_ROWS:
            buf.pack()
    assert len(buf) == n and len(buf.rows) < buf.PACK_ROWS
    # a packed segment's four columns are views of one array
    assert sum(seg[0].base.nbytes for seg in buf._segs) <= n * 4 * 8


def test_a_long_stand_after_rocks_costs_no_copy() -> None:
    """20 min still in the squat after a bout, counted in the counter's blocks: the rocks' still blocks keep
    the frames' own columns (views), not a copy of the four (at 1 h that copy held 23 MB, and twice that
    while its array grew: 45 MB of the peak of ``analyze --drill squat-rocks``)."""
    rate = 200.0
    u = np.arange(int(5 * 1.2 * rate)) / (1.2 * rate)
    rocks = 25.0 + 4.0 * (1 - np.cos(2 * np.pi * u))  # 25° → 33° → 25°, 1.2 s each
    incl = np.concatenate([np.full(400, 25.0), rocks, np.full(int(1200 * rate), 25.0)])
    t = np.arange(len(incl)) / rate
    frames = drill_frames(t, incl, speed=np.abs(np.gradient(incl, t)))
    seg = RockSegmenter(3.0, CounterParams())
    out: list[Cycle] = []
    tracemalloc.start()
    try:
        for a in range(0, len(t), SEGMENT_BLOCK):
            seg.detect(frames.slice(a, a + SEGMENT_BLOCK), out.append)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(out) >= 4 and len(seg._buf) > 1190 * rate  # the stand is kept (the last turning point stays put)
    # a block's working lists and arrays only (measured 1.9 MB; the copy: 15 MB)
    assert peak_bytes < 2 * t.nbytes
