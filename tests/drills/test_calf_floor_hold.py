"""At 50 Hz a heel strike on a loose strap rings at ≈ 10 Hz just under the snap bar; integrated, it leaves
≈ 6 cm/s, which lifts the integration a cm on the floor: a "rep" opened there and took its quiet moment on
the floor for the top hold. The real rise then moved up at 10 cm/s, far faster than drift can after a
zero-velocity update, yet the bridge took that velocity for drift, closed the floor "rep", and the real
rep was lost (the velocity model, WitMotion profile, tuning seed 1008: 43 of 45 counted). Upward velocity
beyond drift after a hold means the hold was no top: the rep starts again at it."""

from __future__ import annotations

from dorsi.virtual.sim import SimParams
from dorsi.virtual.sim.heldout import assert_tunable
from tests.drills.helpers import counted, simulate_and_count

SEED = 1008  # a TUNING seed (dorsi.virtual.sim.heldout)


def test_a_hold_on_the_floor_after_a_strike_is_not_the_top() -> None:
    assert_tunable(SEED)
    params = SimParams(
        drill="calf-raises", seconds=420.0, seed=SEED, rate_hz=50.0, sensor_profile="witmotion", model="velocity"
    )
    sim, counter = simulate_and_count(params, chunk_sizes=[12])
    truth, got = sim.counted_reps, counted(counter)
    assert len(got) == len(truth) == 45
    for t, g in zip(truth, got, strict=True):
        # each detected rep starts before its own rise's top and is a calf raise's size, not a cm
        assert g.start_s < t["start_s"] + t["up_s"]
        assert g.extra["shin_rise_cm"] > 3.0
