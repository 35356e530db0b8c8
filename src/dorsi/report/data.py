"""What a test report shows, read from the store through its public API and checked.

A *test* is the knee-to-wall sessions of one person taken together: a new test starts when a
side comes again or more than an hour after the test's first session (both sides take minutes).
The report covers the sessions given (or the latest test), the same person's earlier results up
to it (the previous result per side, the trend) and the drills done between the previous test and
this one. Nothing after the test is read, so a report never changes once its test is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dorsi.drills import catalog
from dorsi.errors import InputError
from dorsi.store import SessionInfo, SessionStore

OCCASION_GAP_S = 3600.0  # both sides of one test are taken within an hour
SIDES = ("left", "right")


@dataclass(frozen=True)
class SideResult:
    """One side's stored knee-to-wall result (the numbers exactly as stored)."""

    side: str
    session_id: int
    taken_at: str  # ISO UTC
    trials_deg: tuple[float, ...]
    best_deg: float
    uncertainty_deg: float | None
    toe_to_wall_cm: float | None
    uncertainty_cm: float | None
    band: str | None  # article 004, first section
    band_standards: str | None  # article 004, testing standards
    partial_trials: int  # attempts under half range: shown, not counted
    lengths: dict[str, Any] | None  # the tibia and foot lengths the cm came from
    model: str | None  # the cm model (the formula) the cm came from
    # trials whose heel may have lifted (counted, not used for the best while another is clean), and whether the
    # best is one of them (no clean trial); results stored before issue 18's clean best have neither: 0, False
    heel_uncertain_trials: int = 0
    best_heel_uncertain: bool = False
    # what the ± covers (0.95) and the hint when the sensor's is wide (kneewall.uncertainty); results stored before
    # it have neither: their ± was one SD, dorsi's repeatability alone
    uncertainty_coverage: float | None = None
    uncertainty_hint: str = ""

    @property
    def cm_basis(self) -> tuple[Any, ...]:
        """Two results' cm compare only when computed from the same lengths and model."""
        return (tuple(sorted((self.lengths or {}).items())), self.model)


@dataclass(frozen=True)
class SessionFacts:
    session_id: int
    side: str
    sensor_id: str | None
    firmware: str | None
    rate_hz: float | None
    app_version: str | None
    calibration: dict[str, Any] | None


@dataclass(frozen=True)
class DrillSummary:
    drill: str
    name: str
    sessions: int
    sets: int
    reps: int  # counted reps
    holds_reached: int  # reps held at least the target (0 if the drill has no hold target)
    hold_target_s: float
    partial: int  # attempts under half the usual range: not counted


@dataclass(frozen=True)
class Person:
    profile_id: int | None
    name: str | None
    dominant_side: str | None


@dataclass(frozen=True)
class ReportData:
    person: Person
    current: dict[str, SideResult]  # side → result (one or both sides)
    previous: dict[str, SideResult]  # side → the last earlier result of that side
    tests: tuple[dict[str, SideResult], ...]  # the person's tests up to this one (the last), oldest first
    sessions: tuple[SessionFacts, ...]  # the current test's sessions
    drills: tuple[DrillSummary, ...]  # between the previous test and this one
    drills_since: str | None  # ISO UTC of the last earlier result (None: this is the first test)

    @property
    def taken_at(self) -> str:
        return min(r.taken_at for r in self.current.values())

    @property
    def session_ids(self) -> tuple[int, ...]:
        return tuple(self.current[s].session_id for s in SIDES if s in self.current)


