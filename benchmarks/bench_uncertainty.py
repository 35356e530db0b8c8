"""Is the knee-to-wall result's ± honest? Coverage of the reported ~95 % uncertainty on the simulated matrix.

For each sensor profile, knee-to-wall sessions of both movement models (bench_reps' matrix sessions), raw and
after a simulated six-face bench calibration of the session's own unit (bench_reps --bench-calibrated): the
fraction of sessions whose reported best (kneewall.side_result's) lies within the reported ± of the true best.

Two bounds per session (dorsi.drills.kneewall.uncertainty at the reported best):
- product: the one the user sees, from the product sensor kind the profile stands for (reference → dorsi,
  witmotion, metamotion, consumer-mpu → a file of unknown origin) and its datasheet tolerance
  (SessionSpec.sensor_tolerance); bench-calibrated: the fit's residual.
- physics: the same formula with the simulator profile's own drawn tolerance (its accel_bias_max_mps2 and
  scale_error_max, the gyro's scale drawn within the same ±): does the formula cover the errors it is given?

    .venv/bin/python benchmarks/bench_uncertainty.py [--seeds 25] [--split tuning|held-out] [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_reps import run_matrix_one
from dorsi.drills.kneewall import uncertainty
from dorsi.motion.accuracy import SensorTolerance
from dorsi.motion.sensor_calibration import SixFaceError
from dorsi.session import SessionSpec
from dorsi.virtual.sim.heldout import MODELS, PROFILE_NAMES, seeds
from dorsi.virtual.sim.profiles import PROFILES

# the product sensor kind each simulator profile stands for (None: a file of unknown origin, MPU-class)
KIND_OF_PROFILE: dict[str, str | None] = {
    "reference": "dorsi",
    "witmotion": "witmotion",
    "metamotion": "metamotion",
    "consumer-mpu": None,
}


def bounds(profile: str, best_deg: float, calibrated: bool) -> tuple[float, float]:
    """(product, physics) ~95 % bounds in degrees for a session's best."""
    spec = SessionSpec(
        rate_hz=PROFILES[profile].rate_hz, sensor_kind=KIND_OF_PROFILE[profile], unit_calibrated=calibrated
    )
    product = uncertainty(best_deg, None, spec.sensor_tolerance)["uncertainty_deg"]
    p = PROFILES[profile]
    # the simulator draws the gyro's scale error within the same ± as the accelerometer's (sim.sensor)
    drawn = SensorTolerance(p.accel_bias_max_mps2, p.scale_error_max, p.scale_error_max, f"simulator {profile}")
    physics = uncertainty(best_deg, None, drawn.bench_calibrated() if calibrated else drawn)["uncertainty_deg"]
    return float(product), float(physics)


def one(job: tuple[str, str, str, str, int], calibrated: bool) -> dict[str, Any]:
    try:
        r = run_matrix_one(job, calibrated=calibrated)
    except SixFaceError as e:  # the simulated bench recording refused by the fit (a user would record again)
        return {"profile": job[1], "model": job[0], "seed": job[4], "calibrated": calibrated, "refused": str(e)}
    out = {"profile": r["profile"], "model": r["model"], "seed": r["seed"], "calibrated": calibrated}
    out["heel_lift_counted"] = r["invalid"]["counted"] > 0  # a heel-lift trial the heel check let through
    if "best_deg" in r:
        out["err"] = r["best_err"]
        out["trial_err"] = r.get("best_trial_err", float("nan"))
        out["product"], out["physics"] = bounds(r["profile"], r["best_deg"], calibrated)
    return out


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| profile | unit | sessions | product ± median ° | physics ± median ° | best-trial error p95 ° "
        "| inside product ± | inside physics ± | best vs true best p95 ° | inside product ± | inside physics ± |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in PROFILE_NAMES:
        for cal in (False, True):
            rs = [r for r in results if r["profile"] == p and r["calibrated"] == cal and "err" in r]
            if not rs:
                continue
            prod, phys = np.array([r["product"] for r in rs]), np.array([r["physics"] for r in rs])
            cells = [f"{p} | {'bench-calibrated' if cal else 'raw'} | {len(rs)}", f"{np.median(prod):.2f}"]
            cells.append(f"{np.median(phys):.2f}")
            for key in ("trial_err", "err"):
                err = np.abs([r[key] for r in rs])  # nan (trial unmatched) counts as outside
                cells.append(f"{np.nanpercentile(err, 95):.2f}")
                cells += [f"{np.mean(err <= prod):.0%}", f"{np.mean(err <= phys):.0%}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def outside(results: list[dict[str, Any]]) -> list[str]:
    """The sessions outside the product's ±, for a look (tuning only)."""
    lift = " (heel-lift trial counted)"
    return [
        f"- {r['profile']} {'calibrated' if r['calibrated'] else 'raw'} {r['model']} seed {r['seed']}: "
        f"best trial's error {r['trial_err']:+.2f}° (vs true best {r['err']:+.2f}°) vs ± {r['product']:.2f}°"
        f"{lift if r['heel_lift_counted'] else ''}"
        for r in results
        if "err" in r and not abs(r["trial_err"]) <= r["product"]
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=25, help="seeds per model (default 25)")
    ap.add_argument("--split", default="tuning", choices=("tuning", "held-out"))
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    jobs = [(m, p, "knee-to-wall", a.split, s) for p in PROFILE_NAMES for m in MODELS for s in seeds(a.split, a.seeds)]
    results: list[dict[str, Any]] = []
    with ProcessPoolExecutor(a.workers) as pool:
        for cal in (False, True):
            results += list(pool.map(partial(one, calibrated=cal), jobs, chunksize=2))
    refused = [r for r in results if "refused" in r]
    missing = sum(1 for r in results if "err" not in r and "refused" not in r)
    print(
        f"knee-to-wall, {a.split} seeds {seeds(a.split, a.seeds)[0]}–{seeds(a.split, a.seeds)[-1]} × "
        f"{len(MODELS)} models; {missing} sessions without a best; {len(refused)} simulated bench recordings "
        "refused by the fit (left out of the calibrated rows)\n"
    )
    for r in refused:
        print(f"- refused: {r['profile']} {r['model']} seed {r['seed']}: {r['refused']}")
    print(table(results))
    if a.split == "tuning":
        print("\nOutside the product's ±:")
        print("\n".join(outside(results)))


if __name__ == "__main__":
    main()
