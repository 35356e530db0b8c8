"""Shin angles from the sensor orientation.

Frames (docs/measurement.md):
- Sensor: +Y up the shin toward the knee, +Z out of the skin, +X = Y × Z.
- Shin: long axis ``a`` (= sensor +Y), anterior ``n``, left ``l = a × n``.
  The strap may sit rotated about the long axis by ``strap_rotation_deg`` (ψ):
  positive turns the sensor face toward the person's left, so in sensor
  coordinates ``n = (-sin ψ, 0, cos ψ)`` and ``l = (cos ψ, 0, sin ψ)``.
- Sagittal plane: the vertical plane normal to the horizontal projection of
  ``l`` (the axis the shin rotates about in a straight knee drive).

``tibial_inclination_deg`` is the angle of ``a`` from vertical measured inside
that plane, positive with the knee forward over the toes; ``frontal_tilt_deg`` is
the angle of ``a`` out of that plane, positive toward the person's left.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dorsi.motion import quat as Q

Side = Literal["left", "right"]
F64 = NDArray[np.float64]


def shin_axes_in_sensor(strap_rotation_deg: float) -> tuple[F64, F64, F64]:
    """Shin long, anterior and left axes expressed in sensor coordinates."""
    psi = np.radians(strap_rotation_deg)
    a = np.array([0.0, 1.0, 0.0])
    n = np.array([-np.sin(psi), 0.0, np.cos(psi)])
    left = np.array([np.cos(psi), 0.0, np.sin(psi)])
    return a, n, left


def angles_from_axes(long_axis_earth: ArrayLike, left_axis_earth: ArrayLike) -> tuple[F64, F64]:
    """(tibial_inclination_deg, frontal_tilt_deg) from the shin's long and left axes in earth coordinates."""
    a = np.asarray(long_axis_earth, dtype=np.float64)
    lft = np.asarray(left_axis_earth, dtype=np.float64)
    return _sagittal_angles(a[..., 0], a[..., 1], a[..., 2], lft[..., 0], lft[..., 1])


def _sagittal_angles(ax: F64, ay: F64, az: F64, lx: F64, ly: F64) -> tuple[F64, F64]:
    """The angle definitions (module docstring), from the long axis a and the left axis's horizontal
    part (lx, ly), in earth coordinates; shin_angles_cs is the same arithmetic in plain floats."""
    norm = np.maximum(np.sqrt(lx * lx + ly * ly), 1e-12)
    lx, ly = lx / norm, ly / norm
    # forward (in the sagittal plane, horizontal) = l_h × z = (l_y, -l_x, 0)
    incl = np.degrees(np.arctan2(ax * ly - ay * lx, az))
    return incl, np.degrees(np.arcsin(np.clip(ax * lx + ay * ly, -1.0, 1.0)))


ANGLES_BLOCK = 16384  # samples per pass: the temporaries stay in cache (an hour at 200 Hz: 88 -> 50 ms)


def shin_angles(quat_wxyz: ArrayLike, strap_rotation_deg: float = 0.0) -> tuple[F64, F64]:
    """(tibial_inclination_deg, frontal_tilt_deg) per sample from sensor-to-earth quaternions."""
    q = Q.as_quat(quat_wxyz)
    psi = math.radians(strap_rotation_deg)
    c, s = math.cos(psi), math.sin(psi)
    if q.ndim != 2 or len(q) <= ANGLES_BLOCK:
        return _angles_cs(q, c, s)
    incl, frontal = np.empty(len(q)), np.empty(len(q))
    for i in range(0, len(q), ANGLES_BLOCK):
        incl[i : i + ANGLES_BLOCK], frontal[i : i + ANGLES_BLOCK] = _angles_cs(q[i : i + ANGLES_BLOCK], c, s)
    return incl, frontal


def _angles_cs(q: F64, c: float, s: float) -> tuple[F64, F64]:
    """shin_angles() for quaternions in the last axis, the strap rotation as its cosine and sine."""
    w, x, y, z = np.ascontiguousarray(np.moveaxis(q, -1, 0))
    # sensor Y (the shin's long axis) in earth coordinates: the rotation matrix's second column
    yx, yy, yz = 2 * (x * y - w * z), 1 - 2 * (x * x + z * z), 2 * (y * z + w * x)
    # l = cos ψ·X + sin ψ·Z; only its horizontal part is used
    lx = c * (1 - 2 * (y * y + z * z)) + s * 2 * (x * z + w * y)
    ly = c * 2 * (x * y + w * z) + s * 2 * (y * z - w * x)
    return _sagittal_angles(yx, yy, yz, lx, ly)


def shin_angles_scalar(quat_wxyz: list[float], strap_rotation_deg: float = 0.0) -> tuple[float, float]:
    """shin_angles() for one sample in plain floats (the live path's few samples per notification)."""
    psi = math.radians(strap_rotation_deg)
    w, x, y, z = quat_wxyz
    return shin_angles_cs(w, x, y, z, math.cos(psi), math.sin(psi))


def shin_angles_cs(
    w: float,
    x: float,
    y: float,
    z: float,
    cos_psi: float,
    sin_psi: float,
    _sqrt: Callable[[float], float] = math.sqrt,
    _atan2: Callable[[float, float], float] = math.atan2,
    _asin: Callable[[float], float] = math.asin,
    _deg: float = 180.0 / math.pi,
) -> tuple[float, float]:
    """shin_angles_scalar() with the strap rotation given as its cosine and sine (computed once). Called once
    a live sample: math's functions are bound as defaults and max/min written as comparisons (the same
    results, NaN included: max(v, 1e-12) keeps a NaN v, min(1.0, NaN) is 1.0), ~0.3 µs of its ~1.1 µs;
    math.degrees(v) as v × its factor 180 / π (its own operation: the same bits, no call)."""
    yx, yy, yz = 2 * (x * y - w * z), 1 - 2 * (x * x + z * z), 2 * (y * z + w * x)
    lx = cos_psi * (1 - 2 * (y * y + z * z)) + sin_psi * 2 * (x * z + w * y)
    ly = cos_psi * 2 * (x * y + w * z) + sin_psi * 2 * (y * z - w * x)
    norm = _sqrt(lx * lx + ly * ly)
    if norm < 1e-12:  # max(norm, 1e-12)
        norm = 1e-12
    lx, ly = lx / norm, ly / norm
    incl = _atan2(yx * ly - yy * lx, yz) * _deg
    s = yx * lx + yy * ly
    s = s if s < 1.0 else 1.0  # min(1.0, s)
    frontal = _asin(s if s > -1.0 else -1.0) * _deg  # max(-1.0, ·)
    return incl, frontal


def total_tilt_deg(quat_wxyz: ArrayLike) -> F64:
    """Angle of the sensor's +Y axis (shin long axis) from vertical, in any direction."""
    q = Q.as_quat(quat_wxyz)
    w, x, y, z = np.moveaxis(q, -1, 0)
    cos_tilt = 2.0 * (y * z + w * x)
    return np.degrees(np.arccos(np.clip(cos_tilt, -1.0, 1.0)))


def medial_tilt_deg(frontal_tilt_deg: ArrayLike, side: Side) -> F64:
    """Frontal tilt expressed as toward the midline (medial, positive) for the given leg.

    The knee of a left leg moves medially when the shin tilts to the person's right.
    """
    f = np.asarray(frontal_tilt_deg, dtype=np.float64)
    return -f if side == "left" else f
