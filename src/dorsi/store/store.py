"""SessionStore: the one SQLite database of profiles, sessions, samples, reps and test results."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dorsi import __version__
from dorsi.errors import InputError, StorageError
from dorsi.io.rawcsv import REQUIRED_COLUMNS
from dorsi.motion.types import Recording
from dorsi.store import studies
from dorsi.store.codec import DEFAULT_CODEC, CodecError, decode, encode
from dorsi.store.db import connect, storage_error
from dorsi.store.models import SIDES, Profile, SessionInfo, from_json_text, to_json_text
from dorsi.store.paths import default_db_path, ensure_private_dir, ensure_private_file
from dorsi.store.schema import SCHEMA_VERSION, NewerSchemaError, current_version, migrate
from dorsi.store.writer import ACTIVE_SESSIONS, SessionWriter, utc_now_iso, writer_identity

MAX_SESSION_ID = 2**63 - 1  # SQLite's INTEGER PRIMARY KEY
IMPORT_CHUNK_SAMPLES = 2000  # samples per blob when a whole recording is stored at once
STALE_HEARTBEAT_S = 60.0  # a 'recording' session silent this long has no live writer
CRASH_REASON = "the recording stopped without finishing (the program was killed, crashed or lost power)"


class SessionStore:
    """Open with ``SessionStore.open()``; use from one thread (writers run their own)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, busy_timeout_s: float, max_db_bytes: int | None) -> None:
        self._conn = conn
        self.path = path
        self._busy_timeout_s = busy_timeout_s
        self._max_db_bytes = max_db_bytes
        self.recovered: list[int] = []  # sessions marked interrupted when this store opened

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        busy_timeout_s: float = 5.0,
        max_db_bytes: int | None = None,
        recover: bool = True,
    ) -> SessionStore:
        """Open (creating if needed) the database; migrate it; mark crashed sessions interrupted.

        path: default <data dir>/sessions.db (DORSI_DATA_DIR or the platform's user data dir).
        max_db_bytes: a size quota; writes beyond it fail as "no space left".
        """
        db_path = Path(path) if path is not None else default_db_path()
        ensure_private_dir(db_path.parent, tighten=path is None)
        ensure_private_file(db_path)
        conn = connect(db_path, busy_timeout_s=busy_timeout_s, max_db_bytes=max_db_bytes)
        try:
            version = current_version(conn)
            if 0 < version < SCHEMA_VERSION:
                _backup(conn, db_path.with_name(f"{db_path.name}.bak-v{version}"))
            migrate(conn)
        except NewerSchemaError:
            conn.close()
            raise StorageError(
                f"the session database at {db_path} was written by a newer dorsi "
                f"(schema {version}, this one knows {SCHEMA_VERSION}); update dorsi, nothing was changed"
            ) from None
        except (sqlite3.Error, OSError) as exc:
            conn.close()
            raise storage_error(exc, db_path, "open") from None
        store = cls(conn, db_path, busy_timeout_s, max_db_bytes)
        if recover:
            try:
                store.recovered = store.recover_interrupted()
            except BaseException:
                store.close()
                raise
        return store

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[sqlite3.Connection]:
        try:
            yield self._conn
        except (sqlite3.Error, CodecError, OSError) as exc:
            raise storage_error(exc, self.path, action) from None

    @contextlib.contextmanager
    def _transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._guard(action) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # -- crash recovery ------------------------------------------------------------
    def recover_interrupted(self) -> list[int]:
        """Mark sessions whose writer died (kill -9, power loss) as interrupted; return their ids.

        A 'recording' session is left alone while its writer lives: same host → its pid
        still runs (POSIX) and, for this process, the writer is open; other hosts or
        Windows → its heartbeat is younger than a minute.
        """
        with self._guard("check for interrupted sessions") as conn:
            rows = conn.execute(
                "SELECT id, writer_pid, writer_host, heartbeat_at, started_at FROM sessions WHERE status = 'recording'"
            ).fetchall()
        dead = [r[0] for r in rows if not self._writer_alive(r[0], r[1], r[2], r[3] or r[4])]
        for session_id in dead:
            with self._transaction("mark an interrupted session") as conn:
                (n,) = conn.execute(
                    "SELECT COALESCE(SUM(n), 0) FROM sample_chunks WHERE session_id = ?",
                    (session_id,),
                ).fetchone()
                conn.execute(
                    "UPDATE sessions SET status = 'interrupted', interrupted = 1,"
                    " ended_at = COALESCE(heartbeat_at, started_at), n_samples = ?,"
                    " interrupted_reason = COALESCE(interrupted_reason, ?) WHERE id = ?",
                    (n, CRASH_REASON, session_id),
                )
        return dead

    def _writer_alive(self, session_id: int, pid: int | None, host: str | None, heartbeat: str) -> bool:
        my_pid, my_host = writer_identity()
        if pid == my_pid and host == my_host:
            return (str(self.path), session_id) in ACTIVE_SESSIONS
        if host == my_host and pid is not None and os.name == "posix":
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
            return True
        return _age_s(heartbeat) < STALE_HEARTBEAT_S

    # -- writing ---------------------------------------------------------------------
    def begin_session(
        self,
        *,
        drill: str,
        side: str,
        sensor_id: str | None = None,
        firmware: str | None = None,
        rate_hz: float | None = None,
        profile_id: int | None = None,
        extra_columns: Sequence[str] = ("sample_counter",),
        calibration: Mapping[str, Any] | None = None,
        threaded: bool = True,
    ) -> SessionWriter:
        """Start a live session; returns its writer (see dorsi.store docstring)."""
        columns = _columns(extra_columns)
        session_id = self._insert_session(
            drill=drill,
            side=side,
            status="recording",
            source="live",
            columns=columns,
            sensor_id=sensor_id,
            firmware=firmware,
            rate_hz=rate_hz,
            profile_id=profile_id,
            calibration=calibration,
        )
        return SessionWriter(
            db_path=self.path,
            session_id=session_id,
            columns=columns,
            busy_timeout_s=self._busy_timeout_s,
            max_db_bytes=self._max_db_bytes,
            finalize=self._finalize,
            threaded=threaded,
        )

    def add_recording(
        self,
        rec: Recording,
        *,
        drill: str,
        side: str,
        source: str = "import",
        source_file: str | None = None,
        started_at: str | None = None,
        ended_at: str | None = None,
        sensor_id: str | None = None,
        firmware: str | None = None,
        app_version: str | None = None,
        rate_hz: float | None = None,
        interrupted: bool = False,
        summary: Mapping[str, Any] | None = None,
        derived: Mapping[str, ArrayLike] | None = None,
        profile_id: int | None = None,
        calibration: Mapping[str, Any] | None = None,
        interrupted_reason: str | None = None,
    ) -> int:
        """Store a whole recording at once (imports); all or nothing. Returns the session id."""
        extra_names = list(rec.extra)
        columns = _columns(extra_names)
        n = len(rec)
        matrix = np.empty((n, len(columns)), dtype=np.float64)
        matrix[:, 0] = rec.time_s
        matrix[:, 1:4] = rec.acc_mps2
        matrix[:, 4:7] = rec.gyr_dps
        for j, name in enumerate(extra_names, start=7):
            matrix[:, j] = rec.extra[name]
        if rate_hz is None and n >= 2:
            rate_hz = round(rec.rate_hz, 3)
        with self._transaction("import the session") as conn:
            session_id = self._insert_session(
                drill=drill,
                side=side,
                status="interrupted" if interrupted else "finished",
                source=source,
                columns=columns,
                sensor_id=sensor_id,
                firmware=firmware,
                rate_hz=rate_hz,
                started_at=started_at,
                source_file=source_file,
                app_version=app_version,
                profile_id=profile_id,
                calibration=calibration,
                conn=conn,
            )
            for seq, start in enumerate(range(0, n, IMPORT_CHUNK_SAMPLES)):
                part = matrix[start : start + IMPORT_CHUNK_SAMPLES]
                conn.execute(
                    "INSERT INTO sample_chunks (session_id, seq, n, codec, data) VALUES (?, ?, ?, ?, ?)",
                    (session_id, seq, len(part), DEFAULT_CODEC, encode(part)),
                )
            conn.execute(
                "UPDATE sessions SET n_samples = ?, first_time_s = ?, last_time_s = ?, ended_at = ?,"
                " interrupted = ?, fingerprint = ?, interrupted_reason = ? WHERE id = ?",
                (
                    n,
                    float(rec.time_s[0]) if n else None,
                    float(rec.time_s[-1]) if n else None,
                    ended_at or utc_now_iso(),
                    int(interrupted),
                    fingerprint(rec),
                    interrupted_reason if interrupted else None,
                    session_id,
                ),
            )
            if summary is not None or derived is not None:
                self._write_analysis(conn, session_id, n, summary, derived)
        return session_id

    def save_analysis(
        self,
        session_id: int,
        summary: Mapping[str, Any] | None,
        derived: Mapping[str, ArrayLike] | None = None,
    ) -> None:
        """Replace a session's analysis: summary JSON, derived columns, reps and test rows."""
        info = self.session(session_id)
        with self._transaction("save the analysis") as conn:
            self._write_analysis(conn, session_id, info.samples, summary, derived)

    def _finalize(
        self,
        session_id: int,
        summary: Mapping[str, Any] | None,
        derived: Mapping[str, ArrayLike] | None,
        interrupted: bool,
        reason: str | None = None,
    ) -> None:
        with self._transaction("finish the session") as conn:
            (n,) = conn.execute("SELECT n_samples FROM sessions WHERE id = ?", (session_id,)).fetchone()
            conn.execute(
                "UPDATE sessions SET status = ?, interrupted = ?, ended_at = ?, writer_pid = NULL,"
                " rate_hz = COALESCE(rate_hz, ROUND((n_samples - 1) / (last_time_s - first_time_s), 3)),"
                " interrupted_reason = ? WHERE id = ?",
                (
                    "interrupted" if interrupted else "finished",
                    int(interrupted),
                    utc_now_iso(),
                    reason if interrupted else None,
                    session_id,
                ),
            )
            if summary is not None or derived is not None:
                self._write_analysis(conn, session_id, int(n), summary, derived)

    def _insert_session(
        self,
        *,
        drill: str,
        side: str,
        status: str,
        source: str,
        columns: list[str],
        sensor_id: str | None = None,
        firmware: str | None = None,
        rate_hz: float | None = None,
        profile_id: int | None = None,
        calibration: Mapping[str, Any] | None = None,
        started_at: str | None = None,
        source_file: str | None = None,
        app_version: str | None = None,
        conn: sqlite3.Connection | None = None,
    ) -> int:
        drill = (drill or "").strip()
        if not drill:
            raise InputError("a session needs a drill name")
        if side not in SIDES:
            raise InputError(f"side must be left or right, not {side!r}")
        pid, host = writer_identity()
        values = (
            profile_id,
            drill,
            side,
            started_at or utc_now_iso(),
            status,
            source,
            source_file,
            sensor_id,
            firmware,
            rate_hz,
            app_version or __version__,
            None if calibration is None else to_json_text(calibration),
            to_json_text(columns),
            pid if status == "recording" else None,
            host,
        )
        sql = (
            "INSERT INTO sessions (profile_id, drill, side, started_at, status, source, source_file,"
            " sensor_id, firmware, rate_hz, app_version, calibration, columns, writer_pid, writer_host,"
            " heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)"
        )
        if conn is not None:
            return int(conn.execute(sql, values).lastrowid or 0)
        with self._transaction("start a session") as c:
            return int(c.execute(sql, values).lastrowid or 0)

    def _write_analysis(
        self,
        conn: sqlite3.Connection,
        session_id: int,
        n_samples: int,
        summary: Mapping[str, Any] | None,
        derived: Mapping[str, ArrayLike] | None,
    ) -> None:
        from dorsi.store.analysis_rows import rep_rows, result_rows

        conn.execute("DELETE FROM derived_columns WHERE session_id = ?", (session_id,))
        for position, (name, values) in enumerate((derived or {}).items()):
            col = np.asarray(values, dtype=np.float64).reshape(-1)
            if len(col) != n_samples:
                raise InputError(
                    f"derived column {name} has {len(col)} values but session {session_id} has {n_samples} samples"
                )
            conn.execute(
                "INSERT INTO derived_columns (session_id, name, position, codec, data) VALUES (?, ?, ?, ?, ?)",
                (session_id, str(name), position, DEFAULT_CODEC, encode(col)),
            )
        if summary is None:
            return
        conn.execute("DELETE FROM reps WHERE session_id = ?", (session_id,))
        conn.execute("DELETE FROM test_results WHERE session_id = ?", (session_id,))
        row = conn.execute("SELECT started_at, side, profile_id FROM sessions WHERE id = ?", (session_id,)).fetchone()
        started_at, side, profile_id = row
        conn.executemany(
            "INSERT INTO reps (session_id, idx, start_s, end_s, peak_deg, hold_s, score, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(session_id, *r) for r in rep_rows(summary)],
        )
        conn.executemany(
            "INSERT INTO test_results (session_id, profile_id, taken_at, side, angle_deg,"
            " toe_to_wall_cm, band, data, cm_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(session_id, profile_id, started_at, *r) for r in result_rows(summary, side)],
        )
        calibration = summary.get("calibration")
        conn.execute(
            "UPDATE sessions SET summary = ?, calibration = COALESCE(?, calibration) WHERE id = ?",
            (
                to_json_text(summary),
                None if calibration is None else to_json_text(calibration),
                session_id,
            ),
        )

    def find_duplicate(self, rec: Recording) -> int | None:
        """The id of a stored session holding the same samples (by fingerprint), or None.

        Only sessions with as many samples are compared; a session without a fingerprint yet
        (recorded live, or stored before schema 3) gets it computed now and kept.
        """
        mine = fingerprint(rec)
        with self._guard("look for the same samples") as conn:
            rows = conn.execute(
                "SELECT id, fingerprint FROM sessions WHERE n_samples = ? AND status != 'recording'", (len(rec),)
            ).fetchall()
        for session_id, stored in rows:
            if stored is None:
                stored = fingerprint(self.load_recording(session_id))
                with self._transaction("remember a fingerprint") as conn:
                    conn.execute("UPDATE sessions SET fingerprint = ? WHERE id = ?", (stored, session_id))
            if stored == mine:
                return int(session_id)
        return None

    # -- reading ---------------------------------------------------------------------
    def sessions(self) -> list[SessionInfo]:
        """All sessions, oldest first."""
        with self._guard("list the sessions") as conn:
            rows = conn.execute(f"SELECT {_SESSION_FIELDS} FROM sessions ORDER BY started_at, id").fetchall()
            return [_session_info(r) for r in rows]

    def session(self, session_id: int) -> SessionInfo:
        if not 0 < session_id <= MAX_SESSION_ID:  # SQLite cannot even look up a bigger number
            raise InputError(f"there is no session {session_id}; `dorsi sessions` lists them")
        with self._guard("read the session") as conn:
            row = conn.execute(f"SELECT {_SESSION_FIELDS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise InputError(f"there is no session {session_id}; `dorsi sessions` lists them")
        return _session_info(row)

    def load_recording(self, session_id: int) -> Recording:
        """The raw samples as a Recording (extra columns such as sample_counter in .extra)."""
        info = self.session(session_id)
        matrix = self._load_matrix(session_id, len(info.columns))
        extra = {name: np.ascontiguousarray(matrix[:, j]) for j, name in enumerate(info.columns[7:], 7)}
        return Recording(
            time_s=np.ascontiguousarray(matrix[:, 0]),
            acc_mps2=np.ascontiguousarray(matrix[:, 1:4]),
            gyr_dps=np.ascontiguousarray(matrix[:, 4:7]),
            extra=extra,
            source=f"{self.path}#session={session_id}",
        )

    def _load_matrix(self, session_id: int, k: int) -> NDArray[np.float64]:
        with self._guard("read the samples") as conn:
            rows = conn.execute(
                "SELECT n, codec, data FROM sample_chunks WHERE session_id = ? ORDER BY seq", (session_id,)
            ).fetchall()
            parts = [decode(data, n, k, codec) for n, codec, data in rows]
        return np.concatenate(parts) if parts else np.empty((0, k), dtype=np.float64)

    def derived_columns(self, session_id: int) -> dict[str, NDArray[np.float64]]:
        info = self.session(session_id)
        with self._guard("read the derived samples") as conn:
            rows = conn.execute(
                "SELECT name, codec, data FROM derived_columns WHERE session_id = ? ORDER BY position",
                (session_id,),
            ).fetchall()
            return {name: decode(data, info.samples, 1, codec)[:, 0] for name, codec, data in rows}

    def reps(self, session_id: int) -> list[dict[str, Any]]:
        with self._guard("read the reps") as conn:
            rows = conn.execute("SELECT data FROM reps WHERE session_id = ? ORDER BY idx", (session_id,)).fetchall()
        return [from_json_text(r[0]) for r in rows]

    def test_results(self, side: str | None = None) -> list[dict[str, Any]]:
        """Knee-to-wall results of every session, oldest first (history)."""
        sql = (
            "SELECT t.session_id, t.taken_at, t.side, t.angle_deg, t.toe_to_wall_cm, t.band, s.drill, t.cm_model,"
            " t.data"
            " FROM test_results t JOIN sessions s ON s.id = t.session_id"
        )
        args: tuple[Any, ...] = ()
        if side is not None:
            sql += " WHERE t.side = ?"
            args = (side,)
        with self._guard("read the test results") as conn:
            rows = conn.execute(sql + " ORDER BY t.taken_at, t.id", args).fetchall()
        keys = ("session_id", "taken_at", "side", "angle_deg", "toe_to_wall_cm", "band", "drill", "cm_model")
        return [{**dict(zip(keys, r[:8], strict=True)), "data": from_json_text(r[8])} for r in rows]

    def delete_session(self, session_id: int) -> None:
        self.session(session_id)
        with self._transaction("delete the session") as conn:
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    # -- reliability studies (store/studies.py) ------------------------------------------
    def mark_repeats(self, session_ids: Sequence[int], design: str, raters: Sequence[str] | None = None) -> int:
        """Mark sessions as repeated tests of one person's side; returns the new group's id."""
        with self._transaction("mark the repeated tests") as conn:
            return studies.insert_group(conn, session_ids, design, raters)

    def unmark_repeats(self, session_ids: Sequence[int]) -> list[int]:
        """Take sessions out of their repeat groups; returns the ids of the groups changed."""
        with self._transaction("unmark the repeated tests") as conn:
            return studies.delete_members(conn, session_ids)

    def repeat_groups(self) -> list[studies.RepeatGroup]:
        with self._guard("read the repeated tests") as conn:
            return studies.read_groups(conn)

    # -- profiles ----------------------------------------------------------------------
    def add_profile(
        self,
        name: str,
        *,
        dominant_side: str | None = None,
        tibia_length_cm: float | None = None,
        foot_length_cm: float | None = None,
    ) -> int:
        if not name.strip():
            raise InputError("a profile needs a name")
        if dominant_side is not None and dominant_side not in SIDES:
            raise InputError(f"dominant side must be left or right, not {dominant_side!r}")
        for label, v in (("tibia length", tibia_length_cm), ("foot length", foot_length_cm)):
            if v is not None and not (5.0 <= v <= 80.0):
                raise InputError(f"{label} {v} cm is outside 5–80 cm")
        with self._transaction("save the profile") as conn:
            cur = conn.execute(
                "INSERT INTO profiles (name, dominant_side, tibia_length_cm, foot_length_cm, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (name.strip(), dominant_side, tibia_length_cm, foot_length_cm, utc_now_iso()),
            )
            return int(cur.lastrowid or 0)

    def profiles(self) -> list[Profile]:
        with self._guard("read the profiles") as conn:
            rows = conn.execute(
                "SELECT id, name, dominant_side, tibia_length_cm, foot_length_cm, created_at FROM profiles ORDER BY id"
            ).fetchall()
        return [Profile(*r) for r in rows]


_SESSION_FIELDS = (
    "id, profile_id, drill, side, started_at, ended_at, status, interrupted, source, source_file,"
    " sensor_id, firmware, rate_hz, app_version, calibration, summary, columns, n_samples,"
    " first_time_s, last_time_s, interrupted_reason"
)


# How a SELECT {_SESSION_FIELDS} value becomes its SessionInfo field (the columns are in field order);
# a field not named here is taken as stored.
_SESSION_CONVERT: dict[str, Callable[[Any], Any]] = {
    "interrupted": bool,
    "calibration": from_json_text,
    "summary": from_json_text,
    "columns": from_json_text,
    "samples": int,
}


def _session_info(r: Sequence[Any]) -> SessionInfo:
    names = [f.name for f in dataclasses.fields(SessionInfo)]
    return SessionInfo(**{name: _SESSION_CONVERT.get(name, _same)(v) for name, v in zip(names, r, strict=True)})


def _same(v: Any) -> Any:
    return v


def fingerprint(rec: Recording) -> str:
    """The samples' content, blind to where the clock started: µs since the first sample, and the
    motion at the precision a CSV export keeps (1e-5 m/s², 1e-4 °/s), so a session and its export
    read back have the same fingerprint."""
    t = np.round(np.asarray(rec.time_s, dtype=np.float64) * 1e6)
    parts = (
        (t - t[0]) if len(t) else t,
        np.round(np.asarray(rec.acc_mps2, dtype=np.float64) * 1e5),
        np.round(np.asarray(rec.gyr_dps, dtype=np.float64) * 1e4),
    )
    h = hashlib.sha256()
    for p in parts:
        h.update(np.ascontiguousarray(p, dtype="<f8").tobytes())
    return h.hexdigest()


def _columns(extra: Sequence[str]) -> list[str]:
    extra = list(extra)
    clash = [c for c in extra if c in REQUIRED_COLUMNS]
    if clash or len(set(extra)) != len(extra):
        raise InputError(f"extra columns repeat a column: {', '.join(clash or extra)}")
    return [*REQUIRED_COLUMNS, *extra]


def _age_s(iso: str) -> float:
    from datetime import UTC, datetime

    try:
        then = datetime.fromisoformat(iso)
    except ValueError:
        return float("inf")
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return (datetime.now(UTC) - then).total_seconds()


def _backup(conn: sqlite3.Connection, target: Path) -> None:
    """Copy the database before a migration changes it (kept next to it)."""
    ensure_private_file(target)
    dst = sqlite3.connect(str(target))
    try:
        conn.backup(dst)
    finally:
        dst.close()
