"""Issue 18: thresholds from the sensor's measured noise; calf sets with < 1 s on the floor; the first rock."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dorsi.drills.noise import NoiseTracker, quiet_noise
from dorsi.drills.params import NoiseParams, VerticalParams
from dorsi.drills.vertical import Thresholds
from dorsi.session import LiveSession, SessionSpec

from .adaptive_sim import MPU, QUIET, Noise, count, scenario

UG = 9.80665e-6


@pytest.mark.parametrize("density_ug", [150.0, 500.0])
def test_quiet_noise_recovers_the_white_density_despite_sway(density_ug: float) -> None:
    rate = 104.0
    rng = np.random.default_rng(1)
    t = np.arange(int(5 * rate)) / rate
    sway = 0.05 * np.sin(2 * np.pi * 0.3 * t)[:, None] * np.array([1.0, 0.5, 0.2])  # slow: not noise
    sigma = density_ug * UG * math.sqrt(rate / 2)
    acc = np.array([0.0, 0.0, 9.81]) + sway + rng.standard_normal((len(t), 3)) * sigma
    gyr = sway * 10 + rng.standard_normal((len(t), 3)) * 0.01 * math.sqrt(rate / 2)
    level = quiet_noise(acc, gyr, rate)
    assert np.allclose(level.acc_mps2_rthz, density_ug * UG, rtol=0.08)
    assert np.allclose(level.gyr_dps_rthz, 0.01, rtol=0.08)


def _stream(seconds: float, rate: float, density_ug: float, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    sigma = density_ug * UG * math.sqrt(rate / 2)
    acc = np.array([0.0, 0.0, 9.80665 + 0.03]) + rng.standard_normal((len(t), 3)) * sigma
    gyr = rng.standard_normal((len(t), 3)) * 0.01 * math.sqrt(rate / 2)
    return t, acc, gyr


def test_tracker_is_identical_for_any_chunking_and_skips_movement() -> None:
    t, acc, gyr = _stream(20.0, 100.0, 400.0)
    quiet = np.ones(len(t), dtype=bool)
    quiet[500:800] = False  # a movement: its samples are never noise evidence
    acc[500:800] += np.linspace(0, 3, 300)[:, None]
    whole = NoiseTracker().update(t, acc, gyr, quiet)
    tr = NoiseTracker()
    parts = [
        tr.update(t[a : a + 37], acc[a : a + 37], gyr[a : a + 37], quiet[a : a + 37]) for a in range(0, len(t), 37)
    ]
    for k in range(3):
        assert np.array_equal(whole[k], np.concatenate([p[k] for p in parts]), equal_nan=True)
    assert tr.acc == pytest.approx(400.0 * UG, rel=0.08)
    assert tr.rest_acc == pytest.approx(0.03, abs=0.005)  # |specific force| − g at rest: the offset
    # before the first quiet window: the priors (the noisiest supported sensor)
    assert whole[0][0] == NoiseParams().prior_acc_mps2_rthz
    assert math.isnan(whole[2][0])


def test_thresholds_are_k_times_the_noise_with_a_floor() -> None:
    p = VerticalParams()
    ref = Thresholds.of(p, 150.0 * UG)  # the LSM6DS3 the old constants were tuned on
    assert ref.still_acc == pytest.approx(0.01, rel=0.03)
    assert ref.bias_still == pytest.approx(0.008, rel=0.03)
    assert ref.resid_max == pytest.approx(0.005, rel=0.03)
    noisy = Thresholds.of(p, 500.0 * UG)
    assert noisy.still_acc == pytest.approx(0.01 * 500 / 150, rel=0.03)
    silent = Thresholds.of(p, 1.0 * UG)  # never under the physical floors
    assert (silent.still_acc, silent.bias_still, silent.resid_max) == (
        p.still_acc_mps2,
        p.bias_still_mps2,
        p.resid_max_mps2,
    )


@pytest.mark.parametrize("noise", [QUIET, MPU], ids=["150ug", "500ug"])
@pytest.mark.parametrize("seed", [0, 6, 9])
def test_calf_sets_with_under_a_second_on_the_floor_count_exactly(noise: Noise, seed: int) -> None:
    """Rise ≈ 1 s, top 0.3–0.8 s, lowering 2.6–3.6 s, 0.6–1.2 s on the floor, the first rep 1 s after the
    calibration's second drive; at the reference sensor's noise and a consumer MPU's (before: 0 of 15)."""
    sc = scenario("calf-raises", seed, noise)
    got = count(sc)
    assert len(got) == len(sc.reps) == 15
    for truth, rep in zip(sc.reps, got, strict=True):
        assert abs(rep.start_s - truth["start_s"]) < 0.5
        assert abs(rep.as_dict()["down_s"] - truth["down_s"]) <= 0.5  # eccentric within ±0.5 s


@pytest.mark.parametrize("noise", [QUIET, MPU], ids=["150ug", "500ug"])
@pytest.mark.parametrize("seed", [0, 4])
def test_the_first_rock_straight_after_settling_counts(noise: Noise, seed: int) -> None:
    sc = scenario("squat-rocks", seed, noise)
    got = count(sc)
    assert len(got) == len(sc.reps) == 25
    first, rep = sc.reps[0], got[0]
    assert abs(rep.start_s - first["start_s"]) < 0.3  # starts at the settled squat
    assert abs(rep.peak_tibial_inclination_deg - first["peak_tibial_inclination_deg"]) < 1.5


def test_a_heel_strike_before_the_next_rise_does_not_lose_the_set() -> None:
    """Velocity model (tuning seed 1001): heel strikes under 1 s before the next rise left ~5 cm/s of
    integrated velocity; the top hold was never 'still' and set 3 (15 reps) was lost. Quiet after the
    rise's braking is the top hold now."""
    from dorsi.virtual.sim import SimParams, simulate
    from dorsi.virtual.sim.heldout import assert_tunable

    assert_tunable(1001)
    sim = simulate(SimParams(drill="calf-raises", seconds=380.0, seed=1001, rate_hz=104.0, model="velocity"))
    session = LiveSession(SessionSpec(rate_hz=104.0, drill="calf-raises"))
    chunk = sim.recording.chunk
    for a in range(0, len(chunk), 26):
        session.feed(chunk.slice(a, min(len(chunk), a + 26)))
    assert session.counter is not None
    got = [r for r in session.counter.reps if not r.partial]
    third = [t for t in sim.counted_reps if t["set"] == 3]
    assert len(third) >= 12
    found = [t for t in third if any(min(t["end_s"], g.end_s) - max(t["start_s"], g.start_s) > 0 for g in got)]
    assert len(found) >= len(third) - 1  # one rep of this set is split into two partials (a known miss)
