"""The calf-raise rest runs' array arithmetic (``vertical._ema``, ``vertical._leading``) against the per-sample
loops ``RaiseSegmenter.detect`` runs: the same floats, bit for bit, for any inputs and any cut into blocks."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.drills.vertical import EMA_RENORM, _ema, _leading


def _ema_loop(x: list[float], k: list[float], p: float, q: float) -> tuple[list[float], list[float]]:
    """detect's anchored mean, one sample at a time."""
    ps, qs = [], []
    for xi, ki in zip(x, k, strict=True):
        if p < EMA_RENORM:
            q, p = p * q, 1.0
        p *= 1.0 - ki
        q += ki * xi / p
        ps.append(p)
        qs.append(q)
    return ps, qs


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 3000),
    k_max=st.sampled_from([1e-3, 0.03, 0.4, 0.9]),
    cuts=st.lists(st.integers(1, 2999), max_size=6),
)
def test_anchored_mean_blocks_match_the_sample_loop(seed: int, n: int, k_max: float, cuts: list[int]) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, n) * rng.choice([1e-3, 1.0, 10.0])
    k = rng.uniform(1e-4, k_max, n)
    k[rng.uniform(size=n) < 0.5] = k[0]  # long stretches of one weight, as at a steady rate
    p0, q0 = float(rng.uniform(1e-160, 1.0)), float(rng.normal())
    want_p, want_q = _ema_loop(x.tolist(), k.tolist(), p0, q0)
    got_p, got_q = [], []
    p, q = p0, q0
    for lo, hi in zip([0, *sorted(c for c in cuts if c < n)], [*sorted(c for c in cuts if c < n), n], strict=True):
        bp, bq = _ema(x[lo:hi], k[lo:hi], p, q)
        if hi > lo:
            p, q = float(bp[-1]), float(bq[-1])
        got_p += bp.tolist()
        got_q += bq.tolist()
    assert got_p == want_p and got_q == want_q


def test_anchored_mean_is_re_anchored_in_a_block_as_in_the_loop() -> None:
    # weights of 0.4: the product falls under EMA_RENORM after ≈ 680 samples, twice in 2000
    rng = np.random.default_rng(5)
    x, k = rng.normal(size=2000), np.full(2000, 0.4)
    want_p, want_q = _ema_loop(x.tolist(), k.tolist(), 1.0, 0.0)
    got_p, got_q = _ema(x, k, 1.0, 0.0)
    assert got_p.tolist() == want_p and got_q.tolist() == want_q
    assert int(np.sum(np.diff(got_p) > 0)) == 2  # (re-anchored: p back to 1 − k)
    y = got_p * got_q  # the mean itself, against the plain recursion
    ref = np.empty(2000)
    m = 0.0
    for i in range(2000):
        m += 0.4 * (x[i] - m)
        ref[i] = m
    assert np.max(np.abs(y - ref)) < 1e-12


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_old=st.integers(0, 80),
    n=st.integers(1, 500),
    span_s=st.sampled_from([0.15, 0.3, 0.005, 0.1]),
    strict=st.booleans(),
)
def test_leading_counts_match_the_popping_loop(seed: int, n_old: int, n: int, span_s: float, strict: bool) -> None:
    # times as detect sums them (dt of 5 ms with rounding jitter, a few lost packets), the queue's entries first
    rng = np.random.default_rng(seed)
    dt = np.where(rng.uniform(size=n_old + n) < 0.02, 0.02, 0.005) + rng.choice([0.0, 1e-17, -1e-17], n_old + n)
    t = 1000.0 * rng.uniform() + np.add.accumulate(dt)
    tq, ti = t, t[n_old:]
    want, front = [], 0
    for i, now in enumerate(ti.tolist()):
        own = n_old + i
        while front < own and (now - tq[front] > span_s if strict else now - tq[front] >= span_s):
            front += 1
        want.append(front)
    assert _leading(tq, ti, span_s, strict).tolist() == want
