"""benchmarks/bench_reps.py's six-face bench (--bench-calibrated): the product's fit on the simulated bench
recording of a unit lands within the table's tilt of that unit's drawn errors. Tuning seeds only."""

from __future__ import annotations

import importlib.util
import math
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from dorsi.motion.sensor_calibration import fit_six_face
from dorsi.motion.types import GRAVITY_MPS2
from dorsi.virtual.sim.profiles import PROFILE_NAMES, PROFILES
from dorsi.virtual.sim.sensor import SensorErrors

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_reps.py"


def _bench() -> ModuleType:
    if "bench_reps" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_reps", BENCH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_reps"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench_reps"]


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_fit_lands_within_the_tables_tilt_of_the_units_errors(name: str) -> None:
    b = _bench()
    p = PROFILES[name]
    tilt_max_deg = b.BENCH_TILT_MAX_DEG
    for seed in range(1000, 1005):
        rng = np.random.default_rng(seed)
        errors = SensorErrors.draw(rng, 1.5, p)
        rec, tilt_deg = b.six_face_recording(errors, p.rate_hz, rng)
        assert 0.0 <= tilt_deg <= tilt_max_deg
        cal, periods = fit_six_face(rec.chunk)
        assert len(periods) == 6
        offset_err = np.abs(np.asarray(cal.acc_offset_mps2) - errors.accel_bias_mps2)
        # the table's tilt as an accelerometer reading: g·sin(tilt); the drawn offsets reach 2–3 × that
        assert np.all(offset_err <= GRAVITY_MPS2 * math.sin(math.radians(tilt_max_deg))), (seed, offset_err)
        # and well inside it: white noise and the bias walk over ~30 s (worst seen: 0.0056 m/s², consumer-mpu)
        assert np.all(offset_err <= 0.01), (seed, offset_err)
        # the tilt reads each face's axis as g·cos(tilt): 1 − cos(0.5°) = 4e-5, under the noise's 1e-3
        scale_err = np.abs(np.asarray(cal.acc_scale) - errors.accel_scale)
        assert np.all(scale_err <= (1.0 - math.cos(math.radians(tilt_max_deg))) + 1e-3), (seed, scale_err)


def test_a_tilted_table_still_cancels_in_the_offsets() -> None:
    # a table tilted 3°: each axis reads ±g·cos(3°) up and down, so the offset (their mean) is unmoved
    b = _bench()
    p = PROFILES["witmotion"]
    rng = np.random.default_rng(1000)
    errors = SensorErrors.draw(rng, 1.5, p)
    rec, tilt_deg = b.six_face_recording(errors, p.rate_hz, rng, tilt_max_deg=3.0)
    cal, _ = fit_six_face(rec.chunk)
    np.testing.assert_allclose(cal.acc_offset_mps2, errors.accel_bias_mps2, atol=0.01)
    np.testing.assert_allclose(
        np.asarray(cal.acc_scale) / math.cos(math.radians(tilt_deg)), errors.accel_scale, atol=1e-3
    )


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_the_documented_hold_per_face_is_enough(name: str) -> None:
    # calibration/README.md tells how long to hold each face: exactly that long must fit on every profile
    # (the fit trims the ends of a still period next to a move and needs 2 s left: 3 s holds are refused)
    readme = (BENCH.parents[1] / "calibration" / "README.md").read_text(encoding="utf-8")
    found = re.search(r"\*\*(\d+(?:\.\d+)?) s or more\*\* each", readme)
    assert found is not None
    hold_s = float(found.group(1))
    b = _bench()
    p = PROFILES[name]
    for seed in range(1000, 1005):
        rng = np.random.default_rng(seed)
        errors = SensorErrors.draw(rng, 1.5, p)
        rec, _ = b.six_face_recording(errors, p.rate_hz, rng, hold_s=(hold_s, hold_s))
        cal, periods = fit_six_face(rec.chunk)
        assert len(periods) == 6
        np.testing.assert_allclose(cal.acc_offset_mps2, errors.accel_bias_mps2, atol=0.01)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_the_recordings_own_ends_are_not_motion(name: str) -> None:
    # a recording started and stopped while the sensor lies on a face: those faces keep the samples up to
    # the recording's ends (held-out seed 7024's bench, consumer MPU, was refused: its last face lost 0.75 s
    # to the window running past the end). First and last faces cut to 2.6 s: no motion beside the ends.
    b = _bench()
    p = PROFILES[name]
    for seed in range(1000, 1003):
        rng = np.random.default_rng(seed)
        errors = SensorErrors.draw(rng, 1.5, p)
        rec, _ = b.six_face_recording(errors, p.rate_hz, rng, hold_s=(4.0, 4.0))
        cut = int(1.4 * p.rate_hz)
        cal, periods = fit_six_face(rec.chunk.slice(cut, len(rec.chunk) - cut))
        assert len(periods) == 6
        assert periods[0].start_s == rec.chunk.time_s[cut]
        assert periods[-1].end_s == rec.chunk.time_s[len(rec.chunk) - cut - 1]
        np.testing.assert_allclose(cal.acc_offset_mps2, errors.accel_bias_mps2, atol=0.01)


def test_one_noise_spike_does_not_split_a_face() -> None:
    # one sample 0.4 m/s² off (a glitch; a consumer MPU's noise, σ ≈ 0.035 m/s² per axis at 100 Hz, reached
    # 0.2 m/s² once on held-out seed 7024's bench) used to cut a face into two pieces under 2 s each, and the
    # fit refused the recording for want of that face
    b = _bench()
    p = PROFILES["consumer-mpu"]
    rng = np.random.default_rng(1000)
    errors = SensorErrors.draw(rng, 1.5, p)
    rec, _ = b.six_face_recording(errors, p.rate_hz, rng, hold_s=(3.5, 3.5))
    _, clean = fit_six_face(rec.chunk)
    mid = round((clean[2].start_s + clean[2].end_s) / 2.0 * p.rate_hz)
    rec.chunk.acc_mps2[mid, 0] += 0.4
    cal, periods = fit_six_face(rec.chunk)
    assert len(periods) == 6
    np.testing.assert_allclose(cal.acc_offset_mps2, errors.accel_bias_mps2, atol=0.01)
