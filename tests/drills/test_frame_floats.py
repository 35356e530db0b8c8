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
        ts, speed, quiet, acc_noise, rest = got.floats
        assert ts == got.time_s.tolist() and speed == got.speed_dps.tolist() and quiet == got.quiet.tolist()
        assert acc_noise == got.acc_noise().tolist()
        assert got.rest_acc_mps2 is not None
        np.testing.assert_array_equal(rest, got.rest_acc_mps2)  # (nan where no quiet window closed yet)
        # the one-pass floats against the arrays' paths, on a copy without the cached arrays
        fresh = DrillFrames(*(getattr(got, f.name) for f in dataclasses.fields(got) if f.init))
        vertical, jolt = fresh.vertical_jolt_floats()
        assert vertical == got.vertical_acc_mps2.tolist() and jolt == got.jolt_mps2.tolist()
        assert got.since(0).floats is got.floats and (len(got) < 2 or got.since(1).floats is None)
