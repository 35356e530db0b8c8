"""Timeline: sample times from the sensor clock, drift correction, loss/dup/reorder accounting."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.protocol import dorsi_v1 as v1
from dorsi.protocol import encoder as enc
from dorsi.protocol.timeline import Timeline, TimelineOutput, TimelineParams


def _stream(
    n_packets: int,
    per_packet: int = 2,
    rate_hz: int = 208,
    skew_ppm: float = 0.0,
    latency_s: float = 0.012,
    jitter_s: float = 0.004,
    seq0: int = 0,
    t0_us: int = 5_000_000,
    seed: int = 0,
) -> list[tuple[v1.Packet, float, float]]:
    """(packet, host receive s, true host time of its first sample s). Sensor clock runs (1+skew) fast."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n_packets):
        first = k * per_packet
        true_host_s = 100.0 + first / rate_hz  # the sensor samples on its own true period
        sensor_us = t0_us + round(first / rate_hz * (1 + skew_ppm * 1e-6) * 1e6)
        samples = [(first + i, -(first + i) % 30000, 7, 1, 2, 3) for i in range(per_packet)]
        data = enc.encode_samples_packet(seq0 + first, sensor_us, rate_hz, 4, 500, samples)
        last_s = true_host_s + (per_packet - 1) / rate_hz
        rx = last_s + latency_s + float(rng.exponential(jitter_s))
        out.append((v1.decode_packet(data), rx, true_host_s))
    return out


def _concat(outs: list[TimelineOutput]) -> dict[str, np.ndarray]:
    return {
        "time_s": np.concatenate([o.chunk.time_s for o in outs]),
        "sensor": np.concatenate([o.sensor_time_s for o in outs]),
        "index": np.concatenate([o.sample_index for o in outs]),
        "acc": np.concatenate([o.chunk.acc_mps2 for o in outs]),
    }


