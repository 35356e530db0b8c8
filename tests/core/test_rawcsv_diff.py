"""Differential test: for any file, read_raw_csv (whole-file parse first) gives exactly what the block reader
gives (samples, extra columns, warnings, rate), or the same InputError message."""

from __future__ import annotations

import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from dorsi.errors import InputError
from dorsi.io import rawcsv
from dorsi.io.rawcsv import REQUIRED_COLUMNS, read_raw_csv

# cells that are not plain numbers, or numbers only some parsers take
ODD_CELLS = [
    "nan",
    "inf",
    "-inf",
    "1e400",
    "1e-400",
    "0x1p3",
    "1_000",
    " 1.5 ",
    "\t2\x0b",
    "1\xa0",
    '"1.0"',
    "",
    "  ",
    "abc",
    "1\x00",
    "\u0661",  # an Arabic-Indic digit: Python's float takes it
    "1\u2028",  # Unicode line and paragraph separators: not line ends to either reader
    "\x852",
    "1\x1c",
    "+3",
    "1e5",
    "007",
    "1.",
    ".5",
]
ODD_LINES = ["", "   ", "\t", "\x0c", "# a comment", "  # indented comment", ",", "#", "\x00", "\u2028", "\x85"]
ENDINGS = ["\n", "\r\n", "\r"]


def _outcome(path: Path, extra_columns: bool, whole: bool) -> object:
    try:
        if whole:
            with mock.patch.object(rawcsv, "_read", wraps=rawcsv._read) as block_read:
                rec = read_raw_csv(path, extra_columns=extra_columns)
            if currently_in_test_context():
                event("read whole" if not block_read.called else "whole fell back")
        else:  # the block reader, on the file opened as read_raw_csv opens it
            with mock.patch.object(rawcsv, "_numpy_may_open", lambda fh, p: False):
                rec = read_raw_csv(path, extra_columns=extra_columns)
    except InputError as exc:
        return str(exc)
    return rec


def _assert_same(path: Path, extra_columns: bool) -> str:
    """Returns what both gave: "error" or "read"."""
    got = _outcome(path, extra_columns, whole=True)
    want = _outcome(path, extra_columns, whole=False)
    if isinstance(want, str) or isinstance(got, str):
        assert got == want
        return "error"
    assert isinstance(got, rawcsv.Recording) and isinstance(want, rawcsv.Recording)
    for a, b in ((got.time_s, want.time_s), (got.acc_mps2, want.acc_mps2), (got.gyr_dps, want.gyr_dps)):
        np.testing.assert_array_equal(a, b, strict=True)
    assert list(got.extra) == list(want.extra)
    for name in got.extra:
        np.testing.assert_array_equal(got.extra[name], want.extra[name])
    assert got.warnings == want.warnings
    assert got.source == want.source
    assert got.rate_hz == want.rate_hz
    return "read"


