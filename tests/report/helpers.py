"""A 12-week program in a real store: knee-to-wall tests (stored as the app stores them) and drills between."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dorsi.app import testresult
from dorsi.drills.kneewall import Profile
from dorsi.store import SessionStore
from tests.store.helpers import fake_recording

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LENGTHS = Profile(tibia_cm=41.0, foot_cm=26.5)
SENSOR = {"sensor_id": "AA:BB:CC:DD:EE:01", "firmware": "1.2.0", "rate_hz": 208.0}
CALIBRATION = {"left": (12.3, 4.1), "right": (-7.6, 3.4)}  # strap rotation, standing inclination (°)
# (week, {side: trials}) of the person's tests; week 6 is the test the report is about
TESTS = (
    (0, {"left": [31.2, 32.04, 31.6], "right": [34.0, 33.1, 33.8]}),
    (3, {"left": [33.0, 33.9, 33.4], "right": [35.0, 34.6, 35.2]}),
    (6, {"left": [35.8, 36.4, 36.1], "right": [36.0, 36.6, 36.9]}),
)
# drills between the week-3 and week-6 tests: (days after week 3, drill, reps as (set, hold_s, partial))
DRILLS = (
    (1, "banded-mobilization", [(1, 2.4, False), (1, 2.1, False), (1, 1.2, False), (1, 0.5, True)]),
    (3, "banded-mobilization", [(1, 2.5, False), (1, 2.2, False), (1, 2.6, False)]),
    (5, "calf-raises", [(1, 0.2, False), (1, 0.3, False), (2, 0.2, False), (2, 0.1, True), (3, 0.2, False)]),
    (9, "knee-circles", [(1, 0.0, False), (1, 0.0, False)]),
)
EARLY_DRILL = (1, "squat-rocks")  # a drill between week 0 and week 3: not in the week-6 report


@dataclass
class Program:
    profile_id: int
    tests: list[dict[str, int]] = field(default_factory=list)  # per test: side → session id
    drills: list[int] = field(default_factory=list)
    other_person: list[int] = field(default_factory=list)


def store_test(
    store: SessionStore,
    side: str,
    trials: list[float],
    when: dt.datetime,
    profile_id: int | None,
    lengths: Profile = LENGTHS,
    partial: int = 0,
) -> int:
    """One side of a knee-to-wall test, summarised as the app's engine does (testresult.stored_row)."""
    res = testresult.result({side: trials}, lengths, {})
    reps = [
        {"index": i + 1, "set": 1, "peak_tibial_inclination_deg": t, "partial": False} for i, t in enumerate(trials)
    ]
    reps += [{"index": 0, "set": 1, "peak_tibial_inclination_deg": 15.0, "partial": True}] * partial
    rot, standing = CALIBRATION[side]
    summary: dict[str, Any] = {
        "drill": "knee-to-wall",
        "side": side,
        "test": testresult.stored_row(side, res),
        "reps": reps,
        "rep_count": len(trials),
        "sets": 1,
        "calibration": {"found": True, "strap_rotation_deg": rot, "standing_inclination_deg": standing},
    }
    return store.add_recording(
        fake_recording(50),
        drill="knee-to-wall",
        side=side,
        source="live",
        started_at=when.isoformat(timespec="milliseconds"),
        summary=summary,
        profile_id=profile_id,
        **SENSOR,
    )


def store_drill(
    store: SessionStore, drill: str, reps: list[tuple[int, float, bool]], when: dt.datetime, profile_id: int | None
) -> int:
    rows = [
        {
            "index": 0 if partial else i + 1,
            "set": s,
            "hold_s": hold,
            "partial": partial,
            "peak_tibial_inclination_deg": 30.0,
        }
        for i, (s, hold, partial) in enumerate(reps)
    ]
    summary = {"drill": drill, "side": "left", "test": None, "reps": rows, "sets": max(s for s, _, _ in reps)}
    return store.add_recording(
        fake_recording(50),
        drill=drill,
        side="left",
        source="live",
        started_at=when.isoformat(timespec="milliseconds"),
        summary=summary,
        profile_id=profile_id,
        **SENSOR,
    )


def seed_program(store: SessionStore) -> Program:
    pid = store.add_profile("Alex", dominant_side="right", tibia_length_cm=41.0, foot_length_cm=26.5)
    other = store.add_profile("Sam")
    prog = Program(pid)
    for week, trials in TESTS:
        t = START + dt.timedelta(weeks=week)
        ids = {}
        for k, side in enumerate(("left", "right")):
            ids[side] = store_test(store, side, trials[side], t + dt.timedelta(minutes=4 * k), pid, partial=k)
        prog.tests.append(ids)
        # another person tested the same morning: never in Alex's report
        prog.other_person.append(store_test(store, "left", [40.0, 41.0, 40.5], t - dt.timedelta(hours=3), other))
    days, drill = EARLY_DRILL
    prog.drills.append(store_drill(store, drill, [(1, 0.0, False)] * 3, START + dt.timedelta(days=days), pid))
    for days, drill, reps in DRILLS:
        when = START + dt.timedelta(weeks=3, days=days)
        prog.drills.append(store_drill(store, drill, reps, when, pid))
    return prog
