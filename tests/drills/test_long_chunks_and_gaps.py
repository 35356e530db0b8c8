"""What a real file showed that the simulator's 200 Hz, 0.25 s-chunk sessions never did (a phone on the
shin, 10 min of walking at 50 Hz, analysed as each drill):

- A file is counted in blocks of 8192 samples, which at under 68 Hz span more than the gait watch keeps
  (``GaitParams.keep_s``). Trimmed from a block's last sample, the impacts of its first part were gone when
  its reps were judged: walking strides counted as knee-to-wall trials in a whole file and not in short
  notifications. Kept from the block's first sample, every chunking judges alike.
"""

from __future__ import annotations

import dataclasses

import pytest

from dorsi.drills.params import CounterParams
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim.heldout import assert_tunable
from dorsi.virtual.sim.nondrill import simulate_movement
from tests.drills.helpers import feed_in_chunks

SEED = 1003  # a TUNING seed (dorsi.virtual.sim.heldout)


def _verdicts(counter) -> list[tuple[float, float, str, bool]]:  # type: ignore[no-untyped-def]
    return [(round(r.start_s, 3), round(r.end_s, 3), r.invalid_reason, r.partial) for r in counter.reps]


@pytest.mark.parametrize("drill", ["knee-to-wall", "banded-mobilization"])
def test_a_chunk_longer_than_the_gait_memory_judges_as_short_notifications(drill: str) -> None:
    assert_tunable(SEED)
    sim = simulate_movement("walk", SEED, rate_hz=50.0)
    span_s = float(sim.recording.time_s[-1] - sim.recording.time_s[0])
    # the gait watch keeps less than the chunk spans (a file's 8192-sample block at 50 Hz spans 164 s, over
    # the default 120 s): the whole walk in one chunk against 0.25 s notifications
    params = CounterParams()
    params = dataclasses.replace(params, gait=dataclasses.replace(params.gait, keep_s=span_s / 3.0))
    spec = SessionSpec(rate_hz=50.0, drill=drill, strap_rotation_deg=sim.calibration["strap_rotation_deg"])
    whole = feed_in_chunks(LiveSession(spec, counter_params=params), sim.recording.chunk)
    short = feed_in_chunks(LiveSession(spec, counter_params=params), sim.recording.chunk, [12])
    assert len(whole.reps) > 5  # strides the segmenter took for reps: each judged
    assert _verdicts(whole) == _verdicts(short)
    assert whole.rep_count == 0