def _rarely(n: int) -> st.SearchStrategy[bool]:
    """True about once in n draws (hypothesis favours a strategy's first and edge values)."""
    return st.sampled_from([False] * (n - 1) + [True])


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    extras = draw(st.lists(st.sampled_from(["count", "note", "temp_c", ""]), unique=True, max_size=3))
    names = draw(st.permutations([*REQUIRED_COLUMNS, *extras]))
    rate_hz = draw(st.sampled_from([100.0, 200.0, 1000.0, 100.0, 20.0]))
    n_rows = draw(st.sampled_from([12, 5, 2, 1, 0]))
    odd = draw(st.sampled_from([0.0, 0.0, 0.1, 0.3, 0.6]))  # the share of rows changed
    lines = [",".join(names) + draw(st.sampled_from(["", "", "", " ", ",", " # header note"]))]
    if draw(st.booleans()):
        lines[0] = lines[0].replace(names[0], f" {names[0]} ", 1)
    for i in range(n_rows):
        while draw(st.floats(0, 1)) < odd / 2:
            lines.append(draw(st.sampled_from(ODD_LINES)))
        t = i / rate_hz
        cells = {name: f"{draw(st.floats(-2000, 2000, allow_nan=False, allow_infinity=False)):.5f}" for name in names}
        cells.update(time_s=f"{t:.6f}", count=str(i), note="ok", temp_c="21.5")
        row = [cells[n] if n else "" for n in names]
        if draw(st.floats(0, 1)) < odd:
            change = draw(st.sampled_from(["cell", "drop", "add", "comment", "time", "spaces"]))
            k = draw(st.integers(0, len(row) - 1))
            if change == "cell":
                row[k] = draw(st.sampled_from(ODD_CELLS))
            elif change == "drop":
                del row[draw(st.integers(0, len(row) - 1)) :]
            elif change == "add":
                row += draw(st.lists(st.sampled_from(["1", "x", ""]), min_size=1, max_size=3))
            elif change == "comment":
                row[-1] += draw(st.sampled_from([" # note", "#", "# a,b,c"]))
            elif change == "time":
                row[names.index("time_s")] = f"{max(0.0, t - draw(st.sampled_from([1, 2])) / rate_hz):.6f}"
            else:
                row[k] = f"  {row[k]}\t"
        lines.append(",".join(row))
    end = draw(st.sampled_from(ENDINGS))
    mixed = draw(st.booleans())
    text = ""
    for line in lines:
        text += line + (draw(st.sampled_from(ENDINGS)) if mixed else end)
    if n_rows and draw(st.booleans()):  # the last line cut off mid-line, or just without its line end
        last = text.rstrip("\r\n")
        text = last[: len(last) - draw(st.integers(0, min(8, len(last))))]
    if draw(_rarely(10)):  # the header only
        text = lines[0] + end
    raw = (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode()
    if draw(_rarely(20)):  # a byte that is not UTF-8
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xe9t\xe9"])) + raw[at:]
    return raw


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=csv_files(), extra_columns=st.booleans())
def test_whole_file_path_agrees_with_block_reader(raw: bytes, extra_columns: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rec.csv"
        path.write_bytes(raw)
        event(_assert_same(path, extra_columns))


def _rows(n: int, rate_hz: float = 100.0) -> list[str]:
    return [f"{i / rate_hz:.6f},0.1,0.2,9.8,1.0,2.0,3.0" for i in range(n)]


HEADER = ",".join(REQUIRED_COLUMNS)
LONG = 1 << 20  # past any block the block reader reads (it refuses a line it cannot end within a block)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(HEADER + "\n", id="header-only"),
        pytest.param("\n".join([HEADER, *_rows(1)]) + "\n", id="one-row"),
        pytest.param("\r".join([HEADER, *_rows(50)]) + "\r", id="cr-only"),
        pytest.param("\n".join([HEADER + ",note", *(r + ",1" for r in _rows(50))]) + "\n", id="numeric-extra"),
        pytest.param("\n".join([HEADER, *_rows(50)]) + "\n# " + "x" * LONG + "\n", id="long-comment-line"),
        pytest.param("\n".join([HEADER, *_rows(50)]) + "," + "1," * (LONG // 2) + "\n", id="long-row"),
        pytest.param("\n".join([HEADER, *_rows(50)]) + " " * LONG + "\n", id="long-trailing-spaces"),
        pytest.param("\n".join([HEADER, *_rows(50)]) + "#" + "y" * LONG, id="long-cut-comment"),
        # regressions: numpy took these lines whole; the block reader refuses a line it cannot end within
        # two of its reads ("line is longer than 64 KB")
        pytest.param("\n".join([HEADER, *_rows(50), "# " + "z" * 3 * LONG, *_rows(60)[50:]]) + "\n", id="3mb-comment"),
        pytest.param("\n".join([HEADER, *_rows(50)]) + " " * 3 * LONG + "\r\n", id="3mb-trailing-spaces"),
        pytest.param("\n".join([HEADER + ",n", *(r + ",1" for r in _rows(50))]) + ",2" * LONG + "\n", id="2mb-row"),
    ],
)
@pytest.mark.parametrize("extra_columns", [True, False])
def test_whole_file_path_agrees_on(tmp_path: Path, text: str, extra_columns: bool) -> None:
    path = tmp_path / "rec.csv"
    path.write_text(text, newline="")
    _assert_same(path, extra_columns)


def test_probe_is_exercised() -> None:
    """The whole-file path does read the plain file (else the comparison above would be of one reader)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rec.csv"
        path.write_text("\n".join([HEADER, *_rows(50)]) + "\n")
        with mock.patch.object(rawcsv, "_read", side_effect=AssertionError("fell back")):
            assert len(read_raw_csv(path)) == 50


@pytest.mark.parametrize(
    ("text", "long"),
    [
        ("a\n" + "x" * 65536 + "\n", False),
        ("a\n" + "x" * 65537 + "\n", True),
        ("a\r" + "x" * 65536 + "\r" + "y" * 65536, False),
        ("a\r\n" + "x" * 65536 + "\r\n" + "y" * 65537, True),
        ("a\n" * 100_000, False),
        ("x" * 65537, True),
    ],
)
def test_long_line_check(tmp_path: Path, text: str, long: bool) -> None:
    path = tmp_path / "rec.csv"
    path.write_bytes(text.encode())
    with open(path) as fh:
        assert rawcsv._has_long_line(fh) is long
