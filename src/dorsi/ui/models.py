"""View-models: plain state plus Qt signals. Views read them and emit requests; the app fills them.

Nothing here knows a device. The composition root (dorsi.app) listens to the
``*_requested`` signals, does the work on the asyncio loop and writes the
results back, then emits ``changed``. Views repaint from the model on
``changed`` (cheap, discrete state) or on a frame timer (the live trace and
the big number, which read the ring buffer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from dorsi.ui.ring import RingBuffer
from dorsi.ui.study_model import StudyModel

# Live ring buffer columns
COL_INCLINATION = 0
COL_FRONTAL = 1
RING_SECONDS = 60


@dataclass(frozen=True)
class Band:
    """A shaded band on a trace's angle axis (restricted / adequate / excellent)."""

    lo_deg: float
    hi_deg: float
    label: str
    color: str  # "#rrggbb"


@dataclass(frozen=True)
class DeviceRow:
    key: str  # what connect_requested carries back
    kind: str  # "dorsi", "WitMotion", "virtual dorsi", …
    name: str
    rssi_dbm: int | None = None
    battery_pct: int | None = None
    remembered: bool = False


class ConnectionModel(QObject):
    """Scan results and the connection state shown in the status bar at all times."""

    changed = Signal()
    scan_requested = Signal()
    connect_requested = Signal(str)
    disconnect_requested = Signal()
    identify_requested = Signal()  # blink the connected sensor's LED

    def __init__(self) -> None:
        super().__init__()
        self.devices: list[DeviceRow] = []
        self.scanning = False
        self.can_identify = False  # the connected sensor can blink (a dorsi sensor)
        self.state = "disconnected"  # disconnected · connecting · streaming · reconnecting · lost
        self.device_name = ""
        self.detail = ""
        self.reconnects = 0
        self.samples_received = 0
        self.samples_lost = 0
        self.rate_hz = 0.0
        self.unit_calibration = ""  # the name of the per-unit sensor profile the stream applies, if any

    def set_state(self, state: str, detail: str = "") -> None:
        self.state, self.detail = state, detail
        self.changed.emit()


class LiveModel(QObject):
    """The live shin angle: a ring buffer the plot and the big number read on their timer."""

    reset = Signal()

    def __init__(self, rate_hz: float = 200.0) -> None:
        super().__init__()
        self.ring = RingBuffer(int(RING_SECONDS * max(rate_hz, 50.0) * 2.2), 2)
        self.calibrated = False
        self.standing_inclination_deg: float | None = None

    def clear(self) -> None:
        self.ring.clear()
        self.reset.emit()

    def current_inclination_deg(self) -> float | None:
        last = self.ring.latest()
        return None if last is None else float(last[1][COL_INCLINATION])


class CalibrationModel(QObject):
    """Guided calibration: quiet standing, two knee drives, the strap rotation found."""

    changed = Signal()
    start_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.phase = "idle"  # idle · standing · drives · done · failed
        self.standing_s = 0.0
        self.standing_needed_s = 3.0
        self.drives_seen = 0
        self.drives_needed = 2
        self.strap_rotation_deg: float | None = None
        self.standing_inclination_deg: float | None = None
        self.axis_spread_deg: float | None = None
        self.message = ""

    def set(self, **values: Any) -> None:
        for key, value in values.items():
            setattr(self, key, value)
        self.changed.emit()


@dataclass
class TestState:
    side: str = "left"
    running: bool = False
    current_peak_deg: float | None = None
    trials: dict[str, list[float]] = field(default_factory=lambda: {"left": [], "right": []})
    # trials not counted (heel lifted): {"peak_deg", "reason"} per side, shown beside the counted ones
    invalid: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"left": [], "right": []})
    # per counted trial (as ``trials``): why it is not used for the best (its heel may have lifted), else ""
    uncertain: dict[str, list[str]] = field(default_factory=lambda: {"left": [], "right": []})
    result: dict[str, Any] | None = None  # the knee-to-wall result card
    previous: dict[str, Any] | None = None  # last stored result, for the comparison


