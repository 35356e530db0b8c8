"""Sensor profiles: each simulated noise density within 10 % of its datasheet value; resolution; wiring."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from dorsi.errors import InputError
from dorsi.motion.types import GRAVITY_MPS2
from dorsi.virtual.sim import SimParams, simulate
from dorsi.virtual.sim.profiles import PROFILE_NAMES, PROFILES, profile
from dorsi.virtual.sim.sensor import SensorErrors, apply_errors


def _density(x: np.ndarray, rate_hz: float) -> float:
    """Noise density (per √Hz) from the one-sided Welch PSD over 1 Hz … 0.4·rate (above the bias walk)."""
    f, pxx = signal.welch(x - x.mean(), fs=rate_hz, nperseg=1024)
    band = (f >= 1.0) & (f <= 0.4 * rate_hz)
    return float(np.sqrt(pxx[band].mean()))


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_noise_density_matches_the_datasheet(name: str) -> None:
    p = PROFILES[name]
    rate = p.rate_hz
    n = int(600 * rate)  # a still sensor for 10 min, at the rate the product streams
    rng = np.random.default_rng(7)
    errors = SensorErrors.draw(rng, 0.5, p)
    still_acc = np.tile([0.0, GRAVITY_MPS2, 0.0], (n, 1))
    acc, gyr, _ = apply_errors(still_acc, np.zeros((n, 3)), errors, rate, rng)
    for axis in range(3):
        got_ug = _density(acc[:, axis], rate) / (1e-6 * GRAVITY_MPS2)
        assert abs(got_ug / p.accel_noise_ug_rthz - 1.0) < 0.10, (name, axis, got_ug)
        got_dps = _density(gyr[:, axis], rate)
        assert abs(got_dps / p.gyro_noise_dps_rthz - 1.0) < 0.10, (name, axis, got_dps)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_simulated_output_is_on_the_profiles_register_grid(name: str) -> None:
    p = PROFILES[name]
    sim = simulate(SimParams("knee-to-wall", 6.0, seed=3, rate_hz=p.rate_hz, sensor_profile=name))
    acc_lsb = sim.recording.acc_mps2 / p.accel_lsb_mps2
    gyr_lsb = sim.recording.gyr_dps / p.gyro_lsb_dps
    assert np.allclose(acc_lsb, np.round(acc_lsb), atol=1e-6)
    assert np.allclose(gyr_lsb, np.round(gyr_lsb), atol=1e-6)
    # full scale: the int16 register (±32768 LSB) covers the configured range; ST's sensitivities
    # leave headroom (LSM6DS3 ±500 °/s at 17.5 mdps/LSB saturates at 573 °/s), InvenSense/Bosch none (their
    # typical sensitivities round: 16.4 LSB per °/s saturates at 1998 °/s of 2000)
    assert 0.99 <= p.accel_lsb_mps2 * 32768 / (p.accel_range_g * GRAVITY_MPS2) < 1.2
    assert 0.99 <= p.gyro_lsb_dps * 32768 / p.gyro_range_dps < 1.2


def test_noisier_profiles_are_noisier_in_a_session() -> None:
    """The same person and script through two sensors: the residual noise scales with the density."""
    stds = {}
    for name in ("metamotion", "consumer-mpu"):
        noisy = simulate(SimParams("knee-to-wall", 4.0, seed=11, rate_hz=100.0, packet_loss=0.0, sensor_profile=name))
        clean = simulate(SimParams("knee-to-wall", 4.0, seed=11, rate_hz=100.0, packet_loss=0.0, noise=False))
        quiet = noisy.truth_time_s < 2.5
        d = noisy.recording.acc_mps2[quiet] - clean.recording.acc_mps2[quiet]
        stds[name] = float(np.diff(d, axis=0).std() / np.sqrt(2.0))
        assert noisy.sensor["profile"] == name
    ratio = PROFILES["consumer-mpu"].accel_noise_ug_rthz / PROFILES["metamotion"].accel_noise_ug_rthz
    assert stds["consumer-mpu"] / stds["metamotion"] == pytest.approx(ratio, rel=0.15)


def test_unknown_profile_is_one_clear_line() -> None:
    with pytest.raises(InputError, match="unknown sensor profile 'bogus'; valid profiles: reference"):
        SimParams("knee-to-wall", 5.0, sensor_profile="bogus").validate()
    with pytest.raises(InputError, match="valid profiles"):
        profile("bogus")
    with pytest.raises(InputError, match="unknown movement model"):
        SimParams("knee-to-wall", 5.0, model="bogus").validate()


def test_every_profile_names_its_source() -> None:
    for p in PROFILES.values():
        assert "datasheet" in p.source or "DS0" in p.source or "PS-MPU" in p.source, p.name


def test_seed_sets_are_disjoint_and_fixed() -> None:
    from dorsi.virtual.sim.heldout import HELD_OUT, TUNING, assert_tunable, seeds, split_of

    assert not set(TUNING) & set(HELD_OUT)
    assert not (set(range(0, 160)) & (set(TUNING) | set(HELD_OUT)))  # the corpus, fresh and MDC seeds
    assert seeds("held-out", 3) == [7000, 7001, 7002] and split_of(1005) == "tuning" and split_of(3) is None
    with pytest.raises(ValueError, match="held out"):
        assert_tunable(7003)
    assert_tunable(1003)
