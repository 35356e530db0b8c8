"""Simulate a session and run the live session over it (whole or in chunks); segmenter frames from angles."""

from __future__ import annotations

import numpy as np

from dorsi.drills import RepCounter
from dorsi.drills.params import CounterParams
from dorsi.drills.segment import DrillFrames
from dorsi.motion.types import ImuChunk
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim import SimParams, SimResult, simulate
from dorsi.virtual.sim.heldout import assert_tunable
from dorsi.virtual.sim.nondrill import simulate_movement
from dorsi.virtual.sim.profiles import PROFILES


def simulate_and_count(params: SimParams, chunk_sizes: list[int] | None = None) -> tuple[SimResult, RepCounter]:
    sim = simulate(params)
    session = LiveSession(SessionSpec(rate_hz=params.rate_hz, side=params.side, drill=params.drill))
    return sim, feed_in_chunks(session, sim.recording.chunk, chunk_sizes)


def feed_in_chunks(session: LiveSession, chunk: ImuChunk, chunk_sizes: list[int] | None = None) -> RepCounter:
    """The chunk through the session whole, or cut into chunk_sizes (cycled); then finished: its counter."""
    sizes = chunk_sizes or [len(chunk)]
    start, k = 0, 0
    while start < len(chunk):
        stop = min(len(chunk), start + sizes[k % len(sizes)])
        session.feed(chunk.slice(start, stop))
        start, k = stop, k + 1
    session.finish()
    assert session.counter is not None
    return session.counter


def count_movement(
    kind: str,
    seed: int,
    drill: str,
    chunk_sizes: list[int] | None = None,
    *,
    strap_known: bool = False,
    sensor_profile: str | None = None,
) -> RepCounter:
    """A non-drill movement (a TUNING seed) counted as the drill; the strap rotation given when the session
    has no complete calibration sequence, or always (``strap_known``): counting from the start. The reference
    model at 200 Hz, or ``sensor_profile``'s errors at the rate it streams at."""
    assert_tunable(seed)
    if sensor_profile is None:
        sim = simulate_movement(kind, seed)
    else:
        rate_hz = PROFILE_RATE_HZ[sensor_profile]
        sim = simulate_movement(kind, seed, rate_hz=rate_hz, sensor_profile=sensor_profile)
    given = strap_known or not sim.calibration["complete"]
    known = sim.calibration["strap_rotation_deg"] if given else None
    session = LiveSession(SessionSpec(rate_hz=sim.params.rate_hz, drill=drill, strap_rotation_deg=known))
    return feed_in_chunks(session, sim.recording.chunk, chunk_sizes)


def counted(counter: RepCounter) -> list:  # type: ignore[type-arg]
    return [r for r in counter.reps if not r.partial]


def random_chunks(seed: int, n: int = 50) -> list[int]:
    return [int(x) for x in np.random.default_rng(seed).integers(1, 400, n)]


def velocity_session(drill: str, seconds: float, seed: int, profile: str) -> tuple[SimResult, RepCounter]:
    """A tuning seed on the second movement model at the profile's rate, counted in 0.25 s notifications;
    fed in random chunks it must give the same reps (asserted)."""
    rate = PROFILE_RATE_HZ[profile]
    params = SimParams(drill=drill, seconds=seconds, seed=seed, rate_hz=rate, sensor_profile=profile, model="velocity")
    sim, counter = simulate_and_count(params, chunk_sizes=[round(0.25 * rate)])
    _, other = simulate_and_count(params, random_chunks(seed))
    assert [(r.start_s, r.end_s) for r in other.reps] == [(r.start_s, r.end_s) for r in counter.reps]
    return sim, counter


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


PROFILE_RATE_HZ = {name: p.rate_hz for name, p in PROFILES.items()}  # each profile streams at its own rate


def count_velocity_calf_set(seed: int, profile: str) -> tuple[SimResult, RepCounter]:
    """Seven minutes of calf-raise sets on the velocity model at the profile's rate, counted in 0.25 s
    notifications (a tuning seed only)."""
    assert_tunable(seed)
    rate = PROFILE_RATE_HZ[profile]
    params = SimParams(
        drill="calf-raises", seconds=420.0, seed=seed, rate_hz=rate, sensor_profile=profile, model="velocity"
    )
    return simulate_and_count(params, chunk_sizes=[round(0.25 * rate)])
