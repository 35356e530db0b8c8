"""A rock straight after settling into the squat rises from the squat's centre: half a swing. The minimum
range applies to its swing (twice that rise), as to every other rock's, not to the rise alone."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.drills.cyclic import Cycle, RockSegmenter
from dorsi.drills.params import CounterParams
from tests.drills.helpers import counted, drill_frames, velocity_session

RATE_HZ = 100.0
MIN_RANGE_DEG = 3.0  # squat rocks' catalogue minimum


def _settle_then_rock() -> tuple[np.ndarray, np.ndarray]:
    """2 s standing at 5°, a 2 s descent to a 30° squat, 1 s still there, then a first rock 2.8° up from the
    still squat and back down to 25°, then 5 rocks 25° → 33° → 25° (1.2 s each), 2 s still."""
    pieces = [np.full(int(2 * RATE_HZ), 5.0)]
    u = np.arange(int(2 * RATE_HZ)) / (2 * RATE_HZ)
    pieces += [5.0 + 25.0 * 0.5 * (1 - np.cos(np.pi * u)), np.full(int(1 * RATE_HZ), 30.0)]
    u = np.arange(int(0.5 * RATE_HZ)) / (0.5 * RATE_HZ)
    pieces.append(30.0 + 2.8 * 0.5 * (1 - np.cos(np.pi * u)))  # up to 32.8°
    u = np.arange(int(0.7 * RATE_HZ)) / (0.7 * RATE_HZ)
    pieces.append(32.8 - 7.8 * 0.5 * (1 - np.cos(np.pi * u)))  # down to 25°
    for _ in range(5):
        u = np.arange(int(1.2 * RATE_HZ)) / (1.2 * RATE_HZ)
        pieces.append(25.0 + 4.0 * (1 - np.cos(2 * np.pi * u)))
    pieces.append(np.full(int(2 * RATE_HZ), 25.0))
    incl = np.concatenate(pieces)
    return np.arange(len(incl)) / RATE_HZ, incl


def test_first_rock_from_the_settled_squat() -> None:
    t, incl = _settle_then_rock()
    seg = RockSegmenter(MIN_RANGE_DEG, CounterParams())
    out: list[Cycle] = []
    seg.detect(drill_frames(t, incl, speed=np.abs(np.gradient(incl, t))), out.append)
    assert len(out) == 6  # the first rock (a 5.6° swing, 2.8° above the centre) and the 5 after it
    first = out[0]
    assert 5.0 < first.start_s < 5.2  # from the still squat, not from standing
    assert 5.0 < first.swing_deg < 5.6  # its own swing: 32.8° above the mean of its turning points (30°, 25°)


@pytest.mark.parametrize("profile", ["reference", "consumer-mpu"])
def test_tuning_seed_1110_velocity(profile: str) -> None:
    # the first rock rose 2.9° from the settled squat and fell 8.1°: lost against the 3° minimum (23/24)
    sim, counter = velocity_session("squat-rocks", 90.0, 1110, profile)
    reps = counted(counter)
    assert len(reps) == len(sim.counted_reps) == 24
    assert abs(reps[0].start_s - sim.counted_reps[0]["start_s"]) < 0.5
