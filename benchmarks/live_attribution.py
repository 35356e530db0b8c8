"""Where a live session's time goes: the stages behind bench_live.py's µs per sample, timed in place.

A drill's simulated session (as bench_live.py: seed 2, 208 Hz) fed through ``LiveSession`` in notifications of
N samples; each listed stage is wrapped in a timer (process-wide CPU of the calls, inclusive: a stage's time
holds the stages it calls) and reported as µs per sample of the whole session, beside the calls and µs per
call. The timers add ~0.1-0.2 µs a call: stages called once a sample (the pipeline, the calibration
detector) read high at 1-sample notifications; the session's total is timed without them.

    python benchmarks/live_attribution.py [--drill calf-raises] [--sizes 1,4] [--seconds 60]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

RATE_HZ = 208.0


def stages() -> list[tuple[str, Any, str]]:
    """(label, owner, attribute) of every stage timed."""
    from dorsi.drills import counter, gait, segment, validity
    from dorsi.motion import calibration, pipeline

    return [
        ("pipeline (ShinPipeline.update)", pipeline.ShinPipeline, "update"),
        ("  calibration detector (update_one)", calibration.CalibrationDetector, "update_one"),
        ("    episode checks (_check_episode)", calibration.CalibrationDetector, "_check_episode"),
        ("counter, blocks of rows (RepCounter.update_rows)", counter.RepCounter, "update_rows"),
        ("counter, frames (RepCounter.update)", counter.RepCounter, "update"),
        ("  framer (DrillFramer.update_rows)", segment.DrillFramer, "update_rows"),
        ("  gait log + impacts (GaitWatch.extend)", gait.GaitWatch, "extend"),
        ("  heel log (MotionBuffer.extend)", validity.MotionBuffer, "extend"),
        ("  segmenter (process)", segment.SegmenterBase, "process"),
        ("  judging a rep (RepCounter._finish)", counter.RepCounter, "_finish"),
        ("    foot lifted (GaitWatch.lifted)", gait.GaitWatch, "lifted"),
    ]


def _timed(fn: Callable[..., Any], acc: list[float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kw: Any) -> Any:
        t0 = time.process_time()
        try:
            return fn(*args, **kw)
        finally:
            acc[0] += time.process_time() - t0
            acc[1] += 1

    return wrapper


def attribute(drill: str, size: int, seconds: float) -> tuple[float, list[tuple[str, float, int, float]]]:
    """The session's µs per sample (untimed run) and each stage's (label, µs per sample, calls, µs per call)."""
    from dorsi.session import LiveSession, SessionSpec
    from dorsi.virtual.sim import SimParams, simulate

    chunk = simulate(SimParams(drill=drill, seconds=seconds, seed=2, rate_hz=RATE_HZ)).recording.chunk
    parts = [chunk.slice(i, i + size) for i in range(0, len(chunk), size)]

    def run() -> float:
        session = LiveSession(SessionSpec(rate_hz=RATE_HZ, drill=drill))
        t0 = time.process_time()
        for part in parts:
            session.feed(part)
        session.finish()
        return (time.process_time() - t0) / len(chunk) * 1e6

    total = min(run() for _ in range(2))
    accs: list[list[float]] = []
    saved = []
    for _label, owner, name in stages():
        acc = [0.0, 0]
        accs.append(acc)
        saved.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, _timed(owner.__dict__[name], acc))
    try:
        run()
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)
    n = len(chunk)
    return total, [
        (label, acc[0] / n * 1e6, int(acc[1]), acc[0] / max(1, acc[1]) * 1e6)
        for (label, _, _), acc in zip(stages(), accs, strict=True)
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drill", default="calf-raises")
    ap.add_argument("--sizes", default="1,4")
    ap.add_argument("--seconds", type=float, default=60.0)
    a = ap.parse_args(argv)
    for size in (int(s) for s in a.sizes.split(",")):
        total, rows = attribute(a.drill, size, a.seconds)
        print(f"{a.drill}, {size}-sample notifications: {total:.2f} µs per sample (untimed)")
        for label, us, calls, per_call in rows:
            print(f"  {label:<48} {us:6.2f} µs/sample  {calls:6d} calls  {per_call:8.1f} µs/call")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
