"""The demo's simulated person: calibration, knee-to-wall on both sides, then banded mobilization.

The simulator makes one drill per recording; the demo splices three recordings
of the same person (same seed, so the same body, strap and sensor errors) at
quiet standing, dropping the calibration sequence of the later ones. The
virtual sensor loops the result, so a demo left running starts over with a
fresh calibration.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from dorsi.motion.types import F64
from dorsi.virtual.sim import SimParams, simulate

DEMO_RATE_HZ = 208
DEMO_SEED = 7
DEMO_STRAP_ROTATION_DEG = 14.0
SEGMENTS = (("knee-to-wall", "left", 56.0), ("knee-to-wall", "right", 56.0), ("banded-mobilization", "left", 80.0))


@dataclass(frozen=True)
class DemoFeed:
    rate_hz: float
    acc_mps2: F64
    gyr_dps: F64
    segment_start_s: tuple[float, ...]  # where each segment begins in the feed

    @property
    def duration_s(self) -> float:
        return len(self.acc_mps2) / self.rate_hz


@functools.lru_cache(maxsize=4)
def demo_feed(rate_hz: int = DEMO_RATE_HZ, seed: int = DEMO_SEED) -> DemoFeed:
    accs, gyrs, starts = [], [], []
    n_total = 0
    for i, (drill, side, seconds) in enumerate(SEGMENTS):
        params = SimParams(
            drill=drill,
            seconds=seconds,
            seed=seed,
            rate_hz=float(rate_hz),
            side=side,  # type: ignore[arg-type]
            strap_rotation_deg=DEMO_STRAP_ROTATION_DEG,
            packet_loss=0.0,  # the radio decides what is lost
        )
        sim = simulate(params)
        rec = sim.recording
        first = 0
        if i > 0:  # keep one second of the standing that follows the calibration
            cut_s = float(sim.calibration["end_s"]) + 1.0
            first = int(np.searchsorted(rec.time_s, cut_s))
        starts.append(n_total / rate_hz)
        accs.append(rec.acc_mps2[first:])
        gyrs.append(rec.gyr_dps[first:])
        n_total += len(rec.acc_mps2) - first
    return DemoFeed(float(rate_hz), np.vstack(accs), np.vstack(gyrs), tuple(starts))
