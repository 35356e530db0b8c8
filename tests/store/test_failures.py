"""Storage failures: one clear message each, and nothing already stored is lost."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from dorsi.cli.main import main
from dorsi.errors import StorageError
from dorsi.store import SessionStore
from dorsi.store.export import export_session

from .helpers import fake_recording


def _store_one(store: SessionStore, n: int = 1000) -> int:
    return store.add_recording(fake_recording(n), drill="knee-to-wall", side="left")


def _one_line(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


# -- a damaged database ---------------------------------------------------------------
def test_garbage_file_is_reported_damaged_and_left_untouched(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(os.environ["DORSI_DATA_DIR"]) / "sessions.db"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not sqlite, it is someone's notes\n" * 200)
    before = path.read_bytes()
    with pytest.raises(StorageError, match=r"is damaged \(file is not a database\); your recordings are untouched"):
        SessionStore.open()
    assert main(["sessions"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("dorsi: error: the session database at ") and "damaged" in line
    assert path.read_bytes() == before


def test_damaged_pages_are_reported_and_the_file_is_not_rewritten() -> None:
    with SessionStore.open() as store:
        sid = _store_one(store, 20_000)
        path = store.path
    raw = bytearray(path.read_bytes())  # the store is closed: WAL checkpointed into the file
    page = 4096
    for off in range(2 * page, len(raw), page):  # scribble over every page's header after the first two
        raw[off : off + 16] = b"\xff" * 16
    path.write_bytes(bytes(raw))
    before = path.read_bytes()
    with pytest.raises(StorageError, match="damaged") as err, SessionStore.open() as store:
        store.load_recording(sid)
    assert "\n" not in str(err.value)
    assert path.read_bytes() == before


# -- a database locked by another process ----------------------------------------------
HOLDER = r"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "exclusive":
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()  # hold the lock until the test closes our stdin
conn.execute("ROLLBACK")
"""


class _Holder:
    def __init__(self, db: Path, mode: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(db), mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        for s in (self.proc.stdin, self.proc.stdout):
            if s is not None and not s.closed:
                s.close()


@pytest.fixture
def stored() -> Iterator[tuple[Path, int]]:
    with SessionStore.open() as store:
        path, sid = store.path, _store_one(store)
    yield path, sid


def test_writes_wait_then_say_locked_and_recording_resumes(stored: tuple[Path, int]) -> None:
    path, sid = stored
    rec = fake_recording(400)
    store = SessionStore.open(busy_timeout_s=0.2)
    w = store.begin_session(drill="knee-to-wall", side="left", threaded=False)
    holder = _Holder(path, "normal")
    try:
        assert store.session(sid).samples == 1000  # reading still works while another writes
        with pytest.raises(StorageError, match="locked by another program") as err:
            w.append(rec.time_s, rec.acc_mps2, rec.gyr_dps, rec.extra["sample_counter"])
        assert "nothing was lost" in str(err.value)
        assert w.samples_committed == 0 and w.samples_appended == 400  # kept in memory
    finally:
        holder.release()
    w.finish()  # the lock is gone: the buffered samples are committed
    info = store.session(w.session_id)
    np.testing.assert_array_equal(store.load_recording(w.session_id).time_s, rec.time_s)
    assert info.samples == 400 and store.session(sid).samples == 1000
    store.close()


def test_exclusive_lock_at_start_is_one_line(stored: tuple[Path, int]) -> None:
    path, sid = stored
    holder = _Holder(path, "exclusive")
    try:
        with pytest.raises(StorageError, match="locked by another program"):
            SessionStore.open(busy_timeout_s=0.2)
    finally:
        holder.release()
    with SessionStore.open() as store:
        assert store.session(sid).samples == 1000


# -- disk full -------------------------------------------------------------------------
def test_database_full_keeps_what_was_saved() -> None:
    """Disk full is simulated with a size quota: SessionStore.open(max_db_bytes=…) sets SQLite's
    max_page_count, and SQLite then fails writes with SQLITE_FULL, the same error a full disk gives."""
    with SessionStore.open() as store:
        first = _store_one(store, 2000)
        size = store.path.stat().st_size + (Path(str(store.path) + "-wal").stat().st_size)
    store = SessionStore.open(max_db_bytes=size + 64 * 1024)
    w = store.begin_session(drill="knee-to-wall", side="right", threaded=False)
    rec = fake_recording(200_000, seed=3)
    with pytest.raises(StorageError, match="no space left") as err:
        for a in range(0, len(rec), 100):
            b = a + 100
            w.append(rec.time_s[a:b], rec.acc_mps2[a:b], rec.gyr_dps[a:b], rec.extra["sample_counter"][a:b])
    assert "what was saved before is kept" in str(err.value) and "\n" not in str(err.value)
    committed = w.samples_committed
    assert 0 < committed < w.samples_appended
    with pytest.raises(StorageError, match="no space left"):
        w.finish()
    w.abort()
    store.close()
    with SessionStore.open() as store:  # space is back (no quota): everything committed is there
        assert store.recovered == [w.session_id]
        np.testing.assert_array_equal(store.load_recording(first).time_s, fake_recording(2000).time_s)
        got = store.load_recording(w.session_id)
        assert len(got) == committed
        np.testing.assert_array_equal(got.time_s, rec.time_s[:committed])


def test_export_on_a_full_disk_leaves_no_half_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Disk full during export is simulated by making os.write (which the exporter uses) fail with
    ENOSPC once 50 kB have been written, as the kernel does when the file system fills up."""
    with SessionStore.open() as store:
        sid = _store_one(store, 5000)
    out = tmp_path / "out"
    real_write = os.write
    budget = {"bytes": 50_000}

    def full_disk_write(fd: int, data: bytes | memoryview) -> int:
        if fd <= 2:
            return real_write(fd, data)
        if budget["bytes"] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        written = real_write(fd, memoryview(data)[: budget["bytes"]])  # a short write, then ENOSPC
        budget["bytes"] -= written
        return written

    monkeypatch.setattr(os, "write", full_disk_write)
    with SessionStore.open() as store, pytest.raises(StorageError, match="no space left on the disk") as err:
        export_session(store, sid, out)
    monkeypatch.setattr(os, "write", real_write)
    assert "stored sessions are unchanged" in str(err.value)
    assert list(out.iterdir()) == []  # no .part left behind, no truncated CSV, no partial set
    with SessionStore.open() as store:  # the database is intact; exporting elsewhere works
        files = export_session(store, sid, tmp_path / "elsewhere")
        assert files.samples_csv.stat().st_size > 50_000


# -- an export folder we may not write --------------------------------------------------
def test_unwritable_export_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder without write permission (chmod 0500). Root ignores permission bits, so when the
    tests run as root the refusal the kernel would give (EACCES from open) is simulated instead."""
    with SessionStore.open() as store:
        sid = _store_one(store)
    out = tmp_path / "readonly"
    out.mkdir()
    out.chmod(0o500)
    real_os_open = os.open
    if os.geteuid() == 0:
        real_open = os.open

        def refusing_open(path: str | os.PathLike[str], flags: int, mode: int = 0o777, **kw: object) -> int:
            if Path(path).parent == out and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, mode, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", refusing_open)
    try:
        assert main(["export", str(sid), "--out", str(out)]) == 1
        line = _one_line(capsys.readouterr().err)
        assert "cannot write" in line and "permission denied" in line and "--out DIR" in line
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o700)
    monkeypatch.setattr(os, "open", real_os_open)
    with SessionStore.open() as store:
        assert store.session(sid).samples == 1000
