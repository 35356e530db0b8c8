"""The streaming measurement: raw IMU chunks → orientation → calibration → shin angles.

``ShinPipeline.update(chunk)`` is causal and keeps its state between calls, so
the live app and a file give identical results for any chunking. Until the
calibration completes, angles use the strap rotation given in the params (0°
if unknown) and are flagged ``calibrated = False``; ``analyze_recording``
recomputes them afterwards with the found rotation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from dorsi.motion.angles import shin_angles, shin_angles_scalar
from dorsi.motion.calibration import Calibration, CalibrationDetector, CalibrationParams
from dorsi.motion.orientation import SMALL_CHUNK, OrientationEstimator, OrientationParams
from dorsi.motion.types import F64, ImuChunk


@dataclass(frozen=True)
class PipelineParams:
    rate_hz: float
    strap_rotation_deg: float | None = None  # known from an earlier calibration: skip detection
    calibrate: bool = True
    max_bridged_gap_s: float = 0.5
    calibration: CalibrationParams = field(default_factory=CalibrationParams)


@dataclass(frozen=True)
class ShinFrames:
    """Per-sample outputs of one update."""

    time_s: F64
    quat_wxyz: F64
    tibial_inclination_deg: F64
    frontal_tilt_deg: F64
    calibrated: NDArray[np.bool_]
    gyr_dps: F64  # bias-corrected body rate, sensor frame
    rest: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.time_s)

    @staticmethod
    def concatenate(parts: list[ShinFrames]) -> ShinFrames:
        return ShinFrames(*(np.concatenate([getattr(p, f) for p in parts]) for f in ShinFrames.__dataclass_fields__))


class ShinPipeline:
    def __init__(self, params: PipelineParams) -> None:
        self.params = params
        self.orientation = OrientationEstimator(
            OrientationParams(rate_hz=params.rate_hz, max_bridged_gap_s=params.max_bridged_gap_s)
        )
        known = params.strap_rotation_deg
        self.detector = CalibrationDetector(params.calibration) if known is None and params.calibrate else None
        self._strap_rotation_deg = 0.0 if known is None else known
        self._calibrated = known is not None

    @property
    def calibration(self) -> Calibration | None:
        return None if self.detector is None else self.detector.result

    @property
    def strap_rotation_deg(self) -> float:
        return self._strap_rotation_deg

    @property
    def calibrating(self) -> bool:
        return self.detector is not None and self.detector.active

    def _angles(self, quat: F64, start: int, stop: int, incl: F64, frontal: F64) -> None:
        if stop - start <= SMALL_CHUNK:
            for i, q in enumerate(quat[start:stop].tolist(), start):
                incl[i], frontal[i] = shin_angles_scalar(q, self._strap_rotation_deg)
        else:
            incl[start:stop], frontal[start:stop] = shin_angles(quat[start:stop], self._strap_rotation_deg)

    def update(self, chunk: ImuChunk) -> ShinFrames:
        ori = self.orientation.update(chunk)
        gyr = chunk.gyr_dps - ori.bias_dps
        n = len(chunk)
        split = n  # samples before this index use the rotation known before the chunk
        if self.detector is not None and self.detector.active:
            done = self.detector.update(chunk.time_s, chunk.gyr_dps, ori.quat_wxyz)
            if done is not None:
                split = done + 1
        incl = np.empty(n)
        frontal = np.empty(n)
        calibrated = np.empty(n, dtype=bool)
        self._angles(ori.quat_wxyz, 0, split, incl, frontal)
        calibrated[:split] = self._calibrated
        result = self.calibration
        if result is not None and not self._calibrated:
            self._strap_rotation_deg = result.strap_rotation_deg
            self._calibrated = True
            self._angles(ori.quat_wxyz, split, n, incl, frontal)
            calibrated[split:] = True
        return ShinFrames(chunk.time_s, ori.quat_wxyz, incl, frontal, calibrated, gyr, ori.rest)
