"""The bout's first circle has no previous circle's centre to end at: it ends where the knee passes
straight forward of the middle of its own extent, as later circles end at their predecessor's centre,
and not at the inclination's top, which comes later on a circle drawn at a slant."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dorsi.drills.cyclic import CircleSegmenter, Cycle
from tests.drills.helpers import drill_frames


@pytest.mark.parametrize("slant_deg", [0.0, 0.8])
def test_first_circle_ends_straight_forward_of_its_centre(slant_deg: float) -> None:
    """Counter-clockwise circles (knee forward, then to the person's left: frontal tilt up), 4° of
    inclination × 2.7° of frontal tilt, the frontal tilt leaning by ``slant_deg`` × cos(phase)."""
    rate_hz, period_s = 200.0, 6.7
    t = np.arange(0.0, 3 * period_s, 1.0 / rate_hz)
    phase = 2 * math.pi * t / period_s
    incl = 38.0 + 4.0 * np.cos(phase)
    frontal = 2.7 * np.sin(phase) + slant_deg * np.cos(phase)
    cycles: list[Cycle] = []
    CircleSegmenter().detect(drill_frames(t, incl, frontal), cycles.append)
    assert len(cycles) >= 2 and cycles[0].direction == "ccw"
    # straight forward of the centre: the frontal tilt crosses 0 going up, in front
    crossing_s = period_s * (1.0 - math.atan2(slant_deg, 2.7) / (2 * math.pi))
    assert abs(cycles[0].end_s - crossing_s) < 0.1
    # the inclination's top (period_s), where the velocity rule alone ended it, is 0.3 s later with the slant
    assert period_s - crossing_s == pytest.approx(0.31 if slant_deg else 0.0, abs=0.01)


def _slow_top_circles(rate_hz: float, n_circles: int, pause_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clockwise circles of 4° × 2.7° radius, 7.58 s each, that slow to 1.48 °/s for 0.42 s at the top (under
    the 1.5 °/s at which the velocity's direction is read); ``pause_s`` of stillness just after the third's end."""
    dt = 1.0 / rate_hz
    phase, t, paused = [0.0], [0.0], 0.0
    while phase[-1] > -2 * math.pi * (n_circles + 0.25):  # and a quarter on, past the last top
        if phase[-1] <= -2 * math.pi * 3 - 0.1 and paused < pause_s:
            paused += dt
        else:
            phase.append(phase[-1] - dt * 0.9 * (1.0 - 0.39 * math.cos(phase[-1])))
            t.append(t[-1] + dt)
            continue
        phase.append(phase[-1])
        t.append(t[-1] + dt)
    ph = np.array(phase)
    return np.array(t), 38.0 + 4.0 * np.cos(ph), 2.7 * np.sin(ph)


@pytest.mark.parametrize("rate_hz", [50.0, 200.0])
def test_slow_top_is_not_a_stop_but_a_pause_is(rate_hz: float) -> None:
    """Six slow circles: the brief dip under the readable speed at each top does not end the bout (it had
    reset the turn count and lost the circle ending there); a 2 s stop after the third does, so the fourth
    is a new bout's first circle. Every circle is counted either way."""
    for pause_s in (0.0, 2.0):
        t, incl, frontal = _slow_top_circles(rate_hz, 6, pause_s)
        cycles: list[Cycle] = []
        CircleSegmenter().detect(drill_frames(t, incl, frontal), cycles.append)
        assert [c.direction for c in cycles] == ["cw"] * 6
        ends = np.array([c.end_s for c in cycles])
        # each ends straight forward of the centre: at the top (phase a multiple of 2π), 7.58 s apart + the pause
        expected = np.cumsum([0.0] + [7.58] * 5) + np.where(np.arange(6) >= 3, pause_s, 0.0)
        assert np.abs(np.diff(ends) - np.diff(expected)).max() < 0.3
