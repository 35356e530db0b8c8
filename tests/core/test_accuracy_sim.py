"""Issue 2's accuracy bar on simulated sessions: after calibration, tibial inclination
RMSE ≤ 1.0° and frontal tilt RMSE ≤ 1.5°, for every drill, strap rotation up to ±45°,
gyro bias up to ±1.5 °/s, 1 % packet loss, 50–400 Hz, several seeds."""

from __future__ import annotations

import zlib
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from dorsi.analysis import analyze_recording
from dorsi.drills import DRILL_IDS
from dorsi.motion.pipeline import PipelineParams, ShinFrames, ShinPipeline
from dorsi.motion.types import Recording
from dorsi.virtual.sim import SimParams, simulate

INCLINATION_RMSE_MAX_DEG = 1.0
FRONTAL_RMSE_MAX_DEG = 1.5

# (rate_hz, strap_rotation_deg or None for a seeded draw in ±45°)
CONFIGS = [(50.0, -45.0), (100.0, 45.0), (200.0, None), (400.0, 45.0)]


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


@pytest.mark.parametrize("drill", DRILL_IDS)
@pytest.mark.parametrize(("rate_hz", "strap_deg"), CONFIGS)
def test_angles_after_calibration(drill: str, rate_hz: float, strap_deg: float | None) -> None:
    # calf raises at 50 Hz, this seed, was 1.01° while VQF's own rest update learnt the heel rise
    # and sway as bias; 0.15° with the rest-window bias (orientation.py)
    seed = zlib.crc32(f"{drill}@{rate_hz:g}".encode()) % 1000  # stable across runs (str hash is salted)
    sim = simulate(
        SimParams(
            drill=drill,
            seconds=60.0,
            seed=seed,
            rate_hz=rate_hz,
            strap_rotation_deg=strap_deg,
            gyro_bias_max_dps=1.5,
            packet_loss=0.01,
        )
    )
    result = analyze_recording(sim.recording)
    assert result.calibration is not None, "calibration sequence not found"
    assert abs(result.calibration.strap_rotation_deg - sim.calibration["strap_rotation_deg"]) < 3.0
    after = result.after_calibration
    incl = _rmse(result.tibial_inclination_deg[after], sim.truth_tibial_inclination_deg[after])
    frontal = _rmse(result.frontal_tilt_deg[after], sim.truth_frontal_tilt_deg[after])
    assert incl <= INCLINATION_RMSE_MAX_DEG, f"inclination RMSE {incl:.2f}°"
    assert frontal <= FRONTAL_RMSE_MAX_DEG, f"frontal RMSE {frontal:.2f}°"


@pytest.mark.parametrize("seed", [3, 4])
def test_offline_is_as_accurate(seed: int) -> None:
    sim = simulate(SimParams(drill="knee-to-wall", seconds=60.0, seed=seed, rate_hz=100.0))
    result = analyze_recording(sim.recording, offline=True)
    assert result.calibration is not None
    after = result.after_calibration
    assert _rmse(result.tibial_inclination_deg[after], sim.truth_tibial_inclination_deg[after]) <= 1.0
    assert _rmse(result.frontal_tilt_deg[after], sim.truth_frontal_tilt_deg[after]) <= 1.5


