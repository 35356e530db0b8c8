"""One headless live session: raw IMU chunks → shin angles → rep events. Pure: no Qt, BLE or files.

    session = LiveSession(SessionSpec(rate_hz=104.0, side="left", profile=Profile(41.0, 26.0), drill="calf-raises"))
    for chunk in source:                        # any chunking: identical frames and reps
        frames, events = session.feed(chunk)    # ShinPipeline, then the RepCounter on its frames
        show(frames, events, session.calibration_progress)
    session.finish()

The app's LiveEngine, ``analyze`` (analysis.py) and ``dorsi demo`` all run this one object; they differ
only in where the chunks come from and where the results go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from dorsi.drills.catalog import get_drill
from dorsi.drills.kneewall import Profile
from dorsi.drills.types import RepEvent
from dorsi.motion.accuracy import MG_MPS2, UNKNOWN_SENSOR, SensorTolerance
from dorsi.motion.angles import Side
from dorsi.motion.calibration import Calibration, CalibrationProgress
from dorsi.motion.pipeline import OrientationStage, PipelineParams, Row, ShinFrames, ShinPipeline
from dorsi.motion.sanity import SampleLimits
from dorsi.motion.types import ImuChunk

if TYPE_CHECKING:
    from dorsi.drills.counter import RepCounter
    from dorsi.drills.params import CounterParams

RATE_AGREES = 0.02  # a measured rate within 2 % of the requested one is that rate
# The rep counter runs on blocks of samples, at least once per app frame: the drill screen reads what it says
# (a rep, the hold ring's time, the beep) every 33 ms (ui.widgets.FRAME_INTERVAL_MS), and its per-call set-up
# (≈ 25 µs) is paid once a block instead of once a notification. A block is counted once one more notification
# like the last would take it past COUNTER_BLOCK_S: it spans at most that (a notification of a different
# length: at most that and the notification), so every app frame sees a new state while notifications come
# more often than frames. At 208 Hz: 1-3-sample notifications are counted 6 samples (28.8 ms) at a time,
# longer ones as they come. Angles are computed on every notification.
COUNTER_BLOCK_S = 1.0 / 30.0


@dataclass(frozen=True)
class SessionSpec:
    """What is decided about a session before its first sample; each fact has this one owner, handed to
    the live path and the file path alike. The stages always run at the rate measured from the stream
    (sample counter and times); the rate asked of the sensor is kept beside it, to say when they differ."""

    rate_hz: float  # measured from the stream: the rate the stages run at
    side: Side = "left"
    profile: Profile = field(default_factory=Profile)  # the person's tibia and foot
    drill: str | None = None  # None: angles and calibration only
    strap_rotation_deg: float | None = None  # known (e.g. given on the command line): no calibration sequence
    sensor_kind: str | None = None  # dorsi.protocol.kinds id; None: a file of unknown origin
    requested_rate_hz: float | None = None  # asked of the sensor (Settings); None: nothing was asked
    # the samples have been through the unit's six-face bench calibration (`analyze --profile`, the app's unit
    # profile): the heel check's σ for a calibrated unit (ValidityParams.for_unit)
    unit_calibrated: bool = False

    def __post_init__(self) -> None:
        for name in ("rate_hz", "requested_rate_hz"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value}")
        if self.sensor_kind is not None:
            from dorsi.protocol.kinds import get_kind  # the decoders behind it: only for a known sensor

            get_kind(self.sensor_kind)  # InputError naming the known kinds
        if self.side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {self.side!r}")
        if self.drill is not None:
            get_drill(self.drill)  # InputError naming the valid drills

    @property
    def limits(self) -> SampleLimits:
        """The physical range a sample must lie in: the kind's configured full scale, else 16 g, 2000 °/s."""
        if self.sensor_kind is None:
            return SampleLimits.unknown()
        from dorsi.protocol.kinds import get_kind

        kind = get_kind(self.sensor_kind)
        return SampleLimits.for_range(kind.acc_range_g, kind.gyr_range_dps)

    @property
    def sensor_tolerance(self) -> SensorTolerance:
        """The sensor's error tolerances behind the angle's uncertainty: the kind's datasheet figures (a
        conservative MPU-class one for an unknown file), the accelerometer's narrowed to the bench fit's
        residual for a calibrated unit."""
        tol = UNKNOWN_SENSOR
        if self.sensor_kind is not None:
            from dorsi.protocol.kinds import get_kind

            k = get_kind(self.sensor_kind)
            tol = SensorTolerance(k.acc_offset_mg * MG_MPS2, k.acc_scale_tol, k.gyr_scale_tol, f"{k.label}, datasheet")
        return tol.bench_calibrated() if self.unit_calibrated else tol

    @property
    def rate_differs(self) -> bool:
        """The sensor streams at another rate than the one asked of it."""
        asked = self.requested_rate_hz
        return asked is not None and abs(self.rate_hz - asked) > RATE_AGREES * asked

    def rate_note(self) -> str | None:
        """One line when the measured rate is not the requested one (None when they agree)."""
        if not self.rate_differs:
            return None
        return (
            f"The sensor streams at {self.rate_hz:.0f} Hz, not the {self.requested_rate_hz:g} Hz asked in "
            f"Settings; angles are computed at {self.rate_hz:.0f} Hz."
        )

    def rate_dict(self) -> dict[str, float | None]:
        """Both rates, for a recording's metadata."""
        asked = self.requested_rate_hz
        return {"measured_hz": round(self.rate_hz, 3), "requested_hz": None if asked is None else round(asked, 3)}


