"""Rep detection over a generated corpus: counts, peak/hold/eccentric errors, latency; and our MDC.

Corpus: every drill × seeds × rates (50–400 Hz) × messy events, default sets and reps,
random strap rotation, gyro bias up to 1.5 °/s, 1 % packet loss. Each session goes
through the live session (pipeline and RepCounter) in 0.25 s chunks.

Every detected rep is matched to the performed rep it overlaps most (one to one), so
sessions with a missed or an extra rep still contribute their other reps' errors; missed
and extra reps are counted per drill.

Latency, per matched rep:
- ``lat`` = sample time at which the counter closed the rep − the rep's true end
  (negative: closed before the shin was fully back). This is the counter's own delay.
- ``seen`` = time of the last sample of the chunk in which the counter returned the rep −
  the true end: what a caller feeding 0.25 s chunks sees (the app feeds each BLE
  notification, ~10 samples, so it sits between the two).

MDC: the SD of (measured best − true best) of the knee-to-wall test over many simulated
people is our SEM; MDC95 = 1.96·√2·SEM.

    .venv/bin/python benchmarks/bench_reps.py [--quick] [--seeds 0-5] [--rates 50,200]
        [--drills ankle-matrix,squat-rocks] [--events slow] [--no-mdc] [--list-late]

Matrix (issue 18): sensor profile × drill × movement model, the TUNING and HELD_OUT seed sets
(dorsi.virtual.sim.heldout) side by side, each profile at its own streaming rate; it writes its table
into docs/bench_matrix.md (generated: never edit by hand).

    .venv/bin/python benchmarks/bench_reps.py --matrix [--matrix-seeds 1] [--profiles reference,witmotion]
        [--models keyframe,velocity] [--drills calf-raises] [--docs docs/bench_matrix.md | --docs -]
        [--bench-calibrated]

``--bench-calibrated``: each session's own unit (its drawn sensor errors, the profile's noise, bias walk
and quantisation) is first recorded on the six-face bench (six_face_recording: a slightly tilted table,
3.5–4 s per face), fitted with the product's fit_six_face, and the session analysed through the samples that
fit corrects, as `dorsi analyze --profile UNIT.toml` does (SensorProfile.apply before the pipeline).

False reps per hour of non-drill movement (walking, stepping, jogging, turning, and sessions mixing a walk
with a calibration or drill), each session analysed as every drill; the reference model at 200 Hz, or with
``--profiles`` each sensor profile's errors at its own streaming rate, one table a profile:

    .venv/bin/python benchmarks/bench_reps.py --gait [--gait-seeds 20] [--profiles witmotion,metamotion]
        [--movements walk,stepping] [--drills knee-to-wall] [--gait-splits tuning] [--list-counted]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from dorsi.drills import DRILL_IDS, RepCounter, RepEvent
from dorsi.io.profiles import SensorProfile as UnitProfile
from dorsi.motion.pipeline import ShinFrames
from dorsi.motion.sensor_calibration import UnitCalibration, fit_six_face
from dorsi.motion.types import GRAVITY_MPS2, ImuChunk, Recording
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim import SimParams, SimResult, simulate
from dorsi.virtual.sim.heldout import MODELS, PROFILE_NAMES, SPLITS, TUNING, assert_tunable, seeds, split_of
from dorsi.virtual.sim.profiles import PROFILES
from dorsi.virtual.sim.sensor import SensorErrors, apply_errors

EVENTS: list[tuple[str, ...]] = [
    (),
    ("partial-rep",),
    ("pause",),
    ("reposition",),
    ("tap",),
    ("slow",),
    ("fast",),
    ("early-stop",),
]
LATE_S = 0.3  # the bar: a rep is reported at most this long after it ends
PEAK_BAR_DEG = 1.5  # the bar: peak angle within this of the truth
CHUNK_S = 0.25


def match(truth: list[dict[str, Any]], got: list[Any]) -> list[tuple[int, int]]:
    """One-to-one (truth index, detected index) pairs, largest time overlap first."""
    pairs = []
    for i, t in enumerate(truth):
        for j, g in enumerate(got):
            ov = min(t["end_s"], g.end_s) - max(t["start_s"], g.start_s)
            if ov > 0:
                pairs.append((ov, i, j))
    used_t: set[int] = set()
    used_g: set[int] = set()
    out = []
    for _ov, i, j in sorted(pairs, reverse=True):
        if i not in used_t and j not in used_g:
            used_t.add(i)
            used_g.add(j)
            out.append((i, j))
    return sorted(out)


Job = tuple[str, int, float, tuple[str, ...]]  # drill, seed, rate, events


def corpus_jobs(
    seeds: list[int], rates: tuple[float, ...], drills: list[str], events: list[tuple[str, ...]]
) -> list[Job]:
    """Clean sessions at every rate, messy events at 200 Hz."""
    return [(d, s, r, e) for d in drills for s in seeds for e in events for r in (rates if not e else (200.0,))]


def simulate_job(job: Job) -> SimResult:
    drill, seed, rate, events = job
    seconds = {"calf-raises": 420.0, "banded-distraction": 240.0}.get(drill, 300.0) * (2.5 if "slow" in events else 1)
    return simulate(SimParams(drill=drill, seconds=seconds, seed=seed, rate_hz=rate, events=events))


def count_chunked(
    sim: SimResult,
    on_chunk: Callable[[ImuChunk, ShinFrames, list[RepEvent], RepCounter], None],
    rec: Recording | None = None,
    unit_calibrated: bool = False,
) -> RepCounter:
    """The live session (pipeline and counter) over the recording (``rec``: these samples instead of the
    simulated ones; ``unit_calibrated``: through the unit's bench calibration) in CHUNK_S chunks; ``on_chunk``
    sees each step."""
    rate = sim.params.rate_hz
    chunk = (sim.recording if rec is None else rec).chunk
    spec = SessionSpec(rate_hz=rate, side=sim.params.side, drill=sim.params.drill, unit_calibrated=unit_calibrated)
    session = LiveSession(spec)
    counter = session.counter
    assert counter is not None
    step = max(1, round(CHUNK_S * rate))
    for a in range(0, len(chunk), step):
        part = chunk.slice(a, min(len(chunk), a + step))
        frames, events = session.feed(part)
        on_chunk(part, frames, events, counter)
    session.finish()
    return counter


def run_one(args: Job) -> dict[str, Any]:
    drill, seed, rate, events = args
    sim = simulate_job(args)
    seconds = sim.params.seconds
    # (start, end) → last sample time of the chunk that returned the rep (a calf raise's rep is amended later)
    seen_at: dict[tuple[float, float], float] = {}

    def seen(part: ImuChunk, _frames: ShinFrames, evs: list[RepEvent], _counter: RepCounter) -> None:
        for ev in evs:
            seen_at[(ev.rep.start_s, ev.rep.end_s)] = float(part.time_s[-1])

    t0 = time.perf_counter()
    counter = count_chunked(sim, seen)
    cpu_s = time.perf_counter() - t0
    got = [r for r in counter.reps if not r.partial]
    truth = sim.counted_reps
    pairs = match(truth, got)
    out: dict[str, Any] = {
        "drill": drill,
        "events": events,
        "rate": rate,
        "seed": seed,
        "exact": len(got) == len(truth) and len(pairs) == len(truth),
        "n_truth": len(truth),
        "n_got": len(got),
        "missed": len(truth) - len(pairs),
        "extra": len(got) - len(pairs),
        "cpu_s": cpu_s,
        "audio_s": seconds,
        "peak": [],
        "peak_at": [],
        "hold": [],
        "ecc": [],
        "lat": [],
        "seen": [],
        "late": [],
    }
    for i, j in pairs:
        t, g = truth[i], got[j]
        lat = g.emitted_s - t["end_s"]
        out["lat"].append(lat)
        out["seen"].append(seen_at[(g.start_s, g.end_s)] - t["end_s"])
        if lat > LATE_S:
            out["late"].append((g.kind, t.get("direction", ""), round(t["end_s"], 2), round(lat, 2)))
        if t.get("kind") not in ("tilt", "rotate"):
            out["peak"].append(g.peak_tibial_inclination_deg - t["peak_tibial_inclination_deg"])
            out["peak_at"].append(round(t["peak_s"], 2))
        if t.get("kind") in ("drive", "hold", "tilt", "rotate"):
            out["hold"].append(g.hold_s - t["hold_s"])
        if t.get("kind") == "calf-raise":
            out["ecc"].append(g.extra["down_s"] - t["down_s"])
    if drill == "knee-to-wall" and not events and got:
        out["k2w_best_err"] = reported_best_deg(got) - max(t["peak_tibial_inclination_deg"] for t in truth)
    return out


def reported_best_deg(reps: list[Any]) -> float:
    """The best the product reports (kneewall.side_result): the counted trials' peak, those whose heel may have
    lifted left out while another is left."""
    return float(reported_best_rep(reps).peak_tibial_inclination_deg)


def reported_best_rep(reps: list[Any]) -> Any:
    """The trial whose peak is reported_best_deg."""
    counted = [r for r in reps if not _flagged_invalid(r)] or reps
    clean = [r for r in counted if not getattr(r, "heel_uncertain", False)] or counted
    return max(clean, key=lambda r: r.peak_tibial_inclination_deg)


MatrixJob = tuple[str, str, str, str, int]  # model, sensor profile, drill, split, seed
MATRIX_DOCS = "docs/bench_matrix.md"
# session length per drill: the longest script of either model (seeds 1000, 1001, 7000, 7001, unshortened
# rests) plus a margin; what still runs past the end is counted as truncated and reported
MATRIX_SECONDS = {
    "knee-to-wall": 75.0,
    "wall-test-half-kneeling": 75.0,
    "banded-mobilization": 110.0,
    "banded-distraction": 200.0,
    "knee-circles": 110.0,
    "squat-rocks": 90.0,
    "calf-raises": 420.0,
    "reverse-lunge": 240.0,
    "clamshell": 300.0,
    "ankle-matrix": 220.0,
    "rocking-mobilization": 95.0,
}


def simulate_matrix_job(job: MatrixJob) -> SimResult:
    model, profile, drill, _split, seed = job
    seconds = MATRIX_SECONDS.get(drill, 300.0)
    rate = PROFILES[profile].rate_hz
    return simulate(
        SimParams(drill=drill, seconds=seconds, seed=seed, rate_hz=rate, sensor_profile=profile, model=model)
    )


BENCH_HOLD_S = (3.5, 4.0)  # still on each face, drawn per face (fit_six_face refuses holds of 3 s)
BENCH_TURN_S = 1.5  # turning the sensor over by hand to the next face
BENCH_TILT_MAX_DEG = 0.5  # the table's tilt, drawn up to this (a real table, not levelled)


def _face_matrix(axis: int, sign: float) -> np.ndarray:
    """A sensor-to-earth rotation with the sensor's ``axis`` pointing ``sign`` × up."""
    r2 = sign * np.eye(3)[axis]
    r0 = np.eye(3)[(axis + 1) % 3]
    return np.stack([r0, np.cross(r2, r0), r2])


def _rot_z(angle_rad: float) -> np.ndarray:
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def six_face_recording(
    errors: SensorErrors,
    rate_hz: float,
    rng: np.random.Generator,
    tilt_max_deg: float = BENCH_TILT_MAX_DEG,
    hold_s: tuple[float, float] = BENCH_HOLD_S,
) -> tuple[Recording, float]:
    """The six-face bench recording of one unit (calibration/README.md): the sensor laid on each face in a
    random order, turned about the vertical by hand, on a table tilted by a random angle up to
    ``tilt_max_deg``, still on each for a time drawn in ``hold_s``; the unit's own errors, noise, bias walks
    and quantisation (sim.sensor.apply_errors). Returns the recording and the table's tilt in degrees."""
    tilt_deg = float(rng.uniform(0.0, tilt_max_deg))
    tilt_axis = rng.uniform(0.0, 2.0 * math.pi)
    table = Rotation.from_rotvec(math.radians(tilt_deg) * np.array([math.cos(tilt_axis), math.sin(tilt_axis), 0.0]))
    poses = [
        table.as_matrix() @ _rot_z(rng.uniform(0.0, 2.0 * math.pi)) @ _face_matrix(axis, sign)
        for axis, sign in [(a, sg) for a in range(3) for sg in (1.0, -1.0)]
    ]
    poses = [poses[i] for i in rng.permutation(6)]
    mats: list[np.ndarray] = []  # sensor-to-earth per sample
    rates: list[np.ndarray] = []  # body rate, rad/s, sensor frame
    for k, pose in enumerate(poses):
        n_hold = int(rng.uniform(*hold_s) * rate_hz)
        mats.append(np.repeat(pose[None], n_hold, axis=0))
        rates.append(np.zeros((n_hold, 3)))
        if k == len(poses) - 1:
            break
        rotvec = Rotation.from_matrix(pose.T @ poses[k + 1]).as_rotvec()  # body frame
        n_turn = int(BENCH_TURN_S * rate_hz)
        tau = (np.arange(n_turn) + 0.5) / n_turn
        u = (1.0 - np.cos(math.pi * tau)) / 2.0  # smooth start and stop
        du_dt = math.pi / (2.0 * BENCH_TURN_S) * np.sin(math.pi * tau)
        mats.append(pose[None] @ Rotation.from_rotvec(u[:, None] * rotvec).as_matrix())
        rates.append(du_dt[:, None] * rotvec[None, :])
    r = np.concatenate(mats)
    acc = r[:, 2, :] * GRAVITY_MPS2  # specific force at rest: earth's up in sensor axes, × g
    gyr = np.degrees(np.concatenate(rates))
    acc, gyr, _ = apply_errors(acc, gyr, errors, rate_hz, rng)
    return Recording(np.arange(len(acc)) / rate_hz, acc, gyr, source="simulated:six-face bench"), tilt_deg


def session_errors(sim: SimResult) -> SensorErrors:
    """The sensor errors the simulator drew for this session's unit (the bench records the same unit)."""
    s = sim.sensor
    return SensorErrors(
        gyro_bias_dps=np.asarray(s["gyro_bias_dps"]),
        accel_bias_mps2=np.asarray(s["accel_bias_mps2"]),
        gyro_scale=np.asarray(s["scale"]["gyro"]),
        accel_scale=np.asarray(s["scale"]["accel"]),
        profile=PROFILES[sim.params.sensor_profile],
    )


def bench_calibrated(sim: SimResult) -> tuple[Recording, UnitCalibration]:
    """The session's samples as `dorsi analyze --profile` feeds them to the pipeline after a six-face bench
    calibration of the same unit: only the bench recording reaches the fit."""
    rng = np.random.default_rng([sim.params.seed, 6, PROFILE_NAMES.index(sim.params.sensor_profile)])
    bench, _tilt_deg = six_face_recording(session_errors(sim), sim.params.rate_hz, rng)
    cal, _periods = fit_six_face(bench.chunk)
    return UnitProfile(name="bench unit", unit=cal).apply(sim.recording), cal


def _flagged_invalid(rep: Any) -> bool:
    """Whether the counter marked a rep invalid (today's Rep has no such flag: never)."""
    valid = getattr(rep, "valid", None)
    if valid is None:
        valid = rep.extra.get("valid", True)
    return valid is False


def run_matrix_one(job: MatrixJob, calibrated: bool = False) -> dict[str, Any]:
    """One matrix session: counts, peak / hold / eccentric errors, what became of the invalid trials
    (``calibrated``: analysed after a six-face bench calibration of its unit, bench_calibrated)."""
    model, profile, drill, split, seed = job
    sim = simulate_matrix_job(job)
    rec, cal = bench_calibrated(sim) if calibrated else (None, None)
    counter = count_chunked(sim, lambda *_: None, rec, unit_calibrated=calibrated)
    detected = [r for r in counter.reps if not r.partial]
    truth, invalid = sim.counted_reps, sim.invalid_reps
    pairs = match(truth + invalid, detected)
    counted_ok = [(i, j) for i, j in pairs if i < len(truth) and not _flagged_invalid(detected[j])]
    got = [r for r in detected if not _flagged_invalid(r)]
    out: dict[str, Any] = {
        "model": model,
        "profile": profile,
        "drill": drill,
        "split": split,
        "seed": seed,
        "n_truth": len(truth),
        "n_got": len(got),
        "exact": len(got) == len(truth) and len(counted_ok) == len(truth),
        "peak": [],
        "hold": [],
        "ecc": [],
        "invalid": {"flagged": 0, "counted": 0, "unseen": 0},
        "truncated": len(sim.truncated_reps),
        "hours": sim.params.seconds / 3600.0,
    }
    if cal is not None:  # the fit against the unit's drawn errors (reported, never used)
        errors = session_errors(sim)
        out["fit_offset_err_mps2"] = float(np.max(np.abs(np.asarray(cal.acc_offset_mps2) - errors.accel_bias_mps2)))
        out["fit_scale_err"] = float(np.max(np.abs(np.asarray(cal.acc_scale) - errors.accel_scale)))
    for i, j in counted_ok:
        t, g = truth[i], detected[j]
        if t.get("kind") not in ("tilt", "rotate"):
            out["peak"].append(g.peak_tibial_inclination_deg - t["peak_tibial_inclination_deg"])
        if t.get("kind") in ("drive", "hold", "tilt", "rotate"):
            out["hold"].append(g.hold_s - t["hold_s"])
        if t.get("kind") == "calf-raise":
            down = g.extra.get("down_s")
            out["ecc"].append(math.nan if down is None else down - t["down_s"])
    seen = {i: j for i, j in pairs}
    for k in range(len(invalid)):
        j = seen.get(len(truth) + k)
        key = "unseen" if j is None else ("flagged" if _flagged_invalid(detected[j]) else "counted")
        out["invalid"][key] += 1
    if drill == "knee-to-wall" and got and truth:
        out["best_deg"] = reported_best_deg(got)
        out["best_err"] = out["best_deg"] - max(t["peak_tibial_inclination_deg"] for t in truth)
        # that trial's own peak against the trial it is (its angle's error, whichever trial was chosen)
        j_best = next(j for j, r in enumerate(detected) if r is reported_best_rep(got))
        performed = truth + invalid
        i_best = next((i for i, j in pairs if j == j_best), None)
        if i_best is not None:
            out["best_trial_err"] = out["best_deg"] - performed[i_best]["peak_tibial_inclination_deg"]
    if not out["exact"] and split == "tuning":  # what went wrong, to look into (never a held-out session)
        out["misses"] = _misses(truth, invalid, detected, pairs)
    return out


def _rep_text(kind: str, direction: str, a: float, b: float, peak: float) -> str:
    return f"{kind} {direction} {a:.2f}–{b:.2f} s peak {peak:.1f}°".replace("  ", " ")


def _misses(
    truth: list[dict[str, Any]], invalid: list[dict[str, Any]], detected: list[Any], pairs: list[tuple[int, int]]
) -> list[str]:
    """Each performed rep not counted (unseen, or judged invalid), each invalid trial counted, and each counted
    rep not performed: which rep, which channel (its kind and direction), and what the segmenter saw there
    (the detected reps near it; for a rep judged invalid, the reason)."""
    out = []
    got_of = dict(pairs)  # index into truth + invalid → detected
    matched_g = set(got_of.values())
    for i, t in enumerate(truth + invalid):
        j = got_of.get(i)
        a, b = t["start_s"], t["end_s"]
        peak = t.get("peak_tibial_inclination_deg", math.nan)
        if j is not None:
            g = detected[j]
            bad = _flagged_invalid(g)
            if bad == (i >= len(truth)):
                continue  # a valid rep counted, or an invalid trial flagged: right
            what = "judged invalid" if bad else "invalid trial counted"
            reason = g.extra.get("invalid_reason", getattr(g, "invalid_reason", "")) if bad else ""
            out.append(f"{what} #{i} {_rep_text(t.get('kind', ''), t.get('direction', ''), a, b, peak)} {reason}")
            continue
        if i >= len(truth):
            continue  # an invalid trial not seen at all: not counted, right
        near = [g for g in detected if g.start_s < b + 2.0 and g.end_s > a - 2.0]
        seen = "; ".join(
            _rep_text(g.kind, g.extra.get("direction", ""), g.start_s, g.end_s, g.peak_tibial_inclination_deg)
            for g in near
        )
        extra = {k: t[k] for k in ("peak_frontal_tilt_deg", "peak_axial_rotation_deg", "knee") if k in t}
        out.append(
            f"missed #{i} {_rep_text(t.get('kind', ''), t.get('direction', ''), a, b, peak)} {extra}"
            f" | counted near: {seen or 'none'}"
        )
    for j, g in enumerate(detected):
        if j in matched_g or _flagged_invalid(g):
            continue  # matched (listed above), or not counted
        near = [t for t in truth if t["start_s"] < g.end_s + 2.0 and t["end_s"] > g.start_s - 2.0]
        seen = "; ".join(
            _rep_text(
                t.get("kind", ""),
                t.get("direction", ""),
                t["start_s"],
                t["end_s"],
                t.get("peak_tibial_inclination_deg", math.nan),
            )
            for t in near
        )
        extra = {k: round(v, 2) for k, v in g.extra.items() if isinstance(v, float) and "deg" in k}
        got = _rep_text(g.kind, g.extra.get("direction", ""), g.start_s, g.end_s, g.peak_tibial_inclination_deg)
        out.append(f"extra {got} {extra} valid={not _flagged_invalid(g)} | performed near: {seen or 'none'}")
    return out


GAIT_MOVEMENTS = ("walk", "stepping", "jogging", "turning")  # never calibrate: analysed on the known strap
MIXED_MOVEMENTS = ("walk-then-calibrate", "drill-walk-drill")  # a real calibration found in the stream
GaitJob = tuple[str, str, int, tuple[str, ...], str]  # movement, split, seed, drills, sensor profile ("": as always)


def _gait_windows(sim: SimResult) -> list[tuple[float, float]]:
    return [(float(e["start_s"]), float(e["end_s"])) for e in sim.events if e["name"] == "gait"]


def run_gait_one(job: GaitJob) -> dict[str, Any]:
    """One non-drill session analysed as every drill (the live session over the whole file in one chunk):
    counted reps (trials for the tests) that overlap a stretch of gait and are no scripted rep (the mixed
    sessions' knee drives: their peak inside one), and that gait's duration."""
    from dorsi.virtual.sim.nondrill import simulate_movement

    movement, split, seed, drills, profile = job
    # the reference model at 200 Hz (as always), or a profile's sensor errors at the rate it streams at
    sim = (
        simulate_movement(movement, seed)
        if not profile
        else simulate_movement(movement, seed, rate_hz=PROFILES[profile].rate_hz, sensor_profile=profile)
    )
    rate = sim.params.rate_hz
    windows = _gait_windows(sim)
    known = sim.calibration["strap_rotation_deg"] if movement in GAIT_MOVEMENTS else None
    out: dict[str, Any] = {
        "movement": movement,
        "split": split,
        "seed": seed,
        "gait_h": sum(b - a for a, b in windows) / 3600.0,
        "false": {},
        "invalid": {},
        "spans": {},
    }
    for drill in drills:
        session = LiveSession(SessionSpec(rate_hz=rate, side=sim.params.side, drill=drill, strap_rotation_deg=known))
        session.feed(sim.recording.chunk)
        session.finish()
        assert session.counter is not None
        reps = [r for r in session.counter.reps if not r.partial]

        def in_gait(r: Any) -> bool:
            # a real rep of the mixed sessions (its peak inside a scripted rep) is no false rep, even when its
            # start is found inside the walk's last settling (tuning seed 1069: a knee drive opened 15 ms early)
            real = any(t["start_s"] <= r.peak_s <= t["end_s"] for t in sim.reps)
            return not real and any(r.start_s < b and r.end_s > a for a, b in windows)

        out["false"][drill] = sum(1 for r in reps if r.valid and in_gait(r))
        out["spans"][drill] = [(r.start_s, r.end_s) for r in reps if r.valid and in_gait(r)]
        out["invalid"][drill] = sum(1 for r in reps if not r.valid and in_gait(r))
    return out


def gait_seeds(split: str, n: int, tuning_from: int | None = None) -> list[int]:
    """A split's seeds for --gait: the first n, or (tuning only) n from ``tuning_from`` on, all within TUNING."""
    if split != "tuning" or tuning_from is None:
        return seeds(split, n)  # type: ignore[arg-type]
    out = list(range(tuning_from, tuning_from + n))
    for s in out:
        assert_tunable(s)
        if split_of(s) != "tuning":
            raise ValueError(f"seed {s} is outside TUNING {TUNING.start}–{TUNING.stop - 1}")
    return out


def false_reps_per_hour(
    n_seeds: int = 20,
    movements: tuple[str, ...] = GAIT_MOVEMENTS + MIXED_MOVEMENTS,
    drills: tuple[str, ...] = DRILL_IDS,
    splits: tuple[str, ...] = tuple(SPLITS),
    tuning_from: int | None = None,
    list_reps: bool = False,
    profile: str = "",
) -> str:
    """Counted reps (trials, for the tests) per hour of gait, by drill × movement, tuning beside held-out;
    ``profile``: the movement on that sensor profile at its rate ("": the reference model at 200 Hz).

    Walking, stepping, jogging and turning never calibrate: they are analysed on their known strap
    rotation (counting starts at the first still sample). walk-then-calibrate and drill-walk-drill carry
    the real calibration sequence and knee-to-wall reps: only reps overlapping the walk count as false, and of
    those not a real knee drive found starting early (its peak inside a scripted rep).
    """
    jobs: list[GaitJob] = [
        (m, sp, s, drills, profile) for m in movements for sp in splits for s in gait_seeds(sp, n_seeds, tuning_from)
    ]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run_gait_one, jobs, chunksize=2))
    wall = time.perf_counter() - t0
    seed_text = "; ".join(f"{sp} {gait_seeds(sp, n_seeds, tuning_from)[0]}…" for sp in splits)
    on_profile = f"; {profile} sensor at {PROFILES[profile].rate_hz:g} Hz" if profile else ""
    lines = [
        f"{len(results)} non-drill sessions × {len(drills)} drills ({n_seeds} seeds per movement and split: "
        f"{seed_text}{on_profile}), {wall:.0f} s wall on 2 workers. Cell: counted per hour of gait "
        "(count; judged invalid: stepping, foot or heel lifted).",
        "",
        "| drill | movement | " + " | ".join(f"{sp} /h" for sp in splits) + " |",
        "|---|---|" + "---|" * len(splits),
    ]
    total = {sp: 0 for sp in splits}
    for d in drills:
        for m in movements:
            cells = []
            for sp in splits:
                rs = [r for r in results if (r["movement"], r["split"]) == (m, sp)]
                hours = sum(r["gait_h"] for r in rs)
                n = sum(r["false"][d] for r in rs)
                inv = sum(r["invalid"][d] for r in rs)
                total[sp] += n
                cells.append(f"{n / hours:.1f} ({n}; {inv} not counted)")
            lines.append(f"| {d} | {m} | " + " | ".join(cells) + " |")
    hours = {sp: sum(r["gait_h"] for r in results if r["split"] == sp) for sp in splits}
    lines.insert(
        1,
        "Total: "
        + "; ".join(f"{sp} {total[sp]} counted in {hours[sp]:.2f} h of gait × {len(drills)} drills" for sp in splits),
    )
    if list_reps:  # the tuning split's counted reps, to look into (never the held-out's: not tuned on)
        lines += ["", "Counted (tuning): movement seed drill start–end s"]
        lines += [
            f"- {r['movement']} {r['seed']} {d} {a:.2f}–{b:.2f}"
            for r in results
            if r["split"] == "tuning"
            for d in drills
            for a, b in r["spans"][d]
        ]
    return "\n".join(lines)