def test_clean_stream_with_drift_is_complete_and_tracks_host_clock() -> None:
    stream = _stream(6000, per_packet=2, rate_hz=208, skew_ppm=150.0)  # ≈ 58 s
    tl = Timeline()
    outs = [tl.feed(p, rx) for p, rx, _ in stream] + [tl.flush()]
    got = _concat(outs)
    assert len(got["index"]) == 12000
    np.testing.assert_array_equal(got["index"], np.arange(12000))
    st = tl.stats
    assert (st.lost_samples, st.duplicated, st.reordered, st.late_dropped, st.gaps) == (0, 0, 0, 0, [])
    assert np.all(np.diff(got["time_s"]) > 0)
    # the sensor clock runs 150 ppm fast, so host = a + (1 - 150e-6)·sensor
    assert st.skew_ppm == pytest.approx(-150.0, abs=10.0)
    true_first = np.array([t for _, _, t in stream])
    err_s = got["time_s"][::2] - true_first  # includes the constant minimum latency (12 ms)
    tail = err_s[len(err_s) // 2 :]
    assert np.ptp(tail) < 0.0005  # drift removed: constant offset within 0.5 ms over the second half
    assert 0.011 < np.median(tail) < 0.016
    # without correction the error would have grown by 150 ppm × 58 s ≈ 8.7 ms
    raw_map = got["sensor"][::2]
    assert np.ptp((raw_map - true_first)[len(err_s) // 2 :]) > 0.004


def test_loss_duplicates_and_reordering_are_counted() -> None:
    stream = _stream(400, per_packet=3)
    arrivals = [(p, rx) for p, rx, _ in stream]
    lost = {10, 11, 200}  # a two-packet hole and a single loss
    arrivals = [a for i, a in enumerate(arrivals) if i not in lost]
    arrivals.insert(50, arrivals[49])  # duplicate, back to back
    arrivals.insert(120, arrivals[60])  # stale duplicate, long after
    arrivals[300], arrivals[301] = arrivals[301], arrivals[300]  # swapped pair
    arrivals[350], arrivals[353] = arrivals[353], arrivals[350]  # three places apart
    tl = Timeline(TimelineParams(reorder_depth=4))
    got = _concat([tl.update(arrivals), tl.flush()])
    st = tl.stats
    assert st.duplicated == 2
    assert st.reordered == 1 + 3 and st.late_dropped == 0  # 351, 352 and 350 all arrive after 353
    assert st.lost_samples == 9 and st.lost_packets == 3
    assert [g.missing_samples for g in st.gaps] == [6, 3]
    expected = np.array([i for i in range(1200) if i // 3 not in lost])
    np.testing.assert_array_equal(got["index"], expected)
    assert np.all(np.diff(got["time_s"]) > 0)
    gap = st.gaps[0]
    assert gap.duration_s == pytest.approx(7 / 208, abs=1e-3)


def test_packet_later_than_the_reorder_buffer_is_dropped_and_its_hole_reported() -> None:
    arrivals = [(p, rx) for p, rx, _ in _stream(50, per_packet=1)]
    late = arrivals.pop(10)
    arrivals.insert(30, late)
    tl = Timeline(TimelineParams(reorder_depth=2))
    got = _concat([tl.update(arrivals), tl.flush()])
    assert (tl.stats.reordered, tl.stats.late_dropped, tl.stats.lost_samples) == (1, 1, 1)
    assert 10 not in got["index"] and len(got["index"]) == 49


def test_any_chunking_gives_the_same_output() -> None:
    arrivals = [(p, rx) for p, rx, _ in _stream(900, per_packet=2, skew_ppm=-80)]
    del arrivals[100:103]
    arrivals[500], arrivals[502] = arrivals[502], arrivals[500]
    whole = Timeline()
    ref = _concat([whole.update(arrivals), whole.flush()])
    rng = np.random.default_rng(3)
    for _ in range(3):
        tl = Timeline()
        outs, i = [], 0
        while i < len(arrivals):
            step = int(rng.integers(1, 40))
            outs.append(tl.update(arrivals[i : i + step]) if step > 1 else tl.feed(*arrivals[i]))
            i += step
        outs.append(tl.flush())
        got = _concat(outs)
        for key in ref:
            np.testing.assert_array_equal(got[key], ref[key])
        assert tl.stats == whole.stats


def test_counter_and_clock_wrap_and_long_hole_resolved_by_clock() -> None:
    stream = _stream(3000, per_packet=1, rate_hz=416, seq0=65536 - 1000, t0_us=2**32 - 2_000_000)
    arrivals = [(p, rx) for p, rx, _ in stream]
    tl = Timeline()
    got = _concat([tl.update(arrivals), tl.flush()])
    np.testing.assert_array_equal(np.diff(got["index"]), 1)
    assert np.all(np.diff(got["sensor"]) > 0)
    # a hole of 70 000 samples (> 2**16) on the sensor counter: only the clock can say how long
    far = _stream(3, per_packet=1, rate_hz=416, seq0=70_000 % 65536, t0_us=5_000_000 + round(70_000 / 416 * 1e6))
    tl2 = Timeline(TimelineParams(reorder_depth=0))
    tl2.update([(p, rx) for p, rx, _ in _stream(3, per_packet=1, rate_hz=416)])
    tl2.update([(p, rx + 70_000 / 416) for p, rx, _ in far])
    assert tl2.stats.lost_samples == 70_000 - 3


def test_rate_change_starts_a_new_segment_and_its_pause_is_a_measured_gap() -> None:
    a = _stream(20, per_packet=2, rate_hz=104)
    b = _stream(20, per_packet=2, rate_hz=416, t0_us=5_000_000 + 2_000_000, seed=1)
    tl = Timeline(TimelineParams(reorder_depth=0))
    got = _concat([tl.update([(p, rx) for p, rx, _ in a]), tl.update([(p, rx + 2.0) for p, rx, _ in b]), tl.flush()])
    assert len(got["index"]) == 80 and tl.rate_hz == 416
    # the last 104 Hz sample is at 39/104 s, the first 416 Hz one at 2 s on the running sensor clock
    missing = round((2.0 - 39 / 104) * 416) - 1
    assert tl.stats.lost_samples == missing and [g.missing_samples for g in tl.stats.gaps] == [missing]
    assert np.all(np.diff(got["index"]) > 0) and np.all(np.diff(got["sensor"]) > 0)


def test_stray_valid_looking_packets_are_dropped_not_followed() -> None:
    """Random bytes decode as a valid packet about once in 400 tries: they must not derail the stream."""
    arrivals = [(p, rx) for p, rx, _ in _stream(300, per_packet=1, rate_hz=104)]
    rng = np.random.default_rng(7)
    strays = []
    for _ in range(6):
        seq, t_us = int(rng.integers(0, 2**16)), int(rng.integers(0, 2**32))
        strays.append(v1.decode_packet(enc.encode_samples_packet(seq, t_us, 104, 4, 500, [(9, 9, 9, 9, 9, 9)])))
    strays.append(v1.decode_packet(enc.encode_samples_packet(5, 5_050_000, 416, 4, 500, [(9,) * 6])))  # other rate
    for k, stray in enumerate(strays):
        pos = 1 if k == 0 else 40 * k  # one right at the start, before the stream is locked
        arrivals.insert(pos, (stray, arrivals[pos - 1][1]))
    tl = Timeline()
    got = _concat([tl.update(arrivals), tl.flush()])
    np.testing.assert_array_equal(got["index"], np.arange(300))
    assert tl.stats.implausible == len(strays) and tl.stats.lost_samples == 0 and tl.rate_hz == 104


def test_restart_at_the_same_rate_is_a_gap_of_the_time_away() -> None:
    """A sensor that restarts its counter (STOP/START on old firmware, a reload) while its clock
    runs on: the hole is measured on the clock, not numbered straight on."""
    a = _stream(50, per_packet=2, rate_hz=208)
    b = _stream(50, per_packet=2, rate_hz=208, t0_us=5_000_000 + 3_000_000, seed=2)  # counter back to 0
    tl = Timeline(TimelineParams(reorder_depth=2))
    got = _concat([tl.update([(p, rx) for p, rx, _ in a]), tl.update([(p, rx + 3.0) for p, rx, _ in b]), tl.flush()])
    missing = round((3.0 - 99 / 208) * 208) - 1
    np.testing.assert_array_equal(got["index"], np.r_[np.arange(100), np.arange(100) + 100 + missing])
    assert np.all(np.diff(got["sensor"]) > 0) and tl.stats.implausible == 0 and tl.stats.lost_samples == missing


@pytest.mark.parametrize("uptime_us", [5_000_000, 3_000_000_000])  # 5 s; 50 min (past half the clock's wrap)
def test_a_reboot_is_a_gap_measured_on_the_host_clock_with_right_host_times(uptime_us: int) -> None:
    """The sensor reboots: counter and clock start again near zero. 3 s of host time pass between
    the last packet before and the first after; the sensor clock alone would say the time went
    back (or, after 50 min, forward by 21 min through the wrap). The host clock bridges it."""
    # the reference firmware anchors its counter on its clock (seq ≈ t · rate), so after the reboot
    # counter and clock went back together: the new packets look like old ones of the same run
    a = _stream(200, per_packet=2, rate_hz=208, t0_us=uptime_us, seq0=uptime_us * 208 // 10**6 % 2**16, seed=4)
    boot_us = 800_000  # the first packet after the reboot: 0.8 s since boot
    b = _stream(200, per_packet=2, rate_hz=208, t0_us=boot_us, seq0=boot_us * 208 // 10**6, seed=5)
    away_s = 3.0 + 400 / 208  # b's first sample is 3 s after a's last one would have been followed
    b = [(p, rx + away_s, true_s + away_s) for p, rx, true_s in b]
    tl = Timeline(TimelineParams(reorder_depth=2))
    outs = [tl.update([(p, rx) for p, rx, _ in a]), tl.flush()]  # the link dropped: the app flushes
    got = _concat([*outs, tl.update([(p, rx) for p, rx, _ in b]), tl.flush()])
    st = tl.stats
    assert st.clock_restarts == 1 and st.implausible == 0 and len(got["index"]) == 800
    true_first = np.array([t for _, _, t in a + b])
    true_time = np.repeat(true_first, 2) + np.tile([0.0, 1 / 208], 400)
    # host times: the same constant offset (the minimum latency) before and after, within the
    # latency of the two packets that date the new clock (12 ms + exponential 4 ms jitter)
    error_s = got["time_s"] - true_time
    before, after = error_s[:400], error_s[400:]
    assert np.ptp(before) < 0.002 and abs(np.median(after) - np.median(before)) < 0.008
    assert np.all(np.diff(got["time_s"]) > 0) and np.all(np.diff(got["index"]) > 0)
    true_missing = round((true_time[400] - true_time[399]) * 208) - 1
    (gap,) = st.gaps
    assert abs(gap.missing_samples - true_missing) <= 1 and st.lost_samples == gap.missing_samples


def test_a_clock_that_runs_on_is_not_taken_for_a_reboot() -> None:
    """STOP/START on a sensor whose counter restarts but whose clock runs on, with late first
    packets after the pause (latency up to the spread seen before): measured on the sensor clock."""
    a = _stream(100, per_packet=2, rate_hz=208, jitter_s=0.02, seed=6)
    b = _stream(20, per_packet=2, rate_hz=208, t0_us=5_000_000 + 2_000_000, jitter_s=0.02, seed=7)
    tl = Timeline(TimelineParams(reorder_depth=2))
    tl.update([(p, rx) for p, rx, _ in a])
    tl.update([(p, rx + 2.0 + 0.03) for p, rx, _ in b])  # 30 ms later than usual
    tl.flush()
    assert tl.stats.clock_restarts == 0
    assert tl.stats.lost_samples == round((2.0 - 199 / 208) * 208) - 1


def test_faster_than_real_time_feed_loses_nothing() -> None:
    """A simulated sensor may deliver a minute of data in a blink: host time must not gate packets."""
    arrivals = [(p, 1.0) for p, _, _ in _stream(2000, per_packet=3, rate_hz=416)]
    tl = Timeline()
    got = _concat([tl.update(arrivals), tl.flush()])
    np.testing.assert_array_equal(got["index"], np.arange(6000))
    assert tl.stats.implausible == 0 and np.all(np.diff(got["sensor"]) > 0)
