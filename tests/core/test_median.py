"""dorsi.motion.types.median gives np.median's value exactly (the rate of every file depends on it)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dorsi.motion.types import Recording, median, nominal_rate_hz

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(arrays(np.float64, st.integers(1, 60), elements=finite))
def test_equals_numpy_median(x: np.ndarray) -> None:
    expected = float(np.median(x))
    assert median(x) == expected
    scratch = x.copy()
    assert median(scratch, scratch=True) == expected  # partitioned in place: the same value
    assert sorted(scratch.tolist()) == sorted(x.tolist())


def test_nan_and_hour_of_intervals() -> None:
    assert math.isnan(median(np.array([1.0, np.nan, 2.0])))
    rng = np.random.default_rng(0)
    for n in (720_000, 720_001):
        steps = 0.005 + rng.normal(0, 1e-5, n)
        assert median(steps) == float(np.median(steps))
    t = np.cumsum(np.full(1000, 0.01))
    assert nominal_rate_hz(t) == float(1.0 / np.median(np.diff(t)))
    rec = Recording(t, np.zeros((1000, 3)), np.zeros((1000, 3)))
    assert rec.measured_from(np.diff(t)).rate_hz == nominal_rate_hz(t)  # a reader's checked intervals
