"""A 1-sample notification's VQF inputs are written into two arrays the pipeline uses in turn
(ShinPipeline._update_one): the orientation stage keeps the last sample's for the next gap, so a gap bridged by
interpolation (or a restart after a long one) must read the sample before it, not the one being written. The
frames are those with new arrays every sample (``reuse_inputs`` off), bit for bit, across lost packets and a
drop-out; the orientation's outputs are also the whole stream's in one chunk."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.motion.pipeline import PipelineParams, ShinFrames, ShinPipeline
from dorsi.motion.types import ImuChunk
from dorsi.virtual.sim import SimParams, simulate


def _with_gaps(chunk: ImuChunk) -> ImuChunk:
    keep = np.ones(len(chunk), dtype=bool)
    rng = np.random.default_rng(7)
    for i in rng.choice(np.arange(400, len(chunk) - 400), 60, replace=False):
        keep[i : i + int(rng.integers(1, 4))] = False  # lost packets: 1-3 samples, bridged
    keep[2000:2200] = False  # a drop-out of 1 s at 200 Hz: VQF's inclination restarted
    return ImuChunk(chunk.time_s[keep], chunk.acc_mps2[keep], chunk.gyr_dps[keep])


def _one_by_one(chunk: ImuChunk) -> tuple[ShinPipeline, ShinFrames]:
    pipe = ShinPipeline(PipelineParams(rate_hz=200.0))
    return pipe, ShinFrames.concatenate([pipe.update(chunk.slice(i, i + 1)) for i in range(len(chunk))])


def _bits(frames: ShinFrames, name: str) -> tuple[str, tuple[int, ...], bytes]:
    a = getattr(frames, name)
    return a.dtype.str, a.shape, a.tobytes()


def test_one_sample_notifications_reusing_their_inputs_give_the_same_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    sim = simulate(SimParams(drill="calf-raises", seconds=30.0, seed=1004, rate_hz=200.0))
    chunk = _with_gaps(sim.recording.chunk)
    pipe, reused = _one_by_one(chunk)
    assert pipe.calibration is not None and bool(reused.calibrated[-1])
    monkeypatch.setattr(ShinPipeline, "reuse_inputs", False)
    _, fresh = _one_by_one(chunk)
    for name in ShinFrames.__dataclass_fields__:
        assert _bits(reused, name) == _bits(fresh, name), name
    whole = ShinPipeline(PipelineParams(rate_hz=200.0)).update(chunk)
    for name in ("time_s", "quat_wxyz", "gyr_dps", "rest", "calibrated"):
        assert _bits(reused, name) == _bits(whole, name), name
