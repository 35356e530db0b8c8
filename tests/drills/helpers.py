"""Simulate a session and run the live session over it (whole or in chunks)."""

from __future__ import annotations

import numpy as np

from dorsi.drills import RepCounter
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim import SimParams, SimResult, simulate


def simulate_and_count(params: SimParams, chunk_sizes: list[int] | None = None) -> tuple[SimResult, RepCounter]:
    sim = simulate(params)
    chunk = sim.recording.chunk
    session = LiveSession(SessionSpec(rate_hz=params.rate_hz, side=params.side, drill=params.drill))
    if chunk_sizes is None:
        session.feed(chunk)
    else:
        start, k = 0, 0
        while start < len(chunk):
            stop = min(len(chunk), start + chunk_sizes[k % len(chunk_sizes)])
            session.feed(chunk.slice(start, stop))
            start, k = stop, k + 1
    session.finish()
    assert session.counter is not None
    return sim, session.counter


def counted(counter: RepCounter) -> list:  # type: ignore[type-arg]
    return [r for r in counter.reps if not r.partial]


def random_chunks(seed: int, n: int = 50) -> list[int]:
    return [int(x) for x in np.random.default_rng(seed).integers(1, 400, n)]
