"""Raw IMU CSV (docs/formats.md): read with one-line errors naming file and line, write.

Required columns, in any order: time_s, acc_x_mps2, acc_y_mps2, acc_z_mps2,
gyr_x_dps, gyr_y_dps, gyr_z_dps. Other columns are kept if numeric, ignored if not.

The reader streams: blocks of lines go through a vectorised parser of plain decimals
(exact, ~4x numpy's C parser; _parse_decimals), else numpy's C parser, one at a time, and
only a block numpy refuses is walked line by line in Python to name the bad line. A regular
file is read in binary blocks; any other source as text blocks of about a megabyte
(universal newlines, so CR-only files read in linear time). Peak memory is the parsed
values plus one block.
"""

from __future__ import annotations

import bisect
import io
import math
import mmap
import os
import stat
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TextIO

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
BLOCK_CHARS = 1 << 19  # text parsed per C-parser call: ~7 k rows of a 7-column file
MAX_HEADER_CHARS = 1 << 16
MAX_LINE_CHARS = 1 << 16  # a row of a few dozen numbers is < 1 KB; longer is not this format
# names numpy's loader (np.lib._datasource) would decompress: read by the block reader, as text
_LOADER_OPENS_OTHERWISE = (".gz", ".bz2", ".xz", ".lzma", ".zst", ".zip")


class _LineError(InputError):
    """An InputError that also keeps the problem without its place."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.problem = problem


def _fail(path: str | os.PathLike[str], line: int | None, problem: str) -> _LineError:
    return _LineError(f"{path}:{line}" if line is not None else f"{path}", problem)


def _shown(cell: str) -> str:
    return repr(cell if len(cell) <= 20 else cell[:20] + "…")


@dataclass
class _Block:
    """Where a parsed block sits: its first row and line; ``lines`` when rows are not consecutive lines."""

    first_row: int
    first_line: int
    lines: NDArray[np.int64] | None = None


@dataclass
class _Parsed:
    columns: list[str]  # names of data's columns, required first
    data: NDArray[np.float64] | None
    where: _Block
    rows: int = field(init=False)

    def __post_init__(self) -> None:
        self.rows = 0 if self.data is None else len(self.data)


# The vectorised parser: a block of plain decimals (-?digits(.digits)? in every field, the same number of
# fraction digits all down a column, as every printf-style writer gives) in a few numpy passes over its
# bytes, ~4x numpy's C parser. Exact: a field's digits as one integer m < 2**53 and its k fraction
# digits give m / 10**k, one correctly rounded division of two exact doubles (the correctly rounded
# decimal, as numpy's parser gives); the sign after, so "-0.0" is -0.0. Any other block is declined.
DECIMAL_BLOCK_BYTES = 1 << 17  # bytes per vectorised parse: its per-field arrays stay in the cache
_NL, _COMMA, _MINUS, _DOT, _DIGIT_0, _DIGIT_9 = 10, 44, 45, 46, 48, 57
_POW10_U64 = 10 ** np.arange(20, dtype=np.uint64)
_POW10_F64 = 10.0 ** np.arange(23)  # exact doubles up to 1e22
_EXACT_INT = 1 << 53
_MAX_PART_DIGITS = 16  # integer or fraction part: two 8-digit words
_MAX_DIGITS = 19  # the field's integer below 2**64
_SHIFT_BITS = np.array([8 * (8 - n) for n in range(9)], dtype=np.uint64)  # n <= 8 digits to a word's top
_SWAR_STEPS = [
    (np.uint64(mask), np.uint64(times), np.uint64(down))
    for mask, times, down in (
        (0x0F0F0F0F0F0F0F0F, 10 << 8 | 1, 8),  # bytes to digits, pairs: 10 a + b
        (0x00FF00FF00FF00FF, 100 << 16 | 1, 16),  # quads
        (0x0000FFFF0000FFFF, 10000 << 32 | 1, 32),  # octets
    )
]


def _swar8(win: NDArray[np.uint64], start: NDArray[np.int64], shift: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The integers of the n <= 8 ASCII digits at each start, shift = 8 * (8 - n) bits: the 8 bytes from
    start as one 64-bit word, the digits shifted to its top bytes (zeros before them: a shift of 64 gives 0),
    then pairs, quads and octets of digits combined by multiplication (SWAR)."""
    x = win[start] << shift
    for mask, times, down in _SWAR_STEPS:
        x = ((x & mask) * times) >> down
    return x


