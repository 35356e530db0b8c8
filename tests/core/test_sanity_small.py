"""The sample screen's plain-float path for short notifications gives what the array path gives.

Random streams (corrupt values, duplicate times, backward and forward jumps, gaps beyond ``max_step_s``)
in random chunkings of 1–25 samples: each update equals the array path's (``small_n = 0``) chunk by chunk,
kept samples, positions, report and held state alike, and all of it equals one whole-stream update.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsi.motion.sanity import SampleLimits, SampleScreen, Screened
from dorsi.motion.types import ImuChunk

LIMITS = SampleLimits.for_range(16.0, 2000.0)
BAD_VALUES = (math.nan, math.inf, -math.inf, 1e300)


@st.composite
def streams(draw: st.DrawFn) -> tuple[float, ImuChunk, list[int]]:
    rate_hz = draw(st.sampled_from([20.0, 104.0, 208.0]))
    max_step_s = max(1.0, 100.0 / rate_hz)
    n = draw(st.integers(1, 300))
    steps = np.full(n, 1.0 / rate_hz)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    acc = rng.normal(0.0, 5.0, (n, 3))
    gyr = rng.normal(0.0, 100.0, (n, 3))
    lone_times: list[tuple[int, float]] = []
    for _ in range(draw(st.integers(0, 10))):
        i = draw(st.integers(0, n - 1))
        kind = draw(st.sampled_from(["dup", "back", "jump", "lone_time", "acc", "gyr"]))
        if kind == "dup":
            steps[i] = 0.0
        elif kind == "back":
            steps[i] = -draw(st.sampled_from([1e-3, 0.5, max_step_s, 30.0]))
        elif kind == "jump":  # within the longest step, at it, or a gap beyond it
            steps[i] = max_step_s * draw(st.sampled_from([0.5, 1.0, 1.0 + 1e-9, 1.01, 3.0]))
        elif kind == "lone_time":
            lone_times.append((i, draw(st.sampled_from([*BAD_VALUES, -1.0, 0.0, 1e6]))))
        else:
            limit = LIMITS.acc_limit_mps2 if kind == "acc" else LIMITS.gyr_limit_dps
            beyond = np.nextafter(limit, math.inf)  # the first value past the full scale
            value = draw(st.sampled_from([*BAD_VALUES, limit, -limit, beyond, -beyond, 1.001 * limit]))
            (acc if kind == "acc" else gyr)[i, draw(st.integers(0, 2))] = value
    t = 10.0 + np.cumsum(steps)
    for i, value in lone_times:
        t[i] = value
    sizes = draw(st.lists(st.integers(1, 25), min_size=1, max_size=n))
    cuts = [0]
    while cuts[-1] < n:
        cuts.append(min(n, cuts[-1] + sizes[(len(cuts) - 1) % len(sizes)]))
    return rate_hz, ImuChunk(t, acc, gyr), cuts


def _state(screen: SampleScreen) -> tuple[object, ...]:
    held = tuple(h.tobytes() for h in screen._held)
    return screen.last_kept_s, dict(screen.report.counts), screen._run_lengths, screen._seen, held


def _same(a: Screened, b: Screened) -> bool:
    ca, cb = a.chunk, b.chunk
    return (
        np.array_equal(a.index, b.index)
        and a.index.dtype == b.index.dtype
        and all(
            x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
            for x, y in ((ca.time_s, cb.time_s), (ca.acc_mps2, cb.acc_mps2), (ca.gyr_dps, cb.gyr_dps))
        )
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_short_notifications_screen_as_the_array_path_and_as_the_whole_stream(
    case: tuple[float, ImuChunk, list[int]],
) -> None:
    rate_hz, whole, cuts = case
    small, array = SampleScreen(LIMITS, rate_hz), SampleScreen(LIMITS, rate_hz)
    array.small_n = 0
    kept: list[Screened] = []
    for a, b in itertools.pairwise(cuts):
        part = whole.slice(a, b)
        got, ref = small.update(part), array.update(part)
        assert _same(got, ref)
        assert _state(small) == _state(array)
        kept.append(got)
    got, ref = small.finish(), array.finish()
    assert _same(got, ref) and _state(small) == _state(array)
    kept.append(got)

    one = SampleScreen(LIMITS, rate_hz)
    one_kept = [one.update(whole), one.finish()]
    index = np.concatenate([k.index for k in kept])
    assert np.array_equal(index, np.concatenate([k.index for k in one_kept]))
    assert np.array_equal(np.concatenate([k.chunk.time_s for k in kept]), whole.time_s[index])
    assert np.array_equal(np.concatenate([k.chunk.acc_mps2 for k in kept]), whole.acc_mps2[index])
    assert np.array_equal(np.concatenate([k.chunk.gyr_dps for k in kept]), whole.gyr_dps[index])
    assert small.report.counts == one.report.counts and small.last_kept_s == one.last_kept_s


def test_a_clean_live_stream_takes_the_plain_float_path_and_its_positions_follow_on() -> None:
    t = 5.0 + np.arange(100) / 208.0
    acc, gyr = np.tile([0.0, 0.0, 9.81], (100, 1)), np.zeros((100, 3))
    screen = SampleScreen(LIMITS, 208.0)
    assert len(screen.update(ImuChunk(t[:60], acc[:60], gyr[:60])).index) == 60  # the start: the array path
    for a in range(60, 100, 3):
        part = ImuChunk(t[a : a + 3], acc[a : a + 3], gyr[a : a + 3])
        got = screen.update(part)
        assert got.chunk is part  # kept whole, as it came
        assert np.array_equal(got.index, np.arange(a, min(a + 3, 100)))
    assert screen.last_kept_s == t[-1] and screen.report.dropped == 0


def test_a_notification_the_plain_float_path_refuses_leaves_the_screen_as_it_was() -> None:
    t = 5.0 + np.arange(70) / 208.0
    acc, gyr = np.tile([0.0, 0.0, 9.81], (70, 1)), np.zeros((70, 3))
    gyr[65, 1] = np.nan
    screen = SampleScreen(LIMITS, 208.0)
    screen.update(ImuChunk(t[:60], acc[:60], gyr[:60]))
    got = screen.update(ImuChunk(t[60:70], acc[60:70], gyr[60:70]))
    assert np.array_equal(got.index, [60, 61, 62, 63, 64, 66, 67, 68, 69])
    assert screen.report.counts["non_finite"] == 1 and screen.last_kept_s == t[69]


@pytest.mark.parametrize("size", [1, 6, 7, 20, 24])
@pytest.mark.parametrize("which", ["acc", "gyr"])
def test_a_value_at_the_full_scale_is_kept_and_the_next_one_past_it_dropped(size: int, which: str) -> None:
    limit = LIMITS.acc_limit_mps2 if which == "acc" else LIMITS.gyr_limit_dps
    for value, kept in ((limit, True), (np.nextafter(limit, math.inf), False)):
        for sign in (1.0, -1.0):
            t = 5.0 + np.arange(60 + size) / 208.0
            acc, gyr = np.tile([0.0, 0.0, 9.81], (60 + size, 1)), np.zeros((60 + size, 3))
            (acc if which == "acc" else gyr)[60 + size - 1, 2] = sign * value
            screen = SampleScreen(LIMITS, 208.0)
            screen.update(ImuChunk(t[:60], acc[:60], gyr[:60]))
            got = screen.update(ImuChunk(t[60:], acc[60:], gyr[60:]))
            assert len(got.index) == size - (not kept) and screen.report.dropped == (not kept)
