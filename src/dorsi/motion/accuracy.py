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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dorsi.motion.types import GRAVITY_MPS2

MG_MPS2 = 1e-3 * GRAVITY_MPS2  # one milli-g in m/s²
COVERAGE_K = 1.96  # a normal variable's 95 % two-sided interval, in SDs


@dataclass(frozen=True)
class AccelTolerance:
    """An accelerometer's per-axis error tolerance (uniform ±) and where the figures come from."""

    offset_mps2: float  # zero-g offset, ± per axis
    scale_frac: float  # sensitivity error, ± per axis (0.03: 3 %)
    source: str  # one short phrase for the result ("WitMotion WT901BLE, datasheet")


# A six-face bench calibration (dorsi sensor-calibrate) leaves the fit's residual: on the simulated bench
# (bench_reps.py --matrix --bench-calibrated, 880 units) within 5.1 mm/s² of each offset and 0.04 % of each scale.
BENCH_CALIBRATED = AccelTolerance(offset_mps2=5.1e-3, scale_frac=0.0004, source="bench-calibrated unit")

# A file of unknown origin: MPU-class, the widest of the parts dorsi meets: MPU-6050 zero-g initial tolerance
# ±50 mg (X/Y) to ±80 mg (Z), sensitivity ±3 % (InvenSense PS-MPU-6000A-00 rev 3.4); 80 mg on every axis.
UNKNOWN_SENSOR = AccelTolerance(offset_mps2=80.0 * MG_MPS2, scale_frac=0.03, source="sensor unknown, MPU-class")


def tilt_error_sd_deg(incl_deg: float, tol: AccelTolerance) -> float:
    """SD of the inclination error at ``incl_deg`` (zeroed standing) from the accelerometer's offset and
    scale tolerances (module docstring)."""
    th = math.radians(incl_deg)
    sd_offset = 2.0 * tol.offset_mps2 / math.sqrt(3.0) / GRAVITY_MPS2 * abs(math.sin(th / 2.0))
    sd_scale = math.sqrt(2.0) * tol.scale_frac / math.sqrt(3.0) * abs(math.sin(2.0 * th)) / 2.0
    return math.degrees(math.hypot(sd_offset, sd_scale))


def angle_sd_deg(incl_deg: float, tol: AccelTolerance, repeat_sd_deg: float) -> float:
    """The angle's standard uncertainty: the sensor's systematic share and the measured repeatability
    (``repeat_sd_deg``: processing, noise, strap), independent, in quadrature."""
    return math.hypot(tilt_error_sd_deg(incl_deg, tol), repeat_sd_deg)
