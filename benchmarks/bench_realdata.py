"""Real shank IMU recordings, when present: calibrations accepted, angle error vs truth, and plain VQF.

    .venv/bin/python benchmarks/bench_realdata.py [DIR]

DIR (default: $DORSI_REALDATA, else benchmarks/realdata/) holds one raw IMU CSV per trial in dorsi's
format (docs/formats.md: time_s, acc_*_mps2, gyr_*_dps; the sensor's +Y along the shin toward the
knee), and optionally ``<stem>.truth.csv`` beside it with columns ``time_s`` and
``tibial_inclination_deg`` (the shin's forward inclination from an optical or goniometer reference, on
the IMU's clock) — the layout ``dorsi simulate`` writes, so a converter from any dataset targets it.
No such recordings are in this repository (docs/measurement.md says what was looked for); without them
this prints one line and exits 0.

    .venv/bin/python benchmarks/bench_realdata.py --nondrill DIR

takes every CSV under DIR for a recording of movement that is no drill (walking, stairs, jogging) and
analyses it as each drill, as ``dorsi analyze --drill`` does: reps counted (each a false rep), listed as
not counted and why, per hour of recording. tools/realworld_to_csv.py converts the shin recordings of the
University of Mannheim's RealWorld (HAR) data set to this layout.

Per trial, ``dorsi analyze``'s analysis (causal VQF): whether a calibration was accepted (and why not),
and where there is truth the error of the inclination against it (bias = mean, spread = SD), next to
plain VQF: the same orientation read with the strap taken as straight (ψ = 0), no calibration at all.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from dorsi.analysis import analyze_recording
from dorsi.drills.catalog import DRILL_IDS
from dorsi.errors import DorsiError
from dorsi.io.rawcsv import read_raw_csv
from dorsi.motion.angles import shin_angles

DEFAULT_DIR = Path(__file__).resolve().parent / "realdata"


def _truth(csv: Path) -> tuple[np.ndarray, np.ndarray] | None:
    path = csv.with_name(csv.stem + ".truth.csv")
    if not path.is_file():
        return None
    with path.open() as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, header.index("time_s")], data[:, header.index("tibial_inclination_deg")]


def _error(t: np.ndarray, angle: np.ndarray, truth: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    tt, ta = truth
    inside = (t >= tt[0]) & (t <= tt[-1])
    return angle[inside] - np.interp(t[inside], tt, ta)


def nondrill(trials: list[Path]) -> int:
    """Each recording of non-drill movement analysed as every drill: false reps per hour, and why the rest
    were not counted."""
    recs = []
    for csv in trials:
        try:
            recs.append((csv, read_raw_csv(csv)))
        except DorsiError as exc:
            print(f"  {csv.name}: unreadable: {exc}")
    hours = sum(float(rec.time_s[-1] - rec.time_s[0]) for _, rec in recs) / 3600.0
    if not hours:
        print("bench_realdata --nondrill: no readable recording spans any time — skipped")
        return 0
    print(f"bench_realdata --nondrill: {len(recs)} recordings, {hours * 60:.1f} min, each analysed as every drill")
    print("| drill | counted | per hour | not counted (why) |")
    print("|---|---|---|---|")
    for drill in DRILL_IDS:
        counted = 0
        why: Counter[str] = Counter()
        for _, rec in recs:
            result = analyze_recording(rec, drill=drill)
            for rep in result.reps:
                if rep.get("partial"):
                    why["partial"] += 1
                elif rep.get("valid", True):
                    counted += 1
                else:
                    # the reason without its figures ("no data for 1.2 s …" → "no data"): one line a kind
                    reason = str(rep.get("invalid_reason", "")).split(" — ")[0]
                    why[re.split(r" (?:for )?[\d.]", reason)[0]] += 1
        listed = ", ".join(f"{n} {k}" for k, n in why.most_common())
        print(f"| {drill} | {counted} | {counted / hours:.1f} | {listed or '–'} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    movement = "--nondrill" in args
    args = [a for a in args if a != "--nondrill"]
    folder = Path(args[0]) if args else Path(os.environ.get("DORSI_REALDATA", DEFAULT_DIR))
    trials = sorted(p for p in folder.glob("*.csv") if not p.name.endswith(".truth.csv")) if folder.is_dir() else []
    if trials and movement:
        return nondrill(trials)
    if not trials:
        print(f"bench_realdata: no real recordings under {folder} (see docs/measurement.md) — skipped")
        return 0
    accepted = 0
    errs: dict[str, list[np.ndarray]] = {"dorsi": [], "plain vqf": []}
    for csv in trials:
        try:
            rec = read_raw_csv(csv)
        except DorsiError as exc:
            print(f"  {csv.name}: unreadable: {exc}")
            continue
        result = analyze_recording(rec)
        cal = result.calibration
        accepted += cal is not None
        line = (
            f"calibrated, strap {cal.strap_rotation_deg:+.1f}°"
            if cal is not None
            else f"not calibrated: {result.calibration_reason}"
        )
        truth = _truth(csv)
        if truth is not None:
            mine = _error(rec.time_s, result.tibial_inclination_deg, truth)
            plain = _error(rec.time_s, shin_angles(result.quat_wxyz, 0.0)[0], truth)
            errs["dorsi"].append(mine)
            errs["plain vqf"].append(plain)
            line += f"; error bias/SD {mine.mean():+.1f}/{mine.std():.1f}°"
            line += f" (plain vqf {plain.mean():+.1f}/{plain.std():.1f}°)"
        print(f"  {csv.name}: {line}")
    print(f"bench_realdata: {len(trials)} trials under {folder}: calibrations accepted {accepted}/{len(trials)}")
    for name, parts in errs.items():
        if parts:
            e = np.concatenate(parts)
            print(
                f"  {name:10s} error vs truth over {len(parts)} trials:"
                f" bias {e.mean():+.2f}°, spread (SD) {e.std():.2f}°"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
