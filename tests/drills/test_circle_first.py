"""The bout's first circle has no previous circle's centre to end at: it ends where the knee passes
straight forward of the middle of its own extent, as later circles end at their predecessor's centre,
and not at the inclination's top, which comes later on a circle drawn at a slant."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dorsi.drills.cyclic import CircleSegmenter, Cycle


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
    CircleSegmenter().process(t, incl, frontal, np.zeros_like(t), cycles.append)
    assert len(cycles) >= 2 and cycles[0].direction == "ccw"
    # straight forward of the centre: the frontal tilt crosses 0 going up, in front
    crossing_s = period_s * (1.0 - math.atan2(slant_deg, 2.7) / (2 * math.pi))
    assert abs(cycles[0].end_s - crossing_s) < 0.1
    # the inclination's top (period_s), where the velocity rule alone ended it, is 0.3 s later with the slant
    assert period_s - crossing_s == pytest.approx(0.31 if slant_deg else 0.0, abs=0.01)
