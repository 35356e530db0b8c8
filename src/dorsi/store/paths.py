"""Where the session database lives, and keeping it private (directory 0700, files 0600)."""

from __future__ import annotations

import os
from pathlib import Path

from dorsi.errors import StorageError
from dorsi.io.files import PRIVATE_FILE_MODE

DB_FILENAME = "sessions.db"
PRIVATE_DIR_MODE = 0o700


def data_dir() -> Path:
    """DORSI_DATA_DIR if set (tests set it), else the platform's per-user data directory."""
    env = os.environ.get("DORSI_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs  # imported late: only needed when no override is given

    return Path(platformdirs.user_data_dir("dorsi", appauthor=False))


def default_db_path() -> Path:
    return data_dir() / DB_FILENAME


def ensure_private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create a directory (and parents) readable by the user only.

    tighten: also chmod it to 0700 if it already exists (right for dorsi's own data
    folder, wrong for a folder the user named, such as an export target).
    """
    try:
        existed = path.is_dir()
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        if (tighten or not existed) and os.name == "posix" and (path.stat().st_mode & 0o777) != 0o700:
            os.chmod(path, PRIVATE_DIR_MODE)
    except OSError as exc:
        raise StorageError(f"cannot create the folder {path}: {_reason(exc)}") from None
    return path


def ensure_private_file(path: Path) -> None:
    """Create an empty file with mode 0600 if absent (SQLite gives its -wal/-shm files the same mode)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
        os.close(fd)
        if os.name == "posix" and (path.stat().st_mode & 0o777) != PRIVATE_FILE_MODE:
            os.chmod(path, PRIVATE_FILE_MODE)
    except OSError as exc:
        raise StorageError(f"cannot create {path}: {_reason(exc)}") from None


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()
