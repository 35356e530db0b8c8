"""Opening SQLite connections the same way everywhere, and turning its failures into one-line messages."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from dorsi.errors import StorageError
from dorsi.store.codec import CodecError

# Primary SQLite result codes (the low byte of the extended code).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26


def connect(path: Path, *, busy_timeout_s: float, max_db_bytes: int | None = None) -> sqlite3.Connection:
    """A connection in autocommit mode (we issue BEGIN/COMMIT), WAL, fsync on every commit.

    synchronous=FULL makes each commit survive power loss, not only a killed process;
    commits are small and come every ~0.5 s, so the fsync costs little (docs/storage.md).
    """
    try:
        conn = sqlite3.connect(str(path), timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise storage_error(exc, path, "open") from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        if max_db_bytes is not None:
            page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
            conn.execute(f"PRAGMA max_page_count = {max(1, int(max_db_bytes) // page_size)}")
    except sqlite3.Error as exc:
        conn.close()
        raise storage_error(exc, path, "open") from None
    return conn


class DamagedDatabaseError(StorageError):
    """The database file is not SQLite or its pages are damaged (the app moves it aside)."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


def storage_error(exc: BaseException, path: Path, action: str) -> StorageError:
    """One sentence a person can act on; says whether what is already stored is safe."""
    where = f"the session database at {path}"
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    low = text.lower()
    if (
        isinstance(exc, CodecError)
        or primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
        or ("not a database" in low or "malformed" in low)
    ):
        return DamagedDatabaseError(
            f"{where} is damaged ({text}); your recordings are untouched, "
            "move it aside or restore a backup, then start dorsi again",
            path,
        )
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in low or "busy" in low:
        return StorageError(
            f"{where} is locked by another program (another dorsi window or a backup tool?); "
            f"could not {action}, nothing was lost: close the other program and try again"
        )
    if primary == _SQLITE_FULL or "disk is full" in low or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
        return StorageError(
            f"no space left to {action} in {where} ({text}); what was saved before is kept, "
            "free some disk space and try again"
        )
    if primary in (_SQLITE_READONLY, _SQLITE_PERM, _SQLITE_CANTOPEN) or isinstance(exc, PermissionError):
        return StorageError(f"cannot {action} {where}: {text} (check that the folder is yours and writable)")
    if primary == _SQLITE_IOERR:
        return StorageError(f"the disk failed while trying to {action} {where} ({text}); try again")
    return StorageError(f"could not {action} {where}: {text}")
