"""Write-through recording of one live session.

``append`` only validates and buffers (microseconds; safe on the asyncio loop):
a notification's chunk (up to 64 samples as float64 arrays) is checked on plain
floats and kept as lists, and the commit builds the (n, columns) matrix.
A background thread with its own SQLite connection commits the buffer as one
blob per transaction every ``flush_interval_s`` (0.25 s) of wall time, and as
soon as the buffer spans 0.5 s of sample time; each commit is fsync'ed (WAL,
synchronous=FULL). So a kill -9 or a power cut loses at most about 0.5 s of
samples, the buffer that had not been committed yet. With ``threaded=False`` the
commits happen inside ``append`` instead (for scripts without a loop to protect).
"""

from __future__ import annotations

import math
import os
import socket
import sqlite3
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dorsi.errors import InputError, StorageError
from dorsi.store.codec import DEFAULT_CODEC, encode
from dorsi.store.db import connect, storage_error

FLUSH_INTERVAL_S = 0.25  # wall-clock period of the committing thread
MAX_BUFFER_SPAN_S = 0.5  # commit as soon as the buffer holds this much sample time
HEARTBEAT_S = 5.0  # the writer marks the session alive at least this often, data or not

# Sessions being written by this process: (database path, session id).
ACTIVE_SESSIONS: set[tuple[str, int]] = set()
_ACTIVE_LOCK = threading.Lock()

_F64 = np.dtype(np.float64)
_I64 = np.dtype(np.int64)
_FAST_MAX_N = 64  # chunks up to this size (BLE notifications) may take append's fast path

Finalizer = Callable[[int, "Mapping[str, Any] | None", "Mapping[str, ArrayLike] | None", bool, "str | None"], None]


def utc_now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="milliseconds")


