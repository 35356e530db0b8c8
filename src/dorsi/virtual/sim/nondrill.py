"""Non-drill movement: walking, stepping in place, jogging, turning, repositioning a foot, sitting down.

Public API (small on purpose):

- ``MOVEMENTS``: the movement names ``simulate_movement`` knows.
- ``NEVER_CALIBRATES``: the ones that contain no calibration sequence and must never be taken for one.
- ``simulate_movement(kind, seed, rate_hz=200.0, side="left", strap_rotation_deg=None) -> SimResult``:
  a seeded session of the same types as ``simulate`` (``dorsi analyze`` and the tests consume it).

Movements:

- ``stand-then-walk``: 3–8 s quiet standing, then 1–3 bouts of 8–20 s walking (90–130 steps/min, a slower
  first stride), each followed by 3–8 s standing.
- ``walk``: walking from the first sample. ``jogging``: 150–180 steps/min after 3–8 s standing.
- ``stepping``: stepping in place (knee up, foot off the floor) after 3–8 s standing.
- ``turning``: 3–8 s standing, then short steps turning on the spot by 90–360°, repeated.
- ``reposition``: standing with 3–6 repositionings of the foot (lift, turn, set down).
- ``sit-stand``: standing, sitting down on a chair, sitting, standing up, 2–3 times (the shin pivots
  forward about the ankle with the heel down, as in a knee drive: not required never to calibrate).
- ``walk-then-calibrate``: walking, then the real calibration sequence, then knee-to-wall reps.
- ``drill-walk-drill``: the calibration sequence, knee-to-wall reps, a walk, knee-to-wall reps again.

Gait of the sensor's leg per stride (period 2 × 60 / cadence), heel strike to heel strike: the shin
pitches from −12…−20° at heel strike through the stance (ankle fixed, the shin pivoting about it) to
+35…+45° at toe-off (+60…+85° in the swing when jogging), swings back during the swing while the ankle
leaves the ground (8–14 cm walking, 20–40 cm jogging, 8–25 cm stepping) and moves a stride forward;
the last 1–1.5 cm of the descent take 25–40 ms: the heel-strike impact (≈ 2–5 g walking, more jogging:
the ±4 g sensor saturates). Channels that gait moves follow their own key frames (minimum-jerk between
them), added to the base script's, so a movement can sit between drill reps. The strap rotation is
drawn over ±180° per seed. ``params.drill`` is knee-to-wall (the drill of the mixed sessions; the other
sessions have no reps); ``recording.source`` and ``person["movement"]`` name the movement.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dorsi.motion import quat as Q
from dorsi.motion.types import F64
from dorsi.virtual.sim.core import received_recording
from dorsi.virtual.sim.drills import knee_to_wall
from dorsi.virtual.sim.kinematics import ANKLE_HEIGHT_M, Person, fine_rate_hz, physics, pose_at
from dorsi.virtual.sim.params import SimParams, SimResult
from dorsi.virtual.sim.profiles import profile
from dorsi.virtual.sim.script import CH, CHANNELS, Script, smoothstep5
from dorsi.virtual.sim.sensor import SensorErrors, apply_errors, received_mask
from dorsi.virtual.sim.session import Ctx, calibration, reposition
from dorsi.virtual.sim.truth import fill_rep_truth

MOVEMENTS: tuple[str, ...] = (
    "stand-then-walk",
    "walk",
    "stepping",
    "jogging",
    "turning",
    "reposition",
    "sit-stand",
    "walk-then-calibrate",
    "drill-walk-drill",
)
NEVER_CALIBRATES: tuple[str, ...] = ("stand-then-walk", "walk", "stepping", "jogging", "turning", "reposition")
GAIT_CHANNELS = ("theta_deg", "phi_deg", "ankle_x_m", "ankle_y_m", "ankle_z_m", "heading_deg")


@dataclass
class Overlay:
    """Per-channel key frames (minimum-jerk between a channel's own knots), added to a base script."""

    knots: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: {c: [(0.0, 0.0)] for c in CHANNELS})

    def last(self, channel: str) -> float:
        return self.knots[channel][-1][1]

    def key(self, channel: str, t_s: float, value: float) -> None:
        k = self.knots[channel]
        if t_s <= k[-1][0]:
            raise ValueError(f"{channel}: key frames must move forward in time")
        k.append((t_s, float(value)))

    def evaluate(self, t: F64) -> F64:
        out = np.zeros((len(t), len(CHANNELS)))
        for name, k in self.knots.items():
            if len(k) < 2:
                continue
            kt = np.array([p[0] for p in k])
            kv = np.array([p[1] for p in k])
            i = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, len(kt) - 2)
            s = smoothstep5((t - kt[i]) / (kt[i + 1] - kt[i]))
            out[:, CH[name]] = kv[i] + (kv[i + 1] - kv[i]) * s
        return out


