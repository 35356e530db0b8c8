"""Database schema and its migrations (PRAGMA user_version holds the version).

Raw samples are stored as one blob per committed chunk (see codec.py and
docs/storage.md for why blobs beat a row per sample); derived samples as one
blob per named column per session. Everything else is plain rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

# Each entry migrates from version i to i + 1; never edit a released entry, append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: the first schema.
    """
    CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        dominant_side TEXT CHECK (dominant_side IN ('left', 'right')),
        tibia_length_cm REAL,
        foot_length_cm REAL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER REFERENCES profiles(id) ON DELETE SET NULL,
        drill TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('left', 'right')),
        started_at TEXT NOT NULL,            -- ISO 8601, UTC
        ended_at TEXT,                       -- NULL while recording
        status TEXT NOT NULL CHECK (status IN ('recording', 'finished', 'interrupted')),
        interrupted INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL DEFAULT 'live', -- live | import
        source_file TEXT,
        sensor_id TEXT,
        firmware TEXT,
        rate_hz REAL,
        app_version TEXT,
        calibration TEXT,                    -- JSON
        summary TEXT,                        -- JSON from the analysis, NULL if none
        columns TEXT NOT NULL,               -- JSON list: raw column names, in blob order
        n_samples INTEGER NOT NULL DEFAULT 0,
        last_time_s REAL,
        first_time_s REAL,
        writer_pid INTEGER,
        writer_host TEXT,
        heartbeat_at TEXT                    -- last commit by the writer, ISO UTC
    );
    CREATE INDEX sessions_started ON sessions(started_at);
    CREATE TABLE sample_chunks (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        n INTEGER NOT NULL,
        codec INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (session_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE derived_columns (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        position INTEGER NOT NULL,
        codec INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (session_id, name)
    );
    CREATE TABLE reps (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        start_s REAL,
        end_s REAL,
        peak_deg REAL,
        hold_s REAL,
        score REAL,
        data TEXT NOT NULL,                  -- the whole rep as JSON
        PRIMARY KEY (session_id, idx)
    );
    CREATE TABLE test_results (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        profile_id INTEGER REFERENCES profiles(id) ON DELETE SET NULL,
        taken_at TEXT NOT NULL,
        side TEXT NOT NULL,
        angle_deg REAL,
        toe_to_wall_cm REAL,
        band TEXT,
        data TEXT NOT NULL                   -- the whole test result as JSON
    );
    CREATE INDEX test_results_taken ON test_results(taken_at);
    """,
    # 1 -> 2: reliability studies. A repeat group is one person's one side tested again (test-retest) or
    # by other raters (inter-rater); a session belongs to at most one group.
    """
    CREATE TABLE repeat_groups (
        id INTEGER PRIMARY KEY,
        design TEXT NOT NULL CHECK (design IN ('test-retest', 'inter-rater')),
        created_at TEXT NOT NULL
    );
    CREATE TABLE repeat_members (
        session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        group_id INTEGER NOT NULL REFERENCES repeat_groups(id) ON DELETE CASCADE,
        rater TEXT                           -- inter-rater: who tested; NULL for test-retest
    );
    CREATE INDEX repeat_members_group ON repeat_members(group_id);
    """,
    # 2 -> 3: a content fingerprint of the samples (duplicate imports), filled in when first needed;
    # why an interrupted session ended (sensor lost, output unwritable, crash);
    # the cm model each stored knee-to-wall result came from (results store it as "model"; rows stored
    # before carry the model text of their JSON, or 'unversioned' when their JSON has none).
    """
    ALTER TABLE sessions ADD COLUMN fingerprint TEXT;
    ALTER TABLE sessions ADD COLUMN interrupted_reason TEXT;
    CREATE INDEX sessions_fingerprint ON sessions(n_samples, fingerprint);
    ALTER TABLE test_results ADD COLUMN cm_model TEXT;
    UPDATE test_results
        SET cm_model = COALESCE(CASE WHEN json_valid(data) THEN json_extract(data, '$.model') END, 'unversioned')
        WHERE toe_to_wall_cm IS NOT NULL;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


class NewerSchemaError(Exception):
    """The database was written by a newer dorsi."""


def current_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> tuple[int, int]:
    """Bring the schema up to date, each step in its own transaction. Returns (from, to)."""
    start = current_version(conn)
    target = len(migrations)
    if start > target:
        raise NewerSchemaError(f"schema version {start} is newer than this dorsi knows ({target})")
    for version in range(start, target):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            if current_version(conn) != version:
                conn.execute("ROLLBACK")
                continue
            for statement in _split(migrations[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return start, target


def _split(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit on its own)."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n\t;"):
                statements.append(pending.strip())
            pending = ""
    return statements
