"""The ankle matrix's axial rotation is an integrated gyro rate: the residual bias measured while the shin
rests is taken out during a rep as well as between reps."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.drills.excursion import Channel, ExcursionSegmenter, Segment
from dorsi.drills.params import CounterParams
from tests.drills.helpers import counted, drill_frames, velocity_session

RATE_HZ = 100.0
BIAS_DPS = 0.8  # a residual bias about the shin's long axis, as on tuning seed 1103 (velocity model)


def _rotations() -> tuple[np.ndarray, np.ndarray]:
    """12 s at rest, then 3 rotations to the right (−12°, 5 s each, 3 s rests) and 3 to the left; the
    integrated axial channel drifts at BIAS_DPS throughout."""
    pieces = [np.zeros(int(12 * RATE_HZ))]
    for sign in (-1.0, -1.0, -1.0, 1.0, 1.0, 1.0):
        u = np.arange(int(5 * RATE_HZ)) / (5 * RATE_HZ)
        pieces += [sign * 6.0 * (1 - np.cos(2 * np.pi * u)), np.zeros(int(3 * RATE_HZ))]
    pieces.append(np.zeros(int(6 * RATE_HZ)))
    rot = np.concatenate(pieces)
    t = np.arange(len(rot)) / RATE_HZ
    return t, rot + BIAS_DPS * t


def _segments(t: np.ndarray, axial: np.ndarray) -> list[Segment]:
    channels = [
        Channel("incl", 6.0, 1.5, 8.0, True),
        Channel("frontal", 6.0, 1.5, 4.0, False),
        Channel("axial", 6.0, 2.0, 4.0, False, True),
    ]
    seg = ExcursionSegmenter(channels, CounterParams())
    speed = np.abs(np.gradient(axial - BIAS_DPS * t, t))  # the gyro is quiet at rest (the bias is under it)
    out: list[Segment] = []
    seg.detect(drill_frames(t, np.full_like(t, 5.0), speed=speed, axial=axial), out.append)
    return out


def test_rotations_on_a_drifting_axial_channel() -> None:
    # without the bias taken out during the rep, each 5 s rotation came back 4° past its start
    segs = _segments(*_rotations())
    assert [s.channel for s in segs] == [2] * 6
    assert [s.sign for s in segs] == [-1.0] * 3 + [1.0] * 3
    for s in segs:
        assert 11.0 < float(np.abs(s.dev(2)).max()) < 13.0  # the rotation's own range, not the drift's


@pytest.mark.parametrize("profile", ["reference", "witmotion"])
def test_tuning_seed_1103_velocity(profile: str) -> None:
    # the bias about the long axis stayed 0.84 °/s: a rotation's return opened a rep the other way that
    # never closed, and the 15 reps after it were lost (15/30 reference, 17/30 witmotion)
    sim, counter = velocity_session("ankle-matrix", 220.0, 1103, profile)
    assert len(counted(counter)) == len(sim.counted_reps) == 30
