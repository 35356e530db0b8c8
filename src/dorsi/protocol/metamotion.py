"""MbientLab MetaMotion (MetaWear firmware, BMI160 or BMI270 IMU): notifications and commands, pure.

Read from MbientLab's public MetaWear C++ SDK (sensor/cpp/accelerometer_bosch*, gyro_bosch*,
core/cpp/moduleinfo.cpp, core/cpp/settings.cpp); written here from that description.

Everything written to 326a9001 and notified on 326a9006 is ``module, register, payload``;
bit 7 of the register marks a read and its reply (bit 6 a silent one).

- Module info: write ``[module, 0x80]``; the board answers ``[module, 0x80, implementation,
  revision, …]``, only the two header bytes when it lacks the module. Accelerometer (module
  0x03): implementation 1 = BMI160 (MetaMotion R, RL, C), 4 = BMI270 (MetaMotion S);
  gyroscope (0x13): 0 = BMI160, 1 = BMI270.
- Configuration, register 0x03 of each: accelerometer ``[odr | bwp << 4 | us << 7, range
  code]``, gyroscope ``[odr | bwp << 4, range code]``; the SDK's "normal" filter is bwp 2,
  with us (the BMI270's performance mode) set. ODR codes are the Bosch ones (100 Hz = 8).
- Data, ``int16 x, y, z`` per sample: one sample (accelerometer register 0x04; gyroscope 0x05
  on a BMI160, 0x04 on a BMI270) or three packed (accelerometer 0x1C / 0x05, gyroscope
  0x07 / 0x05). Accelerometer LSB = range / 32768 g; gyroscope LSB = 1 / (16.4 · 2000 /
  range) °/s (Bosch's sensitivity, not range / 32768).
- Streaming: subscribe the data register (``[module, register, 1]``), enable the data
  interrupt (``[module, 0x02, 1, 0]``), power the sensor (``[module, 0x01, 1]``); stop in
  the reverse order with 0s.
Accelerometer and gyroscope arrive as separate notifications with neither counter nor
clock; the stream decoder (dorsi.protocol.decoders) pairs them in order (both sample at
one ODR on one chip) and numbers them on arrival. Values come out in the board's axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from dorsi.protocol.errors import DecodeError

MODULE_ACC = 0x03
MODULE_GYRO = 0x13
MODULE_SETTINGS = 0x11
REG_INFO = 0x80  # read of register 0: the module's implementation and revision
REG_POWER, REG_DATA_ENABLE, REG_CONFIG = 0x01, 0x02, 0x03
REG_CONNECTION_PARAMS = 0x09  # settings module

ACC_RANGE_CODES = {  # full scale g → range code, per chip
    "BMI160": {2: 0x03, 4: 0x05, 8: 0x08, 16: 0x0C},
    "BMI270": {2: 0x00, 4: 0x01, 8: 0x02, 16: 0x03},
}
GYR_RANGE_CODES = {2000: 0, 1000: 1, 500: 2, 250: 3, 125: 4}
ODR_CODES = {25: 0x06, 50: 0x07, 100: 0x08, 200: 0x09, 400: 0x0A, 800: 0x0B}  # accelerometer and gyroscope
BWP_NORMAL = 0x20  # bwp 2 in bits 6..4
ACC_PERFORMANCE = 0x80  # BMI270 acc_filter_perf
GYR_DPS_PER_LSB_AT_2000 = 1 / 16.4

# registers carrying data, by (module, payload bytes): one sample is 6 bytes, three packed 18
_DATA_REGISTERS = {
    (MODULE_ACC, 6): {0x04},
    (MODULE_ACC, 18): {0x1C, 0x05},
    (MODULE_GYRO, 6): {0x05, 0x04},
    (MODULE_GYRO, 18): {0x07, 0x05},
}


@dataclass(frozen=True)
class Imu:
    """One IMU chip as MetaWear firmware drives it: where its data come and how it is configured."""

    name: str
    acc_data: int  # register of the accelerometer samples the app subscribes
    gyr_data: int
    samples_per_notification: int  # 3 when packed
    acc_config_flags: int  # bits of the accelerometer config byte besides the ODR

    def acc_config(self, rate_hz: int, range_g: int) -> bytes:
        codes = ACC_RANGE_CODES[self.name]
        if range_g not in codes:
            raise DecodeError(f"MetaWear accelerometer range {range_g} g is not one of {sorted(codes)}")
        return bytes([MODULE_ACC, REG_CONFIG, _odr(rate_hz) | self.acc_config_flags, codes[range_g]])

    def gyr_config(self, rate_hz: int, range_dps: int) -> bytes:
        if range_dps not in GYR_RANGE_CODES:
            raise DecodeError(f"MetaWear gyroscope range {range_dps} °/s is not one of {sorted(GYR_RANGE_CODES)}")
        return bytes([MODULE_GYRO, REG_CONFIG, _odr(rate_hz) | BWP_NORMAL, GYR_RANGE_CODES[range_dps]])

    def start_commands(self, rate_hz: int, acc_range_g: int, gyr_range_dps: int) -> list[bytes]:
        """Configure, subscribe, enable and power both sensors (send in this order)."""
        return [
            self.acc_config(rate_hz, acc_range_g),
            self.gyr_config(rate_hz, gyr_range_dps),
            bytes([MODULE_ACC, self.acc_data, 1]),
            bytes([MODULE_GYRO, self.gyr_data, 1]),
            bytes([MODULE_ACC, REG_DATA_ENABLE, 1, 0]),
            bytes([MODULE_GYRO, REG_DATA_ENABLE, 1, 0]),
            bytes([MODULE_ACC, REG_POWER, 1]),
            bytes([MODULE_GYRO, REG_POWER, 1]),
        ]

    def stop_commands(self) -> list[bytes]:
        return [
            bytes([MODULE_ACC, REG_POWER, 0]),
            bytes([MODULE_GYRO, REG_POWER, 0]),
            bytes([MODULE_ACC, REG_DATA_ENABLE, 0, 1]),
            bytes([MODULE_GYRO, REG_DATA_ENABLE, 0, 1]),
            bytes([MODULE_ACC, self.acc_data, 0]),
            bytes([MODULE_GYRO, self.gyr_data, 0]),
        ]


BMI160 = Imu("BMI160", 0x1C, 0x07, 3, BWP_NORMAL)
BMI160_UNPACKED = Imu("BMI160", 0x04, 0x05, 1, BWP_NORMAL)  # firmware before packed data (revision 0)
BMI270 = Imu("BMI270", 0x05, 0x05, 3, BWP_NORMAL | ACC_PERFORMANCE)
ACC_IMPLEMENTATIONS = {1: "BMI160", 4: "BMI270"}
GYR_IMPLEMENTATIONS = {0: "BMI160", 1: "BMI270"}


class ModuleInfo(NamedTuple):
    """A module-info reply; implementation and revision are None when the board lacks the module."""

    module: int
    implementation: int | None = None
    revision: int | None = None


def cmd_read_info(module: int) -> bytes:
    return bytes([module, REG_INFO])


def parse_module_info(data: bytes | bytearray | memoryview) -> ModuleInfo:
    """A module-info reply → ModuleInfo; DecodeError for anything else."""
    b = _as_bytes(data)
    if len(b) < 2 or b[1] != REG_INFO:
        raise DecodeError("not a MetaWear module-info reply")
    if len(b) < 4:
        return ModuleInfo(b[0])
    return ModuleInfo(b[0], b[2], b[3])


def imu_from_info(acc: ModuleInfo, gyr: ModuleInfo) -> Imu:
    """The chip to drive, from the accelerometer's and gyroscope's module info; DecodeError
    (one line) for a board dorsi cannot use (no gyroscope, another accelerometer)."""
    chip = ACC_IMPLEMENTATIONS.get(acc.implementation) if acc.implementation is not None else None
    if chip is None:
        raise DecodeError(f"this MetaWear has no BMI160/BMI270 accelerometer (implementation {acc.implementation})")
    if gyr.implementation is None or GYR_IMPLEMENTATIONS.get(gyr.implementation) != chip:
        raise DecodeError("this MetaWear has no gyroscope on its accelerometer's chip; dorsi needs both")
    if chip == "BMI270":
        return BMI270
    return BMI160 if (acc.revision or 0) >= 1 and (gyr.revision or 0) >= 1 else BMI160_UNPACKED


def cmd_connection_parameters(interval_ms: float = 7.5, latency: int = 0, timeout_ms: float = 6000.0) -> bytes:
    """Ask for a short connection interval (1.25 ms units; timeout in 10 ms): acc + gyro above
    100 Hz need more than one notification per default 30–50 ms interval."""
    step = round(interval_ms / 1.25)
    values = np.array([step, step, latency, round(timeout_ms / 10.0)], dtype="<u2")
    return bytes([MODULE_SETTINGS, REG_CONNECTION_PARAMS]) + values.tobytes()


def _odr(rate_hz: int) -> int:
    if rate_hz not in ODR_CODES:
        raise DecodeError(f"MetaWear rate {rate_hz} Hz is not one of {sorted(ODR_CODES)}")
    return ODR_CODES[rate_hz]


def _as_bytes(data: object) -> bytes:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    return bytes(data)


# --- data ------------------------------------------------------------------------


@dataclass(frozen=True)
class MetaWearSamples:
    """Samples of one notification: kind "acc" or "gyr", raw int16 in the board's axes."""

    kind: str
    raw: NDArray[np.int16]  # (n, 3)
    scale: float  # g or °/s per LSB

    @property
    def values(self) -> NDArray[np.float64]:
        return self.raw.astype(np.float64) * self.scale


