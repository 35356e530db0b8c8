"""What a virtual sensor measures: samples in product units, indexed by its running counter.

A feed is a finite recording that the sensor plays as if it were live; sample
``i`` of the counter is row ``i mod n`` (a virtual sensor left running longer
than its feed starts over, the counter going on). Feeds come from the simulator
(``simulated_feed``) or, for tests that only care about the transport, from a
cheap deterministic shin swing (``swing_feed``). A ``PersonFeed`` plays a
person who follows the app: the demo's virtual person waits for Start.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

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
        """Rows of counter samples [first, stop) of a sensor sampling at the feed's own rate."""
        return self.rows_of(np.arange(first, stop))

    def rows_at(self, time_s: F64) -> NDArray[np.intp]:
        """Rows a sensor sampling at its own rate reads at these sensor times (nearest before)."""
        return self.rows_of(np.floor(np.asarray(time_s) * self.rate_hz + 1e-9).astype(np.intp))

    def rows_of(self, index: NDArray[np.intp]) -> NDArray[np.intp]:
        """Rows of these sample indices (at the feed's rate, from the sensor's power-on)."""
        return index % len(self)

    def at(self, time_s: F64) -> tuple[F64, F64]:
        """(acc_mps2, gyr_dps), each (k, 3), at these times (s from the first row), linearly
        interpolated between rows; the feed repeats like ``rows``."""
        x = np.asarray(time_s, dtype=np.float64) * self.rate_hz
        i0 = np.floor(x).astype(np.intp)
        w = (x - i0)[:, None]
        a, b = i0 % len(self), (i0 + 1) % len(self)
        return self.acc_mps2[a] * (1 - w) + self.acc_mps2[b] * w, self.gyr_dps[a] * (1 - w) + self.gyr_dps[b] * w

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


@dataclass(frozen=True)
class PersonFeed(SampleFeed):
    """A person who follows the app: calibrates when it connects, stands until Start, then does what was started.

    The table (``acc_mps2``, ``gyr_dps``) holds named segments, ``segments[name] =
    (first_row, rows)``: ``"prologue"`` (the calibration), ``"idle"`` (quiet
    standing, looped whenever nothing else plays) and acts (a test or a drill).
    ``schedule`` holds cues ``(counter, segment)`` in counter order: from its
    counter on, the segment plays once from its first row, then the person
    stands. A value, like every feed: a cue or a new act gives a new feed.
    """

    segments: dict[str, tuple[int, int]] = field(default_factory=dict)
    schedule: tuple[tuple[int, str], ...] = ()

    @classmethod
    def of(cls, rate_hz: float, parts: dict[str, tuple[F64, F64]]) -> PersonFeed:
        """A person from named (acc_mps2, gyr_dps) segments; "prologue" and "idle" are required."""
        if not {"prologue", "idle"} <= parts.keys():
            raise ValueError("a person needs a prologue (calibration) and an idle (standing) segment")
        segments, first = {}, 0
        for name, (acc, _gyr) in parts.items():
            segments[name] = (first, len(acc))
            first += len(acc)
        acc = np.vstack([a for a, _g in parts.values()])
        gyr = np.vstack([g for _a, g in parts.values()])
        return cls(rate_hz, acc, gyr, segments)

    def with_segment(self, name: str, acc_mps2: F64, gyr_dps: F64) -> PersonFeed:
        """The same person, who has learnt one more act (appended: the other rows stay where they are)."""
        segments = {**self.segments, name: (len(self), len(acc_mps2))}
        acc = np.vstack([self.acc_mps2, acc_mps2])
        gyr = np.vstack([self.gyr_dps, gyr_dps])
        return PersonFeed(self.rate_hz, acc, gyr, segments, self.schedule)

    def restarted(self, counter: int) -> PersonFeed:
        """The app connected: the person calibrates from ``counter`` on, then stands."""
        return PersonFeed(self.rate_hz, self.acc_mps2, self.gyr_dps, self.segments, ((counter, "prologue"),))

    def cued(self, counter: int, name: str | None) -> PersonFeed:
        """Start (``name``: an act) or Stop (None: stand) at ``counter``.

        A person finishes the calibration before following a cue, so a cue during it
        takes effect at its end; a cue replaces whatever was planned from then on.
        """
        if name is not None and name not in self.segments:
            raise KeyError(f"the person does not know {name!r}")
        at = counter
        for start, seg in self.schedule:
            if seg == "prologue" and start <= counter < start + self.segments[seg][1]:
                at = start + self.segments[seg][1]
        kept = tuple(cue for cue in self.schedule if cue[0] < at)
        return PersonFeed(self.rate_hz, self.acc_mps2, self.gyr_dps, self.segments, (*kept, (at, name or "idle")))

    def rows_of(self, index: NDArray[np.intp]) -> NDArray[np.intp]:
        idx = np.asarray(index)
        idle_first, idle_n = self.segments["idle"]
        out = idle_first + idx % idle_n  # before any cue: standing
        starts = np.array([c for c, _ in self.schedule], dtype=np.int64)
        which = np.searchsorted(starts, idx, side="right") - 1
        for j in np.unique(which[which >= 0]):
            start, name = self.schedule[j]
            seg_first, seg_n = self.segments[name]
            mask = which == j
            offset = idx[mask] - start
            out[mask] = np.where(offset < seg_n, seg_first + offset, idle_first + (offset - seg_n) % idle_n)
        return out
