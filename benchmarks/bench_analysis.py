"""End-to-end speed of `dorsi analyze` on a 1 h, 200 Hz recording (720 k samples).

Prints seconds for: reading the CSV, the bare VQF filter on the same arrays, and
the whole analysis (read + orientation + calibration + angles + summary), the
ratio of the last to the first two (target ≤ 1.5×, < 5 s), and the live
per-sample cost of ShinPipeline.update for notification-sized chunks
(target ≤ 20 µs mean).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from vqf import VQF

from dorsi.analysis import analyze_recording
from dorsi.io.rawcsv import read_raw_csv, write_raw_csv
from dorsi.motion.pipeline import PipelineParams, ShinPipeline
from dorsi.virtual.sim import SimParams, simulate

RATE_HZ = 200.0


ROUNDS = 5


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seconds", nargs="?", type=float, default=3600.0, help="recording length (default 3600)")
    seconds = ap.parse_args(argv).seconds
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hour.csv"
        t0 = time.perf_counter()
        sim = simulate(SimParams(drill="banded-distraction", seconds=seconds, seed=1, rate_hz=RATE_HZ))
        write_raw_csv(path, sim.recording)
        took_s = time.perf_counter() - t0
        print(f"generated {len(sim.recording)} samples ({seconds:.0f} s at {RATE_HZ:.0f} Hz) in {took_s:.1f} s")
        del sim

        # read, bare filter and analysis back to back in each round, the ratio taken within the round:
        # this shared host's speed drifts by tens of per cent between minutes
        rounds = []
        for _ in range(ROUNDS):
            t_read, rec = timed(lambda: read_raw_csv(path))
            gyr = np.ascontiguousarray(np.radians(rec.gyr_dps))
            acc = np.ascontiguousarray(rec.acc_mps2)
            t0 = time.perf_counter()
            VQF(1.0 / RATE_HZ).updateBatch(gyr, acc)
            t_bare = time.perf_counter() - t0
            del rec, gyr, acc
            t_total, _ = timed(lambda: analyze_recording(read_raw_csv(path)).summary())
            rounds.append((t_read, t_bare, t_total, t_total / (t_read + t_bare)))
        t_offline, _ = timed(lambda: analyze_recording(read_raw_csv(path), offline=True).summary())
    print(f"{'round':>5s} {'read CSV':>9s} {'bare VQF':>9s} {'analyze':>8s} {'ratio':>6s}")
    for i, (t_read, t_bare, t_total, ratio) in enumerate(rounds, 1):
        print(f"{i:5d} {t_read:8.2f}s {t_bare:8.2f}s {t_total:7.2f}s {ratio:5.2f}x")
    ratios = sorted(r[3] for r in rounds)
    totals = [r[2] for r in rounds]
    print(
        f"dorsi analyze (live): {min(totals):.2f}-{max(totals):.2f} s; ratio to read + bare filter "
        f"median {ratios[len(ratios) // 2]:.2f}x, range {ratios[0]:.2f}-{ratios[-1]:.2f}x (target <= 1.5x, < 5 s)"
    )
    print(f"dorsi analyze --offline  {t_offline:6.2f} s")
    print(f"peak RSS                 {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    n = int(60 * RATE_HZ)
    chunk = simulate(
        SimParams(drill="banded-mobilization", seconds=n / RATE_HZ + 1, seed=2, rate_hz=RATE_HZ)
    ).recording.chunk
    # the floor of any per-sample Python path on this host: VQF's own update, one call per sample
    gyr_rows = list(np.radians(chunk.gyr_dps))
    acc_rows = list(chunk.acc_mps2)
    vqf = VQF(1.0 / RATE_HZ)
    t0 = time.perf_counter()
    for g, a in zip(gyr_rows, acc_rows, strict=True):
        vqf.update(g, a)
        vqf.getQuat6D()
    floor_us = (time.perf_counter() - t0) / len(chunk) * 1e6
    print(f"bare VQF.update + getQuat6D, one sample per call: {floor_us:5.1f} µs per sample (this host's floor)")
    for size in (1, 3, 10):
        pipe = ShinPipeline(PipelineParams(rate_hz=RATE_HZ))
        parts = [chunk.slice(i, i + size) for i in range(0, len(chunk), size)]
        t0 = time.perf_counter()
        for part in parts:
            pipe.update(part)
        per_sample_us = (time.perf_counter() - t0) / len(chunk) * 1e6
        print(
            f"live update, {size:2d}-sample chunks: {per_sample_us:5.1f} µs per sample "
            f"(60 s incl. calibration; {per_sample_us / floor_us:.1f}x the floor)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