class LiveSession:
    """The stages of one sensor stream: the pipeline runs throughout; a counter while a drill runs."""

    def __init__(
        self,
        spec: SessionSpec,
        *,
        orientation: OrientationStage | None = None,
        counter_params: CounterParams | None = None,
    ) -> None:
        self.spec = spec
        self.counter_params = counter_params
        self.pipeline = self._new_pipeline(orientation)
        self.counter: RepCounter | None = None
        self._waiting: list[ShinFrames] = []  # frames not yet counted (a block not yet complete: feed)
        self._block_from_s = math.nan  # the first waiting sample's time
        self._waiting_rows: list[Row] | None = None  # their samples as rows, when the pipeline gave them
        self._period_s = 1.0 / spec.rate_hz  # one sample covers one interval
        self.counts = 0  # the blocks the counter has been handed so far (its state changes only then)
        if spec.drill is not None:
            self.counter = self._new_counter(spec.drill)

    @property
    def calibration(self) -> Calibration | None:
        """The calibration found in this stream (None until then, or when the rotation was given)."""
        return self.pipeline.calibration

    @property
    def calibrating(self) -> bool:
        return self.pipeline.calibrating

    @property
    def calibration_progress(self) -> CalibrationProgress | None:
        """What the person has done of the calibration sequence; None when none is looked for."""
        det = self.pipeline.detector
        return None if det is None else det.progress

    def feed(self, chunk: ImuChunk) -> tuple[ShinFrames, list[RepEvent]]:
        """One chunk through the pipeline and (while a drill runs) the counter. The counter sees the
        frames once one more notification like this one would take them past COUNTER_BLOCK_S (its reps are
        the same for any chunking): a rep closed in a short notification is reported up to that much later."""
        frames = self.pipeline.update(chunk)
        counter = self.counter
        if counter is None:
            return frames, []
        times = frames.time_s
        if not len(times):
            return frames, []
        waiting = self._waiting
        # the block's span in floats (the same subtraction as on numpy scalars, without their set-up)
        last_s = times.item(-1)
        rows = self.pipeline.rows
        # the block's span after one more notification of this one's length: the samples' intervals, this
        # one's and its next's (1 + len(times) of them) beyond last − first
        ahead_s = (1 + len(times)) * self._period_s
        if not waiting:
            first_s = self._block_from_s = times.item(0)
            if last_s - first_s + ahead_s > COUNTER_BLOCK_S:
                # a notification of a frame or more: counted as it is (its rows, when the pipeline gave them)
                self._hand_over(counter)
                return frames, counter.update(frames) if rows is None else counter.update_rows(rows, frames)
            self._waiting_rows = None if rows is None else list(rows)
        else:
            first_s = self._block_from_s  # the first waiting sample's
            joined = self._waiting_rows
            if joined is not None:
                if rows is None:
                    self._waiting_rows = None
                else:
                    joined += rows
        waiting.append(frames)
        if last_s - first_s + ahead_s <= COUNTER_BLOCK_S:
            return frames, []
        return frames, self.flush()

    def flush(self) -> list[RepEvent]:
        """Count the frames still waiting (under COUNTER_BLOCK_S of them) now: before a stop, so that a rep
        closed in the last block's samples is reported."""
        waiting, self._waiting = self._waiting, []
        rows, self._waiting_rows = self._waiting_rows, None
        if self.counter is None or not waiting:
            return []
        self._hand_over(self.counter)
        if rows is not None:  # the rows' floats straight to the counter's float path
            return self.counter.update_rows(rows, waiting[0] if len(waiting) == 1 else None)
        return self.counter.update(waiting[0] if len(waiting) == 1 else ShinFrames.concatenate(waiting))

    def _hand_over(self, counter: RepCounter) -> None:
        """What the counter reads of the pipeline, as it is now: before each count (it reads them only while
        counting), not after every notification (a 1-sample notification's ~0.15 µs)."""
        self.counts += 1
        if counter.calibration is None:
            counter.calibration = self.pipeline.calibration  # handed over once found
        # when the filter first measured its gyro bias (a stage without rest windows: from the start)
        counter.bias_measured_s = getattr(self.pipeline.orientation, "bias_measured_s", -math.inf)

    def restart_calibration(self) -> None:
        """Calibrate again (the strap was moved): the stages start afresh; a running drill goes on counting."""
        self.pipeline = self._new_pipeline(None)

    def start_drill(self, drill: str, side: Side, profile: Profile | None = None) -> RepCounter:
        """A drill on the same stream (the calibration is kept): its description, a fresh counter."""
        self.flush()  # a drill still running counts its frames before it is replaced
        self.spec = replace(self.spec, drill=drill, side=side, profile=profile or self.spec.profile)
        self.counter = self._new_counter(drill)
        return self.counter

    def stop_drill(self) -> RepCounter | None:
        """The drill ends, the stream goes on: its counter, finished (None if no drill ran)."""
        self.flush()  # the frames seen before the stop are the drill's
        counter, self.counter = self.counter, None
        if counter is not None:
            counter.finish()
            self.spec = replace(self.spec, drill=None)
        return counter

    def finish(self) -> list[RepEvent]:
        """The end of the stream: a movement still open is not a rep."""
        events = self.flush()
        return events if self.counter is None else events + self.counter.finish()

    def _new_pipeline(self, orientation: OrientationStage | None) -> ShinPipeline:
        s = self.spec
        return ShinPipeline(PipelineParams(rate_hz=s.rate_hz, strap_rotation_deg=s.strap_rotation_deg), orientation)

    def _new_counter(self, drill: str) -> RepCounter:
        from dorsi.drills.counter import RepCounter  # only a session with a drill pays for the segmenters

        s = self.spec
        return RepCounter(
            drill, s.side, self.counter_params, self.pipeline.calibration, s.profile.foot_cm, s.unit_calibrated
        )
