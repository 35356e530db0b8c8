"""MetaMotion (BMI160) decoder against the values in MbientLab's own SDK tests
(mbientlab/MetaWear-SDK-Cpp test/test_accelerometer_bmi160.py, test_gyro_bmi160.py),
which state them to 0.001."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.protocol import metamotion as mm
from dorsi.protocol.errors import DecodeError

CASES = [
    ("0304 16c494a22ad0", 4, 500, "acc", [[-1.872, -2.919, -1.495]]),
    (
        "031c 62b7530de9fd16d04d0e57028aff a1050a01",
        8,
        500,
        "acc",
        [[-4.539, 0.833, -0.131], [-2.995, 0.894, 0.146], [-0.029, 0.352, 0.065]],
    ),
    ("1305 3e43ff7f0080", 2, 500, "gyr", [[262.409, 499.497, -499.512]]),
    (
        "1307 0915ad2608de8a1a0d2665e48d20ac2773ec",
        2,
        1000,
        "gyr",
        [[164.177, 301.860, -265.122], [207.134, 296.982, -215.457], [254.055, 309.634, -152.591]],
    ),
]


@pytest.mark.parametrize(("hexdata", "acc_g", "gyr_dps", "kind", "expected"), CASES)
def test_sdk_vectors(hexdata: str, acc_g: int, gyr_dps: int, kind: str, expected: list[list[float]]) -> None:
    out = mm.decode_notification(bytes.fromhex(hexdata.replace(" ", "")), acc_g, gyr_dps)
    assert out.kind == kind
    np.testing.assert_allclose(out.values, expected, atol=0.0015)


def test_commands_match_the_sdk() -> None:
    assert mm.cmd_acc_config(200, 8) == bytes([0x03, 0x03, 0x29, 0x08])
    assert mm.cmd_acc_config(100, 16) == bytes([0x03, 0x03, 0x28, 0x0C])
    assert mm.cmd_gyr_config(50, 125) == bytes([0x13, 0x03, 0x27, 0x04])
    assert mm.cmd_gyr_config(100, 250) == bytes([0x13, 0x03, 0x28, 0x03])
    start = mm.cmd_start_streaming()
    assert bytes([0x03, 0x1C, 0x01]) in start and bytes([0x13, 0x07, 0x01]) in start
    assert bytes([0x03, 0x02, 0x01, 0x00]) in start and bytes([0x13, 0x01, 0x01]) in start
    assert bytes([0x03, 0x02, 0x00, 0x01]) in mm.cmd_stop_streaming()
    with pytest.raises(DecodeError):
        mm.cmd_acc_config(104, 8)


@pytest.mark.parametrize(
    ("hexdata", "why"),
    [("", "no module"), ("0304", "0 bytes"), ("0304" + "00" * 7, "7 bytes"), ("0a0b0000", "not IMU data")],
)
def test_bad_notifications(hexdata: str, why: str) -> None:
    with pytest.raises(DecodeError, match=why):
        mm.decode_notification(bytes.fromhex(hexdata), 4, 500)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_arbitrary_bytes_only_raise_decode_error(data: bytes) -> None:
    try:
        out = mm.decode_notification(data, 16, 2000)
    except DecodeError:
        return
    assert out.values.shape[1] == 3
