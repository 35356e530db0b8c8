"""Raw IMU CSV (docs/formats.md): read with one-line errors naming file and line, write.

Required columns, in any order: time_s, acc_x_mps2, acc_y_mps2, acc_z_mps2,
gyr_x_dps, gyr_y_dps, gyr_z_dps. Other columns are kept if numeric, ignored if not.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from dorsi.errors import InputError
from dorsi.motion.types import Recording

REQUIRED_COLUMNS = (
    "time_s",
    "acc_x_mps2",
    "acc_y_mps2",
    "acc_z_mps2",
    "gyr_x_dps",
    "gyr_y_dps",
    "gyr_z_dps",
)
MIN_RATE_HZ = 25.0
MAX_RATE_HZ = 1000.0


def _fail(path: str | os.PathLike[str], line: int | None, problem: str) -> InputError:
    where = f"{path}:{line}" if line is not None else f"{path}"
    return InputError(f"{where}: {problem}")


def _find_bad_cell(path: str | os.PathLike[str], text: str, columns: Sequence[int], names: Sequence[str]) -> InputError:
    """Slow path, only after the fast parser failed: name the first bad line and cell."""
    for line_no, line in enumerate(io.StringIO(text), start=1):
        if line_no == 1 or not line.strip():
            continue
        cells = line.rstrip("\r\n").split(",")
        for col, name in zip(columns, names, strict=True):
            if col >= len(cells):
                return _fail(path, line_no, f"has {len(cells)} cells, expected a value for {name}")
            cell = cells[col].strip()
            try:
                value = float(cell)
            except ValueError:
                shown = cell if len(cell) <= 20 else cell[:20] + "…"
                return _fail(path, line_no, f"{name} is not a number: {shown!r}")
            if not math.isfinite(value):
                return _fail(path, line_no, f"{name} is {cell!r}; values must be finite numbers")
    return _fail(path, None, "could not parse the numeric columns")


def parse_raw_csv(text: str, path: str | os.PathLike[str] = "<csv>") -> Recording:
    """Parse raw IMU CSV text. Raises InputError naming the line and the problem."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first_nl = text.find("\n")
    header = (text if first_nl < 0 else text[:first_nl]).strip("\r\n")
    if not header.strip():
        raise _fail(path, 1, "empty file; expected a header line " + ",".join(REQUIRED_COLUMNS))
    names = [h.strip() for h in header.split(",")]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise _fail(path, 1, f"header lacks column(s) {', '.join(missing)}; expected {','.join(REQUIRED_COLUMNS)}")
    dupes = sorted({n for n in names if names.count(n) > 1 and n})
    if dupes:
        raise _fail(path, 1, f"header repeats column(s) {', '.join(dupes)}")
    body = text[first_nl + 1 :] if first_nl >= 0 else ""
    if not body.strip():
        raise _fail(path, 2, "no samples after the header")

    req_idx = [names.index(c) for c in REQUIRED_COLUMNS]
    extra_idx = [i for i, n in enumerate(names) if n and n not in REQUIRED_COLUMNS]
    extra: dict[str, NDArray[np.float64]] = {}
    try:  # fast path: every column numeric, one pass
        data = np.loadtxt(io.StringIO(body), delimiter=",", usecols=req_idx + extra_idx, ndmin=2, dtype=np.float64)
        extra = {names[i]: np.ascontiguousarray(data[:, 7 + j]) for j, i in enumerate(extra_idx)}
    except ValueError:
        try:
            data = np.loadtxt(io.StringIO(body), delimiter=",", usecols=req_idx, ndmin=2, dtype=np.float64)
        except ValueError:
            raise _find_bad_cell(path, text, req_idx, REQUIRED_COLUMNS) from None
        for i in extra_idx:
            try:
                col = np.loadtxt(io.StringIO(body), delimiter=",", usecols=[i], ndmin=1, dtype=np.float64)
            except ValueError:
                continue  # a text column (labels, notes): kept in the file, not loaded
            if col.shape == (len(data),):
                extra[names[i]] = col
    if not np.all(np.isfinite(data[:, :7])):
        raise _find_bad_cell(path, text, req_idx, REQUIRED_COLUMNS)
    # loadtxt skips blank lines; map data rows back to file lines only when reporting.
    time_s = np.ascontiguousarray(data[:, 0])
    dt = np.diff(time_s)
    bad = np.flatnonzero(dt <= 0)
    if bad.size:
        row = int(bad[0]) + 1
        line = _data_row_to_line(text, row)
        what = "repeats the previous sample" if dt[bad[0]] == 0 else "goes backwards"
        raise _fail(path, line, f"time_s {what} ({time_s[row]:.6f} s follows {time_s[row - 1]:.6f} s)")
    if len(time_s) < 2:
        raise _fail(path, 2, "only one sample; need at least two to know the rate")
    rate = float(1.0 / np.median(dt))
    if not (MIN_RATE_HZ * 0.98 <= rate <= MAX_RATE_HZ * 1.02):
        raise _fail(path, None, f"sample rate {rate:.1f} Hz is outside {MIN_RATE_HZ:g}–{MAX_RATE_HZ:g} Hz")

    return Recording(
        time_s=time_s,
        acc_mps2=np.ascontiguousarray(data[:, 1:4]),
        gyr_dps=np.ascontiguousarray(data[:, 4:7]),
        extra=extra,
        source=str(path),
    )


