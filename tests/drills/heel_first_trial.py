"""Why the first wall-test trial after the step into half-kneeling can read a heel-down trial as lifted (a test
helper, an experiment not in the counter; tuning seeds only, 1000–1999). Issue 18, docs/drills.md "1103".

For each judged trial of one session it prints, against the simulator's truth:

- the filter's gyro-bias estimate, its own σ (VQF ``getBiasEstimate``) and its error (the session's
  SensorErrors bias plus its walk);
- the filter's tilt error (the angle between its gravity in the sensor frame and the truth's, °) at the trial's
  start and end, and how much it moved through the trial;
- the heel estimate on the filter's orientation, on the gyro's from the rest, and on the true orientation (the
  windows and inclination still the counter's).

Variants: ``full`` (as the matrix simulates), ``nogyro`` (no gyro bias or bias walk), ``clean`` (no sensor errors).

    python -m tests.drills.heel_first_trial MODEL PROFILE SEED [DRILL] [VARIANT]

``--table LO HI`` runs every profile and model on both heel-down drills and prints, for a session's first judged
trial and its later ones, heel-down trials' z = rise / σ (judged, and on each orientation alone) and how many
are rejected, then what three candidate rules would do (heel-down rejected, lifts called):

- ``disagree``: σ including half the two orientations' difference (the mean's standard error from two readings);
- ``both``: a lift called only when each orientation alone reads beyond the bar;
- ``rest drift``: the filter's and the gyro's orientation drifting apart on the rest (°/s), as a flag.

    python -m tests.drills.heel_first_trial --table LO HI
"""

from __future__ import annotations

import dataclasses
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any
from unittest import mock

import numpy as np

from dorsi.drills import validity
from dorsi.drills.params import ValidityParams
from dorsi.motion import orientation as O
from dorsi.motion import quat as Q
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim import SimParams, core, simulate
from dorsi.virtual.sim.heldout import assert_tunable
from dorsi.virtual.sim.profiles import PROFILE_NAMES, PROFILES

CHUNK = 8  # samples a feed: the pipeline's per-sample path, so the filter's state is read at every sample


def _simulate(model: str, profile: str, drill: str, seed: int, variant: str) -> tuple[Any, np.ndarray]:
    """The matrix's session (75 s) and the gyro's true bias per sample (°/s; nan without sensor errors)."""
    p = SimParams(
        drill=drill,
        seconds=75.0,
        seed=seed,
        rate_hz=PROFILES[profile].rate_hz,
        sensor_profile=profile,
        model=model,
        noise=variant != "clean",
    )
    cap: dict[str, np.ndarray] = {}
    real_draw, real_apply = core.SensorErrors.draw, core.apply_errors

    def draw(*a: Any, **k: Any) -> Any:
        e = real_draw(*a, **k)
        if variant == "nogyro":
            prof = dataclasses.replace(e.profile, gyro_bias_walk_dps_rts=0.0)
            e = dataclasses.replace(e, gyro_bias_dps=0.0 * e.gyro_bias_dps, profile=prof)
        return e

    def apply(*a: Any) -> Any:
        out = real_apply(*a)
        cap["bias"] = out[2]
        return out

    with mock.patch.object(core.SensorErrors, "draw", draw), mock.patch.object(core, "apply_errors", apply):
        sim = simulate(p)
    return sim, cap.get("bias", np.full((len(sim.recording.chunk), 3), np.nan))


