"""Which simulated sessions the calibration detector accepts: drills (must) and non-drill movement (never).

    .venv/bin/python benchmarks/bench_calibration.py drills OUT.json [--seeds 0-3]
    .venv/bin/python benchmarks/bench_calibration.py nondrill OUT.json [--seeds 0-199]
    .venv/bin/python benchmarks/bench_calibration.py profiles OUT.json [--n 5] [--drills a,b]
    .venv/bin/python benchmarks/bench_calibration.py compare BEFORE.json AFTER.json

``drills``: bench_reps' corpus (every drill × clean at 50/200/400 Hz and each messy event at 200 Hz ×
seeds), plus every drill at 200 Hz with the strap anywhere in ±180° (drawn from the seed), each cut to the
detector's 120 s search window (+10 s) since nothing later can change its answer. ``nondrill``: every
non-drill movement of dorsi.virtual.sim.nondrill × seeds (``--profile``: that sensor profile at the rate it
streams at; default the historical reference sensor at 200 Hz). Per session: accepted or not, the strap rotation
error, the reason when not. ``profiles``: every drill × sensor profile
(at the rate it streams at) × movement model × split (the first ``--n`` seeds of TUNING and of HELD_OUT,
dorsi.virtual.sim.heldout), acceptance per profile × model × split, tuning and held-out side by side,
with the reasons when not. ``compare`` lists drill sessions accepted BEFORE and not AFTER (exit 1 if any).
The causal pipeline runs over the window in one chunk (identical to any chunking).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from bench_reps import EVENTS, corpus_jobs, seeds_arg
from dorsi.drills import DRILL_IDS
from dorsi.motion import calibration as _calibration
from dorsi.motion.pipeline import PipelineParams, ShinPipeline
from dorsi.virtual.sim import SimParams, SimResult, simulate

WINDOW_S = 130.0  # the detector's search window (120 s) + margin
NOT_FOUND_REASON = getattr(_calibration, "NOT_FOUND_REASON", "")  # absent before reasons existed (a baseline run)


def _detect(sim: SimResult) -> dict[str, Any]:
    rec = sim.recording
    n = int(np.searchsorted(rec.time_s, WINDOW_S, side="right"))
    pipe = ShinPipeline(PipelineParams(rate_hz=sim.params.rate_hz))
    pipe.update(rec.chunk.slice(0, n))
    cal = pipe.calibration
    det = pipe.detector
    reason = (getattr(det.progress, "reason", "") if det is not None else "") or NOT_FOUND_REASON
    if cal is None:
        return {"accepted": False, "reason": reason}
    err = (cal.strap_rotation_deg - sim.calibration["strap_rotation_deg"] + 180.0) % 360.0 - 180.0
    return {"accepted": True, "strap_error_deg": round(err, 3), "end_s": round(cal.end_s, 3)}


def drill_job(job: tuple[str, int, float, tuple[str, ...], float | None]) -> tuple[str, dict[str, Any]]:
    drill, seed, rate, events, strap = job
    seconds = {"calf-raises": 420.0, "banded-distraction": 240.0}.get(drill, 300.0) * (2.5 if "slow" in events else 1)
    sim = simulate(
        SimParams(
            drill=drill,
            seconds=min(seconds, WINDOW_S),
            seed=seed,
            rate_hz=rate,
            events=events,
            strap_rotation_deg=strap,
        )
    )
    strap_s = "" if strap is None else f"|strap={strap:.1f}"
    return f"{drill}|{seed}|{rate:g}|{','.join(events)}{strap_s}", _detect(sim)


def nondrill_job(job: tuple[str, int, str]) -> tuple[str, dict[str, Any]]:
    from dorsi.virtual.sim.nondrill import simulate_movement
    from dorsi.virtual.sim.profiles import profile

    kind, seed, prof = job
    if prof == "reference":  # the historical sessions (200 Hz)
        return f"{kind}|{seed}", _detect(simulate_movement(kind, seed))
    sim = simulate_movement(kind, seed, rate_hz=profile(prof).rate_hz, sensor_profile=prof)
    return f"{kind}|{seed}", _detect(sim)


def profile_job(job: tuple[str, str, str, int]) -> tuple[str, dict[str, Any]]:
    from dorsi.virtual.sim.profiles import profile

    prof, model, drill, seed = job
    sim = simulate(
        SimParams(
            drill=drill,
            seconds=WINDOW_S,
            seed=seed,
            rate_hz=profile(prof).rate_hz,
            sensor_profile=prof,
            model=model,
        )
    )
    return f"{prof}/{model}|{drill}|{seed}", _detect(sim)


def _profiles_table(results: dict[str, Any]) -> None:
    from dorsi.virtual.sim.heldout import split_of

    cells: dict[str, dict[str, list[int]]] = {}
    reasons: dict[str, dict[str, int]] = {}
    for key, res in results.items():
        pm, _, seed = key.split("|")
        split = split_of(int(seed)) or "other"
        c = cells.setdefault(pm, {}).setdefault(split, [0, 0])
        c[0] += int(res["accepted"])
        c[1] += 1
        if not res["accepted"]:
            word = " ".join((res.get("reason") or "(no reason)").split(" ")[:4])
            reasons.setdefault(pm, {})[word] = reasons.setdefault(pm, {}).get(word, 0) + 1
    print(f"  {'profile/model':26s} {'tuning':>10s} {'held-out':>10s}  reasons when not")
    for pm in sorted(cells):
        tu, ho = cells[pm].get("tuning", [0, 0]), cells[pm].get("held-out", [0, 0])
        top = ", ".join(f"{k!r}×{v}" for k, v in sorted(reasons.get(pm, {}).items(), key=lambda kv: -kv[1])[:3])
        print(f"  {pm:26s} {tu[0]:4d}/{tu[1]:<5d} {ho[0]:4d}/{ho[1]:<5d}  {top}")


def _run(fn: Any, jobs: list[Any], workers: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with ProcessPoolExecutor(workers) as pool:
        for key, res in pool.map(fn, jobs, chunksize=4):
            out[key] = res
    return out


def _summary(results: dict[str, Any], group: int = 0) -> None:
    groups: dict[str, list[dict[str, Any]]] = {}
    for key, res in results.items():
        groups.setdefault(key.split("|")[group], []).append(res)
    for name, rows in groups.items():
        acc = [r for r in rows if r["accepted"]]
        errs = np.abs([r["strap_error_deg"] for r in acc]) if acc else np.zeros(0)
        reasons: dict[str, int] = {}
        for r in rows:
            if not r["accepted"]:
                word = (r.get("reason") or "(no reason)").split(" ")[:4]
                reasons[" ".join(word)] = reasons.get(" ".join(word), 0) + 1
        top = ", ".join(f"{k!r}×{v}" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1])[:3])
        e = f" |strap err| mean {errs.mean():.2f}° max {errs.max():.2f}°" if len(errs) else ""
        print(f"  {name:26s} accepted {len(acc):4d}/{len(rows):4d}{e}  {top}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("drills", "nondrill", "profiles", "compare"))
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--seeds", type=seeds_arg)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--n", type=int, default=5, help="profiles: seeds per split")
    ap.add_argument("--drills", help="profiles: drills (comma separated; default all)")
    ap.add_argument("--profile", default="reference", help="nondrill: the sensor profile (at its own rate)")
    ap.add_argument("--kinds", help="non-drill kinds (comma separated; default all)")
    a = ap.parse_args(argv)
    if a.what == "compare":
        before, after = (json.loads(Path(p).read_text()) for p in a.paths[:2])
        lost = [k for k, r in before.items() if r["accepted"] and not after.get(k, {}).get("accepted")]
        gained = [k for k, r in after.items() if r["accepted"] and not before.get(k, {}).get("accepted")]
        n_b = sum(r["accepted"] for r in before.values())
        n_a = sum(r["accepted"] for r in after.values() if r)
        print(f"accepted before {n_b}/{len(before)}, after {n_a}/{len(after)}; lost {len(lost)}, gained {len(gained)}")
        for k in lost:
            print(f"  lost {k}: {after.get(k)}")
        return 1 if lost else 0
    t0 = time.time()
    if a.what == "drills":
        seeds = a.seeds or [0, 1, 2, 3]
        jobs: list[Any] = [(*j, None) for j in corpus_jobs(seeds, (50.0, 200.0, 400.0), list(DRILL_IDS), EVENTS)]
        for d in DRILL_IDS:
            for s in seeds:
                strap = float(np.random.default_rng([s, 180]).uniform(-180.0, 180.0))
                jobs.append((d, s, 200.0, (), round(strap, 1)))
        results = _run(drill_job, jobs, a.workers)
    elif a.what == "profiles":
        from dorsi.virtual.sim.heldout import MODELS, PROFILE_NAMES
        from dorsi.virtual.sim.heldout import seeds as split_seeds

        drills = a.drills.split(",") if a.drills else list(DRILL_IDS)
        seeds = split_seeds("tuning", a.n) + split_seeds("held-out", a.n)
        pjobs = [(p, m, d, s) for p in PROFILE_NAMES for m in MODELS for d in drills for s in seeds]
        results = _run(profile_job, pjobs, a.workers)
    else:
        from dorsi.virtual.sim.nondrill import MOVEMENTS

        kinds = a.kinds.split(",") if a.kinds else list(MOVEMENTS)
        seeds = a.seeds or list(range(200))
        results = _run(nondrill_job, [(k, s, a.profile) for k in kinds for s in seeds], a.workers)
    with open(a.paths[0], "w") as f:
        json.dump(results, f, indent=0, sort_keys=True)
    print(f"{a.what}: {len(results)} sessions in {time.time() - t0:.0f} s, seeds {seeds[0]}–{seeds[-1]}")
    if a.what == "profiles":
        _profiles_table(results)
    else:
        _summary(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
