"""An output path that is a device or a pipe is written in place, never replaced by a regular file."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from dorsi.io.files import write_all_private_atomic, write_private_atomic


def _read_fifo(path: Path, out: list[bytes]) -> threading.Thread:
    def run() -> None:
        with open(path, "rb") as fh:
            out.append(fh.read())

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_a_fifo_stays_a_fifo_and_gets_the_text(tmp_path: Path) -> None:
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    write_private_atomic(fifo, ["time_s,a\n", b"1,2\n"])
    reader.join(5)
    assert got == [b"time_s,a\n1,2\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert not (tmp_path / "out.csv.part").exists()


def test_a_device_beside_regular_files(tmp_path: Path) -> None:
    """A character device (made here when allowed: root) stays one; the regular file beside it is replaced."""
    dev = tmp_path / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the same device as /dev/null
    except PermissionError:
        pytest.skip("no permission to make a device node here")
    plain = tmp_path / "summary.json"
    write_all_private_atomic([(dev, ["x" * 10_000]), (plain, ["{}\n"])])
    assert stat.S_ISCHR(os.lstat(dev).st_mode)
    assert plain.read_text() == "{}\n"
