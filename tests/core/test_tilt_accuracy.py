"""The accelerometer's share of the inclination's uncertainty (dorsi.motion.accuracy) against the exact tilt."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from dorsi.motion.accuracy import (
    DRIVE_S,
    MG_MPS2,
    TAU_ACC_S,
    UNKNOWN_SENSOR,
    SensorTolerance,
    angle_sd_deg,
    gyro_left_frac,
    tilt_error_sd_deg,
)
from dorsi.motion.types import GRAVITY_MPS2

# the accelerometer's shares alone (the gyro's is checked on its own below)
WITMOTION_LIKE = SensorTolerance(offset_mps2=20.0 * MG_MPS2, scale_frac=0.03, gyro_scale_frac=0.0, source="test")


def exact_errors_deg(incl_deg: float, tol: SensorTolerance, n: int, seed: int, strap_max_deg: float) -> np.ndarray:
    """Inclination read from the erroneous specific force (exact atan2, no linearisation), zeroed on standing,
    minus the truth; each unit draws its offsets and scales uniform in the tolerance and sits on the shin
    rotated about its long axis by up to ``strap_max_deg``."""
    rng = np.random.default_rng(seed)
    b = rng.uniform(-tol.offset_mps2, tol.offset_mps2, (n, 3))
    s = rng.uniform(-tol.scale_frac, tol.scale_frac, (n, 3))
    rot = Rotation.from_euler("z", rng.uniform(-strap_max_deg, strap_max_deg, (n, 1)), degrees=True)

    def read_deg(theta_deg: float) -> np.ndarray:
        th = math.radians(theta_deg)
        f_shin = GRAVITY_MPS2 * np.array([0.0, math.sin(th), math.cos(th)])
        f_sensor = rot.inv().apply(np.tile(f_shin, (n, 1))) * (1.0 + s) + b  # what the unit reads
        f_back = rot.apply(f_sensor)  # the strap's rotation is known (the calibration finds it)
        return np.degrees(np.arctan2(f_back[:, 1], f_back[:, 2]))

    return read_deg(incl_deg) - read_deg(0.0) - incl_deg


def test_no_error_at_the_standing_zero() -> None:
    assert tilt_error_sd_deg(0.0, UNKNOWN_SENSOR) == 0.0


@pytest.mark.parametrize("incl_deg", [15.0, 30.0, 40.0, 55.0])
def test_sd_matches_the_exact_tilt_of_many_units(incl_deg: float) -> None:
    """Sensor axes along the shin's: the first-order SD is that of 20 000 drawn units' exact errors, within 5 %."""
    err = exact_errors_deg(incl_deg, WITMOTION_LIKE, 20_000, seed=1, strap_max_deg=0.0)
    assert abs(float(np.mean(err))) < 0.05 * float(np.std(err)) + 0.01  # no bias to first order
    assert float(np.std(err)) == pytest.approx(tilt_error_sd_deg(incl_deg, WITMOTION_LIKE), rel=0.05)


@pytest.mark.parametrize("incl_deg", [15.0, 40.0, 55.0])
def test_a_rotated_strap_only_narrows_it(incl_deg: float) -> None:
    """Strap rotated up to ±45° about the shin: the offset's share is unchanged, the scale errors of the mixed
    axes partly average out, so the figure is an upper bound, by less than 15 %."""
    err = exact_errors_deg(incl_deg, WITMOTION_LIKE, 20_000, seed=1, strap_max_deg=45.0)
    sd = tilt_error_sd_deg(incl_deg, WITMOTION_LIKE)
    assert 0.85 * sd <= float(np.std(err)) <= 1.01 * sd


def test_the_95_percent_figure_holds_95_percent_of_units() -> None:
    """1.96 SD of the sensor's share and a normal repeatability hold about 95 % of drawn units' errors."""
    rng = np.random.default_rng(2)
    err = exact_errors_deg(40.0, WITMOTION_LIKE, 20_000, seed=3, strap_max_deg=45.0) + rng.normal(0, 0.27, 20_000)
    inside = float(np.mean(np.abs(err) <= 1.96 * angle_sd_deg(40.0, WITMOTION_LIKE, 0.27)))
    assert 0.94 <= inside <= 0.97


def test_offset_and_scale_shares_by_hand() -> None:
    """At 40°: offset share 2·(b/√3)/g·sin 20°, scale share √2·(s/√3)·sin 80°/2, in quadrature."""
    offset_only = SensorTolerance(offset_mps2=0.2, scale_frac=0.0, gyro_scale_frac=0.0, source="")
    scale_only = SensorTolerance(offset_mps2=0.0, scale_frac=0.03, gyro_scale_frac=0.0, source="")
    off = math.degrees(2 * 0.2 / math.sqrt(3) / GRAVITY_MPS2 * math.sin(math.radians(20.0)))
    sc = math.degrees(math.sqrt(2) * 0.03 / math.sqrt(3) * math.sin(math.radians(80.0)) / 2)
    assert tilt_error_sd_deg(40.0, offset_only) == pytest.approx(off)
    assert tilt_error_sd_deg(40.0, scale_only) == pytest.approx(sc)
    both = SensorTolerance(offset_mps2=0.2, scale_frac=0.03, gyro_scale_frac=0.0, source="")
    assert tilt_error_sd_deg(40.0, both) == pytest.approx(math.hypot(off, sc))


def test_gyro_scale_share_is_what_a_first_order_filter_leaves_at_the_drive_end() -> None:
    """e' = s_g·ω − e/τ over a drive at constant rate, stepped numerically: e(T) = s_g·θ·k(T)."""
    theta, s_g, dt = math.radians(40.0), 0.03, 1e-4
    for drive_s in (0.5, DRIVE_S, 3.5):
        e, omega = 0.0, theta / drive_s
        for _ in range(round(drive_s / dt)):
            e += (s_g * omega - e / TAU_ACC_S) * dt
        assert e == pytest.approx(s_g * theta * gyro_left_frac(drive_s), rel=1e-3)
    assert gyro_left_frac(0.0) == 1.0 and gyro_left_frac(DRIVE_S) == pytest.approx(0.73, abs=0.005)
    gyro_only = SensorTolerance(offset_mps2=0.0, scale_frac=0.0, gyro_scale_frac=0.03, source="")
    assert tilt_error_sd_deg(40.0, gyro_only) == pytest.approx(0.03 / math.sqrt(3) * 40.0 * 0.7299, rel=1e-3)


def test_a_bench_calibration_keeps_the_gyros_share_only() -> None:
    cal = UNKNOWN_SENSOR.bench_calibrated()
    assert cal.gyro_scale_frac == UNKNOWN_SENSOR.gyro_scale_frac  # a static bench cannot fit it
    accel_only = SensorTolerance(cal.offset_mps2, cal.scale_frac, 0.0, "")
    assert tilt_error_sd_deg(45.0, accel_only) < 0.02
    assert angle_sd_deg(45.0, accel_only, 0.27) == pytest.approx(0.27, abs=0.001)
