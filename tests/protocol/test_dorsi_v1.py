"""dorsi protocol v1: encoder ↔ decoder, batch == single, status and commands."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.errors import InputError
from dorsi.protocol import dorsi_v1 as v1
from dorsi.protocol import encoder as enc
from dorsi.protocol.errors import DecodeError


def _samples(n: int, start: int = 0) -> list[tuple[int, ...]]:
    return [tuple((start + i) * 7 + k - 20 for k in range(6)) for i in range(n)]


def test_one_sample_fits_twenty_bytes() -> None:
    pkt = enc.encode_samples_packet(5, 1000, 104, 4, 500, _samples(1))
    assert len(pkt) == 20
    assert enc.max_samples_for_mtu(23) == 1
    assert enc.max_samples_for_mtu(247) == 19
    assert enc.max_samples_for_mtu(517) == 31
    assert len(enc.encode_samples_packet(0, 0, 52, 2, 125, _samples(19))) <= 247 - 3 < 8 + 12 * 20


def test_decode_packet_fields_and_units() -> None:
    raw = [(0, 8192, -8192, 16384, 0, -32768)]
    p = v1.decode_packet(enc.encode_samples_packet(70000, 2**32 + 5, 208, 4, 2000, raw))
    assert (p.seq, p.sensor_time_us, p.rate_hz, p.acc_range_g, p.gyr_range_dps) == (70000 - 65536, 5, 208, 4, 2000)
    assert p.n_samples == 1
    np.testing.assert_allclose(p.acc_mps2[0], [0.0, 1.0 * enc.STANDARD_GRAVITY_MPS2, -enc.STANDARD_GRAVITY_MPS2])
    np.testing.assert_allclose(p.gyr_dps[0], [1000.0, 0.0, -2000.0])


def test_sample_to_int16_round_trips_physical_units() -> None:
    acc = (0.5, -9.80665, 19.6133)
    gyr = (10.0, -250.0, 0.0)
    s = enc.sample_to_int16(acc, gyr, 4, 500)
    p = v1.decode_packet(enc.encode_samples_packet(0, 0, 104, 4, 500, [s]))
    np.testing.assert_allclose(p.acc_mps2[0], acc, atol=4 * 9.80665 / 32768)
    np.testing.assert_allclose(p.gyr_dps[0], gyr, atol=500 / 32768)
    assert enc.scale_to_int16(100.0, 2) == 32767 and enc.scale_to_int16(-100.0, 2) == -32768


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "shorter"),
        (bytes([0x21, 0x00]) + bytes(17), "shorter"),
        (bytes([0x41, 0x00]) + bytes(18), "version 2"),
        (bytes([0x20, 0x00]) + bytes(18), "0 samples"),
        (bytes([0x22, 0x00]) + bytes(18), "says 2 samples"),
        (bytes([0x21, 0x00]) + bytes(19), "21 bytes"),
        (bytes([0x21, 0x14]) + bytes(18), "gyroscope range code 5"),
        (bytes([0x21, 0x80]) + bytes(18), "rate code 4"),
    ],
)
def test_decode_packet_rejects_with_one_line_reason(data: bytes, why: str) -> None:
    with pytest.raises(DecodeError, match=why) as info:
        v1.decode_packet(data)
    assert isinstance(info.value, InputError) and "\n" not in str(info.value)


def test_decode_packet_rejects_non_bytes() -> None:
    with pytest.raises(DecodeError, match="expected bytes"):
        v1.decode_packet("2100")  # type: ignore[arg-type]


def test_decode_batch_equals_decode_packet_mixed_lengths() -> None:
    pkts = [
        enc.encode_samples_packet(
            i * 3, i * 10000, (52, 104, 208, 416)[i % 4], 2 << (i % 4), 250, _samples(1 + i % 5, i)
        )
        for i in range(23)
    ]
    batch = v1.decode_batch(pkts)
    assert len(batch) == 23 and batch.raw.shape == (sum(1 + i % 5 for i in range(23)), 6)
    acc, gyr = batch.acc_mps2, batch.gyr_dps
    start = 0
    for i, data in enumerate(pkts):
        p, q = v1.decode_packet(data), batch.packet(i)
        assert (p.seq, p.sensor_time_us, p.rate_hz, p.acc_range_g, p.gyr_range_dps) == (
            q.seq,
            q.sensor_time_us,
            q.rate_hz,
            q.acc_range_g,
            q.gyr_range_dps,
        )
        np.testing.assert_array_equal(p.raw, q.raw)
        np.testing.assert_allclose(acc[start : start + p.n_samples], p.acc_mps2)
        np.testing.assert_allclose(gyr[start : start + p.n_samples], p.gyr_dps)
        start += p.n_samples
    np.testing.assert_array_equal(batch.sample_packet[:3], [0, 1, 1])


def test_decode_batch_names_first_bad_packet() -> None:
    good = enc.encode_samples_packet(0, 0, 52, 2, 125, _samples(2))
    bad = bytearray(good)
    bad[0] = 0x42
    with pytest.raises(DecodeError, match="packet 2: protocol version 2"):
        v1.decode_batch([good, good, bytes(bad), good])
    with pytest.raises(DecodeError, match="packet 1: "):
        v1.decode_batch([good, good[:-1]])
    assert len(v1.decode_batch([])) == 0


def test_status_response_error_messages() -> None:
    st = v1.parse_status_message(enc.encode_status(enc.STATE_STREAMING, 416, 16, 2000, 87))
    assert st == v1.StatusMessage(True, v1.Config(416, 16, 2000), 87)
    st2 = v1.parse_status_message(enc.encode_status(enc.STATE_IDLE, 52, 2, 125, enc.BATTERY_UNKNOWN))
    assert isinstance(st2, v1.StatusMessage) and st2.battery_pct is None and not st2.streaming
    r = v1.parse_status_message(
        enc.encode_response(9, enc.OP_GET_BATTERY, enc.RESULT_OK, enc.battery_payload(55, 3900))
    )
    assert isinstance(r, v1.ResponseMessage) and r.ok and (r.token, r.opcode) == (9, enc.OP_GET_BATTERY)
    assert v1.parse_battery(r.payload) == (55, 3900)
    vr = v1.parse_status_message(enc.encode_response(1, enc.OP_GET_VERSION, 0, enc.version_payload(1, 2, 3)))
    assert isinstance(vr, v1.ResponseMessage) and v1.parse_version(vr.payload) == ((1, enc.PROTOCOL_MINOR), (1, 2, 3))
    e = v1.parse_status_message(enc.encode_error(enc.ERR_OVERRUN, 12))
    assert e == v1.ErrorMessage(enc.ERR_OVERRUN, 12)
    for bad in (b"", b"\x41\x00\x00\x00", b"\x21\x00", b"\x3f", b"\x21\x05\x00\x00", b"\x21\x00\x00\x65"):
        with pytest.raises(DecodeError):
            v1.parse_status_message(bad)


def test_commands_round_trip_through_the_firmware_parser() -> None:
    cases = [
        (v1.cmd_start(1), (enc.RESULT_OK, enc.OP_START, 1, ())),
        (v1.cmd_stop(2), (enc.RESULT_OK, enc.OP_STOP, 2, ())),
        (v1.cmd_set_rate(416, 3), (enc.RESULT_OK, enc.OP_SET_RATE, 3, (416,))),
        (v1.cmd_set_ranges(8, 1000, 4), (enc.RESULT_OK, enc.OP_SET_RANGES, 4, (8, 1000))),
        (v1.cmd_identify(5, 5), (enc.RESULT_OK, enc.OP_IDENTIFY, 5, (5,))),
        (v1.cmd_get_battery(6), (enc.RESULT_OK, enc.OP_GET_BATTERY, 6, ())),
        (v1.cmd_get_version(7), (enc.RESULT_OK, enc.OP_GET_VERSION, 7, ())),
        (v1.cmd_get_status(8), (enc.RESULT_OK, enc.OP_GET_STATUS, 8, ())),
    ]
    for data, expected in cases:
        assert enc.parse_command(data) == expected
    assert enc.parse_command(b"")[0] == enc.RESULT_BAD_LENGTH
    assert enc.parse_command(b"\x99\x01")[0] == enc.RESULT_UNKNOWN_OPCODE
    assert enc.parse_command(b"\x03\x01\x10")[0] == enc.RESULT_BAD_LENGTH
    assert enc.parse_command(b"\x03\x01\x64\x00")[0] == enc.RESULT_BAD_VALUE  # 100 Hz
    with pytest.raises(DecodeError):
        v1.cmd_set_rate(100)
    with pytest.raises(DecodeError):
        v1.cmd_set_ranges(3, 250)