def _table_job(args: tuple[str, str, str, int]) -> list[dict[str, Any]]:
    """Each judged trial of one session: its index, truth, the estimate, σ and the rest's drift rate (°/s)."""
    model, profile, drill, seed = args
    sim, _ = _simulate(model, profile, drill, seed, "full")
    real_gr, real_ank, real_heel = validity.gyro_rotations, validity.ankle_rise_fit, validity.MotionBuffer.heel_estimate
    cap: dict[str, Any] = {}
    got: list[tuple[float, Any, float, float]] = []

    def gr(t, q, g, k):
        rot = real_gr(t, q, g, k)
        cap["gyro"] = (t, q, rot, k)
        return rot

    def ank(t, up, fwd, incl, rest, hold, p=None, rate=None, lever_cm=None):
        cap["rest"] = rest
        return real_ank(t, up, fwd, incl, rest, hold, p, rate, lever_cm)

    def heel(self, start_s, end_s, band_deg, p, foot_cm):
        cap.clear()
        e = real_heel(self, start_s, end_s, band_deg, p, foot_cm)
        drift = math.nan
        if "gyro" in cap:
            t, q, rot, k = cap["gyro"]
            rest = cap["rest"]
            apart_deg = np.degrees(Q.to_matrix(q)[:, 2, :] - rot[:, 2, :])  # gravity in the sensor frame
            if rest.stop - rest.start > 3:
                drift = float(np.linalg.norm(np.polyfit(t[rest] - t[k], apart_deg[rest], 1)[0]))
        got.append((start_s, e, e.sigma_cm(p), drift))
        return e

    with (
        mock.patch.object(validity, "gyro_rotations", gr),
        mock.patch.object(validity, "ankle_rise_fit", ank),
        mock.patch.object(validity.MotionBuffer, "heel_estimate", heel),
    ):
        session = LiveSession(SessionSpec(rate_hz=sim.params.rate_hz, side=sim.params.side, drill=drill))
        session.feed(sim.recording.chunk)
        session.finish()
    truth = [r for r in sim.reps if not r.get("partial")]
    out = []
    for i, (s, e, sigma, drift) in enumerate(got):
        tr = min(truth, key=lambda r: abs(r["start_s"] - s))
        if abs(tr["start_s"] - s) > 2.0 or not (math.isfinite(e.rise_cm) and math.isfinite(sigma)):
            continue
        true_cm = float(tr.get("heel_lift_cm", 0.0) or 0.0)
        out.append({"drill": drill, "first": i == 0, "true": true_cm, "e": e, "sigma": sigma, "drift": drift})
    return out


