"""Per-unit bench calibration of an IMU (pure): gyro offset and accelerometer
offset/scale from a recording of the sensor lying still on each of its six faces.

For each axis the two faces that point it up and down give readings ``+g·k + b`` and
``−g·k + b``: offset ``b`` is their mean and scale ``k`` half their difference over g.
The gyro offset is the mean rate over every still period. The result corrects raw
samples as ``acc' = (acc − offset) / scale``, ``gyr' = gyr − gyr_offset``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dorsi.motion.types import F64, GRAVITY_MPS2, ImuChunk


@dataclass(frozen=True)
class UnitCalibration:
    acc_offset_mps2: tuple[float, float, float] = (0.0, 0.0, 0.0)
    acc_scale: tuple[float, float, float] = (1.0, 1.0, 1.0)
    gyr_offset_dps: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def accel_calibrated(self) -> bool:
        """The accelerometer's offset or scale is corrected (the heel check's σ: ValidityParams.for_unit)."""
        return any(v != 0.0 for v in self.acc_offset_mps2) or any(v != 1.0 for v in self.acc_scale)

    def apply(self, acc_mps2: F64, gyr_dps: F64) -> tuple[F64, F64]:
        acc = (acc_mps2 - np.asarray(self.acc_offset_mps2)) / np.asarray(self.acc_scale)
        return acc, gyr_dps - np.asarray(self.gyr_offset_dps)


@dataclass(frozen=True)
class StillPeriod:
    start_s: float
    end_s: float
    acc_mps2: tuple[float, float, float]
    gyr_dps: tuple[float, float, float]


class SixFaceError(ValueError):
    """The recording does not hold the six still faces the fit needs."""


def still_periods(
    chunk: ImuChunk, *, min_s: float = 2.0, max_rate_dps: float = 3.0, window_s: float = 0.5
) -> list[StillPeriod]:
    """Periods of at least ``min_s`` where the rate stays within ``max_rate_dps`` of its local mean
    and the accelerometer moves less than 0.2 m/s². A period's ends next to motion are trimmed by one
    window; the recording's own start and end are not motion (a bench recording stopped while the
    sensor still lies on its last face keeps that face's samples)."""
    t = chunk.time_s
    n = len(t)
    if n < 3:
        return []
    rate_hz = 1.0 / float(np.median(np.diff(t)))
    w = max(3, int(window_s * rate_hz))
    kernel = np.ones(w)
    # samples inside each window: fewer at the recording's ends, where the window runs past it
    in_window = np.convolve(np.ones(n), kernel, mode="same")

    def local_rms_dev(x: F64) -> F64:
        """The RMS over a window of each sample's distance from the window's mean: one noise spike
        (a consumer MPU's 5σ sample) does not split a still face in two; a turn spans many samples."""
        mean = np.stack([np.convolve(x[:, i], kernel, mode="same") / in_window for i in range(3)], axis=1)
        sq = np.sum((x - mean) ** 2, axis=1)
        return np.asarray(np.sqrt(np.convolve(sq, kernel, mode="same") / in_window), dtype=np.float64)

    quiet = (local_rms_dev(chunk.gyr_dps) < max_rate_dps) & (local_rms_dev(chunk.acc_mps2) < 0.2)
    periods: list[StillPeriod] = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]])))
    trim = w // 2  # the RMS window already reaches w/2 into the motion; half a window more is trimmed
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        s = start + trim if start > 0 else start
        e = stop - trim if stop < n else stop
        if e <= s or t[e - 1] - t[s] < min_s:
            continue
        acc = chunk.acc_mps2[s:e].mean(axis=0)
        gyr = chunk.gyr_dps[s:e].mean(axis=0)
        periods.append(StillPeriod(float(t[s]), float(t[e - 1]), (acc[0], acc[1], acc[2]), (gyr[0], gyr[1], gyr[2])))
    return periods


def fit_six_face(chunk: ImuChunk, gravity_mps2: float = GRAVITY_MPS2) -> tuple[UnitCalibration, list[StillPeriod]]:
    periods = still_periods(chunk)
    if not periods:
        raise SixFaceError("no still period of 2 s or more: lay the sensor still on each face in turn")
    acc = np.array([p.acc_mps2 for p in periods])
    offset, scale = [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]
    for axis, name in enumerate("XYZ"):
        # faces where this axis carries most of gravity
        dominant = np.abs(acc[:, axis]) > 0.8 * np.linalg.norm(acc, axis=1)
        up = acc[dominant & (acc[:, axis] > 0), axis]
        down = acc[dominant & (acc[:, axis] < 0), axis]
        if not len(up) or not len(down):
            missing = "up" if not len(up) else "down"
            raise SixFaceError(f"no still period with the sensor's {name} axis pointing {missing}")
        hi, lo = float(np.mean(up)), float(np.mean(down))
        offset[axis] = (hi + lo) / 2.0
        scale[axis] = (hi - lo) / (2.0 * gravity_mps2)
    gyr = np.mean([p.gyr_dps for p in periods], axis=0)
    cal = UnitCalibration(
        (offset[0], offset[1], offset[2]), (scale[0], scale[1], scale[2]), (float(gyr[0]), float(gyr[1]), float(gyr[2]))
    )
    return cal, periods
