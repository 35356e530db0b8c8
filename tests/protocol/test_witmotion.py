"""WitMotion: frames through WitClock and the Timeline, rate corrected against arrival."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.protocol import witmotion as wit
from dorsi.protocol.errors import DecodeError
from dorsi.protocol.timeline import Timeline, TimelineParams


def test_witclock_numbers_frames_and_keeps_units() -> None:
    clock = wit.WitClock(100)
    frame = wit.encode_data_frame((0.0, 1.0, 0.02), (10.0, -20.0, 0.0), (1.0, 2.0, 3.0))
    reg = bytes([0x55, 0x71]) + bytes(18)
    p1 = clock.to_packet(frame * 3)
    assert clock.to_packet(reg) is None
    p2 = clock.to_packet(reg + frame)
    assert p1 is not None and p2 is not None
    assert (p1.seq, p1.sensor_time_us, p1.n_samples, p2.seq, p2.sensor_time_us) == (0, 0, 3, 3, 30_000)
    np.testing.assert_allclose(p1.acc_mps2[0] / 9.80665, [0.0, 1.0, 0.02], atol=16 / 32768)
    np.testing.assert_allclose(p1.gyr_dps[0], [10.0, -20.0, 0.0], atol=2000 / 32768)
    with pytest.raises(DecodeError):
        clock.to_packet(b"\x55\x61")


def test_witmotion_stream_with_off_nominal_rate_tracks_arrival() -> None:
    true_rate_hz = 99.2  # the module's real rate: 0.8 % slow against the nominal 100 Hz
    rng = np.random.default_rng(0)
    clock = wit.WitClock(100)
    tl = Timeline(TimelineParams(max_skew=0.02))
    frame = wit.encode_data_frame((0.0, 1.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    times, truth = [], []
    for k in range(3000):  # 2 frames per notification, 60 s
        first_s = 2 * k / true_rate_hz
        packet = clock.to_packet(frame * 2)
        assert packet is not None
        out = tl.feed(packet, first_s + 1 / true_rate_hz + 0.015 + rng.exponential(0.005))
        times.append(out.chunk.time_s)
        truth.append(first_s)
    t = np.concatenate(times)[::2]
    err = t - np.array(truth)[: len(t)]
    tail = err[len(err) // 2 :]
    assert tl.stats.skew_ppm == pytest.approx(1e6 * (100 / true_rate_hz - 1), rel=0.1)
    assert np.ptp(tail) < 0.001  # without correction: 0.8 % × 30 s = 240 ms of drift