class TestModel(QObject):
    """Knee-to-wall test, three trials per side."""

    changed = Signal()
    start_requested = Signal(str)  # side
    stop_requested = Signal()
    side_requested = Signal(str)
    reset_requested = Signal()
    report_requested = Signal(str)  # the file (.pdf/.html) for the latest test's report
    trial_invalid = Signal(str)  # a trial not counted, with its reason: the window plays the cue

    TRIALS_PER_SIDE = 3

    def __init__(self) -> None:
        super().__init__()
        self.state = TestState()
        self.bands: list[Band] = []  # the bands for this person's profile (the app sets them)


@dataclass(frozen=True)
class DrillInfo:
    id: str
    title: str
    source: str = ""
    prescription: str = ""
    cues: tuple[str, ...] = ()
    target_hold_s: float = 0.0
    reps_per_set: int = 0
    sets: int = 0


@dataclass
class DrillLive:
    running: bool = False
    phase: str = "waiting"  # waiting (for a still moment) · resting · moving · holding
    hold_s: float = 0.0
    rest_s: float = 0.0  # time since the last rep ended
    target_hold_s: float = 0.0
    rep_count: int = 0
    set_index: int = 0
    reps_in_set: int = 0
    target_reps: int = 0  # the prescription's reps per set (0: none)
    set_done_s: float | None = None  # the set reached its prescription (rest timer from here); None before
    last_invalid: str = ""  # the reason the last rep was not counted
    last_uncertain: str = ""  # why the last counted rep is not used for the best (its heel may have lifted), or ""
    reps: list[dict[str, Any]] = field(default_factory=list)
    drill_id: str = ""  # the drill and leg of this set (kept, with the reps, after Stop: the last set)
    side: str = ""


class DrillModel(QObject):
    changed = Signal()
    rep_added = Signal(dict)
    rep_revised = Signal(int)  # a shown rep's figures revised (a calf raise's eccentric): its place in live.reps
    hold_reached = Signal()  # the hold ring filled: the view flashes and beeps
    set_completed = Signal(int)  # the set reached its prescribed reps: the view shows it and plays the cue
    rep_invalid = Signal(str)  # a rep not counted, with its reason: the view shows it and plays the cue
    start_requested = Signal(str)
    stop_requested = Signal()
    side_requested = Signal(str)  # the leg for the next set (the person's side, shared with the test)

    def __init__(self) -> None:
        super().__init__()
        self.catalogue: list[DrillInfo] = []
        self.selected = ""
        self.side = "left"  # the leg the drill is done with (L / R; shared with the knee-to-wall test)
        self.live = DrillLive()

    def info(self, drill_id: str) -> DrillInfo | None:
        return next((d for d in self.catalogue if d.id == drill_id), None)


class HistoryModel(QObject):
    """Test results over weeks, the session list; exports and the data folder."""

    changed = Signal()
    refresh_requested = Signal()
    export_session_requested = Signal(int, str)  # session id, folder
    export_history_requested = Signal(str)  # folder
    open_folder_requested = Signal()
    report_requested = Signal(int, str)  # a session of the test (0: the latest), the file (.pdf/.html)

    def __init__(self) -> None:
        super().__init__()
        self.tests: list[dict[str, Any]] = []  # store.test_results()
        self.sessions: list[dict[str, Any]] = []  # SessionInfo.to_json()
        self.data_folder = ""
        self.last_export: list[str] = []


# Conditions a warning can be tied to: the warning goes as soon as its condition ends
NO_SENSOR = "no-sensor"
NOT_CALIBRATED = "not-calibrated"


class MessageModel(QObject):
    """Readable messages for the person: one sentence, never a traceback.

    ``error`` stays until dismissed; ``warn`` (condition, sentence) stays until
    its condition ends (``resolved``) or it is dismissed; ``info`` goes after
    a few seconds.
    """

    error = Signal(str)
    warn = Signal(str, str)
    resolved = Signal(str)
    info = Signal(str)


@dataclass
class AppModels:
    connection: ConnectionModel = field(default_factory=ConnectionModel)
    live: LiveModel = field(default_factory=LiveModel)
    calibration: CalibrationModel = field(default_factory=CalibrationModel)
    test: TestModel = field(default_factory=TestModel)
    drill: DrillModel = field(default_factory=DrillModel)
    history: HistoryModel = field(default_factory=HistoryModel)
    study: StudyModel = field(default_factory=StudyModel)
    messages: MessageModel = field(default_factory=MessageModel)
