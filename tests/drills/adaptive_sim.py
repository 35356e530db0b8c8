"""Issue 18's sessions, scripted here until the simulator's sensor profiles and second movement model land:
calf-raise sets with under 1 s on the floor, a rock straight after settling into the squat, circles whose
size ramps in; with the sensor's white noise density and gyro bias walk as parameters (the simulator's
own sensor model is fixed at the reference LSM6DS3's 150 µg/√Hz)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from dorsi.motion.types import GRAVITY_MPS2, Recording
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim.kinematics import Person, fine_rate_hz, physics
from dorsi.virtual.sim.params import SimParams
from dorsi.virtual.sim.script import Script
from dorsi.virtual.sim.sensor import ACC_LSB_MPS2, GYR_LSB_DPS, quantize
from dorsi.virtual.sim.session import Ctx
from dorsi.virtual.sim.truth import fill_rep_truth

UG = 1e-6 * GRAVITY_MPS2


@dataclass(frozen=True)
class Noise:
    """A sensor's noise: white densities, bias range, gyro bias walk."""

    acc_ug_rthz: float = 150.0  # LSM6DS3TR-C class
    gyr_dps_rthz: float = 0.01
    gyr_bias_dps: float = 1.5
    acc_bias_mps2: float = 0.04
    gyr_walk_dps_rts: float = 0.002
    acc_walk_mps2_rts: float = 0.0


QUIET = Noise()
MPU = Noise(acc_ug_rthz=500.0, gyr_dps_rthz=0.01, gyr_bias_dps=3.0, acc_bias_mps2=0.1, acc_walk_mps2_rts=2e-4)


def _calibration(ctx: Ctx, after_s: float) -> None:
    """The calibration's stand and two drives; then only ``after_s`` of standing."""
    s, p = ctx.script, ctx.person
    s.hold(ctx.u(3.0, 5.0))
    for k in range(2):
        s.move(ctx.u(1.5, 2.5), theta_deg=ctx.u(20.0, 35.0))
        s.hold(ctx.u(0.1, 0.5))
        s.move(ctx.u(1.5, 2.5), theta_deg=p.standing_theta_deg, phi_deg=p.standing_phi_deg)
        if k == 0:
            s.hold(ctx.u(1.0, 2.0))
    s.hold(after_s)


def calf_set(ctx: Ctx, n: int = 15) -> None:
    """Rise ≈ 1 s, top 0.3–0.8 s, lowering 2.6–3.6 s, 0.6–1.2 s on the floor; ankle 6–9 cm (heel ÷ 0.72)."""
    s, p = ctx.script, ctx.person
    heel = ctx.u(0.06, 0.09) / 0.72
    for i in range(n):
        start = s.now
        tilt = ctx.u(-2.0, 3.0)  # a few degrees of shin tilt during the raise
        up, down = ctx.u(0.85, 1.15), ctx.u(2.6, 3.6)
        s.move(up, rise_m=heel * ctx.u(0.93, 1.07), theta_deg=p.standing_theta_deg + tilt)
        s.hold(ctx.u(0.3, 0.8))
        s.move(down, rise_m=0.0, theta_deg=p.standing_theta_deg)
        s.reps.append({"set": 1, "start_s": start, "end_s": s.now, "partial": False, "kind": "calf-raise",
                       "up_s": up, "down_s": down})  # fmt: skip
        if i < n - 1:
            s.hold(ctx.u(0.6, 1.2))
    s.hold(3.0)


def rock_set(ctx: Ctx, n: int = 25) -> None:
    """Settle into the squat, then rock at once: the first rock starts from the settled squat."""
    s, p = ctx.script, ctx.person
    depth = min(45.0, max(30.0, p.max_theta_deg - ctx.u(3.0, 8.0)))
    amp = ctx.u(4.0, 8.0)
    s.move(ctx.u(2.5, 3.5), theta_deg=depth)
    s.hold(ctx.u(0.2, 0.6))
    for _ in range(n):
        start = s.now
        s.move(ctx.u(0.5, 0.8), theta_deg=depth + max(3.0, ctx.jitter(amp, sd=1.0, lim=2.5)))
        s.move(ctx.u(0.5, 0.8), theta_deg=depth - amp * ctx.u(0.6, 1.0))
        s.reps.append({"set": 1, "start_s": start, "end_s": s.now, "partial": False, "kind": "rock"})
        s.hold(ctx.u(0.02, 0.15))
    s.move(ctx.u(0.5, 0.8), theta_deg=depth)
    s.hold(ctx.u(0.5, 1.0))
    s.move(ctx.u(2.5, 3.5), theta_deg=p.standing_theta_deg)
    s.hold(2.0)


CIRCLE_VARIANT = {"settle": True, "phase_ramp_s": 0.05}


