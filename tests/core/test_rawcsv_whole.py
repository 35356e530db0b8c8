"""The reader's whole-file parse (numpy reads the file by path) against its block reader."""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from dorsi.errors import InputError
from dorsi.io import rawcsv
from dorsi.io.rawcsv import REQUIRED_COLUMNS, parse_raw_csv, read_raw_csv

HEADER = ",".join(["sample_counter", *REQUIRED_COLUMNS[::-1]])  # an extra column first, the rest reversed


def _text(n: int, seed: int = 1) -> str:
    rng = np.random.default_rng(seed)
    vals = rng.normal(size=(n, 6)) * [1.0, 9.0, 2.0, 40.0, 40.0, 40.0]
    rows = [
        f"{i},{g[5]:.4f},{g[4]:.4f},{g[3]:.4f},{g[2]:.5f},{g[1]:.5f},{g[0]:.5f},{i / 200.0:.6f}"
        for i, g in enumerate(vals)
    ]
    return "\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n"


def test_whole_file_parse_gives_the_block_readers_values(tmp_path: Path) -> None:
    text = _text(30_000)  # several of the block reader's blocks
    path = tmp_path / "rec.csv"
    path.write_bytes(text.encode())
    got = read_raw_csv(path)
    want = parse_raw_csv(text.replace("\r\n", "\n"), path)  # the block reader on the same text
    for a, b in (
        (got.time_s, want.time_s),
        (got.acc_mps2, want.acc_mps2),
        (got.gyr_dps, want.gyr_dps),
        (got.extra["sample_counter"], want.extra["sample_counter"]),
    ):
        np.testing.assert_array_equal(a, b)
    assert got.time_s.flags.c_contiguous
    assert got.rate_hz == want.rate_hz == pytest.approx(200.0)
    assert got.warnings == []


def test_a_compressed_file_is_refused_as_before(tmp_path: Path) -> None:
    """dorsi reads every file as text (numpy's loader, given the name, would decompress a .gz)."""
    path = tmp_path / "rec.csv.gz"
    path.write_bytes(gzip.compress(_text(100).encode()))
    with pytest.raises(InputError, match=r"is not UTF-8 text$"):
        read_raw_csv(path)


def test_a_file_the_whole_parse_refuses_is_read_by_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A text extra column: the whole parse refuses it, the block reader drops that column."""
    lines = _text(200).split("\r\n")
    lines[0] += ",note"
    lines[1:-1] = [line + ",ok" for line in lines[1:-1]]
    path = tmp_path / "rec.csv"
    path.write_text("\n".join(lines))
    calls: list[int] = []
    block_read = rawcsv._read
    monkeypatch.setattr(rawcsv, "_read", lambda *a: calls.append(1) or block_read(*a))
    rec = read_raw_csv(path)
    assert calls == [1]
    assert list(rec.extra) == ["sample_counter"] and len(rec) == 200


def test_required_columns_only_give_the_same_samples(tmp_path: Path) -> None:
    """extra_columns=False (dorsi analyze): the extras are not parsed, the samples are the same, also when an
    extra column is short of cells (the block reader: it drops such a column)."""
    text = _text(3_000)
    path = tmp_path / "rec.csv"
    path.write_bytes(text.encode())
    full, only = read_raw_csv(path), read_raw_csv(path, extra_columns=False)
    assert list(full.extra) == ["sample_counter"] and only.extra == {}
    for a, b in ((full.time_s, only.time_s), (full.acc_mps2, only.acc_mps2), (full.gyr_dps, only.gyr_dps)):
        np.testing.assert_array_equal(a, b)
    lines = text.split("\r\n")
    lines[0] += ",note"
    lines[5] += ",x"  # one row has the extra cell, the others lack it
    path.write_text("\n".join(lines))
    for extras in (True, False):
        rec = read_raw_csv(path, extra_columns=extras)
        assert "note" not in rec.extra
        np.testing.assert_array_equal(rec.gyr_dps, full.gyr_dps)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
def test_a_pipe_is_read_once_from_its_start(tmp_path: Path) -> None:
    """A pipe (/dev/stdin, a named pipe) cannot be opened again by name where the header was read: numpy's
    loader, given the name, would go on past what the header's read had buffered (rows lost)."""
    fifo = tmp_path / "rec.csv"
    os.mkfifo(fifo)
    data = _text(5_000).encode()

    def write() -> None:
        with open(fifo, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        rec = read_raw_csv(fifo)
    finally:
        writer.join()
    assert len(rec) == 5_000 and rec.time_s[0] == 0.0