class SessionWriter:
    """Appends samples to one session; created by ``SessionStore.begin_session``."""

    def __init__(
        self,
        *,
        db_path: Path,
        session_id: int,
        columns: list[str],
        busy_timeout_s: float,
        max_db_bytes: int | None,
        finalize: Finalizer,
        threaded: bool = True,
    ) -> None:
        self.session_id = session_id
        self.columns = list(columns)  # raw column names, blob order
        self._extra_names = self.columns[7:]
        # where a sample_counter goes among the columns (None: not a column of this session)
        self._counter_col = self.columns.index("sample_counter") if "sample_counter" in self._extra_names else None
        self._db_path = db_path
        self._finalize = finalize
        self._threaded = threaded
        self._lock = threading.Lock()
        self._buffer: list[NDArray[np.float64] | _Run] = []  # (n, columns) blocks and runs, in order
        self._buffered_n = 0
        self._buffer_t0: float | None = None
        self._last_time_s = -np.inf
        self._seq = 0
        self._appended = 0
        self._committed = 0
        self._error: StorageError | None = None
        self._closed = False
        self._stopping = False
        self._wake = threading.Event()
        self._last_heartbeat = 0.0
        self._flush_requests: list[threading.Event] = []
        self._conn = connect(db_path, busy_timeout_s=busy_timeout_s, max_db_bytes=max_db_bytes)
        with _ACTIVE_LOCK:
            ACTIVE_SESSIONS.add((str(db_path), session_id))
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name=f"dorsi-store-writer-{session_id}", daemon=True)
            self._thread.start()

    # -- the API -----------------------------------------------------------------
    @property
    def samples_appended(self) -> int:
        return self._appended

    @property
    def samples_committed(self) -> int:
        """Samples already durable on disk."""
        return self._committed

    @property
    def error(self) -> StorageError | None:
        """The last storage failure, cleared when a later commit succeeds."""
        return self._error

    def append(
        self,
        time_s: ArrayLike,
        acc_mps2: ArrayLike,
        gyr_dps: ArrayLike,
        sample_counter: ArrayLike | None = None,
        extra: Mapping[str, ArrayLike] | None = None,
    ) -> None:
        """Buffer a chunk of any size (time strictly increasing across calls).

        Raises InputError for a malformed chunk (nothing is buffered), and StorageError
        if the store currently cannot commit (the chunk *is* buffered and kept; it is
        written if a later commit succeeds).
        """
        if self._closed:
            raise StorageError(f"session {self.session_id} is already finished")
        values = None if extra is not None else self._fast_values(time_s, acc_mps2, gyr_dps, sample_counter)
        block: NDArray[np.float64] | None = None
        if values is not None:  # a notification: onto the run of such chunks
            times = values[0]
            n, first_s, last_s = len(times), times[0], times[-1]
        else:
            block = self._to_block(time_s, acc_mps2, gyr_dps, sample_counter, extra)
            n = len(block)
            if n:
                first_s, last_s = float(block[0, 0]), float(block[-1, 0])
        if n:
            with self._lock:
                if block is not None:
                    self._buffer.append(block)
                else:
                    assert values is not None
                    run = self._buffer[-1] if self._buffer else None
                    if type(run) is not _Run:
                        run = _Run()
                        self._buffer.append(run)
                    run.add(*values)
                self._buffered_n += n
                if self._buffer_t0 is None:
                    self._buffer_t0 = first_s
                span_s = last_s - self._buffer_t0
            self._appended += n
            self._last_time_s = last_s
            if span_s >= MAX_BUFFER_SPAN_S:
                if self._threaded:
                    if not self._wake.is_set():  # (set again until the thread wakes: a lock and a notify each)
                        self._wake.set()
                else:
                    self._flush()
        if self._error is not None:
            raise self._error

    def flush(self) -> None:
        """Commit what is buffered now (threaded: ask the thread and wait for it)."""
        if self._threaded and self._thread is not None and self._thread.is_alive():
            done = threading.Event()
            with self._lock:
                self._flush_requests.append(done)
            self._wake.set()
            done.wait()
        else:
            self._flush()
        if self._error is not None:
            raise self._error

    def finish(
        self,
        summary: Mapping[str, Any] | None = None,
        derived: Mapping[str, ArrayLike] | None = None,
        *,
        interrupted: bool = False,
        reason: str | None = None,
    ) -> None:
        """Commit the rest, mark the session finished (or interrupted, with its reason) and store the analysis.

        summary: Analysis.summary() (reps and the knee-to-wall result become rows);
        derived: Analysis.derived_columns(), one value per sample. Raises StorageError if
        the samples cannot be committed; the session then stays 'recording' and is marked
        interrupted at the next start, with everything that was committed.
        """
        if self._closed:
            return
        self._stop_thread()
        self._flush()
        if self._error is not None:
            raise self._error
        self._close_conn()
        self._closed = True
        self._finalize(self.session_id, summary, derived, interrupted or reason is not None, reason)

    def abort(self) -> None:
        """Stop without finishing: commit what can be, leave the session for recovery."""
        if self._closed:
            return
        self._stop_thread()
        try:
            self._flush()
        finally:
            self._close_conn()
            self._closed = True

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._closed:
            return
        if exc_type is None:
            self.finish()
        else:  # keep what was recorded, flagged as interrupted
            try:
                self.finish(interrupted=True)
            except StorageError:
                self.abort()

    # -- internals ---------------------------------------------------------------
    def _fast_values(
        self, time_s: object, acc_mps2: object, gyr_dps: object, sample_counter: object
    ) -> tuple[list[float], list[float], list[float], list[float] | None] | None:
        """A notification-sized chunk of float64 arrays as lists of floats (copies), checked cheaply.

        Returns (time, acc x y z per sample, gyr likewise, sample_counter or None if the
        session has no such column), or None when the chunk is of another kind or a check
        fails: _to_block then decides, with the same result and message as always.
        """
        if not (type(time_s) is np.ndarray and type(acc_mps2) is np.ndarray and type(gyr_dps) is np.ndarray):
            return None
        if not (time_s.ndim == 1 and time_s.dtype is _F64 and acc_mps2.dtype is _F64 and gyr_dps.dtype is _F64):
            return None
        n = len(time_s)
        if not (0 < n <= _FAST_MAX_N and acc_mps2.shape == gyr_dps.shape == (n, 3)):
            return None
        times = time_s.tolist()
        prev = self._last_time_s  # NaN fails every comparison; -inf fails the first, inf the last
        for ti in times:
            if not ti > prev:
                return None
            prev = ti
        if prev == math.inf:
            return None
        acc = acc_mps2.ravel().tolist()
        gyr = gyr_dps.ravel().tolist()
        if not math.isfinite(sum(acc) + sum(gyr)):  # finite only if every term is (overflow: the slow way)
            return None
        counter: list[float] | None = None
        if sample_counter is None:
            if self._counter_col is not None:
                counter = [np.nan] * n
        elif self._counter_col is None or type(sample_counter) is not np.ndarray or sample_counter.shape != (n,):
            return None
        elif sample_counter.dtype is _I64:
            counter = sample_counter.astype(_F64).tolist()  # the full path's cast
        elif sample_counter.dtype is _F64:
            counter = sample_counter.tolist()
            if not math.isfinite(sum(counter)):  # NaN bits are the full path's to keep
                return None
        else:
            return None
        return times, acc, gyr, counter

    def _to_block(
        self,
        time_s: ArrayLike,
        acc_mps2: ArrayLike,
        gyr_dps: ArrayLike,
        sample_counter: ArrayLike | None,
        extra: Mapping[str, ArrayLike] | None,
    ) -> NDArray[np.float64]:
        t = np.asarray(time_s, dtype=np.float64).reshape(-1)
        n = len(t)
        acc = np.asarray(acc_mps2, dtype=np.float64)
        gyr = np.asarray(gyr_dps, dtype=np.float64)
        if acc.shape != (n, 3) or gyr.shape != (n, 3):
            raise InputError(
                f"samples for session {self.session_id}: time_s has {n} values but acc {acc.shape} "
                f"and gyr {gyr.shape}; expected ({n}, 3) each"
            )
        block = np.empty((n, len(self.columns)), dtype=np.float64)
        block[:, 0] = t
        block[:, 1:4] = acc
        block[:, 4:7] = gyr
        given = dict(extra or {})
        if sample_counter is not None:
            given["sample_counter"] = sample_counter
        unknown = sorted(set(given) - set(self._extra_names))
        if unknown:
            raise InputError(f"session {self.session_id} has no column(s) {', '.join(unknown)}")
        for j, name in enumerate(self._extra_names, start=7):
            if name in given:
                col = np.asarray(given[name], dtype=np.float64).reshape(-1)
                if len(col) != n:
                    raise InputError(f"{name} has {len(col)} values for {n} samples")
                block[:, j] = col
            else:
                block[:, j] = np.nan
        if n and not np.all(np.isfinite(block[:, :7])):
            raise InputError("samples must be finite numbers (got NaN or infinity)")
        if n and (t[0] <= self._last_time_s or np.any(np.diff(t) <= 0)):
            raise InputError(f"time_s must increase strictly (got {t[0]:.6f} s after {self._last_time_s:.6f} s)")
        return block

    def _flush(self) -> None:
        """Commit the buffer as one chunk; on failure keep it for the next attempt."""
        with self._lock:
            if not self._buffer:
                return
            blocks, n = self._buffer, self._buffered_n
            self._buffer, self._buffered_n, self._buffer_t0 = [], 0, None
        matrix = self._matrix(blocks, n)
        try:
            self._commit(matrix)
        except (sqlite3.Error, OSError) as exc:
            with self._lock:  # put it back in front of anything appended meanwhile
                self._buffer = [matrix, *self._buffer]
                self._buffered_n += n
                self._buffer_t0 = float(matrix[0, 0])
            self._error = storage_error(exc, self._db_path, "save the samples")
            return
        self._committed += n
        self._error = None

    def _matrix(self, blocks: list[NDArray[np.float64] | _Run], n: int) -> NDArray[np.float64]:
        """The (n, columns) matrix of the buffered blocks and runs, in order."""
        first = blocks[0]
        if len(blocks) == 1 and not isinstance(first, _Run):
            return first
        matrix = np.empty((n, len(self.columns)), dtype=np.float64)
        row = 0
        for b in blocks:
            if isinstance(b, _Run):
                rows = matrix[row : row + len(b.times)]
                b.fill(rows, self._counter_col)
            else:
                rows = matrix[row : row + len(b)]
                rows[:] = b
            row += len(rows)
        return matrix

    def _commit(self, matrix: NDArray[np.float64]) -> None:
        conn = self._conn
        blob = encode(matrix, DEFAULT_CODEC)
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "INSERT INTO sample_chunks (session_id, seq, n, codec, data) VALUES (?, ?, ?, ?, ?)",
                (self.session_id, self._seq, len(matrix), DEFAULT_CODEC, blob),
            )
            conn.execute(
                "UPDATE sessions SET n_samples = n_samples + ?, last_time_s = ?,"
                " first_time_s = COALESCE(first_time_s, ?), heartbeat_at = ? WHERE id = ?",
                (len(matrix), float(matrix[-1, 0]), float(matrix[0, 0]), utc_now_iso(), self.session_id),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._seq += 1

    def _heartbeat(self) -> None:
        try:
            self._conn.execute("UPDATE sessions SET heartbeat_at = ? WHERE id = ?", (utc_now_iso(), self.session_id))
        except sqlite3.Error as exc:
            self._error = storage_error(exc, self._db_path, "save the samples")

    def _run(self) -> None:
        import time

        while True:
            self._wake.wait(FLUSH_INTERVAL_S)
            self._wake.clear()
            stopping = self._stopping
            with self._lock:
                requests, self._flush_requests = self._flush_requests, []
            had_data = bool(self._buffer)
            self._flush()
            now = time.monotonic()
            if had_data:
                self._last_heartbeat = now
            elif now - self._last_heartbeat >= HEARTBEAT_S:
                self._heartbeat()
                self._last_heartbeat = now
            for done in requests:
                done.set()
            if stopping:
                return

    def _stop_thread(self) -> None:
        if self._thread is not None:
            self._stopping = True
            self._wake.set()
            self._thread.join()
            self._thread = None
            for done in self._flush_requests:
                done.set()
            self._threaded = False

    def _close_conn(self) -> None:
        self._conn.close()
        with _ACTIVE_LOCK:
            ACTIVE_SESSIONS.discard((str(self._db_path), self.session_id))


class _Run:
    """Consecutive chunks from append's fast path, as flat lists of floats (copies of the caller's)."""

    __slots__ = ("acc", "counter", "gyr", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.acc: list[float] = []  # x, y, z of each sample in turn
        self.gyr: list[float] = []
        self.counter: list[float] = []  # NaN where a chunk had none; empty if no such column

    def add(self, times: list[float], acc: list[float], gyr: list[float], counter: list[float] | None) -> None:
        self.times += times
        self.acc += acc
        self.gyr += gyr
        if counter is not None:
            self.counter += counter

    def fill(self, rows: NDArray[np.float64], counter_col: int | None) -> None:
        """Write the run into its rows of the matrix (other extra columns: NaN, as _to_block does)."""
        n = len(self.times)
        rows[:, 0] = self.times
        rows[:, 1:4] = np.array(self.acc, dtype=np.float64).reshape(n, 3)
        rows[:, 4:7] = np.array(self.gyr, dtype=np.float64).reshape(n, 3)
        rows[:, 7:] = np.nan
        if counter_col is not None:
            rows[:, counter_col] = self.counter


def writer_identity() -> tuple[int, str]:
    """(pid, host) recorded with a session so recovery can tell a live writer from a dead one."""
    return os.getpid(), socket.gethostname()
