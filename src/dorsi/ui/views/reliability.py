"""Reliability study: mark repeated knee-to-wall tests of one person's side, see ICC, SEM, MDC95, Bland–Altman.

The view lists the knee-to-wall sessions; selecting two or more of one person's side and pressing
"Mark as repeats" asks the app to mark them (test–retest, or inter-rater with a rater per session).
The app fills the model with the statistics over every marked group of the chosen design
(dorsi.report.study) and the Bland–Altman plot as an image.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dorsi.ui.study_model import DESIGNS, StudyModel
from dorsi.ui.views.common import Card, read_only_table, screen, text_label


class ReliabilityView(QWidget):
    COLUMNS = ("#", "Started", "Side", "Best angle", "Toe to wall", "Repeat group")

    def __init__(self, model: StudyModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        layout = screen(
            self,
            "Reliability study",
            "Select one person's repeated knee-to-wall tests of one side and mark them as repeats. The"
            " statistics use every marked group of the design chosen: two or more people (or sides) are needed.",
            14,
        )
        body = QHBoxLayout()
        left = QVBoxLayout()
        self.table = read_only_table(self.COLUMNS, QAbstractItemView.SelectionMode.ExtendedSelection, stretch=None)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)  # the stretch shares
        self.table.setMinimumWidth(360)
        left.addWidget(self.table, 1)
        controls = QHBoxLayout()
        self.design = QComboBox()
        for key, label in DESIGNS:
            self.design.addItem(label, key)
        self.raters = QLineEdit()
        self.raters.setPlaceholderText("raters, e.g. Ana, Ben")
        self.raters.setMinimumWidth(120)
        self.mark_button = QPushButton("Mark as repeats")
        self.unmark_button = QPushButton("Unmark")
        for w in (self.design, self.raters, self.mark_button, self.unmark_button):
            w.setMinimumHeight(32)
            controls.addWidget(w)
        left.addLayout(controls)
        body.addLayout(left, 2)
        card = Card("Statistics")
        self.stats = read_only_table(["", "best angle", "toe to wall"], stretch=None)
        self.stats.setWordWrap(False)
        self.stats.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        card.body.addWidget(self.stats)
        self.meaning = text_label("", 12)
        card.body.addWidget(self.meaning)
        self.plot = ImageLabel()
        self.plot.setMinimumHeight(180)
        card.body.addStretch(1)
        body.addWidget(card, 3)
        layout.addLayout(body, 3)
        layout.addWidget(self.plot, 2)
        self.status = text_label("", 14)
        layout.addWidget(self.status)
        self.design.currentIndexChanged.connect(self._design_changed)
        self.mark_button.clicked.connect(self.mark_selected)
        self.unmark_button.clicked.connect(self.unmark_selected)
        model.changed.connect(self.refresh)
        self.refresh()

    def selected_sessions(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        items = [self.table.item(r, 0) for r in rows]
        return sorted(int(item.text()) for item in items if item is not None)

    def mark_selected(self) -> None:
        design = str(self.design.currentData())
        raters = [r.strip() for r in self.raters.text().split(",") if r.strip()] if design == "inter-rater" else []
        self.model.mark_requested.emit(self.selected_sessions(), design, raters)

    def unmark_selected(self) -> None:
        self.model.unmark_requested.emit(self.selected_sessions())

    def _design_changed(self) -> None:
        self.model.design = str(self.design.currentData())
        self.raters.setEnabled(self.model.design == "inter-rater")
        self.model.refresh_requested.emit()

    def refresh(self) -> None:
        m = self.model
        self.raters.setEnabled(m.design == "inter-rater")
        self.table.setRowCount(len(m.sessions))
        for row, s in enumerate(m.sessions):
            cm = "–" if s.toe_to_wall_cm is None else f"{s.toe_to_wall_cm:.1f} cm"
            for col, text in enumerate((str(s.id), s.started, s.side, f"{s.angle_deg:.1f}°", cm, s.group)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.stats.setRowCount(len(m.rows))
        for row, cells in enumerate(m.rows):
            for col, text in enumerate(cells):
                self.stats.setItem(row, col, QTableWidgetItem(text))
        self.stats.resizeRowsToContents()
        height = sum(self.stats.rowHeight(r) for r in range(len(m.rows)))
        scroll = self.stats.horizontalScrollBar().sizeHint().height()
        self.stats.setFixedHeight(
            self.stats.horizontalHeader().height() + height + 2 * self.stats.frameWidth() + scroll
        )
        self.meaning.setText("<br>".join(m.meanings))
        self.plot.set_image(m.plot)
        self.status.setText(m.status)


class ImageLabel(QLabel):
    """An image scaled to the label's size, kept in proportion, redrawn when the label is resized."""

    def __init__(self) -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._image: QImage | None = None

    def set_image(self, image: QImage | None) -> None:
        self._image = None if image is None or image.isNull() else image
        self._rescale()

    def _rescale(self) -> None:
        if self._image is None:
            self.clear()
            return
        pix = QPixmap.fromImage(self._image).scaled(
            self.contentsRect().size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.setPixmap(pix)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rescale()
