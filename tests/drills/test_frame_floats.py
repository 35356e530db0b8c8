"""The floats a notification's DrillFrames carry for the segmenters' loops are its arrays' values bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np

from dorsi.drills.segment import SMALL_CHUNK, DrillFramer, DrillFrames
from dorsi.motion.pipeline import ShinFrames


def _parts(shin: ShinFrames, rng: np.random.Generator) -> list[ShinFrames]:
    out, i, n = [], 0, len(shin.time_s)
    while i < n:
        j = min(n, i + int(rng.integers(1, SMALL_CHUNK + 1)))
        out.append(ShinFrames(*(getattr(shin, k)[i:j] for k in ShinFrames.__dataclass_fields__)))
        i = j
    return out


def test_notification_floats_are_the_columns_and_the_derived_signals() -> None:
    from dorsi.session import LiveSession, SessionSpec
    from dorsi.virtual.sim import SimParams, simulate

    rec = simulate(SimParams(drill="calf-raises", seconds=20, seed=1004)).recording
    shin, _ = LiveSession(SessionSpec(rate_hz=rec.rate_hz)).feed(rec.chunk)
    framer = DrillFramer(2.5)
    for part in _parts(shin, np.random.default_rng(3)):
        got = framer.update(part)
        assert got.floats is not None
        ts, speed, quiet, acc_noise, rest, incl, frontal, quat_acc, axial, gyr = got.floats
        assert ts == got.time_s.tolist() and speed == got.speed_dps.tolist() and quiet == got.quiet.tolist()
        assert incl == got.incl_deg.tolist() and frontal == got.frontal_deg.tolist() and quat_acc is None
        assert axial == got.axial_deg.tolist() and gyr is None
        assert acc_noise == got.acc_noise().tolist()
        assert got.rest_acc_mps2 is not None
        np.testing.assert_array_equal(rest, got.rest_acc_mps2)  # (nan where no quiet window closed yet)
        # the one-pass floats against the arrays' paths, on a copy without the cached arrays
        fresh = DrillFrames(*(getattr(got, f.name) for f in dataclasses.fields(got) if f.init))
        vertical, jolt = fresh.vertical_jolt_floats()
        assert vertical == got.vertical_acc_mps2.tolist() and jolt == got.jolt_mps2.tolist()
        assert got.since(0).floats is got.floats and (len(got) < 2 or got.since(1).floats is None)


def _bits(values: object) -> tuple[str, tuple[int, ...], bytes]:
    """An array's (or list's) dtype, shape and bytes: equal bit for bit, nan included."""
    a = np.asarray(values)
    return a.dtype.str, a.shape, a.tobytes()


def _fields(frames: DrillFrames) -> list[object]:
    return [
        None if v is None else _bits(v) for v in (getattr(frames, f.name) for f in dataclasses.fields(frames) if f.init)
    ]


def test_rows_give_the_frames_of_the_same_samples_bit_for_bit() -> None:
    """The live session hands the counter a display frame's samples as the pipeline's rows (with their
    ShinFrames when they are one notification's): the framer's rows path gives the same arrays, floats and
    derived signals as its path on those samples' ShinFrames."""
    from dorsi.motion.pipeline import PipelineParams, ShinPipeline
    from dorsi.virtual.sim import SimParams, simulate

    rec = simulate(SimParams(drill="calf-raises", seconds=20, seed=1004)).recording
    chunk = rec.chunk
    pipe = ShinPipeline(PipelineParams(rate_hz=rec.rate_hz))
    by_rows, by_frames, by_both = DrillFramer(2.5), DrillFramer(2.5), DrillFramer(2.5)
    rng = np.random.default_rng(5)
    i, n, seen = 0, len(chunk), 0
    while i < n:
        rows, parts = [], []
        for _ in range(int(rng.integers(1, 5))):  # a few notifications of 1-6 samples joined
            j = min(n, i + int(rng.integers(1, 7)))
            if j > i:
                parts.append(pipe.update(chunk.slice(i, j)))
                assert pipe.rows is not None
                rows += pipe.rows
            i = j
        shin = ShinFrames.concatenate(parts)
        got, want, both = by_rows.update_rows(rows), by_frames.update(shin), by_both.update_rows(rows, shin)
        assert _fields(got) == _fields(want) == _fields(both)
        assert both.floats is not None and [_bits(c) for c in both.floats[:7]] == [_bits(c) for c in got.floats[:7]]
        assert got.floats is not None and want.floats is not None
        assert [_bits(c) for c in got.floats[:7]] == [_bits(c) for c in want.floats[:7]]
        assert got.floats.quat_acc is not None
        assert [_bits(c) for c in got.floats.quat_acc] == [_bits(got.quat_wxyz), _bits(got.acc_mps2)]
        assert [_bits(got.floats.axial_deg), _bits(got.floats.gyr_dps)] == [_bits(got.axial_deg), _bits(got.gyr_dps)]
        assert [_bits(c) for c in got.vertical_jolt_floats()] == [_bits(c) for c in want.vertical_jolt_floats()]
        seen += len(rows)
    assert seen == n