def circle_set(ctx: Ctx, n: int = 10) -> None:
    """Circles at end range whose size ramps in over 0.6 s from the centre (the phase at full rate)."""
    s, p = ctx.script, ctx.person
    centre = p.max_theta_deg - ctx.u(5.0, 8.0)
    radius = ctx.u(4.0, 8.0)
    direction = 1.0 if ctx.rng.random() < 0.5 else -1.0
    s.move(ctx.u(1.5, 2.5), theta_deg=centre)
    s.hold(ctx.u(0.3, 0.8) if CIRCLE_VARIANT["settle"] else 0.0 + 1e-3)
    period = ctx.u(2.2, 3.0)
    t0 = s.now
    total = n * period
    s.circle(total, direction * n, CIRCLE_VARIANT["phase_ramp_s"])
    s.move(0.6, circle_r_deg=radius)
    s.move(max(0.05, total - 0.6 - 0.6), circle_r_deg=radius * ctx.u(0.9, 1.1))
    s.move(0.6, circle_r_deg=0.0)
    label = "ccw" if direction > 0 else "cw"
    for k in range(n):
        s.reps.append({"set": 1, "start_s": t0 + k * period, "end_s": t0 + (k + 1) * period, "partial": False,
                       "kind": "circle", "direction": label})  # fmt: skip
    s.move(ctx.u(1.5, 2.0), theta_deg=p.standing_theta_deg)
    s.hold(2.0)


BUILDERS = {"calf-raises": calf_set, "squat-rocks": rock_set, "knee-circles": circle_set}


@dataclass
class Scenario:
    recording: Recording
    reps: list[dict[str, Any]]
    drill: str
    rate_hz: float


def scenario(drill: str, seed: int, noise: Noise = QUIET, rate_hz: float = 104.0, after_cal_s: float = 1.0) -> Scenario:
    """Deterministic per (drill, seed, noise, rate)."""
    person_rng, script_rng, sensor_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    person = Person.draw(person_rng, "left", None)
    script = Script(start={"theta_deg": person.standing_theta_deg, "phi_deg": person.standing_phi_deg})
    ctx = Ctx(script, person, script_rng, SimParams(drill=drill, seconds=1.0, seed=seed, rate_hz=rate_hz))
    _calibration(ctx, after_cal_s)
    BUILDERS[drill](ctx)
    n = math.floor(script.now * rate_hz)
    t = np.arange(n) / rate_hz
    ph = physics(script, person, t, 1.0 / fine_rate_hz(rate_hz))
    bw = math.sqrt(rate_hz / 2.0)
    r = sensor_rng
    gyr_bias = r.uniform(-noise.gyr_bias_dps, noise.gyr_bias_dps, 3) + np.cumsum(r.standard_normal((n, 3)), axis=0) * (
        noise.gyr_walk_dps_rts / math.sqrt(rate_hz)
    )
    acc_bias = r.uniform(-noise.acc_bias_mps2, noise.acc_bias_mps2, 3) + np.cumsum(
        r.standard_normal((n, 3)), axis=0
    ) * (noise.acc_walk_mps2_rts / math.sqrt(rate_hz))
    gyr = ph.gyr_dps * (1 + r.uniform(-0.01, 0.01, 3)) + gyr_bias + r.standard_normal((n, 3)) * noise.gyr_dps_rthz * bw
    acc = ph.acc_mps2 * (1 + r.uniform(-0.01, 0.01, 3)) + acc_bias
    acc = acc + r.standard_normal((n, 3)) * noise.acc_ug_rthz * UG * bw
    rec = Recording(
        time_s=t,
        acc_mps2=np.ascontiguousarray(quantize(acc, ACC_LSB_MPS2)),
        gyr_dps=np.ascontiguousarray(quantize(gyr, GYR_LSB_DPS)),
        extra={"sample_counter": np.arange(n, dtype=np.float64)},
        source=f"adaptive:{drill}:seed={seed}",
    )
    reps = fill_rep_truth(script.reps, script, t, ph.incl_deg, ph.frontal_deg, ph.rise_m)
    return Scenario(rec, reps, drill, rate_hz)


def count(sc: Scenario, chunk_s: float = 0.25) -> list[Any]:
    """The live session over the scenario in chunks: the counted reps."""
    session = LiveSession(SessionSpec(rate_hz=sc.rate_hz, side="left", drill=sc.drill))
    chunk = sc.recording.chunk
    step = max(1, round(chunk_s * sc.rate_hz))
    for a in range(0, len(chunk), step):
        session.feed(chunk.slice(a, min(len(chunk), a + step)))
    session.finish()
    assert session.counter is not None
    return [rep for rep in session.counter.reps if not rep.partial]
