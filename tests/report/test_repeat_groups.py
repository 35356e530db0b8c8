"""The store's repeat groups: a versioned migration from schema 1, and the marks' structure."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dorsi.errors import InputError
from dorsi.store import SessionStore
from dorsi.store.schema import MIGRATIONS, SCHEMA_VERSION, current_version, migrate
from tests.store.helpers import fake_recording, fake_summary


def test_a_version_1_database_gains_repeat_groups_and_keeps_its_sessions(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:1])  # the released schema 1
    conn.execute(
        "INSERT INTO sessions (drill, side, started_at, status, columns) VALUES"
        " ('knee-to-wall', 'left', '2026-01-01T10:00:00+00:00', 'finished', '[]'),"
        " ('knee-to-wall', 'left', '2026-01-08T10:00:00+00:00', 'finished', '[]')"
    )
    conn.close()
    with SessionStore.open(path) as store:
        assert SCHEMA_VERSION >= 2  # 3 added fingerprints, interrupted reasons and cm models
        assert [s.id for s in store.sessions()] == [1, 2]
        gid = store.mark_repeats([1, 2], "test-retest")
        (group,) = store.repeat_groups()
        assert (group.id, group.design, group.session_ids) == (gid, "test-retest", (1, 2))
    assert (tmp_path / "sessions.db.bak-v1").exists()  # the copy kept before migrating
    with sqlite3.connect(path) as c:
        assert current_version(c) == SCHEMA_VERSION


def _sessions(store: SessionStore, n: int) -> list[int]:
    return [
        store.add_recording(fake_recording(20), drill="knee-to-wall", side="left", summary=fake_summary())
        for _ in range(n)
    ]


def test_marks_keep_their_structure() -> None:
    with SessionStore.open() as store:
        a, b, c, d = _sessions(store, 4)
        g1 = store.mark_repeats([a, b], "inter-rater", ["Ana", "Ben"])
        with pytest.raises(InputError, match=f"session {b} is already marked"):
            store.mark_repeats([b, c], "test-retest")
        with pytest.raises(InputError, match="one rater per session"):
            store.mark_repeats([c, d], "inter-rater", ["Ana"])
        with pytest.raises(InputError, match="must differ"):
            store.mark_repeats([c, d], "inter-rater", ["Ana", "Ana"])
        with pytest.raises(InputError, match="raters belong to an inter-rater"):
            store.mark_repeats([c, d], "test-retest", ["Ana", "Ben"])
        with pytest.raises(InputError, match="given twice"):
            store.mark_repeats([c, c], "test-retest")
        with pytest.raises(InputError, match="no session 99"):
            store.mark_repeats([c, 99], "test-retest")
        with pytest.raises(InputError, match="not 'crossover'"):
            store.mark_repeats([c, d], "crossover")
        assert [g.id for g in store.repeat_groups()] == [g1]  # nothing half-written
        (group,) = store.repeat_groups()
        assert [(m.session_id, m.rater) for m in group.members] == [(a, "Ana"), (b, "Ben")]
        g2 = store.mark_repeats([c, d], "test-retest")
        store.delete_session(d)  # the group keeps what is left
        assert [g.session_ids for g in store.repeat_groups()] == [(a, b), (c,)]
        assert store.unmark_repeats([a]) == [g1]  # one session left: the group is dissolved
        assert [g.id for g in store.repeat_groups()] == [g2]
        with pytest.raises(InputError, match=f"session {a} is not marked"):
            store.unmark_repeats([a])
