"""The noise tracker's two paths (sample by sample for a notification, window by window for a long
chunk) give the same estimates bit for bit, for any chunking."""

import numpy as np

from dorsi.drills.noise import SMALL_CHUNK, NoiseTracker


def _stream(n: int, seed: int) -> tuple[np.ndarray, ...]:
    r = np.random.default_rng(seed)
    dt = np.full(n, 1 / 200) * (1 + 0.01 * r.standard_normal(n))
    gaps = r.random(n) < 0.002
    dt[gaps] = r.choice([0.3, 0.05, 0.0], int(gaps.sum()))  # lost packets, a repeated time
    t = np.cumsum(dt)
    acc = r.normal(0, 0.05, (n, 3)) + np.array([0.0, 0.0, 9.81])
    gyr = r.normal(0, 0.3, (n, 3))
    quiet = np.ones(n, bool)
    for _ in range(n // 2500):  # movements break the quiet windows
        a = int(r.integers(0, n))
        quiet[a : a + int(r.integers(1, 400))] = False
    acc[r.random(n) < 0.0001] = np.nan
    return t, acc, gyr, quiet


def _feed(sizes: list[int], t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, quiet: np.ndarray):
    tracker = NoiseTracker()
    outs, a = [], 0
    for k in sizes:
        outs.append(tracker.update(t[a : a + k], acc[a : a + k], gyr[a : a + k], quiet[a : a + k]))
        a += k
    assert a == len(t)
    return tracker, [np.concatenate([o[j] for o in outs]) for j in range(3)]


def _sizes(n: int, rng: np.random.Generator, small_only: bool) -> list[int]:
    sizes: list[int] = []
    while sum(sizes) < n:
        small = small_only or rng.random() < 0.5
        sizes.append(int(rng.integers(1, SMALL_CHUNK + 1) if small else rng.integers(SMALL_CHUNK + 1, 3000)))
    sizes[-1] -= sum(sizes) - n
    return sizes


def test_window_path_matches_the_sample_loop_bit_for_bit() -> None:
    n = 12000
    for seed in range(4):
        data = _stream(n, seed)
        rng = np.random.default_rng(100 + seed)
        ref_tracker, ref = _feed(_sizes(n, rng, small_only=True), *data)
        assert ref_tracker.windows > 10  # the estimates change along the stream
        for sizes in ([n], [8192, n - 8192], _sizes(n, rng, small_only=False)):
            tracker, got = _feed(sizes, *data)
            assert tracker.windows == ref_tracker.windows
            for a, b in zip(ref, got, strict=True):
                assert np.array_equal(a, b, equal_nan=True)