class MovementScript(Script):
    """A Script whose channels are the base key frames plus an Overlay (gait)."""

    def __init__(self, start: dict[str, float]) -> None:
        super().__init__(start=start)
        self.overlay = Overlay()

    def evaluate(self, t: F64) -> tuple[F64, F64]:
        values, alpha = super().evaluate(t)
        return values + self.overlay.evaluate(t), alpha


@dataclass(frozen=True)
class GaitStyle:
    cadence_spm: tuple[float, float]  # steps per minute (both legs)
    stance_frac: tuple[float, float]
    strike_deg: tuple[float, float]  # shin pitch at heel strike
    toe_off_deg: tuple[float, float]
    swing_max_deg: tuple[float, float] | None  # a further peak in the swing (jogging)
    lift_m: tuple[float, float]  # ankle height in mid-swing
    stride_m: tuple[float, float]  # the leg's stride (two steps); 0 in place
    impact_m: tuple[float, float]  # the last part of the descent, done in impact_s
    impact_s: tuple[float, float]
    turn_deg: tuple[float, float] = (0.0, 0.0)  # heading change per stride


WALK = GaitStyle(
    (90, 130), (0.58, 0.62), (-20, -12), (35, 45), None, (0.08, 0.14), (1.1, 1.6), (0.01, 0.015), (0.025, 0.04)
)
JOG = GaitStyle(
    (150, 180), (0.35, 0.42), (-12, -5), (38, 48), (60, 85), (0.20, 0.40), (1.8, 2.6), (0.012, 0.02), (0.025, 0.035)
)
STEP = GaitStyle(
    (90, 130), (0.45, 0.55), (-3, 2), (15, 35), None, (0.08, 0.25), (0.0, 0.0), (0.008, 0.012), (0.03, 0.04)
)
TURN = GaitStyle(
    (80, 120), (0.5, 0.6), (-3, 2), (5, 20), None, (0.03, 0.08), (0.0, 0.15), (0.005, 0.01), (0.03, 0.04), (25, 60)
)


