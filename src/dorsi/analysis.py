"""Whole-recording analysis: the live session over a file, then a second look.

Pure (no files): takes a Recording, returns per-sample angles and a JSON-able
summary. The file runs through the same LiveSession as the app (dorsi.session),
in one chunk. After it, the angles before the end of the calibration are
recomputed with the strap rotation that calibration found, so the whole file
shares one frame; a file without a calibration sequence is counted from its
start with the strap taken as straight (with a warning). ``offline=True`` uses
the acausal VQF variant. Impossible samples (dorsi.motion.sanity) are dropped and
counted first: no stage ever sees them; the rate is measured on the samples kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from dorsi.drills.kneewall import Profile, knee_to_wall_result
from dorsi.errors import InputError
from dorsi.motion.angles import Side, medial_tilt_deg, shin_angles
from dorsi.motion.calibration import NOT_FOUND_REASON, Calibration
from dorsi.motion.orientation import OrientationEstimator, OrientationOutput, OrientationParams, offline_orientation
from dorsi.motion.sanity import MAX_RECORDING_S, SampleLimits, ScreenReport, screen_samples
from dorsi.motion.types import F64, Gap, ImuChunk, Recording, find_gaps, interval_rate_hz
from dorsi.session import LiveSession, SessionSpec

if TYPE_CHECKING:
    from dorsi.drills.counter import RepCounter

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
    screen: ScreenReport = field(default_factory=ScreenReport)  # the impossible samples dropped
    kept_index: NDArray[np.int64] | None = None  # positions in the input of the samples analysed (None: all of them)
    input_samples: int | None = None  # samples in the input, dropped ones included
    strap_rotation_given_deg: float | None = None  # known beforehand (no calibration sequence looked for)
    calibration_reason: str = ""  # why no calibration was accepted (CalibrationProgress.reason)

    @property
    def duration_s(self) -> float:
        t = self.recording.time_s
        return float(t[-1] - t[0]) if len(t) else 0.0

    @property
    def after_calibration(self) -> slice:
        start = 0 if self.calibration is None else self.calibration.end_index + 1
        return slice(start, None)

    def derived_columns(self, *, kept_only: bool = False) -> dict[str, F64]:
        """Per-sample angles and orientation, one row per input sample (NaN for a dropped sample),
        or (``kept_only``) one row per sample of ``recording``."""
        q = self.quat_wxyz
        cols = {
            "tibial_inclination_deg": self.tibial_inclination_deg,
            "frontal_tilt_deg": self.frontal_tilt_deg,
            "quat_w": q[:, 0],
            "quat_x": q[:, 1],
            "quat_y": q[:, 2],
            "quat_z": q[:, 3],
            "medial_tilt_deg": medial_tilt_deg(self.frontal_tilt_deg, self.side),
        }
        if kept_only or self.kept_index is None or self.input_samples == len(self.recording):
            return cols
        full = {}
        for name, col in cols.items():
            out = np.full(self.input_samples or 0, np.nan)
            out[self.kept_index] = col
            full[name] = out
        return full

    def _calibration_dict(self) -> dict[str, Any]:
        if self.calibration is not None:
            return self.calibration.as_dict()
        given = self.strap_rotation_given_deg
        if given is not None:
            return {"found": False, "given": True, "strap_rotation_deg": round(given, 3)}
        # taken as straight (with a warning)
        return {"found": False, "strap_rotation_deg": 0.0, "reason": self.calibration_reason}

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
                "dropped_samples": self.screen.dropped,  # impossible samples (sanity.py), not analysed
                "dropped": self.screen.as_dict(),
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
            "calibration": self._calibration_dict(),
            "max_tibial_inclination_deg": _finite_round(float(np.max(measured)), 2) if len(measured) else None,
            "rep_count": sum(1 for r in self.reps if not r.get("partial") and r.get("valid", True)),
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
    sensor_kind: str | None = None,
    unit_calibrated: bool = False,
) -> Analysis:
    """A file: its impossible samples dropped, then analysed at the rate measured on the rest
    (``unit_calibrated``: its samples went through the unit's accelerometer calibration, SessionSpec)."""
    spec_limits = SessionSpec(rate_hz=1.0, sensor_kind=sensor_kind).limits
    kept, report, index = _screen(rec, spec_limits)
    spec = SessionSpec(
        rate_hz=kept.rate_hz,  # measured: the median interval of the samples kept
        side=side,
        profile=profile or Profile(),
        drill=drill,
        strap_rotation_deg=strap_rotation_deg,
        sensor_kind=sensor_kind,
        unit_calibrated=unit_calibrated,
    )
    return _analyze(kept, report, index, len(rec), spec, offline)


def analyze_session(rec: Recording, spec: SessionSpec, *, offline: bool = False) -> Analysis:
    """The live session over the whole file in one chunk (its impossible samples dropped first)."""
    kept, report, index = _screen(rec, spec.limits)
    return _analyze(kept, report, index, len(rec), spec, offline)


def _screen(rec: Recording, limits: SampleLimits) -> tuple[Recording, ScreenReport, NDArray[np.int64]]:
    """The samples that can be measurements; InputError when too few are left or they span an absurd time."""
    t = rec.time_s
    with np.errstate(invalid="ignore", over="ignore"):
        steps = np.diff(t)
        valid = np.isfinite(steps) & (steps > 0)
    if valid.all() and len(steps):  # every interval (a file from the reader): the recording's own rate
        rate_hz = rec.rate_hz
    else:
        steps = steps[valid]
        if not len(steps):
            raise InputError(f"{rec.source or 'recording'}: fewer than two samples with valid times")
        rate_hz = interval_rate_hz(steps, scratch=True)  # (steps[valid] is a copy: sorted in place)
    index, report = screen_samples(rec.chunk, limits, rate_hz)
    if len(index) < 2:
        raise InputError(f"{rec.source or 'recording'}: fewer than two plausible samples ({report.warning()})")
    span_s = float(t[index[-1]] - t[index[0]])
    if span_s > MAX_RECORDING_S:
        raise InputError(
            f"{rec.source or 'recording'}: its times span {span_s:.3g} s (over {MAX_RECORDING_S / 3600:g} h); "
            "time_s must be seconds from a clock that runs at the sample rate"
        )
    if len(index) == len(rec):
        return rec, report, index
    kept = Recording(
        time_s=t[index],
        acc_mps2=rec.acc_mps2[index],
        gyr_dps=rec.gyr_dps[index],
        extra={k: v[index] for k, v in rec.extra.items() if len(v) == len(rec)},
        source=rec.source,
        warnings=rec.warnings,
    )
    return kept, report, index


def _analyze(
    rec: Recording,
    report: ScreenReport,
    index: NDArray[np.int64],
    input_samples: int,
    spec: SessionSpec,
    offline: bool,
) -> Analysis:
    """The live session over the kept samples in one chunk, on the file's orientation (VQF causal, or its
    acausal variant), then the angles before the calibration's end recomputed in the rotation it found."""
    chunk = rec.chunk
    params = OrientationParams(rate_hz=spec.rate_hz)
    # the causal filter's first gyro-bias measurement (the heel check's "unsure" before it); the acausal pass knows
    # its bias throughout
    measured_s: float | None = -math.inf
    if offline:
        ori = offline_orientation(chunk, params)
    else:
        estimator = OrientationEstimator(params)
        ori = estimator.update(chunk)
        measured_s = estimator.bias_measured_s
    session = LiveSession(spec, orientation=RecordedOrientation(ori, measured_s))
    frames, _ = session.feed(chunk)
    session.finish()
    calibration = session.calibration
    progress = session.calibration_progress
    reason = ""  # why not calibrated, when a calibration was looked for
    warnings: list[str] = list(rec.warnings)
    dropped = report.warning()
    if dropped:
        warnings.append(dropped)
    if calibration is None and spec.strap_rotation_deg is None:
        reason = (progress.reason if progress is not None else "") or NOT_FOUND_REASON
        warnings.append(NO_CALIBRATION_WARNING + ("" if reason == NOT_FOUND_REASON else f" — not calibrated: {reason}"))
        if spec.drill is not None:
            # count from the start, the strap taken as straight: the same stages with that rotation known
            session = LiveSession(
                replace(spec, strap_rotation_deg=0.0), orientation=RecordedOrientation(ori, measured_s)
            )
            frames, _ = session.feed(chunk)
            session.finish()
    incl, frontal = frames.tibial_inclination_deg, frames.frontal_tilt_deg
    if calibration is not None:
        head = slice(0, calibration.end_index + 1)  # computed live before the rotation was known
        incl, frontal = incl.copy(), frontal.copy()
        incl[head], frontal[head] = shin_angles(ori.quat_wxyz[head], calibration.strap_rotation_deg)
    result = Analysis(
        recording=rec,
        rate_hz=spec.rate_hz,
        gaps=find_gaps(rec.time_s, spec.rate_hz),
        quat_wxyz=ori.quat_wxyz,
        tibial_inclination_deg=incl,
        frontal_tilt_deg=frontal,
        calibration=calibration,
        drill=spec.drill,
        side=spec.side,
        offline=offline,
        warnings=warnings,
        screen=report,
        kept_index=None if input_samples == len(rec) else index,
        input_samples=input_samples,
        strap_rotation_given_deg=spec.strap_rotation_deg,
        calibration_reason=reason,
    )
    if session.counter is not None:
        _report_reps(result, session.counter, spec)
    return result


class RecordedOrientation:
    """A file's orientation, computed over the whole file first, handed to the pipeline in order."""

    def __init__(self, output: OrientationOutput, bias_measured_s: float | None = -math.inf) -> None:
        self.output = output
        self.position = 0
        self.bias_measured_s = bias_measured_s  # when the filter first measured its gyro bias (None: never)

    def update(self, chunk: ImuChunk) -> OrientationOutput:
        a = self.position
        b = self.position = a + len(chunk)
        out = self.output
        return OrientationOutput(out.quat_wxyz[a:b], out.bias_dps[a:b], out.rest[a:b])

    def update_one(self, t: float, g: F64, a: F64) -> tuple[F64, F64, bool]:
        i = self.position
        self.position += 1
        out = self.output
        return out.quat_wxyz[i], np.radians(out.bias_dps[i]), bool(out.rest[i])


def _report_reps(result: Analysis, counter: RepCounter, spec: SessionSpec) -> None:
    """Reps, sets and (knee-to-wall) the test result."""
    result.reps = [r.as_dict() for r in counter.reps]
    result.sets = counter.sets
    if result.drill == "knee-to-wall":
        counted = [r for r in counter.reps if not r.partial and r.valid]
        trials = [r.peak_tibial_inclination_deg for r in counted]
        doubt: dict[str, list[bool]] = {result.side: [r.heel_uncertain for r in counted]}
        result.test = knee_to_wall_result(
            {result.side: trials}, spec.profile, heel_uncertain=doubt, tolerance=spec.sensor_tolerance
        )
        if len(trials) != 3:
            result.warnings.append(f"knee-to-wall: {len(trials)} trials found (3 expected)")


def _finite_round(value: float, digits: int) -> float | None:
    """A number for JSON: None when it is not a finite one."""
    return round(value, digits) if np.isfinite(value) else None