def _cell(rs: list[dict[str, Any]]) -> str:
    """One split's figures for one (profile, drill, model): exact, peak/hold/eccentric p95, invalid trials."""
    if not rs:
        return "– | – | – | – | –"
    peak = [x for r in rs for x in r["peak"]]
    hold = [x for r in rs for x in r["hold"]]
    every = [x for r in rs for x in r["ecc"]]
    ecc = [x for x in every if math.isfinite(x)]
    inv = {k: sum(r["invalid"][k] for r in rs) for k in ("flagged", "counted", "unseen")}
    n_inv = sum(inv.values())
    reps = f"{sum(r['n_got'] for r in rs)}/{sum(r['n_truth'] for r in rs)} reps"
    exact = f"{sum(r['exact'] for r in rs)}/{len(rs)} ({reps})"
    ecc_s = (
        "–"
        if not every
        else f"{pct(ecc, 95):.2f}" + (f" ({len(every) - len(ecc)} n/m)" if len(ecc) < len(every) else "")
    )
    inv_s = "–" if not n_inv else f"{inv['flagged']}/{n_inv} ({inv['counted']} counted)"
    peak_s = f"{pct(peak, 95):.2f}" if peak else "–"
    hold_s = f"{pct(hold, 95):.2f}" if hold else "–"
    return f"{exact} | {peak_s} | {hold_s} | {ecc_s} | {inv_s}"


