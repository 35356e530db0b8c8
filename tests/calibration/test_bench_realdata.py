"""benchmarks/bench_realdata.py: skips cleanly without data; on a recording with truth prints the figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dorsi.virtual.sim import SimParams, simulate, write_simulation

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_realdata.py"


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCH), str(folder)], capture_output=True, text=True, timeout=300)


def test_skips_with_one_line_and_exit_0(tmp_path: Path) -> None:
    done = _run(tmp_path / "absent")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.count("\n") == 1 and "skipped" in done.stdout


def test_reports_calibrations_and_errors_against_truth(tmp_path: Path) -> None:
    # the machinery on a simulated recording in the documented layout (CSV + .truth.csv beside it)
    write_simulation(
        simulate(SimParams(drill="knee-to-wall", seconds=40.0, seed=4, strap_rotation_deg=150.0)), tmp_path / "t.csv"
    )
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "calibrations accepted 1/1" in done.stdout
    dorsi = next(line for line in done.stdout.splitlines() if line.strip().startswith("dorsi"))
    plain = next(line for line in done.stdout.splitlines() if line.strip().startswith("plain vqf"))
    sd = float(dorsi.split("(SD) ")[1].rstrip("°"))
    sd_plain = float(plain.split("(SD) ")[1].rstrip("°"))
    assert sd < 1.0 < sd_plain  # the strap at 150°: plain VQF's angle is wrong, the calibrated one is not
