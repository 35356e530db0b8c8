"""The vectorised decimal parser: bit for bit numpy's loadtxt on the blocks it takes, declines the others,
and the reader gives the same recording (or the same error) with it as without it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dorsi.errors import InputError
from dorsi.io import rawcsv
from dorsi.io.rawcsv import REQUIRED_COLUMNS, parse_raw_csv, read_raw_csv

from .test_rawcsv_diff import csv_files

PLAIN = b"0123456789.-,\n"


def _loadtxt(raw: bytes, cols: list[int]) -> np.ndarray | None:
    try:
        lines = raw.decode().replace("\r\n", "\n").split("\n")
        return np.loadtxt(lines, delimiter=",", usecols=cols, ndmin=2, dtype=np.float64)
    except ValueError:
        return None


def _assert_bits(got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.view(np.int64), want.view(np.int64))


@st.composite
def decimal_cells(draw: st.DrawFn, frac_n: int | None) -> str:
    """-?digits(.digits)? with 0-17 digits each side (leading zeros too), or "-0", "5.", ".5"; ``frac_n``
    fixes the fraction digits (a printf-style column), None draws them."""
    odd = draw(st.sampled_from([None] * 8 + ["-0", "0", "5.", ".5", "-.5", "-0.0"]))
    if odd is not None and frac_n is None:
        return odd
    digits = st.text("0123456789", min_size=0, max_size=17)
    whole = draw(digits)
    frac = draw(digits) if frac_n is None else draw(st.text("0123456789", min_size=frac_n, max_size=frac_n))
    dot = draw(st.booleans()) if frac_n is None else frac_n > 0
    if not dot and frac:
        whole, frac = whole + frac, ""
    cell = whole + ("." + frac if dot else "")
    if not whole and not frac:
        cell = "0" + cell  # a field has a digit (else numpy refuses it and so does the parser: also tested)
    return ("-" if draw(st.booleans()) else "") + cell


@st.composite
def decimal_blocks(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    ncols = draw(st.integers(1, 9))
    rows = draw(st.integers(1, 40))
    fixed = draw(st.booleans())  # every column printf-style (the parser's shape), or each cell drawn
    fracs = [draw(st.integers(0, 9)) if fixed else None for _ in range(ncols)]
    lines = [",".join(draw(decimal_cells(f)) for f in fracs) for _ in range(rows)]
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(lines) + (end if draw(st.booleans()) else "")
    cols = draw(st.lists(st.integers(0, ncols - 1), min_size=1, max_size=ncols, unique=True))
    return text.encode(), cols


@settings(max_examples=400, deadline=None)
@given(block=decimal_blocks())
def test_parser_gives_loadtxts_bits_or_declines(block: tuple[bytes, list[int]]) -> None:
    raw, cols = block
    got = rawcsv._parse_decimals(raw, cols)
    want = _loadtxt(raw, cols)
    event("parsed" if got is not None else "declined")
    if got is not None:
        assert want is not None
        _assert_bits(got, want)


@st.composite
def long_number_blocks(draw: st.DrawFn) -> tuple[bytes, bool]:
    """Fields of up to 16 digits a side and 19 in all (two 64-bit words a side), in printf-style columns;
    also whether every field has at most 15 digits (then its integer is below 2**53: taken for sure)."""
    ncols = draw(st.integers(1, 3))
    fracs = [draw(st.integers(0, 16)) for _ in range(ncols)]
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        cells = []
        for k in fracs:
            whole = draw(st.text("0123456789", min_size=0 if k else 1, max_size=min(16, 19 - k)))
            frac = draw(st.text("0123456789", min_size=k, max_size=k))
            cells.append(("-" if draw(st.booleans()) else "") + whole + ("." + frac if k else ""))
        rows.append(",".join(cells))
    short = all(len(c.lstrip("-").replace(".", "")) <= 15 for r in rows for c in r.split(","))
    return ("\n".join(rows) + "\n").encode(), short


@settings(max_examples=300, deadline=None)
@given(block=long_number_blocks())
def test_long_numbers_give_loadtxts_bits(block: tuple[bytes, bool]) -> None:
    raw, short = block
    cols = list(range(raw.split(b"\n")[0].count(b",") + 1))
    got = rawcsv._parse_decimals(raw, cols)
    want = _loadtxt(raw, cols)
    assert want is not None
    event("parsed" if got is not None else "declined (an integer above 2**53)")
    if short:
        assert got is not None
    if got is not None:
        _assert_bits(got, want)


@settings(max_examples=200, deadline=None)
@given(block=decimal_blocks(), data=st.data())
def test_a_block_with_one_odd_byte_declines(block: tuple[bytes, list[int]], data: st.DataObject) -> None:
    raw, cols = block
    odd = data.draw(st.integers(0, 255).filter(lambda b: b not in PLAIN + b"\r"))
    at = data.draw(st.integers(0, len(raw)))
    replace = data.draw(st.booleans()) and at < len(raw)
    changed = raw[:at] + bytes([odd]) + raw[at + replace :]
    assert rawcsv._parse_decimals(changed, cols) is None


@pytest.mark.parametrize(
    "text",
    [
        "1,2\n3,4",  # the last line without its end
        "-0.0,-0\n0.0,0",
        "-.5,5.\n.2,-7.",
        "0000000000000001.5,0.0000000000000001\n",  # leading zeros count against 16 digits a part, not 15
        "123456789012345.6,1\n",  # 16 digits, below 2**53
        "9007199254740992,1\n",  # 2**53 exactly
        "0.1,0.2\n0.3,0.4\r\n",  # one CRLF among LFs
    ],
)
def test_parser_takes(text: str) -> None:
    raw = text.encode()
    got = rawcsv._parse_decimals(raw, [0, 1])
    assert got is not None
    want = _loadtxt(raw, [0, 1])
    assert want is not None
    _assert_bits(got, want)


@pytest.mark.parametrize(
    "text",
    [
        "9007199254740993,1\n",  # above 2**53: numpy's correctly rounded value is not m / 1
        "1.5,2\n3.25,4\n",  # fraction digits differ down a column
        "1.5,2\n3,4\n",
        "1,2\n3,4,5\n",  # a ragged line
        "1,2\n\n3,4\n",  # a blank line
        "1,2\r3,4\r",  # CR-only line ends
        "1,2\r\n3,4\r",
        "1,-\n",
        "1,.\n",
        "1,\n",
        "1,--2\n",
        "1,2-\n",
        "1,1.2.3\n",
        "+1,2\n",
        "1e3,2\n",
        " 1,2\n",
        "1,2 # note\n",
        "nan,1\n",
        "12345678901234567.5,1\n",  # 17 integer digits
        "",
    ],
)
def test_parser_declines(text: str) -> None:
    assert rawcsv._parse_decimals(text.encode(), [0, 1]) is None


def _same(a: object, b: object) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert isinstance(a, rawcsv.Recording) and isinstance(b, rawcsv.Recording)
    for x, y in ((a.time_s, b.time_s), (a.acc_mps2, b.acc_mps2), (a.gyr_dps, b.gyr_dps)):
        _assert_bits(x, y)
    assert list(a.extra) == list(b.extra)
    for name in a.extra:
        _assert_bits(a.extra[name], b.extra[name])
    assert (a.warnings, a.source, a.rate_hz) == (b.warnings, b.source, b.rate_hz)


def _outcomes(read: object, *args: object, **kwargs: object) -> tuple[object, object]:
    """What ``read`` gives with the vectorised parser and without it (every block to numpy's parser)."""
    got: list[object] = []
    for decline in (False, True):
        with pytest.MonkeyPatch.context() as mp:
            if decline:
                mp.setattr(rawcsv, "_parse_decimals", lambda raw, cols: None)
            try:
                got.append(read(*args, **kwargs))  # type: ignore[operator]
            except InputError as exc:
                got.append(str(exc))
    return got[0], got[1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=csv_files(), extra_columns=st.booleans())
def test_reader_gives_the_same_with_and_without_the_parser(raw: bytes, extra_columns: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rec.csv"
        path.write_bytes(raw)
        _same(*_outcomes(read_raw_csv, path, extra_columns=extra_columns))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    _same(*_outcomes(parse_raw_csv, text, "rec.csv"))


def _session_lines(n: int) -> list[str]:
    rng = np.random.default_rng(3)
    g = rng.normal(size=(n, 6)) * [1.0, 9.0, 2.0, 40.0, 40.0, 40.0]
    return [
        f"{i / 200:.6f},{a:.5f},{b:.5f},{c:.5f},{x:.4f},{y:.4f},{z:.4f},{i}" for i, (a, b, c, x, y, z) in enumerate(g)
    ]


def test_a_file_mixing_fast_and_slow_blocks_reads_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [",".join([*REQUIRED_COLUMNS, "sample_counter"]), *_session_lines(60_000)]
    lines[3_000] = "# a note"  # a comment line, a cell with spaces, a "+", an exponent: numpy's blocks
    lines[20_000] = lines[20_000].replace(",", ", ", 1)
    lines[35_000] = lines[35_000].replace(",", ",+", 1)
    lines[50_000] = lines[50_000].rsplit(",", 1)[0] + ",5e4"
    for end, name in (("\n", "lf.csv"), ("\r\n", "crlf.csv")):
        path = tmp_path / name
        path.write_bytes(end.join(lines).encode() + end.encode())
        parsed: list[bool] = []
        parse = rawcsv._parse_decimals
        monkeypatch.setattr(rawcsv, "_parse_decimals", lambda raw, cols: parsed.append(r := parse(raw, cols)) or r)  # noqa: B023
        fast, slow = _outcomes(read_raw_csv, path)
        monkeypatch.undo()
        _same(fast, slow)
        assert isinstance(fast, rawcsv.Recording) and len(fast) == 60_000 - 1
        assert any(p is None for p in parsed) and sum(p is not None for p in parsed) > 0.8 * len(parsed)
        whole = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)  # the reader before: numpy on the file
        _assert_bits(fast.time_s, whole[:, 0])
        _assert_bits(fast.acc_mps2, whole[:, 1:4])
        _assert_bits(fast.gyr_dps, whole[:, 4:7])
        _assert_bits(fast.extra["sample_counter"], whole[:, 7])
        text = path.read_bytes().decode()
        _same(*_outcomes(parse_raw_csv, text, path))
