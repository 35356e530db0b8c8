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


def test_heel_and_lift_rows_built_late_are_the_rows_built_per_chunk() -> None:
    """The heel buffer's and the lift check's rows are built when read, for every chunk not built yet in
    one call: the same bits as building each chunk's rows on its own (a reader after every chunk), and the
    same chunks dropped from the window, on a heel-down drill in random small chunks."""
    from dorsi.drills.gait import GaitWatch
    from dorsi.drills.params import GaitParams
    from dorsi.drills.validity import MotionBuffer
    from dorsi.session import LiveSession, SessionSpec
    from dorsi.virtual.sim import SimParams, simulate

    rec = simulate(SimParams(drill="knee-to-wall", seconds=20, seed=3)).recording
    shin, _ = LiveSession(SessionSpec(rate_hz=rec.rate_hz, strap_rotation_deg=0.0)).feed(rec.chunk)
    frames = DrillFramer(2.5).update(shin)
    assert frames.quiet.any() and not frames.quiet.all()
    keep = GaitParams(keep_s=3.0)
    each, late = (MotionBuffer(3.0), GaitWatch(keep)), (MotionBuffer(3.0), GaitWatch(keep))
    rng = np.random.default_rng(7)
    i, reads = 0, 0
    while i < len(frames):
        part = frames.slice(i, i := min(len(frames), i + int(rng.integers(1, SMALL_CHUNK + 1))))
        for m, g in (each, late):
            m.extend(part)
            g.extend(part)
        one = (each[0].rows, each[1]._rows.rows())
        if rng.random() < 0.05 or i == len(frames):
            reads += 1
            for got, want in zip((late[0].rows, late[1]._rows.rows()), one, strict=True):
                assert got.shape == want.shape and got.dtype == want.dtype and len(got) > 0
                assert got.tobytes() == want.tobytes()
                assert want[0, 0] >= frames.time_s[i - 1] - 3.0 - 0.2  # the window drops old chunks
    assert reads > 5


def test_small_chunks_jolt_is_the_norms_bits() -> None:
    """DrillFrames.jolt_mps2 in floats for a notification's few samples against np.linalg.norm: the same bits."""
    from dorsi.drills.segment import DrillFrames
    from dorsi.motion.types import GRAVITY_MPS2

    rng = np.random.default_rng(8)
    n = 20000
    acc = rng.normal(0.0, 1.0, size=(n, 3)) * 10.0 ** rng.uniform(-3.0, 2.0, size=(n, 1))
    acc[:5] = [[0.0, 0.0, 9.81], [0.0, 0.0, 0.0], [-1e-300, 0.0, 0.0], [3.0, 4.0, 0.0], [np.nan, 0.0, 1.0]]
    want = np.linalg.norm(acc, axis=1) - GRAVITY_MPS2
    z = np.zeros(n)
    i = 0
    while i < n:
        j = min(n, i + int(rng.integers(1, SMALL_CHUNK + 1)))
        f = DrillFrames(z[i:j], z[i:j], z[i:j], z[i:j], z[i:j] > 0, z[i:j], np.zeros((j - i, 4)), acc[i:j])
        got = f.jolt_mps2
        assert got.dtype == want.dtype and got.tobytes() == want[i:j].tobytes()
        i = j


def test_gait_watch_lazy_threshold_switched_off_gives_the_same_impacts_and_sums() -> None:
    """The small path's threshold worked out only for a change over the floor (gait.LAZY_THRESHOLD) against
    every sample's, on walking with an inf and a nan in the long axis' force: the same impacts and sums, bit
    for bit (the nan reaches the noise sum in both)."""
    import dataclasses

    from dorsi.drills import gait
    from dorsi.drills.params import GaitParams
    from dorsi.session import LiveSession, SessionSpec
    from dorsi.virtual.sim.nondrill import simulate_movement

    rec = simulate_movement("walk", 1002).recording
    shin, _ = LiveSession(SessionSpec(rate_hz=rec.rate_hz, strap_rotation_deg=0.0)).feed(rec.chunk)
    frames = DrillFramer(2.5).update(shin)
    acc = frames.acc_mps2.copy()
    n = len(frames)
    acc[n // 2, gait.AXIS] = np.inf
    acc[3 * n // 4, gait.AXIS] = np.nan
    odd = dataclasses.replace(frames, acc_mps2=acc)

    def run(all_frames: object, lazy: bool) -> list[bytes]:
        old = gait.LAZY_THRESHOLD
        gait.LAZY_THRESHOLD = lazy
        try:
            watch, rng, i, seen = gait.GaitWatch(GaitParams()), np.random.default_rng(7), 0, []
            while i < n:
                part = all_frames.slice(i, i := min(n, i + int(rng.integers(1, SMALL_CHUNK + 1))))  # type: ignore[attr-defined]
                watch._impacts_small(part)
                seen.append(np.array([watch._quiet_n, watch._quiet_ss, *watch.impacts]).tobytes())
            return seen
        finally:
            gait.LAZY_THRESHOLD = old

    clean = run(frames, True)
    assert clean == run(frames, False)
    assert len(np.frombuffer(clean[-1])) > 22  # impacts found (and the two sums)
    with_odd = run(odd, True)
    assert with_odd == run(odd, False)
    assert np.isnan(np.frombuffer(with_odd[-1])[1])  # the nan reached the noise sum