def gait(ctx: Ctx, style: GaitStyle, duration_s: float) -> None:
    """Strides of the sensor's leg from ctx.script.now for about duration_s; base channels hold meanwhile."""
    s = ctx.script
    assert isinstance(s, MovementScript)
    ov = s.overlay
    u = ctx.u
    t0 = s.now
    cadence = u(*style.cadence_spm)
    period = 120.0 / cadence
    turn_sign = 1.0 if ctx.rng.random() < 0.5 else -1.0
    base_theta = s.value("theta_deg")
    for c in GAIT_CHANNELS:
        ov.key(c, t0 + 1e-3, ov.last(c))
    if ctx.rng.random() < 0.5:  # this leg steps first: the shin leaves standing for its heel strike
        t = t0 + 0.4 * period
        ov.key("theta_deg", t, u(*style.strike_deg) - base_theta)
    else:  # the other leg steps first: this one starts mid-stance, its heel strike would have been earlier
        t = t0 - 0.3 * period
    first = True
    while t - t0 < duration_s:
        T = period * (u(1.2, 1.6) if first else u(0.95, 1.05))  # gait initiation: a slower first stride
        first = False
        stance = u(*style.stance_frac) * T
        heading = ctx.person.heading_deg + s.value("heading_deg") + ov.last("heading_deg")
        toe_off = t + stance
        ov.key("theta_deg", toe_off, u(*style.toe_off_deg) - base_theta)
        if style.swing_max_deg is not None:
            ov.key("theta_deg", toe_off + 0.35 * (T - stance), u(*style.swing_max_deg) - base_theta)
        ov.key("theta_deg", t + T, u(*style.strike_deg) - base_theta)
        if t + 0.5 * T > t0 + 1e-3:
            ov.key("phi_deg", t + 0.5 * T, u(-3.0, 3.0))
        ov.key("phi_deg", t + T, u(-1.0, 1.0))
        # ankle: flat until heel-off, rises, swings a stride along the heading, impact at heel strike
        heel_off = t + 0.55 * stance
        impact_m, impact_s = u(*style.impact_m), u(*style.impact_s)
        if heel_off > t0 + 1e-3:
            ov.key("ankle_z_m", heel_off, 0.0)
        ov.key("ankle_z_m", toe_off, u(0.03, 0.06))
        ov.key("ankle_z_m", toe_off + 0.45 * (T - stance), u(*style.lift_m))
        ov.key("ankle_z_m", t + T - impact_s, impact_m)
        ov.key("ankle_z_m", t + T, 0.0)
        turn = turn_sign * u(*style.turn_deg)
        stride = u(*style.stride_m)
        h = math.radians(heading + 0.5 * turn)
        if stride > 0.0:
            ov.key("ankle_x_m", toe_off, ov.last("ankle_x_m"))
            ov.key("ankle_y_m", toe_off, ov.last("ankle_y_m"))
            ov.key("ankle_x_m", t + T - impact_s, ov.last("ankle_x_m") + stride * math.cos(h))
            ov.key("ankle_y_m", t + T - impact_s, ov.last("ankle_y_m") + stride * math.sin(h))
        if turn != 0.0:
            ov.key("heading_deg", toe_off, ov.last("heading_deg"))
            ov.key("heading_deg", t + T - impact_s, ov.last("heading_deg") + turn)
        t += T
    # back to standing: the foot set beside the other, the shin to its base angle
    end = t + 0.6 * period
    ov.key("theta_deg", end, 0.0)
    ov.key("phi_deg", end, 0.0)
    ov.key("ankle_z_m", t + 0.3 * period, u(0.03, 0.06))
    ov.key("ankle_z_m", end, 0.0)
    s.events.append({"name": "gait", "start_s": t0, "end_s": end, "cadence_spm": cadence})
    s.hold(end - s.now + u(0.5, 1.0))


def sit_stand(ctx: Ctx) -> None:
    """Sit down on a chair (the shin pivots forward, heel down, then back near vertical), sit, stand up."""
    s, p = ctx.script, ctx.person
    peak, seated = ctx.u(14.0, 25.0), p.standing_theta_deg + ctx.u(-4.0, 6.0)
    t0 = s.now
    s.move(ctx.u(0.8, 1.5), theta_deg=peak)
    s.move(ctx.u(0.8, 1.5), theta_deg=seated)
    s.hold(ctx.u(2.0, 5.0))
    s.move(ctx.u(0.6, 1.2), theta_deg=ctx.u(14.0, 25.0))
    s.move(ctx.u(0.8, 1.5), theta_deg=p.standing_theta_deg)
    s.events.append({"name": "sit-stand", "start_s": t0, "end_s": s.now})
    s.hold(ctx.u(1.0, 3.0))


