"""CPU time and peak memory of `dorsi analyze` against np.loadtxt + bare VQF, 1 h and 4 h at 200 Hz.

Each measurement is its own child process: CPU is the child's user + system
time (import and start-up included, on both sides), peak memory its ru_maxrss.
Compared with:
- baseline: ``np.loadtxt`` of the same CSV + ``vqf.VQF.updateBatch`` (gyro in
  rad/s, contiguous arrays) — what the analysis costs at least, without our reader;
- bare filter: ``updateBatch`` alone (CPU around the call, inside its child).
Rounds run the baseline and every dorsi variant back to back and take each
ratio within its round (this shared host's speed drifts by tens of per cent
between minutes). ``--drill`` runs each drill on a recording of that drill.

    python benchmarks/bench_analysis.py [--hours 1 4] [--rounds 3] [--drill all|none|NAME] [--markdown] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bytecode import ensure_compiled

RATE_HZ = 200.0
HERE = Path(__file__).resolve()


def child(mode: str, path: str, drill: str) -> None:
    """One measurement, in a fresh process; prints JSON on stdout."""
    t0 = time.process_time()
    out: dict[str, float] = {}
    if mode in ("baseline", "filter"):
        import numpy as np
        from vqf import VQF

        data = np.loadtxt(path, delimiter=",", skiprows=1)
        gyr = np.ascontiguousarray(np.radians(data[:, 4:7]))
        acc = np.ascontiguousarray(data[:, 1:4])
        t1 = time.process_time()
        VQF(1.0 / RATE_HZ).updateBatch(gyr, acc)
        out["filter_cpu_s"] = time.process_time() - t1
    elif mode == "gen":  # path: the CSV to write; drill: "NAME:HOURS"
        from dorsi.io.rawcsv import write_raw_csv
        from dorsi.virtual.sim import SimParams, simulate

        name, hours = drill.split(":")
        sim = simulate(SimParams(drill=name, seconds=float(hours) * 3600.0, seed=1, rate_hz=RATE_HZ))
        write_raw_csv(path, sim.recording)
    elif mode == "drills":
        from dorsi.drills import DRILL_IDS

        print(json.dumps(DRILL_IDS))
        return
    elif mode == "read":
        from dorsi.io.rawcsv import read_raw_csv

        read_raw_csv(path)
    elif mode == "analyze":
        import contextlib
        import io

        from dorsi.cli.main import main

        args = ["analyze", path, "--json"] + (["--drill", drill] if drill != "-" else [])
        with contextlib.redirect_stdout(io.StringIO()):
            rc = main(args)
        if rc != 0:
            raise SystemExit(f"dorsi {' '.join(args)} exited {rc}")
    out["inner_cpu_s"] = time.process_time() - t0
    print(json.dumps(out))


def measure(mode: str, path: Path, drill: str = "-") -> dict[str, float]:
    """Run one child; its whole CPU (user + system) and peak RSS from wait4."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE), "--child", mode, str(path), drill], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    text = proc.stdout.read().splitlines()[-1]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"child {mode} {drill} failed ({proc.returncode})")
    got = json.loads(text)
    got["cpu_s"] = usage.ru_utime + usage.ru_stime
    got["rss_mb"] = usage.ru_maxrss / 1024
    return got


def recording(tmp: Path, drill: str, hours: float) -> Path:
    """A simulated recording of the drill, written by a child: this process stays small, since a
    child's ru_maxrss starts at its parent's size when it forks."""
    path = tmp / f"{drill}-{hours:g}h.csv"
    if not path.exists():
        measure("gen", path, f"{drill}:{hours:g}")
    return path


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    lo, hi = min(values), max(values)
    med = statistics.median(values)
    return fmt.format(med) if len(values) == 1 or lo == hi else f"{fmt.format(med)} ({fmt.format(lo)}–{fmt.format(hi)})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "DRILL"), help=argparse.SUPPRESS)
    ap.add_argument("--hours", type=float, nargs="+", default=[1.0, 4.0])
    ap.add_argument("--rounds", type=int, default=3, help="paired rounds at the first length (1 at the others)")
    ap.add_argument("--drill", default="all", help="all (each drill at the first length), none, or one drill")
    ap.add_argument("--markdown", action="store_true", help="print tables for docs/figures.md")
    ap.add_argument("--data", type=Path, help="keep the simulated recordings here (reused when present)")
    a = ap.parse_args(argv)
    if a.child:
        child(*a.child)
        return 0
    if a.data is not None:
        a.data.mkdir(parents=True, exist_ok=True)
        run_children(a, a.data)
        return 0
    with tempfile.TemporaryDirectory(prefix="dorsi-bench-") as tmp_dir:
        run_children(a, Path(tmp_dir))
    return 0