def _digits_value(win: NDArray[np.uint64], start: NDArray[np.int64], n: NDArray[np.int64]) -> NDArray[np.uint64]:
    """The integers of the n <= 16 ASCII digits at each start."""
    if n.max() <= 8:
        return _swar8(win, start, _SHIFT_BITS[n])
    hi_n = np.maximum(n - 8, 0)
    hi = _swar8(win, start, ((8 - hi_n) * 8).astype(np.uint64))
    return hi * np.uint64(10**8) + _swar8(win, start + hi_n, ((8 - n + hi_n) * 8).astype(np.uint64))


def _parse_decimals(raw: bytes, cols: list[int]) -> NDArray[np.float64] | None:
    """Lines of plain decimals (\\n or \\r\\n ends; the last may lack one) as rows of the ``cols`` columns,
    bit for bit numpy's loadtxt; None for anything else (numpy's parser then reads the block)."""
    if b"\r" in raw:
        if raw.count(b"\r") != raw.count(b"\r\n"):
            return None
        raw = raw.replace(b"\r\n", b"\n")
    size = len(raw) + (not raw.endswith(b"\n"))
    pad = raw + b"\n" * (size - len(raw)) + bytes(8)  # a line end, and 8 bytes for the last 64-bit word
    b = np.frombuffer(pad, np.uint8, size)
    sep = np.flatnonzero(b < _MINUS)  # "," and "\n" (any other byte below "-" fails the next check)
    kinds = b[sep]
    ncols = int(np.argmax(kinds == _NL)) + 1
    rows = sep.size // ncols
    if rows == 0 or max(cols) >= ncols or sep.size != rows * ncols:
        return None
    kinds = kinds.reshape(rows, ncols)
    if not ((kinds[:, -1] == _NL).all() and (kinds[:, :-1] == _COMMA).all()):
        return None
    # column by column from here: a column's constants broadcast along long rows
    sep_at = sep.reshape(rows, ncols).T.copy()
    start = np.empty_like(sep_at)  # after the separator before: the last column's on the row before
    np.add(sep_at[:-1], 1, out=start[1:])
    np.add(sep_at[-1, :-1], 1, out=start[0, 1:])
    start[0, 0] = 0
    neg = b[start] == _MINUS
    first = pad[: sep_at[-1, 0]].split(b",")
    dotted = np.array([[b"." in cell] for cell in first])
    frac_n = np.array([[len(cell) - cell.find(b".") - 1 if b"." in cell else 0] for cell in first], dtype=np.int64)
    dot = sep_at - (frac_n + dotted)  # each field's "." (its separator when the column has none)
    int_start = start + neg
    int_n = dot - int_start
    digits_n = int_n + frac_n
    if int_n.min() < 0 or digits_n.min() < 1 or not ((b[dot] == _DOT) == dotted).all():
        return None
    # the bytes below "0" are those placed above (none above "9"): no other mark, so every other byte a digit
    n_marks = sep.size + rows * int(np.count_nonzero(dotted)) + int(np.count_nonzero(neg))
    if b.max() > _DIGIT_9 or np.count_nonzero(b < _DIGIT_0) != n_marks:
        return None
    int_max, frac_max, digits_max = int(int_n.max()), int(frac_n.max()), int(digits_n.max())
    if int_max > _MAX_PART_DIGITS or frac_max > _MAX_PART_DIGITS or digits_max > _MAX_DIGITS:
        return None
    if cols != list(range(ncols)):  # the columns wanted (checked all above, as numpy's parser would not)
        pick = slice(len(cols)) if cols == list(range(len(cols))) else cols
        int_start, int_n, frac_n, dot, neg = int_start[pick], int_n[pick], frac_n[pick], dot[pick], neg[pick]
    win = np.ndarray((size + 1,), dtype="<u8", buffer=pad, strides=(1,))  # the 8 bytes from each byte on
    mant = _digits_value(win, int_start, int_n)
    if frac_max:
        mant *= _POW10_U64[frac_n]
        after_dot = np.ndarray((size,), dtype="<u8", buffer=pad, offset=1, strides=(1,))  # win[i + 1]
        mant += _digits_value(after_dot, dot, frac_n)
    if digits_max > 15 and mant.max() > _EXACT_INT:
        return None
    values = mant.astype(np.float64)
    values /= np.where(neg, -_POW10_F64[frac_n], _POW10_F64[frac_n])  # the sign after: exact either way
    return values.T


