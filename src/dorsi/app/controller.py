"""Connects the models' requests to work on the asyncio loop: scan, connect, stream, store, export.

One asyncio loop for the process (qasync's, shared with Qt). Every request
becomes a task; failures become one readable sentence in the message bar.
On the virtual sensor, Start and Stop also reach the demo's simulated person,
who begins (or stops) the test or drill as a person would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from dorsi.app import testresult
from dorsi.app.clinic import ClinicController
from dorsi.app.engine import LiveEngine
from dorsi.app.sources import Found, Hub, Stream, VirtualHub
from dorsi.ble.decode import SampleChunk
from dorsi.ble.stream import GapEvent, State, StateEvent
from dorsi.errors import DeviceError, DorsiError
from dorsi.io.profiles import load_profile
from dorsi.protocol.kinds import KINDS
from dorsi.store import SessionStore
from dorsi.store.models import SessionInfo
from dorsi.ui.models import NO_SENSOR, NOT_CALIBRATED, AppModels, DeviceRow
from dorsi.ui.settings import AppSettings

log = logging.getLogger(__name__)
SCAN_S = 2.0
IDENTIFY_S = 5  # how long the Blink button blinks the sensor's LED


def history_row(session: SessionInfo) -> dict[str, Any]:
    """A session as History lists it: its JSON plus the best peak and mean score of its full reps."""
    row = session.to_json()
    reps = (session.summary or {}).get("reps") or []
    full = [r for r in reps if isinstance(r, dict) and not r.get("partial") and r.get("valid", True)]
    # the best: the reps whose heel was not in doubt, while one is (issue 18; kneewall.side_result)
    clean = [r for r in full if not r.get("heel_uncertain")] or full
    peaks = [float(r["peak_tibial_inclination_deg"]) for r in clean if r.get("peak_tibial_inclination_deg") is not None]
    scores = [float(r["score"]) for r in full if r.get("score") is not None]
    row["best_peak_deg"] = max(peaks) if peaks else None
    row["mean_score"] = sum(scores) / len(scores) if scores else None
    return row


def readable(exc: BaseException) -> str:
    """One sentence for a person; never a traceback."""
    if isinstance(exc, DorsiError):
        return str(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"Something went wrong ({type(exc).__name__}{': ' + text if text else ''})."


class AppController:
    def __init__(self, models: AppModels, settings: AppSettings, hub: Hub, store: SessionStore | None) -> None:
        self.m = models
        self.settings = settings
        self.hub = hub
        self.store = store
        self.engine = LiveEngine(models, settings, store)
        self.clinic = ClinicController(models, store)  # test reports, reliability study
        self.stream: Stream | None = None
        self._stream_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._found: list[Found] = []
        self._streamed_once = False
        self._unit_path: str | None = None  # the unit profile file last read
        c, t, d, h = models.connection, models.test, models.drill, models.history
        c.scan_requested.connect(lambda: self.spawn(self.scan()))
        c.connect_requested.connect(lambda key: self.spawn(self.connect(key)))
        c.disconnect_requested.connect(lambda: self.spawn(self.disconnect()))
        c.identify_requested.connect(lambda: self.spawn(self.identify()))
        models.calibration.start_requested.connect(self._recalibrate)
        t.start_requested.connect(self.start_test)
        t.stop_requested.connect(self.stop_test)
        t.side_requested.connect(self.engine.set_test_side)
        t.reset_requested.connect(self.engine.reset_test)
        d.start_requested.connect(self.start_drill)
        d.stop_requested.connect(self.stop_drill)
        d.side_requested.connect(self.engine.set_test_side)  # one side for the person, on both screens
        models.calibration.changed.connect(self._calibration_changed)
        h.refresh_requested.connect(self.refresh_history)
        h.export_session_requested.connect(self.export_session)
        h.export_history_requested.connect(self.export_history)
        h.open_folder_requested.connect(self.open_folder)
        if store is not None:
            h.data_folder = str(store.path.parent)
        settings.changed.connect(self._settings_changed)
        self._settings_changed()

    def _settings_changed(self) -> None:
        """The bands and the card depend on the profile (tibia, foot) and the unit."""
        t = self.m.test
        bands = testresult.bands_deg(self.engine.profile(), self.settings.format_length)
        if bands != t.bands:
            t.bands = bands
            t.changed.emit()
        self.engine.refresh_test_card()
        self._read_unit_profile()

    def _read_unit_profile(self) -> None:
        """The unit profile chosen in Settings, read once per choice; the engine applies it from the next
        connection. A file that cannot be used is said in the message bar and nothing is applied."""
        path = self.settings.unit_profile
        if path == self._unit_path:
            return
        self._unit_path = path
        profile = None
        if path:
            try:
                profile = load_profile(path)
            except DorsiError as exc:
                self.m.messages.error.emit(f"Unit calibration not applied: {exc}")
        self.engine.set_unit_profile(profile)

    # start and stop: the engine, then the demo person -------------------------------------
    def start_test(self, side: str) -> None:
        self.engine.start_test(side)
        if self.m.test.state.running:
            self._cue_person("knee-to-wall", side)

    def stop_test(self) -> None:
        self.engine.stop_test()
        self._cue_person(None, "")

    def start_drill(self, drill_id: str) -> None:
        self.engine.start_drill(drill_id)
        if self.m.drill.live.running:
            self._cue_person(drill_id, self.m.drill.live.side)

    def stop_drill(self) -> None:
        self.engine.stop_drill()
        self._cue_person(None, "")

    def _cue_person(self, drill: str | None, side: str) -> None:
        """The virtual sensor's person does what the person in front of a real sensor does at Start/Stop."""
        if isinstance(self.hub, VirtualHub) and self.stream is not None:
            self.spawn(self.hub.cue_person(drill, side))

    def _calibration_changed(self) -> None:
        if self.m.calibration.phase == "done":
            self.m.messages.resolved.emit(NOT_CALIBRATED)

    # tasks -------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.debug("task failed", exc_info=exc)
            self.m.messages.error.emit(readable(exc))

    # connection --------------------------------------------------------------------------
    async def scan(self) -> list[Found]:
        c = self.m.connection
        c.scanning = True
        c.changed.emit()
        try:
            self._found = await self.hub.scan(SCAN_S)
        finally:
            c.scanning = False
            last = self.settings.last_sensor
            c.devices = [
                DeviceRow(f.key, f.kind, f.name, f.rssi_dbm, f.battery_pct, remembered=f.key == last)
                for f in self._found
            ]
            if last and not any(d.key == last for d in c.devices):
                c.devices.append(DeviceRow(last, "remembered", f"{last} (last used, not seen)", remembered=True))
            c.changed.emit()
        return self._found

    async def connect(self, key: str) -> None:
        await self.disconnect()
        c = self.m.connection
        name = next((d.name for d in c.devices if d.key == key), key)
        c.device_name = name
        c.reconnects = 0
        c.samples_received = c.samples_lost = 0
        c.set_state("connecting")
        found = next((f for f in self._found if f.key == key), None)
        if found is not None:  # a remembered sensor not seen now keeps the kind stored with it
            self.settings.sensor_kind = KINDS[found.kind_id]
        rate = float(self.settings.rate_hz)  # one of that kind's own rates
        self.stream = self.hub.open(key, rate)
        self.settings.last_sensor = key
        self._streamed_once = False
        c.rate_hz = rate
        self.engine.begin_stream(rate, key)
        self._stream_task = self.spawn(self._consume(self.stream))

    async def _consume(self, stream: Stream) -> None:
        c = self.m.connection
        await stream.start()
        try:
            async for item in stream:
                if isinstance(item, SampleChunk):
                    self.engine.feed(item)
                elif isinstance(item, StateEvent):
                    self._state(item)
                elif isinstance(item, GapEvent):
                    # the chunk after the gap carries the jump in the sample counter, which the engine
                    # counts (for every source); counting the event too would count each loss twice
                    c.detail = f"{item.gap.missing_samples} samples lost ({item.reason})"
                    c.changed.emit()
        finally:
            self.engine.end_stream()

    def _state(self, ev: StateEvent) -> None:
        c = self.m.connection
        c.can_identify = ev.state == State.STREAMING and self.stream is not None and self.stream.can_identify
        if ev.state == State.STREAMING:
            if self._streamed_once and c.state == "reconnecting":
                c.reconnects += 1
            self._streamed_once = True
            c.set_state("streaming")
            self.m.messages.resolved.emit(NO_SENSOR)
        elif ev.state == State.STOPPED:
            c.set_state("disconnected")
        elif ev.state == State.SCANNING:
            c.set_state("reconnecting" if self._streamed_once else "connecting", ev.detail)
        else:
            c.set_state(str(ev.state), ev.detail)

    async def identify(self, seconds: int = IDENTIFY_S) -> None:
        """Blink the connected sensor's LED: which of the sensors on the table is this one?"""
        if self.stream is None:
            raise DeviceError("Connect a sensor first, then blink it.")
        await self.stream.identify(seconds)
        self.m.messages.info.emit(f"{self.m.connection.device_name} blinks its LED for {seconds} s")

    async def disconnect(self) -> None:
        self.m.connection.can_identify = False
        stream, self.stream = self.stream, None
        task, self._stream_task = self._stream_task, None
        if stream is not None:
            await stream.stop()
        if task is not None:
            try:
                async with asyncio.timeout(5.0):
                    await asyncio.shield(task)
            except TimeoutError:
                task.cancel()
            except Exception:  # already reported by _done
                log.debug("stream task ended with an error")
        if stream is not None:
            self.m.live.clear()  # no sensor, no live angle: the readouts say so instead of a frozen value
            self.m.connection.set_state("disconnected")

    def _recalibrate(self) -> None:
        if self.stream is None:
            self.m.messages.warn.emit(NO_SENSOR, "Connect a sensor first, then calibrate.")
            return
        self.engine.restart_calibration()

    # history and files -------------------------------------------------------------------
    def refresh_history(self) -> None:
        h = self.m.history
        if self.store is None:
            return
        try:
            h.tests = self.store.test_results()
            h.sessions = [history_row(s) for s in self.store.sessions()]
        except DorsiError as exc:
            self.m.messages.error.emit(str(exc))
        models = {t.get("cm_model") for t in h.tests if t.get("cm_model")}
        if len(models) > 1:  # never one chart of cm from different formulas without saying so
            self.m.messages.warn.emit(
                "cm-models",
                f"The history's cm come from {len(models)} versions of the cm estimate; "
                "compare the angles (°), which every version measures the same way.",
            )
        h.changed.emit()

    def export_session(self, session_id: int, folder: str) -> None:
        from dorsi.store.export import export_session

        if self.store is None:
            return
        try:
            from dorsi.stored_analysis import ExportWithAngles

            paths = export_session(self.store, session_id, Path(folder), ExportWithAngles())
        except DorsiError as exc:
            self.m.messages.error.emit(str(exc))
            return
        self.m.history.last_export = [str(p) for p in (paths.samples_csv, paths.reps_csv, paths.summary_json)]
        self.m.messages.info.emit(f"Exported session {session_id} to {folder}")
        self.m.history.changed.emit()

    def export_history(self, folder: str) -> None:
        from dorsi.store.export import export_history

        if self.store is None:
            return
        try:
            path = export_history(self.store, Path(folder))
        except DorsiError as exc:
            self.m.messages.error.emit(str(exc))
            return
        self.m.history.last_export = [str(path)]
        self.m.messages.info.emit(f"Exported the test history to {folder}")
        self.m.history.changed.emit()

    def open_folder(self) -> None:
        folder = self.m.history.data_folder
        if not folder or not QDesktopServices.openUrl(QUrl.fromLocalFile(folder)):
            self.m.messages.info.emit(f"Data folder: {folder}")

    async def close(self) -> None:
        await self.disconnect()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        self.engine.end_stream()
