"""The sample screen (dorsi.motion.sanity): what is dropped, what is a real gap, any chunking alike."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.motion.sanity import RateMeter, SampleLimits, SampleScreen, screen_samples
from dorsi.motion.types import ImuChunk
from dorsi.protocol.kinds import DORSI, KINDS
from dorsi.session import SessionSpec

RATE_HZ = 200.0


def _still(n: int, rate_hz: float = RATE_HZ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    t = 10.0 + np.arange(n) / rate_hz
    acc = np.tile([0.0, 0.0, 9.81], (n, 1)) + rng.normal(0, 0.05, (n, 3))
    gyr = rng.normal(0, 0.5, (n, 3))
    return t, acc, gyr


def _kept(t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, limits: SampleLimits | None = None) -> np.ndarray:
    index, _ = screen_samples(ImuChunk(t, acc, gyr), limits or SampleLimits.unknown(), RATE_HZ)
    return index


def test_a_clean_stream_is_kept_whole() -> None:
    t, acc, gyr = _still(3000)
    assert np.array_equal(_kept(t, acc, gyr), np.arange(3000))


def test_values_beyond_the_range_and_non_finite_values_are_dropped() -> None:
    t, acc, gyr = _still(3000)
    acc[100, 0], acc[200, 1], gyr[300, 2], gyr[400, 0] = 16.1 * 9.80665, np.nan, 2001.0, -np.inf
    acc[500, 2], gyr[600, 1] = 15.9 * 9.80665, -1999.0  # within the range: kept
    index, report = screen_samples(ImuChunk(t, acc, gyr), SampleLimits.unknown(), RATE_HZ)
    assert sorted(set(range(3000)) - set(index.tolist())) == [100, 200, 300, 400]
    assert report.counts == {"non_finite": 2, "acc_range": 1, "gyr_range": 1, "time": 0}
    assert report.warning() is not None and "dropped 4 impossible samples" in report.warning()


def test_a_kind_s_own_range_applies() -> None:
    """A dorsi sensor is configured to ±4 g: 6 g is no measurement of it (a file of unknown origin: fine)."""
    t, acc, gyr = _still(2000)
    acc[700, 0] = 6 * 9.80665
    limits = SessionSpec(rate_hz=RATE_HZ, sensor_kind=DORSI.id).limits
    assert 700 not in _kept(t, acc, gyr, limits) and 700 in _kept(t, acc, gyr)
    for kind in KINDS.values():  # the unknown-origin bounds cover every kind's full scale
        assert kind.acc_range_g <= 16 and kind.gyr_range_dps <= 2000


@pytest.mark.parametrize("bad_time", [1e300, -5.0, 1e4, np.nan])
def test_one_sample_whose_time_does_not_continue_the_stream_is_dropped(bad_time: float) -> None:
    t, acc, gyr = _still(3000)
    for at in (0, 1500, 2999):  # the first, a middle and the last sample
        t2 = t.copy()
        t2[at] = bad_time
        index, report = screen_samples(ImuChunk(t2, acc, gyr), SampleLimits.unknown(), RATE_HZ)
        assert sorted(set(range(3000)) - set(index.tolist())) == [at]
        assert report.dropped == 1


def test_a_real_gap_is_kept_and_a_short_run_behind_the_stream_is_not() -> None:
    t, acc, gyr = _still(4000)
    gap = t.copy()
    gap[2000:] += 30.0  # the radio was gone 30 s: the stream carries on from the new time
    assert np.array_equal(_kept(gap, acc, gyr), np.arange(4000))
    behind = t.copy()
    behind[2000:2010] -= 5.0  # ten samples from five seconds ago
    assert sorted(set(range(4000)) - set(_kept(behind, acc, gyr).tolist())) == list(range(2000, 2010))


@pytest.mark.parametrize("n", [2, 10, 49])
def test_a_stream_shorter_than_the_resync_run_is_kept_whole(n: int) -> None:
    # nothing kept before it contradicts its times: the stream's end confirms its start (a 0.2 s file
    # used to be refused as "43 impossible samples, time going backwards or jumping")
    t, acc, gyr = _still(n)
    index, report = screen_samples(ImuChunk(t, acc, gyr), SampleLimits.unknown(), RATE_HZ)
    assert np.array_equal(index, np.arange(n)) and report.dropped == 0


def test_an_unconfirmed_run_after_a_jump_is_still_dropped_at_the_end() -> None:
    t, acc, gyr = _still(400)
    t[390:] += 50.0  # a 10-sample run after a jump, under the resync length, then the stream ends
    index, report = screen_samples(ImuChunk(t, acc, gyr), SampleLimits.unknown(), RATE_HZ)
    assert np.array_equal(index, np.arange(390)) and report.counts["time"] == 10


def test_any_chunking_keeps_the_same_samples() -> None:
    t, acc, gyr = _still(5000)
    t[[0, 1200]] = [1e300, -1.0]
    t[3000:] += 100.0
    acc[2500, 1] = 1e6
    gyr[4000, 0] = 1e9
    whole, report = screen_samples(ImuChunk(t, acc, gyr), SampleLimits.unknown(), RATE_HZ)
    rng = np.random.default_rng(1)
    for _ in range(5):
        screen = SampleScreen(SampleLimits.unknown(), RATE_HZ)
        cuts = np.sort(rng.choice(np.arange(1, 5000), size=rng.integers(1, 400), replace=False))
        parts = [
            screen.update(ImuChunk(t[a:b], acc[a:b], gyr[a:b])).index
            for a, b in zip([0, *cuts], [*cuts, 5000], strict=True)
        ]
        parts.append(screen.finish().index)
        assert np.array_equal(np.concatenate(parts), whole)
        assert screen.report.counts == report.counts
    assert report.dropped == 4


def test_the_rate_meter_reads_the_rate_from_the_counter_and_times() -> None:
    meter = RateMeter()
    counter = np.arange(0, 2000, dtype=np.int64)
    t = 3.0 + counter / 208.0
    keep = np.ones(2000, bool)
    keep[100:140] = False  # a lost packet: the counter still says how many samples passed
    got = None
    for a in range(0, 2000, 10):
        sl = slice(a, a + 10)
        got = meter.update(counter[sl][keep[sl]], t[sl][keep[sl]])
        if a < 200:
            assert got is None  # not a whole second yet
    assert got == pytest.approx(208.0, rel=1e-9)


def test_dense_corrupt_times_cost_only_themselves_even_at_the_start() -> None:
    """One time in ten corrupt, two corrupt samples that agree with each other first: exactly those dropped."""
    t, acc, gyr = _still(20000)
    rng = np.random.default_rng(2)
    bad = np.sort(rng.choice(np.arange(2, 20000), 2000, replace=False))
    t[bad] = 1e300
    t[0], t[1] = 5e5, 5e5 + 1 / RATE_HZ  # a corrupt pair at the very start that looks like a stream
    index, report = screen_samples(ImuChunk(t, acc, gyr), SampleLimits.unknown(), RATE_HZ)
    assert sorted(set(range(20000)) - set(index.tolist())) == [0, 1, *bad.tolist()]
    assert report.dropped == 2002
