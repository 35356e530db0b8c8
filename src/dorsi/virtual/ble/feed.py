"""What a virtual sensor measures: samples in product units, indexed by its running counter.

A feed is a finite recording that the sensor plays as if it were live; sample
``i`` of the counter is row ``i mod n`` (a virtual sensor left running longer
than its feed starts over, the counter going on). Feeds come from the simulator
(``simulated_feed``) or, for tests that only care about the transport, from a
cheap deterministic shin swing (``swing_feed``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dorsi.motion.types import F64, GRAVITY_MPS2


@dataclass(frozen=True)
class SampleFeed:
    rate_hz: float
    acc_mps2: F64  # (n, 3), sensor frame, specific force
    gyr_dps: F64  # (n, 3), sensor frame

    def __post_init__(self) -> None:
        n = len(self.acc_mps2)
        if n == 0 or self.acc_mps2.shape != (n, 3) or self.gyr_dps.shape != (n, 3):
            raise ValueError("a feed needs (n, 3) acc_mps2 and gyr_dps with n ≥ 1")

    def __len__(self) -> int:
        return len(self.acc_mps2)

    def rows(self, first: int, stop: int) -> NDArray[np.intp]:
        return np.arange(first, stop) % len(self)

    def quantized(self, acc_range_g: float, gyr_range_dps: float) -> NDArray[np.int16]:
        """(n, 6) int16 wire values at these full-scale ranges (rounded, saturated)."""
        acc = self.acc_mps2 / GRAVITY_MPS2 * (32768.0 / acc_range_g)
        gyr = self.gyr_dps * (32768.0 / gyr_range_dps)
        raw = np.round(np.hstack([acc, gyr]))
        return np.clip(raw, -32768, 32767).astype(np.int16)


def swing_feed(rate_hz: float, seconds: float = 20.0, peak_deg: float = 30.0, period_s: float = 5.0) -> SampleFeed:
    """A shin swinging forward and back about the sensor X axis (knee drives), noise-free."""
    t = np.arange(round(seconds * rate_hz)) / rate_hz
    w = 2 * np.pi / period_s
    theta = np.deg2rad(peak_deg) * 0.5 * (1 - np.cos(w * t))
    theta_dot_dps = np.rad2deg(np.deg2rad(peak_deg) * 0.5 * w * np.sin(w * t))
    acc = np.zeros((len(t), 3))
    acc[:, 1] = GRAVITY_MPS2 * np.cos(theta)
    acc[:, 2] = GRAVITY_MPS2 * np.sin(theta)
    gyr = np.zeros((len(t), 3))
    gyr[:, 0] = theta_dot_dps
    return SampleFeed(rate_hz, acc, gyr)


def simulated_feed(drill: str, seconds: float, rate_hz: float, seed: int = 0, side: str = "left") -> SampleFeed:
    """A feed from the physically honest simulator, with no loss (the radio adds its own)."""
    sim = importlib.import_module("dorsi.virtual.sim")  # the simulator: loaded only when used
    params = sim.SimParams(drill=drill, seconds=seconds, seed=seed, rate_hz=rate_hz, side=side, packet_loss=0.0)
    rec = sim.simulate(params).recording
    return SampleFeed(rate_hz, np.ascontiguousarray(rec.acc_mps2), np.ascontiguousarray(rec.gyr_dps))
