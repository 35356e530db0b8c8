"""Two things real files showed that the simulator's 200 Hz, 0.25 s-chunk sessions never did (a phone on the
shin, 10 min of walking at 50 Hz, analysed as each drill):

- A file is counted in blocks of 8192 samples, which at under 68 Hz span more than the gait watch keeps
  (``GaitParams.keep_s``). Trimmed from a block's last sample, the impacts of its first part were gone when
  its reps were judged: walking strides counted as knee-to-wall trials in a whole file and not in short
  notifications. Kept from the block's first sample, every chunking judges alike.
- A rep the sensor went silent in (the recording held 0.8-1.5 s holes) was judged on what was not seen.
  A hole longer than the orientation filter bridges makes the rep "not counted", with its reason.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dorsi.drills.counter import MAX_GAP_S
from dorsi.drills.params import CounterParams
from dorsi.motion.types import Recording
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim import SimParams, simulate
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


def _cut(rec: Recording, from_s: float, to_s: float) -> Recording:
    keep = (rec.time_s < from_s) | (rec.time_s >= to_s)
    return Recording(
        time_s=rec.time_s[keep],
        acc_mps2=rec.acc_mps2[keep],
        gyr_dps=rec.gyr_dps[keep],
        extra={k: v[keep] for k, v in rec.extra.items() if len(v) == len(rec)},
        source=rec.source,
    )


@pytest.mark.parametrize("hole_s", [0.3, 0.9])
def test_a_rep_with_a_hole_in_its_data_longer_than_the_filter_bridges_is_not_counted(hole_s: float) -> None:
    assert_tunable(SEED)
    params = SimParams(drill="knee-to-wall", seconds=60.0, seed=SEED, rate_hz=100.0)
    sim = simulate(params)
    trials = sim.counted_reps
    assert len(trials) >= 3
    hit = trials[1]
    mid = 0.5 * (float(hit["start_s"]) + float(hit["peak_s"]))  # in the drive
    rec = _cut(sim.recording, mid, mid + hole_s)
    session = LiveSession(SessionSpec(rate_hz=params.rate_hz, side=params.side, drill=params.drill))
    counter = feed_in_chunks(session, rec.chunk, [10])
    holed = [r for r in counter.reps if r.start_s <= mid <= r.end_s]
    assert len(holed) == 1
    others = [r for r in counter.reps if r is not holed[0] and not r.invalid_reason and not r.partial]
    assert len(others) == len(trials) - 1  # the trials around it count as they did
    if hole_s > MAX_GAP_S:
        assert holed[0].invalid_reason == f"no data for {hole_s + 0.01:.1f} s during the rep — not counted"
        assert counter.rep_count == len(trials) - 1
    else:  # bridged by the filter: judged and counted
        assert holed[0].invalid_reason == ""
        assert counter.rep_count == len(trials)


def test_the_gap_rule_reads_the_largest_interval() -> None:
    from dorsi.drills.counter import data_gap_reason

    t = np.array([0.0, 0.01, 0.02, 0.02 + MAX_GAP_S, 0.03 + MAX_GAP_S])
    assert data_gap_reason(t) == ""  # exactly the bridged limit: bridged
    t[3:] += 0.2
    assert data_gap_reason(t) == "no data for 0.7 s during the rep — not counted"
    assert data_gap_reason(np.array([1.0])) == ""
