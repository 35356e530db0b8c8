"""The heel check's lever, one fact per session: each judged trial's fitted lever against the simulator's truth
(``person.lever_m``), and the heel judged on other levers (a test helper; tuning seeds only, 1000–1999).

For every trial the counter judges, each orientation's rise (filter, gyro) is recomputed on:

    fit         the lever the trial's own forward displacement gives (the estimate before issue 18's range)
    held        that lever held to where a strap can sit (ValidityParams.lever_min_cm–lever_max_cm: today's)
    true_lever  the simulator's lever (the sensor's skin offset nominal)
    others      the median of the session's other trials' levers (both orientations' mean; every trial: an
                upper bound for a live count)
    earlier     the median of the earlier trials' levers (what a live count could know; the first trial: fit)

and each is judged as the counter does (over max(heel_down_max_cm, sigma_z · σ)).

    python -m tests.drills.heel_lever LO HI [PROFILES] [MODELS] [DRILLS]
"""

from __future__ import annotations

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

WAYS = ("fit", "held", "true_lever", "others", "earlier")


def trials(model: str, profile: str, drill: str, seed: int) -> list[dict[str, Any]]:
    """Every judged trial of the matrix session: truth, σ, each orientation's fitted lever and the heel on each way."""
    sim = _simulate(model, profile, drill, seed, "full")
    true_cm = 100.0 * float(sim.person["lever_m"])
    real_fit, real_heel = validity.ankle_rise_fit, validity.MotionBuffer.heel_estimate
    calls: list[tuple[Any, ...]] = []
    got: list[dict[str, Any]] = []

    def fit_spy(*a: Any, **k: Any) -> tuple[float, float]:
        r = real_fit(*a, **k)
        if k.get("lever_cm") is None and len(a) < 9:
            calls.append((a, r[1]))
        return r

    def heel_spy(self: Any, start_s: float, end_s: float, band_deg: float, p: ValidityParams, foot_cm: float) -> Any:
        calls.clear()
        est = real_heel(self, start_s, end_s, band_deg, p, foot_cm)
        got.append({"start_s": start_s, "sigma": est.sigma_cm(p), "foot_cm": foot_cm, "calls": list(calls)})
        return est

    with (
        mock.patch.object(validity, "ankle_rise_fit", fit_spy),
        mock.patch.object(validity.MotionBuffer, "heel_estimate", heel_spy),
    ):
        session = LiveSession(SessionSpec(rate_hz=sim.params.rate_hz, side=sim.params.side, drill=drill))
        session.feed(sim.recording.chunk)
        session.finish()
    assert session.counter is not None
    by_start = {round(g["start_s"], 3): g for g in got}
    rows = []
    for r in sim.reps:
        if r.get("partial") or r.get("kind") not in ("drive", None):
            continue
        full = [c for c in session.counter.reps if not c.partial]
        det = min(full, key=lambda c: abs(c.start_s - r["start_s"]), default=None)
        g = by_start.get(round(det.start_s, 3)) if det is not None and abs(det.start_s - r["start_s"]) <= 2.0 else None
        if g is None or len(g["calls"]) != 2 or not math.isfinite(det.heel_rise_cm):
            continue
        rows.append({"true": float(r.get("heel_lift_cm", 0.0) or 0.0), "first": not rows, "lever_true": true_cm, **g})
    levers = [0.5 * (row["calls"][0][1] + row["calls"][1][1]) for row in rows]
    p = ValidityParams()
    out = []
    for k, row in enumerate(rows):
        others = [x for j, x in enumerate(levers) if j != k and math.isfinite(x)]
        earlier = [x for x in levers[:k] if math.isfinite(x)]
        heels: dict[str, list[float]] = {w: [] for w in WAYS}
        for args, lever in row["calls"]:
            given = {
                "fit": None,
                "held": min(max(lever, p.lever_min_cm), p.lever_max_cm),
                "true_lever": true_cm,
                "others": float(np.median(others)) if others else None,
                "earlier": float(np.median(earlier)) if earlier else None,
            }
            for w, lev in given.items():
                ankle = real_fit(*args, lever_cm=lev)[0]
                heels[w].append(validity.heel_rise_from_ankle_cm(ankle, row["foot_cm"]))
        out.append(
            {
                "model": model,
                "profile": profile,
                "drill": drill,
                "seed": seed,
                "true": row["true"],
                "first": row["first"],
                "sigma": row["sigma"],
                "lever_err": [lev - true_cm for _, lev in row["calls"]],
                **{w: float(np.mean(h)) for w, h in heels.items()},
            }
        )
    return out


def _job(args: tuple[str, str, str, int]) -> list[dict[str, Any]]:
    return trials(*args)


def report(res: list[dict[str, Any]]) -> None:
    out = sys.stdout.write
    p = ValidityParams()

    def bar(r: dict[str, Any]) -> float:
        return max(p.heel_down_max_cm, p.sigma_z * r["sigma"])

    for key in sorted({(r["profile"], r["model"], r["drill"]) for r in res}):
        rows = [r for r in res if (r["profile"], r["model"], r["drill"]) == key]
        down = [r for r in rows if r["true"] == 0.0]
        up = [r for r in rows if r["true"] > 0.0]
        out(f"{' '.join(key)}: heel-down n={len(down)}, lifted n={len(up)}\n")
        for name, idx in (("filter", 0), ("gyro", 1)):
            for first in (True, False):
                e = np.array([r["lever_err"][idx] for r in down if r["first"] == first])
                e = e[np.isfinite(e)]
                if e.size:
                    out(
                        f"  lever − true, {name}'s orientation, {'first' if first else 'later'} trials: "
                        f"{e.mean():+.2f} ± {e.std():.2f} cm [{e.min():+.1f}, {e.max():+.1f}]\n"
                    )
        for w in WAYS:
            d = np.array([r[w] for r in down])
            rejected = sum(r[w] > bar(r) for r in down)
            s = f"  {w:10s} heel-down {d.mean():+.2f} ± {d.std():.2f} (max {d.max():.2f}), rejected {rejected}"
            if up:
                e = np.array([r[w] - r["true"] for r in up])
                caught = sum(r[w] > bar(r) for r in up)
                s += f"; lifts − true {e.mean():+.2f} ± {e.std():.2f}, caught {caught} of {len(up)}"
            out(s + "\n")


def main(argv: list[str]) -> None:
    jobs = jobs_of(argv, ["keyframe", "velocity"], ["knee-to-wall"])
    res: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=2) as pool:
        for rows in pool.map(_job, jobs):
            res += rows
    report(res)


if __name__ == "__main__":
    main(sys.argv[1:])
