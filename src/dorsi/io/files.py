"""Every file dorsi writes: user-only (0600), through a ``.part`` file created exclusively, never via a link.

``write_private_atomic`` is the one way outputs reach the disk (exports, ``record``, ``analyze
--samples-out``, ``simulate``): the ``.part`` file is opened with O_CREAT|O_EXCL|O_NOFOLLOW, so a
symlink planted at ``<name>.part`` is never followed; a stale ``.part`` left by a killed writer
(a regular file, ours) is removed first. A device or a pipe (``/dev/stdout``, a FIFO) is written
in place, never replaced. ``open_private_append`` is for files written as they go.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from dorsi.errors import StorageError

PRIVATE_FILE_MODE = 0o600
PART_SUFFIX = ".part"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def part_path(path: Path) -> Path:
    return path.with_name(path.name + PART_SUFFIX)


def write_private_atomic(path: str | os.PathLike[str], blocks: Iterable[str | bytes]) -> None:
    """Write text or bytes to path (0600) via ``path.part``, fsync'ed and renamed; one-line StorageError."""
    write_all_private_atomic([(Path(path), blocks)])


def write_all_private_atomic(files: Sequence[tuple[Path, Iterable[str | bytes]]]) -> None:
    """Write every file to its .part first; rename them only once all are on disk.

    If any write fails (disk full, permission, a link at .part) the .part files this call created
    are removed and the files already there (an earlier export) are left as they were.
    """
    created: list[Path] = []
    regular = []
    for path, blocks in files:
        if _is_stream(path):
            _write_stream(path, blocks)
        else:
            regular.append((path, blocks))
    files = regular
    try:
        for path, blocks in files:
            tmp = part_path(path)
            fd = _create_part(tmp, path)
            created.append(tmp)
            _write_blocks(fd, blocks, path)
        for (path, _), tmp in zip(files, created, strict=True):
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise write_error(path, exc) from None
    finally:
        for tmp in created:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def _is_stream(path: Path) -> bool:
    """A device or a pipe (``/dev/stdout``, ``/dev/null``, a FIFO): written in place, never replaced. A
    rename onto it would put a regular file where the device was (as root: /dev/null gone)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _write_stream(path: Path, blocks: Iterable[str | bytes]) -> None:
    """Into the device or pipe as it is (no fsync: a pipe has none to give)."""
    try:
        fd = os.open(path, os.O_WRONLY | _BINARY)
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        _write_all(fd, blocks)
    except OSError as exc:
        raise write_error(path, exc) from None
    finally:
        os.close(fd)


def _write_all(fd: int, blocks: Iterable[str | bytes]) -> None:
    for block in blocks:
        data = memoryview(block.encode("utf-8") if isinstance(block, str) else block)
        while data:
            data = data[os.write(fd, data) :]


def remove_stale_parts(folder: Path, pattern: str, older_than_s: float = 60.0) -> list[Path]:
    """Remove ``pattern``.part files a killed writer left in folder: regular files (never links)
    untouched for older_than_s (a writer at work touches its file all the time). Returns them."""
    removed = []
    now = time.time()
    for tmp in folder.glob(pattern + PART_SUFFIX):
        with contextlib.suppress(OSError):
            st = os.lstat(tmp)
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > older_than_s:
                tmp.unlink()
                removed.append(tmp)
    return removed


def open_private_append(path: str | os.PathLike[str]) -> int:
    """A new file (0600, replacing a regular file of that name, never following a link) for appending."""
    p = Path(path)
    return _create_part(p, p)


def _create_part(tmp: Path, shown: Path) -> int:
    _remove_stale(tmp, shown)
    try:
        return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, PRIVATE_FILE_MODE)
    except OSError as exc:
        raise write_error(shown, exc) from None


def _remove_stale(tmp: Path, shown: Path) -> None:
    """A regular file left by a killed writer goes; a link or anything else is refused, untouched."""
    try:
        st = os.lstat(tmp)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise write_error(shown, exc) from None
    if not stat.S_ISREG(st.st_mode):
        raise StorageError(f"cannot write {shown}: {tmp} exists and is not a regular file (a link?); remove it first")
    try:
        tmp.unlink()
    except OSError as exc:
        raise write_error(shown, exc) from None


def _write_blocks(fd: int, blocks: Iterable[str | bytes], shown: Path) -> None:
    try:
        _write_all(fd, blocks)
        os.fsync(fd)
    except OSError as exc:
        raise write_error(shown, exc) from None
    finally:
        os.close(fd)


def write_error(path: Path, exc: OSError) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(
            f"no space left on the disk to write {path}; nothing was written there "
            "and the stored sessions are unchanged, free some space and try again"
        )
    if exc.errno == errno.ELOOP:
        return StorageError(f"cannot write {path}: a link sits where its temporary file goes; remove it first")
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(
            f"cannot write {path}: {(exc.strerror or 'permission denied').lower()}; "
            "choose a folder you can write to (--out DIR)"
        )
    return StorageError(f"cannot write {path}: {(exc.strerror or str(exc)).lower()}")
