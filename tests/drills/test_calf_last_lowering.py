"""After the bridge closes a rep, no rest is taken until shortly before the fitted end of the lowering.
That lead was 1 s for every lowering: right for an 8 s lowering (the fitted end's error is 0.5-1 s),
but a 3 s lowering still brakes in its last second. A quiet moment there was taken as rest; the rest
of the braking then integrated as a rise of over 1 cm and opened a rep that was never made (fresh seed
41, the last rep of the last set: 46 for 45)."""

from __future__ import annotations

from dorsi.virtual.sim import SimParams

from .helpers import counted, simulate_and_count


def test_the_braking_end_of_a_3_s_lowering_is_not_a_rise() -> None:
    params = SimParams(drill="calf-raises", seconds=420.0, seed=41, rate_hz=50.0)
    sim, counter = simulate_and_count(params, [10])
    reps = counted(counter)
    assert len(reps) == len(sim.counted_reps) == 45
    # nothing after the last true rep ends (the person stands still to the end of the recording)
    assert reps[-1].start_s < sim.counted_reps[-1]["end_s"]
