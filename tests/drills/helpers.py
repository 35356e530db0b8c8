"""Simulate a session and run the live counter over it (whole or in chunks)."""

from __future__ import annotations

import numpy as np

from dorsi.drills import RepCounter
from dorsi.motion.pipeline import PipelineParams, ShinPipeline
from dorsi.virtual.sim import SimParams, SimResult, simulate


def simulate_and_count(params: SimParams, chunk_sizes: list[int] | None = None) -> tuple[SimResult, RepCounter]:
    sim = simulate(params)
    chunk = sim.recording.chunk
    pipe = ShinPipeline(PipelineParams(rate_hz=params.rate_hz))
    counter = RepCounter(params.drill, params.side)
    if chunk_sizes is None:
        frames = pipe.update(chunk)
        counter.update(chunk, frames, pipe.calibration)
    else:
        start, k = 0, 0
        while start < len(chunk):
            stop = min(len(chunk), start + chunk_sizes[k % len(chunk_sizes)])
            part = chunk.slice(start, stop)
            counter.update(part, pipe.update(part), pipe.calibration)
            start, k = stop, k + 1
    counter.finish()
    return sim, counter


def counted(counter: RepCounter) -> list:  # type: ignore[type-arg]
    return [r for r in counter.reps if not r.partial]


def random_chunks(seed: int, n: int = 50) -> list[int]:
    return [int(x) for x in np.random.default_rng(seed).integers(1, 400, n)]
