"""The partial-rep rule: under half the median of the last full reps of the same kind is partial."""

from __future__ import annotations

import numpy as np

from dorsi.drills.counter import RepCounter, _Draft

RATE_HZ = 100.0


def _judge(ranges_deg: list[float], drill: str = "banded-mobilization") -> list[bool]:
    """Feed one drive per range (3 s each, 6 s apart) straight to the judging step; partial flags."""
    counter = RepCounter(drill)
    out = []
    for i, r in enumerate(ranges_deg):
        t = 6.0 * i + np.arange(int(3 * RATE_HZ)) / RATE_HZ
        bump = r * np.sin(np.pi * (t - t[0]) / 3.0) ** 2
        draft = _Draft(t[0], t[-1], t[-1], t, 10.0 + bump, np.zeros_like(t), np.full_like(t, 5.0), bump, r)
        out.append(counter._finish(draft).rep.partial)
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
