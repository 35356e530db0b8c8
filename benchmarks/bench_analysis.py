"""End-to-end speed of `dorsi analyze` on a 1 h, 200 Hz recording (720 k samples).

Prints seconds for: reading the CSV, the bare VQF filter on the same arrays, and
the whole analysis (read + orientation + calibration + angles + summary), the
ratio of the last to the first two (target ≤ 1.5×, < 5 s), and the live
per-sample cost of ShinPipeline.update for notification-sized chunks
(target ≤ 20 µs mean).
"""

from __future__ import annotations

import resource
import sys
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


def best_of(n: int, fn):  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv: list[str]) -> int:
    seconds = float(argv[1]) if len(argv) > 1 else 3600.0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hour.csv"
        t0 = time.perf_counter()
        sim = simulate(SimParams(drill="banded-distraction", seconds=seconds, seed=1, rate_hz=RATE_HZ))
        write_raw_csv(path, sim.recording)
        took_s = time.perf_counter() - t0
        print(f"generated {len(sim.recording)} samples ({seconds:.0f} s at {RATE_HZ:.0f} Hz) in {took_s:.1f} s")
        del sim

        t_read, rec = best_of(3, lambda: read_raw_csv(path))
        gyr = np.ascontiguousarray(np.radians(rec.gyr_dps))
        acc = np.ascontiguousarray(rec.acc_mps2)
        t_bare, _ = best_of(3, lambda: VQF(1.0 / RATE_HZ).updateBatch(gyr, acc))
        t_total, _ = best_of(3, lambda: analyze_recording(read_raw_csv(path)).summary())
        t_offline, _ = best_of(1, lambda: analyze_recording(read_raw_csv(path), offline=True).summary())
    baseline = t_read + t_bare
    print(f"read CSV                 {t_read:6.2f} s")
    print(f"bare VQF filter          {t_bare:6.2f} s")
    print(f"dorsi analyze (live)     {t_total:6.2f} s   ratio to read + bare filter: {t_total / baseline:.2f}x")
    print(f"dorsi analyze --offline  {t_offline:6.2f} s")
    print(f"peak RSS                 {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    n = int(60 * RATE_HZ)
    chunk = simulate(
        SimParams(drill="banded-mobilization", seconds=n / RATE_HZ + 1, seed=2, rate_hz=RATE_HZ)
    ).recording.chunk
    for size in (1, 3, 10):
        pipe = ShinPipeline(PipelineParams(rate_hz=RATE_HZ))
        parts = [chunk.slice(i, i + size) for i in range(0, len(chunk), size)]
        t0 = time.perf_counter()
        for part in parts:
            pipe.update(part)
        per_sample_us = (time.perf_counter() - t0) / len(chunk) * 1e6
        print(f"live update, {size:2d}-sample chunks: {per_sample_us:5.1f} µs per sample (60 s incl. calibration)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
