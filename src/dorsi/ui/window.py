"""The main window: navigation, the screens, the connection state always visible, shortcuts."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from dorsi.ui.messages import MessageBar
from dorsi.ui.models import AppModels
from dorsi.ui.settings import AppSettings
from dorsi.ui.sound import Beeper
from dorsi.ui.theme import apply_theme, plot_colors
from dorsi.ui.views.calibrate import CalibrateView
from dorsi.ui.views.connect import ConnectView
from dorsi.ui.views.drill import DrillView
from dorsi.ui.views.history import HistoryView
from dorsi.ui.views.reliability import ReliabilityView
from dorsi.ui.views.settings import SettingsView
from dorsi.ui.views.test import TestView
from dorsi.ui.widgets import BigNumber, LivePlot, StateBadge

SCREENS = ("Connect", "Calibrate", "Knee-to-wall", "Drills", "History", "Reliability", "Settings")
# what the live readouts say while there is no angle to show, by connection state
READOUT_PLACEHOLDERS = {
    "disconnected": ("No sensor connected", "Connect one on the Connect screen (Ctrl+1)."),
    "lost": ("Sensor lost", "Switch it on and connect again on the Connect screen (Ctrl+1)."),
    "scanning": ("Looking for sensors…", ""),
    "connecting": ("Connecting…", "to {name}"),
    "reconnecting": ("Reconnecting…", "{name} will resume where it left off."),
    "streaming": ("Waiting for the first samples…", ""),
}


class MainWindow(QMainWindow):
    def __init__(self, models: AppModels, settings: AppSettings, beeper: Beeper | None = None) -> None:
        super().__init__()
        self.models = models
        self.settings = settings
        self.beeper = beeper or Beeper(self)
        self.setWindowTitle("dorsi — shin angle")
        self.resize(1280, 800)
        central = QWidget()
        body = QHBoxLayout(central)
        body.setContentsMargins(0, 0, 0, 0)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.addItems(list(SCREENS))
        self.nav.setFixedWidth(170)
        body.addWidget(self.nav)
        self.stack = QStackedWidget()
        self.connect_view = ConnectView(models.connection, models.calibration)
        self.calibrate_view = CalibrateView(models.calibration, models.live)
        self.test_view = TestView(models.test, models.live, settings)
        self.drill_view = DrillView(models.drill, models.live, self.beeper)
        self.history_view = HistoryView(models.history, settings)
        self.reliability_view = ReliabilityView(models.study)
        self.settings_view = SettingsView(settings, self.beeper)
        self.views = (
            self.connect_view,
            self.calibrate_view,
            self.test_view,
            self.drill_view,
            self.history_view,
            self.reliability_view,
            self.settings_view,
        )
        for v in self.views:
            v.setContentsMargins(12, 8, 12, 8)
            self.stack.addWidget(v)
        body.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # messages live in the status bar, a strip of fixed height: showing one never moves the screen
        self.message_bar = MessageBar()
        self.badge = StateBadge()
        self.counters = QLabel("")
        self.statusBar().addWidget(self.message_bar, 1)
        self.statusBar().addPermanentWidget(self.counters)
        self.statusBar().addPermanentWidget(self.badge)
        self.nav.currentRowChanged.connect(self._show)
        for view in (self.connect_view, self.calibrate_view):
            view.go_to.connect(self.show_screen)
        models.connection.changed.connect(self._connection_changed)
        msg = models.messages
        msg.error.connect(self.show_error)
        msg.warn.connect(lambda condition, text: self.message_bar.show_alert(text, "warn", condition))
        msg.resolved.connect(self.message_bar.resolve)
        msg.info.connect(self.message_bar.show_note)
        self.beeper.notice.connect(self.message_bar.show_note)
        models.test.trial_invalid.connect(lambda _why: self.beeper.beep(cue="invalid"))
        settings.changed.connect(self._settings_changed)
        self._shortcuts()
        self._theme = ""
        self._settings_changed()
        self._connection_changed()
        self.nav.setCurrentRow(0)
        geometry, state = settings.window_geometry(), settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    # navigation ------------------------------------------------------------------
    def show_screen(self, name: str) -> None:
        self.nav.setCurrentRow(SCREENS.index(name))

    def current_screen(self) -> str:
        return SCREENS[self.stack.currentIndex()]

    def _show(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        for i, view in enumerate(self.views):
            plot = getattr(view, "plot", None)
            if isinstance(plot, LivePlot):
                if i == row:
                    plot.start()
                else:
                    plot.stop()
        if SCREENS[row] == "History":
            self.models.history.refresh_requested.emit()
        elif SCREENS[row] == "Reliability":
            self.models.study.refresh_requested.emit()

    def live_plots(self) -> list[LivePlot]:
        return [p for v in self.views if isinstance(p := getattr(v, "plot", None), LivePlot)]

    def _shortcuts(self) -> None:
        def add(key: str, fn: object) -> None:
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(fn)

        add("Space", self._space)
        add("L", lambda: self._side("left"))
        add("R", lambda: self._side("right"))
        for i in range(len(SCREENS)):
            add(f"Ctrl+{i + 1}", lambda i=i: self.nav.setCurrentRow(i))

    def _space(self) -> None:
        view = self.stack.currentWidget()
        toggle = getattr(view, "toggle_running", None)
        if toggle is not None:
            toggle()

    def _side(self, side: str) -> None:
        view = self.stack.currentWidget()
        if view is self.test_view:
            self.models.test.side_requested.emit(side)
        elif view is self.drill_view and not self.models.drill.live.running:
            self.models.drill.side_requested.emit(side)

    # state -----------------------------------------------------------------------
    def _connection_changed(self) -> None:
        c = self.models.connection
        text = {
            "streaming": f"{c.device_name} · streaming",
            "connecting": f"connecting to {c.device_name}",
            "reconnecting": f"{c.device_name} · reconnecting…",
            "lost": f"{c.device_name} lost",
            "scanning": "scanning",
        }.get(c.state, "not connected")
        if c.reconnects:
            text += f" · {c.reconnects} reconnect{'s' if c.reconnects > 1 else ''}"
        if c.unit_calibration and c.state != "disconnected":
            text += f" · unit calibration: {c.unit_calibration}"
        self.badge.set_state(c.state, text)
        self.counters.setText(f"{c.samples_received} samples · {c.samples_lost} lost  " if c.samples_received else "")
        title, detail = READOUT_PLACEHOLDERS.get(c.state, READOUT_PLACEHOLDERS["disconnected"])
        for number in self.findChildren(BigNumber):
            number.set_placeholder(title, detail.format(name=c.device_name))

    def show_error(self, message: str) -> None:
        """An error in the message bar, until dismissed."""
        self.message_bar.show_alert(message, "error")

    def _settings_changed(self) -> None:
        self.beeper.muted = not self.settings.sound
        theme = self.settings.theme
        if theme == self._theme:
            return
        self._theme = theme
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        bg, fg = plot_colors(theme)
        for w in self.findChildren(pg.PlotWidget):
            w.setBackground(bg)
            item = w.getPlotItem()
            for name in ("left", "bottom"):
                axis = item.getAxis(name)
                axis.setPen(fg)
                axis.setTextPen(fg)
            if item.legend is not None:
                item.legend.setLabelTextColor(fg)
                for _sample, label in item.legend.items:
                    label.setText(label.text)  # setLabelTextColor alone leaves the rendered text as it was

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.save_window(self.saveGeometry(), self.saveState())
        for plot in self.live_plots():
            plot.stop()
        self.beeper.stop()
        super().closeEvent(event)
