"""The rest window keeps its steps as rows (orientation._RestWindow: one row written a step) and measures them as
the contiguous (3, n) arrays; the measurement is the one of the columns of a (3, max_n) buffer it kept before,
bit for bit, for any window length."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.motion.orientation import _rest_window_bias, _RestWindow


@pytest.mark.parametrize("n", [2, 41, 104, 208, 511, 1040])
def test_rows_measure_as_the_columns_did(n: int) -> None:
    rng = np.random.default_rng(n)
    g_cols, a_cols = np.empty((3, 1040)), np.empty((3, 1040))  # the former buffers, first n columns
    g_cols[:, :n] = rng.normal(0.0, 0.01, (3, n))
    a_cols[:, :n] = rng.normal(0.0, 0.1, (3, n)) + np.array([[0.3], [9.8], [0.2]])
    window = _RestWindow(208.0)
    want = _rest_window_bias(g_cols[:, :n], a_cols[:, :n], window.period_s, window.block_n)
    got = None
    for i in range(n):
        got = window.step(g_cols[:, i].copy(), a_cols[:, i].copy(), True)
    got = window.step(g_cols[:, 0], a_cols[:, 0], False) if n < window.max_n else got
    if n < window.min_n:
        assert got is None
        return
    assert got is not None
    assert [x.tobytes() for x in got] == [x.tobytes() for x in want]
