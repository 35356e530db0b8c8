"""Sensor profiles (calibration/profiles/*.toml): how a sensor's axes map onto the
product's for its documented mounting, and an optional per-unit bench calibration.

```toml
[sensor]
name = "WitMotion BWT901BLECL"
kind = "witmotion"              # a sensor kind (dorsi.protocol.kinds) or generic
mounting = "flat on the shin, printed +Y arrow toward the knee, label away from the skin"

[axes]                          # rows: product X, Y, Z expressed in the sensor's axes
x = [1, 0, 0]
y = [0, 1, 0]
z = [0, 0, 1]

[unit]                          # optional: `dorsi sensor-calibrate` fills it in
acc_offset_mps2 = [0.0, 0.0, 0.0]
acc_scale = [1.0, 1.0, 1.0]
gyr_offset_dps = [0.0, 0.0, 0.0]
```
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from dorsi.errors import InputError
from dorsi.io.rawcsv import write_text_atomic
from dorsi.motion.sensor_calibration import UnitCalibration
from dorsi.motion.types import F64, Recording
from dorsi.protocol import kinds

GENERIC = "generic"  # any IMU: no sensor kind's defaults
KINDS = (*kinds.KINDS, GENERIC)


@dataclass(frozen=True)
class SensorProfile:
    name: str
    kind: str = GENERIC
    mounting: str = ""
    axes: tuple[tuple[float, float, float], ...] = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
    unit: UnitCalibration = field(default_factory=UnitCalibration)

    def apply(self, rec: Recording) -> Recording:
        """Raw samples in the sensor's axes → corrected samples in the product's axes."""
        acc, gyr = self.apply_arrays(rec.acc_mps2, rec.gyr_dps)
        return replace(rec, acc_mps2=acc, gyr_dps=gyr)

    def apply_arrays(self, acc_mps2: F64, gyr_dps: F64) -> tuple[F64, F64]:
        """The same on (n, 3) arrays: a file's or one live chunk's (the app's engine)."""
        acc, gyr = self.unit.apply(acc_mps2, gyr_dps)
        m = np.asarray(self.axes)
        return np.ascontiguousarray(acc @ m.T), np.ascontiguousarray(gyr @ m.T)

    def as_dict(self) -> dict[str, object]:
        """What a session stores of the profile applied live (its samples stay raw)."""
        u = self.unit
        return {
            "name": self.name,
            "kind": self.kind,
            "axes": [list(row) for row in self.axes],
            "acc_offset_mps2": list(u.acc_offset_mps2),
            "acc_scale": list(u.acc_scale),
            "gyr_offset_dps": list(u.gyr_offset_dps),
        }


def _vec3(path: str | os.PathLike[str], table: dict[str, object], key: str, default: tuple[float, ...]) -> F64:
    value = table.get(key, list(default))
    arr = np.asarray(value, dtype=object)
    if arr.shape != (3,) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v) for v in arr
    ):
        raise InputError(f"{path}: {key} must be a list of three finite numbers, not {value!r}")
    return np.asarray(value, dtype=np.float64)


def load_profile(path: str | os.PathLike[str]) -> SensorProfile:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such profile") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}") from None
    return profile_from_tables(path, data)


def stored_profile(where: str, stored: object) -> SensorProfile:
    """A profile as a session stores what it applied live (``SensorProfile.as_dict``), checked as a file's is;
    an InputError names ``where``."""
    if not isinstance(stored, dict):
        raise InputError(f"{where}: must be a table, not {type(stored).__name__}")
    axes = stored.get("axes")
    if not isinstance(axes, list) or len(axes) != 3:
        raise InputError(f"{where}: axes must be three rows, not {axes!r}")
    unit_keys = ("acc_offset_mps2", "acc_scale", "gyr_offset_dps")
    tables: dict[str, object] = {
        "sensor": {"name": stored.get("name"), "kind": stored.get("kind", GENERIC)},
        "axes": dict(zip("xyz", axes, strict=True)),
        "unit": {k: stored[k] for k in unit_keys if k in stored},
    }
    return profile_from_tables(where, tables)


def profile_from_tables(path: str | os.PathLike[str], data: dict[str, object]) -> SensorProfile:
    """The profile of a TOML file's tables ([sensor], [axes], [unit]), checked; InputError names ``path``."""
    sensor = data.get("sensor", {})
    axes_t = data.get("axes", {})
    unit_t = data.get("unit", {})
    if not isinstance(sensor, dict) or not isinstance(axes_t, dict) or not isinstance(unit_t, dict):
        raise InputError(f"{path}: [sensor], [axes] and [unit] must be tables")
    name = sensor.get("name")
    if not isinstance(name, str) or not name:
        raise InputError(f"{path}: [sensor] needs a name")
    kind = sensor.get("kind", GENERIC)
    if kind not in KINDS:
        raise InputError(f"{path}: kind {kind!r} is not one of {', '.join(KINDS)}")
    eye = np.eye(3)
    axes = np.stack([_vec3(path, axes_t, k, tuple(eye[i])) for i, k in enumerate("xyz")])
    if not np.allclose(axes @ axes.T, np.eye(3), atol=1e-6) or np.linalg.det(axes) < 0:
        raise InputError(f"{path}: [axes] must be a rotation (orthonormal rows, right-handed)")
    scale = _vec3(path, unit_t, "acc_scale", (1.0, 1.0, 1.0))
    if np.any(scale < 0.5) or np.any(scale > 1.5):
        raise InputError(f"{path}: acc_scale {scale.tolist()} is implausible (expected about 1)")
    unit = UnitCalibration(
        tuple(_vec3(path, unit_t, "acc_offset_mps2", (0.0, 0.0, 0.0)).tolist()),
        tuple(scale.tolist()),
        tuple(_vec3(path, unit_t, "gyr_offset_dps", (0.0, 0.0, 0.0)).tolist()),
    )
    return SensorProfile(
        name=name,
        kind=kind,
        mounting=str(sensor.get("mounting", "")),
        axes=tuple(tuple(row) for row in axes.tolist()),
        unit=unit,
    )


def _fmt(v: tuple[float, ...]) -> str:
    return "[" + ", ".join(f"{x:.6g}" for x in v) + "]"


def save_profile(path: str | os.PathLike[str], profile: SensorProfile, comment: str = "") -> None:
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"# {line}" for line in comment.splitlines()]
    lines += ["[sensor]", f"name = {q(profile.name)}", f"kind = {q(profile.kind)}", f"mounting = {q(profile.mounting)}"]
    lines += ["", "[axes]  # rows: product X, Y, Z expressed in the sensor's axes"]
    lines += [f"{k} = {_fmt(row)}" for k, row in zip("xyz", profile.axes, strict=True)]
    u = profile.unit
    lines += ["", "[unit]", f"acc_offset_mps2 = {_fmt(u.acc_offset_mps2)}", f"acc_scale = {_fmt(u.acc_scale)}"]
    lines += [f"gyr_offset_dps = {_fmt(u.gyr_offset_dps)}", ""]
    write_text_atomic(path, "\n".join(lines))
