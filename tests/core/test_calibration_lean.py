"""The calibration detector's lean per-sample step and episode arrays (calibration.py): the same detections,
phases, reasons and results, to the bit, as the detector before them. The digests below were taken with that
detector (main at 367fd15) over the same samples: calibrations found, refused movements (each reason), and
without the accelerometer; every sample's return, and the progress every 50 samples."""

from __future__ import annotations

import hashlib

import pytest

from dorsi.motion.calibration import CalibrationDetector
from dorsi.motion.orientation import OrientationEstimator, OrientationParams
from dorsi.virtual.sim import SimParams, SimResult, simulate
from dorsi.virtual.sim.nondrill import simulate_movement


def _trace(sim: SimResult, with_acc: bool) -> str:
    chunk = sim.recording.chunk
    quat = OrientationEstimator(OrientationParams(rate_hz=sim.params.rate_hz)).update(chunk).quat_wxyz
    gyrs, quats, accs = chunk.gyr_dps.tolist(), quat.tolist(), chunk.acc_mps2.tolist()
    det = CalibrationDetector()
    h = hashlib.sha256()
    for i, t in enumerate(chunk.time_s.tolist()):
        if det.update_one(t, gyrs[i], quats[i], accs[i] if with_acc else None):
            h.update(f"done {i}".encode())
        if i % 50 == 0:
            h.update(repr(det.progress).encode())
    h.update(repr(det.result).encode() + repr(det.progress).encode() + det.reason.encode())
    return h.hexdigest()[:16]


CASES = {
    ("calf-raises", 1004, "reference", 208.0, True): "f3dc87ea4f8d48a4",
    ("knee-to-wall", 1003, "consumer-mpu", 100.0, True): "91d648545e8f8159",
    ("ankle-matrix", 1010, "witmotion", 100.0, False): "dc9a464407bc09d4",
    ("stand-then-walk", 1000, "", 0.0, True): "3454636718fb135f",
    ("stepping", 1001, "", 0.0, True): "3a083f073e2a3a56",
    ("jogging", 1002, "", 0.0, True): "58470cb8ee9e6358",
    ("turning", 1003, "", 0.0, True): "7c762b748a592b5f",
    ("walk-then-calibrate", 1001, "", 0.0, True): "9b1032e020099eb4",
    ("drill-walk-drill", 1002, "", 0.0, False): "59761132ccf1bd6c",
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_detector_traces_are_the_ones_before(case: tuple[str, int, str, float, bool]) -> None:
    kind, seed, profile, rate_hz, with_acc = case
    if profile:
        sim = simulate(SimParams(drill=kind, seconds=40.0, seed=seed, rate_hz=rate_hz, sensor_profile=profile))
    else:
        sim = simulate_movement(kind, seed)
    assert _trace(sim, with_acc) == CASES[case]
