"""Small helpers shared by the screens."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFileDialog, QFrame, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget


def heading(text: str, size_px: int = 26) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPixelSize(size_px)
    font.setBold(True)
    label.setFont(font)
    return label


def text_label(text: str = "", size_px: int = 15, bold: bool = False, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPixelSize(size_px)
    font.setBold(bold)
    label.setFont(font)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def selected_first_item(table: QTableWidget) -> QTableWidgetItem | None:
    """The first-column item of the first selected row, if any."""
    rows = table.selectionModel().selectedRows()
    return table.item(rows[0].row(), 0) if rows else None


class Card(QFrame):
    """A framed box with a title."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(14, 10, 14, 12)
        self.title = heading(title, 17)
        self.body.addWidget(self.title)


def fmt_deg(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}°"


def ask_report_file(parent: QWidget) -> str:
    """Where to save a test report ("" if cancelled); .pdf unless HTML is chosen."""
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Save the test report", "dorsi-report.pdf", "PDF (*.pdf);;HTML (*.html)"
    )
    if path and not path.lower().endswith((".pdf", ".html", ".htm")):
        path += ".html" if "html" in chosen.lower() else ".pdf"
    return path
