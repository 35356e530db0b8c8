"""Repeat groups of a reliability study: sessions marked as repeated tests of one person's side.

The store keeps the marks and their structure (sessions exist, each in one group at most, a rater
per session for an inter-rater group); what makes sessions comparable (one person, one side, a
knee-to-wall result) is judged by dorsi.report.study before it marks them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from dorsi.errors import InputError
from dorsi.store.writer import utc_now_iso

DESIGNS = ("test-retest", "inter-rater")


@dataclass(frozen=True)
class RepeatMember:
    session_id: int
    rater: str | None  # inter-rater groups: who tested


@dataclass(frozen=True)
class RepeatGroup:
    id: int
    design: str  # test-retest | inter-rater
    created_at: str
    members: tuple[RepeatMember, ...]  # by session id

    @property
    def session_ids(self) -> tuple[int, ...]:
        return tuple(m.session_id for m in self.members)


def insert_group(
    conn: sqlite3.Connection, session_ids: Sequence[int], design: str, raters: Sequence[str] | None
) -> int:
    """A new group of these sessions; InputError (nothing written) if they cannot form one."""
    if design not in DESIGNS:
        raise InputError(f"a repeat design is test-retest or inter-rater, not {design!r}")
    ids = [int(s) for s in session_ids]
    if len(ids) < 2:
        raise InputError(f"repeated tests need at least two sessions, {len(ids)} given")
    twice = sorted({s for s in ids if ids.count(s) > 1})
    if twice:
        raise InputError(f"session {twice[0]} is given twice")
    names = _raters(ids, design, raters)
    for sid in ids:
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (sid,)).fetchone() is None:
            raise InputError(f"there is no session {sid}; `dorsi sessions` lists them")
        row = conn.execute("SELECT group_id FROM repeat_members WHERE session_id = ?", (sid,)).fetchone()
        if row is not None:
            raise InputError(f"session {sid} is already marked as a repeated test (group {row[0]}); unmark it first")
    group_id = int(
        conn.execute("INSERT INTO repeat_groups (design, created_at) VALUES (?, ?)", (design, utc_now_iso())).lastrowid
        or 0
    )
    conn.executemany(
        "INSERT INTO repeat_members (session_id, group_id, rater) VALUES (?, ?, ?)",
        [(sid, group_id, name) for sid, name in zip(ids, names, strict=True)],
    )
    return group_id


def _raters(ids: list[int], design: str, raters: Sequence[str] | None) -> list[str | None]:
    if design == "test-retest":
        if raters:
            raise InputError("raters belong to an inter-rater design; a test-retest group has none")
        return [None] * len(ids)
    names = [str(r).strip() for r in raters or ()]
    if len(names) != len(ids) or not all(names):
        raise InputError(f"an inter-rater group needs one rater per session: {len(ids)} sessions, {len(names)} raters")
    if len(set(names)) != len(names):
        raise InputError("each rater tests a person once: the raters of one group must differ")
    return list(names)


def delete_members(conn: sqlite3.Connection, session_ids: Sequence[int]) -> list[int]:
    """Unmark these sessions; a group left with fewer than two sessions is dissolved. Returns the groups changed."""
    groups: set[int] = set()
    for sid in session_ids:
        row = conn.execute("SELECT group_id FROM repeat_members WHERE session_id = ?", (int(sid),)).fetchone()
        if row is None:
            raise InputError(f"session {sid} is not marked as a repeated test")
        groups.add(int(row[0]))
        conn.execute("DELETE FROM repeat_members WHERE session_id = ?", (int(sid),))
    for gid in groups:
        (left,) = conn.execute("SELECT COUNT(*) FROM repeat_members WHERE group_id = ?", (gid,)).fetchone()
        if left < 2:
            conn.execute("DELETE FROM repeat_groups WHERE id = ?", (gid,))
    return sorted(groups)


def read_groups(conn: sqlite3.Connection) -> list[RepeatGroup]:
    """Every group with at least one session left, oldest first (a deleted session leaves its group)."""
    rows = conn.execute(
        "SELECT g.id, g.design, g.created_at, m.session_id, m.rater FROM repeat_groups g"
        " JOIN repeat_members m ON m.group_id = g.id ORDER BY g.id, m.session_id"
    ).fetchall()
    out: list[RepeatGroup] = []
    for gid, design, created_at, sid, rater in rows:
        member = RepeatMember(int(sid), rater)
        if out and out[-1].id == gid:
            last = out[-1]
            out[-1] = RepeatGroup(last.id, last.design, last.created_at, (*last.members, member))
        else:
            out.append(RepeatGroup(int(gid), design, created_at, (member,)))
    return out
