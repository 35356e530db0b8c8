"""History: knee-to-wall results per side over weeks with the bands, the 12-week program, sessions, export."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QTableWidgetItem,
    QWidget,
)

from dorsi.drills.kneewall import BANDS
from dorsi.ui.models import HistoryModel
from dorsi.ui.settings import CM_PER_IN, AppSettings
from dorsi.ui.views.common import (
    Card,
    ask_report_file,
    read_only_table,
    screen,
    selected_first_item,
    text_label,
)
from dorsi.ui.widgets import ElidedLabel

CHART_CM = (0.0, 20.0)  # the toe-to-wall axis; the outer bands (dorsi.drills.kneewall.BANDS) are cut to it
SIDE_COLORS = {"left": "#2f7fd8", "right": "#e67e22"}
PROGRAM_WEEKS = 12
RETEST_EVERY_WEEKS = 3
PROGRAM_PHASES = (
    (1, 4, "stretching + knee-to-wall circles, 2 min per side daily"),
    (5, 8, "add banded mobilization, 2 min per side; retest weekly"),
    (9, 12, "loaded work: squat holds, calf raises"),
)


def parse_time(text: str) -> dt.datetime | None:
    try:
        t = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def program_text(first: dt.datetime | None, now: dt.datetime) -> str:
    """Where the person is in the 12-week program (article 004) and when to retest."""
    if first is None:
        return "The 12-week program starts with your first test. Retest every 3 weeks."
    week = (now - first).days // 7 + 1
    if week > PROGRAM_WEEKS:
        return f"Program done ({PROGRAM_WEEKS} weeks since {first:%d %b %Y}). Retest to see where you are."
    phase = next(text for lo, hi, text in PROGRAM_PHASES if lo <= week <= hi)
    weeks_to_retest = RETEST_EVERY_WEEKS - (week - 1) % RETEST_EVERY_WEEKS
    retest = first + dt.timedelta(weeks=week - 1 + weeks_to_retest)
    return (
        f"<b>Week {week} of {PROGRAM_WEEKS}</b>: {phase}.<br>"
        f"Next retest: {retest:%a %d %b} (every {RETEST_EVERY_WEEKS} weeks)."
    )


def session_result(session: dict[str, Any], tests: list[dict[str, Any]], fmt: Callable[[float | None], str]) -> str:
    """One line: the knee-to-wall result per side, or the reps with the best peak and mean score."""
    parts = [
        f"{t['side'].title() + ' ' if len(tests) > 1 else ''}{t.get('angle_deg') or 0:.1f}° · "
        f"{fmt(t.get('toe_to_wall_cm'))} · {t.get('band') or '–'}"
        for t in tests
    ]
    n = session.get("rep_count")
    if not parts and n is not None:
        text = f"{n} rep{'' if n == 1 else 's'}"
        if session.get("best_peak_deg") is not None:
            text += f" · best {session['best_peak_deg']:.1f}°"
        if session.get("mean_score") is not None:
            text += f" · score {session['mean_score']:.0f}"
        parts.append(text)
    if session.get("interrupted"):
        parts.append("interrupted")
    return " · ".join(parts) or "–"


class HistoryView(QWidget):
    SESSION_COLUMNS = ("#", "Started", "Drill", "Side", "Duration", "Samples", "Result")

    def __init__(self, model: HistoryModel, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.settings = settings
        # asks for a folder; tests replace it
        self.ask_folder: Callable[[], str] = lambda: QFileDialog.getExistingDirectory(self, "Export to folder")
        layout = screen(self, "History")
        top = QHBoxLayout()
        axis = pg.DateAxisItem(orientation="bottom")
        self.plot = pg.PlotWidget(axisItems={"bottom": axis})
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=False, y=True, alpha=0.2)
        item.setLabel("left", "toe to wall")
        item.addLegend(offset=(-10, 10))  # top right: the band labels sit at the left
        self.plot.setMinimumHeight(220)
        self._band_items: list[Any] = []
        # left: large hollow circles, right: filled triangles, so equal results on both sides stay visible
        self.curves = {
            side: item.plot(
                pen=pg.mkPen(color, width=2),
                symbol=symbol,
                symbolSize=size,
                symbolPen=pg.mkPen(color, width=2),
                symbolBrush=brush,
                name=side,
            )
            for (side, color), (symbol, size, brush) in zip(
                SIDE_COLORS.items(), (("o", 16, None), ("t", 11, SIDE_COLORS["right"])), strict=True
            )
        }
        top.addWidget(self.plot, 3)
        self.program = Card("12-week program")
        self.program_text = text_label("", 15)
        self.program.body.addWidget(self.program_text)
        self.latest_text = text_label("", 15)
        self.program.body.addWidget(self.latest_text)
        self.program.body.addStretch(1)
        self.program.setMinimumWidth(300)
        top.addWidget(self.program, 2)
        layout.addLayout(top, 3)

        self.table = read_only_table(self.SESSION_COLUMNS, QAbstractItemView.SelectionMode.SingleSelection)
        layout.addWidget(self.table, 2)
        buttons = QHBoxLayout()
        self.export_button = QPushButton("Export session CSV…")
        self.export_history_button = QPushButton("Export test history CSV…")
        self.folder_button = QPushButton("Open data folder")
        self.report_button = QPushButton("Test report…")
        self.report_button.setToolTip("A one-page report of the selected (or the latest) knee-to-wall test")
        for b in (self.export_button, self.export_history_button, self.folder_button, self.report_button):
            b.setMinimumHeight(34)
            buttons.addWidget(b)
        # one line, elided: a long path must not wrap and squeeze the table (all of it in the tooltip)
        self.status = ElidedLabel()
        buttons.addWidget(self.status, 1)
        layout.addLayout(buttons)
        self.export_button.clicked.connect(self.export_selected)
        self.export_history_button.clicked.connect(self.export_history)
        self.folder_button.clicked.connect(model.open_folder_requested.emit)
        self.report_button.clicked.connect(self.save_report)
        self.ask_report_file: Callable[[], str] = lambda: ask_report_file(self)
        model.changed.connect(self.refresh)
        settings.changed.connect(self.refresh)
        self.refresh()

    def selected_session(self) -> int | None:
        item = selected_first_item(self.table)
        return None if item is None else int(item.text())

    def export_selected(self) -> None:
        sid = self.selected_session()
        if sid is None:
            self.status.setText("Select a session first.")
            return
        folder = self.ask_folder()
        if folder:
            self.model.export_session_requested.emit(sid, folder)

    def save_report(self) -> None:
        """The report of the selected session's test, or of the latest test."""
        path = self.ask_report_file()
        if path:
            self.model.report_requested.emit(self.selected_session() or 0, path)

    def export_history(self) -> None:
        folder = self.ask_folder()
        if folder:
            self.model.export_history_requested.emit(folder)

    def _draw_bands(self, scale: float) -> None:
        item = self.plot.getPlotItem()
        for it in self._band_items:
            item.removeItem(it)
        self._band_items = []
        for lo, hi, label, color in _cm_bands():
            brush = QColor(color)
            brush.setAlpha(40)
            region = pg.LinearRegionItem(values=(lo / scale, hi / scale), orientation="horizontal", movable=False)
            region.setBrush(brush)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
            region.setZValue(-10)
            item.addItem(region)
            text = pg.TextItem(label, color=color, anchor=(0, 0.5))
            font = QFont(text.textItem.font())
            font.setBold(True)
            text.setFont(font)
            item.addItem(text, ignoreBounds=True)
            self._band_items += [region, text]

    def refresh(self) -> None:
        m = self.model
        inch = self.settings.units == "in"
        scale = CM_PER_IN if inch else 1.0
        self.plot.getPlotItem().setLabel("left", "toe to wall", units="in" if inch else "cm")
        self._draw_bands(scale)
        first: dt.datetime | None = None
        latest: dict[str, dict[str, Any]] = {}
        all_x: list[float] = []
        for side, curve in self.curves.items():
            xs, ys = [], []
            for r in m.tests:
                when = parse_time(r.get("taken_at", ""))
                cm = r.get("toe_to_wall_cm")
                if when is None or r.get("side") != side or cm is None:
                    continue
                first = when if first is None or when < first else first
                xs.append(when.timestamp())
                ys.append(cm / scale)
                latest[side] = r
            curve.setData(xs, ys)
            all_x += xs
        pad_s = 4 * 86400.0  # four days either side of the tests; the band labels sit in the left margin
        x0, x1 = (min(all_x) - pad_s, max(all_x) + pad_s) if all_x else (time.time() - 21 * 86400.0, time.time())
        self.plot.setXRange(x0, x1, padding=0)
        for (lo, hi, _label, _color), it in zip(_cm_bands(), self._band_items[1::2], strict=True):
            it.setPos(x0, (lo + hi) / 2 / scale)
        self.plot.setYRange(CHART_CM[0] / scale, CHART_CM[1] / scale, padding=0)
        self.program_text.setText(program_text(first, dt.datetime.now(dt.UTC)))
        parts = []
        for side in ("left", "right"):
            last = latest.get(side)
            if last:
                parts.append(
                    f"{side.title()}: {last.get('angle_deg') or 0:.1f}° · "
                    f"{self.settings.format_length(last.get('toe_to_wall_cm'))} · {last.get('band') or '–'}"
                )
        self.latest_text.setText("Latest: " + "<br>".join(parts) if parts else "No test yet.")
        tests_of: dict[Any, list[dict[str, Any]]] = {}
        for r in m.tests:
            tests_of.setdefault(r.get("session_id"), []).append(r)
        self.table.setRowCount(len(m.sessions))
        for row, s in enumerate(reversed(m.sessions)):
            when = parse_time(s.get("started_at", ""))
            cells = (
                str(s.get("id")),
                "–" if when is None else when.astimezone().strftime("%Y-%m-%d %H:%M"),
                str(s.get("drill", "")),
                str(s.get("side", "")),
                f"{float(s.get('duration_s') or 0):.0f} s",
                str(s.get("samples", "")),
                session_result(s, tests_of.get(s.get("id"), []), self.settings.format_length),
            )
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        if m.last_export:
            folder = str(Path(m.last_export[0]).parent)
            n = len(m.last_export)
            self.status.setText(f"Exported {n} file{'' if n == 1 else 's'} to {folder}", "\n".join(m.last_export))
        else:
            self.status.setText(f"Data folder: {m.data_folder}" if m.data_folder else "")


def _cm_bands() -> list[tuple[float, float, str, str]]:
    """(lo cm, hi cm, label, colour) of each knee-to-wall band, cut to the chart's axis."""
    los = [CHART_CM[0]] + [b.hi_cm for b in BANDS[:-1]]
    return [(lo, min(b.hi_cm, CHART_CM[1]), b.label, b.color) for lo, b in zip(los, BANDS, strict=True)]
