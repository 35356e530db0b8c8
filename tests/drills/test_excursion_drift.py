"""The ankle matrix's axial channel is an integrated gyro rate: a residual bias makes it drift with time."""

from __future__ import annotations

import numpy as np

from dorsi.drills.excursion import Channel, ExcursionSegmenter, Segment
from dorsi.drills.types import CounterParams

RATE_HZ = 100.0


def _drives(drift_dps: float) -> tuple[np.ndarray, np.ndarray]:
    """3 s still, then two slow 10 s forward drives (10° → 30° → 10°) 1.5 s apart, 3 s still; the
    axial channel creeps at drift_dps throughout (a residual gyro bias about the shin's axis)."""
    pieces = [np.full(int(3 * RATE_HZ), 10.0)]
    for _ in range(2):
        u = np.arange(int(10 * RATE_HZ)) / (10 * RATE_HZ)
        pieces += [10.0 + 10.0 * (1 - np.cos(2 * np.pi * u)), np.full(int(1.5 * RATE_HZ), 10.0)]
    pieces.append(np.full(int(3 * RATE_HZ), 10.0))
    incl = np.concatenate(pieces)
    t = np.arange(len(incl)) / RATE_HZ
    axial = drift_dps * t
    return t, np.column_stack([incl, np.zeros_like(incl), axial])


def _segments(t: np.ndarray, values: np.ndarray) -> list[Segment]:
    chans = [
        Channel("incl", 5.0, 1.5, 6.0, True),
        Channel("frontal", 5.0, 1.5, 2.0, False),
        Channel("axial", 5.0, 2.0, 3.0, False, True),
    ]
    seg = ExcursionSegmenter(chans, CounterParams())
    speed = np.abs(np.gradient(values[:, 0], t)) + np.abs(np.gradient(values[:, 2], t))
    out: list[Segment] = []
    seg.process(t, values, speed, speed < 2.5, values[:, 1], values[:, 0], out.append)
    return out


def test_axial_drift_during_a_slow_drive_does_not_swallow_the_rep() -> None:
    # 0.25 °/s over a 10 s drive is 2.5° of axial "rotation", past the channel's 2° start threshold:
    # the first drive's return looked like a plateau turned about the shin (a reposition), and the next
    # drive re-based from it, swallowing the first (slow ankle matrix, seed 2: 29/30)
    for drift_dps in (-0.25, 0.0, 0.25):
        segs = _segments(*_drives(drift_dps))
        assert [s.channel for s in segs] == [0, 0], drift_dps
        for s in segs:
            assert s.dev(0).max() > 19.0
            assert s.end_s - s.start_s < 11.0


def test_a_real_axial_turn_is_still_a_rep() -> None:
    # the allowance is for drift (≤ 0.3 °/s × the open rep's time), not a 10° rotation
    t = np.arange(int(12 * RATE_HZ)) / RATE_HZ
    u = np.clip((t - 3.0) / 6.0, 0.0, 1.0)
    axial = 5.0 * (1 - np.cos(2 * np.pi * u))
    values = np.column_stack([np.full_like(t, 10.0), np.zeros_like(t), axial])
    segs = _segments(t, values)
    assert [(s.channel, s.sign) for s in segs] == [(2, 1.0)]
