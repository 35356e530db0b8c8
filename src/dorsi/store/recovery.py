"""A damaged database: move it aside (never delete it), start a fresh one, export what can be read.

The app calls ``open_or_move_aside()`` so that a damaged ``sessions.db`` never stops it from
saving new sessions; ``dorsi export --from FILE`` reads what is left of the moved file.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dorsi.errors import DorsiError, StorageError
from dorsi.store.db import DamagedDatabaseError, storage_error
from dorsi.store.schema import SCHEMA_VERSION, current_version, migrate
from dorsi.store.store import SessionStore

if TYPE_CHECKING:
    from dorsi.store.export import ExportAnalysis

SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class MovedAside:
    original: Path
    moved_to: Path
    reason: str  # the damage as SQLite reported it


@dataclass
class Salvage:
    exported: list[int] = field(default_factory=list)  # session ids whose files were written
    files: list[Path] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (session id, why)


def move_aside(db_path: Path) -> Path:
    """Rename the database (and its -wal/-shm) to ``<name>.damaged-<UTC stamp>``; returns the new path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    n = 1
    while any(Path(f"{target}{s}").exists() for s in ("", *SQLITE_SIDE_FILES)):
        n += 1
        target = db_path.with_name(f"{db_path.name}.damaged-{stamp}-{n}")
    try:
        os.rename(db_path, target)
        for suffix in SQLITE_SIDE_FILES:
            side = Path(f"{db_path}{suffix}")
            if side.exists():
                os.rename(side, Path(f"{target}{suffix}"))
    except OSError as exc:
        raise StorageError(
            f"the session database at {db_path} is damaged and could not be moved aside "
            f"({(exc.strerror or str(exc)).lower()}); move it yourself, then start dorsi again"
        ) from None
    return target


def open_or_move_aside(path: str | os.PathLike[str] | None = None) -> tuple[SessionStore, MovedAside | None]:
    """Open the store; if the database is damaged, move it aside and open a fresh one.

    Other failures (locked, no permission, newer schema) are raised: moving those aside would hide
    a database that is fine.
    """
    try:
        return SessionStore.open(path), None
    except DamagedDatabaseError as exc:
        moved = MovedAside(exc.path, move_aside(exc.path), str(exc))
    return SessionStore.open(path), moved


def open_readonly(path: str | os.PathLike[str]) -> SessionStore:
    """A store on a (possibly damaged) database file that is never written to."""
    db_path = Path(path)
    if not db_path.is_file():
        raise StorageError(f"{db_path}: no such database file")
    try:
        conn = sqlite3.connect(
            db_path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        conn.execute("SELECT count(*) FROM sessions").fetchone()
        version = current_version(conn)
        if version > SCHEMA_VERSION:
            raise StorageError(f"{db_path} was written by a newer dorsi (schema {version}); update dorsi to read it")
        if version < SCHEMA_VERSION:  # an older file: read a migrated copy in memory, the file stays as it is
            copy = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            conn.backup(copy)
            conn.close()
            conn = copy
            migrate(conn)
    except sqlite3.Error as exc:
        raise storage_error(exc, db_path, "read") from None
    return SessionStore(conn, db_path, 1.0, None)


def salvage(
    path: str | os.PathLike[str], out_dir: str | os.PathLike[str], analysis: ExportAnalysis | None = None
) -> Salvage:
    """Export every session of a damaged database that can still be read; the others are listed."""
    from dorsi.store.export import export_session

    store = open_readonly(path)
    result = Salvage()
    try:
        try:
            ids = [int(r[0]) for r in store._conn.execute("SELECT id FROM sessions ORDER BY id").fetchall()]
        except sqlite3.Error as exc:
            raise storage_error(exc, Path(path), "list the sessions of") from None
        for sid in ids:
            try:
                e = export_session(store, sid, out_dir, analysis)
            except DorsiError as exc:
                result.failed.append((sid, str(exc)))
                continue
            result.exported.append(sid)
            result.files += [e.samples_csv, e.reps_csv, e.summary_json]
    finally:
        store.close()
    return result
