"""The live engine: every decoded chunk → pipeline → ring buffer, calibration, counters, store.

Runs on the asyncio loop (qasync), called once per chunk; each call is short
(the orientation filter on a few samples, numpy copies into the ring, a
buffered store append). Views are told about discrete changes through the
models' ``changed`` signals; the trace and the big number are read from the
ring by the views' frame timers.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from dorsi.app import testcard
from dorsi.app.counting import Counter, make_counter
from dorsi.ble.decode import SampleChunk
from dorsi.errors import DorsiError
from dorsi.motion.pipeline import PipelineParams, ShinPipeline
from dorsi.store import SessionStore, SessionWriter
from dorsi.ui.models import AppModels
from dorsi.ui.settings import AppSettings

log = logging.getLogger(__name__)


class LiveEngine:
    def __init__(self, models: AppModels, settings: AppSettings, store: SessionStore | None) -> None:
        self.m = models
        self.settings = settings
        self.store = store
        self.rate_hz = float(settings.rate_hz)
        self.sensor_id = ""
        self.pipeline: ShinPipeline | None = None
        self.counter: Counter | None = None
        self.counter_for = ""  # "test" or "drill"
        self.writer: SessionWriter | None = None
        self.samples = 0
        self._last_counter: int | None = None
        self._side_results: dict[str, dict[str, Any]] = {}
        self._previous: dict[str, dict[str, Any] | None] = {}
        self._hold_beeped = False

    # stream ----------------------------------------------------------------------------
    def begin_stream(self, rate_hz: float, sensor_id: str) -> None:
        self.rate_hz = rate_hz
        self.sensor_id = sensor_id
        self._last_counter = None
        self.restart_calibration()

    def restart_calibration(self) -> None:
        self.pipeline = ShinPipeline(PipelineParams(rate_hz=self.rate_hz))
        cal = self.pipeline.params.calibration
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
        if n == 0 or self.pipeline is None:
            return
        c = self.m.connection
        c.samples_received += n
        counter = chunk.sample_counter
        if self._last_counter is not None and counter[0] > self._last_counter + 1:
            c.samples_lost += int(counter[0] - self._last_counter - 1)
        self._last_counter = int(counter[-1])
        was_calibrating = self.pipeline.calibrating
        frames = self.pipeline.update(chunk.imu)
        self.m.live.ring.extend(
            frames.time_s, np.column_stack([frames.tibial_inclination_deg, frames.frontal_tilt_deg])
        )
        self.samples += n
        if was_calibrating:
            self._calibration_progress()
        if self.writer is not None:
            try:
                self.writer.append(chunk.time_s, chunk.acc_mps2, chunk.gyr_dps, chunk.sample_counter)
            except DorsiError as exc:
                self.m.messages.error.emit(str(exc))
        if self.counter is not None:
            reps = self.counter.update(chunk.imu, frames)
            if self.counter_for == "test":
                self._test_step(reps)
            else:
                self._drill_step(reps)

    # calibration -------------------------------------------------------------------------
    def _calibration_progress(self) -> None:
        pipe = self.pipeline
        assert pipe is not None
        det = pipe.detector
        cal = pipe.calibration
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
        if det is None:
            return
        if det.gave_up:
            model.set(phase="failed", message="No calibration found in the first two minutes.")
            return
        progress = det.progress
        phase = "drives" if progress.phase == "drives" else "standing"
        standing_s, drives = progress.standing_s, progress.drives_done
        if (phase, round(standing_s, 1), drives) != (model.phase, round(model.standing_s, 1), model.drives_seen):
            model.set(phase=phase, standing_s=standing_s, drives_seen=drives)

    def rest_level_deg(self) -> float:
        cal = self.pipeline.calibration if self.pipeline else None
        return cal.standing_inclination_deg if cal is not None else 3.0

    # sessions in the store -----------------------------------------------------------------
    def _begin_session(self, drill: str, side: str) -> None:
        self._end_session(None)
        if self.store is None:
            return
        cal = self.pipeline.calibration if self.pipeline else None
        try:
            self.writer = self.store.begin_session(
                drill=drill,
                side=side,
                sensor_id=self.sensor_id or None,
                rate_hz=self.rate_hz,
                calibration=cal.as_dict() if cal else None,
            )
        except DorsiError as exc:
            self.writer = None
            self.m.messages.error.emit(str(exc))

    def _end_session(self, summary: dict[str, Any] | None) -> None:
        w, self.writer = self.writer, None
        if w is None:
            return
        try:
            if w.samples_appended == 0:
                w.finish(None, interrupted=True)
            else:
                w.finish(summary)
        except DorsiError as exc:
            self.m.messages.error.emit(str(exc))

    # knee-to-wall test ---------------------------------------------------------------------
    def start_test(self, side: str) -> None:
        st = self.m.test.state
        if self.pipeline is None:
            self.m.messages.error.emit("Connect a sensor first (Connect screen).")
            return
        if not self.m.live.calibrated:
            self.m.messages.info.emit("Not calibrated yet: angles assume a straight strap.")
        self.stop_drill()
        st.side = side
        st.running = True
        st.trials[side] = []
        st.current_peak_deg = None
        self.counter = make_counter("knee-to-wall", side, self.rest_level_deg(), 0.0)
        self.counter_for = "test"
        self._begin_session("knee-to-wall", side)
        self.m.test.changed.emit()

    def _test_step(self, reps: list[dict[str, Any]]) -> None:
        st = self.m.test.state
        assert self.counter is not None
        # the running peak is shown by the view's frame timer; no signal per sample
        st.current_peak_deg = getattr(self.counter, "current_peak_deg", None)
        changed = False
        for rep in reps:
            if rep.get("partial"):
                continue
            st.trials[st.side].append(float(rep["peak_tibial_inclination_deg"]))
            changed = True
        if changed:
            self.m.test.changed.emit()
        if len(st.trials[st.side]) >= self.m.test.TRIALS_PER_SIDE:
            self.stop_test()

    def stop_test(self) -> None:
        st = self.m.test.state
        if not st.running:
            return
        st.running = False
        st.current_peak_deg = None
        self.counter = None
        trials = st.trials[st.side]
        summary: dict[str, Any] | None = None
        if trials:
            result = testcard.side_result(st.side, trials, self.settings.tibia_cm, self.settings.foot_cm)
            previous = self._previous_result(st.side)
            self._side_results[st.side] = result
            self._previous[st.side] = previous
            summary = {"drill": "knee-to-wall", "side": st.side, "test": result, "reps": [], "rep_count": len(trials)}
            st.result = testcard.card(self._side_results, self._previous, self.settings.format_length)
        self._end_session(summary)
        self.m.test.changed.emit()
        if trials:
            self.m.history.refresh_requested.emit()

    def _previous_result(self, side: str) -> dict[str, Any] | None:
        if self.store is None:
            return None
        try:
            rows = self.store.test_results(side)
        except DorsiError:
            return None
        return rows[-1] if rows else None

    def set_test_side(self, side: str) -> None:
        st = self.m.test.state
        if st.running:
            self.stop_test()
        st.side = side
        self.m.test.changed.emit()

    def reset_test(self) -> None:
        self.stop_test()
        self.m.test.state.trials = {"left": [], "right": []}
        self.m.test.state.result = None
        self._side_results = {}
        self._previous = {}
        self.m.test.changed.emit()

    # drills ------------------------------------------------------------------------------
    def start_drill(self, drill_id: str) -> None:
        if self.pipeline is None:
            self.m.messages.error.emit("Connect a sensor first (Connect screen).")
            return
        self.stop_test()
        info = self.m.drill.info(drill_id)
        target = info.target_hold_s if info else 0.0
        side = self.m.test.state.side
        self.counter = make_counter(drill_id, side, self.rest_level_deg(), target)
        self.counter_for = "drill"
        lv = self.m.drill.live
        lv.running, lv.reps, lv.rep_count, lv.set_index = True, [], 0, 0
        lv.target_hold_s, lv.hold_s, lv.phase = target, 0.0, "resting"
        self.m.drill.selected = drill_id
        self._hold_beeped = False
        self._begin_session(drill_id, side)
        self.m.drill.changed.emit()

    def _drill_step(self, reps: list[dict[str, Any]]) -> None:
        c = self.counter
        assert c is not None
        lv = self.m.drill.live
        before = (lv.phase, lv.rep_count, lv.set_index)
        lv.phase, lv.hold_s, lv.set_index = c.phase, c.hold_s, c.set_index
        if lv.target_hold_s > 0 and lv.hold_s >= lv.target_hold_s and not self._hold_beeped:
            self._hold_beeped = True
            self.m.drill.hold_reached.emit()
        if lv.phase == "resting":
            self._hold_beeped = False
        for rep in reps:
            lv.reps.append(rep)
            if not rep.get("partial"):
                lv.rep_count += 1
            self.m.drill.rep_added.emit(rep)
        if before != (lv.phase, lv.rep_count, lv.set_index):
            self.m.drill.changed.emit()

    def stop_drill(self) -> None:
        lv = self.m.drill.live
        if not lv.running:
            return
        if self.counter is not None:
            for rep in self.counter.finish():
                lv.reps.append(rep)
                self.m.drill.rep_added.emit(rep)
        self.counter = None
        lv.running = False
        lv.phase, lv.hold_s = "resting", 0.0
        counted = [r for r in lv.reps if not r.get("partial")]
        summary = {
            "drill": self.m.drill.selected,
            "side": self.m.test.state.side,
            "reps": lv.reps,
            "rep_count": len(counted),
            "sets": 1 + max((int(r.get("set", 0)) for r in lv.reps), default=0) if lv.reps else 0,
            "test": None,
        }
        self._end_session(summary)
        self.m.drill.changed.emit()
        self.m.history.refresh_requested.emit()

    def end_stream(self) -> None:
        self.stop_test()
        self.stop_drill()
        self._end_session(None)