def _data_row_to_line(text: str, row: int) -> int:
    """1-based file line of the row-th (0-based) non-blank data line."""
    seen = -1
    for line_no, line in enumerate(io.StringIO(text), start=1):
        if line_no == 1 or not line.strip():
            continue
        seen += 1
        if seen == row:
            return line_no
    return row + 2


def read_raw_csv(path: str | os.PathLike[str]) -> Recording:
    """Read a raw IMU CSV file; every problem is an InputError with file and line."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise _fail(path, None, "no such file") from None
    except IsADirectoryError:
        raise _fail(path, None, "is a directory, not a CSV file") from None
    except PermissionError:
        raise _fail(path, None, "permission denied") from None
    except OSError as exc:
        raise _fail(path, None, f"cannot read: {exc.strerror or exc}") from None
    if not raw.strip():
        raise _fail(path, None, "empty file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(path, line, "is not UTF-8 text") from None
    return parse_raw_csv(text, path)


def format_columns(columns: Mapping[str, NDArray[np.generic]], formats: Mapping[str, str] | None = None) -> str:
    """Render equal-length columns as CSV text (header + rows)."""
    names = list(columns)
    fmts = formats or {}
    arrays = [np.asarray(columns[n]) for n in names]
    n = len(arrays[0]) if arrays else 0
    if any(len(a) != n for a in arrays):
        raise ValueError("columns differ in length")
    fmt = ",".join(
        fmts.get(name, "%d" if np.issubdtype(a.dtype, np.integer) else "%.6f")
        for name, a in zip(names, arrays, strict=True)
    )
    lines = [",".join(names)]
    if n:
        lines.extend(map(fmt.__mod__, zip(*(a.tolist() for a in arrays), strict=True)))
    return "\n".join(lines) + "\n"


RAW_FORMATS = {
    "time_s": "%.6f",
    "acc_x_mps2": "%.5f",
    "acc_y_mps2": "%.5f",
    "acc_z_mps2": "%.5f",
    "gyr_x_dps": "%.4f",
    "gyr_y_dps": "%.4f",
    "gyr_z_dps": "%.4f",
}


def raw_columns(rec: Recording) -> dict[str, NDArray[np.generic]]:
    cols: dict[str, NDArray[np.generic]] = {"time_s": rec.time_s}
    for i, axis in enumerate("xyz"):
        cols[f"acc_{axis}_mps2"] = rec.acc_mps2[:, i]
    for i, axis in enumerate("xyz"):
        cols[f"gyr_{axis}_dps"] = rec.gyr_dps[:, i]
    cols.update(rec.extra)
    return cols


def write_raw_csv(path: str | os.PathLike[str], rec: Recording, formats: dict[str, str] | None = None) -> None:
    """Write a recording as raw IMU CSV (atomically: a temp file renamed into place)."""
    text = format_columns(raw_columns(rec), {**RAW_FORMATS, **(formats or {})})
    write_text_atomic(path, text)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """User-only (0600), via an exclusive .part that never follows a link (dorsi.io.files)."""
    from dorsi.io.files import write_private_atomic

    write_private_atomic(path, [text])
