"""Import raw IMU CSV files (ours or other apps') as sessions.

A file we exported (``…_samples.csv`` with its ``…_summary.json`` beside it) comes
back as it was: same raw and derived columns, reps, test result, start time, sensor
and flags, so export → import → export gives the same samples and reps files (the summary differs
only in the new session id and its source). Any other raw CSV is
stored raw and analysed with the analysis the caller lends (the store never imports
dorsi.analysis); if the analysis fails the raw samples are still stored and the result says why.
Every sidecar field is checked (store/validate.py) before anything is stored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorsi.errors import InputError
from dorsi.io.rawcsv import read_raw_csv
from dorsi.motion.types import Recording
from dorsi.store.export import SENSOR_TIME_COLUMN, SUMMARY_FORMAT, SUMMARY_FORMAT_VERSION
from dorsi.store.models import SIDES
from dorsi.store.store import SessionStore
from dorsi.store.validate import Fields, check_analysis, check_recording_sidecar, check_session, load_json


@dataclass(frozen=True)
class ImportResult:
    session_id: int
    samples: int
    analyzed: bool
    from_dorsi_export: bool
    note: str | None = None  # why the analysis is missing, if it is
    warnings: tuple[str, ...] = ()  # what reading the file left out (a cut-off last line)


def sidecar_for(csv_path: Path) -> Path | None:
    """The summary JSON written next to an exported samples CSV, if present."""
    name = csv_path.name
    if name.endswith("_samples.csv"):
        candidate = csv_path.with_name(name[: -len("_samples.csv")] + "_summary.json")
        if candidate.is_file():
            return candidate
    return None


RECORDING_FORMAT = "dorsi-recording"  # the JSON `dorsi record` writes beside its CSV


AnalyseFn = Callable[[Recording, str, str], tuple[Mapping[str, Any] | None, Mapping[str, NDArray[np.float64]]]]


def import_csv(
    store: SessionStore,
    path: str | os.PathLike[str],
    *,
    drill: str | None = None,
    side: str | None = None,
    analyse: AnalyseFn | None = None,
    known_drills: Collection[str] | None = None,
    allow_duplicate: bool = False,
) -> ImportResult:
    """Store a raw CSV as a new session. drill/side default to the export's summary, if any.

    analyse: (recording, drill, side) → (summary, derived columns), lent by the caller (the store
    never runs the analysis); None stores the raw samples only. known_drills: the drill names a
    session may carry (the catalogue's); a sidecar naming another is refused.
    Refuses a file whose samples are already stored (the same content, by fingerprint).
    """
    csv_path = Path(path)
    if drill is not None and known_drills is not None and drill not in known_drills:
        raise InputError(f"unknown drill {drill!r}; choose one of: {', '.join(known_drills)}")
    if side is not None and side not in SIDES:
        raise InputError(f"side must be left or right, not {side!r}")
    rec = read_raw_csv(csv_path)
    sidecar = sidecar_for(csv_path)
    doc = _read_sidecar(sidecar) if sidecar else None
    session: dict[str, Any] = {}
    summary: dict[str, Any] | None = None
    derived: dict[str, NDArray[np.float64]] = {}
    if doc is not None and sidecar is not None:
        f = Fields(sidecar)
        session = check_session(f, doc, known_drills)
        summary = check_analysis(f, doc.get("analysis"))
        columns = f.mapping(doc.get("columns"), "columns", optional=True) or {}
        derived_names = f.names(columns.get("derived"), "columns.derived")
        raw_names = f.names(columns.get("raw"), "columns.raw")
        missing = [n for n in derived_names if n not in rec.extra]
        if missing:
            raise InputError(f"{csv_path}: lacks column(s) {', '.join(missing)} listed in {sidecar}")
        derived = {n: rec.extra.pop(n) for n in derived_names}
        order = [n for n in raw_names if n in rec.extra] + [n for n in rec.extra if n not in raw_names]
        rec.extra = {n: rec.extra[n] for n in order}
    else:
        session = _recording_defaults(csv_path, known_drills)
    rec = _restore_sensor_clock(rec, csv_path)
    drill = drill or session.get("drill")
    side = side or session.get("side")
    if not drill or not side:
        raise InputError(f"{csv_path}: say which drill and side it is (--drill NAME --side left|right)")
    if not allow_duplicate:
        same = store.find_duplicate(rec)
        if same is not None:
            raise InputError(f"{csv_path}: these samples are already stored as session {same}; nothing imported")

    note: str | None = None
    if doc is not None:
        note = None if summary is not None else "the exported session had no analysis"
    elif analyse is None:
        note = "analysis not requested"
    else:
        summary, derived, note = _run_analysis(analyse, rec, drill, side)
    sid = store.add_recording(
        rec,
        drill=drill,
        side=side,
        source=session.get("source") or "import",
        source_file=str(csv_path),
        started_at=session.get("started_at"),
        ended_at=session.get("ended_at"),
        sensor_id=session.get("sensor_id"),
        firmware=session.get("firmware"),
        app_version=session.get("app_version"),
        rate_hz=session.get("rate_hz"),
        interrupted=bool(session.get("interrupted")),
        interrupted_reason=session.get("interrupted_reason"),
        calibration=session.get("calibration"),
        summary=summary,
        derived=derived or None,
    )
    return ImportResult(sid, len(rec), summary is not None, doc is not None, note, tuple(rec.warnings))


def _read_sidecar(path: Path) -> dict[str, Any]:
    doc = load_json(path)
    if not isinstance(doc, dict) or doc.get("format") != SUMMARY_FORMAT:
        raise InputError(f"{path}: not a dorsi session summary (format is not {SUMMARY_FORMAT!r})")
    f = Fields(path)
    f.number(doc.get("format_version"), "format_version", (1, SUMMARY_FORMAT_VERSION), optional=False, whole=True)
    return doc


def _recording_defaults(csv_path: Path, known_drills: Collection[str] | None) -> dict[str, Any]:
    """Drill, side, start, sensor and rate from what `dorsi record` wrote beside the CSV, checked."""
    candidate = csv_path.with_suffix(".json")
    try:
        doc = load_json(candidate) if candidate.is_file() else None
    except InputError:
        return {}  # not JSON: not ours, the samples are what matters
    if not isinstance(doc, dict) or doc.get("format") != RECORDING_FORMAT:
        return {}
    return check_recording_sidecar(Fields(candidate), doc, known_drills)


def _restore_sensor_clock(rec: Recording, csv_path: Path) -> Recording:
    """A dorsi export's times start at 0; its sensor_time_s column is the clock the samples were stored on."""
    clock = rec.extra.pop(SENSOR_TIME_COLUMN, None)
    if clock is None:
        return rec
    if len(clock) and np.max(np.abs((clock - clock[0]) - (rec.time_s - rec.time_s[0]))) > 2e-6:
        raise InputError(f"{csv_path}: column {SENSOR_TIME_COLUMN} does not match time_s (not a constant offset)")
    # a new recording, not its times replaced: a Recording measures its rate once, from the times it was made with
    return replace(rec, time_s=np.ascontiguousarray(clock, dtype=np.float64))


def _run_analysis(
    analyse: AnalyseFn, rec: Recording, drill: str, side: str
) -> tuple[dict[str, Any] | None, dict[str, NDArray[np.float64]], str | None]:
    """The caller's analysis; on any failure keep the raw samples and say why."""
    try:
        summary, derived = analyse(rec, drill, side)
    except Exception as exc:
        return None, {}, f"the analysis failed ({type(exc).__name__}: {exc}); stored the raw samples only"
    return (None if summary is None else dict(summary)), {k: np.asarray(v) for k, v in derived.items()}, None
