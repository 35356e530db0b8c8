"""The person's geometry and the physics: orientation, sensor position, specific force, body rate.

Shin rotation in earth coordinates: R_shin = Rz(heading) · Ry(θ) · Rx(−φ) · Rz(γ), whose
columns are the shin's anterior n, left l and long axis a; standing straight it is the
person's frame (forward, left, up) turned by the heading. The sensor's rotation is
R_sensor = R_shin · M with the strap rotation ψ: sensor X = l cos ψ − n sin ψ, Y = a,
Z = n cos ψ + l sin ψ. Derivatives are central differences on a fine grid of step
h = 1 / fine_rate (≥ 1 kHz, a multiple of the sensor rate), evaluated at the samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dorsi.motion.angles import angles_from_axes
from dorsi.motion.types import F64, GRAVITY_MPS2
from dorsi.virtual.sim.script import CH, Script, Sway

ANKLE_HEIGHT_M = 0.08  # ankle joint above the floor, foot flat
MTP_FORWARD_M = 0.14  # metatarsal heads ahead of the ankle
HEEL_BACK_M = 0.19  # heel behind the metatarsal heads (lever of the heel rise)
MIN_FINE_RATE_HZ = 1000.0


@dataclass(frozen=True)
class Person:
    """One seeded person: geometry, posture and range."""

    heading_deg: float  # the direction the person (and the foot) faces
    lever_m: float  # ankle → sensor along the shin (15 cm below the tibial tuberosity)
    skin_m: float  # sensor face ahead of the tibia's axis
    standing_theta_deg: float  # standing inclination (knee slightly forward)
    standing_phi_deg: float
    max_theta_deg: float  # the person's weight-bearing maximum (knee-to-wall)
    valgus_end_deg: float  # medial drift at end range in drills (always ≥ 0)
    medial_sign: float  # +1 if medial is the person's left (right leg), −1 for a left leg
    strap_rotation_deg: float
    sway: Sway

    @classmethod
    def draw(cls, rng: np.random.Generator, side: str, strap_rotation_deg: float | None) -> Person:
        strap = rng.uniform(-45.0, 45.0)  # drawn always, so the stream does not depend on the override
        return cls(
            heading_deg=float(rng.uniform(0.0, 360.0)),
            lever_m=float(rng.uniform(0.17, 0.24)),
            skin_m=float(rng.uniform(0.02, 0.03)),
            standing_theta_deg=float(rng.uniform(2.0, 8.0)),
            standing_phi_deg=float(rng.uniform(-1.5, 1.5)),
            max_theta_deg=float(rng.uniform(32.0, 48.0)),
            valgus_end_deg=float(rng.uniform(1.0, 8.0)),
            medial_sign=1.0 if side == "right" else -1.0,
            strap_rotation_deg=float(strap if strap_rotation_deg is None else strap_rotation_deg),
            sway=Sway.draw(rng),
        )

    def strap_matrix(self) -> F64:
        """Columns: sensor X, Y, Z in shin coordinates (n, l, a)."""
        psi = math.radians(self.strap_rotation_deg)
        c, s = math.cos(psi), math.sin(psi)
        return np.array([[-s, 0.0, c], [c, 0.0, s], [0.0, 1.0, 0.0]])


def _rz(a: F64) -> F64:
    c, s, z, o = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def _ry(a: F64) -> F64:
    c, s, z, o = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def _rx(a: F64) -> F64:
    c, s, z, o = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


@dataclass
class Pose:
    r_shin: F64  # (n, 3, 3) columns n, l, a in earth coordinates
    ankle_m: F64  # (n, 3)
    rise_m: F64  # (n,)


def shin_rotation(theta_deg: F64, phi_deg: F64, gamma_deg: F64, heading_deg: F64) -> F64:
    """R_shin = Rz(heading) Ry(θ) Rx(−φ) Rz(γ) (columns: n, l, a in earth coordinates)."""
    r = _rz(np.radians(heading_deg)) @ _ry(np.radians(theta_deg))
    return r @ _rx(-np.radians(phi_deg)) @ _rz(np.radians(gamma_deg))


def pose_at(script: Script, person: Person, t: F64) -> Pose:
    values, alpha = script.evaluate(t)
    sway = person.sway.evaluate(t)
    r = values[:, CH["circle_r_deg"]]
    theta = values[:, CH["theta_deg"]] + r * np.cos(alpha) + sway[:, 0]
    phi = values[:, CH["phi_deg"]] + r * np.sin(alpha) + sway[:, 1]
    gamma = values[:, CH["gamma_deg"]] + sway[:, 2]
    heading = person.heading_deg + values[:, CH["heading_deg"]]
    rot = shin_rotation(theta, phi, gamma, heading)
    # Heel rise: the foot pitches by β about the metatarsal heads, carrying the ankle on an arc.
    rise = values[:, CH["rise_m"]]
    beta = np.arcsin(np.clip(rise / HEEL_BACK_M, -1.0, 1.0))
    fwd = MTP_FORWARD_M - MTP_FORWARD_M * np.cos(beta) + ANKLE_HEIGHT_M * np.sin(beta)
    up = MTP_FORWARD_M * np.sin(beta) + ANKLE_HEIGHT_M * np.cos(beta)
    hr = np.radians(heading)
    ankle = np.stack(
        [
            values[:, CH["ankle_x_m"]] + fwd * np.cos(hr),
            values[:, CH["ankle_y_m"]] + fwd * np.sin(hr),
            values[:, CH["ankle_z_m"]] + up,
        ],
        axis=1,
    )
    return Pose(rot, ankle, rise)


def sensor_position(pose: Pose, person: Person) -> F64:
    offset = np.array([person.skin_m, 0.0, person.lever_m])  # in shin coordinates (n, l, a)
    return pose.ankle_m + pose.r_shin @ offset


def fine_rate_hz(rate_hz: float) -> float:
    """The smallest multiple of the sensor rate that is at least 1 kHz."""
    return rate_hz * math.ceil(MIN_FINE_RATE_HZ / rate_hz - 1e-9)


@dataclass
class Physics:
    """Ideal sensor readings and truth at the given (true) sample times."""

    acc_mps2: F64  # specific force, sensor frame
    gyr_dps: F64  # body rate, sensor frame
    r_sensor: F64  # (n, 3, 3) sensor-to-earth
    incl_deg: F64
    frontal_deg: F64
    rise_m: F64


def _vee_log(rel: F64) -> F64:
    """Rotation vectors of small relative rotations (angle ≪ π)."""
    v = 0.5 * np.stack([rel[:, 2, 1] - rel[:, 1, 2], rel[:, 0, 2] - rel[:, 2, 0], rel[:, 1, 0] - rel[:, 0, 1]], 1)
    s = np.linalg.norm(v, axis=1)
    c = 0.5 * (np.trace(rel, axis1=1, axis2=2) - 1.0)
    ang = np.arctan2(s, c)
    factor = np.where(s > 1e-12, ang / np.where(s > 1e-12, s, 1.0), 1.0)
    return v * factor[:, None]


def physics(script: Script, person: Person, t: F64, h_s: float) -> Physics:
    """Noise-free accelerometer and gyroscope at times t (central differences of step h_s)."""
    n = len(t)
    pose = pose_at(script, person, np.concatenate([t - h_s, t, t + h_s]))
    m = person.strap_matrix()
    r_sensor = pose.r_shin @ m
    p = sensor_position(pose, person)
    p_m, p_0, p_p = p[:n], p[n : 2 * n], p[2 * n :]
    acc_earth = (p_p - 2.0 * p_0 + p_m) / (h_s * h_s)
    r0 = r_sensor[n : 2 * n]
    # Taps: a pulse into the skin (along −Z of the sensor), added analytically (too short to difference).
    tap = script.tap_acceleration(t)
    if np.any(tap):
        acc_earth = acc_earth - tap[:, None] * r0[:, :, 2]
    if script.impacts:  # heel strikes: along the shin's long axis (sensor Y), upward first
        up = script.tap_acceleration(t, impacts=True)
        if np.any(up):
            acc_earth = acc_earth - up[:, None] * r0[:, :, 1]
    acc_earth[:, 2] += GRAVITY_MPS2
    acc = np.einsum("nji,nj->ni", r0, acc_earth)
    rel = np.einsum("nji,njk->nik", r_sensor[:n], r_sensor[2 * n :])  # R(t−h)ᵀ R(t+h)
    gyr = np.degrees(_vee_log(rel) / (2.0 * h_s))
    shin0 = pose.r_shin[n : 2 * n]
    incl, frontal = angles_from_axes(shin0[:, :, 2], shin0[:, :, 1])
    return Physics(acc, gyr, r0, incl, frontal, pose.rise_m[n : 2 * n])
