"""Vectorised quaternion helpers. Quaternions are (w, x, y, z), Hamilton convention;
``q`` maps sensor coordinates to earth coordinates (earth z up)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]


def as_quat(q: ArrayLike) -> F64:
    return np.asarray(q, dtype=np.float64)


def multiply(p: ArrayLike, q: ArrayLike) -> F64:
    pw, px, py, pz = np.moveaxis(as_quat(p), -1, 0)
    qw, qx, qy, qz = np.moveaxis(as_quat(q), -1, 0)
    return np.stack(
        [
            pw * qw - px * qx - py * qy - pz * qz,
            pw * qx + px * qw + py * qz - pz * qy,
            pw * qy - px * qz + py * qw + pz * qx,
            pw * qz + px * qy - py * qx + pz * qw,
        ],
        axis=-1,
    )


def conjugate(q: ArrayLike) -> F64:
    return as_quat(q) * np.array([1.0, -1.0, -1.0, -1.0])


def normalize(q: ArrayLike) -> F64:
    qq = as_quat(q)
    return qq / np.linalg.norm(qq, axis=-1, keepdims=True)


def from_axis_angle(axis: ArrayLike, angle_rad: ArrayLike) -> F64:
    ax = np.asarray(axis, dtype=np.float64)
    ax = ax / np.linalg.norm(ax, axis=-1, keepdims=True)
    half = 0.5 * np.asarray(angle_rad, dtype=np.float64)[..., None]
    return np.concatenate([np.cos(half), np.sin(half) * ax], axis=-1)


SMALL_ROWS = 8  # up to this many quaternions (a notification's) to_matrix works on floats: numpy's set-up
# per call costs more than the arithmetic; the same operations in the same order give the same bits


def to_matrix(q: ArrayLike) -> F64:
    """Rotation matrices (..., 3, 3) whose columns are the sensor axes in earth coordinates."""
    qq = as_quat(q)
    if qq.ndim == 2 and len(qq) <= SMALL_ROWS and qq.shape[1] == 4:
        return _to_matrix_rows(qq)
    w, x, y, z = np.moveaxis(qq, -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], axis=-1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], axis=-1),
            np.stack(_up_row(w, x, y, z), axis=-1),
        ],
        axis=-2,
    )


def _up_row(w: Any, x: Any, y: Any, z: Any) -> tuple[Any, Any, Any]:
    """The rotation's third row (the earth's up in sensor coordinates) from a quaternion's components, arrays or
    floats: one expression for to_matrix and up_rows (the same bits; to_matrix's row-by-row path for a few
    quaternions writes it inline, a call per row costing more than the row)."""
    return 2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)


def up_rows(q: F64) -> F64:
    """``to_matrix(q)[:, 2, :]`` of quaternions (n, 4), the earth's up in sensor coordinates, without the
    other two rows."""
    return np.stack(_up_row(*as_quat(q).T), axis=-1)


def _to_matrix_rows(q: F64) -> F64:
    """``to_matrix`` of a few quaternions (n, 4), row by row on Python floats."""
    out = []
    for w, x, y, z in q.tolist():
        out.append(
            [
                [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
            ]
        )
    return np.array(out, dtype=np.float64).reshape(len(q), 3, 3)


def from_matrix(m: ArrayLike) -> F64:
    """Quaternions (w first, w >= 0) from rotation matrices (..., 3, 3)."""
    from scipy.spatial.transform import Rotation  # scipy.spatial takes 0.5 s to import: only when used

    qq = np.asarray(Rotation.from_matrix(np.asarray(m, dtype=np.float64)).as_quat(scalar_first=True))
    return np.asarray(qq * np.where(qq[..., :1] < 0, -1.0, 1.0), dtype=np.float64)


def rotate(q: ArrayLike, v: ArrayLike) -> F64:
    """Rotate vectors v (..., 3) from sensor to earth coordinates."""
    return np.einsum("...ij,...j->...i", to_matrix(q), np.asarray(v, dtype=np.float64))


def from_two_vectors(u: ArrayLike, v: ArrayLike) -> F64:
    """Shortest rotation taking direction u onto direction v (u, v not opposite)."""
    uu = np.asarray(u, dtype=np.float64)
    vv = np.asarray(v, dtype=np.float64)
    uu = uu / np.linalg.norm(uu, axis=-1, keepdims=True)
    vv = vv / np.linalg.norm(vv, axis=-1, keepdims=True)
    w = 1.0 + np.sum(uu * vv, axis=-1, keepdims=True)
    return normalize(np.concatenate([w, np.cross(uu, vv)], axis=-1))


def inclination_error_deg(q_est: ArrayLike, q_ref: ArrayLike) -> F64:
    """BROAD's inclination error: 2·acos(√(w² + z²)) of q_est ⊗ q_ref⁻¹ (heading ignored)."""
    e = multiply(q_est, conjugate(q_ref))
    c = np.sqrt(np.clip(e[..., 0] ** 2 + e[..., 3] ** 2, 0.0, 1.0))
    return np.asarray(np.degrees(2.0 * np.arccos(c)), dtype=np.float64)
