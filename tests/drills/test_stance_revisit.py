"""Stepping into a lunge stance and driving at once: the stance rests are shorter than a plateau's 0.6 s."""

from __future__ import annotations

import numpy as np

from dorsi.drills.excursion import Channel, ExcursionSegmenter, Segment
from dorsi.drills.params import CounterParams
from dorsi.virtual.sim import SimParams
from tests.drills.helpers import counted, drill_frames, random_chunks, simulate_and_count

RATE_HZ = 200.0


def _stance_then_drives(rest_s: float) -> tuple[np.ndarray, np.ndarray]:
    """2 s standing at 6°, a 1 s step to a 17° stance, then 5 fast drives (17° → 37° → 17°, 1.2 s)
    with rest_s at the stance between them, 2 s at the stance."""
    pieces = [np.full(int(2 * RATE_HZ), 6.0)]
    u = np.arange(int(1.0 * RATE_HZ)) / RATE_HZ
    pieces += [6.0 + 11.0 * 0.5 * (1 - np.cos(np.pi * u)), np.full(int(rest_s * RATE_HZ), 17.0)]
    for _ in range(5):
        u = np.arange(int(1.2 * RATE_HZ)) / (1.2 * RATE_HZ)
        pieces += [17.0 + 10.0 * (1 - np.cos(2 * np.pi * u)), np.full(int(rest_s * RATE_HZ), 17.0)]
    pieces.append(np.full(int(2 * RATE_HZ), 17.0))
    incl = np.concatenate(pieces)
    return np.arange(len(incl)) / RATE_HZ, incl[:, None]


def _segments(t: np.ndarray, values: np.ndarray) -> list[Segment]:
    seg = ExcursionSegmenter([Channel("incl", 6.0, 1.5, 8.0, True)], CounterParams())
    speed = np.abs(np.gradient(values[:, 0], t))
    out: list[Segment] = []
    seg.detect(drill_frames(t, values[:, 0], speed=speed), out.append)
    return out


def test_short_stance_rests_split_the_drives() -> None:
    # 0.4 s rests: no plateau (0.6 s), but each return to the stance is a stop at the first stop's level
    t, v = _stance_then_drives(0.4)
    segs = _segments(t, v)
    assert len(segs) == 5
    for s in segs:
        assert abs(s.base[0] - 17.0) < 0.2  # measured from the stance, not from standing
        assert 19.0 < s.dev(0).max() < 21.0
        assert s.emitted_s - s.end_s <= 0.3


def test_a_pass_through_the_stance_level_is_no_stop() -> None:
    # one drive from standing that passes the 17° level on the way up and down without stopping: one rep
    t = np.arange(int(8 * RATE_HZ)) / RATE_HZ
    u = np.clip((t - 2.0) / 3.0, 0.0, 1.0)
    v = (6.0 + 15.0 * (1 - np.cos(2 * np.pi * u)))[:, None]
    segs = _segments(t, v)
    assert len(segs) == 1 and abs(segs[0].base[0] - 6.0) < 0.2


def test_held_out_banded_distraction_seed6_fast() -> None:
    # steps into the stance and drives at once (0.45–0.5 s stance rests): was one 16 s excursion, 69/76
    params = SimParams(drill="banded-distraction", seconds=240.0, seed=6, rate_hz=200.0, events=("fast",))
    sim, whole = simulate_and_count(params)
    truth = [r for r in sim.reps if not r["partial"]]
    reps = counted(whole)
    assert len(reps) == len(truth)
    for r, tr in zip(reps, truth, strict=True):
        assert r.emitted_s - tr["end_s"] <= 0.3
    _, chunked = simulate_and_count(params, random_chunks(6))
    assert [(r.start_s, r.end_s, r.emitted_s) for r in chunked.reps] == [
        (r.start_s, r.end_s, r.emitted_s) for r in whole.reps
    ]