def _parse_decimal_text(text: str, cols: list[int]) -> NDArray[np.float64] | None:
    """The vectorised parser on a text block, DECIMAL_BLOCK_BYTES at a time (each cut at a line end)."""
    if not text.isascii():
        return None
    raw = text.encode("ascii")
    parts: list[NDArray[np.float64]] = []
    at = 0
    while at < len(raw):
        end = len(raw) if len(raw) - at <= DECIMAL_BLOCK_BYTES else raw.rfind(b"\n", at, at + DECIMAL_BLOCK_BYTES) + 1
        data = _parse_decimals(raw[at:end], cols) if end > at else None
        if data is None:
            return None
        parts.append(data)
        at = end
    return np.concatenate(parts) if len(parts) > 1 else parts[0] if parts else None


def _parse_fast(lines: list[str], cols: list[int]) -> NDArray[np.float64] | None:
    """numpy's C parser on one block; None when it refuses (the slow path then names the line)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a block of comments only: "no data"
            # the block's lines as a list: a StringIO over the same text copies it into 4-byte characters
            data = np.loadtxt(lines, delimiter=",", usecols=cols, ndmin=2, dtype=np.float64)
    except ValueError:
        return None
    if not np.isfinite(data[:, : len(REQUIRED_COLUMNS)]).all():
        return None
    return data


def _parse_slow(
    path: str | os.PathLike[str], text_lines: list[str], first_line: int, req_idx: list[int], extras: dict[str, int]
) -> tuple[list[str], NDArray[np.float64], NDArray[np.int64]]:
    """Line by line, for a block the C parser refused: raises on the first bad required cell, drops
    (from ``extras``, for the whole file) an extra column holding text, skips blank and comment lines."""
    extra_items = list(extras.items())
    text_columns: set[str] = set()
    values: list[list[float]] = []
    lines: list[int] = []
    for k, line in enumerate(text_lines):
        content = line.split("#", 1)[0]
        if not content.strip():
            continue
        line_no = first_line + k
        cells = content.split(",")
        row: list[float] = []
        for name, col in zip(REQUIRED_COLUMNS, req_idx, strict=True):
            if col >= len(cells):
                has = f"{len(cells)} cell{'' if len(cells) == 1 else 's'}"
                raise _fail(path, line_no, f"has {has}, expected a value for {name}")
            cell = cells[col].strip()
            try:
                value = float(cell)
            except ValueError:
                raise _fail(path, line_no, f"{name} is not a number: {_shown(cell)}") from None
            if not math.isfinite(value):
                raise _fail(path, line_no, f"{name} is {_shown(cell)}; values must be finite numbers")
            row.append(value)
        for name, col in extra_items:
            value = math.nan
            if name not in text_columns:
                try:
                    value = float(cells[col])
                except (IndexError, ValueError):
                    text_columns.add(name)  # a text column (labels, notes): kept in the file, not loaded
            row.append(value)
        values.append(row)
        lines.append(line_no)
    for name in text_columns:
        del extras[name]
    columns = [*REQUIRED_COLUMNS, *(name for name, _ in extra_items)]
    data = np.array(values, dtype=np.float64).reshape(-1, len(columns))
    return columns, data, np.array(lines, dtype=np.int64)


def _parse_block(
    path: str | os.PathLike[str],
    text: str,
    first_line: int,
    first_row: int,
    req_idx: list[int],
    extras: dict[str, int],
) -> _Parsed:
    """One block of text: the vectorised parser, else numpy's, else line by line."""
    columns = [*REQUIRED_COLUMNS, *extras]
    cols = req_idx + list(extras.values())
    data = _parse_decimal_text(text, cols)
    if data is not None:  # every line a row
        return _Parsed(columns, data, _Block(first_row, first_line))
    lines = text.split("\n")  # lines[-1] is "" when the block ends at a line end
    data = _parse_fast(lines, cols)
    if data is not None and len(data) == len(lines) - (lines[-1] == ""):  # every line a row
        return _Parsed(columns, data, _Block(first_row, first_line))
    # refused, or rows skipped (blank or comment lines): the line-by-line walk knows each row's line
    columns, data, rows_lines = _parse_slow(path, lines, first_line, req_idx, extras)
    return _Parsed(columns, data, _Block(first_row, first_line, rows_lines))


