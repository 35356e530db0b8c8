"""Small helpers shared by the screens."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QButtonGroup,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dorsi.ui.models import LiveModel

SIDE_LABEL = {"left": "Left", "right": "Right"}


def read_only_table(
    columns: Sequence[str], select: QAbstractItemView.SelectionMode | None = None, stretch: int | None = -1
) -> QTableWidget:
    """A table the user reads (and with ``select``, picks whole rows in): no row numbers, columns sized to
    their contents, column ``stretch`` (the last by default, None: none) taking the spare width."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if select is not None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(select)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch % len(columns), QHeaderView.ResizeMode.Stretch)
    return table


def heading(text: str, size_px: int = 26) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPixelSize(size_px)
    font.setBold(True)
    label.setFont(font)
    return label


def screen(view: QWidget, title: str, intro: str | None = None, intro_px: int = 15) -> QVBoxLayout:
    """A screen's column: its heading, then (if given) the short text saying what the screen is for."""
    layout = QVBoxLayout(view)
    layout.addWidget(heading(title))
    if intro is not None:
        layout.addWidget(text_label(intro, intro_px))
    return layout


def title_row(title: str) -> QHBoxLayout:
    """A screen's top row: its heading on the left; what the caller adds next sits on the right."""
    top = QHBoxLayout()
    top.addWidget(heading(title))
    top.addStretch(1)
    return top


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


def side_buttons(parent: QWidget, row: QBoxLayout, pick: Callable[[str], None]) -> dict[str, QPushButton]:
    """The leg as two checkable buttons, "Left (L)" and "Right (R)": the keys are written on them."""
    group = QButtonGroup(parent)
    buttons: dict[str, QPushButton] = {}
    for side, key in (("left", "L"), ("right", "R")):
        b = QPushButton(f"{SIDE_LABEL[side]} ({key})")
        b.setCheckable(True)
        b.setMinimumHeight(40)
        b.setMinimumWidth(110)
        b.setToolTip(f"{SIDE_LABEL[side]} leg (key {key})")
        b.clicked.connect(lambda _checked=False, s=side: pick(s))
        group.addButton(b)
        buttons[side] = b
        row.addWidget(b)
    return buttons


def row_button(row: QBoxLayout, text: str, clicked: Callable[[], object]) -> QPushButton:
    """A tall push button at the end of a screen's top row, doing ``clicked``."""
    b = QPushButton(text)
    b.setMinimumHeight(40)
    b.clicked.connect(lambda _checked=False: clicked())
    row.addWidget(b)
    return b


class LiveScreen(QWidget):
    """A screen run on the live stream: its top row holds the heading, the leg buttons and Start/Stop."""

    def __init__(
        self, live: LiveModel, title: str, pick_side: Callable[[str], None], run_text: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.live = live
        self.screen_layout = QVBoxLayout(self)
        self.top_row = title_row(title)
        self.side_buttons = side_buttons(self, self.top_row, pick_side)
        self.run_button = row_button(self.top_row, run_text, self.toggle_running)
        self.screen_layout.addLayout(self.top_row)

    def toggle_running(self) -> None:
        raise NotImplementedError


def next_step_button() -> QPushButton:
    """A large button that takes the person to the next step (hidden until there is one)."""
    b = QPushButton()
    b.setObjectName("nextStep")
    b.setMinimumHeight(44)
    b.setStyleSheet(
        "QPushButton#nextStep { background: #2e9d4f; color: white; font-size: 16px; font-weight: bold; "
        "border: none; border-radius: 6px; padding: 6px 18px; }"
        "QPushButton#nextStep:hover { background: #278a45; }"
    )
    b.setVisible(False)
    return b
