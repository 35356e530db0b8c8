"""Export sessions as files people can open: samples CSV, reps CSV, summary JSON, history CSV.

samples CSV: the raw columns first (time_s, acc_*_mps2, gyr_*_dps, sample_counter, …),
so the file re-imports as raw IMU CSV; derived columns (angles, quaternion) after.
Every file is written to ``<name>.part`` with mode 0600, fsync'ed, then renamed, so a
full disk or a crash never leaves a half file under the real name.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from dorsi import __version__
from dorsi.errors import StorageError
from dorsi.io.files import remove_stale_parts, write_all_private_atomic
from dorsi.io.rawcsv import RAW_FORMATS
from dorsi.motion.types import Recording
from dorsi.store.models import SessionInfo, to_json_text
from dorsi.store.paths import ensure_private_dir
from dorsi.store.store import SessionStore

SUMMARY_FORMAT = "dorsi-session"
SUMMARY_FORMAT_VERSION = 1
HISTORY_FILENAME = "dorsi_history.csv"
ROWS_PER_BLOCK = 20_000  # samples formatted per write: bounded memory for long sessions
REP_FIRST_COLUMNS = ("index", "side", "start_s", "end_s", "peak_tibial_inclination_deg", "hold_s", "score")
REP_TIME_KEYS = ("start_s", "end_s", "peak_s", "emitted_s")  # times of a rep (durations such as hold_s are not)
SENSOR_TIME_COLUMN = "sensor_time_s"
# the store's own bookkeeping, not the session's facts: left out so export → import → export is identical
LOCAL_SESSION_KEYS = ("id", "profile_id", "source_file")
HISTORY_COLUMNS = ("date", "side", "angle_deg", "toe_to_wall_cm", "band", "session_id", "drill", "taken_at")


@dataclass(frozen=True)
class ExportedSession:
    session_id: int
    samples_csv: Path
    reps_csv: Path
    summary_json: Path

    @property
    def files(self) -> tuple[Path, Path, Path]:
        return (self.samples_csv, self.reps_csv, self.summary_json)


class ExportAnalysis(Protocol):
    """What the caller (CLI, app) lends an export: the store never runs the analysis itself."""

    def derived_columns(self, rec: Recording, info: SessionInfo) -> Mapping[str, NDArray[np.float64]]:
        """Per-sample angles and quaternion for a session stored without them (may raise)."""
        ...

    def toe_to_wall_cm(self, peak_deg: float, info: SessionInfo) -> float | None:
        """A knee-to-wall trial's cm from its peak, with the lengths of the session's result."""
        ...


def file_prefix(info: SessionInfo) -> str:
    """dorsi_20240501-103000_s7_knee_to_wall_left (local start time)."""
    try:
        started = datetime.fromisoformat(info.started_at).astimezone()
        stamp = started.strftime("%Y%m%d-%H%M%S")
    except ValueError:
        stamp = "unknown-date"
    drill = re.sub(r"[^A-Za-z0-9]+", "_", info.drill).strip("_")[:40] or "session"
    return f"dorsi_{stamp}_s{info.id}_{drill}_{info.side}"


def session_times(time_s: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(from 0 at the session start, the sensor clock), both on whole microseconds.

    Both come from the same integer microseconds, so a re-imported file (whose sensor clock is
    read back from its own column) exports to the very same text.
    """
    us = np.round(np.asarray(time_s, dtype=np.float64) * 1e6)
    if not len(us):
        return us.copy(), us.copy()
    return (us - us[0]) / 1e6, us / 1e6


def export_session(
    store: SessionStore,
    session_id: int,
    out_dir: str | os.PathLike[str],
    analysis: ExportAnalysis | None = None,
) -> ExportedSession:
    """Write the three files of one session into out_dir (created if missing).

    analysis: fills in the per-sample angles of a session stored without them, and the
    cm of each knee-to-wall trial; without it those columns are left out.
    """
    info = store.session(session_id)
    rec = store.load_recording(session_id)
    derived = store.derived_columns(session_id)
    if not derived and analysis is not None and len(rec) >= 2:
        try:
            derived = {k: np.asarray(v, dtype=np.float64) for k, v in analysis.derived_columns(rec, info).items()}
        except Exception:
            derived = {}
    reps = store.reps(session_id)
    out = _prepare_dir(Path(out_dir))
    prefix = file_prefix(info)
    paths = ExportedSession(
        session_id,
        out / f"{prefix}_samples.csv",
        out / f"{prefix}_reps.csv",
        out / f"{prefix}_summary.json",
    )
    rel_s, sensor_s = session_times(rec.time_s)
    raw: dict[str, NDArray[np.float64]] = {"time_s": rel_s}
    for i, axis in enumerate("xyz"):
        raw[f"acc_{axis}_mps2"] = rec.acc_mps2[:, i]
    for i, axis in enumerate("xyz"):
        raw[f"gyr_{axis}_dps"] = rec.gyr_dps[:, i]
    raw[SENSOR_TIME_COLUMN] = sensor_s
    raw.update({k: v for k, v in rec.extra.items() if k != SENSOR_TIME_COLUMN})
    t0 = float(sensor_s[0]) if len(sensor_s) else 0.0
    session = {k: v for k, v in info.to_json().items() if k not in LOCAL_SESSION_KEYS}
    doc = {
        "format": SUMMARY_FORMAT,
        "format_version": SUMMARY_FORMAT_VERSION,
        "exported_by": f"dorsi {__version__}",
        "session": {**session, "calibration": info.calibration},
        "columns": {"raw": list(raw), "derived": list(derived)},
        "time": {
            "time_s": "seconds from the session's first sample",
            SENSOR_TIME_COLUMN: "the sensor's clock (s); reps' times are from the session start",
        },
        "analysis": info.summary,
    }
    write_all_atomic(
        [
            (paths.samples_csv, _csv_blocks({**raw, **derived})),
            (paths.reps_csv, [_reps_csv(reps, info, t0, analysis)]),
            (paths.summary_json, [to_json_text(doc, indent=2) + "\n"]),
        ]
    )
    return paths


