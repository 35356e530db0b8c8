"""Export sessions as files people can open: samples CSV, reps CSV, summary JSON, history CSV.

samples CSV: the raw columns first (time_s, acc_*_mps2, gyr_*_dps, sample_counter, …),
so the file re-imports as raw IMU CSV; derived columns (angles, quaternion) after.
Every file is written to ``<name>.part`` with mode 0600, fsync'ed, then renamed, so a
full disk or a crash never leaves a half file under the real name.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorsi import __version__
from dorsi.errors import StorageError
from dorsi.io.rawcsv import RAW_FORMATS
from dorsi.store.models import SessionInfo, to_json_text
from dorsi.store.paths import PRIVATE_FILE_MODE, ensure_private_dir
from dorsi.store.store import SessionStore

SUMMARY_FORMAT = "dorsi-session"
SUMMARY_FORMAT_VERSION = 1
HISTORY_FILENAME = "dorsi_history.csv"
ROWS_PER_BLOCK = 20_000  # samples formatted per write: bounded memory for long sessions
REP_FIRST_COLUMNS = ("index", "start_s", "end_s", "peak_tibial_inclination_deg", "hold_s", "score")
HISTORY_COLUMNS = ("date", "side", "angle_deg", "toe_to_wall_cm", "band", "session_id", "drill", "taken_at")


@dataclass(frozen=True)
class ExportedSession:
    session_id: int
    samples_csv: Path
    reps_csv: Path
    summary_json: Path


def file_prefix(info: SessionInfo) -> str:
    """dorsi_20240501-103000_s7_knee_to_wall_left (local start time)."""
    try:
        started = datetime.fromisoformat(info.started_at).astimezone()
        stamp = started.strftime("%Y%m%d-%H%M%S")
    except ValueError:
        stamp = "unknown-date"
    drill = re.sub(r"[^A-Za-z0-9]+", "_", info.drill).strip("_")[:40] or "session"
    return f"dorsi_{stamp}_s{info.id}_{drill}_{info.side}"


def export_session(store: SessionStore, session_id: int, out_dir: str | os.PathLike[str]) -> ExportedSession:
    """Write the three files of one session into out_dir (created if missing)."""
    info = store.session(session_id)
    rec = store.load_recording(session_id)
    derived = store.derived_columns(session_id)
    reps = store.reps(session_id)
    out = _prepare_dir(Path(out_dir))
    prefix = file_prefix(info)
    paths = ExportedSession(
        session_id,
        out / f"{prefix}_samples.csv",
        out / f"{prefix}_reps.csv",
        out / f"{prefix}_summary.json",
    )
    raw: dict[str, NDArray[np.float64]] = {"time_s": rec.time_s}
    for i, axis in enumerate("xyz"):
        raw[f"acc_{axis}_mps2"] = rec.acc_mps2[:, i]
    for i, axis in enumerate("xyz"):
        raw[f"gyr_{axis}_dps"] = rec.gyr_dps[:, i]
    raw.update(rec.extra)
    doc = {
        "format": SUMMARY_FORMAT,
        "format_version": SUMMARY_FORMAT_VERSION,
        "exported_by": f"dorsi {__version__}",
        "session": {**info.to_json(), "calibration": info.calibration},
        "columns": {"raw": list(raw), "derived": list(derived)},
        "files": {"samples": paths.samples_csv.name, "reps": paths.reps_csv.name},
        "analysis": info.summary,
    }
    write_all_atomic(
        [
            (paths.samples_csv, _csv_blocks({**raw, **derived})),
            (paths.reps_csv, [_reps_csv(reps)]),
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


def export_all(store: SessionStore, out_dir: str | os.PathLike[str]) -> tuple[list[ExportedSession], Path]:
    done = [export_session(store, s.id, out_dir) for s in store.sessions()]
    return done, export_history(store, out_dir)


# -- formatting ----------------------------------------------------------------------
def column_format(name: str, values: NDArray[np.float64]) -> str:
    if name in RAW_FORMATS:
        return RAW_FORMATS[name]
    finite = values[np.isfinite(values)]
    if name == "sample_counter" or (
        len(finite) == len(values) and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**53)
    ):
        return "%.0f"
    if name.startswith("quat_"):
        return "%.7f"
    if name.endswith("_deg"):
        return "%.4f"
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


def _reps_csv(reps: list[dict[str, Any]]) -> str:
    scalar_keys: list[str] = [k for k in REP_FIRST_COLUMNS]
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
    if out.exists() and not out.is_dir():
        raise StorageError(f"cannot export to {out}: it is a file, not a folder")
    return ensure_private_dir(out, tighten=False)


def write_atomic(path: Path, blocks: Iterable[str | bytes]) -> None:
    """Write text (or bytes) to path.part (0600), fsync, rename over path. One-line StorageError on failure."""
    write_all_atomic([(path, blocks)])


def write_all_atomic(files: Sequence[tuple[Path, Iterable[str | bytes]]]) -> None:
    """Write every file to its .part first and rename them only once all are on disk.

    If any write fails (disk full, permission) all .part files are removed and the
    files already there (an earlier export) are left as they were.
    """
    parts: list[Path] = []
    try:
        for path, blocks in files:
            tmp = path.with_name(path.name + ".part")
            parts.append(tmp)
            _write_file(tmp, blocks, path)
        for (path, _), tmp in zip(files, parts, strict=True):
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise _export_error(path, exc) from None
    finally:
        for tmp in parts:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def _write_file(tmp: Path, blocks: Iterable[str | bytes], shown: Path) -> None:
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    except OSError as exc:
        raise _export_error(shown, exc) from None
    try:
        for block in blocks:
            data = memoryview(block.encode("utf-8") if isinstance(block, str) else block)
            while data:
                written = os.write(fd, data)
                data = data[written:]
        os.fsync(fd)
    except OSError as exc:
        raise _export_error(shown, exc) from None
    finally:
        os.close(fd)


def _export_error(path: Path, exc: OSError) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(
            f"no space left on the disk to write {path}; nothing was written there "
            "and the stored sessions are unchanged, free some space and export again"
        )
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(
            f"cannot write {path}: {(exc.strerror or 'permission denied').lower()}; "
            "choose a folder you can write to (--out DIR)"
        )
    return StorageError(f"cannot write {path}: {(exc.strerror or str(exc)).lower()}")
