"""Checking what an import brings besides the samples: every field of a sidecar JSON, by type and range.

Each check raises InputError naming the file and the field (``session.rate_hz``), so nothing
unchecked reaches the store and `dorsi sessions` can always read back what was stored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dorsi.errors import InputError
from dorsi.store.models import SIDES

MAX_TEXT = 200  # characters of a sensor id, firmware or version string
MAX_NAME = 64  # characters of a drill or column name
RATE_HZ = (1.0, 10_000.0)
ANGLE_DEG = (-180.0, 180.0)
CM = (-100.0, 100.0)
SECONDS = (-1e7, 1e9)  # rep times and durations (sensor clocks run for days, not centuries)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_SIDECAR_BYTES = 64 * 1024 * 1024
SESSION_STATUSES = ("finished", "interrupted", "recording")
SESSION_SOURCES = ("live", "import")


class Fields:
    """Reads fields of one JSON document; every failure names the file and the field's path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str) -> InputError:
        return InputError(f"{self.path}: {field} {problem}")

    def mapping(self, doc: Any, field: str, *, optional: bool = False) -> dict[str, Any] | None:
        if doc is None and optional:
            return None
        if not isinstance(doc, dict):
            raise self.fail(field, f"must be an object, not {_kind(doc)}")
        return doc

    def text(self, value: Any, field: str, *, optional: bool = True, limit: int = MAX_TEXT) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(field, f"must be text, not {_kind(value)}")
        if len(value) > limit or not value.isprintable():
            raise self.fail(field, f"must be printable text of at most {limit} characters")
        return value

    def choice(self, value: Any, field: str, choices: Collection[str], *, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or value not in choices:
            shown = repr(value)[:40]
            raise self.fail(field, f"must be one of {', '.join(sorted(choices))}, not {shown}")
        return value

    def number(
        self, value: Any, field: str, bounds: tuple[float, float], *, optional: bool = True, whole: bool = False
    ) -> float | None:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(field, f"must be a number, not {_kind(value)}")
        if not math.isfinite(value) or not bounds[0] <= value <= bounds[1]:
            raise self.fail(field, f"is {value!r:.40}; it must be between {bounds[0]:g} and {bounds[1]:g}")
        if whole and value != int(value):
            raise self.fail(field, f"must be a whole number, not {value!r}")
        return float(value)

    def flag(self, value: Any, field: str, *, optional: bool = True) -> bool:
        if value is None and optional:
            return False
        if not isinstance(value, bool):
            raise self.fail(field, f"must be true or false, not {_kind(value)}")
        return value

    def time(self, value: Any, field: str, *, optional: bool = True, not_before: str | None = None) -> str | None:
        """An ISO 8601 date-time with a time zone, between 2000 and tomorrow; returned as given."""
        if value is None and optional:
            return None
        if not isinstance(value, str) or len(value) > 40:
            raise self.fail(field, f"must be an ISO 8601 date and time, not {_kind(value)}")
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(field, f"is not an ISO 8601 date and time: {value!r}") from None
        if when.tzinfo is None:
            raise self.fail(field, f"lacks a time zone (e.g. +00:00): {value!r}")
        if not EARLIEST <= when <= datetime.now(UTC) + timedelta(days=1):
            raise self.fail(field, f"is {value!r}, not a date a recording can have (2000 to today)")
        if not_before is not None and when < datetime.fromisoformat(not_before):
            raise self.fail(field, f"is {value!r}, before the start of the session")
        return value

    def names(self, value: Any, field: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(field, f"must be a list of column names, not {_kind(value)}")
        for i, name in enumerate(value):
            self.text(name, f"{field}[{i}]", optional=False, limit=MAX_NAME)
        if len(set(value)) != len(value):
            raise self.fail(field, "repeats a column name")
        return list(value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        return f"text {value[:30]!r}"
    return type(value).__name__ if not isinstance(value, int | float) else repr(value)[:40]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_json(path: Path) -> Any:
    """Strict JSON (no NaN or Infinity), at most 64 MB; InputError with one line otherwise."""
    try:
        size = path.stat().st_size
        if size > MAX_SIDECAR_BYTES:
            raise InputError(f"{path}: {size} bytes is too large for a dorsi summary")
        return json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_constant)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        text = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a readable dorsi summary ({text})") from None


def check_drill(f: Fields, value: Any, field: str, known: Collection[str] | None) -> str:
    drill = f.text(value, field, optional=False, limit=MAX_NAME)
    assert drill is not None
    if not drill.strip():
        raise f.fail(field, "is empty")
    if known is not None and drill not in known:
        raise f.fail(field, f"is {drill!r}, not a drill dorsi knows ({', '.join(sorted(known))})")
    return drill


def check_session(f: Fields, doc: Mapping[str, Any], known_drills: Collection[str] | None) -> dict[str, Any]:
    """The ``session`` block of an exported summary, checked field by field."""
    s = f.mapping(doc.get("session"), "session")
    assert s is not None
    started = f.time(s.get("started_at"), "session.started_at", optional=False)
    out: dict[str, Any] = {
        "drill": check_drill(f, s.get("drill"), "session.drill", known_drills),
        "side": f.choice(s.get("side"), "session.side", SIDES),
        "started_at": started,
        "ended_at": f.time(s.get("ended_at"), "session.ended_at", not_before=started),
        "sensor_id": f.text(s.get("sensor_id"), "session.sensor_id"),
        "firmware": f.text(s.get("firmware"), "session.firmware"),
        "app_version": f.text(s.get("app_version"), "session.app_version"),
        "rate_hz": f.number(s.get("rate_hz"), "session.rate_hz", RATE_HZ),
        "interrupted": f.flag(s.get("interrupted"), "session.interrupted"),
        "interrupted_reason": f.text(s.get("interrupted_reason"), "session.interrupted_reason", limit=400),
        "source": f.choice(s.get("source"), "session.source", SESSION_SOURCES, optional=True),
        "status": f.choice(s.get("status"), "session.status", SESSION_STATUSES, optional=True),
        "calibration": f.mapping(s.get("calibration"), "session.calibration", optional=True),
    }
    if out["status"] == "recording":  # exported while still recording: it ended where the file ends
        out["interrupted"] = True
    return out


def check_analysis(f: Fields, value: Any, field: str = "analysis") -> dict[str, Any] | None:
    """The analysis summary: the fields the store turns into rows (reps, test results) by type and range."""
    a = f.mapping(value, field, optional=True)
    if a is None:
        return None
    f.number(a.get("rep_count"), f"{field}.rep_count", (0, 1e6), whole=True)
    f.number(a.get("sets"), f"{field}.sets", (0, 1e6), whole=True)
    reps = a.get("reps")
    if reps is not None:
        if not isinstance(reps, list):
            raise f.fail(f"{field}.reps", f"must be a list, not {_kind(reps)}")
        for i, rep in enumerate(reps):
            check_rep(f, rep, f"{field}.reps[{i}]")
    test = a.get("test")
    if test is not None:
        for i, t in enumerate(test if isinstance(test, list) else [test]):
            check_test(f, t, f"{field}.test" + (f"[{i}]" if isinstance(test, list) else ""))
    f.mapping(a.get("calibration"), f"{field}.calibration", optional=True)
    return a


def check_rep(f: Fields, rep: Any, field: str) -> None:
    r = f.mapping(rep, field)
    assert r is not None
    f.number(r.get("index"), f"{field}.index", (0, 1e6), whole=True)
    for key in ("start_s", "end_s", "peak_s", "emitted_s", "hold_s"):
        f.number(r.get(key), f"{field}.{key}", SECONDS)
    f.number(r.get("peak_tibial_inclination_deg"), f"{field}.peak_tibial_inclination_deg", ANGLE_DEG)
    f.number(r.get("range_deg"), f"{field}.range_deg", (0.0, 360.0))
    f.number(r.get("score"), f"{field}.score", (-1e6, 1e6))
    f.choice(r.get("side"), f"{field}.side", SIDES, optional=True)
    f.flag(r.get("partial"), f"{field}.partial")
    f.flag(r.get("heel_uncertain"), f"{field}.heel_uncertain")  # absent before issue 18's clean best: false


def check_test(f: Fields, test: Any, field: str) -> None:
    t = f.mapping(test, field)
    assert t is not None
    _check_result(f, t, field)
    sides = t.get("sides")
    if sides is not None:
        f.mapping(sides, f"{field}.sides")
        for side, res in sides.items():
            f.choice(side, f"{field}.sides key", SIDES)
            r = f.mapping(res, f"{field}.sides.{side}")
            assert r is not None
            _check_result(f, r, f"{field}.sides.{side}")


def _check_result(f: Fields, t: Mapping[str, Any], field: str) -> None:
    f.choice(t.get("side"), f"{field}.side", SIDES, optional=True)
    for key in ("angle_deg", "best_deg", "best_tibial_inclination_deg"):
        f.number(t.get(key), f"{field}.{key}", ANGLE_DEG)
    f.number(t.get("toe_to_wall_cm"), f"{field}.toe_to_wall_cm", CM)
    f.number(t.get("uncertainty_cm"), f"{field}.uncertainty_cm", (0.0, 100.0))
    f.number(t.get("uncertainty_deg"), f"{field}.uncertainty_deg", (0.0, 90.0))
    # what the ± covers (0.95) and why: absent in results stored before (their ± was one SD)
    f.number(t.get("uncertainty_coverage"), f"{field}.uncertainty_coverage", (0.0, 1.0))
    f.text(t.get("uncertainty_source"), f"{field}.uncertainty_source")
    f.text(t.get("uncertainty_hint"), f"{field}.uncertainty_hint", limit=400)
    f.text(t.get("band"), f"{field}.band")
    f.text(t.get("model"), f"{field}.model", limit=400)
    _each(f, t.get("trials_deg"), f"{field}.trials_deg", lambda x, at: f.number(x, at, ANGLE_DEG, optional=False))
    # the heel's doubt (issue 18): absent in results stored before it (every trial then counts for the best)
    f.flag(t.get("best_heel_uncertain"), f"{field}.best_heel_uncertain")
    f.text(t.get("heel_note"), f"{field}.heel_note", limit=400)
    _each(
        f, t.get("trials_heel_uncertain"), f"{field}.trials_heel_uncertain", lambda x, at: f.flag(x, at, optional=False)
    )


def _each(f: Fields, items: Any, field: str, check: Callable[[Any, str], object]) -> None:
    """An optional list: each item checked under its own name (field[i])."""
    if items is None:
        return
    if not isinstance(items, list):
        raise f.fail(field, f"must be a list, not {_kind(items)}")
    for i, x in enumerate(items):
        check(x, f"{field}[{i}]")


def check_recording_sidecar(f: Fields, doc: Mapping[str, Any], known_drills: Collection[str] | None) -> dict[str, Any]:
    """What `dorsi record` writes beside its CSV (format dorsi-recording)."""
    sensor = f.mapping(doc.get("sensor"), "sensor", optional=True) or {}
    drill = doc.get("drill")
    return {
        "drill": None if drill is None else check_drill(f, drill, "drill", known_drills),
        "side": f.choice(doc.get("side"), "side", SIDES, optional=True),
        "started_at": f.time(doc.get("started_at_utc"), "started_at_utc"),
        "rate_hz": f.number(doc.get("rate_hz"), "rate_hz", RATE_HZ),
        "sensor_id": f.text(sensor.get("address"), "sensor.address"),
        "app_version": f.text(doc.get("dorsi_version"), "dorsi_version"),
        "interrupted": f.flag(doc.get("interrupted"), "interrupted") | f.flag(doc.get("sensor_lost"), "sensor_lost"),
        "interrupted_reason": f.text(doc.get("interrupted_reason"), "interrupted_reason", limit=400),
    }