def _blocks(fh: TextIO, path: str | os.PathLike[str]) -> Iterator[tuple[str, int, int]]:
    """Text ending at a line end, about BLOCK_CHARS long, with the file line it starts at
    and its length in characters; a last line without a line end is a block of its own. A read that
    ends mid-line is completed with that line's rest (readline) instead of being cut and the rest
    carried into the next read: two fewer copies of each block."""
    line_no = 2
    carry = ""
    while True:
        text = fh.read(BLOCK_CHARS)
        more = bool(text)
        if carry:
            text, carry = carry + text, ""
        if more and not text.endswith("\n"):
            cut = text.rfind("\n") + 1
            if cut == 0:
                if len(text) > MAX_LINE_CHARS:
                    raise _fail(path, line_no, f"line is longer than {MAX_LINE_CHARS // 1024} KB; not a row of numbers")
                carry = text
                continue
            text += fh.readline(MAX_LINE_CHARS)
            if not text.endswith("\n"):  # the line goes on past MAX_LINE_CHARS, or the file ends: carried on
                text, carry = text[:cut], text[cut:]  # (at the file's end, a block of its own)
        if text:
            yield text, line_no, len(text)
            line_no += text.count("\n")
        if not more and not carry:
            return


def _blank_rest(fh: TextIO) -> bool:
    while chunk := fh.read(BLOCK_CHARS):
        if chunk.strip():
            return False
    return True


def _header(fh: TextIO, path: str | os.PathLike[str]) -> list[str]:
    expected = "expected a header line " + ",".join(REQUIRED_COLUMNS)
    line = fh.readline(MAX_HEADER_CHARS + 1).removeprefix("\ufeff")
    if len(line) > MAX_HEADER_CHARS:
        raise _fail(path, 1, f"first line is longer than {MAX_HEADER_CHARS // 1024} KB; {expected}")
    if not line.strip():
        if _blank_rest(fh):
            raise _fail(path, None, "empty file")
        raise _fail(path, 1, f"first line is blank; {expected}")
    names = [h.strip() for h in line.rstrip("\n").split(",")]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise _fail(path, 1, f"header lacks column(s) {', '.join(missing)}; expected {','.join(REQUIRED_COLUMNS)}")
    dupes = sorted({n for n in names if names.count(n) > 1 and n})
    if dupes:
        raise _fail(path, 1, f"header repeats column(s) {', '.join(dupes)}")
    return names


