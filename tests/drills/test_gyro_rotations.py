"""validity.gyro_rotations carries the orientation with the products gathered in lists: the same bits as the
plain per-step loop it replaced (a quaternion product and its normalisation per step, written row by row)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dorsi.drills.validity import gyro_rotations
from dorsi.motion import quat as Q


def _qmul(p: list[float], r: list[float]) -> list[float]:
    pw, px, py, pz = p
    rw, rx, ry, rz = r
    w = pw * rw - px * rx - py * ry - pz * rz
    x = pw * rx + px * rw + py * rz - pz * ry
    y = pw * ry - px * rz + py * rw + pz * rx
    z = pw * rz + px * ry - py * rx + pz * rw
    n = math.sqrt(w * w + x * x + y * y + z * z)
    return [w / n, x / n, y / n, z / n]


def _reference(t: np.ndarray, quat_wxyz: np.ndarray, gyr_dps: np.ndarray, k: int) -> np.ndarray:
    q = np.empty((len(t), 4))
    q[k] = quat_wxyz[k] / np.linalg.norm(quat_wxyz[k])
    w = np.radians(gyr_dps)
    half = 0.5 * (w[1:] + w[:-1]) * np.diff(t)[:, None]
    ang = np.linalg.norm(half, axis=1)
    axis = half / np.where(ang > 0.0, ang, 1.0)[:, None]
    c, s = np.cos(0.5 * ang), np.sin(0.5 * ang)
    step = np.column_stack([c, axis * s[:, None]])
    back = step * np.array([1.0, -1.0, -1.0, -1.0])
    start = q[k].tolist()
    cur = start
    for i in range(k, len(t) - 1):
        cur = _qmul(cur, step[i].tolist())
        q[i + 1] = cur
    cur = start
    for i in range(k, 0, -1):
        cur = _qmul(cur, back[i - 1].tolist())
        q[i - 1] = cur
    return Q.to_matrix(q)


@pytest.mark.parametrize("n", [1, 2, 3, 17, 600])
def test_gyro_rotations_are_the_per_step_loops_bits(n: int) -> None:
    rng = np.random.default_rng(n)
    t = np.cumsum(rng.uniform(0.003, 0.012, n))
    quat = rng.normal(size=(n, 4))
    gyr = rng.normal(size=(n, 3)) * 80.0
    gyr[n // 2 :: 5] = 0.0  # steps without rotation (angle 0)
    for k in sorted({0, 1, n // 2, n - 1} & set(range(n))):
        assert gyro_rotations(t, quat, gyr, k).tobytes() == _reference(t, quat, gyr, k).tobytes()
