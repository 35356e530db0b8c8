"""Snapshot of everything the rep counter and `dorsi analyze` output, to prove a refactor changed nothing.

    .venv/bin/python benchmarks/corpus_snapshot.py reps OUT.json [--seeds 0-3]   # bench_reps' corpus
    .venv/bin/python benchmarks/corpus_snapshot.py analyze OUT.json              # `analyze --json`, every drill
    .venv/bin/python benchmarks/corpus_snapshot.py compare BEFORE.json AFTER.json

``reps``: every session of benchmarks/bench_reps.py's corpus (every drill × clean at 50/200/400 Hz and
each messy event at 200 Hz × seeds: 440 sessions for seeds 0-3), run in 0.25 s chunks exactly as the
bench does. Per session: the counter's summary as JSON text (``Rep.as_dict()``, key order included), every
rep at full float precision,
which chunk returned each event, and SHA-256 digests of the live state after every chunk and of the
pipeline's frames. ``analyze``: one simulated file per drill through the CLI's ``analyze --json`` with a
few option sets. ``compare`` lists every difference (exit 1 if any).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import io
import json
import math
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bench_reps import EVENTS, Job, corpus_jobs, count_chunked, seeds_arg, simulate_job
from dorsi.drills import DRILL_IDS, Rep, RepCounter, RepEvent
from dorsi.io.rawcsv import write_raw_csv
from dorsi.motion.pipeline import ShinFrames
from dorsi.motion.types import ImuChunk, Recording
from dorsi.virtual.sim import SimParams, simulate


def _plain(x: Any) -> Any:
    """JSON-able at full precision (json writes floats with repr); nan/inf as strings."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str):
        x = x.item()  # numpy scalar
    if isinstance(x, float) and not math.isfinite(x):
        return repr(x)
    return x


def _rep_full(rep: Rep) -> dict[str, Any]:
    return _plain(dataclasses.asdict(rep))  # type: ignore[no-any-return]


def snapshot_session(job: Job) -> dict[str, Any]:
    sim = simulate_job(job)
    states = hashlib.sha256()
    frames_digest = hashlib.sha256()
    events: list[list[Any]] = []
    k = 0

    def on_chunk(_part: ImuChunk, frames: ShinFrames, evs: list[RepEvent], counter: RepCounter) -> None:
        nonlocal k
        for f in ("time_s", "quat_wxyz", "tibial_inclination_deg", "frontal_tilt_deg", "calibrated", "gyr_dps"):
            frames_digest.update(getattr(frames, f).tobytes())
        for ev in evs:
            events.append([k, ev.kind, ev.time_s, next(i for i, r in enumerate(counter.reps) if r is ev.rep)])
        st = counter.state
        last = st.last_rep
        row = dataclasses.asdict(st) | {"last_rep": None if last is None else (last.index, last.start_s)}
        states.update(repr(sorted(row.items())).encode())
        k += 1

    counter = count_chunked(sim, on_chunk)
    drill, seed, rate, ev = job
    return {
        "key": f"{drill}|{seed}|{rate:g}|{','.join(ev)}",
        "summary_json": json.dumps(counter.summary()),  # the exact bytes, key order included
        "reps_full": [_rep_full(r) for r in counter.reps],
        "events": _plain(events),
        "state_sha256": states.hexdigest(),
        "frames_sha256": frames_digest.hexdigest(),
    }


def snapshot_reps(seeds: list[int]) -> dict[str, Any]:
    jobs = corpus_jobs(seeds, (50.0, 200.0, 400.0), list(DRILL_IDS), EVENTS)
    with ProcessPoolExecutor(max_workers=2) as pool:
        sessions = list(pool.map(snapshot_session, jobs, chunksize=2))
    return {s["key"]: s for s in sessions}


# `analyze --json` option sets per drill: (label, extra arguments)
ANALYZE_RUNS: list[tuple[str, list[str]]] = [
    ("default", []),
    ("offline", ["--offline"]),
    ("right", ["--side", "right"]),
    ("profile", ["--tibia-cm", "44", "--foot-cm", "26"]),
]
# runs whose output is expected to change with issue 17's fix (the profile's foot reaches the counter)
ANALYZE_FOOT_RUNS: list[tuple[str, list[str]]] = [("foot22", ["--foot-cm", "22"]), ("foot30", ["--foot-cm", "30"])]


def _analyze_json(args: list[str]) -> Any:
    from dorsi.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["analyze", *args, "--json"])
    return {"exit": code, "stdout": out.getvalue()}  # the exact bytes `analyze --json` prints


def snapshot_analyze() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for drill in DRILL_IDS:
            sim = simulate(SimParams(drill=drill, seconds=150.0, seed=0, rate_hz=200.0))
            path = Path(tmp) / f"{drill}.csv"
            write_raw_csv(path, sim.recording)
            runs = ANALYZE_RUNS + (ANALYZE_FOOT_RUNS if drill == "calf-raises" else [])
            for label, extra in runs:
                out[f"{drill}|{label}"] = _analyze_json([str(path), "--drill", drill, *extra])
            if drill == "knee-to-wall":
                out[f"{drill}|strap"] = _analyze_json([str(path), "--drill", drill, "--strap-rotation", "12"])
                out["no-drill"] = _analyze_json([str(path)])
        # a file with no calibration sequence: counting from the start, with the warning
        sim = simulate(SimParams(drill="banded-mobilization", seconds=150.0, seed=0, rate_hz=200.0))
        path = Path(tmp) / "nocal.csv"
        rec = sim.recording
        cut = Recording(rec.time_s[6000:], rec.acc_mps2[6000:], rec.gyr_dps[6000:])  # from 30 s on
        write_raw_csv(path, cut)
        out["no-calibration"] = _analyze_json([str(path), "--drill", "banded-mobilization"])
    return out


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    diffs = [f"only before: {k}" for k in before if k not in after]
    diffs += [f"only after: {k}" for k in after if k not in before]
    for k in before:
        if k in after and before[k] != after[k]:
            a, b = before[k], after[k]
            parts = [f for f in a if a.get(f) != b.get(f)] if isinstance(a, dict) and isinstance(b, dict) else []
            diffs.append(f"differs: {k} ({', '.join(parts)})")
    return diffs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("reps")
    r.add_argument("out")
    r.add_argument("--seeds", type=seeds_arg, default=list(range(4)))
    a = sub.add_parser("analyze")
    a.add_argument("out")
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    args = ap.parse_args()
    if args.cmd == "compare":
        diffs = compare(json.loads(Path(args.before).read_text()), json.loads(Path(args.after).read_text()))
        for d in diffs:
            print(d)
        n = len(json.loads(Path(args.before).read_text()))
        print(f"{n} entries compared, {len(diffs)} differences")
        return 1 if diffs else 0
    data = snapshot_reps(args.seeds) if args.cmd == "reps" else snapshot_analyze()
    Path(args.out).write_text(json.dumps(data, sort_keys=True, indent=0))
    print(f"{len(data)} entries → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
