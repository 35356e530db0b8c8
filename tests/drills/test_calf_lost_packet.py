"""Calf raises with lost packets (the simulator drops 1 %): the impulse test's snap is a divided difference
over the two real sample intervals. The plain second difference over dt² read a fast rise's onset across a
20 ms gap (0.7 m/s² over the gap, 0.1 in the 10 ms after it) as an impulse turning back; the rise was undone
in its push and the rep lost (velocity model, reference profile, tuning seed 1008: 44 of 45 before)."""

from __future__ import annotations

import math

from dorsi.drills.params import VerticalParams
from dorsi.drills.vertical import Thresholds
from dorsi.virtual.sim import SimParams
from dorsi.virtual.sim.heldout import assert_tunable
from tests.drills.helpers import counted, simulate_and_count

SEED = 1008  # a TUNING seed (dorsi.virtual.sim.heldout)


def test_snap_bar_on_equal_intervals_is_the_second_difference_noise() -> None:
    p = VerticalParams()
    th = Thresholds.of(p, 0.05)  # noisy enough that k × noise is over the physical floor
    dt = 0.01
    sigma = 0.05 * math.sqrt(0.5 / dt)
    assert math.isclose(th.snap(p, dt, dt), p.jerk_k * math.sqrt(6.0) * sigma / dt**2)
    assert th.snap(p, dt, 2 * dt) < th.snap(p, dt, dt)  # a longer interval: a smaller divided difference's noise


def test_velocity_model_calf_set_with_lost_packets_counts_exactly() -> None:
    assert_tunable(SEED)
    params = SimParams(
        drill="calf-raises", seconds=420.0, seed=SEED, rate_hz=104.0, sensor_profile="reference", model="velocity"
    )
    sim, counter = simulate_and_count(params, chunk_sizes=[26])
    got = counted(counter)
    assert len(got) == len(sim.counted_reps) == 45
