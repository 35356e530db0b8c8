"""Connect: the sensors found (type, name, RSSI, battery), the virtual one, the last one remembered;
Blink makes the connected sensor blink its LED."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QPushButton,
    QTableWidgetItem,
    QWidget,
)

from dorsi.ui.models import CalibrationModel, ConnectionModel
from dorsi.ui.views.common import next_step_button, read_only_table, screen, selected_first_item, text_label


class ConnectView(QWidget):
    COLUMNS = ("Type", "Name", "Signal", "Battery", "Remembered")
    go_to = Signal(str)  # a screen: the next step

    def __init__(self, model: ConnectionModel, calibration: CalibrationModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.calibration = calibration
        layout = screen(
            self,
            "Connect a sensor",
            "Switch the sensor on and keep it within a few metres. The virtual sensor streams a simulated "
            "shin through the same Bluetooth code, for trying the app without hardware.",
        )
        self.table = read_only_table(self.COLUMNS, QAbstractItemView.SelectionMode.SingleSelection, stretch=1)
        self.table.verticalHeader().setDefaultSectionSize(40)
        font = QFont(self.table.font())
        font.setPixelSize(16)
        self.table.setFont(font)
        self.table.setMaximumHeight(320)
        self.table.doubleClicked.connect(lambda _index: self._connect())
        layout.addWidget(self.table, 1)
        self.empty = text_label("No sensors found yet: switch yours on and press Scan.", 15)
        layout.addWidget(self.empty)
        buttons = QHBoxLayout()
        self.scan_button = QPushButton("Scan")
        self.connect_button = QPushButton("Connect")
        self.disconnect_button = QPushButton("Disconnect")
        self.blink_button = QPushButton("Blink")
        self.blink_button.setToolTip("Blink the connected sensor's LED for a few seconds: which one is it?")
        self.connect_button.setDefault(True)
        for b in (self.scan_button, self.connect_button, self.disconnect_button, self.blink_button):
            b.setMinimumHeight(36)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.status = text_label("", 20, bold=True)
        layout.addWidget(self.status)
        self.next_button = next_step_button()
        self.next_button.clicked.connect(lambda: self.go_to.emit(self._next_screen()))
        layout.addWidget(self.next_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.scan_button.clicked.connect(model.scan_requested.emit)
        self.connect_button.clicked.connect(self._connect)
        self.disconnect_button.clicked.connect(model.disconnect_requested.emit)
        self.blink_button.clicked.connect(model.identify_requested.emit)
        model.changed.connect(self.refresh)
        calibration.changed.connect(self.refresh)
        self.refresh()

    def _next_screen(self) -> str:
        return "Knee-to-wall" if self.calibration.phase == "done" else "Calibrate"

    def selected_key(self) -> str | None:
        item = selected_first_item(self.table)
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _connect(self) -> None:
        key = self.selected_key()
        if key is None and self.model.devices:
            key = self.model.devices[0].key
        if key is not None:
            self.model.connect_requested.emit(key)

    def refresh(self) -> None:
        m = self.model
        keep = self.selected_key()
        self.table.setRowCount(len(m.devices))
        for row, d in enumerate(m.devices):
            cells = (
                d.kind,
                d.name,
                "–" if d.rssi_dbm is None else f"{d.rssi_dbm} dBm",
                "–" if d.battery_pct is None else f"{d.battery_pct} %",
                "last used" if d.remembered else "",
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, d.key)
                self.table.setItem(row, col, item)
            if d.key == keep or (keep is None and d.remembered):
                self.table.selectRow(row)
        self.empty.setVisible(not m.devices and not m.scanning)
        connected = m.state in ("streaming", "connecting", "reconnecting")
        self.scan_button.setEnabled(not m.scanning)
        self.scan_button.setText("Scanning…" if m.scanning else "Scan")
        self.connect_button.setEnabled(bool(m.devices) and not connected)
        self.disconnect_button.setEnabled(connected)
        self.blink_button.setEnabled(m.state == "streaming" and m.can_identify)
        text = {
            "streaming": f"Streaming from {m.device_name} at {m.rate_hz:.0f} Hz",
            "connecting": f"Connecting to {m.device_name}…",
            "reconnecting": f"Connection to {m.device_name} lost; reconnecting…",
            "lost": f"Lost {m.device_name}",
        }.get(m.state, "Not connected")
        if m.reconnects:
            text += f" · reconnected {m.reconnects}×"
        if m.state == "streaming" and m.samples_lost:
            text += f" · {m.samples_lost} samples lost in gaps"
        if m.detail:
            text += f" — {m.detail}"
        self.status.setText(text)
        # connected: the next step is calibrating (it starts by itself: stand still), then the test
        self.next_button.setVisible(m.state == "streaming")
        if self._next_screen() == "Calibrate":
            self.next_button.setText("Next: Calibrate →  stand still, then two slow knee drives")
        else:
            self.next_button.setText("Next: Knee-to-wall test →")