def matrix_table(results: list[dict[str, Any]], profiles: list[str], drills: list[str], models: list[str]) -> str:
    head = (
        "| profile | drill | model | exact (tuning) | peak p95 ° | hold p95 s | ecc p95 s | invalid flagged "
        "| exact (held-out) | peak p95 ° | hold p95 s | ecc p95 s | invalid flagged |"
    )
    lines = [head, "|" + "---|" * 13]
    for p in profiles:
        for d in drills:
            for m in models:
                cells = [
                    _cell([r for r in results if (r["profile"], r["drill"], r["model"], r["split"]) == (p, d, m, sp)])
                    for sp in SPLITS
                ]
                lines.append(f"| {p} | {d} | {m} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def matrix_summary(results: list[dict[str, Any]], profiles: list[str], models: list[str]) -> str:
    """Per profile × model × split: sessions exact, and knee-to-wall's best-of-valid-trials error."""
    out = []
    for p in profiles:
        for m in models:
            parts = []
            for sp in SPLITS:
                rs = [r for r in results if (r["profile"], r["model"], r["split"]) == (p, m, sp)]
                if not rs:
                    continue
                best = [r["best_err"] for r in rs if "best_err" in r]
                b = f", knee-to-wall best {max(best, key=abs):+.2f}° worst" if best else ""
                n_exact = sum(r["exact"] for r in rs)
                parts.append(f"{sp} {n_exact}/{len(rs)} exact ({100 * n_exact / len(rs):.0f} %){b}")
            out.append(f"- {p} × {m}: " + "; ".join(parts))
    return "\n".join(out)


def bench_line(results: list[dict[str, Any]]) -> str:
    """How far the six-face fits fell from the units' drawn errors (the truth only reported here)."""
    off = [r["fit_offset_err_mps2"] for r in results]
    scale = [r["fit_scale_err"] for r in results]
    return (
        f"- bench-calibrated: every session analysed after a simulated six-face bench calibration of its own unit "
        f"(table tilted ≤ {BENCH_TILT_MAX_DEG}°, {BENCH_HOLD_S[0]:g}–{BENCH_HOLD_S[1]:g} s per face; "
        f"`dorsi analyze --profile` path); fit − drawn, worst axis: accelerometer offset p95 "
        f"{pct(off, 95) * 1000:.1f} mm/s² (max {max(off) * 1000:.1f}), scale p95 {pct(scale, 95) * 100:.3f} % "
        f"(max {max(scale) * 100:.3f} %)"
    )


def run_matrix(a: argparse.Namespace) -> None:
    profiles = a.profiles.split(",") if a.profiles else list(PROFILE_NAMES)
    models = a.models.split(",") if a.models else list(MODELS)
    drills = a.drills.split(",") if a.drills else list(DRILL_IDS)
    n = a.matrix_seeds
    splits = a.matrix_splits.split(",")
    split_seeds = {sp: gait_seeds(sp, n, a.matrix_from) for sp in splits}
    jobs: list[MatrixJob] = [
        (m, p, d, sp, s) for p in profiles for m in models for d in drills for sp in splits for s in split_seeds[sp]
    ]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(partial(run_matrix_one, calibrated=a.bench_calibrated), jobs, chunksize=1))
    wall = time.perf_counter() - t0
    rates = ", ".join(f"{p} {PROFILES[p].rate_hz:g} Hz" for p in profiles)
    text = "\n".join(
        [
            f"{len(results)} sessions: {len(profiles)} profiles × {len(drills)} drills × {len(models)} models × "
            f"{n} seeds per split (" + ", ".join(f"{sp} {v[0]}–{v[-1]}" for sp, v in split_seeds.items()) + "); "
            f"rates {rates}; {wall:.0f} s wall on 2 workers.",
            "",
            "Exact: sessions counted exactly (invalid trials must not count), with reps counted / performed. "
            "Errors: p95 of |detected − true| "
            "over matched reps. Invalid flagged: invalid trials (heel lift) the counter marked invalid, of all, "
            "and how many it counted as valid.",
            "",
            matrix_summary(results, profiles, models),
            f"- {sum(r['hours'] for r in results):.1f} h of recordings; reps cut off by a session's end: "
            f"{sum(r['truncated'] for r in results)}",
            "- false reps per hour of non-drill movement: `bench_reps.py --gait` (docs/drills.md)",
            *([bench_line(results)] if a.bench_calibrated else []),
            "",
            matrix_table(results, profiles, drills, models),
        ]
    )
    if a.list_misses:  # the tuning split's misses and extras, to look into (never the held-out's)
        text += "\n\nMisses and extra reps (tuning):\n" + "\n".join(
            f"- {r['profile']} × {r['model']} × {r['drill']} seed {r['seed']} ({r['n_got']}/{r['n_truth']}): {m}"
            for r in results
            for m in r.get("misses", [])
        )
    print(text)
    if a.docs != "-":
        cmd = "benchmarks/bench_reps.py --matrix" + (f" --matrix-seeds {n}" if n != 1 else "")
        for flag, val in (
            ("--matrix-splits", None if a.matrix_splits == "tuning,held-out" else a.matrix_splits),
            ("--matrix-from", None if a.matrix_from is None else str(a.matrix_from)),
            ("--profiles", a.profiles),
            ("--models", a.models),
            ("--drills", a.drills),
        ):
            if val:
                cmd += f" {flag} {val}"
        cmd += " --bench-calibrated" if a.bench_calibrated else ""
        doc = (
            "# Rep detection by sensor profile × drill × movement model (generated)\n\n"
            f"<!-- generated by `{cmd}`: do not edit by hand; re-run it -->\n\n"
            "Today's detector, measured on the simulator's sensor profiles (dorsi/virtual/sim/profiles.py) and "
            "both movement models (keyframe: the corpus's; velocity: model2.py, independent), tuning and "
            "held-out seeds (dorsi/virtual/sim/heldout.py) side by side.\n\n"
            f"Command: `.venv/bin/python {cmd}`\n\n" + text + "\n"
        )
        Path(a.docs).write_text(doc, encoding="utf-8")
        print(f"→ {a.docs}")


