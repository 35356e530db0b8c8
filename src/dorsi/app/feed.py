"""The demo's simulated person: one body, strap and sensor, calibrating, then doing what the app starts.

The simulator makes one drill per recording, each beginning with the
calibration sequence. Every act (a test or a drill, on one side) is a
recording of the same person (same seed: the same body, strap and sensor
errors) with that calibration cut off, so acts join at quiet standing.
``demo_person`` is the person on the virtual sensor: the calibration when the
app connects, quiet standing until Start, then the act that was started
(``demo_act``, simulated when first asked for). ``demo_feed`` is a fixed
routine for the replay source, which plays a recording and waits for nobody:
calibration, knee-to-wall on both sides, then banded mobilization.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from dorsi.motion.types import F64, Recording
from dorsi.virtual.ble.feed import PersonFeed
from dorsi.virtual.sim import SimParams, simulate

DEMO_RATE_HZ = 208
DEMO_SEED = 7
DEMO_STRAP_ROTATION_DEG = 14.0
# recording lengths (calibration included); other drills get DEFAULT_ACT_S, the simulator fitting its
# rests to it; after its last rep the person stands
ACT_S = {"knee-to-wall": 56.0, "banded-mobilization": 80.0}
DEFAULT_ACT_S = 120.0
ROUTINE = (("knee-to-wall", "left"), ("knee-to-wall", "right"), ("banded-mobilization", "left"))


@dataclass(frozen=True)
class DemoFeed:
    rate_hz: float
    acc_mps2: F64
    gyr_dps: F64
    segment_start_s: tuple[float, ...]  # where each segment begins in the feed

    @property
    def duration_s(self) -> float:
        return len(self.acc_mps2) / self.rate_hz


@dataclass(frozen=True)
class _Take:
    recording: Recording
    act_first: int  # first row after the calibration (one second of standing kept)
    quiet: slice  # the quiet standing before the calibration's knee drives


@functools.lru_cache(maxsize=32)
def _take(drill: str, side: str, rate_hz: int, seed: int) -> _Take:
    params = SimParams(
        drill=drill,
        seconds=ACT_S.get(drill, DEFAULT_ACT_S),
        seed=seed,
        rate_hz=float(rate_hz),
        side=side,  # type: ignore[arg-type]
        strap_rotation_deg=DEMO_STRAP_ROTATION_DEG,
        packet_loss=0.0,  # the radio decides what is lost
    )
    sim = simulate(params)
    t = sim.recording.time_s
    q0, q1 = sim.calibration["quiet_standing_s"]
    first = int(np.searchsorted(t, float(sim.calibration["end_s"]) + 1.0))
    return _Take(sim.recording, first, slice(int(np.searchsorted(t, q0)), int(np.searchsorted(t, q1))))


def demo_act(drill: str, side: str, rate_hz: int = DEMO_RATE_HZ, seed: int = DEMO_SEED) -> tuple[F64, F64]:
    """The person doing ``drill`` on ``side``, from the end of the calibration (acc_mps2, gyr_dps)."""
    take = _take(drill, side, rate_hz, seed)
    rec = take.recording
    return rec.acc_mps2[take.act_first :], rec.gyr_dps[take.act_first :]


def act_name(drill: str, side: str) -> str:
    return f"{drill}:{side}"


def demo_person(rate_hz: int = DEMO_RATE_HZ, seed: int = DEMO_SEED) -> PersonFeed:
    """The person on the virtual sensor, standing, knowing the routine's acts (others are learnt when asked)."""
    drill, side = ROUTINE[0]
    take = _take(drill, side, rate_hz, seed)
    rec = take.recording
    parts = {
        "prologue": (rec.acc_mps2[: take.act_first], rec.gyr_dps[: take.act_first]),
        "idle": (rec.acc_mps2[take.quiet], rec.gyr_dps[take.quiet]),
    }
    parts.update({act_name(d, s): demo_act(d, s, rate_hz, seed) for d, s in ROUTINE})
    return PersonFeed.of(float(rate_hz), parts)


@functools.lru_cache(maxsize=4)
def demo_feed(rate_hz: int = DEMO_RATE_HZ, seed: int = DEMO_SEED) -> DemoFeed:
    """The replay's fixed routine: the calibration, then each act of ROUTINE back to back."""
    take = _take(*ROUTINE[0], rate_hz, seed)
    accs, gyrs = [take.recording.acc_mps2[: take.act_first]], [take.recording.gyr_dps[: take.act_first]]
    starts, n_total = [0.0], take.act_first
    for i, (drill, side) in enumerate(ROUTINE):
        acc, gyr = demo_act(drill, side, rate_hz, seed)
        if i > 0:
            starts.append(n_total / rate_hz)
        accs.append(acc)
        gyrs.append(gyr)
        n_total += len(acc)
    return DemoFeed(float(rate_hz), np.vstack(accs), np.vstack(gyrs), tuple(starts))
