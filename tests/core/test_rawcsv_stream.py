"""The streaming reader: line endings, lines named past the first block, bounded memory."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from dorsi.errors import InputError
from dorsi.io import rawcsv
from dorsi.io.rawcsv import REQUIRED_COLUMNS, read_raw_csv

HEADER = ",".join(REQUIRED_COLUMNS)


def _rows(n: int, rate_hz: float = 200.0) -> list[str]:
    return [f"{i / rate_hz:.6f},0.01,9.8,{i % 7 * 0.1:.1f},0.1,0.2,{i % 5}" for i in range(n)]


def _write(tmp_path: Path, data: bytes, name: str = "rec.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_cr_only_megabyte_reads_in_linear_time_like_lf(tmp_path: Path) -> None:
    rows = _rows(32_000)  # ~1 MB
    lf = _write(tmp_path, ("\n".join([HEADER, *rows]) + "\n").encode(), "lf.csv")
    cr = _write(tmp_path, ("\r".join([HEADER, *rows]) + "\r").encode(), "cr.csv")
    crlf = _write(tmp_path, ("\r\n".join([HEADER, *rows]) + "\r\n").encode(), "crlf.csv")
    assert cr.stat().st_size > 1_000_000
    t0 = time.process_time()
    got = read_raw_csv(cr)
    assert time.process_time() - t0 < 2.0
    want = read_raw_csv(lf)
    for rec in (got, read_raw_csv(crlf)):
        np.testing.assert_array_equal(rec.time_s, want.time_s)
        np.testing.assert_array_equal(rec.gyr_dps, want.gyr_dps)


def test_a_file_without_line_ends_is_refused_in_one_short_line(tmp_path: Path) -> None:
    path = _write(tmp_path, ("x" * 1_000_000).encode())
    with pytest.raises(InputError) as err:
        read_raw_csv(path)
    message = str(err.value)
    assert "\n" not in message and len(message) <= 200
    assert f"{path}:1: first line is longer than" in message


def test_bad_value_far_past_the_first_block_names_its_line(tmp_path: Path) -> None:
    rows = _rows(60_000)  # several blocks
    rows[51_234] = rows[51_234].replace("9.8", "9.8x")
    path = _write(tmp_path, ("\r\n".join([HEADER, *rows]) + "\r\n").encode())
    with pytest.raises(InputError, match=r":51236: acc_y_mps2 is not a number: '9.8x'$"):
        read_raw_csv(path)


def test_blank_and_comment_lines_skipped_and_lines_still_named(tmp_path: Path) -> None:
    rows = _rows(40_000)
    lines = [HEADER, *rows[:100], "", "# a note", "   ", *rows[100:]]
    lines[30_000] = lines[29_990]  # time goes backwards at file line 30 001
    path = _write(tmp_path, ("\n".join(lines) + "\n\n").encode())
    with pytest.raises(InputError, match=r":30001: time_s goes backwards"):
        read_raw_csv(path)
    del lines[30_000]
    rec = read_raw_csv(_write(tmp_path, ("\n".join(lines) + "\n").encode(), "ok.csv"))
    assert len(rec) == 40_000 - 1


def test_extra_column_turning_to_text_in_a_later_block_is_dropped(tmp_path: Path) -> None:
    n = 50_000
    lines = [HEADER + ",counter,label", *(f"{r},{i},{i % 3}" for i, r in enumerate(_rows(n)))]
    lines[-1] = lines[-1].rsplit(",", 1)[0] + ",done"
    rec = read_raw_csv(_write(tmp_path, ("\n".join(lines) + "\n").encode()))
    assert list(rec.extra) == ["counter"]
    np.testing.assert_array_equal(rec.extra["counter"], np.arange(n))


def test_non_utf8_far_in_names_its_line_also_with_cr_endings(tmp_path: Path) -> None:
    rows = [r.encode() for r in _rows(40_000)]
    rows[33_000] += b"\xff"
    for sep in (b"\n", b"\r"):
        path = _write(tmp_path, sep.join([HEADER.encode(), *rows]) + sep)
        with pytest.raises(InputError, match=r":33002: is not UTF-8 text$"):
            read_raw_csv(path)


def test_peak_memory_is_the_values_plus_a_block(tmp_path: Path) -> None:
    n = 150_000
    path = _write(tmp_path, ("\n".join([HEADER, *_rows(n)]) + "\n").encode())
    values_bytes = n * len(REQUIRED_COLUMNS) * 8
    tracemalloc.start()
    try:
        rec = read_raw_csv(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rec) == n
    # the old reader held the whole text (4 bytes a character) and the values twice: ~16x the values
    assert peak < 1.1 * values_bytes + 12 * rawcsv.BLOCK_CHARS
