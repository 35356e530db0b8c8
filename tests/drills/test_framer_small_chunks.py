"""DrillFramer's plain-float path for small chunks gives the numpy path's numbers bit for bit."""

from __future__ import annotations

import numpy as np

from dorsi.drills.segment import SMALL_CHUNK, DrillFramer
from dorsi.motion.pipeline import ShinFrames


def _frames(n: int, seed: int) -> ShinFrames:
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.choice([1 / 208, 2 / 208, 0.7], size=n, p=[0.95, 0.04, 0.01]))  # gaps, one over 0.5 s
    gyr = rng.normal(0.0, 40.0, size=(n, 3)) * rng.choice([0.01, 1.0], size=(n, 1))  # still and moving
    z = np.zeros(n)
    return ShinFrames(t, np.tile([1.0, 0, 0, 0], (n, 1)), z, z, z > 0, gyr, z > 0, np.zeros((n, 3)))


def _part(f: ShinFrames, a: int, b: int) -> ShinFrames:
    return ShinFrames(*(getattr(f, k)[a:b] for k in ShinFrames.__dataclass_fields__))


def _check_framer_paths(frames: ShinFrames, rng: np.random.Generator) -> DrillFramer:
    small, arrays, i = DrillFramer(2.5), DrillFramer(2.5), 0
    while i < len(frames.time_s):
        part = _part(frames, i, i := min(len(frames.time_s), i + int(rng.integers(1, SMALL_CHUNK + 1))))
        got, want = small._update_small(part), arrays._update_arrays(part)
        for name in ("speed_dps", "quiet", "axial_deg", "acc_noise_rthz", "gyr_noise_dps", "rest_acc_mps2"):
            g, w = getattr(got, name), getattr(want, name)
            assert g.dtype == w.dtype
            np.testing.assert_array_equal(g, w)
        assert (small.axial_deg, small.last_t) == (arrays.axial_deg, arrays.last_t)
    return small


def test_small_chunks_get_the_array_paths_numbers_exactly() -> None:
    _check_framer_paths(_frames(3000, seed=4), np.random.default_rng(5))


def test_small_chunks_get_the_array_paths_noise_exactly_on_a_drill() -> None:
    """On a simulated drill the quiet windows close: the measured noise, not only the priors, is compared."""
    from dorsi.session import LiveSession, SessionSpec
    from dorsi.virtual.sim import SimParams, simulate

    rec = simulate(SimParams(drill="knee-to-wall", seconds=20, seed=3)).recording
    shin, _ = LiveSession(SessionSpec(rate_hz=rec.rate_hz, strap_rotation_deg=0.0)).feed(rec.chunk)
    assert _check_framer_paths(shin, np.random.default_rng(8)).noise.windows > 3


def test_gait_watch_small_chunks_get_the_array_paths_impacts_exactly() -> None:
    """GaitWatch's plain-float path (notifications) against its numpy path, chunk for chunk, on walking: the
    impacts, the quiet noise sums and the carried tail are the same bits."""
    from dorsi.drills.gait import GaitWatch
    from dorsi.drills.params import GaitParams
    from dorsi.session import LiveSession, SessionSpec
    from dorsi.virtual.sim.nondrill import simulate_movement

    rec = simulate_movement("walk", 1002).recording
    shin, _ = LiveSession(SessionSpec(rate_hz=rec.rate_hz, strap_rotation_deg=0.0)).feed(rec.chunk)
    frames = DrillFramer(2.5).update(shin)
    rng = np.random.default_rng(6)
    small, arrays, i = GaitWatch(GaitParams()), GaitWatch(GaitParams()), 0
    while i < len(frames):
        part = frames.slice(i, i := min(len(frames), i + int(rng.integers(1, SMALL_CHUNK + 1))))
        assert small._impacts_small(part) == arrays._impacts(part)
        assert (small._quiet_n, small._quiet_ss) == (arrays._quiet_n, arrays._quiet_ss)
        np.testing.assert_array_equal(small._tail_t, arrays._tail_t)
        np.testing.assert_array_equal(small._tail_f, arrays._tail_f)
    assert list(small.impacts) == list(arrays.impacts) and len(small.impacts) > 20


def test_heel_rows_small_chunks_get_the_array_paths_rows_exactly() -> None:
    """The heel buffer's rows for a notification's few samples (floats into one array) against its numpy
    fill, chunk for chunk, on a heel-down drill: the same bits."""
    from dorsi.drills.validity import MotionBuffer
    from dorsi.session import LiveSession, SessionSpec
    from dorsi.virtual.sim import SimParams, simulate

    rec = simulate(SimParams(drill="knee-to-wall", seconds=20, seed=3)).recording
    shin, _ = LiveSession(SessionSpec(rate_hz=rec.rate_hz, strap_rotation_deg=0.0)).feed(rec.chunk)
    frames = DrillFramer(2.5).update(shin)
    assert frames.quiet.any() and not frames.quiet.all()
    rng = np.random.default_rng(7)
    i = 0
    while i < len(frames):
        part = frames.slice(i, i := min(len(frames), i + int(rng.integers(1, SMALL_CHUNK + 1))))
        got, want = MotionBuffer._rows_small(part), MotionBuffer._rows_arrays(part)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert got.tobytes() == want.tobytes()
