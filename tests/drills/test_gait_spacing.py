"""The judged rep's gradients (gait._Spacing: numpy's expressions, weights worked out once) against np.gradient:
the same bits, on an even and an uneven time axis (a lost packet, times stamped on arrival)."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.drills.gait import _Spacing


@pytest.mark.parametrize("uneven", [False, True])
def test_spacing_gradient_is_numpys_bit_for_bit(uneven: bool) -> None:
    rng = np.random.default_rng(7)
    n = 900
    t = np.arange(n) * 0.25 if not uneven else np.cumsum(rng.uniform(0.004, 0.006, n))
    if uneven:
        t[400:] += 0.02  # a lost packet
    spacing = _Spacing(np.diff(t))
    assert spacing.uniform is not uneven
    rows = rng.normal(size=(n, 3)).cumsum(axis=0)
    for f in (rows[:, 0], rows[:, 2], np.ascontiguousarray(rows[:, 1]), rows[:5, 0] if not uneven else rows[:, 1]):
        m = len(f)
        expected = np.gradient(f, t[:m])
        got = _Spacing(np.diff(t[:m])).gradient(f) if m != n else spacing.gradient(f)
        assert got.tobytes() == expected.tobytes()
