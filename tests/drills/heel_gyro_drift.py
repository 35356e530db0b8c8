"""The gyro-carried heel estimate with the gyro's residual drift taken out (a test helper, an experiment not
in the counter; tuning seeds only, 1000–1999).

Carried from the rest's last sample by the gyro alone (validity.gyro_rotations), the orientation's tilt drifts
at the gyro's residual bias (the filter's bias estimate is off by up to ≈ 1 °/s early in a session): the
forward channel then reads g × that tilt, a ramp in time, which the end correction (linear in the inclination)
and the hold's mean do not take out. Both still ends see the ramp, so its slope is measured there: one line
slope common to the rest and the hold after its first SKIP_S seconds (each its own intercept), weighted by
max(0, 1 − (Z · its standard error / slope)²) (Z = 0: in full), subtracted from the forward channel (times the
time since the rest's last sample) before the estimate. Printed per profile × model, heel-down and lifted
trials: the filter's estimate, the gyro's, the gyro's with the drift out, the judged mean, and trials caught /
rejected at the 3 σ bar with the mean as the counter judges it → with the drift-corrected gyro in it.

    python -m tests.drills.heel_gyro_drift [--skip SKIP_S] [--z Z] LO HI [PROFILES] [MODELS] [DRILLS]

Not landed (docs/drills.md, "The gyro's residual drift"): it removes the gyro path's drift outliers, and with
them catches that rested on one (tuning matrix seed 1108: a 2.05 cm lift read 10.3 cm on the gyro's orientation).
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
from dorsi.session import LiveSession, SessionSpec
from tests.drills.heel_profiles import _simulate, jobs_of


def drift_slope(t: np.ndarray, a: np.ndarray, windows: tuple[slice, ...]) -> tuple[float, float]:
    """One line slope (m/s³) common to the windows, each with its own intercept, and its standard error from
    the windows' scatter about it."""
    num = den = 0.0
    parts = []
    for w in windows:
        tt, aa = t[w], a[w]
        if len(tt) < 3:
            continue
        tc = tt - tt.mean()
        num += float(tc @ (aa - aa.mean()))
        den += float(tc @ tc)
        parts.append((tc, aa - aa.mean()))
    if den <= 0.0:
        return 0.0, math.inf
    s = num / den
    return s, float(np.concatenate([aa - s * tc for tc, aa in parts]).std()) / math.sqrt(den)


def drift_weight(slope: float, se: float, z: float) -> float:
    return 1.0 if z <= 0.0 else (max(0.0, 1.0 - (z * se / slope) ** 2) if slope else 0.0)


def _job(args: tuple[str, str, str, int, float, float]) -> list[dict[str, Any]]:
    model, profile, drill, seed, skip_s, z = args
    sim = _simulate(model, profile, drill, seed, "full")
    calls: list[dict[str, Any]] = []
    real_ankle, real_heel = validity.ankle_rise_fit, validity.MotionBuffer.heel_estimate
    cur: list[float] = []

    def ankle_spy(t, up, fwd, incl, rest, hold, p=None, rate=None, lever_cm=None):  # type: ignore[no-untyped-def]
        r = real_ankle(t, up, fwd, incl, rest, hold, p, rate, lever_cm)
        if lever_cm is not None:
            return r  # the rise at the lever held to the shin's range: the first call's entry stands
        h0 = max(hold.start, min(int(np.searchsorted(t, t[hold.start] + skip_s)), hold.stop - 3))
        s, se = drift_slope(t, fwd, (rest, slice(h0, hold.stop)))
        s *= drift_weight(s, se, z)
        cur.append(real_ankle(t, up, fwd - s * (t - t[rest.stop - 1]), incl, rest, hold, p, rate)[0])
        return r

    def heel_spy(self, start_s, end_s, band_deg, p, foot_cm):  # type: ignore[no-untyped-def]
        cur.clear()
        e = real_heel(self, start_s, end_s, band_deg, p, foot_cm)
        drifted = validity.heel_rise_from_ankle_cm(cur[1], foot_cm) if len(cur) > 1 else math.nan
        calls.append({"start_s": start_s, "est": e, "gyro_drift": drifted})
        return e

    with (
        mock.patch.object(validity, "ankle_rise_fit", ankle_spy),
        mock.patch.object(validity.MotionBuffer, "heel_estimate", heel_spy),
    ):
        session = LiveSession(SessionSpec(rate_hz=sim.params.rate_hz, side=sim.params.side, drill=drill))
        session.feed(sim.recording.chunk)
        session.finish()
    assert session.counter is not None
    det = [c for c in session.counter.reps if not c.partial]
    out = []
    for r in sim.reps:
        if r.get("partial") or r.get("kind") not in ("drive", None):
            continue
        d = min(det, key=lambda c: abs(c.start_s - r["start_s"]), default=None)
        if d is None or abs(d.start_s - r["start_s"]) > 2.0:
            continue
        call = next((c for c in calls if abs(c["start_s"] - d.start_s) < 1e-9), None)
        if call is None:
            continue
        out.append({"key": (profile, model), "true": float(r.get("heel_lift_cm", 0.0) or 0.0), **call})
    return out


def _sd(x: list[float]) -> str:
    a = np.array([v for v in x if math.isfinite(v)])
    return f"{a.mean():+.2f} ± {a.std():.2f}" if a.size else "—"


def main(argv: list[str]) -> None:
    opts = {"--skip": 0.0, "--z": 0.0}
    while argv and argv[0] in opts:
        opts[argv[0]] = float(argv[1])
        argv = argv[2:]
    jobs = [
        (*j, opts["--skip"], opts["--z"])
        for j in jobs_of(argv, ["keyframe", "velocity"], ["knee-to-wall", "wall-test-half-kneeling"])
    ]
    p = ValidityParams()
    res: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        for rows in pool.map(_job, jobs):
            for r in rows:
                res.setdefault(r["key"], []).append(r)
    out = sys.stdout.write
    for (prof, model), rows in res.items():
        out(f"{prof} {model}:\n")
        for name, sel in (
            ("heel down", [r for r in rows if r["true"] == 0.0]),
            ("lifted", [r for r in rows if r["true"] > 0.0]),
        ):
            if not sel:
                continue
            err = {
                "filter": [r["est"].filter_cm - r["true"] for r in sel],
                "gyro": [r["est"].gyro_cm - r["true"] for r in sel],
                "gyro, drift out": [r["gyro_drift"] - r["true"] for r in sel],
                "judged (mean)": [r["est"].rise_cm - r["true"] for r in sel],
            }
            fixed = [dataclasses.replace(r["est"], gyro_cm=r["gyro_drift"]) for r in sel]
            called = sum(validity.judge_heel(r["est"], p).lifted for r in sel)
            called_fixed = sum(validity.judge_heel(e, p).lifted for e in fixed)
            mean_fixed = [e.rise_cm - r["true"] for e, r in zip(fixed, sel, strict=True)]
            out(
                f"  {name} (n={len(sel)}), est − true: "
                + ", ".join(f"{k} {_sd(v)}" for k, v in err.items())
                + f", mean with the drift out {_sd(mean_fixed)}; called {called} → {called_fixed}\n"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
