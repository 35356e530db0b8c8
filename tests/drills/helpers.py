"""Simulate a session and run the live session over it (whole or in chunks); segmenter frames from angles."""

from __future__ import annotations

import numpy as np

from dorsi.drills import RepCounter
from dorsi.drills.params import CounterParams
from dorsi.drills.segment import DrillFrames
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


def drill_frames(
    t: np.ndarray,
    incl: np.ndarray,
    frontal: np.ndarray | None = None,
    speed: np.ndarray | None = None,
    axial: np.ndarray | None = None,
) -> DrillFrames:
    """A segmenter's frames from angles alone (no orientation: the shin upright, at rest in g)."""
    zeros = np.zeros_like(t)
    speed = zeros if speed is None else speed
    n = len(t)
    return DrillFrames(
        t,
        incl,
        zeros if frontal is None else frontal,
        speed,
        speed < CounterParams().quiet_dps,
        zeros if axial is None else axial,
        np.tile([1.0, 0.0, 0.0, 0.0], (n, 1)),
        np.tile([0.0, 0.0, 9.81], (n, 1)),
    )
