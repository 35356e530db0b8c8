"""Import raw IMU CSV files (ours or other apps') as sessions.

A file we exported (``…_samples.csv`` with its ``…_summary.json`` beside it) comes
back as it was: same raw and derived columns, reps, test result, start time, sensor
and flags, so export → import → export gives the same samples and reps files (the summary differs
only in the new session id and its source). Any other raw CSV is
stored raw and analysed with dorsi.analysis; if the analysis fails the raw samples
are still stored and the result says why.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorsi.errors import InputError
from dorsi.io.rawcsv import read_raw_csv
from dorsi.motion.types import Recording
from dorsi.store.export import SUMMARY_FORMAT
from dorsi.store.models import SIDES
from dorsi.store.store import SessionStore


@dataclass(frozen=True)
class ImportResult:
    session_id: int
    samples: int
    analyzed: bool
    from_dorsi_export: bool
    note: str | None = None  # why the analysis is missing, if it is


def sidecar_for(csv_path: Path) -> Path | None:
    """The summary JSON written next to an exported samples CSV, if present."""
    name = csv_path.name
    if name.endswith("_samples.csv"):
        candidate = csv_path.with_name(name[: -len("_samples.csv")] + "_summary.json")
        if candidate.is_file():
            return candidate
    return None


RECORDING_FORMAT = "dorsi-recording"  # the JSON `dorsi record` writes beside its CSV


def recording_sidecar_for(csv_path: Path) -> dict[str, Any] | None:
    """What `dorsi record` wrote beside the CSV (same stem, .json), if it is there and readable.

    It only fills in defaults (drill, side, start time, sensor, rate), so an unreadable one is
    ignored rather than refused: the samples are what matters."""
    candidate = csv_path.with_suffix(".json")
    try:
        doc = json.loads(candidate.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == RECORDING_FORMAT else None


def _read_sidecar(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable dorsi summary ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != SUMMARY_FORMAT:
        raise InputError(f"{path}: not a dorsi session summary (format is not {SUMMARY_FORMAT!r})")
    return doc


def import_csv(
    store: SessionStore,
    path: str | os.PathLike[str],
    *,
    drill: str | None = None,
    side: str | None = None,
    analyze: bool = True,
) -> ImportResult:
    """Store a raw CSV as a new session. drill/side default to the export's summary, if any."""
    csv_path = Path(path)
    rec = read_raw_csv(csv_path)
    sidecar = sidecar_for(csv_path)
    doc = _read_sidecar(sidecar) if sidecar else None
    session: dict[str, Any] = (doc or {}).get("session") or {}
    recorded = (recording_sidecar_for(csv_path) if doc is None else None) or {}
    drill = drill or session.get("drill") or recorded.get("drill")
    side = side or session.get("side") or recorded.get("side")
    if not drill or not side:
        raise InputError(f"{csv_path}: say which drill and side it is (--drill NAME --side left|right)")
    if side not in SIDES:
        raise InputError(f"side must be left or right, not {side!r}")

    derived: dict[str, NDArray[np.float64]] = {}
    if doc is not None:
        derived_names = list((doc.get("columns") or {}).get("derived") or [])
        raw_names = list((doc.get("columns") or {}).get("raw") or [])
        missing = [n for n in derived_names if n not in rec.extra]
        if missing:
            raise InputError(f"{csv_path}: lacks column(s) {', '.join(missing)} listed in {sidecar}")
        derived = {n: rec.extra.pop(n) for n in derived_names}
        order = [n for n in raw_names if n in rec.extra] + [n for n in rec.extra if n not in raw_names]
        rec.extra = {n: rec.extra[n] for n in order}
        summary = doc.get("analysis")
        note = None if summary is not None else "the exported session had no analysis"
        sid = store.add_recording(
            rec,
            drill=drill,
            side=side,
            source_file=str(csv_path),
            started_at=session.get("started_at"),
            ended_at=session.get("ended_at"),
            sensor_id=session.get("sensor_id"),
            firmware=session.get("firmware"),
            app_version=session.get("app_version"),
            rate_hz=session.get("rate_hz"),
            interrupted=bool(session.get("interrupted")),
            summary=summary,
            derived=derived or None,
        )
        return ImportResult(sid, len(rec), summary is not None, True, note)

    summary, derived, note = _analyze(rec, drill, side) if analyze else (None, {}, "analysis not requested")
    sid = store.add_recording(
        rec,
        drill=drill,
        side=side,
        source_file=str(csv_path),
        started_at=recorded.get("started_at_utc"),
        sensor_id=(recorded.get("sensor") or {}).get("address"),
        app_version=recorded.get("dorsi_version"),
        rate_hz=recorded.get("rate_hz"),
        interrupted=bool(recorded.get("interrupted") or recorded.get("sensor_lost")),
        summary=summary,
        derived=derived or None,
    )
    return ImportResult(sid, len(rec), summary is not None, False, note)


def _analyze(
    rec: Recording, drill: str, side: str
) -> tuple[dict[str, Any] | None, dict[str, NDArray[np.float64]], str | None]:
    """Run the analysis engine; on any failure keep the raw samples and say why."""
    try:
        from dorsi.analysis import analyze_recording

        analysis = analyze_recording(rec, drill=drill, side="right" if side == "right" else "left")
        return analysis.summary(), dict(analysis.derived_columns()), None
    except Exception as exc:  # the samples matter more than the analysis: store them anyway
        return None, {}, f"the analysis failed ({type(exc).__name__}: {exc}); stored the raw samples only"
