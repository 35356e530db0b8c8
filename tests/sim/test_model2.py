"""The second movement model ("velocity"): what issue 18 asks of it, measured on its own truth and signals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dorsi.virtual.sim import SimParams, SimResult, simulate
from dorsi.virtual.sim.model2 import ankle_rise_m, heel_for_ankle_rise
from dorsi.virtual.sim.script import PROFILES, Script, Sway
from dorsi.virtual.sim.softtissue import Strap, wobble


def _sim(drill: str, seconds: float, seed: int = 2, **kw: object) -> SimResult:
    return simulate(SimParams(drill, seconds, seed=seed, rate_hz=100.0, model="velocity", **kw))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def calf() -> SimResult:
    return _sim("calf-raises", 420.0)


def test_velocity_profiles_end_at_rest_and_differ() -> None:
    u = np.linspace(0.0, 1.0, 2001)
    peaks = {}
    for name, fn in PROFILES.items():
        s = fn(u)
        v = np.gradient(s, u)
        assert s[0] == pytest.approx(0.0, abs=1e-12) and s[-1] == pytest.approx(1.0, abs=1e-9), name
        assert abs(v[0]) < 0.02 and abs(v[-1]) < 0.02, name  # starts and ends at rest
        assert np.all(np.diff(s) >= -1e-12), name  # never turns back
        peaks[name] = float(u[np.argmax(v)])
    assert peaks["early"] < 0.45 < 0.55 < peaks["late"]
    assert peaks["bell"] == pytest.approx(0.5, abs=0.01)
    # the trapezoid cruises: its speed is flat over the middle half
    v = np.gradient(PROFILES["trapezoid"](u), u)
    mid = (u > 0.3) & (u < 0.7)
    assert np.ptp(v[mid]) < 1e-6


def test_a_script_without_a_chooser_is_all_minimum_jerk(calf: SimResult) -> None:
    s = Script(start={"theta_deg": 3.0})
    s.move(1.0, theta_deg=10.0)
    assert s.knot_p == ["min-jerk", "min-jerk"]


def test_continuous_calf_raise_sets(calf: SimResult) -> None:
    reps = calf.reps
    assert len(reps) == 45 and [r["count"] for r in reps] == list(range(1, 46))
    cal_end = calf.calibration["drives"][1]["end_s"]
    assert 0.8 <= reps[0]["start_s"] - cal_end <= 1.2  # the first rep ≈ 1 s after the second drive
    for a, b in itertools.pairwise(reps):
        if a["set"] == b["set"]:
            assert 0.3 <= b["start_s"] - a["end_s"] < 1.0  # under 1 s on the floor
    for r in reps:
        assert 0.85 <= r["up_s"] <= 1.15 and 2.6 <= r["down_s"] <= 3.6 and r["eccentric_s"] == r["down_s"]
        assert 0.3 <= r["top_s"] <= 0.8 and r["hold_s"] >= r["top_s"]  # held, plus the time within 0.5 cm
        assert 0.93 * 6.0 <= r["ankle_rise_cm"] <= 1.07 * 7.5
        assert r["valid"] and r["invalid_reason"] is None
        w = (calf.truth_time_s >= r["start_s"]) & (calf.truth_time_s <= r["end_s"])
        tilt = np.ptp(calf.truth_tibial_inclination_deg[w])
        assert 1.0 < tilt < 6.5  # a few degrees of shin tilt (1.5–4° leaned, plus sway)


def test_foot_model_inverse() -> None:
    for ankle in (0.06, 0.075, 0.08):
        assert ankle_rise_m(heel_for_ankle_rise(ankle)) == pytest.approx(ankle, abs=1e-9)


def test_knee_to_wall_heel_lift_trial_is_invalid_with_its_reason() -> None:
    for seed in range(4):
        sim = _sim("knee-to-wall", 90.0, seed=seed)
        bad = sim.invalid_reps
        assert len(bad) == 1 and len(sim.reps) == 4 and len(sim.counted_reps) == 3
        lift = bad[0]["heel_lift_cm"]
        assert 1.0 <= lift <= 3.0
        reason = bad[0]["invalid_reason"]
        assert reason.startswith("heel lifted ") and reason.endswith(" cm") and bad[0]["count"] == 0
        assert float(reason.split()[2]) == pytest.approx(lift, abs=0.051)
        w = (sim.truth_time_s >= bad[0]["start_s"]) & (sim.truth_time_s <= bad[0]["end_s"])
        assert sim.truth_heel_rise_m[w].max() == pytest.approx(lift / 100.0, rel=1e-3)
        good = sim.counted_reps
        assert all(
            sim.truth_heel_rise_m[(sim.truth_time_s >= r["start_s"]) & (sim.truth_time_s <= r["end_s"])].max() < 1e-9
            for r in good
        )
        assert all(r["eccentric_s"] is not None and 1.5 <= r["eccentric_s"] <= 2.5 for r in sim.reps)


def test_squat_rock_starts_straight_after_settling() -> None:
    sim = _sim("squat-rocks", 150.0)
    first = sim.reps[0]
    theta = sim.truth_tibial_inclination_deg
    t = sim.truth_time_s
    # the shin reached the squat at most 0.5 s (plus sway) before the first rock began
    before = (t < first["start_s"]) & (t > first["start_s"] - 0.6)
    assert np.ptp(theta[before]) < 2.5
    assert first["peak_tibial_inclination_deg"] > theta[np.searchsorted(t, first["start_s"])] + 2.0


def test_circles_ramp_in_over_about_0_6_s() -> None:
    sim = _sim("knee-circles", 120.0)
    first = sim.reps[0]
    t, fr = sim.truth_time_s, sim.truth_frontal_tilt_deg
    early = (t >= first["start_s"]) & (t <= first["start_s"] + 0.2)
    full = (t >= sim.reps[2]["start_s"]) & (t <= sim.reps[2]["end_s"])
    assert np.ptp(fr[early]) < 0.5 * np.ptp(fr[full])  # small at first: the radius is still growing
    assert len(sim.reps) == 20


def test_short_rests_and_drawn_profiles() -> None:
    sim = _sim("banded-mobilization", 150.0)
    gaps = [b["start_s"] - a["end_s"] for a, b in itertools.pairwise(sim.reps)]
    assert any(g == pytest.approx(0.5) for g in gaps)
    assert all(r["eccentric_s"] is not None for r in sim.reps)


def test_postural_sway_is_half_to_one_degree() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(0.0, 120.0, 0.01)
    for _ in range(5):
        sway = Sway.draw_postural(rng).evaluate(t)[:, 0]
        assert 0.4 < 0.5 * np.ptp(sway) < 1.3


def test_wobble_rings_at_the_straps_frequency_and_passes_slow_movement() -> None:
    rate = 200.0
    t = np.arange(0.0, 4.0, 1.0 / rate)
    up = np.tile([0.0, 1.0, 0.0], (len(t), 1))
    g = 9.80665 * up
    strap = Strap("loose", 12.0, 0.15)
    slow = np.zeros((len(t), 3))
    slow[:, 0] = np.sin(2 * np.pi * 0.5 * t)
    acc, gyr = wobble(g + slow, slow.copy(), up, strap, rate)
    settled = t > 0.5  # after the filter's start-up transient
    assert np.abs(acc[settled, 0] - slow[settled, 0]).max() < 0.02  # 0.5 Hz passes within 2 %
    assert np.abs(gyr[settled, 0] - slow[settled, 0]).max() < 0.02
    kick = np.zeros((len(t), 3))
    kick[200:204, 0] = 5.0  # a 20 ms jolt
    acc, _ = wobble(g + kick, np.zeros_like(kick), up, strap, rate)
    ring = acc[210:400, 0]
    zero_cross = np.flatnonzero(np.diff(np.sign(ring)) != 0)
    freq = 0.5 * rate / np.mean(np.diff(zero_cross[:6]))
    assert freq == pytest.approx(12.0 * np.sqrt(1 - 0.15**2), rel=0.1)
    assert np.allclose(acc[:, 1], g[:, 1])  # gravity does not shake the tissue


def test_model_and_profile_leave_the_person_and_script_alone() -> None:
    """Same seed under two profiles: the same performed reps; the sensor alone differs."""
    a = _sim("knee-to-wall", 60.0, sensor_profile="reference")
    b = _sim("knee-to-wall", 60.0, sensor_profile="consumer-mpu")
    assert a.reps == b.reps
    assert np.array_equal(a.truth_tibial_inclination_deg, b.truth_tibial_inclination_deg)
    assert not np.array_equal(a.recording.acc_mps2, b.recording.acc_mps2)
