"""simulate(): script a session, derive the ideal sensor readings, add sensor errors and losses."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from dorsi.motion import quat as Q
from dorsi.motion.types import Recording
from dorsi.virtual.sim import model2
from dorsi.virtual.sim.drills import DRIVE_DRILLS, DrillFn
from dorsi.virtual.sim.drills_more import MORE_DRILLS
from dorsi.virtual.sim.kinematics import Person, fine_rate_hz, physics
from dorsi.virtual.sim.params import SimParams, SimResult
from dorsi.virtual.sim.profiles import profile
from dorsi.virtual.sim.script import Script, Sway
from dorsi.virtual.sim.sensor import SensorErrors, apply_errors, received_mask
from dorsi.virtual.sim.session import Ctx, calibration
from dorsi.virtual.sim.softtissue import Strap, wobble
from dorsi.virtual.sim.truth import fill_rep_truth

CHUNK_SAMPLES = 60_000  # physics in pieces: bounded memory for hour-long recordings

DRILL_BUILDERS: dict[str, DrillFn] = {**DRIVE_DRILLS, **MORE_DRILLS}


def build_script(
    params: SimParams, person: Person, rng: np.random.Generator, model_rng: np.random.Generator | None = None
) -> tuple[Script, Ctx, dict[str, Any]]:
    script = Script(start={"theta_deg": person.standing_theta_deg, "phi_deg": person.standing_phi_deg})
    ctx = Ctx(script, person, rng, params)
    if model_rng is not None:
        model2.install(ctx, model_rng)
    slow = ctx.u(2.0, 3.0)  # drawn always, so "slow" changes nothing but the tempo
    if "slow" in params.events:
        ctx.tempo = slow
    elif "fast" in params.events:
        ctx.tempo = 0.5
    calib = calibration(ctx)
    (DRILL_BUILDERS if model_rng is None else model2.BUILDERS)[params.drill](ctx)
    script.move(1.0, theta_deg=person.standing_theta_deg, phi_deg=person.standing_phi_deg, gamma_deg=0.0)
    script.hold(1.0)
    return script, ctx, calib


def simulate(params: SimParams) -> SimResult:
    """Simulate one recording (calibration sequence + drill) with its ground truth. Deterministic."""
    params.validate()
    person_rng, script_rng, sensor_rng, loss_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(params.seed).spawn(4)
    )
    person = Person.draw(person_rng, params.side, params.strap_rotation_deg)
    second = params.model != "keyframe"
    # the second model's own draws come from a stream of their own: the others stay as they were
    model_rng = np.random.default_rng(np.random.SeedSequence(params.seed, spawn_key=(101,))) if second else None
    strap = None
    if model_rng is not None:
        person = dataclasses.replace(person, sway=Sway.draw_postural(model_rng))
        strap = Strap.draw(model_rng)
    script, ctx, calib = build_script(params, person, script_rng, model_rng)

    rate = float(params.rate_hz)
    n = max(2, math.floor(params.seconds * rate + 1e-9))
    counter = np.arange(n)
    t_true = counter / (rate * (1.0 + params.clock_drift_ppm * 1e-6))
    h_s = 1.0 / fine_rate_hz(rate)

    acc = np.empty((n, 3))
    gyr = np.empty((n, 3))
    quat = np.empty((n, 4))
    incl, frontal, rise = np.empty(n), np.empty(n), np.empty(n)
    up_sensor = np.empty((n, 3)) if strap is not None else None
    for a in range(0, n, CHUNK_SAMPLES):
        b = min(n, a + CHUNK_SAMPLES)
        ph = physics(script, person, t_true[a:b], h_s)
        acc[a:b], gyr[a:b] = ph.acc_mps2, ph.gyr_dps
        quat[a:b] = Q.from_matrix(ph.r_sensor)
        incl[a:b], frontal[a:b], rise[a:b] = ph.incl_deg, ph.frontal_deg, ph.rise_m
        if up_sensor is not None:
            up_sensor[a:b] = ph.r_sensor[:, 2, :]  # earth's up in sensor axes
    if strap is not None and up_sensor is not None:
        acc, gyr = wobble(acc, gyr, up_sensor, strap, rate)

    errors = SensorErrors.draw(sensor_rng, params.gyro_bias_max_dps, profile(params.sensor_profile))
    if params.noise:
        acc, gyr, _ = apply_errors(acc, gyr, errors, rate, sensor_rng)
    keep = received_mask(n, params.packet_loss, params.samples_per_packet, loss_rng)

    reps_all = fill_rep_truth(script.reps, script, t_true, incl, frontal, rise)
    t_end = float(t_true[-1])
    reps = [r for r in reps_all if r["end_s"] <= t_end]
    truncated = [r for r in reps_all if r["end_s"] > t_end and r["start_s"] < t_end]
    for i, r in enumerate(reps, start=1):
        r["index"] = i
    if second:
        model2.finish_truth(reps)
    for i, r in enumerate(truncated, start=len(reps) + 1):
        r["index"] = i

    sensor: dict[str, Any] = errors.describe() if params.noise else {"noise": False}
    sensor.update(
        noise=params.noise,
        lost_samples=int(n - keep.sum()),
        total_samples=int(n),
        rate_hz=rate,
        fine_rate_hz=fine_rate_hz(rate),
    )
    rec = received_recording(counter, keep, rate, acc, gyr, f"simulated:{params.drill}:seed={params.seed}")
    return SimResult(
        recording=rec,
        truth_time_s=t_true[keep],
        truth_tibial_inclination_deg=incl[keep],
        truth_frontal_tilt_deg=frontal[keep],
        truth_quat_wxyz=quat[keep],
        truth_heel_rise_m=rise[keep],
        reps=reps,
        calibration=_calibration_truth(calib, person, t_true, incl, frontal),
        sensor=sensor,
        params=params,
        truncated_reps=truncated,
        events=[e for e in script.events if e["start_s"] <= t_end],
        person=_person_dict(person, ctx.tempo, ctx.info) | ({} if strap is None else strap.describe()),
    )


def _calibration_truth(
    calib: dict[str, Any], person: Person, t: np.ndarray, incl: np.ndarray, frontal: np.ndarray
) -> dict[str, Any]:
    q0, q1 = calib["quiet_s"]
    quiet = (t >= q0) & (t <= q1)
    peaks = []
    for d in calib["drives"]:
        w = (t >= d["start_s"]) & (t <= d["end_s"])
        peaks.append(float(incl[w].max()) if w.any() else float("nan"))
    return {
        "strap_rotation_deg": person.strap_rotation_deg,
        "standing_inclination_deg": float(incl[quiet].mean()) if quiet.any() else float("nan"),
        "standing_frontal_tilt_deg": float(frontal[quiet].mean()) if quiet.any() else float("nan"),
        "end_s": float(calib["end_s"]),
        "complete": bool(calib["end_s"] <= t[-1]),
        "drive_peak_deg": peaks,
        "drives": [
            {"start_s": d["start_s"], "end_s": d["end_s"], "frontal_coupling": d["coupling"]} for d in calib["drives"]
        ],
        "quiet_standing_s": [q0, q1],
    }


def _person_dict(p: Person, tempo: float, info: dict[str, Any]) -> dict[str, Any]:
    return {
        "heading_deg": p.heading_deg,
        "lever_m": p.lever_m,
        "skin_m": p.skin_m,
        "standing_theta_deg": p.standing_theta_deg,
        "max_theta_deg": p.max_theta_deg,
        "valgus_end_deg": p.valgus_end_deg,
        "medial_sign": p.medial_sign,
        "tempo": tempo,
        **info,
    }


def received_recording(
    counter: np.ndarray, keep: np.ndarray, rate_hz: float, acc: np.ndarray, gyr: np.ndarray, source: str
) -> Recording:
    """The samples that arrived (``keep``), timed by their sample counter as the sensor stamps them."""
    return Recording(
        time_s=counter[keep] / rate_hz,
        acc_mps2=np.ascontiguousarray(acc[keep]),
        gyr_dps=np.ascontiguousarray(gyr[keep]),
        extra={"sample_counter": counter[keep].astype(np.float64)},
        source=source,
    )