def _build(kind: str, ctx: Ctx) -> dict[str, Any] | None:
    """The movement's script; the calibration truth when it contains the real sequence."""
    s, u = ctx.script, ctx.u
    calib: dict[str, Any] | None = None
    if kind != "walk":
        s.hold(u(3.0, 8.0))
    if kind == "walk":
        gait(ctx, WALK, u(20.0, 45.0))
    elif kind == "stand-then-walk":  # walk, stop and stand (3–8 s), walk on: 1–3 bouts
        for _ in range(int(ctx.rng.integers(1, 4))):
            gait(ctx, WALK, u(8.0, 20.0))
            s.hold(u(3.0, 8.0))
    elif kind == "jogging":
        gait(ctx, JOG, u(20.0, 40.0))
    elif kind == "stepping":
        gait(ctx, STEP, u(15.0, 30.0))
    elif kind == "turning":
        for _ in range(int(ctx.rng.integers(2, 5))):
            gait(ctx, TURN, u(2.0, 5.0))
            s.hold(u(0.5, 3.0))
    elif kind == "reposition":
        for _ in range(int(ctx.rng.integers(3, 7))):
            reposition(ctx)
            s.hold(u(0.5, 4.0))
    elif kind == "sit-stand":
        for _ in range(int(ctx.rng.integers(2, 4))):
            sit_stand(ctx)
    elif kind == "walk-then-calibrate":
        gait(ctx, WALK, u(10.0, 30.0))
        calib = calibration(ctx)
        knee_to_wall(ctx)
    elif kind == "drill-walk-drill":
        calib = calibration(ctx)
        knee_to_wall(ctx)
        gait(ctx, WALK, u(10.0, 30.0))
        knee_to_wall(ctx)
    s.hold(u(3.0, 6.0))
    return calib


def simulate_movement(
    kind: str,
    seed: int,
    rate_hz: float = 200.0,
    side: str = "left",
    strap_rotation_deg: float | None = None,
    sensor_profile: str = "reference",
) -> SimResult:
    """One seeded session of non-drill movement (see the module docstring). Deterministic.

    ``sensor_profile`` (profiles.PROFILES) draws the sensor's errors from that profile; the default,
    "reference", is the model this has always used (bit-identical)."""
    if kind not in MOVEMENTS:
        raise ValueError(f"unknown movement {kind!r}; valid: {', '.join(MOVEMENTS)}")
    person_rng, script_rng, sensor_rng, loss_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, 17]).spawn(4)
    )
    strap = float(person_rng.uniform(-180.0, 180.0)) if strap_rotation_deg is None else strap_rotation_deg
    params = SimParams(
        drill="knee-to-wall",
        seconds=3600.0,  # replaced by the script's length
        seed=seed,
        rate_hz=rate_hz,
        side="right" if side == "right" else "left",
        strap_rotation_deg=strap,
        sensor_profile=sensor_profile,
    )
    person = Person.draw(person_rng, params.side, strap)
    script = MovementScript({"theta_deg": person.standing_theta_deg, "phi_deg": person.standing_phi_deg})
    ctx = Ctx(script, person, script_rng, params)
    calib = _build(kind, ctx)

    params = dataclasses.replace(params, seconds=script.now)
    rate = float(rate_hz)
    n = max(2, math.floor(script.now * rate))
    t_true = np.arange(n) / rate
    ph = physics(script, person, t_true, 1.0 / fine_rate_hz(rate))
    errors = SensorErrors.draw(sensor_rng, 1.5, profile(sensor_profile))
    acc, gyr, _ = apply_errors(ph.acc_mps2, ph.gyr_dps, errors, rate, sensor_rng)
    keep = received_mask(n, params.packet_loss, 1, loss_rng)
    counter = np.arange(n)
    rec = received_recording(counter, keep, rate, acc, gyr, f"simulated:{kind}:seed={seed}")
    cal_truth: dict[str, Any] = {"strap_rotation_deg": strap, "complete": calib is not None}
    if calib is not None:
        cal_truth.update(end_s=float(calib["end_s"]), quiet_standing_s=list(calib["quiet_s"]))
    return SimResult(
        recording=rec,
        truth_time_s=t_true[keep],
        truth_tibial_inclination_deg=ph.incl_deg[keep],
        truth_frontal_tilt_deg=ph.frontal_deg[keep],
        truth_quat_wxyz=Q.from_matrix(ph.r_sensor)[keep],
        truth_heel_rise_m=ph.rise_m[keep],
        reps=fill_rep_truth(script.reps, script, t_true, ph.incl_deg, ph.frontal_deg, ph.rise_m),
        calibration=cal_truth,
        sensor={"rate_hz": rate, "total_samples": n, "lost_samples": int(n - keep.sum())},
        params=params,
        events=script.events,
        person={
            "movement": kind,
            "heading_deg": person.heading_deg,
            "lever_m": person.lever_m,
            "ankle_lift_max_m": float(pose_at(script, person, t_true).ankle_m[:, 2].max() - ANKLE_HEIGHT_M),
        },
    )