def table(lo: int, hi: int) -> None:
    for seed in (lo, hi - 1):
        assert_tunable(seed)
    drills = ("knee-to-wall", "wall-test-half-kneeling")
    jobs = [
        (m, p, d, s) for m in ("keyframe", "velocity") for p in PROFILE_NAMES for d in drills for s in range(lo, hi)
    ]
    with ProcessPoolExecutor(2) as ex:
        trials = [t for res in ex.map(_table_job, jobs) for t in res]
    vp = ValidityParams()
    out = sys.stdout.write

    def bar(sigma: float) -> float:
        return max(vp.heel_down_max_cm, vp.sigma_z * sigma)

    def lifted(t: dict[str, Any], rule: str) -> bool:
        e, sigma = t["e"], t["sigma"]
        two = math.isfinite(e.gyro_cm)
        if rule == "disagree" and two:
            sigma = math.hypot(sigma, 0.5 * abs(e.filter_cm - e.gyro_cm))
        called = bool(e.rise_cm > bar(sigma))
        if rule == "both" and two:
            called = called and min(e.filter_cm, e.gyro_cm) > bar(sigma)
        return called

    for d in drills:
        for first in (True, False):
            down = [t for t in trials if t["drill"] == d and t["first"] == first and t["true"] == 0.0]
            z = np.array([t["e"].rise_cm / t["sigma"] for t in down])
            two = [t for t in down if math.isfinite(t["e"].gyro_cm)]
            fz = np.mean([t["e"].filter_cm / t["sigma"] for t in two]) if two else math.nan
            gz = np.mean([t["e"].gyro_cm / t["sigma"] for t in two]) if two else math.nan
            rejected = sum(lifted(t, "main") for t in down)
            out(
                f"{d} {'first' if first else 'later'} trials, heel-down n={len(down)}: "
                f"z {z.mean():+.2f} ± {z.std():.2f} (filter's orientation {fz:+.2f}, gyro's {gz:+.2f}), "
                f"rejected {rejected}\n"
            )
    drift_lim = np.quantile([t["drift"] for t in trials if t["true"] == 0.0 and math.isfinite(t["drift"])], 0.99)
    out(f"rest drift (°/s), heel-down 99th percentile {drift_lim:.2f}; rejected heel-down trials' drift: ")
    out(", ".join(f"{t['drift']:.2f}" for t in trials if t["true"] == 0.0 and lifted(t, "main")) + "\n")
    for rule in ("main", "disagree", "both"):
        parts = []
        for d in drills:
            down = [t for t in trials if t["drill"] == d and t["true"] == 0.0]
            up = [t for t in trials if t["drill"] == d and t["true"] > 0.0]
            parts.append(
                f"{d}: heel-down rejected {sum(lifted(t, rule) for t in down)} of {len(down)}, "
                f"lifts called {sum(lifted(t, rule) for t in up)} of {len(up)}"
            )
        out(f"{rule:9s} " + "; ".join(parts) + "\n")


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--table":
        table(int(argv[1]), int(argv[2]))
        return
    model, profile, seed = argv[0], argv[1], int(argv[2])
    drill = argv[3] if len(argv) > 3 else "wall-test-half-kneeling"
    variant = argv[4] if len(argv) > 4 else "full"
    assert_tunable(seed)
    sim, true_bias = _simulate(model, profile, drill, seed, variant)
    rec_t = sim.recording.chunk.time_s
    rows: list[list[float]] = []  # t, bias (°/s) ×3, its σ (°/s), quaternion ×4
    real_one, real_heel, real_gr = (
        O.OrientationEstimator.update_one,
        validity.MotionBuffer.heel_estimate,
        validity.gyro_rotations,
    )
    truth_ori = [False]

    def one(self, t, g, a):
        out = real_one(self, t, g, a)
        rows.append([t, *np.degrees(out[1]), math.degrees(self._vqf.getBiasEstimate()[1]), *out[0]])
        return out

    def gr(t, q, g, k):
        if truth_ori[0]:  # the true orientation in the gyro's place
            idx = np.clip(np.searchsorted(rec_t, t - 1e-9), 0, len(rec_t) - 1)
            return Q.to_matrix(sim.truth_quat_wxyz[idx])
        return real_gr(t, q, g, k)

    calls: list[tuple[float, float, Any, float, float]] = []

    def heel(self, start_s, end_s, band_deg, p, foot_cm):
        e = real_heel(self, start_s, end_s, band_deg, p, foot_cm)
        truth_ori[0] = True
        try:
            on_truth = real_heel(self, start_s, end_s, band_deg, p, foot_cm).gyro_cm
        finally:
            truth_ori[0] = False
        calls.append((start_s, end_s, e, on_truth, e.sigma_cm(p)))
        return e

    with (
        mock.patch.object(O.OrientationEstimator, "update_one", one),
        mock.patch.object(validity.MotionBuffer, "heel_estimate", heel),
        mock.patch.object(validity, "gyro_rotations", gr),
    ):
        session = LiveSession(SessionSpec(rate_hz=sim.params.rate_hz, side=sim.params.side, drill=drill))
        ch = sim.recording.chunk
        for a in range(0, len(ch), CHUNK):
            session.feed(ch.slice(a, min(len(ch), a + CHUNK)))
        session.finish()
    assert session.counter is not None
    f = np.array(rows)
    t = f[:, 0]
    up_f = Q.to_matrix(f[:, 5:9])[:, 2, :]
    up_t = Q.to_matrix(sim.truth_quat_wxyz[: len(f)])[:, 2, :]
    tilt_deg = np.degrees(np.cross(up_t, up_f))
    out = sys.stdout.write
    out(f"{model} {profile} {drill} seed {seed} ({variant})\n")
    truth = [r for r in sim.reps if not r.get("partial")]
    for s, e, est, on_truth, sigma in calls:
        i, j = (min(int(np.searchsorted(t, x)), len(t) - 1) for x in (s, e))
        tr = min(truth, key=lambda r: abs(r["start_s"] - s))
        det = next((c for c in session.counter.reps if abs(c.start_s - s) < 1e-6), None)
        berr = f[i, 1:4] - true_bias[min(i, len(true_bias) - 1)]
        out(
            f"  trial {s:5.1f}–{e:5.1f} s  true lift {tr.get('heel_lift_cm', 0.0) or 0.0:.1f} cm  "
            f"bias σ {f[i, 4]:.2f} °/s, error {np.round(berr, 2).tolist()}  "
            f"tilt error {np.linalg.norm(tilt_deg[i]):.2f} → {np.linalg.norm(tilt_deg[j]):.2f}° "
            f"(moved {np.linalg.norm(tilt_deg[j] - tilt_deg[i]):.2f}°)\n"
        )
        out(
            f"    heel cm: filter {est.filter_cm:+.2f}  gyro {est.gyro_cm:+.2f}  true orientation {on_truth:+.2f}  "
            f"judged {est.rise_cm:+.2f} ± {sigma:.2f}  {'' if det is None else det.invalid_reason}\n"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