class _Columns:
    """The output arrays, filled block by block; capacity estimated from the first block's row length."""

    def __init__(self, extras: dict[str, int]) -> None:
        self.numeric = extras  # the parser drops a column from it on its first text cell
        self.rows = 0
        self.capacity = 0
        self.time_s = np.empty(0)
        self.acc = np.empty((0, 3))
        self.gyr = np.empty((0, 3))
        self.extra = {name: np.empty(0) for name in extras}

    def reserve(self, capacity: int) -> None:
        if capacity <= self.capacity:
            return
        self.capacity = capacity
        self.time_s = _grown(self.time_s, capacity, self.rows)
        self.acc = _grown(self.acc, capacity, self.rows)
        self.gyr = _grown(self.gyr, capacity, self.rows)
        self.extra = {n: _grown(a, capacity, self.rows) for n, a in self.extra.items()}

    def add(self, p: _Parsed) -> None:
        assert p.data is not None
        for name in [n for n in self.extra if n not in self.numeric]:
            del self.extra[name]
        self.reserve(max(self.rows + p.rows, self.capacity * 3 // 2 if self.rows + p.rows > self.capacity else 0))
        span = slice(self.rows, self.rows + p.rows)
        self.time_s[span] = p.data[:, 0]
        self.acc[span] = p.data[:, 1:4]
        self.gyr[span] = p.data[:, 4:7]
        for name, col in self.extra.items():
            col[span] = p.data[:, p.columns.index(name)]
        self.rows += p.rows


def _grown(a: NDArray[np.float64], capacity: int, rows: int) -> NDArray[np.float64]:
    out = np.empty((capacity, *a.shape[1:]))  # pages past the rows written are never touched
    out[:rows] = a[:rows]
    return out


def _read(fh: TextIO, path: str | os.PathLike[str], size_chars: int, extra_columns: bool = True) -> Recording:
    names = _header(fh, path)
    req_idx = [names.index(c) for c in REQUIRED_COLUMNS]
    extras = {n: i for i, n in enumerate(names) if n and n not in REQUIRED_COLUMNS and extra_columns}
    out = _Columns(extras)
    blocks: list[_Block] = []
    left_out: list[str] = []
    for text, first_line, chars in _blocks(fh, path):
        try:
            p = _parse_block(path, text, first_line, out.rows, req_idx, extras)
        except _LineError as exc:
            if text.endswith("\n"):  # the block ends with a line end
                raise
            # the file ends mid-line (only the last line lacks a line end): a write cut off by a crash,
            # a full disk or a copy stopped early. The samples before it are whole: keep them.
            left_out.append(f"line {first_line} is cut off (the file ends mid-line): ignored ({exc.problem})")
            continue
        if not blocks and p.rows:  # rows expected in the whole file, from this block's chars per row
            out.reserve(int(p.rows * size_chars / chars * 1.02) + 64)
        out.add(p)
        blocks.append(p.where)
    rows = out.rows
    if rows == 0:
        raise _fail(path, 2, "no samples after the header")
    time_s, acc, gyr = out.time_s[:rows], out.acc[:rows], out.gyr[:rows]
    extra = {n: a[:rows] for n, a in out.extra.items()}

    dt = np.diff(time_s)
    bad = np.flatnonzero(dt <= 0)
    if bad.size:
        row = int(bad[0]) + 1
        what = "repeats the previous sample" if dt[bad[0]] == 0 else "goes backwards"
        line = _line_of_row(blocks, row)
        raise _fail(path, line, f"time_s {what} ({time_s[row]:.6f} s follows {time_s[row - 1]:.6f} s)")
    if rows < 2:
        raise _fail(path, 2, "only one sample; need at least two to know the rate")
    rec = Recording(time_s=time_s, acc_mps2=acc, gyr_dps=gyr, extra=extra, source=str(path), warnings=left_out)
    return _with_rate(rec, dt, path)


def _with_rate(rec: Recording, dt: NDArray[np.float64], path: str | os.PathLike[str]) -> Recording:
    rate = rec.measured_from(dt).rate_hz  # measured once, from the intervals just checked; kept by the recording
    if not (MIN_RATE_HZ * 0.98 <= rate <= MAX_RATE_HZ * 1.02):
        raise _fail(path, None, f"sample rate {rate:.1f} Hz is outside {MIN_RATE_HZ:g}–{MAX_RATE_HZ:g} Hz")
    return rec


def _numpy_may_open(fh: TextIO, path: str | os.PathLike[str]) -> bool:
    """Whether numpy's loader, given the name, reads what ``fh`` reads: a regular file (a pipe such as
    /dev/stdin, opened again, would go on where ``fh`` stopped) under a name it opens as plain text (it
    decompresses .gz and the like, and fetches URLs)."""
    name = os.fspath(path)
    if not isinstance(name, str) or "://" in name or name.lower().endswith(_LOADER_OPENS_OTHERWISE):
        return False
    return stat.S_ISREG(os.fstat(fh.fileno()).st_mode)


def _has_long_line(fh: TextIO) -> bool:
    """Whether a line of the (regular) file is over MAX_LINE_CHARS bytes (so maybe over as many characters,
    which the block reader may refuse): hops from line start to the last line end within the next
    MAX_LINE_CHARS + 1 bytes, ~size / 64 KB hops, on a memory map (nothing copied)."""
    with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        pos, size = 0, len(mm)
        while size - pos > MAX_LINE_CHARS:
            end = pos + MAX_LINE_CHARS + 1
            lf = mm.rfind(b"\n", pos, end)
            last = max(lf, mm.rfind(b"\r", max(lf + 1, pos), end))
            if last < 0:
                return True
            pos = last + 1
    return False


def _loadtxt_bytes(raw: bytes, cols: list[int]) -> NDArray[np.float64] | None:
    """numpy's C parser on whole lines of the file's bytes (universal newlines, comments and blank lines
    skipped, as it reads a file); None when it refuses them."""
    try:
        text = raw.decode("utf-8")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # comment or blank lines only: "no data"
            return np.loadtxt(text.split("\n"), delimiter=",", usecols=cols, ndmin=2, dtype=np.float64)
    except ValueError:  # (UnicodeDecodeError is a ValueError)
        return None


def _load_values(name: str, cols: list[int]) -> NDArray[np.float64] | None:
    """The values of the lines after the header, read in binary DECIMAL_BLOCK_BYTES at a time, each cut at
    its last line end: the vectorised parser, or numpy's where it declines; None when numpy's refuses a
    block. The output is reserved from the first block's bytes per row (+2 %), grown by half if short."""
    with open(name, "rb") as fb:
        size = os.fstat(fb.fileno()).st_size
        head = fb.read(MAX_HEADER_CHARS * 4 + 8)  # the header line _header read: BOM, characters, line end
        ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
        if not ends:
            return None
        header_end = min(ends) + 1 + (head[min(ends) : min(ends) + 2] == b"\r\n")
        fb.seek(header_end)
        out = np.empty((0, len(cols)))
        rows = 0
        carry = b""
        while True:
            chunk = fb.read(DECIMAL_BLOCK_BYTES)
            raw = carry + chunk if carry else chunk
            if chunk:  # cut after the last line end ("\r" only if not last: "\n" may follow)
                cut = max(raw.rfind(b"\n"), raw.rfind(b"\r", 0, len(raw) - 1)) + 1
                raw, carry = raw[:cut], raw[cut:]
            if raw:
                data = _parse_decimals(raw, cols)
                if data is None:
                    data = _loadtxt_bytes(raw, cols)
                    if data is None:
                        return None
                if rows + len(data) > len(out):
                    grown = rows + len(data) if rows else int(len(data) * (size - header_end) / len(raw) * 1.02) + 64
                    out = _grown(out, max(grown, len(out) * 3 // 2), rows)
                out[rows : rows + len(data)] = data
                rows += len(data)
            if not chunk:
                return out[:rows]


def _read_whole(fh: TextIO, path: str | os.PathLike[str], extra_columns: bool) -> Recording | None:
    """The usual file (every line after the header a row of finite numbers, times increasing), read in binary
    blocks, each by the vectorised parser or else numpy's C parser (no text blocks). None for anything else
    (a cell numpy refuses, a value not finite, a time not after the one before, a line over MAX_LINE_CHARS
    bytes): the block reader then reads the file again and names the line. Only where ``_numpy_may_open``;
    the header is read (and checked) from ``fh``."""
    name = os.fspath(path)
    names = _header(fh, path)
    try:
        if _has_long_line(fh):  # the block reader's limit depends on where its blocks fall: it decides
            return None
    except (OSError, ValueError):  # (a file emptied since: mmap refuses it)
        return None
    cols = [names.index(c) for c in REQUIRED_COLUMNS]
    extras = [n for n in names if n and n not in REQUIRED_COLUMNS and extra_columns]
    cols += [names.index(n) for n in extras]
    try:
        data = _load_values(name, cols)
    except OSError:
        return None
    if data is None or len(data) < 2 or not np.isfinite(data[:, : len(REQUIRED_COLUMNS)]).all():
        return None
    # the columns are views of the rows (peak memory stays the values), but the times are copied: the
    # passes over them (intervals, gaps, searches) cost more than the copy on a view
    time_s = data[:, 0].copy()
    dt = np.diff(time_s)
    if not (dt > 0).all():
        return None
    extra = {n: data[:, len(REQUIRED_COLUMNS) + k] for k, n in enumerate(extras)}
    rec = Recording(time_s, data[:, 1:4], data[:, 4:7], extra, source=str(path))
    return _with_rate(rec, dt, path)


def _line_of_row(blocks: list[_Block], row: int) -> int:
    """1-based file line of the row-th (0-based) data row."""
    b = blocks[bisect.bisect_right([b.first_row for b in blocks], row) - 1]
    k = row - b.first_row
    return int(b.lines[k]) if b.lines is not None else b.first_line + k


def parse_raw_csv(text: str, path: str | os.PathLike[str] = "<csv>") -> Recording:
    """Parse raw IMU CSV text. Raises InputError naming the line and the problem."""
    return _read(io.StringIO(text, newline=None), path, len(text))


def _count_lines(raw: bytes) -> int:
    return raw.count(b"\n") + raw.count(b"\r") - raw.count(b"\r\n")


def _undecodable_line(path: str | os.PathLike[str]) -> int | None:
    """The line of the first byte that is not UTF-8, read again in binary, block by block."""
    before = 0
    carry = b""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(BLOCK_CHARS)
            raw = carry + chunk
            cut = max(raw.rfind(b"\n"), raw.rfind(b"\r", 0, len(raw) - 1)) + 1 if chunk else len(raw)
            try:
                raw[:cut].decode("utf-8")
            except UnicodeDecodeError as exc:
                return before + _count_lines(raw[: exc.start]) + 1
            before += _count_lines(raw[:cut])
            carry = raw[cut:]
            if not chunk:
                return None


def read_raw_csv(path: str | os.PathLike[str], *, extra_columns: bool = True) -> Recording:
    """Read a raw IMU CSV file; every problem is an InputError with file and line. ``extra_columns=False``:
    only the required columns are parsed (the others, e.g. sample_counter, cost the parser as much per
    cell; an extra column never makes a file unreadable, so the samples read are the same)."""
    try:
        fh = open(path, encoding="utf-8-sig", newline=None)  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise _fail(path, None, "no such file") from None
    except IsADirectoryError:
        raise _fail(path, None, "is a directory, not a CSV file") from None
    except PermissionError:
        raise _fail(path, None, "permission denied") from None
    except OSError as exc:
        raise _fail(path, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        with fh:
            if _numpy_may_open(fh, path):
                rec = _read_whole(fh, path, extra_columns)
                if rec is not None:
                    return rec
                fh.seek(0)
            return _read(fh, path, os.fstat(fh.fileno()).st_size, extra_columns)
    except UnicodeDecodeError:
        pass
    except IsADirectoryError:
        raise _fail(path, None, "is a directory, not a CSV file") from None
    except OSError as exc:
        raise _fail(path, None, f"cannot read: {exc.strerror or exc}") from None
    raise _fail(path, _undecodable_line(path), "is not UTF-8 text")


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
