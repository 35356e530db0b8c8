"""The ankle matrix's axial channel is an integrated gyro rate: a residual bias makes it drift with time."""

from __future__ import annotations

import numpy as np

from dorsi.drills.excursion import Channel, ExcursionSegmenter, Segment
from dorsi.drills.params import CounterParams
from tests.drills.helpers import drill_frames

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


def _segments(t: np.ndarray, values: np.ndarray, min_incl_deg: float = 6.0) -> list[Segment]:
    chans = [
        Channel("incl", 5.0, 1.5, min_incl_deg, True),
        Channel("frontal", 5.0, 1.5, 2.0, False),
        Channel("axial", 5.0, 2.0, 3.0, False, True),
    ]
    seg = ExcursionSegmenter(chans, CounterParams())
    speed = np.abs(np.gradient(values[:, 0], t)) + np.abs(np.gradient(values[:, 2], t))
    out: list[Segment] = []
    seg.detect(drill_frames(t, values[:, 0], values[:, 1], speed, values[:, 2]), out.append)
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


def test_rest_level_starts_at_a_new_stance_after_standing_up() -> None:
    # bent-knee rest at 14.3°, stand up to 7.5° (2 s), still 0.6 s, then a slow straight-leg drive of
    # 4.2° (10 s, ≤ 1.4 °/s: under the gyro's stillness threshold) with 0.2° of sway throughout. A rest
    # level that followed the stand-up with τ = 0.5 s only once settled was still ~0.9° high when the
    # drive began (range 3.44°; slow ankle matrix seed 20: 2.96° against the 3° straight-leg minimum)
    u_up = np.arange(int(2 * RATE_HZ)) / (2 * RATE_HZ)
    u_drive = np.arange(int(10 * RATE_HZ)) / (10 * RATE_HZ)
    incl = np.concatenate(
        [
            np.full(int(3 * RATE_HZ), 14.3),
            7.5 + 6.8 * 0.5 * (1 + np.cos(np.pi * u_up)),
            np.full(int(0.6 * RATE_HZ), 7.5),
            7.5 + 2.1 * (1 - np.cos(2 * np.pi * u_drive)),
            np.full(int(3 * RATE_HZ), 7.5),
        ]
    )
    t = np.arange(len(incl)) / RATE_HZ
    incl = incl + 0.2 * np.sin(2 * np.pi * 0.7 * t)
    segs = _segments(t, np.column_stack([incl, np.zeros_like(incl), np.zeros_like(incl)]), min_incl_deg=3.0)
    drive = [s for s in segs if s.channel == 0]
    assert len(drive) == 1
    assert abs(drive[0].base[0] - 7.5) < 0.5
    assert drive[0].dev(0).max() > 3.8
