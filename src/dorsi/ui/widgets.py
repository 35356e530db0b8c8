"""Reusable widgets: the big number, the hold ring, the live trace with its bands, a state badge."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from dorsi.ui.models import COL_INCLINATION, LiveModel

FRAME_INTERVAL_MS = 33  # ~30 fps; the plot never redraws faster than 60 fps


@dataclass(frozen=True)
class Band:
    lo_deg: float
    hi_deg: float
    label: str
    color: str  # "#rrggbb"


class BigNumber(QLabel):
    """A number that scales its font with the widget: readable from across the room."""

    def __init__(self, suffix: str = "°", parent: QWidget | None = None) -> None:
        super().__init__("–", parent)
        self.suffix = suffix
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(120)
        self.setObjectName("bigNumber")
        self._value: float | None = None

    def set_value(self, value: float | None) -> None:
        text = "–" if value is None or not math.isfinite(value) else f"{value:.1f}{self.suffix}"
        if text != self.text():
            self.setText(text)
        self._value = value

    def resizeEvent(self, event: QResizeEvent) -> None:
        font = QFont(self.font())
        # 5 characters ("38.4°") must fit the width; the height caps it
        px = int(min(self.height() * 0.8, self.width() / 3.2))
        font.setPixelSize(max(24, px))
        font.setBold(True)
        self.setFont(font)
        super().resizeEvent(event)


class HoldRing(QWidget):
    """A ring that fills as the hold approaches its target; full and green when reached."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hold_s = 0.0
        self.target_s = 0.0
        self.setMinimumSize(160, 160)

    def set_hold(self, hold_s: float, target_s: float) -> None:
        if (round(hold_s, 2), target_s) != (round(self.hold_s, 2), self.target_s):
            self.hold_s, self.target_s = hold_s, target_s
            self.update()

    @property
    def fraction(self) -> float:
        return 0.0 if self.target_s <= 0 else min(1.0, self.hold_s / self.target_s)

    def paintEvent(self, event: object) -> None:
        side = min(self.width(), self.height()) - 16
        rect = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        pen_w = max(8.0, side * 0.09)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QColor(self.palette().color(self.foregroundRole()))
        track.setAlpha(40)
        p.setPen(QPen(track, pen_w, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        p.drawEllipse(rect.adjusted(pen_w / 2, pen_w / 2, -pen_w / 2, -pen_w / 2))
        done = self.fraction >= 1.0
        color = QColor("#2e9d4f" if done else "#2f7fd8")
        p.setPen(QPen(color, pen_w, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        inner = rect.adjusted(pen_w / 2, pen_w / 2, -pen_w / 2, -pen_w / 2)
        p.drawArc(inner, 90 * 16, -int(self.fraction * 360 * 16))
        p.setPen(self.palette().color(self.foregroundRole()))
        font = QFont(self.font())
        font.setPixelSize(max(12, int(side * 0.16)))
        font.setBold(True)
        p.setFont(font)
        label = "no hold" if self.target_s <= 0 else f"{self.hold_s:.1f} / {self.target_s:.0f} s"
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        p.end()


class LivePlot(pg.PlotWidget):
    """The live shin-angle trace: reads the ring buffer on a frame timer; curve created once.

    Downsampling (peak mode) and clip-to-view keep a frame cheap however long
    the window; ``frame_times_s`` keeps the last frames' durations for the
    benchmark and the FPS readout.
    """

    def __init__(self, live: LiveModel, span_s: float = 20.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live = live
        self.span_s = span_s
        self.frame_times_s: deque[float] = deque(maxlen=4096)
        self.frames = 0
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("left", "shin angle", units="°")
        item.setLabel("bottom", "time", units="s")
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.setMouseEnabled(x=False, y=False)
        self.setYRange(-5, 60, padding=0)
        self.setXRange(-span_s, 0, padding=0)
        self.curve = item.plot(pen=pg.mkPen("#2f7fd8", width=3))
        self._bands: list[pg.LinearRegionItem] = []
        self._band_labels: list[pg.TextItem] = []
        self._last_total = -1
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.refresh)
        live.reset.connect(self._on_reset)

    def start(self) -> None:
        self.timer.start(FRAME_INTERVAL_MS)

    def stop(self) -> None:
        self.timer.stop()

    def set_bands(self, bands: list[Band]) -> None:
        item = self.getPlotItem()
        for region in self._bands:
            item.removeItem(region)
        for text in self._band_labels:
            item.removeItem(text)
        self._bands, self._band_labels = [], []
        for b in bands:
            color = QColor(b.color)
            color.setAlpha(45)
            region = pg.LinearRegionItem(
                values=(b.lo_deg, b.hi_deg), orientation="horizontal", movable=False, brush=color
            )
            region.setZValue(-10)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
            item.addItem(region)
            label = pg.TextItem(b.label, color=b.color, anchor=(0, 1))
            label.setPos(-self.span_s, b.lo_deg)
            item.addItem(label)
            self._bands.append(region)
            self._band_labels.append(label)

    def _on_reset(self) -> None:
        self._last_total = -1
        self.curve.setData([], [])

    def refresh(self) -> None:
        """One frame: copy the visible window out of the ring and hand it to the curve."""
        t0 = time.perf_counter()
        ring = self.live.ring
        if ring.total_written != self._last_total:
            self._last_total = ring.total_written
            t, v = ring.window(self.span_s)
            if len(t):
                self.curve.setData(t - t[-1], v[:, COL_INCLINATION], skipFiniteCheck=True)
                peak = float(np.max(v[:, COL_INCLINATION])) if len(v) else 0.0
                top = max(60.0, math.ceil((peak + 5.0) / 10.0) * 10.0)
                if abs(self.getPlotItem().viewRange()[1][1] - top) > 0.5:
                    self.setYRange(-5, top, padding=0)
        self.frames += 1
        self.frame_times_s.append(time.perf_counter() - t0)


class StateBadge(QLabel):
    """Connection state as a coloured pill: always visible in the status bar."""

    COLORS: ClassVar[dict[str, str]] = {
        "streaming": "#2e9d4f",
        "connecting": "#d8a02f",
        "reconnecting": "#d8702f",
        "scanning": "#2f7fd8",
        "lost": "#c0392b",
        "disconnected": "#7f8c8d",
    }

    def set_state(self, state: str, text: str) -> None:
        color = self.COLORS.get(state, "#7f8c8d")
        self.setText(f"  ● {text}  ")
        self.setStyleSheet(f"QLabel {{ color: white; background: {color}; border-radius: 9px; padding: 2px 6px; }}")