def parse_utc(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def side_result(row: dict[str, Any], reps: list[dict[str, Any]]) -> SideResult:
    data = row.get("data") or {}
    return SideResult(
        side=str(row["side"]),
        session_id=int(row["session_id"]),
        taken_at=str(row["taken_at"]),
        trials_deg=tuple(float(v) for v in data.get("trials_deg") or ()),
        best_deg=float(row["angle_deg"]),
        uncertainty_deg=_float(data.get("uncertainty_deg")),
        toe_to_wall_cm=_float(row.get("toe_to_wall_cm")),
        uncertainty_cm=_float(data.get("uncertainty_cm")),
        band=row.get("band"),
        band_standards=data.get("band_testing_standards"),
        partial_trials=sum(1 for r in reps if r.get("partial")),
        lengths=data.get("profile"),
        model=data.get("model"),
        heel_uncertain_trials=sum(1 for x in data.get("trials_heel_uncertain") or () if x),
        best_heel_uncertain=bool(data.get("best_heel_uncertain")),
        uncertainty_coverage=_float(data.get("uncertainty_coverage")),
        uncertainty_hint=str(data.get("uncertainty_hint") or ""),
    )


def test_rows(store: SessionStore) -> dict[int, dict[str, Any]]:
    """The knee-to-wall result of each session that has one (its own side's row)."""
    rows: dict[int, dict[str, Any]] = {}
    infos = {s.id: s for s in store.sessions()}
    for r in store.test_results():
        sid = int(r["session_id"])
        if r.get("angle_deg") is None:
            continue
        if sid not in rows or r["side"] == infos[sid].side:
            rows[sid] = r
    return rows


def knee_to_wall_session(store: SessionStore, session_id: int, rows: dict[int, dict[str, Any]]) -> SessionInfo:
    """The session, if it holds a knee-to-wall result; InputError with the reason otherwise."""
    info = store.session(session_id)  # InputError for an unknown id
    if session_id not in rows:
        if info.drill.replace("_", "-") != "knee-to-wall":
            raise InputError(f"session {session_id} is a {info.drill} session, not a knee-to-wall test")
        raise InputError(f"session {session_id} has no knee-to-wall result (no trial was stored)")
    return info


def occasions(ordered: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split one person's results (oldest first) into tests: a side again, or > 1 h, starts a new one."""
    out: list[list[dict[str, Any]]] = []
    for r in ordered:
        cur = out[-1] if out else None
        if (
            cur is None
            or any(c["side"] == r["side"] for c in cur)
            or (parse_utc(r["taken_at"]) - parse_utc(cur[0]["taken_at"])).total_seconds() > OCCASION_GAP_S
        ):
            out.append([r])
        else:
            cur.append(r)
    return out


def test_of(store: SessionStore, session_id: int) -> list[int]:
    """The sessions of the test (both sides, as stored) that this knee-to-wall session belongs to."""
    rows = test_rows(store)
    info = knee_to_wall_session(store, session_id, rows)
    infos = {s.id: s for s in store.sessions()}
    for test in occasions(_person_rows(rows, infos, info.profile_id)):
        ids = [int(r["session_id"]) for r in test]
        if session_id in ids:
            return ids
    return [session_id]


def collect(store: SessionStore, session_ids: Sequence[int] = ()) -> ReportData:
    """The report's data for these sessions (one test: one or both sides), or the latest test."""
    rows = test_rows(store)
    infos = {s.id: s for s in store.sessions()}
    if session_ids:
        ids = list(dict.fromkeys(int(s) for s in session_ids))
        for sid in ids:
            knee_to_wall_session(store, sid, rows)
    else:
        if not rows:
            raise InputError("there is no knee-to-wall test in the store yet; do one first")
        latest = max(rows.values(), key=lambda r: (r["taken_at"], r["session_id"]))
        person_rows = _person_rows(rows, infos, infos[int(latest["session_id"])].profile_id)
        ids = [int(r["session_id"]) for r in occasions(person_rows)[-1]]
    if len(ids) > 2:
        raise InputError(f"a report covers one test (one session per side), {len(ids)} sessions given")
    profiles = {infos[sid].profile_id for sid in ids}
    if len(profiles) > 1:
        who = " and ".join(
            "no profile" if infos[sid].profile_id is None else f"profile {infos[sid].profile_id}" for sid in ids
        )
        raise InputError(f"sessions {ids[0]} and {ids[1]} are of different people ({who})")
    if len(ids) == 2 and rows[ids[0]]["side"] == rows[ids[1]]["side"]:
        raise InputError(
            f"sessions {ids[0]} and {ids[1]} are both {rows[ids[0]]['side']} sides; a report covers one test:"
            " one session per side"
        )
    person_id = infos[ids[0]].profile_id
    person_rows = _person_rows(rows, infos, person_id)
    tests = occasions(person_rows)
    where = {int(r["session_id"]): i for i, t in enumerate(tests) for r in t}
    if len({where[sid] for sid in ids}) > 1:
        a, b = (parse_utc(rows[sid]["taken_at"]) for sid in ids)
        raise InputError(
            f"sessions {ids[0]} and {ids[1]} are not one test (taken {_apart(abs(b - a))} apart); "
            "a report covers both sides of one test, taken within an hour"
        )
    first = min(ids, key=lambda sid: (rows[sid]["taken_at"], sid))
    before = tests[: where[first]]
    earlier = [r for t in before for r in t]
    mine = sorted((rows[sid] for sid in ids), key=lambda r: (r["taken_at"], r["session_id"]))
    reps = {int(r["session_id"]): store.reps(int(r["session_id"])) for r in [*earlier, *mine]}

    def results(group: Sequence[dict[str, Any]]) -> dict[str, SideResult]:
        by_side = {r["side"]: side_result(r, reps[int(r["session_id"])]) for r in group}
        return {s: by_side[s] for s in SIDES if s in by_side}

    current = results(mine)
    previous = results(earlier)  # the last result of each side wins
    since = earlier[-1]["taken_at"] if earlier else None
    drills = _drills(store, infos, rows, person_id, since, rows[first]["taken_at"]) if since else ()
    return ReportData(
        person=_person(store, person_id),
        current=current,
        previous=previous,
        tests=(*(results(t) for t in before), current),
        sessions=tuple(_facts(infos[r.session_id]) for r in current.values()),
        drills=drills,
        drills_since=since,
    )


def _person_rows(
    rows: dict[int, dict[str, Any]], infos: dict[int, SessionInfo], profile_id: int | None
) -> list[dict[str, Any]]:
    mine = [r for sid, r in rows.items() if infos[sid].profile_id == profile_id]
    return sorted(mine, key=lambda r: (r["taken_at"], r["session_id"]))


def _apart(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600.0
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.0f} days"


def _person(store: SessionStore, profile_id: int | None) -> Person:
    p = next((p for p in store.profiles() if p.id == profile_id), None)
    return Person(profile_id, p.name if p else None, p.dominant_side if p else None)


def _facts(info: SessionInfo) -> SessionFacts:
    return SessionFacts(
        session_id=info.id,
        side=info.side,
        sensor_id=info.sensor_id,
        firmware=info.firmware,
        rate_hz=info.rate_hz,
        app_version=info.app_version,
        calibration=info.calibration,
    )


def _drills(
    store: SessionStore,
    infos: dict[int, SessionInfo],
    rows: dict[int, dict[str, Any]],
    profile_id: int | None,
    since: str,
    until: str,
) -> tuple[DrillSummary, ...]:
    """Sets, reps, holds and partial attempts per drill between the previous test and this one."""
    known = catalog()
    t0, t1 = parse_utc(since), parse_utc(until)
    by_drill: dict[str, list[SessionInfo]] = {}
    for info in infos.values():
        if info.id in rows or info.profile_id != profile_id or info.drill.replace("_", "-") in known_tests():
            continue
        if t0 < parse_utc(info.started_at) < t1:
            by_drill.setdefault(info.drill, []).append(info)
    out = []
    for drill_id in sorted(by_drill):
        sessions = by_drill[drill_id]
        drill = known.get(drill_id)
        target = float(drill.hold_s) if drill else 0.0
        sets = reps = held = partial = 0
        for info in sessions:
            session_reps = store.reps(info.id)
            counted = [r for r in session_reps if not r.get("partial")]
            partial += len(session_reps) - len(counted)
            reps += len(counted)
            held += sum(1 for r in counted if target > 0 and float(r.get("hold_s") or 0.0) >= target)
            sets += int((info.summary or {}).get("sets") or max((int(r.get("set") or 1) for r in counted), default=0))
        out.append(
            DrillSummary(
                drill=drill_id,
                name=drill.name if drill else drill_id,
                sessions=len(sessions),
                sets=sets,
                reps=reps,
                holds_reached=held,
                hold_target_s=target,
                partial=partial,
            )
        )
    return tuple(out)


def known_tests() -> frozenset[str]:
    """Drill ids that are tests, not exercise (the catalogue's kind)."""
    return frozenset(d.id for d in catalog().values() if d.kind == "test")
