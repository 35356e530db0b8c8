from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dorsi.errors import InputError
from dorsi.io.rawcsv import REQUIRED_COLUMNS, read_raw_csv, write_raw_csv
from dorsi.motion.types import Recording, find_gaps

HEADER = ",".join(REQUIRED_COLUMNS)


def _write(tmp_path: Path, text: str, name: str = "rec.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _rows(n: int, rate_hz: float = 100.0) -> list[str]:
    return [f"{i / rate_hz:.6f},0,9.8,0,0.1,0.2,0.3" for i in range(n)]


def test_round_trip_keeps_values_and_extra_columns(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 500
    t = np.arange(n) / 200.0
    rec = Recording(t, rng.normal(size=(n, 3)), rng.normal(size=(n, 3)), {"sample_counter": np.arange(n)})
    path = tmp_path / "r.csv"
    write_raw_csv(path, rec)
    back = read_raw_csv(path)
    np.testing.assert_allclose(back.time_s, t, atol=1e-6)
    np.testing.assert_allclose(back.acc_mps2, rec.acc_mps2, atol=1e-5)
    np.testing.assert_allclose(back.gyr_dps, rec.gyr_dps, atol=1e-4)
    np.testing.assert_array_equal(back.extra["sample_counter"], np.arange(n))
    assert back.rate_hz == pytest.approx(200.0)


def test_columns_in_any_order_and_text_columns_ignored(tmp_path: Path) -> None:
    cols = ["note", *reversed(REQUIRED_COLUMNS)]
    rows = [f"x{i},0.3,0.2,0.1,0,9.8,0,{i / 50:.4f}" for i in range(10)]
    rec = read_raw_csv(_write(tmp_path, ",".join(cols) + "\n" + "\n".join(rows) + "\n"))
    np.testing.assert_allclose(rec.gyr_dps[0], [0.1, 0.2, 0.3])
    assert "note" not in rec.extra


def test_gaps_are_reported_not_bridged(tmp_path: Path) -> None:
    rows = _rows(100)
    del rows[40:43]
    rec = read_raw_csv(_write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    assert len(rec) == 97
    gaps = find_gaps(rec.time_s, rec.rate_hz)
    assert [(g.missing_samples, round(g.start_s, 2)) for g in gaps] == [(3, 0.39)]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty file"),
        ("time_s,acc_x_mps2\n0,1\n", "header lacks column(s) acc_y_mps2"),
        (HEADER + "\n", "no samples after the header"),
        (HEADER + "\n0,0,9.8,0,0,0,0\n0.01,0,abc,0,0,0,0\n", ":3: acc_y_mps2 is not a number: 'abc'"),
        (HEADER + "\n0,0,9.8,0,0,0,0\n0.01,0,nan,0,0,0,0\n", ":3: acc_y_mps2 is 'nan'"),
        (HEADER + "\n0,0,9.8,0,0,0,0\n0.01,0,9.8,0\n", ":3: has 4 cells"),
        (
            HEADER + "\n0.02,0,9.8,0,0,0,0\n0.03,0,9.8,0,0,0,0\n0.01,0,9.8,0,0,0,0\n",
            ":4: time_s goes backwards",
        ),
        (HEADER + "\n0,0,9.8,0,0,0,0\n0,0,9.8,0,0,0,0\n", ":3: time_s repeats"),
        (HEADER + "\n0,0,9.8,0,0,0,0\n1,0,9.8,0,0,0,0\n", "sample rate 1.0 Hz is outside 25–1000 Hz"),
    ],
)
def test_bad_input_names_file_line_and_problem(tmp_path: Path, text: str, needle: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_raw_csv(path)
    message = str(err.value)
    assert str(path) in message
    assert needle in message
    assert "\n" not in message


def test_a_last_line_cut_off_mid_write_is_left_out_with_a_warning(tmp_path: Path) -> None:
    # a crash, a full disk or a copy stopped early ends the file mid-line: the samples before it are whole
    rows = _rows(300)
    for cut in ("0.0300,0,9.8", "3.000000,0,9.8,0,0.1,0.2,", "3.0,0,9", "3.0,0,9.8,0,0.1,0.2,x"):
        rec = read_raw_csv(_write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n" + cut))
        assert len(rec) == 300
        assert len(rec.warnings) == 1 and "line 302 is cut off (the file ends mid-line): ignored" in rec.warnings[0]
    # a whole last line without a line end is a sample like any other
    rec = read_raw_csv(_write(tmp_path, HEADER + "\n" + "\n".join(rows)))
    assert len(rec) == 300 and rec.warnings == []
    # a bad line followed by a line end is not a cut-off write: still refused, named
    with pytest.raises(InputError, match=r":302: has 3 cells"):
        read_raw_csv(_write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n3.0,0,9.8\n"))


def test_missing_file_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_raw_csv(tmp_path / "nope.csv")
    bad = tmp_path / "bin.csv"
    bad.write_bytes((HEADER + "\n").encode() + b"\xff\xfe\x00\n")
    with pytest.raises(InputError, match=r":2: is not UTF-8"):
        read_raw_csv(bad)
