"""MbientLab MetaMotion (MetaWear, BMI160 IMU) decoder and commands: pure, no I/O.

MetaWear notifications on 326a9006 are `module, register, data`. The IMU data
this app needs come as:
- accelerometer (module 0x03): register 0x04 one sample, 0x1C packed three samples;
  int16 x y z, LSB = range / 32768 g;
- gyroscope (module 0x13): register 0x05 one sample, 0x07 packed three samples;
  int16 x y z, LSB = 1 / (16.4 · 2000 / range) °/s (Bosch sensitivity, not range/32768).
Accelerometer and gyroscope arrive as separate notifications with no counter;
pairing them into 6-axis samples is left to the caller (both run at one ODR).
Values come out in the board's own axes. The BMI270 boards (MetaMotion S) use
other registers and are not covered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dorsi.protocol.errors import DecodeError
from dorsi.protocol.uuids import METAMOTION_COMMAND_UUID as COMMAND_UUID
from dorsi.protocol.uuids import METAMOTION_NOTIFY_UUID as NOTIFY_UUID
from dorsi.protocol.uuids import METAMOTION_SERVICE_UUID as SERVICE_UUID

__all__ = ["COMMAND_UUID", "NOTIFY_UUID", "SERVICE_UUID", "MetaWearSamples", "decode_notification"]

MODULE_ACC = 0x03
MODULE_GYRO = 0x13
ACC_DATA, ACC_PACKED = 0x04, 0x1C
GYRO_DATA, GYRO_PACKED = 0x05, 0x07

ACC_RANGE_BITS = {2: 0x03, 4: 0x05, 8: 0x08, 16: 0x0C}  # BMI160 ACC_RANGE register values
GYR_RANGE_BITS = {2000: 0, 1000: 1, 500: 2, 250: 3, 125: 4}
ODR_BITS = {25: 0x06, 50: 0x07, 100: 0x08, 200: 0x09, 400: 0x0A, 800: 0x0B}  # acc and gyro alike
_NORMAL_FILTER = 0x20  # bandwidth bits for "normal" filter mode


@dataclass(frozen=True)
class MetaWearSamples:
    """Samples of one notification: kind "acc" (g) or "gyr" (°/s), board axes."""

    kind: str
    values: NDArray[np.float64]  # (n, 3)


def decode_notification(data: bytes | bytearray | memoryview, acc_range_g: int, gyr_range_dps: int) -> MetaWearSamples:
    """One MetaWear notification → accelerometer or gyroscope samples; DecodeError otherwise.

    The ranges are the ones the app configured: MetaWear data do not carry them.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    b = bytes(data)
    if acc_range_g not in ACC_RANGE_BITS or gyr_range_dps not in GYR_RANGE_BITS:
        raise DecodeError(f"unsupported MetaWear ranges {acc_range_g} g / {gyr_range_dps} dps")
    if len(b) < 2:
        raise DecodeError(f"MetaWear notification of {len(b)} bytes has no module and register")
    module, register = b[0], b[1] & 0x3F  # bits 7..6 of the register byte flag a read reply
    expected = {ACC_DATA: 6, ACC_PACKED: 18} if module == MODULE_ACC else {GYRO_DATA: 6, GYRO_PACKED: 18}
    if module not in (MODULE_ACC, MODULE_GYRO) or register not in expected:
        raise DecodeError(f"MetaWear module 0x{module:02x} register 0x{register:02x} is not IMU data")
    if len(b) - 2 != expected[register]:
        raise DecodeError(
            f"MetaWear 0x{module:02x}/0x{register:02x} data of {len(b) - 2} bytes, expected {expected[register]}"
        )
    raw = np.frombuffer(b, dtype="<i2", offset=2).reshape(-1, 3).astype(np.float64)
    if module == MODULE_ACC:
        return MetaWearSamples("acc", raw * (acc_range_g / 32768.0))
    return MetaWearSamples("gyr", raw / (16.4 * 2000.0 / gyr_range_dps))


# --- commands (write to 326a9001) -----------------------------------------------


def _odr(rate_hz: int) -> int:
    if rate_hz not in ODR_BITS:
        raise DecodeError(f"MetaWear rate {rate_hz} Hz is not one of {sorted(ODR_BITS)}")
    return _NORMAL_FILTER | ODR_BITS[rate_hz]


def cmd_acc_config(rate_hz: int, range_g: int) -> bytes:
    if range_g not in ACC_RANGE_BITS:
        raise DecodeError(f"MetaWear accelerometer range {range_g} g is not one of {sorted(ACC_RANGE_BITS)}")
    return bytes([MODULE_ACC, 0x03, _odr(rate_hz), ACC_RANGE_BITS[range_g]])


def cmd_gyr_config(rate_hz: int, range_dps: int) -> bytes:
    if range_dps not in GYR_RANGE_BITS:
        raise DecodeError(f"MetaWear gyroscope range {range_dps} dps is not one of {sorted(GYR_RANGE_BITS)}")
    return bytes([MODULE_GYRO, 0x03, _odr(rate_hz), GYR_RANGE_BITS[range_dps]])


def cmd_start_streaming(packed: bool = True) -> list[bytes]:
    """Subscribe, enable sampling and start both sensors (send in this order)."""
    acc_reg, gyr_reg = (ACC_PACKED, GYRO_PACKED) if packed else (ACC_DATA, GYRO_DATA)
    return [
        bytes([MODULE_ACC, acc_reg, 0x01]),
        bytes([MODULE_GYRO, gyr_reg, 0x01]),
        bytes([MODULE_ACC, 0x02, 0x01, 0x00]),
        bytes([MODULE_GYRO, 0x02, 0x01, 0x00]),
        bytes([MODULE_ACC, 0x01, 0x01]),
        bytes([MODULE_GYRO, 0x01, 0x01]),
    ]


def cmd_stop_streaming() -> list[bytes]:
    return [
        bytes([MODULE_ACC, 0x01, 0x00]),
        bytes([MODULE_GYRO, 0x01, 0x00]),
        bytes([MODULE_ACC, 0x02, 0x00, 0x01]),
        bytes([MODULE_GYRO, 0x02, 0x00, 0x01]),
    ]
