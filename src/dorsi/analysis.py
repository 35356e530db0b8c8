"""Whole-recording analysis: the streaming pipeline over a file, then a second look.

Pure (no files): takes a Recording, returns per-sample angles and a JSON-able
summary. After the causal pass, the angles before the end of the calibration
are recomputed with the strap rotation that calibration found, so the whole
file shares one frame. ``offline=True`` uses the acausal VQF variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dorsi.drills.counter import RepCounter
from dorsi.drills.kneewall import Profile, knee_to_wall_result
from dorsi.motion.angles import Side, medial_tilt_deg, shin_angles
from dorsi.motion.calibration import Calibration, CalibrationDetector
from dorsi.motion.orientation import OrientationEstimator, OrientationParams, offline_orientation
from dorsi.motion.pipeline import ShinFrames
from dorsi.motion.types import F64, Gap, Recording, find_gaps

NO_CALIBRATION_WARNING = (
    "no calibration sequence found (3 s quiet standing, then two slow knee drives); "
    "angles assume the strap sits straight (rotation 0°)"
)


@dataclass
class Analysis:
    recording: Recording
    rate_hz: float
    gaps: list[Gap]
    quat_wxyz: F64
    tibial_inclination_deg: F64
    frontal_tilt_deg: F64
    calibration: Calibration | None
    drill: str | None
    side: Side
    offline: bool
    reps: list[dict[str, Any]] = field(default_factory=list)
    sets: int = 0
    test: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        t = self.recording.time_s
        return float(t[-1] - t[0]) if len(t) else 0.0

    @property
    def after_calibration(self) -> slice:
        start = 0 if self.calibration is None else self.calibration.end_index + 1
        return slice(start, None)

    def derived_columns(self) -> dict[str, F64]:
        q = self.quat_wxyz
        return {
            "tibial_inclination_deg": self.tibial_inclination_deg,
            "frontal_tilt_deg": self.frontal_tilt_deg,
            "quat_w": q[:, 0],
            "quat_x": q[:, 1],
            "quat_y": q[:, 2],
            "quat_z": q[:, 3],
            "medial_tilt_deg": medial_tilt_deg(self.frontal_tilt_deg, self.side),
        }

    def summary(self) -> dict[str, Any]:
        measured = self.tibial_inclination_deg[self.after_calibration]
        missing = sum(g.missing_samples for g in self.gaps)
        return {
            "drill": self.drill,
            "side": self.side,
            "duration_s": round(self.duration_s, 3),
            "samples": len(self.recording),
            "sample_rate_hz": round(self.rate_hz, 3),
            "orientation": "vqf-offline" if self.offline else "vqf-causal",
            "gaps": {
                "count": len(self.gaps),
                "missing_samples": missing,
                "missing_fraction": round(missing / max(1, missing + len(self.recording)), 5),
                "longest_s": round(max((g.duration_s for g in self.gaps), default=0.0), 4),
                "list": [
                    {
                        "start_s": round(g.start_s, 4),
                        "end_s": round(g.end_s, 4),
                        "missing_samples": g.missing_samples,
                    }
                    for g in self.gaps[:200]
                ],
            },
            "calibration": self.calibration.as_dict()
            if self.calibration
            else {"found": False, "strap_rotation_deg": 0.0},
            "max_tibial_inclination_deg": round(float(np.max(measured)), 2) if len(measured) else None,
            "rep_count": sum(1 for r in self.reps if not r.get("partial")),
            "sets": self.sets,
            "reps": self.reps,
            "test": self.test,
            "warnings": self.warnings,
        }


def analyze_recording(
    rec: Recording,
    *,
    drill: str | None = None,
    side: Side = "left",
    offline: bool = False,
    strap_rotation_deg: float | None = None,
    profile: Profile | None = None,
) -> Analysis:
    rate = rec.rate_hz
    gaps = find_gaps(rec.time_s, rate)
    chunk = rec.chunk
    warnings: list[str] = []
    if offline:
        ori = offline_orientation(chunk, OrientationParams(rate_hz=rate))
    else:
        # the live stages over the whole file; angles are computed once, below, with the final rotation
        ori = OrientationEstimator(OrientationParams(rate_hz=rate)).update(chunk)
    quat = ori.quat_wxyz
    calibration = None
    if strap_rotation_deg is None:
        detector = CalibrationDetector()
        detector.update(chunk.time_s, chunk.gyr_dps, quat, chunk.acc_mps2)
        calibration = detector.result
    if strap_rotation_deg is not None:
        psi = strap_rotation_deg
    elif calibration is not None:
        psi = calibration.strap_rotation_deg
    else:
        psi = 0.0
        warnings.append(NO_CALIBRATION_WARNING)
    incl, frontal = shin_angles(quat, psi)
    result = Analysis(
        recording=rec,
        rate_hz=rate,
        gaps=gaps,
        quat_wxyz=quat,
        tibial_inclination_deg=incl,
        frontal_tilt_deg=frontal,
        calibration=calibration,
        drill=drill,
        side=side,
        offline=offline,
        warnings=warnings,
    )
    if drill is not None:
        # the frames the live pipeline gives: counting starts after the calibration (from the start if
        # the rotation was given or no calibration was found — the latter with the warning above)
        start = 0 if calibration is None else calibration.end_index + 1
        calibrated = np.arange(len(rec)) >= start
        gyr = chunk.gyr_dps - ori.bias_dps
        frames = ShinFrames(rec.time_s, quat, incl, frontal, calibrated, gyr, ori.rest, chunk.acc_mps2)
        _count_reps(result, frames, calibration, profile)
    return result


def _count_reps(result: Analysis, frames: ShinFrames, calibration: Calibration | None, profile: Profile | None) -> None:
    """Reps, sets and (knee-to-wall) the test result: the live counter over the whole file."""
    assert result.drill is not None
    counter = RepCounter(result.drill, result.side, calibration=calibration)
    counter.update(result.recording.chunk, frames, calibration)
    counter.finish()
    result.reps = [r.as_dict() for r in counter.reps]
    result.sets = counter.sets
    if result.drill == "knee-to-wall":
        trials = [r.peak_tibial_inclination_deg for r in counter.reps if not r.partial]
        result.test = knee_to_wall_result({result.side: trials}, profile)
        if len(trials) != 3:
            result.warnings.append(f"knee-to-wall: {len(trials)} trials found (3 expected)")