def acc_scale_g(range_g: int) -> float:
    return range_g / 32768.0


def gyr_scale_dps(range_dps: int) -> float:
    return GYR_DPS_PER_LSB_AT_2000 * range_dps / 2000.0


def decode_notification(data: bytes | bytearray | memoryview, acc_range_g: int, gyr_range_dps: int) -> MetaWearSamples:
    """One MetaWear notification → accelerometer or gyroscope samples; DecodeError otherwise.

    The ranges are the ones the app configured: MetaWear data do not carry them.
    """
    b = _as_bytes(data)
    if acc_range_g not in ACC_RANGE_CODES["BMI160"] or gyr_range_dps not in GYR_RANGE_CODES:
        raise DecodeError(f"unsupported MetaWear ranges {acc_range_g} g / {gyr_range_dps} dps")
    if len(b) < 2:
        raise DecodeError(f"MetaWear notification of {len(b)} bytes has no module and register")
    module, register, size = b[0], b[1] & 0x3F, len(b) - 2
    known = {r for (m, _), regs in _DATA_REGISTERS.items() if m == module for r in regs}
    if register not in known:
        raise DecodeError(f"MetaWear module 0x{module:02x} register 0x{register:02x} is not IMU data")
    if register not in _DATA_REGISTERS.get((module, size), ()):
        raise DecodeError(f"MetaWear 0x{module:02x}/0x{register:02x} data of {size} bytes, expected 6 or 18")
    raw = np.frombuffer(b, dtype="<i2", offset=2).reshape(-1, 3).astype(np.int16)
    if module == MODULE_ACC:
        return MetaWearSamples("acc", raw, acc_scale_g(acc_range_g))
    return MetaWearSamples("gyr", raw, gyr_scale_dps(gyr_range_dps))


def encode_data(module: int, register: int, values: NDArray[np.float64], scale: float) -> bytes:
    """Samples (n, 3) in g or °/s → one data notification (for the virtual MetaMotion and tests)."""
    raw = np.clip(np.round(np.asarray(values) / scale), -32768, 32767).astype("<i2")
    return bytes([module, register]) + raw.tobytes()


def info_reply(module: int, implementation: int | None, revision: int = 1) -> bytes:
    """A module-info reply (for the virtual MetaMotion): absent when ``implementation`` is None."""
    head = bytes([module, REG_INFO])
    return head if implementation is None else head + bytes([implementation, revision])


METAMOTION_AXES = np.eye(3)  # rows: product X, Y, Z in board axes, for the documented mounting


def metamotion_to_product(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Board axes → product axes for calibration/profiles/metamotion.toml's mounting (identity)."""
    return np.asarray(v, dtype=np.float64) @ METAMOTION_AXES.T
