"""The message bar: one line in the status bar, so a message never moves what is on screen.

An error (red) stays until dismissed; a warning (amber) stays until its
condition ends (e.g. "connect a sensor first" goes when a sensor streams) or
it is dismissed; a note (plain) goes after a few seconds. Alerts stack: when
the shown one goes, the one before it (if still true) comes back. Long text
is elided, all of it in the tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QToolButton, QWidget

from dorsi.ui.widgets import ElidedLabel

BAR_HEIGHT_PX = 26
NOTE_MS = 8000
LEVEL_COLORS = {"error": "#c0392b", "warn": "#b9770e"}


class MessageBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedHeight(BAR_HEIGHT_PX)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 0, 0, 0)
        row.setSpacing(6)
        self.alert = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        self.alert.setFixedHeight(BAR_HEIGHT_PX - 2)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.setFixedSize(BAR_HEIGHT_PX - 2, BAR_HEIGHT_PX - 2)
        self.close_button.clicked.connect(self.dismiss)
        self.note = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        row.addWidget(self.alert, 3)
        row.addWidget(self.close_button)
        row.addWidget(self.note, 2)
        self._alerts: list[tuple[str, str, str]] = []  # (key, level, text), newest last
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.timeout.connect(lambda: self.note.setText(""))
        self._show_alert()

    # alerts --------------------------------------------------------------------------
    def show_alert(self, text: str, level: str = "error", condition: str = "") -> None:
        """Show ``text``; with a ``condition`` it replaces that condition's earlier alert and goes with it."""
        key = condition or text
        self._alerts = [a for a in self._alerts if a[0] != key] + [(key, level, text)]
        self._show_alert()

    def resolve(self, condition: str) -> None:
        """The condition ended: its alert is no longer true, so it goes."""
        if any(a[0] == condition for a in self._alerts):
            self._alerts = [a for a in self._alerts if a[0] != condition]
            self._show_alert()

    def dismiss(self) -> None:
        if self._alerts:
            self._alerts.pop()
            self._show_alert()

    def alert_text(self) -> str:
        return self._alerts[-1][2] if self._alerts else ""

    def _show_alert(self) -> None:
        if not self._alerts:
            self.alert.setText("")
            self.alert.setStyleSheet("")
            self.alert.setVisible(False)
            self.close_button.setVisible(False)
            return
        _key, level, text = self._alerts[-1]
        self.alert.setText(f"⚠ {text}", tooltip=text)
        self.alert.setStyleSheet(
            f"QLabel {{ color: white; background: {LEVEL_COLORS.get(level, LEVEL_COLORS['error'])}; "
            "border-radius: 4px; padding: 0px 8px; font-weight: bold; }"
        )
        self.alert.setVisible(True)
        self.close_button.setVisible(True)

    # notes ---------------------------------------------------------------------------
    def show_note(self, text: str) -> None:
        self.note.setText(text)
        self._note_timer.start(NOTE_MS)
