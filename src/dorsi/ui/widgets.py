"""Reusable widgets: the big number, the hold ring, the live trace with its bands, a state badge."""

from __future__ import annotations

import math
import time
from collections import deque
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen, QResizeEvent
from PySide6.QtWidgets import QGraphicsItem, QLabel, QSizePolicy, QWidget

from dorsi.ui.models import COL_INCLINATION, Band, LiveModel
from dorsi.ui.ring import F64

FRAME_INTERVAL_MS = 33  # ~30 fps; the plot never redraws faster than 60 fps
TRACE_WIDTH_PX = 3  # the live trace, thick enough to follow from a few metres
DONE_COLOR = "#2e9d4f"
FLASH_MS = 900  # a visual cue: long enough to be seen from across the room, gone before the next rep


def flash_timer(widget: QWidget) -> QTimer:
    """A single-shot timer that repaints ``widget`` when its flash ends (``isActive()``: lit)."""
    timer = QTimer(widget)
    timer.setSingleShot(True)
    timer.timeout.connect(widget.update)
    return timer


class BigNumber(QWidget):
    """A number drawn as large as its box allows: readable from across the room.

    It paints its own text with a font sized to the widget, so a style sheet
    applied later (the theme switch) cannot shrink it, and a frame repaints
    only when the shown text changes. With no value it shows a placeholder
    (what is missing and what to do), in the muted colour and at a size
    for reading, not a giant dash.
    """

    def __init__(self, suffix: str = "°", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.suffix = suffix
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(120)
        self.setObjectName("bigNumber")
        self._value_text = ""
        self.placeholder = ("No sensor connected", "")

    def text(self) -> str:
        """What is shown: the value, or the placeholder's first line."""
        return self._value_text or self.placeholder[0]

    def set_value(self, value: float | None) -> None:
        text = "" if value is None or not math.isfinite(value) else f"{value:.1f}{self.suffix}"
        if text != self._value_text:
            self._value_text = text
            self.update()

    def set_placeholder(self, title: str, detail: str = "") -> None:
        if (title, detail) != self.placeholder:
            self.placeholder = (title, detail)
            if not self._value_text:
                self.update()

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        font = QFont(self.font())
        font.setBold(True)
        if self._value_text:
            # "−38.4°" (6 characters) must fit the width; the height caps it
            font.setPixelSize(max(24, int(min(self.height() * 0.78, self.width() / 3.6))))
            p.setFont(font)
            p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._value_text)
        else:
            title, detail = self.placeholder
            font.setPixelSize(max(16, min(30, int(self.width() / 16))))
            p.setFont(font)
            p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            box = self.rect().adjusted(8, 0, -8, 0)
            flags = Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap
            title_h = p.boundingRect(box, flags, title).height()
            small = QFont(font)
            small.setBold(False)
            small.setPixelSize(max(13, font.pixelSize() * 3 // 5))
            p.setFont(small)
            detail_h = p.boundingRect(box, flags, detail).height() if detail else 0
            top = box.top() + (box.height() - title_h - detail_h) // 2
            p.drawText(box.adjusted(0, top + title_h, 0, 0), flags, detail)
            p.setFont(font)
            p.drawText(box.adjusted(0, top, 0, 0), flags, title)
        p.end()


class HoldRing(QWidget):
    """A ring that fills as the hold approaches its target; full and green when reached."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hold_s = 0.0
        self.target_s = 0.0
        self.setMinimumSize(160, 160)
        self._flash = flash_timer(self)

    @property
    def flashing(self) -> bool:
        return self._flash.isActive()

    def flash(self) -> None:
        """The visual hold-done cue (with the tone, or instead of it when there is no sound)."""
        self._flash.start(FLASH_MS)
        self.update()

    def stop_flash(self) -> None:
        self._flash.stop()
        self.update()

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
        if self.flashing:
            glow = QColor(DONE_COLOR)
            glow.setAlpha(90)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(glow)
            p.drawEllipse(rect)
        track = QColor(self.palette().color(self.foregroundRole()))
        track.setAlpha(40)
        p.setPen(QPen(track, pen_w, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        p.drawEllipse(rect.adjusted(pen_w / 2, pen_w / 2, -pen_w / 2, -pen_w / 2))
        done = self.fraction >= 1.0 or self.flashing
        color = QColor(DONE_COLOR if done else "#2f7fd8")
        p.setPen(QPen(color, pen_w, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        inner = rect.adjusted(pen_w / 2, pen_w / 2, -pen_w / 2, -pen_w / 2)
        p.drawArc(inner, 90 * 16, -int((1.0 if self.flashing else self.fraction) * 360 * 16))
        p.setPen(self.palette().color(self.foregroundRole()))
        font = QFont(self.font())
        font.setPixelSize(max(12, int(side * 0.16)))
        font.setBold(True)
        p.setFont(font)
        if self.flashing:
            label = "✓ done"
        else:
            label = "no hold" if self.target_s <= 0 else f"{self.hold_s:.1f} / {self.target_s:.0f} s"
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        p.end()


def peak_decimate(time_s: F64, values: F64, bins: int) -> tuple[F64, F64]:
    """At most ``2 × bins`` points: each bin's minimum and maximum in time order (the newest sample kept).

    A wide anti-aliased line costs per vertex, so the trace gets about one
    vertex per pixel column; min/max per column keeps every peak visible.
    """
    n = len(time_s)
    if bins < 1 or n <= 2 * bins:
        return time_s, values
    k = -(-n // bins)  # samples per bin (ceil): at most ``bins`` bins
    m = (n // k) * k  # whole bins, counted back from the newest sample
    t = time_s[n - m :].reshape(-1, k)
    v = values[n - m :].reshape(-1, k)
    lo, hi = v.argmin(axis=1), v.argmax(axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    rows = np.arange(len(v))
    out_t = np.column_stack([t[rows, first], t[rows, second]]).ravel()
    out_v = np.column_stack([v[rows, first], v[rows, second]]).ravel()
    return out_t, out_v


class LivePlot(pg.PlotWidget):
    """The live shin-angle trace: reads the ring buffer on a frame timer; curve created once.

    Each frame copies only the visible span out of the ring (clip to view) and
    decimates it to the plot's pixel width (peak mode), so a frame costs the
    same however long the session; the axes, grid and bands are cached as
    pixmaps, so a frame repaints the curve over them. ``frame_times_s`` keeps
    the last frames' durations (ring copy + setData; the paint is measured by
    benchmarks/bench_app.py).
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
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setLabel("left", "shin angle", units="°")
        item.setLabel("bottom", "time", units="s")
        item.setMouseEnabled(x=False, y=False)
        for name in ("left", "bottom"):  # static between range changes: paint from a pixmap
            axis = item.getAxis(name)
            axis.setStyle(maxTickLevel=1)  # grid at major and minor ticks only: calm behind the bands
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setYRange(-5, 60, padding=0)
        self.setXRange(-span_s, 0, padding=0)
        pen = pg.mkPen("#2f7fd8", width=TRACE_WIDTH_PX)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)
        self.curve = item.plot(pen=pen, skipFiniteCheck=True)
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
        # neighbouring bands' labels on alternate sides: a narrow band (moderate restriction is 2.5° tall,
        # less than its label) put its label over the next band's when both sat on the left
        for k, b in enumerate(sorted(bands, key=lambda band: band.lo_deg)):
            color = QColor(b.color)
            color.setAlpha(45)
            region = pg.LinearRegionItem(
                values=(b.lo_deg, b.hi_deg), orientation="horizontal", movable=False, brush=color
            )
            region.setZValue(-10)
            region.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
            item.addItem(region)
            right = k % 2 == 1
            label = pg.TextItem(b.label, color=b.color, anchor=(1, 1) if right else (0, 1))
            font = QFont(label.textItem.font())
            font.setPixelSize(14)
            font.setBold(True)
            label.setFont(font)
            label.setPos(0.0 if right else -self.span_s, max(b.lo_deg, -5.0))
            label.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
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
                angle = np.ascontiguousarray(v[:, COL_INCLINATION])
                x, y = peak_decimate(t - t[-1], angle, max(50, int(self.plotItem.vb.width()) // 3))
                self.curve.setData(x, y, skipFiniteCheck=True)
                peak = float(np.max(angle))
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


class CueLamp(QWidget):
    """A round lamp that lights for a moment: the visual cue beside "Test sound"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(22, 22)
        self._flash = flash_timer(self)

    @property
    def lit(self) -> bool:
        return self._flash.isActive()

    def light(self) -> None:
        self._flash.start(FLASH_MS)
        self.update()

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        off = QColor(self.palette().color(QPalette.ColorRole.WindowText))
        off.setAlpha(40)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(DONE_COLOR) if self.lit else off)
        p.drawEllipse(QRectF(2, 2, self.width() - 4, self.height() - 4))
        p.end()


class ElidedLabel(QLabel):
    """One line that never widens or heightens its row: the text is elided to fit, all of it in the tooltip."""

    def __init__(self, text: str = "", mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__()
        self._full = ""
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(40)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setText(text)

    def text(self) -> str:
        return self._full

    def setText(self, text: str, tooltip: str | None = None) -> None:
        self._full = text
        self.setToolTip(text if tooltip is None else tooltip)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        super().setText(self.fontMetrics().elidedText(self._full, self._mode, width) if width else self._full)