def pct(x: list[float], q: float) -> float:
    return float(np.percentile(np.abs(x), q)) if x else math.nan


def spct(x: list[float], q: float) -> float:
    return float(np.percentile(x, q)) if x else math.nan


def seeds_arg(text: str) -> list[int]:
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="seeds 0-1 (default 0-3), 20 people for the MDC (else 60)")
    ap.add_argument("--seeds", type=seeds_arg, help="e.g. 0-5 or 3,7")
    ap.add_argument("--rates", help="clean-session rates, e.g. 50,200,400 (events always at 200 Hz)")
    ap.add_argument("--drills", help="comma-separated drill ids (default: all)")
    ap.add_argument("--events", help="comma-separated event names: only sessions with these ('clean' = none)")
    ap.add_argument("--no-mdc", action="store_true", help="skip the knee-to-wall MDC people")
    ap.add_argument("--list-late", action="store_true", help=f"list every rep reported > {LATE_S} s after its end")
    ap.add_argument("--matrix", action="store_true", help="profile × drill × model, tuning vs held-out seeds")
    ap.add_argument("--gait", action="store_true", help="false reps per hour of walking, stepping, jogging")
    ap.add_argument("--gait-seeds", type=int, default=20, help="seeds per movement and split (default 20)")
    ap.add_argument("--gait-from", type=int, help="first tuning seed for --gait (default 1000; held-out unchanged)")
    ap.add_argument("--gait-splits", default="tuning,held-out", help="--gait: splits to run (default both)")
    ap.add_argument("--list-counted", action="store_true", help="--gait: list the tuning split's counted reps")
    ap.add_argument("--movements", help="comma-separated non-drill movements (default: all gait ones)")
    ap.add_argument("--matrix-seeds", type=int, default=1, help="seeds per split and cell (default 1)")
    ap.add_argument("--matrix-splits", default="tuning,held-out", help="--matrix: splits to run (default both)")
    ap.add_argument("--matrix-from", type=int, help="--matrix: first tuning seed (default 1000; held-out unchanged)")
    ap.add_argument("--list-misses", action="store_true", help="--matrix: list the tuning split's misses and extras")
    ap.add_argument(
        "--bench-calibrated",
        action="store_true",
        help="--matrix: analyse each session after a simulated six-face bench calibration of its own unit",
    )
    ap.add_argument(
        "--profiles",
        help=f"comma-separated sensor profiles (--matrix default all: {','.join(PROFILE_NAMES)}; "
        "--gait: each at its rate, default the reference model at 200 Hz)",
    )
    ap.add_argument("--models", help=f"comma-separated movement models (default all: {','.join(MODELS)})")
    ap.add_argument(
        "--docs", default=MATRIX_DOCS, help=f"where --matrix writes its table (default {MATRIX_DOCS}; - for none)"
    )
    a = ap.parse_args()
    if a.matrix:
        run_matrix(a)
        return
    if a.gait:
        movs = tuple(a.movements.split(",")) if a.movements else GAIT_MOVEMENTS + MIXED_MOVEMENTS
        gait_drills = tuple(a.drills.split(",")) if a.drills else DRILL_IDS
        splits = tuple(a.gait_splits.split(","))
        for profile in a.profiles.split(",") if a.profiles else [""]:
            print(false_reps_per_hour(a.gait_seeds, movs, gait_drills, splits, a.gait_from, a.list_counted, profile))
        return
    seeds = a.seeds if a.seeds is not None else list(range(2 if a.quick else 4))
    rates = tuple(float(r) for r in a.rates.split(",")) if a.rates else (50.0, 200.0, 400.0)
    drills = a.drills.split(",") if a.drills else list(DRILL_IDS)
    events = EVENTS
    if a.events:
        want = a.events.split(",")
        events = [e for e in EVENTS if (not e and "clean" in want) or (e and e[0] in want)]
    # clean sessions at every rate, messy events at 200 Hz
    jobs = corpus_jobs(seeds, rates, drills, events)
    if not a.no_mdc and "knee-to-wall" in drills:
        jobs += [("knee-to-wall", 100 + s, 200.0, ()) for s in range(20 if a.quick else 60)]  # for the MDC
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run_one, jobs, chunksize=2))
    wall = time.perf_counter() - t0
    print(
        f"corpus: {len(results)} sessions, {sum(r['audio_s'] for r in results) / 3600:.1f} h of recordings, "
        f"seeds {seeds[0]}–{seeds[-1]}, {wall:.0f} s wall on 2 workers"
    )
    print(
        f"{'drill':24s} {'exact':>7s} {'reps':>5s} {'miss':>4s} {'extra':>5s} {'peak p95/max °':>14s} "
        f"{'hold p95/max s':>14s} {'lat p50/p95/max s':>18s} {'>0.3s':>5s} {'seen p95/max s':>14s}"
    )
    all_lat: list[float] = []
    all_seen: list[float] = []
    for d in drills:
        rs = [r for r in results if r["drill"] == d]
        if not rs:
            continue
        peak = [x for r in rs for x in r["peak"]]
        hold = [x for r in rs for x in r["hold"]]
        lat = [x for r in rs for x in r["lat"]]
        seen = [x for r in rs for x in r["seen"]]
        all_lat += lat
        all_seen += seen
        print(
            f"{d:24s} {sum(r['exact'] for r in rs):3d}/{len(rs):<3d} {sum(r['n_truth'] for r in rs):5d} "
            f"{sum(r['missed'] for r in rs):4d} {sum(r['extra'] for r in rs):5d} "
            f"{pct(peak, 95):6.2f}/{pct(peak, 100):5.2f}  {pct(hold, 95):6.2f}/{pct(hold, 100):5.2f}  "
            f"{spct(lat, 50):+5.2f}/{spct(lat, 95):+5.2f}/{max(lat, default=math.nan):+5.2f} "
            f"{sum(x > LATE_S for x in lat):5d}  {spct(seen, 95):+5.2f}/{max(seen, default=math.nan):+5.2f}"
        )
    print(f"worst peak error per drill (> {PEAK_BAR_DEG}° marked *):")
    for d in drills:
        rs = [r for r in results if r["drill"] == d]
        cand = [(abs(e), e, r, at) for r in rs for e, at in zip(r["peak"], r["peak_at"], strict=True)]
        if cand:
            _, e, r, at = max(cand, key=lambda c: c[0])
            n_over = sum(c[0] > PEAK_BAR_DEG for c in cand)
            print(
                f"  {d:24s} {e:+.2f}° {'*' if abs(e) > PEAK_BAR_DEG else ' '} {list(r['events'])}@{r['rate']:.0f}Hz "
                f"s{r['seed']} peak at {at} s; {n_over} of {len(cand)} over"
            )
    print(
        "misses:",
        ", ".join(
            f"{r['drill']}{list(r['events'])}@{r['rate']:.0f}Hz s{r['seed']} {r['n_got']}/{r['n_truth']}"
            f" (missed {r['missed']}, extra {r['extra']})"
            for r in results
            if not r["exact"]
        )
        or "none",
    )
    for ev in events:
        rs = [r for r in results if r["events"] == ev]
        print(f"  events {list(ev)!s:18s}: {sum(r['exact'] for r in rs)}/{len(rs)} sessions exact")
    # the very slow (6-9 s) lowerings apart: their timing is noise-limited (docs/drills.md)
    for label, keep in (
        ("all", lambda r: True),
        ("slow", lambda r: "slow" in r["events"]),
        ("not slow", lambda r: "slow" not in r["events"]),
    ):
        every = [x for r in results if keep(r) for x in r["ecc"]]
        ecc = [x for x in every if math.isfinite(x)]  # down_s is null when the lowering was not measurable
        if every:
            print(
                f"calf-raise eccentric error ({label}): mean {np.mean(ecc):+.2f} s, p95 |err| {pct(ecc, 95):.2f} s, "
                f"max |err| {pct(ecc, 100):.2f} s, within ±0.5 s: {int(np.sum(np.abs(ecc) <= 0.5))} of {len(every)}"
                f" ({len(every) - len(ecc)} not measured)"
            )
    lat_a = np.asarray(all_lat)
    n_late = int(np.sum(lat_a > LATE_S))
    print(
        f"latency (closed − true end) over {len(lat_a)} matched reps: p50 {np.percentile(lat_a, 50):+.3f} s, "
        f"p95 {np.percentile(lat_a, 95):+.3f} s, p99 {np.percentile(lat_a, 99):+.3f} s, max {lat_a.max():+.3f} s; "
        f"{len(lat_a) - n_late} of {len(lat_a)} within {LATE_S} s ({n_late} later)"
    )
    seen_a = np.asarray(all_seen)
    print(
        f"as seen by a caller feeding {CHUNK_S} s chunks: p95 {np.percentile(seen_a, 95):+.3f} s, "
        f"max {seen_a.max():+.3f} s; {int(np.sum(seen_a <= LATE_S))} of {len(seen_a)} within {LATE_S} s"
    )
    late = [(r["drill"], list(r["events"]), r["rate"], r["seed"], x) for r in results for x in r["late"]]
    if a.list_late:
        for item in late:
            print("  late:", *item)
    cpu = sum(r["cpu_s"] for r in results)
    print(f"pipeline + counter CPU: {cpu / sum(r['audio_s'] for r in results) * 3600:.1f} s per hour of recording")
    errs = np.asarray([r["k2w_best_err"] for r in results if "k2w_best_err" in r])
    if len(errs) > 2:
        sem = float(np.std(errs, ddof=1))
        print(
            f"knee-to-wall best angle over {len(errs)} simulated people: bias {errs.mean():+.2f}°, SD (our SEM) "
            f"{sem:.2f}° → MDC95 = 1.96·√2·SEM = {1.96 * math.sqrt(2) * sem:.2f}°"
        )


if __name__ == "__main__":
    main()
