"""Shin-angle accuracy on simulated sessions (issue 2's bar: inclination RMSE ≤ 1.0°,
frontal tilt RMSE ≤ 1.5° after calibration).

Sweeps every drill × seeds × rates 50/100/200/400 Hz with gyro bias up to ±1.5 °/s and 1 %
packet loss, the strap rotation drawn in ±45° (or, with --strap-extremes, each session at
-45° and at +45°); prints per-drill mean and worst RMSE and the strap-rotation error, live and
offline, how many sessions miss the bar and the worst ones.

    bench_accuracy.py [seeds=5] [--seed0 1000] [--strap-extremes] [--live-only]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dorsi.analysis import analyze_recording
from dorsi.drills import DRILL_IDS
from dorsi.virtual.sim import SimParams, simulate

RATES_HZ = (50.0, 100.0, 200.0, 400.0)
INCLINATION_BAR_DEG = 1.0
FRONTAL_BAR_DEG = 1.5


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("seeds", nargs="?", type=int, default=5)
    ap.add_argument("--seed0", type=int, default=1000)
    ap.add_argument("--strap-extremes", action="store_true", help="strap at -45° and +45° instead of drawn")
    ap.add_argument("--live-only", action="store_true")
    args = ap.parse_args(argv)
    straps: tuple[float | None, ...] = (-45.0, 45.0) if args.strap_extremes else (None,)
    modes = (False,) if args.live_only else (False, True)
    t0 = time.perf_counter()
    rows: dict[str, list[tuple[float, ...]]] = {}
    sessions: list[tuple[float, float, str]] = []  # live (incl, frontal, label) for the worst list
    failures = 0
    for drill in DRILL_IDS:
        for seed in range(args.seed0, args.seed0 + args.seeds):
            for rate in RATES_HZ:
                for strap in straps:
                    sim = simulate(
                        SimParams(drill=drill, seconds=60.0, seed=seed, rate_hz=rate, strap_rotation_deg=strap)
                    )
                    for offline in modes:
                        res = analyze_recording(sim.recording, offline=offline)
                        if res.calibration is None:
                            failures += 1
                            continue
                        after = res.after_calibration
                        psi_err = abs(res.calibration.strap_rotation_deg - sim.calibration["strap_rotation_deg"])
                        incl = rmse(res.tibial_inclination_deg[after], sim.truth_tibial_inclination_deg[after])
                        frontal = rmse(res.frontal_tilt_deg[after], sim.truth_frontal_tilt_deg[after])
                        rows.setdefault(f"{drill}|{offline}", []).append((incl, frontal, psi_err))
                        if not offline:
                            psi = sim.calibration["strap_rotation_deg"]
                            sessions.append((incl, frontal, f"{drill} seed {seed} {rate:g} Hz strap {psi:+.0f}°"))
    n = len(RATES_HZ) * args.seeds * len(straps)
    strap_text = "strap ±45° (both)" if args.strap_extremes else "strap drawn in ±45°"
    print(
        f"{len(DRILL_IDS)} drills × seeds {args.seed0}–{args.seed0 + args.seeds - 1} × rates {RATES_HZ} Hz,"
        f" {strap_text}, 60 s each; calibration not found: {failures}"
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
        if not vals:
            continue
        arr = np.array(vals)
        mode = "offline" if offline else "live"
        print(
            f"{'ALL':24s} {mode:8s} {arr[:, 0].mean():9.2f}° / {arr[:, 0].max():4.2f}°"
            f" {arr[:, 1].mean():10.2f}° / {arr[:, 1].max():4.2f}° {arr[:, 2].mean():8.2f}° / {arr[:, 2].max():4.2f}°"
            f"  over the bar: inclination {int((arr[:, 0] > INCLINATION_BAR_DEG).sum())}/{len(arr)},"
            f" frontal {int((arr[:, 1] > FRONTAL_BAR_DEG).sum())}/{len(arr)}"
        )
    print("worst live sessions (inclination / frontal RMSE):")
    for incl, frontal, label in sorted(sessions, reverse=True)[:5]:
        print(f"  {incl:.2f}° / {frontal:.2f}°  {label}")
    print(f"took {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
