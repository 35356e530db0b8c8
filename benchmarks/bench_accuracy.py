"""Shin-angle accuracy on simulated sessions (issue 2's bar: inclination RMSE ≤ 1.0°,
frontal tilt RMSE ≤ 1.5° after calibration).

Sweeps every drill × seeds × rates 50/100/200/400 Hz with the strap rotation drawn in
±45°, gyro bias up to ±1.5 °/s and 1 % packet loss; prints per-drill mean and worst RMSE
and the strap-rotation error, live and offline.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from dorsi.analysis import analyze_recording
from dorsi.drills import DRILL_IDS
from dorsi.virtual.sim import SimParams, simulate

RATES_HZ = (50.0, 100.0, 200.0, 400.0)


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def main(argv: list[str]) -> int:
    seeds = int(argv[1]) if len(argv) > 1 else 5
    t0 = time.perf_counter()
    rows: dict[str, list[tuple[float, ...]]] = {}
    failures = 0
    for drill in DRILL_IDS:
        for seed in range(seeds):
            for rate in RATES_HZ:
                sim = simulate(SimParams(drill=drill, seconds=60.0, seed=1000 + seed, rate_hz=rate))
                for offline in (False, True):
                    res = analyze_recording(sim.recording, offline=offline)
                    if res.calibration is None:
                        failures += 1
                        continue
                    after = res.after_calibration
                    psi_err = abs(res.calibration.strap_rotation_deg - sim.calibration["strap_rotation_deg"])
                    rows.setdefault(f"{drill}|{offline}", []).append(
                        (
                            rmse(res.tibial_inclination_deg[after], sim.truth_tibial_inclination_deg[after]),
                            rmse(res.frontal_tilt_deg[after], sim.truth_frontal_tilt_deg[after]),
                            psi_err,
                        )
                    )
    n = len(RATES_HZ) * seeds
    print(
        f"{len(DRILL_IDS)} drills × {seeds} seeds × rates {RATES_HZ} Hz, 60 s each; calibration not found: {failures}"
    )
    header = f"{'drill':24s} {'mode':8s} {'incl RMSE mean/max':>20s} {'frontal RMSE mean/max':>22s}"
    print(f"{header} {'strap err mean/max':>19s}")
    overall: dict[bool, list[tuple[float, ...]]] = {False: [], True: []}
    for key, vals in rows.items():
        drill, offline = key.split("|")
        arr = np.array(vals)
        overall[offline == "True"].extend(vals)
        mode = "offline" if offline == "True" else "live"
        print(
            f"{drill:24s} {mode:8s} {arr[:, 0].mean():9.2f}° / {arr[:, 0].max():4.2f}°"
            f" {arr[:, 1].mean():10.2f}° / {arr[:, 1].max():4.2f}° {arr[:, 2].mean():8.2f}° / {arr[:, 2].max():4.2f}°"
            f"  (n={len(vals)}/{n})"
        )
    for offline, vals in overall.items():
        arr = np.array(vals)
        mode = "offline" if offline else "live"
        print(
            f"{'ALL':24s} {mode:8s} {arr[:, 0].mean():9.2f}° / {arr[:, 0].max():4.2f}°"
            f" {arr[:, 1].mean():10.2f}° / {arr[:, 1].max():4.2f}° {arr[:, 2].mean():8.2f}° / {arr[:, 2].max():4.2f}°"
        )
    print(f"took {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
