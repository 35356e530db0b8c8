"""Two calibration drives of different sizes: the strap rotation is their axis, not their size.

Tuning seed 1051 drives 35° and then 21° (2.08× beyond standing). A size check (≤ 2×) dropped the
first drive, took the drill's first movement for the second and never calibrated: 0 reps on every
drill, profile and model. Walking, stepping and jogging stay refused by the checks that are about them
(tests/calibration/test_refuses_nondrill.py)."""

from __future__ import annotations

import pytest

from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim import SimParams, simulate
from dorsi.virtual.sim.heldout import assert_tunable
from tests.drills.helpers import PROFILE_RATE_HZ

SEED = 1051


@pytest.mark.parametrize(("profile", "model"), [("reference", "keyframe"), ("consumer-mpu", "velocity")])
def test_drives_of_different_sizes_calibrate(profile: str, model: str) -> None:
    assert_tunable(SEED)
    rate = PROFILE_RATE_HZ[profile]
    sim = simulate(
        SimParams(drill="knee-to-wall", seconds=120.0, seed=SEED, rate_hz=rate, sensor_profile=profile, model=model)
    )
    session = LiveSession(SessionSpec(rate_hz=rate, drill="knee-to-wall", side=sim.params.side))
    events = session.feed(sim.recording.chunk)[1] + session.finish()
    cal = session.calibration
    assert cal is not None
    peaks = sorted(d.peak_tilt_deg - cal.standing_inclination_deg for d in cal.drives)
    assert peaks[1] > 1.5 * peaks[0]  # the two drives differ in size
    assert abs(cal.strap_rotation_deg - sim.calibration["strap_rotation_deg"]) < 1.0
    assert sum(e.kind == "rep" for e in events) == len(sim.counted_reps) == 3