def run_children(a: argparse.Namespace, tmp: Path) -> None:
    compiled = ensure_compiled()
    all_drills = json.loads(
        subprocess.run(
            [sys.executable, str(HERE), "--child", "drills", "-", "-"], capture_output=True, text=True, check=True
        ).stdout
    )
    drills = list(all_drills) if a.drill == "all" else [] if a.drill == "none" else [a.drill]
    rows: list[tuple[str, str, dict[str, list[float]]]] = []  # length, what, ratios/values
    for k, hours in enumerate(a.hours):
        rounds = a.rounds if k == 0 else 1
        variants = [("banded-mobilization", "-")] + [(d, d) for d in (drills if k == 0 else drills[:1])]
        paths = {d: recording(tmp, d, hours) for d, _ in variants}
        stats: dict[str, dict[str, list[float]]] = {}
        for _ in range(rounds):
            base = measure("baseline", paths["banded-mobilization"])
            bare = measure("filter", paths["banded-mobilization"])
            read = measure("read", paths["banded-mobilization"])
            results = {"np.loadtxt + bare VQF (baseline)": (base, base)}
            results["bare VQF updateBatch alone"] = (bare, base)
            results["read_raw_csv alone"] = (read, base)
            for sim_drill, drill in variants:
                b = base if sim_drill == "banded-mobilization" else measure("baseline", paths[sim_drill])
                name = "dorsi analyze" + ("" if drill == "-" else f" --drill {drill}")
                results[name] = (measure("analyze", paths[sim_drill], drill), b)
            for name, (got, ref) in results.items():
                s = stats.setdefault(name, {"cpu": [], "ratio": [], "rss": [], "rss_ratio": []})
                cpu = got["filter_cpu_s"] if name.startswith("bare") else got["cpu_s"]
                s["cpu"].append(cpu)
                s["ratio"].append(cpu / ref["cpu_s"])
                s["rss"].append(got["rss_mb"])
                s["rss_ratio"].append(got["rss_mb"] / ref["rss_mb"])
        for name, s in stats.items():
            rows.append((f"{hours:g} h", name, s))
            if not a.markdown:
                print(
                    f"{hours:g} h  {name:<46s} CPU {spread(s['cpu'])} s = {spread(s['ratio'])}x baseline; "
                    f"peak {spread(s['rss'], '{:.0f}')} MB = {spread(s['rss_ratio'])}x",
                    flush=True,
                )
    if a.markdown:
        samples = int(3600 * RATE_HZ)
        print(
            f"1 h = {samples} samples at {RATE_HZ:g} Hz; {a.rounds} paired round(s) at {a.hours[0]:g} h, "
            f"1 at longer lengths; median (range) over rounds; ratios within a round; {compiled}. Targets: "
            "`analyze` ≤ 1.3× the baseline's CPU, `--drill` ≤ 1.5×, peak memory ≤ 1.5×.\n"
        )
        print("| length | what | CPU s | × baseline CPU | peak MB | × baseline peak |")
        print("|---|---|---|---|---|---|")
        for length, name, s in rows:
            rss_ratio = "" if name.startswith("bare") else spread(s["rss_ratio"])
            rss = "" if name.startswith("bare") else spread(s["rss"], "{:.0f}")
            print(f"| {length} | {name} | {spread(s['cpu'])} | {spread(s['ratio'])} | {rss} | {rss_ratio} |")


if __name__ == "__main__":
    raise SystemExit(main())
