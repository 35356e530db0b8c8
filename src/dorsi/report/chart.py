"""Small static charts drawn with QPainter: the report's trend and the Bland–Altman plot.

One drawing for every output (the PDF, the HTML's PNG, ``--plot FILE.png``, the app's view), with
a fixed font and no dependence on the screen, so the same data give the same pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF

FONT_FAMILY = "DejaVu Sans"  # fixed: the document must not follow the desktop's font (falls back if absent)
INK = "#222222"
GRID = "#d9d9d9"


@dataclass(frozen=True)
class Series:
    label: str
    color: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    marker: str = "circle"  # circle | triangle
    line: bool = True


@dataclass(frozen=True)
class HLine:
    y: float
    label: str
    color: str = INK
    dashed: bool = True


@dataclass(frozen=True)
class Region:
    lo: float
    hi: float
    label: str
    color: str


@dataclass(frozen=True)
class Chart:
    x_label: str
    y_label: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    series: tuple[Series, ...] = ()
    lines: tuple[HLine, ...] = ()
    regions: tuple[Region, ...] = ()
    title: str = ""
    x_ticks: tuple[float, ...] = field(default=())  # empty: chosen from the range


def nice_ticks(lo: float, hi: float, count: int = 6) -> tuple[float, ...]:
    """Round tick values (1, 2, 5 × 10^n apart) covering lo..hi."""
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return (lo,)
    raw = span / max(count - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    n = math.floor((hi - first) / step + 1e-9) + 1
    return tuple(round(first + i * step, 10) for i in range(n))


def padded_range(values: Sequence[float], pad_frac: float = 0.12, min_span: float = 1.0) -> tuple[float, float]:
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    span = max(hi - lo, min_span)
    mid = 0.5 * (lo + hi)
    return mid - span * (0.5 + pad_frac), mid + span * (0.5 + pad_frac)


def _font(px: float, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(max(1, round(px)))
    font.setBold(bold)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v) >= 1e-9 else "0"


def paint(chart: Chart, p: QPainter, rect: QRectF) -> None:
    """Draw the chart into rect (any paint device; sizes scale with the rect's height)."""
    u = rect.height() / 100.0  # one unit = 1 % of the height
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.fillRect(rect, QColor("white"))
    small, normal = _font(4.2 * u), _font(4.8 * u)
    top = rect.top() + (9.0 * u if chart.title else 3.0 * u)
    plot = QRectF(rect.left() + 17.0 * u, top, rect.width() - 20.0 * u, rect.bottom() - 12.0 * u - top)
    (x0, x1), (y0, y1) = chart.x_range, chart.y_range

    def px(x: float) -> float:
        return plot.left() + (x - x0) / (x1 - x0) * plot.width()

    def py(y: float) -> float:
        return plot.bottom() - (y - y0) / (y1 - y0) * plot.height()

    if chart.title:
        p.setFont(_font(5.2 * u, bold=True))
        p.setPen(QColor(INK))
        p.drawText(QRectF(rect.left(), rect.top(), rect.width(), 8.0 * u), Qt.AlignmentFlag.AlignCenter, chart.title)
    p.setClipRect(plot)
    for reg in chart.regions:
        color = QColor(reg.color)
        color.setAlpha(45)
        lo, hi = max(reg.lo, y0), min(reg.hi, y1)
        if hi > lo:
            p.fillRect(QRectF(plot.left(), py(hi), plot.width(), py(lo) - py(hi)), color)
            p.setFont(small)
            p.setPen(QColor(reg.color))
            p.drawText(QPointF(plot.left() + 1.5 * u, py(hi) + 4.6 * u), reg.label)
    p.setClipping(False)
    # grid and axes
    p.setFont(small)
    for y in nice_ticks(y0, y1):
        p.setPen(QPen(QColor(GRID), 0.25 * u))
        p.drawLine(QPointF(plot.left(), py(y)), QPointF(plot.right(), py(y)))
        p.setPen(QColor(INK))
        p.drawText(
            QRectF(rect.left() + 6.0 * u, py(y) - 3 * u, 10.0 * u, 6 * u),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            _fmt(y),
        )
    for x in chart.x_ticks or nice_ticks(x0, x1, 8):
        p.setPen(QColor(INK))
        p.drawText(QRectF(px(x) - 8 * u, plot.bottom() + 1 * u, 16 * u, 5 * u), Qt.AlignmentFlag.AlignCenter, _fmt(x))
    p.setPen(QPen(QColor(INK), 0.3 * u))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(plot)
    p.setFont(normal)
    p.drawText(
        QRectF(plot.left(), rect.bottom() - 6.5 * u, plot.width(), 6 * u), Qt.AlignmentFlag.AlignCenter, chart.x_label
    )
    p.save()
    p.translate(rect.left() + 1.0 * u, plot.center().y())
    p.rotate(-90)
    p.drawText(QRectF(-plot.height() / 2, 0, plot.height(), 5.5 * u), Qt.AlignmentFlag.AlignCenter, chart.y_label)
    p.restore()
    # reference lines, then the data
    p.setClipRect(plot)
    for line in chart.lines:
        pen = QPen(QColor(line.color), 0.35 * u)
        if line.dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawLine(QPointF(plot.left(), py(line.y)), QPointF(plot.right(), py(line.y)))
        p.setFont(small)
        p.drawText(
            QRectF(plot.left(), py(line.y) - 5.2 * u, plot.width() - 1.5 * u, 5 * u),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
            line.label,
        )
    for s in chart.series:
        color = QColor(s.color)
        pts = [QPointF(px(x), py(y)) for x, y in zip(s.xs, s.ys, strict=True)]
        if s.line and len(pts) > 1:
            p.setPen(QPen(color, 0.5 * u))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPolyline(QPolygonF(pts))
        for pt in pts:
            _marker(p, pt, s.marker, color, 1.6 * u)
    p.setClipping(False)
    # legend, top right
    p.setFont(small)
    y = plot.top() + 2.0 * u
    for s in chart.series:
        if not s.label:
            continue
        w = p.fontMetrics().horizontalAdvance(s.label)
        x = plot.right() - w - 2.0 * u
        _marker(p, QPointF(x - 3.0 * u, y + 2.0 * u), s.marker, QColor(s.color), 1.4 * u)
        p.setPen(QColor(INK))
        p.drawText(QPointF(x, y + 3.6 * u), s.label)
        y += 5.0 * u
    p.restore()


def _marker(p: QPainter, at: QPointF, kind: str, color: QColor, r: float) -> None:
    p.setPen(QPen(color, r * 0.45))
    if kind == "triangle":
        path = QPainterPath()
        path.moveTo(at.x(), at.y() - r * 1.2)
        path.lineTo(at.x() + r * 1.1, at.y() + r * 0.8)
        path.lineTo(at.x() - r * 1.1, at.y() + r * 0.8)
        path.closeSubpath()
        p.setBrush(QBrush(color))
        p.drawPath(path)
    else:
        p.setBrush(QBrush(QColor("white")))
        p.drawEllipse(at, r, r)


def image(charts: Sequence[Chart], width_px: int, height_px: int) -> QImage:
    """The charts side by side, left to right, in one white image (the Bland–Altman plot: angle and cm)."""
    img = QImage(width_px, height_px, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    try:
        w = width_px / max(len(charts), 1)
        for i, c in enumerate(charts):
            paint(c, p, QRectF(i * w, 0, w, height_px))
    finally:
        p.end()
    return img


def png_bytes(img: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")  # type: ignore[call-overload]  # the stubs say bytes, the binding wants str
    buf.close()
    return bytes(data.data())
