"""The live engine: every decoded chunk → the live session → ring buffer, models, store.

The measurement is the headless LiveSession (dorsi.session: pipeline, calibration,
rep counter), as in ``analyze`` and the demo; this module only copies its results
into the Qt models and the session store. Runs on the asyncio loop (qasync),
called once per chunk; each call is short (the orientation filter on a few samples,
numpy copies into the ring, a buffered store append). Views are told about discrete
changes through the models' ``changed`` signals; the trace and the big number are
read from the ring by the views' frame timers. Its tests drive it without a display
or an event loop (tests/app/test_engine.py).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import numpy as np

from dorsi.app import testresult
from dorsi.ble.decode import SampleChunk
from dorsi.drills import RepCounter, RepEvent
from dorsi.drills.kneewall import Profile
from dorsi.errors import DorsiError
from dorsi.io.profiles import GENERIC, SensorProfile
from dorsi.motion.angles import Side
from dorsi.motion.sanity import RateMeter, SampleScreen
from dorsi.motion.types import ImuChunk
from dorsi.session import LiveSession, SessionSpec
from dorsi.store import SessionStore, SessionWriter
from dorsi.ui.models import NO_SENSOR, NOT_CALIBRATED, AppModels
from dorsi.ui.settings import AppSettings

log = logging.getLogger(__name__)

# conditions of the warnings this engine raises (dorsi.ui.models.MessageModel)
RATE_MISMATCH = "rate-mismatch"
IMPOSSIBLE_SAMPLES = "impossible-samples"
UNIT_KIND = "unit-kind"


class LiveEngine:
    def __init__(self, models: AppModels, settings: AppSettings, store: SessionStore | None) -> None:
        self.m = models
        self.settings = settings
        self.store = store
        self.rate_hz = float(settings.rate_hz)
        self.sensor_id = ""
        self.session: LiveSession | None = None
        self.counter_for = ""  # what the session's counter runs for: "test" or "drill"
        self.writer: SessionWriter | None = None
        self._writer_waits: tuple[str, str] | None = None  # a session begun before the rate was measured
        self._waiting_raw: list[SampleChunk] = []  # its samples, stored once the rate is known
        self.samples = 0
        self._last_counter: int | None = None
        self._previous: dict[str, dict[str, Any]] = {}  # last stored result per side, for the comparison
        self._hold_beeped = False
        self.requested_rate_hz = self.rate_hz
        self.rate_meter = RateMeter()
        self.screen: SampleScreen | None = None
        self._head: list[ImuChunk] = []  # the samples before the rate was measured, to run again at it
        self._dropped_shown = 0
        # the per-unit sensor profile chosen (Settings, `dorsi app --profile`) and the one this stream applies
        self.unit_profile: SensorProfile | None = None
        self.stream_unit: SensorProfile | None = None

    def set_unit_profile(self, profile: SensorProfile | None) -> None:
        """The profile every chunk of the next stream goes through before the stages (dorsi analyze
        --profile's correction: unit calibration, then axes); the stored samples stay raw."""
        self.unit_profile = profile

    # stream ----------------------------------------------------------------------------
    def begin_stream(self, rate_hz: float, sensor_id: str) -> None:
        """A stream asked to run at ``rate_hz``: the stages start at it and run at the rate the stream
        measures as soon as it is known (one second in, the first samples run again at it)."""
        self.rate_hz = self.requested_rate_hz = rate_hz
        self.sensor_id = sensor_id
        self._last_counter = None
        self.session = None
        self.counter_for = ""
        self.rate_meter = RateMeter()
        self._head = []
        self._dropped_shown = 0
        self.m.messages.resolved.emit(RATE_MISMATCH)
        self.m.messages.resolved.emit(IMPOSSIBLE_SAMPLES)
        self.stream_unit = unit = self.unit_profile
        self.m.connection.unit_calibration = "" if unit is None else unit.name
        kind = self.settings.sensor_kind
        if unit is not None and unit.kind not in (GENERIC, kind.id):
            self.m.messages.warn.emit(
                UNIT_KIND, f"The unit calibration “{unit.name}” is for a {unit.kind} sensor, not a {kind.label}."
            )
        else:
            self.m.messages.resolved.emit(UNIT_KIND)
        self.restart_calibration()
        assert self.session is not None
        self.screen = SampleScreen(self.session.spec.limits, rate_hz)

    def _spec(self) -> SessionSpec:
        return SessionSpec(
            rate_hz=self.rate_hz,
            side=self._side(),
            profile=self.profile(),
            sensor_kind=self.settings.sensor_kind.id,
            requested_rate_hz=self.requested_rate_hz,
            unit_calibrated=self.stream_unit is not None and self.stream_unit.unit.accel_calibrated,
        )

    def restart_calibration(self) -> None:
        if self.session is None:
            self.session = LiveSession(self._spec())
        else:
            self.session.restart_calibration()  # a running drill goes on counting
        cal = self.session.pipeline.params.calibration
        self.m.calibration.set(
            phase="standing",
            standing_s=0.0,
            standing_needed_s=cal.min_standing_s,
            drives_seen=0,
            drives_needed=cal.drives_needed,
            strap_rotation_deg=None,
            message="Stand still, then two slow knee drives.",
        )
        self.m.live.calibrated = False
        self.m.live.clear()

    def feed(self, chunk: SampleChunk) -> None:
        n = len(chunk)
        session = self.session
        if n == 0 or session is None:
            return
        c = self.m.connection
        c.samples_received += n
        counter = chunk.sample_counter
        if self._last_counter is not None and counter[0] > self._last_counter + 1:
            c.samples_lost += int(counter[0] - self._last_counter - 1)
        self._last_counter = int(counter[-1])
        if self._writer_waits is not None:
            self._waiting_raw.append(chunk)
        self._store_raw(chunk)
        imu = chunk.imu
        if self.stream_unit is not None:  # before the screen, as analyze --profile
            imu = ImuChunk(imu.time_s, *self.stream_unit.apply_arrays(imu.acc_mps2, imu.gyr_dps))
        if self.screen is not None:  # impossible samples never reach the stages
            imu = self.screen.update(imu).chunk
            self._report_dropped()
        if self.rate_meter.measured_hz is None:
            self._head.append(imu)
            measured = self.rate_meter.update(counter, chunk.time_s)
            if measured is not None:
                rerun = self._use_measured_rate(measured)
                self._open_waiting_writer()
                if rerun:
                    return
        if len(imu) == 0:
            return
        self._run(imu)

    def _run(self, imu: ImuChunk) -> None:
        session = self.session
        assert session is not None
        n = len(imu)
        was_calibrating = session.calibrating
        counts = session.counts
        frames, events = session.feed(imu)
        self.m.live.ring.extend_columns(frames.time_s, frames.tibial_inclination_deg, frames.frontal_tilt_deg)
        self.samples += n
        if was_calibrating:
            self._calibration_progress()
        if self.counter_for == "test":
            self._test_step(events, frames.tibial_inclination_deg)
        elif self.counter_for == "drill" and (events or session.counts != counts):
            # (the counter's state changes only when it counts: a notification it is still waiting on leaves
            # the drill screen's figures as they are)
            self._drill_step(events)

    def _use_measured_rate(self, measured_hz: float) -> bool:
        """The stream's own rate is known: the stages run at it from now on. When it is not the one
        asked for, the session starts again at it over the samples so far (True: they have run)."""
        head, self._head = self._head, []
        assert self.session is not None
        spec = replace(self.session.spec, rate_hz=measured_hz)
        self.m.connection.rate_hz = measured_hz
        if not spec.rate_differs:
            return False  # within 2 %: the rate asked is the rate streamed (1 s of timing is coarser)
        self.rate_hz = measured_hz
        drill = self.session.spec.drill
        self.session = LiveSession(replace(spec, drill=None))
        if drill is not None:
            self.session.start_drill(drill, spec.side, spec.profile)
        self.m.live.ring.clear()
        note = spec.rate_note()
        if note:
            self.m.messages.warn.emit(RATE_MISMATCH, note)
        self.m.connection.changed.emit()
        self.samples -= sum(len(imu) for imu in head)  # they run again
        for imu in head:
            if len(imu):
                self._run(imu)
        return True

    def _report_dropped(self) -> None:
        assert self.screen is not None
        report = self.screen.report
        if report.dropped > self._dropped_shown:
            self._dropped_shown = report.dropped
            self.m.messages.warn.emit(IMPOSSIBLE_SAMPLES, f"Sensor: {report.warning()}.")

    # calibration -------------------------------------------------------------------------
    def _calibration_progress(self) -> None:
        session = self.session
        assert session is not None
        cal = session.calibration
        model = self.m.calibration
        if cal is not None:
            model.set(
                phase="done",
                drives_seen=len(cal.drives),
                strap_rotation_deg=cal.strap_rotation_deg,
                standing_inclination_deg=cal.standing_inclination_deg,
                axis_spread_deg=cal.axis_spread_deg,
                message="",
            )
            self.m.live.calibrated = True
            self.m.live.standing_inclination_deg = cal.standing_inclination_deg
            self.settings.strap_rotation_deg = cal.strap_rotation_deg
            self.m.messages.info.emit(f"Calibrated: strap rotation {cal.strap_rotation_deg:+.1f}°")
            return
        progress = session.calibration_progress
        if progress is None:
            return
        if progress.phase == "gave-up":
            model.set(phase="failed", message=f"Not calibrated: {progress.reason}.")
            return
        phase = "drives" if progress.phase == "drives" else "standing"
        standing_s, drives = progress.standing_s, progress.drives_done
        if (phase, round(standing_s, 1), drives) != (model.phase, round(model.standing_s, 1), model.drives_seen):
            model.set(phase=phase, standing_s=standing_s, drives_seen=drives)
        message = f"Not calibrated: {progress.reason} — stand still and try again." if progress.reason else ""
        if message and message != model.message:
            model.set(message=message)

    # sessions in the store -----------------------------------------------------------------
    def _begin_session(self, drill: str, side: str) -> None:
        self._end_session(None)
        if self.store is None:
            return
        if self.rate_meter.measured_hz is None:  # stored with the rate it streams at, a moment later
            self._writer_waits, self._waiting_raw = (drill, side), []
            return
        self._open_writer(drill, side)

    def _open_writer(self, drill: str, side: str) -> None:
        session = self.session
        assert self.store is not None and session is not None
        cal: dict[str, object] | None = session.calibration.as_dict() if session.calibration else None
        if self.stream_unit is not None:  # applied live; the stored samples are raw
            cal = {**(cal or {}), "unit_calibration": self.stream_unit.as_dict()}
        try:
            self.writer = self.store.begin_session(
                drill=drill,
                side=side,
                sensor_id=self.sensor_id or None,
                rate_hz=session.spec.rate_hz,
                calibration=cal,
            )
        except DorsiError as exc:
            self.writer = None
            self.m.messages.error.emit(str(exc))

    def _open_waiting_writer(self) -> None:
        """The session begun before the rate was known goes to the store now, with its samples so far."""
        waits, self._writer_waits = self._writer_waits, None
        raw, self._waiting_raw = self._waiting_raw, []
        if waits is None:
            return
        self._open_writer(*waits)
        for chunk in raw:
            self._store_raw(chunk)

    def _store_raw(self, chunk: SampleChunk) -> None:
        if self.writer is None:
            return
        try:  # the raw stream as received
            self.writer.append(chunk.time_s, chunk.acc_mps2, chunk.gyr_dps, chunk.sample_counter)
        except DorsiError as exc:
            self.m.messages.error.emit(str(exc))

    def _end_session(self, summary: dict[str, Any] | None) -> None:
        self._open_waiting_writer()  # a stream that ended before its rate was measured
        w, self.writer = self.writer, None
        if w is None:
            return
        if summary is not None and self.session is not None:
            summary = {**summary, "sample_rate": self.session.spec.rate_dict()}  # measured and requested
        try:
            if w.samples_appended == 0:
                w.finish(None, interrupted=True)
            else:
                w.finish(summary)
        except DorsiError as exc:
            self.m.messages.error.emit(str(exc))

    # the session's counter ---------------------------------------------------------------------
    def _start_counter(self, drill: str, side: str, counter_for: str) -> None:
        """The drill's counter on the running session, with the person's profile as it is now."""
        assert self.session is not None
        self.session.start_drill(drill, "right" if side == "right" else "left", self.profile())
        self.counter_for = counter_for

    def _stop_counter(self) -> RepCounter | None:
        self.counter_for = ""
        return None if self.session is None else self.session.stop_drill()

    def _side(self) -> Side:
        return "right" if self.m.test.state.side == "right" else "left"

    def profile(self) -> Profile:
        return Profile(tibia_cm=self.settings.tibia_cm, foot_cm=self.settings.foot_cm)

    # knee-to-wall test ---------------------------------------------------------------------
    def start_test(self, side: str) -> None:
        st = self.m.test.state
        if self.session is None:
            self.m.messages.warn.emit(NO_SENSOR, "Connect a sensor first (Connect screen).")
            return
        if not self.m.live.calibrated:
            self.m.messages.warn.emit(NOT_CALIBRATED, "Not calibrated yet: trials count once the calibration is done.")
        self.stop_drill()
        st.side = self.m.drill.side = side
        st.running = True
        st.trials[side] = []
        st.invalid[side] = []
        st.uncertain[side] = []
        st.current_peak_deg = None
        self._start_counter("knee-to-wall", side, "test")
        self._begin_session("knee-to-wall", side)
        self.m.test.changed.emit()

    def _test_step(self, events: list[RepEvent], incl_deg: np.ndarray) -> None:
        st = self.m.test.state
        assert self.session is not None and self.session.counter is not None
        # the running peak of the trial in progress (shown by the view's frame timer, no signal per chunk)
        if self.session.counter.state.phase in ("moving", "holding") and len(incl_deg):
            peak = float(np.max(incl_deg))
            st.current_peak_deg = peak if st.current_peak_deg is None else max(st.current_peak_deg, peak)
        elif not events:
            st.current_peak_deg = None
        changed = False
        for ev in events:
            if ev.kind == "rep":
                st.trials[st.side].append(float(ev.rep.peak_tibial_inclination_deg))
                st.uncertain[st.side].append(ev.rep.heel_note)  # counted, but not the best while another is clean
                changed = True
            elif ev.kind == "invalid":  # shown with its reason, not a trial, not the best
                peak = float(ev.rep.peak_tibial_inclination_deg)
                st.invalid[st.side].append({"peak_deg": peak, "reason": ev.rep.invalid_reason})
                self.m.test.trial_invalid.emit(ev.rep.invalid_reason)
                changed = True
        if changed:
            st.current_peak_deg = None
            self.m.test.changed.emit()
        if len(st.trials[st.side]) >= self.m.test.TRIALS_PER_SIDE:
            self.stop_test()

    def _count_waiting(self) -> None:
        """The samples the counter has not seen yet (under a display frame of them) are counted now, and
        what they close is shown and kept as if a notification had brought it."""
        if self.session is None:
            return
        events = self.session.flush()  # (emptied first: a step that stops the test finds nothing waiting)
        if not events:
            return
        if self.counter_for == "test":
            self._test_step(events, np.empty(0))
        elif self.counter_for == "drill":
            self._drill_step(events)

    def stop_test(self) -> None:
        st = self.m.test.state
        if not st.running:
            return
        self._count_waiting()  # a trial closed in the last frame's samples is this test's
        if not st.running:
            return  # ... and it was the last of the test: stop_test has run
        st.running = False
        st.current_peak_deg = None
        counter = self._stop_counter()
        side = st.side
        summary: dict[str, Any] | None = None
        if st.trials[side]:
            if side not in self._previous:
                self._previous[side] = self._previous_result(side)
            previous = {s: r for s, r in self._previous.items() if r}
            res = testresult.result(st.trials, self.profile(), previous, st.uncertain, self._spec().sensor_tolerance)
            summary = {
                "drill": "knee-to-wall",
                "side": side,
                "test": testresult.stored_row(side, res),
                "reps": [] if counter is None else [r.as_dict() for r in counter.reps],
                "rep_count": len(st.trials[side]),
                "sets": 1,
            }
            st.result = testresult.card(res, previous, self.settings.format_length)
        self._end_session(summary)
        self.m.test.changed.emit()
        if summary is not None:
            self.m.history.refresh_requested.emit()

    def _previous_result(self, side: str) -> dict[str, Any]:
        """The last stored result of this side before this test (empty if none)."""
        if self.store is None:
            return {}
        try:
            rows = self.store.test_results(side)
        except DorsiError:
            return {}
        return rows[-1] if rows else {}

    def refresh_test_card(self) -> None:
        """Recompute the card after a profile or unit change (the trials stay)."""
        st = self.m.test.state
        if st.result is None:
            return
        previous = {s: r for s, r in self._previous.items() if r}
        res = testresult.result(st.trials, self.profile(), previous, st.uncertain, self._spec().sensor_tolerance)
        st.result = testresult.card(res, previous, self.settings.format_length)
        self.m.test.changed.emit()

    def set_test_side(self, side: str) -> None:
        st = self.m.test.state
        if st.running:
            self.stop_test()
        st.side = side
        if not self.m.drill.live.running:
            self.m.drill.side = side
            self.m.drill.changed.emit()
        self.m.test.changed.emit()

    def reset_test(self) -> None:
        self.stop_test()
        self.m.test.state.trials = {"left": [], "right": []}
        self.m.test.state.invalid = {"left": [], "right": []}
        self.m.test.state.uncertain = {"left": [], "right": []}
        self.m.test.state.result = None
        self._previous = {}
        self.m.test.changed.emit()

    # drills ------------------------------------------------------------------------------
    def start_drill(self, drill_id: str) -> None:
        if self.session is None:
            self.m.messages.warn.emit(NO_SENSOR, "Connect a sensor first (Connect screen).")
            return
        if not self.m.live.calibrated:
            self.m.messages.warn.emit(NOT_CALIBRATED, "Not calibrated yet: reps count once the calibration is done.")
        self.stop_test()
        side = self.m.drill.side = self.m.test.state.side
        self._start_counter(drill_id, side, "drill")
        assert self.session is not None and self.session.counter is not None
        lv = self.m.drill.live
        lv.running, lv.reps, lv.rep_count, lv.set_index, lv.rest_s = True, [], 0, 0, 0.0
        lv.reps_in_set, lv.target_reps = 0, self.session.counter.state.target_reps
        lv.set_done_s, lv.last_invalid, lv.last_uncertain = None, "", ""
        lv.drill_id, lv.side = drill_id, side
        lv.target_hold_s, lv.hold_s, lv.phase = self.session.counter.state.target_hold_s, 0.0, "waiting"
        self.m.drill.selected = drill_id
        self._hold_beeped = False
        self._begin_session(drill_id, side)
        self.m.drill.changed.emit()

    def _drill_step(self, events: list[RepEvent]) -> None:
        assert self.session is not None and self.session.counter is not None
        s = self.session.counter.state
        lv = self.m.drill.live
        before = (lv.phase, lv.rep_count, lv.set_index, int(lv.rest_s))
        new_set = s.set_index != lv.set_index
        lv.phase, lv.hold_s, lv.set_index, lv.rep_count = s.phase, s.current_hold_s, s.set_index, s.rep_count
        lv.reps_in_set = s.reps_in_set
        lv.rest_s = s.rest_s if lv.rep_count else 0.0
        if new_set:
            lv.set_done_s = None
        if s.set_complete and lv.set_done_s is None:  # once per set, at the prescribed count
            lv.set_done_s = s.time_s
            self.m.drill.set_completed.emit(lv.set_index)
        if lv.target_hold_s > 0 and lv.hold_s >= lv.target_hold_s and not self._hold_beeped:
            self._hold_beeped = True
            self.m.drill.hold_reached.emit()
        if lv.phase in ("resting", "waiting"):
            self._hold_beeped = False
        for ev in events:
            rep = ev.rep.as_dict()
            lv.reps.append(rep)
            self.m.drill.rep_added.emit(rep)
            if ev.kind == "invalid":
                lv.last_invalid, lv.last_uncertain = ev.rep.invalid_reason, ""
                self.m.drill.rep_invalid.emit(ev.rep.invalid_reason)
            elif ev.kind == "rep":
                lv.last_invalid, lv.last_uncertain = "", ev.rep.heel_note
        self._revised_rows(self.session.counter)
        if events or before != (lv.phase, lv.rep_count, lv.set_index, int(lv.rest_s)):
            self.m.drill.changed.emit()

    def _revised_rows(self, counter: RepCounter) -> None:
        """The rows of reps whose figures the counter revised (a calf raise's eccentric, its landing seen)."""
        lv = self.m.drill.live
        for rev in counter.revised:
            row = rev.as_dict()
            at = [i for i, r in enumerate(lv.reps) if (r["start_s"], r["end_s"]) == (row["start_s"], row["end_s"])]
            if at:
                lv.reps[at[-1]] = row
                self.m.drill.rep_revised.emit(at[-1])
        counter.revised.clear()

    def stop_drill(self) -> None:
        lv = self.m.drill.live
        if not lv.running:
            return
        self._count_waiting()  # a rep closed in the last frame's samples is this set's
        counter = self._stop_counter()
        summary: dict[str, Any] = {"drill": self.m.drill.selected, "side": self.m.test.state.side, "test": None}
        if counter is not None:
            self._revised_rows(counter)  # (calf raises: eccentrics revised at the counter's finish)
            summary.update(counter.summary())
        lv.running = False
        lv.phase, lv.hold_s = "resting", 0.0
        self._end_session(summary)
        self.m.drill.changed.emit()
        self.m.history.refresh_requested.emit()

    def end_stream(self) -> None:
        self.stop_test()
        self.stop_drill()
        self._end_session(None)
