"""The long fuzz: malformed CSVs and sidecars through `dorsi analyze --json` and `dorsi import`.

Run: ``.venv/bin/python benchmarks/bench_fuzz.py [--csv N] [--sidecars N] [--seed S]``

In-process through the CLI's ``main()`` (what a user's shell runs, minus the interpreter start),
plus a sample of the same inputs as real processes. Inputs come from tests/fuzz/inputs.py (the
generators the hypothesis test uses, seeded here). Prints the count, a histogram of exit codes,
internal errors, tracebacks, failures said in more than one line, and invalid JSON outputs; the
store is listed (`dorsi sessions --json`) every 500 imports to show stored data never breaks it.
Exit status 1 if any of those counts is not 0.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzz.inputs import exported_session, random_csv, random_sidecar  # noqa: E402


class Tally:
    def __init__(self) -> None:
        self.runs = 0
        self.codes: collections.Counter[str] = collections.Counter()
        self.internal: list[str] = []
        self.tracebacks: list[str] = []
        self.multiline: list[str] = []
        self.bad_json: list[str] = []

    def check(self, label: str, argv: list[str], rc: int, out: str, err: str, want_json: bool) -> None:
        self.runs += 1
        self.codes[f"{argv[0]} {rc}"] += 1
        if "internal error" in err:
            self.internal.append(f"{label}: {err.strip()[:200]}")
        if "Traceback" in err:
            self.tracebacks.append(f"{label}: {err.strip()[-200:]}")
        if rc != 0 and len([x for x in err.splitlines() if x.strip()]) > 1:
            self.multiline.append(f"{label}: {err.strip()[:200]}")
        if want_json and rc == 0:
            try:
                json.loads(out, parse_constant=_refuse)
            except ValueError as exc:
                self.bad_json.append(f"{label}: {exc}")


def _refuse(c: str) -> None:
    raise ValueError(f"{c} in JSON output")


def run_main(argv: list[str]) -> tuple[int, str, str]:
    from dorsi.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("default")  # a warning is printed, as a user would see it
        try:
            rc = main(argv)
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


def run_process(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    p = subprocess.run([sys.executable, "-m", "dorsi", *argv], capture_output=True, text=True, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=int, default=10_000, help="malformed CSVs, each through analyze and import")
    ap.add_argument("--sidecars", type=int, default=10_000, help="mutated export summaries through import")
    ap.add_argument("--processes", type=int, default=40, help="of those, run as real processes")
    ap.add_argument("--seed", type=int, default=19)
    args = ap.parse_args()
    os.environ.pop("DORSI_DEBUG", None)
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="dorsi-bench-fuzz-"))
    os.environ["DORSI_DATA_DIR"] = str(work / "data")
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    tally, listed = Tally(), 0
    started = time.perf_counter()
    every = max(1, (args.csv + args.sidecars) // max(1, args.processes))
    total = 0

    def one(label: str, argv: list[str], want_json: bool) -> None:
        nonlocal total, listed
        total += 1
        if total % 1000 == 0:  # the tally so far, so a long run that stops still says what it saw
            bad = len(tally.internal), len(tally.tracebacks), len(tally.multiline), len(tally.bad_json)
            print(
                f"… {total} runs, {time.perf_counter() - started:.0f} s; internal errors, tracebacks, "
                f"multi-line failures, invalid JSON: {bad}; {dict(sorted(tally.codes.items()))}",
                file=sys.stderr,
                flush=True,
            )
        as_process = total % every == 0
        rc, out, err = run_process(argv, env) if as_process else run_main(argv)
        tally.check(label + (" [process]" if as_process else ""), argv, rc, out, err, want_json)
        if argv[0] == "import" and total % 500 == 0:
            rc, out, err = run_main(["sessions", "--json"])
            tally.check("sessions after imports", ["sessions"], rc, out, err, True)
            listed += 1

    csv_path = work / "fuzz.csv"
    for i in range(args.csv):
        csv_path.write_text(random_csv(rng), encoding="utf-8", newline="")
        one(f"csv {i} analyze", ["analyze", str(csv_path), "--drill", "knee-to-wall", "--json"], True)
        one(f"csv {i} import", ["import", str(csv_path), "--drill", "knee-to-wall", "--side", "left"], False)
    samples, summary = exported_session(work / "export")
    base = json.loads(summary.read_text())
    for i in range(args.sidecars):
        doc = random_sidecar(rng, base)
        summary.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
        one(f"sidecar {i} import", ["import", str(samples)], False)
    seconds = time.perf_counter() - started

    inputs = args.csv + args.sidecars
    print(
        f"fuzz inputs: {inputs} ({args.csv} CSVs through analyze and import, {args.sidecars} sidecars through import)"
    )
    print(f"CLI runs: {tally.runs} in {seconds:.0f} s ({args.processes} as real processes; store listed {listed}×)")
    print("exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.codes.items())))
    for name, items in (
        ("internal errors", tally.internal),
        ("tracebacks", tally.tracebacks),
        ("failures in more than one line", tally.multiline),
        ("invalid JSON outputs", tally.bad_json),
    ):
        print(f"{name}: {len(items)}")
        for item in items[:5]:
            print(f"  {item}")
    bad = tally.internal or tally.tracebacks or tally.multiline or tally.bad_json
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
