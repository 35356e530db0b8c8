"""Messy human events and drill-specific truth (circle direction, ankle-matrix directions)."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.motion import quat as Q
from dorsi.motion.types import GRAVITY_MPS2
from dorsi.virtual.sim import SimParams, SimResult, simulate


def _sim(drill: str, seconds: float, events: tuple[str, ...], seed: int = 3, **kw: object) -> SimResult:
    return simulate(SimParams(drill, seconds, seed=seed, events=events, packet_loss=0.0, **kw))  # type: ignore[arg-type]


def _window(res: SimResult, a: float, b: float) -> np.ndarray:
    return (res.truth_time_s >= a) & (res.truth_time_s <= b)


def _event(res: SimResult, name: str) -> dict:
    found = [e for e in res.events if e["name"] == name]
    assert len(found) == 1, res.events
    return found[0]


def _overlaps(res: SimResult, ev: dict) -> list[dict]:
    return [r for r in res.reps if r["start_s"] < ev["end_s"] and r["end_s"] > ev["start_s"]]


@pytest.mark.parametrize("drill", ["knee-to-wall", "calf-raises", "squat-rocks", "ankle-matrix", "knee-circles"])
def test_partial_rep_is_marked_and_not_counted(drill: str) -> None:
    plain = _sim(drill, 400.0, (), rate_hz=50.0)
    res = _sim(drill, 400.0, ("partial-rep",), rate_hz=50.0)
    partial = [r for r in res.reps if r["partial"]]
    assert len(partial) == 1 and len(res.counted_reps) == len(plain.reps)
    ev = _event(res, "partial-rep")
    assert ev["start_s"] <= partial[0]["start_s"] < partial[0]["end_s"] <= ev["end_s"]
    full = [r for r in res.reps if not r["partial"] and r["set"] == partial[0]["set"]]
    if drill == "calf-raises":
        assert partial[0]["rise_cm"] < 0.5 * min(r["rise_cm"] for r in full)
    elif drill != "knee-circles":
        key = "peak_tibial_inclination_deg"
        rest = res.truth_tibial_inclination_deg[res.truth_time_s <= partial[0]["start_s"]][-1]
        assert partial[0][key] - rest < 0.5 * (min(r[key] for r in full[:3]) - rest)


def test_pause_is_still_and_inside_a_set() -> None:
    res = _sim("banded-mobilization", 120.0, ("pause",))
    ev = _event(res, "pause")
    assert 5.0 <= ev["end_s"] - ev["start_s"] <= 10.0
    assert not _overlaps(res, ev)
    w = _window(res, ev["start_s"], ev["end_s"])
    assert np.ptp(res.truth_tibial_inclination_deg[w]) < 1.5  # sway only
    assert any(r["end_s"] <= ev["start_s"] for r in res.reps) and any(r["start_s"] >= ev["end_s"] for r in res.reps)


def _heading_deg(q: np.ndarray) -> np.ndarray:
    up = Q.to_matrix(q)[:, :, 1]  # sensor Y (long axis) barely tilts; use sensor Z's horizontal direction
    z = Q.to_matrix(q)[:, :, 2]
    del up
    return np.degrees(np.arctan2(z[:, 1], z[:, 0]))


def test_reposition_turns_the_foot_and_is_not_a_rep() -> None:
    res = _sim("knee-to-wall", 90.0, ("reposition",), noise=False)
    plain = _sim("knee-to-wall", 90.0, (), noise=False)
    ev = _event(res, "reposition")
    assert not _overlaps(res, ev) and len(res.reps) == len(plain.reps)
    w = _window(res, ev["start_s"], ev["end_s"])
    assert np.abs(res.recording.gyr_dps[w]).max() > 40.0  # big rotations
    before = _heading_deg(res.truth_quat_wxyz[_window(res, ev["start_s"] - 0.5, ev["start_s"])]).mean()
    after = _heading_deg(res.truth_quat_wxyz[_window(res, ev["end_s"] + 0.3, ev["end_s"] + 0.8)]).mean()
    turn = (after - before + 180.0) % 360.0 - 180.0
    assert 15.0 - 2.0 <= abs(turn) <= 40.0 + 2.0
    assert turn == pytest.approx(ev["heading_change_deg"], abs=2.0)


def test_tap_is_an_acceleration_spike_without_rotation() -> None:
    res = _sim("clamshell", 75.0, ("tap",), noise=False, rate_hz=200.0)
    ev = _event(res, "tap")
    assert 0.005 <= ev["end_s"] - ev["start_s"] <= 0.020
    w = _window(res, ev["start_s"] - 0.002, ev["end_s"] + 0.002)
    up = Q.to_matrix(res.truth_quat_wxyz[w])[:, 2, :]  # earth up in sensor coordinates
    spike = np.linalg.norm(res.recording.acc_mps2[w] - GRAVITY_MPS2 * up, axis=1).max() / GRAVITY_MPS2
    assert 0.95 * ev["peak_g"] <= spike <= 1.02 * ev["peak_g"] + 0.05 and 2.0 * 0.95 <= spike <= 4.1
    assert np.abs(res.recording.gyr_dps[w]).max() < 3.0  # no rotation: only sway and tremor
    assert not _overlaps(res, ev)


def test_slow_and_fast_tempo() -> None:
    normal = _sim("calf-raises", 100.0, (), rate_hz=50.0, sets=1, reps_per_set=5)
    slow = _sim("calf-raises", 200.0, ("slow",), rate_hz=50.0, sets=1, reps_per_set=5)
    fast = _sim("calf-raises", 100.0, ("fast",), rate_hz=50.0, sets=1, reps_per_set=5)
    for key in ("up_s", "down_s"):
        base = np.array([r[key] for r in normal.reps])
        assert 2.0 <= np.mean([r[key] for r in slow.reps]) / base.mean() <= 3.0
        assert np.mean([r[key] for r in fast.reps]) / base.mean() == pytest.approx(0.5)


def test_early_stop_halves_the_first_set() -> None:
    res = _sim("calf-raises", 400.0, ("early-stop",), rate_hz=50.0)
    per_set = [sum(1 for r in res.reps if r["set"] == k) for k in (1, 2, 3)]
    assert per_set == [8, 15, 15]
    ev = _event(res, "early-stop")
    assert ev["start_s"] >= max(r["end_s"] for r in res.reps if r["set"] == 1)


def test_knee_circle_direction_matches_the_motion_seen_from_above() -> None:
    res = _sim("knee-circles", 150.0, (), rate_hz=50.0)
    assert {r["direction"] for r in res.reps} == {"cw", "ccw"}
    for r in res.reps:
        w = _window(res, r["start_s"], r["end_s"])
        x = res.truth_tibial_inclination_deg[w]  # knee forward
        y = res.truth_frontal_tilt_deg[w]  # knee to the person's left
        x, y = x - x.mean(), y - y.mean()
        area = 0.5 * np.sum(x[:-1] * y[1:] - x[1:] * y[:-1])  # > 0: counter-clockwise seen from above
        assert (area > 0) == (r["direction"] == "ccw")
        assert abs(area) > 3.0  # a real circle of ≥ ~1° radius


def test_ankle_matrix_directions() -> None:
    res = _sim("ankle-matrix", 300.0, (), noise=False, rate_hz=50.0)
    kinds = {(r["knee"], r["direction"]) for r in res.reps}
    assert len(kinds) == 10
    for r in res.reps:
        w = _window(res, r["start_s"], r["end_s"])
        if r["direction"].startswith("tilt"):
            rest = res.truth_frontal_tilt_deg[w][0]
            sign = 1.0 if r["direction"] == "tilt-left" else -1.0
            assert sign * (r["peak_frontal_tilt_deg"] - rest) > 3.0
        if r["direction"].startswith("rotate"):
            # Rotation about the long axis (sensor +Y): counter-clockwise from above is +Y rate.
            gy = res.recording.gyr_dps[w][:, 1]
            first_half = gy[: len(gy) // 2]
            sign = 1.0 if r["direction"] == "rotate-left" else -1.0
            assert sign * first_half.sum() > 0 and np.abs(gy).max() > 5.0
            assert sign * r["peak_axial_rotation_deg"] > 4.0


@pytest.mark.parametrize("seed", [0, 3])
def test_circles_after_an_aborted_half_circle_still_start_knee_forward(seed: int) -> None:
    # The truth cuts circles where the knee is farthest forward (top inclination), as the counter does;
    # the half circle must not shift the following circles' boundaries to the knee-back point.
    res = _sim("knee-circles", 150.0, ("partial-rep",), seed=seed, sets=1, reps_per_set=6)
    circles = [r for r in res.reps if r["kind"] == "circle" and not r["partial"]]
    assert len(circles) == 6
    for r in circles[:-1]:  # (the radius grows from 0 over the first circle and shrinks over the last)
        inside = res.truth_tibial_inclination_deg[_window(res, r["start_s"], r["end_s"])]
        at_end = np.interp(r["end_s"], res.truth_time_s, res.truth_tibial_inclination_deg)
        lo, hi = inside.min(), inside.max()
        assert at_end - lo >= 0.8 * (hi - lo), (r["end_s"], at_end, lo, hi)  # knee-back would read ≈ lo
