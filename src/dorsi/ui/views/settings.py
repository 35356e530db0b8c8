"""Settings: profile (tibia, foot, dominant side), units, sound, theme, sample rate, unit calibration."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QWidget,
)

from dorsi.ui.settings import SIDES, THEMES, UNITS, AppSettings
from dorsi.ui.sound import Beeper
from dorsi.ui.views.common import Card, screen, text_label
from dorsi.ui.widgets import CueLamp


class SettingsView(QWidget):
    def __init__(self, settings: AppSettings, beeper: Beeper, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.beeper = beeper
        layout = screen(self, "Settings")
        profile = Card("Profile")
        form = QFormLayout()
        self.tibia = QDoubleSpinBox()
        self.tibia.setRange(20.0, 70.0)
        self.tibia.setSuffix(" cm")
        self.tibia.setDecimals(1)
        self.foot = QDoubleSpinBox()
        self.foot.setRange(12.0, 40.0)
        self.foot.setSuffix(" cm")
        self.foot.setDecimals(1)
        self.dominant = QComboBox()
        self.dominant.addItems(list(SIDES))
        form.addRow("Tibia length (knee joint line to ankle bone)", self.tibia)
        form.addRow("Foot length (heel to big toe)", self.foot)
        form.addRow("Dominant side", self.dominant)
        profile.body.addLayout(form)
        profile.body.addWidget(text_label("The lengths turn the shin angle into a toe-to-wall distance.", 13))
        profile.setMaximumWidth(820)
        layout.addWidget(profile)

        display = Card("Display, sound and sensor")
        form2 = QFormLayout()
        self.units = QComboBox()
        self.units.addItems(list(UNITS))
        self.theme = QComboBox()
        self.theme.addItems(list(THEMES))
        self.sound = QCheckBox("Beep when a hold is done")
        self.test_sound = QPushButton("Test sound")
        self.sound_lamp = CueLamp()  # the visual cue, lit with every test, heard or not
        self.sound_status = text_label(f"Sound output: {beeper.backend}.", 13, wrap=False)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_sound)
        test_row.addWidget(self.sound_lamp)
        test_row.addWidget(self.sound_status, 1)
        self.rate = QComboBox()  # the rates of the sensor kind last connected (_load fills it)
        form2.addRow("Units", self.units)
        form2.addRow("Theme", self.theme)
        form2.addRow("Sound", self.sound)
        form2.addRow("", test_row)
        form2.addRow("Sample rate (next connection)", self.rate)
        self.rate_kind = text_label("", 13)
        form2.addRow("", self.rate_kind)
        # the per-unit sensor profile (`dorsi sensor-calibrate`): the app reads the file (message bar if unusable)
        self.unit_file = text_label("", 13, wrap=False)
        self.choose_unit = QPushButton("Choose…")
        self.clear_unit = QPushButton("Clear")
        unit_row = QHBoxLayout()
        unit_row.addWidget(self.unit_file, 1)
        unit_row.addWidget(self.choose_unit)
        unit_row.addWidget(self.clear_unit)
        form2.addRow("Unit calibration (next connection)", unit_row)
        unit_hint = "A profile from dorsi sensor-calibrate: this unit's bench calibration."
        form2.addRow("", text_label(unit_hint, 13, wrap=False))
        display.body.addLayout(form2)
        display.setMaximumWidth(820)
        layout.addWidget(display)
        layout.addStretch(1)
        self.load()
        self.tibia.valueChanged.connect(lambda v: setattr(self.settings, "tibia_cm", v))
        self.foot.valueChanged.connect(lambda v: setattr(self.settings, "foot_cm", v))
        self.dominant.currentTextChanged.connect(lambda v: setattr(self.settings, "dominant_side", v))
        self.units.currentTextChanged.connect(lambda v: setattr(self.settings, "units", v))
        self.theme.currentTextChanged.connect(lambda v: setattr(self.settings, "theme", v))
        self.sound.toggled.connect(self._sound)
        self.test_sound.clicked.connect(self._test_sound)
        self.rate.currentIndexChanged.connect(lambda i: setattr(self.settings, "rate_hz", int(self.rate.itemData(i))))
        self.choose_unit.clicked.connect(self._choose_unit)
        self.clear_unit.clicked.connect(lambda: self.set_unit_profile(""))
        settings.changed.connect(self.load)

    def load(self) -> None:
        """Show the stored values (also after a change made elsewhere), without writing them back."""
        widgets = (self.tibia, self.foot, self.dominant, self.units, self.theme, self.sound, self.rate)
        for w in widgets:
            w.blockSignals(True)
        try:
            self._load()
        finally:
            for w in widgets:
                w.blockSignals(False)

    def _load(self) -> None:
        s = self.settings
        self.tibia.setValue(s.tibia_cm)
        self.foot.setValue(s.foot_cm)
        self.dominant.setCurrentText(s.dominant_side)
        self.units.setCurrentText(s.units)
        self.theme.setCurrentText(s.theme)
        self.sound.setChecked(s.sound)
        kind = s.sensor_kind
        if [self.rate.itemData(i) for i in range(self.rate.count())] != list(kind.rates_hz):
            self.rate.clear()
            for r in kind.rates_hz:
                self.rate.addItem(f"{r} Hz", r)
        self.rate.setCurrentIndex(max(0, self.rate.findData(s.rate_hz)))
        self.rate_kind.setText(f"Rates of the {kind.label} (the sensor last connected).")
        path = s.unit_profile
        self.unit_file.setText(Path(path).name if path else "none")
        self.unit_file.setToolTip(path)
        self.clear_unit.setEnabled(bool(path))
        self.beeper.muted = not s.sound

    def _choose_unit(self) -> None:
        start = str(Path(self.settings.unit_profile).parent) if self.settings.unit_profile else ""
        path, _ = QFileDialog.getOpenFileName(self, "Unit calibration", start, "Sensor profile (*.toml)")
        if path:
            self.set_unit_profile(path)

    def set_unit_profile(self, path: str) -> None:
        """The file chosen ("" clears it): stored; the app reads it for the next connection."""
        self.settings.unit_profile = str(Path(path).resolve()) if path else ""

    def _sound(self, on: bool) -> None:
        self.settings.sound = on
        self.beeper.muted = not on

    def _test_sound(self) -> None:
        self.sound_lamp.light()
        self.sound_status.setText(f"Played the cue: {self.beeper.beep(force=True)}")
