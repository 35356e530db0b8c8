"""Property-based tests: round trips, and arbitrary bytes never raise anything but DecodeError."""

from __future__ import annotations

import contextlib

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsi.protocol import dorsi_v1 as v1
from dorsi.protocol import encoder as enc
from dorsi.protocol import witmotion as wit
from dorsi.protocol.errors import DecodeError
from dorsi.protocol.timeline import Timeline, TimelineParams

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
i16 = st.integers(-32768, 32767)
samples_st = st.lists(st.tuples(i16, i16, i16, i16, i16, i16), min_size=1, max_size=enc.MAX_SAMPLES)
packet_args = st.tuples(
    st.integers(0, 2**16 - 1),
    st.integers(0, 2**32 - 1),
    st.sampled_from(enc.RATES_HZ),
    st.sampled_from(enc.ACC_RANGES_G),
    st.sampled_from(enc.GYR_RANGES_DPS),
    samples_st,
)


@FAST
@given(packet_args)
def test_round_trip(args: tuple[int, int, int, int, int, list[tuple[int, ...]]]) -> None:
    seq, t_us, rate, acc, gyr, samples = args
    data = enc.encode_samples_packet(seq, t_us, rate, acc, gyr, samples)
    assert len(data) == 8 + 12 * len(samples) and len(data) <= enc.MAX_ATT_VALUE
    p = v1.decode_packet(data)
    assert (p.seq, p.sensor_time_us, p.rate_hz, p.acc_range_g, p.gyr_range_dps) == (seq, t_us, rate, acc, gyr)
    np.testing.assert_array_equal(p.raw, np.array(samples, dtype=np.int16))
    np.testing.assert_array_equal(v1.decode_batch([data, data]).raw, np.concatenate([p.raw, p.raw]))


@FAST
@given(packet_args, st.data())
def test_truncated_or_oversized_packet_is_a_decode_error(args: tuple, data: st.DataObject) -> None:  # type: ignore[type-arg]
    good = enc.encode_samples_packet(*args)
    cut = data.draw(st.integers(0, len(good) - 1))
    extra = data.draw(st.binary(min_size=1, max_size=40))
    for bad in (good[:cut], good + extra):
        try:
            v1.decode_packet(bad)
        except DecodeError:
            continue
        raise AssertionError("decoded a packet of the wrong length")


@FAST
@given(st.binary(max_size=600))
def test_arbitrary_bytes_only_ever_raise_decode_error(data: bytes) -> None:
    for decode in (v1.decode_packet, v1.parse_status_message, wit.decode_notification):
        try:
            decode(data)
        except DecodeError as exc:
            assert "\n" not in str(exc)
    with contextlib.suppress(DecodeError):
        v1.decode_batch([data, data[:20]])
    result, _, _, _args = enc.parse_command(data)  # the firmware's parser never raises
    assert result in (enc.RESULT_OK, enc.RESULT_UNKNOWN_OPCODE, enc.RESULT_BAD_LENGTH, enc.RESULT_BAD_VALUE)


@FAST
@given(st.lists(st.binary(min_size=1, max_size=5).map(lambda b: bytes([0x55, 0x61]) + b * 9), max_size=4))
def test_witmotion_frames_near_valid(frames: list[bytes]) -> None:
    try:
        out = wit.decode_notification(b"".join(frames))
    except DecodeError:
        return
    assert len(out) == len(frames) and np.all(np.abs(out.angle_deg) <= 180.0)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["keep", "drop", "dup", "swap"]), st.floats(0.0, 0.05)), min_size=1, max_size=120
    ),
    st.integers(0, 2**16 - 1),
    st.integers(0, 2**32 - 1),
    st.integers(0, 6),
)
def test_timeline_never_emits_a_sample_twice_or_out_of_order(
    ops: list[tuple[str, float]], seq0: int, t0: int, depth: int
) -> None:
    arrivals: list[tuple[v1.Packet, float]] = []
    for k, (op, latency_s) in enumerate(ops):
        data = enc.encode_samples_packet(seq0 + 2 * k, t0 + k * 19231, 104, 4, 500, [(k, 0, 0, 0, 0, 0)] * 2)
        item = (v1.decode_packet(data), k * 2 / 104 + latency_s)
        if op == "drop":
            continue
        arrivals.append(item)
        if op == "dup":
            arrivals.append(item)
        if op == "swap" and len(arrivals) >= 2:
            arrivals[-1], arrivals[-2] = arrivals[-2], arrivals[-1]
    tl = Timeline(TimelineParams(reorder_depth=depth))
    out = [tl.update(arrivals), tl.flush()]
    index = np.concatenate([o.sample_index for o in out])
    assert np.all(np.diff(index) > 0)
    assert np.all(np.diff(np.concatenate([o.chunk.time_s for o in out])) > 0)  # host times never step back
    s = tl.stats
    assert s.packets_out + s.duplicated + s.late_dropped + s.implausible == s.packets_in == len(arrivals)
    assert s.lost_samples == (index[-1] - index[0] + 1 - len(index) if len(index) else 0)