def test_pipeline_in_random_chunks_equals_whole_file() -> None:
    sim = simulate(SimParams(drill="banded-mobilization", seconds=40.0, seed=11, rate_hz=200.0))
    chunk = sim.recording.chunk
    whole_pipe = ShinPipeline(PipelineParams(rate_hz=200.0))
    whole = whole_pipe.update(chunk)
    pipe = ShinPipeline(PipelineParams(rate_hz=200.0))
    rng = np.random.default_rng(5)
    cuts = np.unique(rng.integers(1, len(chunk), size=1500))
    bounds = [0, *cuts.tolist(), len(chunk)]
    parts = ShinFrames.concatenate([pipe.update(chunk.slice(s, e)) for s, e in pairwise(bounds)])
    np.testing.assert_array_equal(parts.quat_wxyz, whole.quat_wxyz)
    np.testing.assert_array_equal(parts.calibrated, whole.calibrated)
    np.testing.assert_array_equal(parts.rest, whole.rest)
    # small chunks take a scalar-math path: equal to rounding
    np.testing.assert_allclose(parts.tibial_inclination_deg, whole.tibial_inclination_deg, rtol=0, atol=1e-9)
    np.testing.assert_allclose(parts.frontal_tilt_deg, whole.frontal_tilt_deg, rtol=0, atol=1e-9)
    assert whole_pipe.calibration == pipe.calibration
    assert whole_pipe.calibration is not None
    # the live calibration completes at the sample where the second drive returns
    first = int(np.argmax(whole.calibrated))
    assert whole.time_s[first] == pytest.approx(whole_pipe.calibration.end_s, abs=0.011)


def test_one_sample_notifications_equal_whole_file() -> None:
    """A link without an MTU exchange sends one sample per notification: that path (plain floats,
    calibration included, 2 % of packets lost) gives the whole file's output."""
    sim = simulate(SimParams(drill="knee-to-wall", seconds=40.0, seed=4, rate_hz=100.0, packet_loss=0.02))
    chunk = sim.recording.chunk
    whole_pipe = ShinPipeline(PipelineParams(rate_hz=100.0))
    whole = whole_pipe.update(chunk)
    pipe = ShinPipeline(PipelineParams(rate_hz=100.0))
    ones = ShinFrames.concatenate([pipe.update(chunk.slice(i, i + 1)) for i in range(len(chunk))])
    for name in ("time_s", "quat_wxyz", "calibrated", "gyr_dps", "rest"):
        np.testing.assert_array_equal(getattr(ones, name), getattr(whole, name), err_msg=name)
    np.testing.assert_allclose(ones.tibial_inclination_deg, whole.tibial_inclination_deg, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ones.frontal_tilt_deg, whole.frontal_tilt_deg, rtol=0, atol=1e-9)
    assert pipe.calibration == whole_pipe.calibration
    assert pipe.calibration is not None and whole.calibrated.any() and not whole.calibrated.all()


def test_recording_without_calibration_is_analyzed_with_a_warning() -> None:
    """Another device's file (a BROAD trial: a sensor turned by hand) has no calibration sequence."""
    with np.load(Path(__file__).resolve().parents[1] / "data" / "broad_excerpt.npz") as d:
        rate = float(d["01_sampling_rate_hz"])
        acc = np.asarray(d["01_acc_mps2"], dtype=np.float64)
        gyr = np.degrees(np.asarray(d["01_gyr_rad_s"], dtype=np.float64))
    rec = Recording(np.arange(len(acc)) / rate, acc, gyr)
    result = analyze_recording(rec)
    assert result.calibration is None
    assert result.warnings and "no calibration sequence" in result.warnings[0]
    cal = result.summary()["calibration"]
    assert cal["found"] is False and cal["strap_rotation_deg"] == 0.0 and cal["reason"]
    assert np.all(np.isfinite(result.tibial_inclination_deg))


def test_calibration_progress_for_live_feedback() -> None:
    sim = simulate(SimParams(drill="knee-to-wall", seconds=30.0, seed=6, rate_hz=100.0))
    pipe = ShinPipeline(PipelineParams(rate_hz=100.0))
    seen = []
    chunk = sim.recording.chunk
    for start in range(0, len(chunk), 50):
        pipe.update(chunk.slice(start, start + 50))
        assert pipe.detector is not None
        p = pipe.detector.progress
        seen.append((p.phase, p.drives_done))
        assert 0.0 <= p.standing_s <= p.standing_needed_s
    phases = [ph for ph, _ in seen]
    assert phases[0] == "standing" and "drives" in phases and phases[-1] == "done"
    assert seen[-1][1] == 2
    assert [d for ph, d in seen if ph == "drives"] == sorted(d for ph, d in seen if ph == "drives")
