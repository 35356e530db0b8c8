"""Corpus sweep for the gait check: bench_reps' corpus (seeds 0-3, every drill, rate and event) through the
live session in 0.25 s chunks; lists every session not counted exactly and every rep judged "stepping" or
"foot lifted".

    .venv/bin/python benchmarks/gait_corpus.py [SEEDS, e.g. 0-3]
"""

import sys
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, "benchmarks")
import bench_reps as b
from dorsi.drills import DRILL_IDS
from dorsi.drills.gait import FOOT_LIFTED, STEPPING


def one(job):
    sim = b.simulate_job(job)
    c = b.count_chunked(sim, lambda *_: None)
    reps = [r for r in c.reps if not r.partial]
    bad = [(round(r.start_s, 2), r.invalid_reason) for r in c.reps if r.invalid_reason in (STEPPING, FOOT_LIFTED)]
    return job, len(reps), len(sim.counted_reps), bad


if __name__ == "__main__":
    seeds = b.seeds_arg(sys.argv[1]) if len(sys.argv) > 1 else [0, 1, 2, 3]
    jobs = b.corpus_jobs(seeds, (50.0, 200.0, 400.0), list(DRILL_IDS), b.EVENTS)
    n = tot = 0
    with ProcessPoolExecutor(max_workers=2) as pool:
        for job, got, truth, bad in pool.map(one, jobs, chunksize=2):
            n += 1
            tot += got
            if bad or got != truth:
                print(job, got, truth, bad, flush=True)
    print(f"{n} sessions, {tot} reps detected (not partial); stepping and foot-lifted flags listed above", flush=True)
