"""Settings kept between runs (QSettings, INI format): profile, units, sound, theme, rate, window.

The file lives in DORSI_CONFIG_DIR when set (tests set it per test), else in
Qt's per-user configuration folder. Every value is validated on read, so a
hand-edited or damaged file falls back to defaults instead of failing.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

from dorsi.protocol.kinds import DORSI, KINDS, SensorKind

SIDES = ("left", "right")
UNITS = ("cm", "in")
THEMES = ("light", "dark")
CM_PER_IN = 2.54


def settings_path() -> Path | None:
    folder = os.environ.get("DORSI_CONFIG_DIR")
    return Path(folder) / "dorsi.ini" if folder else None


def _make_qsettings() -> QSettings:
    path = settings_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "dorsi", "dorsi")


class AppSettings(QObject):
    """Typed access to the stored settings; ``changed`` fires after any write."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._s = _make_qsettings()

    # generic helpers ---------------------------------------------------------
    def _float(self, key: str, default: float, lo: float, hi: float) -> float:
        try:
            value = float(str(self._s.value(key, default)))
        except (TypeError, ValueError):
            return default
        return value if lo <= value <= hi else default

    def _choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = str(self._s.value(key, default))
        return value if value in choices else default

    def _bool(self, key: str, default: bool) -> bool:
        value = self._s.value(key, default)
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true", "yes", "on")

    def _set(self, key: str, value: object) -> None:
        self._s.setValue(key, value)
        self._s.sync()
        self.changed.emit()

    # profile -------------------------------------------------------------------
    @property
    def tibia_cm(self) -> float:
        return self._float("profile/tibia_cm", 40.0, 20.0, 70.0)

    @tibia_cm.setter
    def tibia_cm(self, value: float) -> None:
        self._set("profile/tibia_cm", float(value))

    @property
    def foot_cm(self) -> float:
        return self._float("profile/foot_cm", 26.0, 12.0, 40.0)

    @foot_cm.setter
    def foot_cm(self, value: float) -> None:
        self._set("profile/foot_cm", float(value))

    @property
    def dominant_side(self) -> str:
        return self._choice("profile/dominant_side", "right", SIDES)

    @dominant_side.setter
    def dominant_side(self, value: str) -> None:
        self._set("profile/dominant_side", value)

    # display and sound ---------------------------------------------------------
    @property
    def units(self) -> str:
        return self._choice("display/units", "cm", UNITS)

    @units.setter
    def units(self, value: str) -> None:
        self._set("display/units", value)

    @property
    def theme(self) -> str:
        return self._choice("display/theme", "light", THEMES)

    @theme.setter
    def theme(self, value: str) -> None:
        self._set("display/theme", value)

    @property
    def sound(self) -> bool:
        return self._bool("sound/enabled", True)

    @sound.setter
    def sound(self, value: bool) -> None:
        self._set("sound/enabled", bool(value))

    @property
    def sensor_kind(self) -> SensorKind:
        """The kind of the sensor last connected (dorsi.protocol.kinds): whose rates Settings offers."""
        return KINDS[self._choice("sensor/kind", DORSI.id, tuple(KINDS))]

    @sensor_kind.setter
    def sensor_kind(self, kind: SensorKind) -> None:
        if kind.id != self.sensor_kind.id:
            self._set("sensor/kind", kind.id)

    @property
    def rate_hz(self) -> int:
        """The rate to ask of the next connection: one of its kind's own rates."""
        kind = self.sensor_kind
        value = self._s.value(f"sensor/{kind.id}/rate_hz")
        if value is None and kind is DORSI:
            value = self._s.value("sensor/rate_hz")  # before rates were per kind
        try:
            rate = int(float(str(value)))
        except (TypeError, ValueError):
            return kind.default_rate_hz
        return rate if rate in kind.rates_hz else kind.default_rate_hz

    @rate_hz.setter
    def rate_hz(self, value: int) -> None:
        self._set(f"sensor/{self.sensor_kind.id}/rate_hz", int(value))

    @property
    def unit_profile(self) -> str:
        """The per-unit sensor profile (TOML, `dorsi sensor-calibrate`) the live stream applies; "" for none."""
        return str(self._s.value("sensor/unit_profile", "") or "")

    @unit_profile.setter
    def unit_profile(self, path: str) -> None:
        if path != self.unit_profile:
            self._set("sensor/unit_profile", path)

    # remembered state ------------------------------------------------------------
    @property
    def last_sensor(self) -> str:
        return str(self._s.value("sensor/last", ""))

    @last_sensor.setter
    def last_sensor(self, value: str) -> None:
        self._set("sensor/last", value)

    @property
    def strap_rotation_deg(self) -> float | None:
        value = self._s.value("sensor/strap_rotation_deg", None)
        try:
            return None if value in (None, "") else float(str(value))
        except ValueError:
            return None

    @strap_rotation_deg.setter
    def strap_rotation_deg(self, value: float | None) -> None:
        self._set("sensor/strap_rotation_deg", "" if value is None else float(value))

    def window_geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self._s.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._s.setValue("window/geometry", geometry)
        self._s.setValue("window/state", state)
        self._s.sync()

    def format_length(self, cm: float | None) -> str:
        """A toe-to-wall distance in the chosen unit."""
        if cm is None:
            return "–"
        if self.units == "in":
            return f"{cm / CM_PER_IN:.1f} in"
        return f"{cm:.1f} cm"