def export_history(store: SessionStore, out_dir: str | os.PathLike[str]) -> Path:
    """All knee-to-wall results, oldest first, for spreadsheets: date, side, angle, cm, band."""
    out = _prepare_dir(Path(out_dir))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HISTORY_COLUMNS)
    for r in store.test_results():
        try:
            date = datetime.fromisoformat(r["taken_at"]).astimezone().date().isoformat()
        except ValueError:
            date = r["taken_at"][:10]
        w.writerow(
            [
                date,
                r["side"],
                _cell(r["angle_deg"]),
                _cell(r["toe_to_wall_cm"]),
                r["band"] or "",
                r["session_id"],
                r["drill"],
                r["taken_at"],
            ]
        )
    path = out / HISTORY_FILENAME
    write_atomic(path, [buf.getvalue()])
    return path


def export_all(
    store: SessionStore, out_dir: str | os.PathLike[str], analysis: ExportAnalysis | None = None
) -> tuple[list[ExportedSession], Path]:
    done = [export_session(store, s.id, out_dir, analysis) for s in store.sessions()]
    return done, export_history(store, out_dir)


# -- formatting ----------------------------------------------------------------------
def column_format(name: str, values: NDArray[np.float64]) -> str:
    """By name first (so a column's format never depends on its values), then whole numbers."""
    if name in RAW_FORMATS:
        return RAW_FORMATS[name]
    if name == SENSOR_TIME_COLUMN:
        return RAW_FORMATS["time_s"]
    if name == "sample_counter":
        return "%.0f"
    if name.startswith("quat_"):
        return "%.7f"
    if name.endswith("_deg"):
        return "%.4f"
    finite = values[np.isfinite(values)]
    if len(finite) == len(values) and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**53):
        return "%.0f"
    return "%.10g"


def _csv_blocks(columns: Mapping[str, NDArray[np.float64]]) -> Iterable[str]:
    names = list(columns)
    matrix = np.column_stack([np.asarray(columns[n], dtype=np.float64) for n in names])
    fmt = ",".join(column_format(n, matrix[:, j]) for j, n in enumerate(names))
    yield ",".join(names) + "\n"
    for start in range(0, len(matrix), ROWS_PER_BLOCK):
        buf = io.StringIO()
        np.savetxt(buf, matrix[start : start + ROWS_PER_BLOCK], fmt=fmt, delimiter=",")
        yield buf.getvalue()


def _reps_csv(reps: list[dict[str, Any]], info: SessionInfo, t0: float, analysis: ExportAnalysis | None) -> str:
    """One row per rep: side, times from the session start, and the cm of a knee-to-wall trial."""
    knee_to_wall = info.drill.replace("_", "-") == "knee-to-wall"
    rows = []
    for rep in reps:
        row = {**rep, "side": rep.get("side") or info.side}
        for k in REP_TIME_KEYS:
            if isinstance(row.get(k), int | float) and not isinstance(row.get(k), bool):
                row[k] = round(float(row[k]) - t0, 3)
        if knee_to_wall:
            peak = row.get("peak_tibial_inclination_deg")
            cm = analysis.toe_to_wall_cm(float(peak), info) if analysis is not None and peak is not None else None
            row["toe_to_wall_cm"] = None if cm is None else round(cm, 1)
        rows.append(row)
    return _reps_table(rows, knee_to_wall)


def _reps_table(reps: list[dict[str, Any]], knee_to_wall: bool) -> str:
    scalar_keys: list[str] = [*REP_FIRST_COLUMNS, *(("toe_to_wall_cm",) if knee_to_wall else ())]
    for rep in reps:
        for k, v in rep.items():
            if k not in scalar_keys and (v is None or isinstance(v, str | int | float | bool)):
                scalar_keys.append(k)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(scalar_keys)
    for rep in reps:
        w.writerow([_cell(rep.get(k)) for k in scalar_keys])
    return buf.getvalue()


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.6g}" if np.isfinite(v) else ""
    if isinstance(v, dict | list):
        return to_json_text(v)
    return str(v)


# -- files -------------------------------------------------------------------------
def _prepare_dir(out: Path) -> Path:
    """The export folder, created if missing; .part files of an export killed before are cleaned."""
    if out.exists() and not out.is_dir():
        raise StorageError(f"cannot export to {out}: it is a file, not a folder")
    folder = ensure_private_dir(out, tighten=False)
    remove_stale_parts(folder, "dorsi_*")
    return folder


def write_atomic(path: Path, blocks: Iterable[str | bytes]) -> None:
    """Write text (or bytes) to path.part (0600, exclusive, no links), fsync, rename over path."""
    write_all_private_atomic([(path, blocks)])


write_all_atomic = write_all_private_atomic
