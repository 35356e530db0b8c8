"""Shin-angle geometry: hand-computed cases, strap rotation, the scalar twin."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorsi.motion import quat as Q
from dorsi.motion.angles import (
    medial_tilt_deg,
    shin_angles,
    shin_angles_cs,
    shin_angles_scalar,
    shin_axes_in_sensor,
    total_tilt_deg,
)

# Earth: x = person's forward, y = left, z = up (heading is arbitrary; tested below).
F, L, U = np.eye(3)


def _shin_quat(pitch_deg: float, roll_deg: float, yaw_deg: float, strap_deg: float) -> np.ndarray:
    """Sensor orientation for a shin pitched forward, then tilted left, facing yaw, strap rotated."""
    # shin frame columns (l, a, n) start as (L, U, F)
    r_shin = np.column_stack([L, U, F])
    rot_l = Q.to_matrix(Q.from_axis_angle(L, math.radians(pitch_deg)))  # knee forward: U → F
    rot_f = Q.to_matrix(Q.from_axis_angle(F, -math.radians(roll_deg)))  # toward the left: U → L
    rot_z = Q.to_matrix(Q.from_axis_angle(U, math.radians(yaw_deg)))
    r_shin = rot_z @ rot_f @ rot_l @ r_shin
    lft, a, n = r_shin[:, 0], r_shin[:, 1], r_shin[:, 2]
    psi = math.radians(strap_deg)
    x_axis = lft * math.cos(psi) - n * math.sin(psi)
    z_axis = n * math.cos(psi) + lft * math.sin(psi)
    return Q.from_matrix(np.column_stack([x_axis, a, z_axis]))


@pytest.mark.parametrize("strap_deg", [-45.0, -10.0, 0.0, 30.0, 45.0])
@pytest.mark.parametrize("yaw_deg", [0.0, 73.0, -150.0])
def test_pure_sagittal_drive(strap_deg: float, yaw_deg: float) -> None:
    q = _shin_quat(38.0, 0.0, yaw_deg, strap_deg)
    incl, frontal = shin_angles(q, strap_deg)
    assert incl == pytest.approx(38.0, abs=1e-9)
    assert frontal == pytest.approx(0.0, abs=1e-9)


def test_pure_frontal_tilt_is_positive_to_the_left() -> None:
    q = _shin_quat(0.0, 7.0, 20.0, 15.0)
    incl, frontal = shin_angles(q, 15.0)
    assert incl == pytest.approx(0.0, abs=1e-9)
    assert frontal == pytest.approx(7.0, abs=1e-9)
    assert medial_tilt_deg(frontal, "left") == pytest.approx(-7.0)  # a left shin tilting left: lateral
    assert medial_tilt_deg(frontal, "right") == pytest.approx(7.0)


def test_combined_motion_matches_the_definition() -> None:
    """Forward 30° then 10° out of the sagittal plane: the sagittal projection and the out-of-plane angle."""
    q = _shin_quat(30.0, 10.0, 0.0, 0.0)
    incl, frontal = shin_angles(q, 0.0)
    a = Q.rotate(q, [0.0, 1.0, 0.0])
    assert frontal == pytest.approx(math.degrees(math.asin(a[1])), abs=1e-9)
    assert incl == pytest.approx(math.degrees(math.atan2(a[0], a[2])), abs=1e-9)
    assert total_tilt_deg(q) == pytest.approx(math.degrees(math.acos(a[2])), abs=1e-9)


def test_wrong_strap_rotation_leaks_sagittal_into_frontal() -> None:
    q = _shin_quat(40.0, 0.0, 0.0, 20.0)
    _, frontal = shin_angles(q, 0.0)
    assert abs(frontal) > 5.0  # why calibration matters: 20° of strap error turns a 40° drive into ~10° of tilt


def test_axes_are_orthonormal_and_right_handed() -> None:
    a, n, lft = shin_axes_in_sensor(33.0)
    np.testing.assert_allclose(np.cross(a, n), lft, atol=1e-12)
    np.testing.assert_allclose(shin_angles(_shin_quat(0.0, 0.0, 0.0, 33.0), 33.0), (0.0, 0.0), atol=1e-9)


@given(
    st.floats(-20, 80),
    st.floats(-30, 30),
    st.floats(-180, 180),
    st.floats(-45, 45),
)
def test_scalar_twin_equals_vectorised(pitch: float, roll: float, yaw: float, strap: float) -> None:
    q = _shin_quat(pitch, roll, yaw, strap)
    vec = shin_angles(q, strap)
    scalar = shin_angles_scalar(q.tolist(), strap)
    assert scalar == pytest.approx((float(vec[0]), float(vec[1])), abs=1e-9)


def _cs_with_max_min(w: float, x: float, y: float, z: float, c: float, s: float) -> tuple[float, float]:
    """shin_angles_cs as written with max/min before its comparisons replaced them (the reference)."""
    yx, yy, yz = 2 * (x * y - w * z), 1 - 2 * (x * x + z * z), 2 * (y * z + w * x)
    lx = c * (1 - 2 * (y * y + z * z)) + s * 2 * (x * z + w * y)
    ly = c * 2 * (x * y + w * z) + s * 2 * (y * z - w * x)
    norm = max(math.sqrt(lx * lx + ly * ly), 1e-12)
    lx, ly = lx / norm, ly / norm
    incl = math.degrees(math.atan2(yx * ly - yy * lx, yz))
    return incl, math.degrees(math.asin(max(-1.0, min(1.0, yx * lx + yy * ly))))


_EDGES = [0.0, -0.0, 1.0, -1.0, 1e-300, math.nan, 0.5, -0.5, 2.0]


@given(st.lists(st.one_of(st.sampled_from(_EDGES), st.floats(-1.5, 1.5)), min_size=6, max_size=6))
def test_scalar_comparisons_keep_max_min_bits(args: list[float]) -> None:
    # clamps and the norm's floor at and past their bounds, NaN included (min(1.0, nan) is 1.0)
    assert repr(shin_angles_cs(*args)) == repr(_cs_with_max_min(*args))
