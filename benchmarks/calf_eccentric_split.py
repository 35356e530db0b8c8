"""Calf-raise eccentric error on the velocity model, split by the lowering's velocity profile and by end
(issue 18): which end of the lowering the fit misses, and how far the heel moves in the part it misses.

Per velocity profile of the scripted lowering (min-jerk, bell, trapezoid, early, late: script.PROFILES):
the reported ``down_s`` − the scripted one; the fitted start − the scripted start; the fitted end − the
scripted end (the heel down); the heel's travel (mm) between the scripted and the fitted start (late-peaking)
or end (early-peaking); and how long before the scripted end the fit's data stop (the judging). Tuning seeds
only. The fit is read by wrapping ``RaiseSegmenter._time_lowering``: a diagnostic, never the product.

    .venv/bin/python benchmarks/calf_eccentric_split.py [--from 1100] [--seeds 4] [--profiles reference,…]
"""

from __future__ import annotations

import argparse
import collections
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

sys.path.insert(0, "benchmarks")
import bench_reps as b
import dorsi.drills.vertical as vertical
import dorsi.virtual.sim.core as simcore
from dorsi.drills.lowering import Lowering
from dorsi.virtual.sim.heldout import PROFILE_NAMES, assert_tunable


def one(job: tuple[str, int]) -> list[dict[str, Any]]:
    """Every matched calf raise of one velocity-model session: its lowering's profile, errors, heel travel."""
    profile, seed = job
    assert_tunable(seed)
    scripts: list[Any] = []
    build = simcore.build_script

    def capture(*a: Any, **k: Any) -> Any:
        out = build(*a, **k)
        scripts.append(out[0])
        return out

    fits: dict[float, tuple[Lowering, float]] = {}  # by the rep's start: the fit and its last sample's time
    timing = vertical.RaiseSegmenter._time_lowering
    fit_of = vertical.lowering_time

    def watch(self: vertical.RaiseSegmenter) -> None:
        tail = self.state.tail
        if tail is None or tail.draft is None:
            timing(self)
            return
        seen: list[tuple[Lowering, float]] = []

        def fit(t: Any, v: Any, *a: Any) -> Lowering:
            f = fit_of(t, v, *a)
            seen.append((f, float(t[-1])))
            return f

        vertical.lowering_time = fit
        try:
            timing(self)
        finally:
            vertical.lowering_time = fit_of
        if seen:
            fits[round(tail.rep.start_s, 4)] = seen[0]

    simcore.build_script = capture
    vertical.RaiseSegmenter._time_lowering = watch
    try:
        sim = b.simulate_matrix_job(("velocity", profile, "calf-raises", "tuning", seed))
        counter = b.count_chunked(sim, lambda *_: None)
    finally:
        simcore.build_script = build
        vertical.RaiseSegmenter._time_lowering = timing
    script = scripts[-1]
    knot_t = np.asarray(script.knot_t)
    got = [r for r in counter.reps if not r.partial]
    truth = sim.counted_reps
    t_true, heel = sim.truth_time_s, sim.truth_heel_rise_m
    out = []
    for i, j in b.match(truth, got):
        t, g = truth[i], got[j]
        end = t["start_s"] + t["up_s"] + t["top_s"] + t["down_s"]  # the scripted lowering's end: heel down
        start = end - t["down_s"]
        shape = script.knot_p[int(np.argmin(np.abs(knot_t - end)))]
        f, last_s = fits.get(round(g.start_s, 4), (None, math.nan))
        row = {"shape": shape, "err": g.extra["down_s"] - t["down_s"], "start": math.nan, "end": math.nan}
        row.update(travel_mm=math.nan, data_left_s=end - last_s)
        if f is not None:
            row["start"], row["end"] = f.t0_s - start, f.t0_s + f.dur_s - end
            top = float(np.interp(start, t_true, heel))
            if row["start"] > 0.0:
                row["travel_mm"] = 1000.0 * (top - float(np.interp(f.t0_s, t_true, heel)))
            elif row["end"] < 0.0:
                row["travel_mm"] = 1000.0 * float(np.interp(f.t0_s + f.dur_s, t_true, heel))
        out.append(row)
    return out


def _line(name: str, rows: list[dict[str, Any]]) -> str:
    def col(key: str) -> Any:
        x = np.asarray([r[key] for r in rows], dtype=float)
        return x[np.isfinite(x)]

    e, s, d, mm, left = col("err"), col("start"), col("end"), col("travel_mm"), col("data_left_s")
    travel = f"{np.median(mm):5.2f} / {mm.max():5.2f}" if mm.size else "    –"
    return (
        f"| {name} | {len(rows)} | {e.mean():+.2f} | {np.percentile(e, 5):+.2f} | {np.percentile(e, 95):+.2f} "
        f"| {np.percentile(np.abs(e), 95):.2f} | {s.mean():+.2f} ± {s.std():.2f} | {d.mean():+.2f} ± {d.std():.2f} "
        f"| {travel} | {np.median(left):.2f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="first", type=int, default=1100, help="first tuning seed (default 1100)")
    ap.add_argument("--seeds", type=int, default=4, help="seeds per profile (default 4)")
    ap.add_argument("--profiles", default=",".join(PROFILE_NAMES), help="comma-separated sensor profiles")
    args = ap.parse_args()
    seeds = range(args.first, args.first + args.seeds)
    for s in seeds:
        assert_tunable(s)
    profiles = args.profiles.split(",")
    jobs = [(p, s) for p in profiles for s in seeds]
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, jobs))
    head = (
        "| lowering | n | err mean | p5 | p95 | p95 abs | start err (s) | end err (s) | heel travel missed, "
        "median / max (mm) | data stop before heel down (s, median) |"
    )
    for p in profiles:
        rows = [r for (q, _), rs in zip(jobs, results, strict=True) if q == p for r in rs]
        by: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        for r in rows:
            by[r["shape"]].append(r)
        print(f"\n{p}, velocity model, tuning seeds {seeds.start}–{seeds.stop - 1}\n\n{head}\n" + "|---" * 10 + "|")
        for name in sorted(by):
            print(_line(name, by[name]))
        print(_line("all", rows))


if __name__ == "__main__":
    main()
