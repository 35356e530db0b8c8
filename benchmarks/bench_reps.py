"""Rep detection over a generated corpus: exact counts, peak/hold/eccentric errors, latency; and our MDC.

Corpus: every drill × seeds × rates (50–400 Hz) × messy events, default sets and reps,
random strap rotation, gyro bias up to 1.5 °/s, 1 % packet loss. Each session goes
through the live pipeline and the RepCounter in 0.25 s chunks (as the app feeds it).

Latency = sample time at which the counter emitted a rep − the rep's true end (negative:
reported before the shin was fully back). MDC: the SD of (measured best − true best) of
the knee-to-wall test over many simulated people is our SEM; MDC95 = 1.96·√2·SEM.

    .venv/bin/python benchmarks/bench_reps.py [--quick]
"""

from __future__ import annotations

import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from dorsi.drills import DRILL_IDS, RepCounter
from dorsi.motion.pipeline import PipelineParams, ShinPipeline
from dorsi.virtual.sim import SimParams, simulate

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


def run_one(args: tuple[str, int, float, tuple[str, ...]]) -> dict[str, Any]:
    drill, seed, rate, events = args
    seconds = {"calf-raises": 420.0, "banded-distraction": 240.0}.get(drill, 300.0) * (2.5 if "slow" in events else 1)
    sim = simulate(SimParams(drill=drill, seconds=seconds, seed=seed, rate_hz=rate, events=events))
    chunk = sim.recording.chunk
    pipe = ShinPipeline(PipelineParams(rate_hz=rate))
    counter = RepCounter(drill, sim.params.side)
    step = max(1, round(0.25 * rate))
    t0 = time.perf_counter()
    for a in range(0, len(chunk), step):
        part = chunk.slice(a, min(len(chunk), a + step))
        counter.update(part, pipe.update(part), pipe.calibration)
    counter.finish()
    cpu_s = time.perf_counter() - t0
    got = [r for r in counter.reps if not r.partial]
    truth = sim.counted_reps
    out: dict[str, Any] = {
        "drill": drill,
        "events": events,
        "rate": rate,
        "seed": seed,
        "exact": len(got) == len(truth),
        "n_truth": len(truth),
        "n_got": len(got),
        "cpu_s": cpu_s,
        "audio_s": seconds,
        "peak": [],
        "hold": [],
        "ecc": [],
        "lat": [],
    }
    if out["exact"]:
        for t, g in zip(truth, got, strict=True):
            out["lat"].append(g.emitted_s - t["end_s"])
            if t.get("kind") not in ("tilt", "rotate"):
                out["peak"].append(g.peak_tibial_inclination_deg - t["peak_tibial_inclination_deg"])
            if t.get("kind") in ("drive", "hold", "tilt", "rotate"):
                out["hold"].append(g.hold_s - t["hold_s"])
            if t.get("kind") == "calf-raise":
                out["ecc"].append(g.extra["down_s"] - t["down_s"])
    if drill == "knee-to-wall" and not events and got:
        out["k2w_best_err"] = max(g.peak_tibial_inclination_deg for g in got) - max(
            t["peak_tibial_inclination_deg"] for t in truth
        )
    return out


def pct(x: list[float], q: float) -> float:
    return float(np.percentile(np.abs(x), q)) if x else math.nan


def main() -> None:
    quick = "--quick" in sys.argv
    seeds = range(2) if quick else range(4)
    rates = (50.0, 200.0, 400.0)
    jobs = [
        (d, s, r, e) for d in DRILL_IDS for s in seeds for r in rates for e in EVENTS if r == 200.0 or not e
    ]  # events at 200 Hz; clean sessions at every rate
    jobs += [("knee-to-wall", 100 + s, 200.0, ()) for s in range(20 if quick else 60)]  # for the MDC
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run_one, jobs, chunksize=2))
    wall = time.perf_counter() - t0
    print(
        f"corpus: {len(results)} sessions, {sum(r['audio_s'] for r in results) / 3600:.1f} h of recordings, "
        f"{wall:.0f} s wall on 2 workers"
    )
    print(
        f"{'drill':26s} {'sessions':>8s} {'exact':>6s} {'reps':>6s} {'peak p95/max °':>15s} "
        f"{'hold p95/max s':>15s} {'lat p50/p99/max s':>19s}"
    )
    all_lat: list[float] = []
    for d in DRILL_IDS:
        rs = [r for r in results if r["drill"] == d]
        exact = sum(r["exact"] for r in rs)
        peak = [x for r in rs for x in r["peak"]]
        hold = [x for r in rs for x in r["hold"]]
        lat = [x for r in rs for x in r["lat"]]
        all_lat += lat
        print(
            f"{d:26s} {len(rs):8d} {exact:6d} {sum(r['n_truth'] for r in rs):6d} "
            f"{pct(peak, 95):7.2f}/{pct(peak, 100):6.2f} {pct(hold, 95):7.2f}/{pct(hold, 100):6.2f} "
            f"{np.percentile(lat, 50) if lat else math.nan:+6.2f}/{np.percentile(lat, 99) if lat else math.nan:+6.2f}"
            f"/{max(lat) if lat else math.nan:+6.2f}"
        )
    print(
        "misses:",
        ", ".join(
            f"{r['drill']}{list(r['events'])}@{r['rate']:.0f}Hz s{r['seed']} {r['n_got']}/{r['n_truth']}"
            for r in results
            if not r["exact"]
        )
        or "none",
    )
    for ev in EVENTS:
        rs = [r for r in results if r["events"] == ev]
        print(f"  events {list(ev)!s:18s}: {sum(r['exact'] for r in rs)}/{len(rs)} sessions exact")
    ecc = [x for r in results for x in r["ecc"]]
    if ecc:
        print(
            f"calf-raise eccentric error: mean {np.mean(ecc):+.2f} s, p95 |err| {pct(ecc, 95):.2f} s, "
            f"max |err| {pct(ecc, 100):.2f} s, within ±0.5 s: {np.mean(np.abs(ecc) <= 0.5) * 100:.0f} %"
        )
    lat = np.asarray(all_lat)
    print(
        f"latency (emitted − true end) over {len(lat)} reps: p50 {np.percentile(lat, 50):+.3f} s, "
        f"p99 {np.percentile(lat, 99):+.3f} s, max {lat.max():+.3f} s; ≤ 0.3 s: {np.mean(lat <= 0.3) * 100:.1f} %"
    )
    cpu = sum(r["cpu_s"] for r in results)
    print(f"pipeline + counter CPU: {cpu / sum(r['audio_s'] for r in results) * 3600:.1f} s per hour of recording")
    errs = np.asarray([r["k2w_best_err"] for r in results if "k2w_best_err" in r])
    sem = float(np.std(errs, ddof=1))
    print(
        f"knee-to-wall best angle over {len(errs)} simulated people: bias {errs.mean():+.2f}°, SD (our SEM) "
        f"{sem:.2f}° → MDC95 = 1.96·√2·SEM = {1.96 * math.sqrt(2) * sem:.2f}°"
    )


if __name__ == "__main__":
    main()
