"""WitMotion timing: the one path the live stream uses (WitMotionDecoder: frames numbered on
arrival by ArrivalClock, placed by the Timeline, the rate corrected against arrival)."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.protocol import witmotion as wit
from dorsi.protocol.decoders import LATE_GAP_MIN_S, WitMotionDecoder
from dorsi.protocol.kinds import WITMOTION

FRAME = wit.encode_data_frame((0.0, 1.0, 0.02), (10.0, -20.0, 0.0), (1.0, 2.0, 3.0))
REGISTER = bytes([0x55, 0x71]) + bytes(18)


def _arrivals(
    rate_hz: float, seconds: float, per: int = 2, seed: int = 0, start_s: float = 1.0
) -> list[tuple[float, bytes]]:
    """Notifications of ``per`` frames from a module whose true rate is ``rate_hz``, with radio delays."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate_hz / per)
    first_s = start_s + per * np.arange(n) / rate_hz
    host_s = first_s + (per - 1) / rate_hz + 0.015 + rng.exponential(0.005, n)
    return [(float(t), FRAME * per) for t in host_s]


def test_frames_are_numbered_in_product_units_and_registers_skipped() -> None:
    dec = WITMOTION.decoder(100)
    dec.started()
    out = dec.feed([(1.00, FRAME * 3), (1.01, REGISTER), (1.04, REGISTER + FRAME)])
    assert out is not None
    assert out.counter.tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(out.acc_mps2[0] / 9.80665, [0.0, 1.0, 0.02], atol=16 / 32768)
    np.testing.assert_allclose(out.gyr_dps[0], [10.0, -20.0, 0.0], atol=2000 / 32768)
    assert np.allclose(np.diff(out.time_s), 0.01)
    dec.feed([(1.05, b"\x55\x61")])
    assert dec.stats.garbage == 1


def test_frames_before_the_handshake_are_dropped_not_numbered_at_the_wrong_rate() -> None:
    """A WitMotion streams at 10 Hz from power-on until the app sets its rate."""
    dec = WITMOTION.decoder(100)
    assert dec.feed([(0.1 * i, FRAME) for i in range(5)]) is None
    dec.started()
    out = dec.feed(_arrivals(100.0, 1.0, start_s=0.6))
    assert dec.stats.before_start == 5
    assert out is not None and out.counter[0] == 0 and not dec.stats.gaps


@pytest.mark.parametrize("true_rate_hz", [99.2, 100.0, 101.5])
def test_off_nominal_rate_tracks_arrival_without_false_gaps(true_rate_hz: float) -> None:
    """These modules are only roughly nominal. Over 120 s a module 0.8 % slow falls ~1 s behind
    its nominal schedule: the drift fit follows it, and no hole is invented."""
    dec = WITMOTION.decoder(100)
    dec.started()
    items = _arrivals(true_rate_hz, 120.0)
    outs = [dec.feed(items[k : k + 7]) for k in range(0, len(items), 7)]
    t = np.concatenate([o.time_s for o in outs if o is not None])
    truth = 1.0 + np.arange(len(t)) / true_rate_hz
    err = t - truth
    tail = err[len(err) // 2 :]
    assert dec.timeline.stats.skew_ppm == pytest.approx(1e6 * (100 / true_rate_hz - 1), abs=500)
    assert np.ptp(tail) < 0.002  # uncorrected, 0.8 % of 60 s is 480 ms
    assert dec.stats.lost_samples == 0 and not dec.stats.gaps


def test_a_silent_second_is_counted_as_lost_frames() -> None:
    """Frames carry no counter: a hole shows only as arrival much later than the fitted clock."""
    dec = WITMOTION.decoder(100)
    dec.started()
    items = _arrivals(100.0, 30.0)
    hole = [(t, b) for t, b in items if not 10.0 <= t < 12.0]  # 2 s of notifications never arrive
    outs = [dec.feed(hole[k : k + 5]) for k in range(0, len(hole), 5)]
    counter = np.concatenate([o.counter for o in outs if o is not None])
    (gap,) = dec.stats.gaps
    assert gap.missing_samples == pytest.approx(200, abs=2)
    assert counter[-1] + 1 == pytest.approx(len(items) * 2, abs=2)  # numbered as sent
    assert LATE_GAP_MIN_S < gap.duration_s < 2.1


def test_a_delayed_burst_is_not_a_hole() -> None:
    """The radio held 1.2 s of notifications and delivered them at once: all arrived, so nothing is
    counted lost, and the times after the burst are the true ones."""
    dec = WITMOTION.decoder(100)
    dec.started()
    items = _arrivals(100.0, 30.0)
    burst = [(11.2 + 1e-4 * k, b) if 10.0 <= t < 11.2 else (t, b) for k, (t, b) in enumerate(items)]
    outs = [dec.feed(burst[k : k + 5]) for k in range(0, len(burst), 5)]
    t = np.concatenate([o.time_s for o in outs if o is not None])
    assert dec.stats.lost_samples == 0 and not dec.stats.gaps
    truth = 1.0 + np.arange(len(t)) / 100.0
    assert np.max(np.abs(t - truth)[truth > 12.0]) < 0.03


def test_whole_equals_any_chunking() -> None:
    items = _arrivals(99.2, 20.0, per=4, seed=3)
    results = []
    for size in (1, 3, len(items)):
        dec = WitMotionDecoder(100, 16, 2000)
        dec.started()
        outs = [dec.feed(items[k : k + size]) for k in range(0, len(items), size)]
        results.append(np.concatenate([o.time_s for o in outs if o is not None]))
    assert all(np.array_equal(results[0], r) for r in results[1:])
