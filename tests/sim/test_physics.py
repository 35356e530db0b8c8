"""Physics of the simulator: gravity, rates, orientation, truth angles, strap rotation."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.motion import quat as Q
from dorsi.motion.angles import angles_from_axes, shin_axes_in_sensor
from dorsi.motion.types import GRAVITY_MPS2
from dorsi.virtual.sim import SimParams, SimResult, simulate
from dorsi.virtual.sim.core import build_script
from dorsi.virtual.sim.kinematics import Person, fine_rate_hz, physics, pose_at, sensor_position, shin_rotation
from dorsi.virtual.sim.script import Script, Sway


@pytest.fixture(scope="module")
def clean() -> SimResult:
    return simulate(SimParams("knee-to-wall", 40.0, seed=5, noise=False, packet_loss=0.0))


def test_static_sensor_reads_gravity_and_bias() -> None:
    noisy = simulate(SimParams("knee-to-wall", 4.0, seed=11, packet_loss=0.0))
    clean = simulate(SimParams("knee-to-wall", 4.0, seed=11, packet_loss=0.0, noise=False))
    quiet = noisy.truth_time_s < 2.5  # quiet standing lasts ≥ 3 s
    acc = noisy.recording.acc_mps2[quiet]
    assert abs(np.linalg.norm(acc, axis=1).mean() - GRAVITY_MPS2) < 0.1  # bias ≤ 0.04, scale ≤ 1 %
    # Standing still, the true body rate is only sway and tremor (well under 2 °/s)...
    assert np.abs(clean.recording.gyr_dps[quiet]).max() < 2.0
    # ...so the gyro reads the drawn bias (plus white noise and a tiny random walk).
    bias = np.array(noisy.sensor["gyro_bias_dps"])
    assert np.all(np.abs(bias) <= 1.5) and np.abs(bias).max() > 0.1
    diff = noisy.recording.gyr_dps[quiet] - clean.recording.gyr_dps[quiet]
    assert np.allclose(diff.mean(axis=0), bias, atol=0.03)
    assert 0.05 < diff.std(axis=0).mean() < 0.2  # 0.01 °/s/√Hz over 100 Hz ≈ 0.1 °/s


def test_noise_free_static_gravity_direction_matches_truth(clean: SimResult) -> None:
    res = clean
    quiet = res.truth_time_s < 2.5
    acc = res.recording.acc_mps2[quiet]
    rot = Q.to_matrix(res.truth_quat_wxyz[quiet])
    up_in_sensor = rot[:, 2, :]  # earth z in sensor coordinates (row 2 of R)
    cos = np.sum(acc * up_in_sensor, axis=1) / np.linalg.norm(acc, axis=1)
    # Only sway and tremor accelerate the sensor (< 0.1 m/s²): the direction stays within 0.6° of up.
    assert np.degrees(np.arccos(np.clip(cos, -1, 1))).max() < 0.6


def _integrate(gyr_dps: np.ndarray, q0: np.ndarray, dt: float) -> np.ndarray:
    """Body-rate integration with the average of consecutive samples (second order)."""
    w = np.radians(gyr_dps)
    q = [q0]
    for k in range(len(w) - 1):
        wm = 0.5 * (w[k] + w[k + 1])
        ang = np.linalg.norm(wm) * dt
        dq = Q.from_axis_angle(wm if ang > 0 else np.array([1.0, 0, 0]), ang)
        q.append(Q.normalize(Q.multiply(q[-1], dq)))
    return np.array(q)


def test_noise_free_gyro_integrates_to_truth_over_a_knee_drive(clean: SimResult) -> None:
    res = clean
    rep = res.reps[0]
    t = res.truth_time_s
    w = (t >= rep["start_s"] - 0.5) & (t <= rep["end_s"] + 0.5)
    q_true = res.truth_quat_wxyz[w]
    q_int = _integrate(res.recording.gyr_dps[w], q_true[0], 1.0 / 200.0)
    err = Q.multiply(Q.conjugate(q_true), q_int)
    err_deg = np.degrees(2 * np.arccos(np.clip(np.abs(err[:, 0]), 0, 1)))
    assert res.truth_tibial_inclination_deg[w].max() > 28
    assert err_deg.max() < 0.05


def test_noise_free_accel_matches_independent_finite_difference() -> None:
    params = SimParams("reverse-lunge", 30.0, seed=2, noise=False, packet_loss=0.0)
    res = simulate(params)
    rng = np.random.default_rng(99)
    ss = np.random.SeedSequence(params.seed).spawn(4)
    person = Person.draw(np.random.default_rng(ss[0]), params.side, params.strap_rotation_deg)
    script, _, _ = build_script(params, person, np.random.default_rng(ss[1]))
    idx = np.sort(rng.choice(len(res.truth_time_s), 300, replace=False))
    t = res.truth_time_s[idx]
    # Five-point stencil with a different step than the simulator's 1 ms central difference.
    h = 2.5e-3
    p = [sensor_position(pose_at(script, person, t + k * h), person) for k in (-2, -1, 0, 1, 2)]
    acc_earth = (-p[0] + 16 * p[1] - 30 * p[2] + 16 * p[3] - p[4]) / (12 * h * h)
    acc_earth[:, 2] += GRAVITY_MPS2
    rot = Q.to_matrix(res.truth_quat_wxyz[idx])
    expected = np.einsum("nji,nj->ni", rot, acc_earth)
    assert np.abs(res.recording.acc_mps2[idx] - expected).max() < 2e-3
    # And the motion is not trivial: somewhere the linear acceleration is well above noise.
    assert np.abs(np.linalg.norm(expected, axis=1) - GRAVITY_MPS2).max() > 0.05


def _axes(theta: np.ndarray, phi: np.ndarray, heading: float) -> tuple[np.ndarray, np.ndarray]:
    rot = shin_rotation(theta, phi, np.zeros_like(theta), np.full_like(theta, heading))
    return rot[:, :, 2], rot[:, :, 1]


@pytest.mark.parametrize("heading", [0.0, 73.0, 211.0])
def test_truth_angles_pure_sagittal_and_pure_frontal(heading: float) -> None:
    angles = np.linspace(-40.0, 60.0, 51)
    incl, frontal = angles_from_axes(*_axes(angles, np.zeros_like(angles), heading))
    assert np.allclose(incl, angles, atol=1e-9) and np.allclose(frontal, 0.0, atol=1e-9)
    tilt = np.linspace(-20.0, 20.0, 41)
    incl, frontal = angles_from_axes(*_axes(np.zeros_like(tilt), tilt, heading))
    assert np.allclose(frontal, tilt, atol=1e-9) and np.allclose(incl, 0.0, atol=1e-9)


def test_truth_uses_the_product_definition_through_the_sensor_quaternion(clean: SimResult) -> None:
    res = clean
    from dorsi.motion.angles import shin_angles

    incl, frontal = shin_angles(res.truth_quat_wxyz, res.calibration["strap_rotation_deg"])
    assert np.allclose(incl, res.truth_tibial_inclination_deg, atol=1e-4)
    assert np.allclose(frontal, res.truth_frontal_tilt_deg, atol=1e-4)


@pytest.mark.parametrize("strap", [-40.0, -12.5, 0.0, 30.0])
def test_strap_rotation_recovered_from_calibration_drives(strap: float) -> None:
    res = simulate(SimParams("knee-to-wall", 20.0, seed=4, strap_rotation_deg=strap, noise=False, packet_loss=0))
    gyr = res.recording.gyr_dps
    t = res.truth_time_s
    w = np.zeros(len(t), bool)
    for d in res.calibration["drives"]:
        w |= (t >= d["start_s"]) & (t <= d["end_s"])
    g = gyr[w]
    # The drive axis is the shin's left axis l = (cos ψ, 0, sin ψ) in sensor coordinates.
    _, vecs = np.linalg.eigh(g.T @ g)
    axis = vecs[:, -1] * np.sign(vecs[0, -1] if abs(vecs[0, -1]) > 1e-6 else vecs[2, -1])
    psi = np.degrees(np.arctan2(axis[2], axis[0]))
    # The drives are nearly pure rotations about l; frontal sway (~0.3 °/s) and the coupling |k| ≤ 0.02
    # tilt the principal axis a little (measured over 40 seeds: mean 0.55°, max 1.5°).
    assert abs(psi - strap) < 2.0
    _, _, left = shin_axes_in_sensor(strap)
    assert abs(axis @ left) > np.cos(np.radians(2.5))


def test_fine_grid_is_a_multiple_of_the_rate_and_at_least_1khz() -> None:
    for rate in (25.0, 100.0, 104.0, 200.0, 400.0, 833.0, 1000.0):
        f = fine_rate_hz(rate)
        assert f >= 1000.0 and abs(f / rate - round(f / rate)) < 1e-9


def test_physics_of_a_still_pose_is_gravity_only() -> None:
    person = Person.draw(np.random.default_rng(0), "right", 10.0)
    still = Person(**{**person.__dict__, "sway": Sway(np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3)))})
    for theta, phi in ((20.0, 0.0), (0.0, -3.0)):
        script = Script(start={"theta_deg": theta, "phi_deg": phi})
        script.hold(2.0)
        ph = physics(script, still, np.linspace(0.1, 1.9, 50), 1e-3)
        assert np.allclose(np.linalg.norm(ph.acc_mps2, axis=1), GRAVITY_MPS2, atol=1e-6)
        assert np.abs(ph.gyr_dps).max() < 1e-6
        assert np.allclose(ph.incl_deg, theta, atol=1e-9) and np.allclose(ph.frontal_deg, phi, atol=1e-9)
