"""How far the accelerometer's own errors move a tilt zeroed on standing: the sensor's share of an angle's
uncertainty. Pure: no Qt, BLE or files.

A MEMS accelerometer reads f = (1 + s)·f_true + b per axis: a zero-g offset b and a sensitivity (scale)
error s, fixed for a unit (until it is bench-calibrated). Quasi-static, the tilt is the direction of f.
With the shin's long axis z and its forward axis y, the true specific force at inclination θ is
g·(0, sin θ, cos θ), and the inclination read from f is, to first order in b/g and s,

    θ_read − θ = (s_y − s_z)·sin 2θ / 2 + (b_y / g)·cos θ − (b_z / g)·sin θ

The standing calibration zeroes the reading at θ = 0 (it removes b_y / g), so the error left at θ is

    δθ = (s_y − s_z)·sin 2θ / 2 − (b_y / g)·(1 − cos θ) − (b_z / g)·sin θ

(the lateral axis moves the frontal tilt, not the inclination, to first order). A datasheet gives each
error as a tolerance ±a per axis and no distribution: taken as uniform (GUM's rectangular, SD = a/√3),
independent between axes. Any rotated axis then has the same SD, so the strap's rotation does not matter,
and since (1 − cos θ)² + sin²θ = 4·sin²(θ/2):

    SD(δθ) = √( (2·σ_b/g · sin(θ/2))² + 2·(σ_s · sin 2θ / 2)² ),   σ_b = b_max/√3, σ_s = s_max/√3

The gyroscope's sensitivity error s_g is the other error no standing zero removes: a drive through θ
integrates (1 + s_g)·θ, and the orientation filter pulls the tilt back to the accelerometer's with its
time constant τ (VQF's tauAcc, 3 s). For a first-order pull and a drive at constant rate over T, the
error left when the drive ends, at the peak, is s_g·θ·k with k = (τ/T)·(1 − e^(−T/τ)) (1 at T → 0).
A knee-to-wall drive is slow (the test asks for it; the simulator's take 2–3.5 s): T = 2 s, k = 0.73.
The six-face bench calibration does not fit the gyro's scale (it needs a known rotation), so this share
stays after it: SD s_g,max/√3 · θ · k, in quadrature with the accelerometer's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dorsi.motion.types import GRAVITY_MPS2

MG_MPS2 = 1e-3 * GRAVITY_MPS2  # one milli-g in m/s²
COVERAGE_K = 1.96  # a normal variable's 95 % two-sided interval, in SDs
TAU_ACC_S = 3.0  # the orientation filter's accelerometer time constant (VQF's default, OrientationParams)
DRIVE_S = 2.0  # the shortest knee-to-wall drive: slow, as the test asks (simulated drives: 2–3.5 s)


@dataclass(frozen=True)
class SensorTolerance:
    """A sensor's per-axis error tolerances (uniform ±) behind a tilt's error, and where they come from."""

    offset_mps2: float  # accelerometer zero-g offset, ± per axis
    scale_frac: float  # accelerometer sensitivity error, ± per axis (0.03: 3 %)
    gyro_scale_frac: float  # gyroscope sensitivity error, ± per axis
    source: str  # one short phrase for the result ("WitMotion WT901BLE, datasheet")

    def bench_calibrated(self) -> SensorTolerance:
        """After a six-face bench calibration (dorsi sensor-calibrate): the accelerometer's fit residual, on the
        simulated bench (bench_reps.py --matrix --bench-calibrated, 880 units) within 5.1 mm/s² of each offset
        and 0.04 % of each scale; the gyro's scale as before (not fitted)."""
        return SensorTolerance(5.1e-3, 0.0004, self.gyro_scale_frac, f"{self.source.split(',')[0]}, bench-calibrated")


# A file of unknown origin: MPU-class, the widest of the parts dorsi meets: MPU-6050 zero-g initial tolerance
# ±50 mg (X/Y) to ±80 mg (Z), sensitivity ±3 %, gyro sensitivity scale factor tolerance ±3 % (InvenSense
# PS-MPU-6000A-00 rev 3.4); 80 mg on every axis.
UNKNOWN_SENSOR = SensorTolerance(80.0 * MG_MPS2, 0.03, 0.03, "sensor unknown, MPU-class")


def tilt_error_sd_deg(incl_deg: float, tol: SensorTolerance) -> float:
    """SD of the inclination error at ``incl_deg`` (zeroed standing) from the sensor's tolerances: the
    accelerometer's offset and scale, and the gyro's scale at the end of a drive there (module docstring)."""
    th = math.radians(incl_deg)
    sd_offset = 2.0 * tol.offset_mps2 / math.sqrt(3.0) / GRAVITY_MPS2 * abs(math.sin(th / 2.0))
    sd_scale = math.sqrt(2.0) * tol.scale_frac / math.sqrt(3.0) * abs(math.sin(2.0 * th)) / 2.0
    sd_gyro = tol.gyro_scale_frac / math.sqrt(3.0) * abs(th) * gyro_left_frac(DRIVE_S)
    return math.degrees(math.sqrt(sd_offset**2 + sd_scale**2 + sd_gyro**2))


def gyro_left_frac(drive_s: float, tau_s: float = TAU_ACC_S) -> float:
    """k: the share of a gyro scale error's integrated rotation the filter has not pulled back when a drive
    at constant rate ends after ``drive_s`` (module docstring)."""
    x = drive_s / tau_s
    return 1.0 if x == 0.0 else (1.0 - math.exp(-x)) / x


def angle_sd_deg(incl_deg: float, tol: SensorTolerance, repeat_sd_deg: float) -> float:
    """The angle's standard uncertainty: the sensor's systematic share and the measured repeatability
    (``repeat_sd_deg``: processing, noise, strap), independent, in quadrature."""
    return math.hypot(tilt_error_sd_deg(incl_deg, tol), repeat_sd_deg)
