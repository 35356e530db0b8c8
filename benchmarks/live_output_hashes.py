"""Every drill's live output, hashed per session: the byte-identity check for speed work on the live path.

Each session: a simulated set of one drill (TUNING seeds from --seed0 on; every drill, or those of --drills,
× the four sensor profiles, both movement models, a tap in every third; calibration looked for in the stream)
fed live through ``LiveSession`` in notifications of 1, 2, 4, 8 or 20 samples (each drill × profile pair gets
--sizes of them, in turn). Its hash covers, after every feed, every ShinFrames field's bytes (dtype and shape
included), the events returned (kind, time, every Rep field) and the live state (``repr``: every field, last
rep included), and at the end every rep (``dataclasses.asdict``), the calibration and the counter's summary.
Run it on two trees and compare the digests (or the --json files, session by session).

    python benchmarks/live_output_hashes.py [--drills calf-raises,...] [--seconds 60] [--sizes 2] [--seed0 1000]
        [--json out.json]

(One drill's path in depth, e.g. the calf raises': ``--drills calf-raises --sizes 8 --seconds 90``, 32 sessions.)
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
from concurrent.futures import ProcessPoolExecutor

PROFILES = (("reference", 200.0), ("witmotion", 100.0), ("metamotion", 104.0), ("consumer-mpu", 208.0))
MODELS = ("keyframe", "velocity")
SIZES = (1, 2, 4, 8, 20)
FIELDS = ("time_s", "quat_wxyz", "tibial_inclination_deg", "frontal_tilt_deg", "calibrated", "gyr_dps", "rest")

Case = tuple[int, str, str, float, str, int, tuple[str, ...], float]


def cases(seconds: float, per_pair: int, seed0: int, drills: tuple[str, ...] | None = None) -> list[Case]:
    from dorsi.drills import DRILL_IDS

    out = []
    i = 0
    for d, drill in enumerate(drills or DRILL_IDS):
        for p, (profile, rate_hz) in enumerate(PROFILES):
            for k in range(per_pair):
                size = SIZES[(d + p + k * 2) % len(SIZES)]
                events = ("tap",) if i % 3 == 0 else ()
                out.append((seed0 + i, drill, profile, rate_hz, MODELS[(d + p + k) % 2], size, events, seconds))
                i += 1
    return out


def session_hash(case: Case) -> tuple[str, str, int]:
    from dorsi.session import LiveSession, SessionSpec
    from dorsi.virtual.sim import SimParams, simulate

    seed, drill, profile, rate_hz, model, size, events, seconds = case
    params = SimParams(
        drill=drill, seconds=seconds, seed=seed, rate_hz=rate_hz, sensor_profile=profile, model=model, events=events
    )
    chunk = simulate(params).recording.chunk
    session = LiveSession(SessionSpec(rate_hz=rate_hz, drill=drill))
    counter = session.counter
    assert counter is not None
    h = hashlib.sha256()
    for a in range(0, len(chunk), size):
        frames, events_out = session.feed(chunk.slice(a, a + size))
        for name in (*FIELDS, "acc_mps2"):
            arr = getattr(frames, name)
            h.update(f"{name}{arr.dtype}{arr.shape}".encode())
            h.update(arr.tobytes())
        h.update(repr([(e.kind, e.time_s, dataclasses.asdict(e.rep)) for e in events_out]).encode())
        h.update(repr(counter.state).encode())
    final = session.finish()
    h.update(repr([(e.kind, e.time_s, dataclasses.asdict(e.rep)) for e in final]).encode())
    h.update(repr(counter.state).encode())
    h.update(repr([dataclasses.asdict(r) for r in counter.reps]).encode())
    h.update(repr(session.calibration).encode() + repr(counter.summary()).encode())
    name = f"{seed}-{drill}-{profile}-{model}-{size}"
    return name, h.hexdigest(), len(counter.reps)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drills", help="comma-separated drill ids (default: every drill)")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--sizes", type=int, default=2, help="sessions (notification sizes) per drill × profile")
    ap.add_argument("--seed0", type=int, default=1000, help="first seed (TUNING: 1000-1999)")
    ap.add_argument("--json", help="write each session's hash here")
    a = ap.parse_args(argv)
    drills = tuple(a.drills.split(",")) if a.drills else None
    with ProcessPoolExecutor(2) as ex:  # (a shared host: two workers)
        results = list(ex.map(session_hash, cases(a.seconds, a.sizes, a.seed0, drills)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({name: h for name, h, _ in results}, f, indent=1)
    digest = hashlib.sha256("".join(h for _, h, _ in results).encode()).hexdigest()
    print(f"{len(results)} sessions, {sum(n for _, _, n in results)} reps: {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
