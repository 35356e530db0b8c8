"""A slow bend into a stance and a drive from it at once: the bend is a setup, the rep is the drive from the
stance it comes back to (the ankle matrix's bent-knee set on the velocity model)."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.drills.excursion import Channel, ExcursionSegmenter, Segment
from dorsi.drills.params import CounterParams
from tests.drills.helpers import counted, drill_frames, velocity_session

RATE_HZ = 100.0


def _ramp(a: float, b: float, s: float) -> np.ndarray:
    u = np.arange(int(s * RATE_HZ)) / (s * RATE_HZ)
    return a + (b - a) * 0.5 * (1 - np.cos(np.pi * u))


def _drive(a: float, b: float, c: float) -> list[np.ndarray]:
    """From a up to b (1.4 s), a 1 s hold, down to c (1.4 s)."""
    return [_ramp(a, b, 1.4), np.full(int(1.0 * RATE_HZ), b), _ramp(b, c, 1.4)]


def _session(back_to: float, drives: int) -> tuple[np.ndarray, np.ndarray]:
    """3 s standing at 5°, a slow bend to 10° (2 °/s, under the gyro's stillness threshold), 0.3 s there
    (with the bend's last 0.5°, under a plateau's 0.6 s), then drives to 28° and back to ``back_to`` with
    0.4 s rests, 3 s."""
    bend = 5.0 + 2.0 * np.arange(int(2.5 * RATE_HZ)) / RATE_HZ
    pieces = [np.full(int(3 * RATE_HZ), 5.0), bend, np.full(int(0.3 * RATE_HZ), 10.0)]
    for _ in range(drives):
        pieces += [*_drive(10.0, 28.0, back_to), np.full(int(0.4 * RATE_HZ), back_to)]
    pieces.append(np.full(int(3 * RATE_HZ), back_to))
    incl = np.concatenate(pieces)
    return np.arange(len(incl)) / RATE_HZ, incl


def _segments(t: np.ndarray, incl: np.ndarray) -> list[Segment]:
    seg = ExcursionSegmenter([Channel("incl", 6.0, 1.5, 6.0, True)], CounterParams())
    out: list[Segment] = []
    seg.detect(drill_frames(t, incl, speed=np.abs(np.gradient(incl, t))), out.append)
    return out


def test_the_bend_into_a_stance_is_no_rep() -> None:
    # was one 23° "rep" from standing (bend + drive), closed 0.25 × its range above standing
    segs = _segments(*_session(10.0, 3))
    assert len(segs) == 3
    for s in segs:
        assert abs(s.base[0] - 10.0) < 0.3  # driven from the stance
        assert 17.5 < s.dev(0).max() < 18.5
        assert s.emitted_s - s.end_s <= 0.3


def test_a_drive_back_to_standing_is_measured_from_standing() -> None:
    # the same bend, stop and drive, but the shin comes back down to standing: the rep from standing
    segs = _segments(*_session(5.0, 1))
    assert len(segs) == 1
    assert abs(segs[0].base[0] - 5.0) < 0.3
    assert 22.5 < segs[0].dev(0).max() < 23.5


@pytest.mark.parametrize("profile", ["reference", "metamotion", "consumer-mpu"])
def test_tuning_seed_1201_velocity(profile: str) -> None:
    # the first bent-knee drive was filed as a 27.7° straight-leg drive from standing, and the first real
    # straight-leg drive (12.2°) judged partial against it: 29/30
    sim, counter = velocity_session("ankle-matrix", 220.0, 1201, profile)
    reps = counted(counter)
    assert len(reps) == len(sim.counted_reps) == 30
    assert reps[0].extra["knee"] == "bent"
    assert [r.extra["knee"] for r in reps].count("bent") == 15
