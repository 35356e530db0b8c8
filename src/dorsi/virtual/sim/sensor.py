"""Sensor errors (by profile; the reference is an LSM6DS3 at ±4 g / ±500 °/s), sample clock and packet loss."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dorsi.motion.types import F64, GRAVITY_MPS2
from dorsi.virtual.sim.profiles import PROFILES, SensorProfile

ACC_LSB_MPS2 = 0.122e-3 * GRAVITY_MPS2  # 0.122 mg/LSB at ±4 g
GYR_LSB_DPS = 17.5e-3  # 17.5 m°/s/LSB at ±500 °/s
INT16_MIN, INT16_MAX = -32768, 32767
GYRO_NOISE_DPS_RTHZ = 0.01
ACCEL_NOISE_MPS2_RTHZ = 150e-6 * GRAVITY_MPS2
GYRO_BIAS_WALK_DPS_RTS = 0.002  # rate random walk of the bias, °/s/√s
ACCEL_BIAS_MAX_MPS2 = 0.04
SCALE_ERROR_MAX = 0.01


@dataclass(frozen=True)
class SensorErrors:
    gyro_bias_dps: F64
    accel_bias_mps2: F64
    gyro_scale: F64
    accel_scale: F64

    profile: SensorProfile = PROFILES["reference"]

    @classmethod
    def draw(
        cls, rng: np.random.Generator, gyro_bias_max_dps: float, profile: SensorProfile = PROFILES["reference"]
    ) -> SensorErrors:
        bias, scale = profile.accel_bias_max_mps2, profile.scale_error_max
        return cls(
            gyro_bias_dps=rng.uniform(-gyro_bias_max_dps, gyro_bias_max_dps, 3),
            accel_bias_mps2=rng.uniform(-bias, bias, 3),
            gyro_scale=1.0 + rng.uniform(-scale, scale, 3),
            accel_scale=1.0 + rng.uniform(-scale, scale, 3),
            profile=profile,
        )

    def describe(self) -> dict[str, Any]:
        p = self.profile
        if p.name != "reference":
            return {
                "profile": p.name,
                "gyro_bias_dps": self.gyro_bias_dps.tolist(),
                "accel_bias_mps2": self.accel_bias_mps2.tolist(),
                "scale": {"gyro": self.gyro_scale.tolist(), "accel": self.accel_scale.tolist()},
                "gyro_noise_dps_rthz": p.gyro_noise_dps_rthz,
                "accel_noise_mps2_rthz": p.accel_noise_mps2_rthz,
                "gyro_bias_walk_dps_rts": p.gyro_bias_walk_dps_rts,
                "accel_bias_walk_mps2_rts": p.accel_bias_walk_mps2_rts,
                "accel_lsb_mps2": p.accel_lsb_mps2,
                "gyro_lsb_dps": p.gyro_lsb_dps,
                "source": p.source,
            }
        return {
            "gyro_bias_dps": self.gyro_bias_dps.tolist(),
            "accel_bias_mps2": self.accel_bias_mps2.tolist(),
            "gyro_scale": self.gyro_scale.tolist(),
            "accel_scale": self.accel_scale.tolist(),
            "scale": {"gyro": self.gyro_scale.tolist(), "accel": self.accel_scale.tolist()},
            "gyro_noise_dps_rthz": GYRO_NOISE_DPS_RTHZ,
            "accel_noise_mps2_rthz": ACCEL_NOISE_MPS2_RTHZ,
            "gyro_bias_walk_dps_rts": GYRO_BIAS_WALK_DPS_RTS,
            "accel_lsb_mps2": ACC_LSB_MPS2,
            "gyro_lsb_dps": GYR_LSB_DPS,
        }


def quantize(x: F64, lsb: float) -> F64:
    """Round to the LSB and saturate at the int16 limits of the output register."""
    return np.clip(np.round(x / lsb), INT16_MIN, INT16_MAX) * lsb


def apply_errors(
    acc_mps2: F64, gyr_dps: F64, errors: SensorErrors, rate_hz: float, rng: np.random.Generator
) -> tuple[F64, F64, F64]:
    """Scale, bias (+ random walk), white noise (σ = density·√(rate/2)), quantization.

    Returns (acc, gyr, gyro bias per sample). The reference profile runs exactly the historical code."""
    if errors.profile.name != "reference":
        return _apply_profile(acc_mps2, gyr_dps, errors, rate_hz, rng)
    n = len(acc_mps2)
    bw = np.sqrt(rate_hz / 2.0)
    walk = np.cumsum(rng.standard_normal((n, 3)), axis=0) * (GYRO_BIAS_WALK_DPS_RTS / np.sqrt(rate_hz))
    bias = errors.gyro_bias_dps + walk
    gyr = gyr_dps * errors.gyro_scale + bias + rng.standard_normal((n, 3)) * GYRO_NOISE_DPS_RTHZ * bw
    acc = (
        acc_mps2 * errors.accel_scale
        + errors.accel_bias_mps2
        + rng.standard_normal((n, 3)) * ACCEL_NOISE_MPS2_RTHZ * bw
    )
    return quantize(acc, ACC_LSB_MPS2), quantize(gyr, GYR_LSB_DPS), bias


def _apply_profile(
    acc_mps2: F64, gyr_dps: F64, errors: SensorErrors, rate_hz: float, rng: np.random.Generator
) -> tuple[F64, F64, F64]:
    """apply_errors for any profile: adds the accelerometer bias walk; the profile's LSB and full scale."""
    p = errors.profile
    n = len(acc_mps2)
    bw = np.sqrt(rate_hz / 2.0)
    walk = np.cumsum(rng.standard_normal((n, 3)), axis=0) * (p.gyro_bias_walk_dps_rts / np.sqrt(rate_hz))
    bias = errors.gyro_bias_dps + walk
    gyr = gyr_dps * errors.gyro_scale + bias + rng.standard_normal((n, 3)) * p.gyro_noise_dps_rthz * bw
    acc_walk = np.cumsum(rng.standard_normal((n, 3)), axis=0) * (p.accel_bias_walk_mps2_rts / np.sqrt(rate_hz))
    acc = (
        acc_mps2 * errors.accel_scale
        + errors.accel_bias_mps2
        + acc_walk
        + rng.standard_normal((n, 3)) * p.accel_noise_mps2_rthz * bw
    )
    return quantize(acc, p.accel_lsb_mps2), quantize(gyr, p.gyro_lsb_dps), bias


def received_mask(n: int, loss: float, samples_per_packet: int, rng: np.random.Generator) -> np.ndarray:
    """True for samples whose packet arrived; whole packets are lost with probability `loss`."""
    n_packets = -(-n // samples_per_packet)
    ok = rng.random(n_packets) >= loss
    return np.repeat(ok, samples_per_packet)[:n]
