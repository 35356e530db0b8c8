"""Guided calibration: where to strap the sensor, quiet standing, two knee drives, the strap rotation."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout, QWidget

from dorsi.ui.models import CalibrationModel, LiveModel
from dorsi.ui.views.common import Card, heading, next_step_button, text_label
from dorsi.ui.widgets import BigNumber, LivePlot

STEPS = (
    "Strap the sensor on the front of the shin, a hand-width (about 15 cm) below the bump under the knee cap, "
    "face out, the arrow pointing to the knee. Keep this placement every time: it shifts the reading.",
    "Stand still and upright for 3 seconds.",
    "Then drive the knee slowly forward over the toes and back, twice, heel down, knee straight over the foot.",
)


class StrapPicture(QWidget):
    """A side view of the lower leg with the sensor where it belongs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(220, 300)

    def paintEvent(self, event: object) -> None:
        w, h = self.width(), self.height()
        s = min(w / 220, h / 300)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.translate((w - 220 * s) / 2, (h - 300 * s) / 2)
        p.scale(s, s)
        skin = QColor("#e3b48f")
        outline = QPen(QColor("#7a5236"), 2)
        # thigh stub, knee, shin, foot (person faces right)
        leg = QPainterPath()
        leg.moveTo(70, 0)
        leg.lineTo(120, 0)
        leg.cubicTo(128, 40, 135, 60, 128, 80)  # knee front
        leg.lineTo(118, 235)  # shin front
        leg.cubicTo(130, 250, 180, 255, 205, 268)  # top of foot
        leg.lineTo(205, 282)
        leg.lineTo(62, 282)  # sole
        leg.cubicTo(56, 262, 66, 246, 80, 238)  # heel
        leg.cubicTo(70, 180, 60, 130, 72, 95)  # calf
        leg.cubicTo(80, 60, 66, 30, 70, 0)
        p.setPen(outline)
        p.setBrush(skin)
        p.drawPath(leg)
        # tibial tuberosity marker and the 15 cm span
        p.setPen(QPen(QColor("#555555"), 1.5, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(131, 92), QPointF(175, 92))
        p.drawLine(QPointF(129, 130), QPointF(175, 130))
        p.drawLine(QPointF(168, 92), QPointF(168, 130))
        font = QFont(self.font())
        font.setPixelSize(11)
        p.setFont(font)
        p.setPen(QColor("#333333"))
        p.drawText(QRectF(150, 68, 80, 20), Qt.AlignmentFlag.AlignLeft, "knee bump")
        p.drawText(QRectF(172, 104, 60, 20), Qt.AlignmentFlag.AlignLeft, "15 cm")
        # the sensor on its strap
        p.save()
        p.translate(127, 148)
        p.rotate(-3.5)
        p.setPen(QPen(QColor("#333333"), 1))
        p.setBrush(QColor("#444444"))
        p.drawRect(QRectF(-58, -7, 62, 14))  # strap around the shin
        p.setBrush(QColor("#2f7fd8"))
        p.drawRoundedRect(QRectF(-6, -16, 14, 32), 3, 3)
        p.setPen(QPen(QColor("white"), 2))
        p.drawLine(QPointF(1, 10), QPointF(1, -8))
        p.drawLine(QPointF(1, -8), QPointF(-3, -3))
        p.drawLine(QPointF(1, -8), QPointF(5, -3))
        p.restore()
        p.setPen(QColor("#333333"))
        p.drawText(QRectF(140, 150, 80, 36), Qt.TextFlag.TextWordWrap, "sensor, arrow to the knee")
        p.end()


class CalibrateView(QWidget):
    go_to = Signal(str)  # a screen: the next step

    def __init__(self, model: CalibrationModel, live: LiveModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.live = live
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(heading("Calibrate"))
        for i, step in enumerate(STEPS, 1):
            left.addWidget(text_label(f"{i}. {step}", 15))
        left.addWidget(StrapPicture(), 1)
        layout.addLayout(left, 2)

        right = QVBoxLayout()
        progress = Card("Progress")
        grid = QGridLayout()
        grid.addWidget(text_label("Quiet standing", 15, wrap=False), 0, 0)
        self.standing_bar = QProgressBar()
        self.standing_bar.setRange(0, 100)
        self.standing_bar.setFormat("%p %")
        grid.addWidget(self.standing_bar, 0, 1)
        grid.addWidget(text_label("Knee drives", 15, wrap=False), 1, 0)
        self.drives_label = text_label("○ ○", 24, bold=True, wrap=False)
        grid.addWidget(self.drives_label, 1, 1)
        progress.body.addLayout(grid)
        self.phase_label = text_label("", 17, bold=True)
        progress.body.addWidget(self.phase_label)
        right.addWidget(progress)
        self.number = BigNumber()
        self.number.setMinimumHeight(100)
        right.addWidget(self.number, 1)
        self.plot = LivePlot(live, span_s=15.0)
        self.plot.setMinimumHeight(160)
        right.addWidget(self.plot, 2)
        result = Card("Result")
        self.result_label = text_label("", 15)
        result.body.addWidget(self.result_label)
        self.redo_button = QPushButton("Redo calibration")
        self.redo_button.setMinimumHeight(36)
        self.redo_button.clicked.connect(model.start_requested.emit)
        result.body.addWidget(self.redo_button)
        self.next_button = next_step_button()
        self.next_button.setText("Next: Knee-to-wall test →")
        self.next_button.clicked.connect(lambda: self.go_to.emit("Knee-to-wall"))
        result.body.addWidget(self.next_button)
        right.addWidget(result)
        layout.addLayout(right, 3)
        self.plot.timer.timeout.connect(self._frame)
        model.changed.connect(self.refresh)
        self.refresh()

    def _frame(self) -> None:
        self.number.set_value(self.live.current_inclination_deg())

    def refresh(self) -> None:
        m = self.model
        frac = 0.0 if m.standing_needed_s <= 0 else min(1.0, m.standing_s / m.standing_needed_s)
        self.standing_bar.setValue(100 if m.phase in ("drives", "done") else int(100 * frac))
        dots = ["●" if i < m.drives_seen else "○" for i in range(m.drives_needed)]
        self.drives_label.setText(" ".join(dots))
        self.phase_label.setText(
            {
                "idle": "Connect a sensor to start.",
                "standing": "Stand still…",
                "drives": f"Now drive the knee forward and back ({m.drives_seen} of {m.drives_needed}).",
                "done": "Calibrated ✓",
                "failed": "Calibration not found — press Redo and follow the steps.",
            }.get(m.phase, m.phase)
        )
        if m.phase == "done" and m.strap_rotation_deg is not None:
            text = (
                f"Strap rotation {m.strap_rotation_deg:+.1f}° (0° = sensor straight on the front of the shin); "
                f"standing shin angle {m.standing_inclination_deg or 0.0:.1f}°."
            )
            if m.axis_spread_deg is not None:
                text += f" The two drives agreed within {m.axis_spread_deg:.1f}°."
        else:
            text = m.message or "Not calibrated yet."
        self.result_label.setText(text)
        self.next_button.setVisible(m.phase == "done")
