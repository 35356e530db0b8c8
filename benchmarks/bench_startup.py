"""CLI start-up: `dorsi --help` and `dorsi analyze --help` against `python -c "import numpy, vqf"`.

Each is a fresh process; CPU is its user + system time (wait4), paired runs,
the ratio taken within each pair. Target: `dorsi --help` ≤ 1.3× the import.

    python benchmarks/bench_startup.py [--runs 7] [--markdown]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

from bytecode import ensure_compiled

COMMANDS = {
    'python -c "import numpy, vqf"': [sys.executable, "-c", "import numpy, vqf"],
    "dorsi --help": [sys.executable, "-m", "dorsi", "--help"],
    "dorsi analyze --help": [sys.executable, "-m", "dorsi", "analyze", "--help"],
}


def cpu_s(cmd: list[str]) -> float:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args(argv)
    base_name = next(iter(COMMANDS))
    compiled = ensure_compiled()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    ratios: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(a.runs):
        base = cpu_s(COMMANDS[base_name])
        for name, cmd in COMMANDS.items():
            t = base if name == base_name else cpu_s(cmd)
            times[name].append(t)
            ratios[name].append(t / base)
    if a.markdown:
        print(f"CPU seconds of a fresh process, median (range) of {a.runs} paired runs; {compiled}.\n")
        print("| command | CPU s | × the numpy + vqf import |")
        print("|---|---|---|")
    for name in COMMANDS:
        t, r = times[name], ratios[name]
        cells = (
            f"{statistics.median(t):.3f} ({min(t):.3f}–{max(t):.3f})",
            f"{statistics.median(r):.2f} ({min(r):.2f}–{max(r):.2f})",
        )
        print(f"| `{name}` | {cells[0]} | {cells[1]} |" if a.markdown else f"{name:32s} {cells[0]} s  {cells[1]}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
