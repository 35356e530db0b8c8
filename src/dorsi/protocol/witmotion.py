"""WitMotion BWT901BLECL / WT901BLE 5.0 decoder and commands: pure, no I/O.

A notification on ffe4 holds one or more 20-byte frames. The data frame is
0x55 0x61 + 9 little-endian int16: acceleration (/32768 × 16 g), angular rate
(/32768 × 2000 °/s), Euler angles roll, pitch, yaw (/32768 × 180°). A 0x55 0x71
frame is a register read reply (register number + 8 int16) and is returned
separately. Values come out in the sensor's own axes; witmotion_to_product()
maps them to the product's axes for the mounting in SPEC §7. The frames carry no counter
or clock: dorsi.protocol.decoders numbers and times them on arrival.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dorsi.protocol.errors import DecodeError

FRAME_SIZE = 20
HEADER = 0x55
KIND_DATA = 0x61
KIND_REGISTER = 0x71
ACC_FULL_SCALE_G = 16.0
GYR_FULL_SCALE_DPS = 2000.0
ANGLE_FULL_SCALE_DEG = 180.0
G_MPS2 = 9.80665

# output rate register 0x03 values (WitMotion BLE 5.0 manual)
RATE_CODES = {0.2: 0x01, 0.5: 0x02, 1: 0x03, 2: 0x04, 5: 0x05, 10: 0x06, 20: 0x07, 50: 0x08, 100: 0x09, 200: 0x0B}
REG_SAVE = 0x00
REG_RATE = 0x03


@dataclass(frozen=True)
class WitFrames:
    """Data frames of one or more notifications, in the sensor's axes and physical units."""

    acc_g: NDArray[np.float64]  # (n, 3)
    gyr_dps: NDArray[np.float64]  # (n, 3)
    angle_deg: NDArray[np.float64]  # (n, 3): roll, pitch, yaw
    registers: tuple[tuple[int, tuple[int, ...]], ...] = ()  # (first register, 8 values) per 0x71 frame

    def __len__(self) -> int:
        return int(self.acc_g.shape[0])

    @property
    def acc_mps2(self) -> NDArray[np.float64]:
        return self.acc_g * G_MPS2


_SCALES = np.repeat([ACC_FULL_SCALE_G, GYR_FULL_SCALE_DPS, ANGLE_FULL_SCALE_DEG], 3) / 32768.0


def decode_notification(data: bytes | bytearray | memoryview) -> WitFrames:
    """One ffe4 notification (n × 20 bytes) → frames; DecodeError if any frame is malformed."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    b = bytes(data)
    if not b or len(b) % FRAME_SIZE:
        raise DecodeError(f"WitMotion notification of {len(b)} bytes is not a whole number of 20-byte frames")
    arr = np.frombuffer(b, np.uint8).reshape(-1, FRAME_SIZE)
    bad_head = np.flatnonzero(arr[:, 0] != HEADER)
    if bad_head.size:
        i = int(bad_head[0])
        raise DecodeError(f"WitMotion frame {i} starts with 0x{arr[i, 0]:02x}, not 0x55")
    kinds = arr[:, 1]
    bad_kind = np.flatnonzero((kinds != KIND_DATA) & (kinds != KIND_REGISTER))
    if bad_kind.size:
        i = int(bad_kind[0])
        raise DecodeError(f"WitMotion frame {i} has unknown type 0x{kinds[i]:02x}")
    values = np.ascontiguousarray(arr[:, 2:]).view("<i2")  # (n, 9)
    data_rows = values[kinds == KIND_DATA].astype(np.float64) * _SCALES
    registers = tuple((int(v[0]), tuple(int(x) for x in v[1:])) for v in values[kinds == KIND_REGISTER].tolist())
    return WitFrames(data_rows[:, 0:3], data_rows[:, 3:6], data_rows[:, 6:9], registers)


def encode_data_frame(
    acc_g: tuple[float, float, float], gyr_dps: tuple[float, float, float], angle_deg: tuple[float, float, float]
) -> bytes:
    """One 0x55 0x61 frame from physical values (for the virtual WitMotion and tests)."""
    scales = (ACC_FULL_SCALE_G,) * 3 + (GYR_FULL_SCALE_DPS,) * 3 + (ANGLE_FULL_SCALE_DEG,) * 3
    raw = [
        max(-32768, min(32767, round(v * 32768.0 / s)))
        for v, s in zip((*acc_g, *gyr_dps, *angle_deg), scales, strict=True)
    ]
    return bytes([HEADER, KIND_DATA]) + np.array(raw, dtype="<i2").tobytes()


def witmotion_to_product(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sensor axes → product axes (+Y up the shin, +Z out of the skin) for the SPEC §7 mounting.

    Mounting: the module strapped flat on the shin, its printed +Y arrow toward the
    knee and its top face (label) away from the skin. Its axes then coincide with
    the product's, so the map is the identity; a different mounting changes it here.
    """
    return np.asarray(v, dtype=np.float64) @ WITMOTION_AXES.T


WITMOTION_AXES = np.eye(3)  # rows: product X, Y, Z expressed in sensor axes


# --- commands (write to ffe9) ----------------------------------------------------


def _write(register: int, value: int) -> bytes:
    return bytes([0xFF, 0xAA, register & 0xFF, value & 0xFF, (value >> 8) & 0xFF])


def cmd_unlock() -> bytes:
    """Must precede any configuration write."""
    return bytes([0xFF, 0xAA, 0x69, 0x88, 0xB5])


def cmd_set_rate(rate_hz: float) -> bytes:
    """Output rate; send cmd_unlock() first and cmd_save() after to keep it over power cycles."""
    code = RATE_CODES.get(rate_hz)
    if code is None:
        raise DecodeError(f"WitMotion rate {rate_hz} Hz is not one of {sorted(RATE_CODES)}")
    return _write(REG_RATE, code)


def cmd_save() -> bytes:
    return _write(REG_SAVE, 0)


def raw_samples(data: bytes | bytearray | memoryview) -> NDArray[np.int16]:
    """The data frames of one notification as (n, 6) int16 in product axes, still range / 32768
    (±16 g, ±2000 °/s): what the stream decoder numbers and times. DecodeError if malformed."""
    decode_notification(data)  # validates; raises DecodeError with the reason
    arr = np.frombuffer(bytes(data), np.uint8).reshape(-1, FRAME_SIZE)
    rows = np.ascontiguousarray(arr[arr[:, 1] == KIND_DATA, 2:14]).view("<i2").astype(np.float64)
    wire = np.hstack([witmotion_to_product(rows[:, 0:3]), witmotion_to_product(rows[:, 3:6])])
    return np.clip(np.rint(wire), -32768, 32767).astype(np.int16)
