"""The partial-rep rule: under half the median of the last full reps of the same kind is partial."""

from __future__ import annotations

import numpy as np

from dorsi.drills.counter import RepCounter
from dorsi.drills.excursion import Segment, drives
from dorsi.drills.segment import SegmenterContext

RATE_HZ = 100.0


def _judge(ranges_deg: list[float], drill: str = "banded-mobilization") -> list[bool]:
    """One drive per range (3 s each, 6 s apart, from a rest at 10°), as the drill's segmenter drafts it,
    straight to the judging step; partial flags."""
    counter = RepCounter(drill)
    seg = counter.segmenter = drives(SegmenterContext(counter.drill, counter.p, 10.0, counter.foot_cm))
    out = []
    for i, r in enumerate(ranges_deg):
        t = 6.0 * i + np.arange(int(3 * RATE_HZ)) / RATE_HZ
        incl = 10.0 + r * np.sin(np.pi * (t - t[0]) / 3.0) ** 2
        segment = Segment(
            start_s=t[0],
            end_s=t[-1],
            emitted_s=t[-1],
            time_s=t,
            incl_deg=incl,
            frontal_deg=np.zeros_like(t),
            speed_dps=np.full_like(t, 5.0),
            channel=0,
            sign=1.0,
            base=[10.0],
            values=incl[:, None],
        )
        out.append(counter._finish(seg.draft(segment)).rep.partial)
    return out


def test_a_partial_after_the_first_rep_is_partial() -> None:
    # the simulator's partial-rep event: one attempt under half range straight after the first rep
    assert _judge([20.0, 8.0, 20.5, 19.0, 21.0]) == [False, True, False, False, False]


def test_a_partial_later_in_the_set_is_partial() -> None:
    assert _judge([20.0, 21.0, 19.0, 8.0, 20.0, 7.0]) == [False, False, False, True, False, True]


def test_an_inflated_first_rep_does_not_make_the_whole_set_partial() -> None:
    # one rep is no robust reference: a run-up from standing made a fast set's first circle 2-3x the others,
    # and the other nine read partial. With two attempts agreeing against it, the first is the outlier:
    # one attempt is still lost (it was reported partial at the time), the rest count
    flags = _judge([25.0, 10.0, 10.5, 9.5, 10.0, 11.0, 9.8, 10.2, 10.1, 9.9])
    assert flags == [False, True] + [False] * 8
    # and a real partial after that is still partial against the new history
    assert _judge([25.0, 10.0, 10.5, 9.5, 4.0, 10.0]) == [False, True, False, False, True, False]
