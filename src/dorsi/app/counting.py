"""The rep counter behind the test and drill screens.

``make_counter`` returns dorsi.drills' streaming RepCounter when that package
provides one, wrapped to the small interface the engine uses. Until then (or if
it fails to build for a drill) a plain peak counter stands in: hysteresis on the
shin angle above the calibrated standing level, the peak, and the hold (the
contiguous time within HOLD_BAND_DEG of the peak, the simulator's definition).
It does not score reps; it says so in each rep's reasons.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any, Protocol

from dorsi.motion.pipeline import ShinFrames
from dorsi.motion.types import ImuChunk

HOLD_BAND_DEG = 2.0


class Counter(Protocol):
    phase: str
    hold_s: float
    target_hold_s: float
    rep_count: int
    set_index: int

    def update(self, chunk: ImuChunk, frames: ShinFrames) -> list[dict[str, Any]]: ...
    def finish(self) -> list[dict[str, Any]]: ...


class PeakCounter:
    """Forward knee drives from a rest level: a rep is rest → above start_deg → back below end_deg."""

    def __init__(
        self,
        rest_deg: float,
        target_hold_s: float = 0.0,
        start_deg: float = 6.0,
        end_deg: float = 3.0,
        min_range_deg: float = 8.0,
        set_gap_s: float = 25.0,
    ) -> None:
        self.rest_deg = rest_deg
        self.target_hold_s = target_hold_s
        self.start_deg, self.end_deg, self.min_range_deg, self.set_gap_s = start_deg, end_deg, min_range_deg, set_gap_s
        self.phase = "resting"
        self.hold_s = 0.0
        self.rep_count = 0
        self.set_index = 0
        self.current_peak_deg: float | None = None
        self._start_s = 0.0
        self._peak_s = 0.0
        self._best_hold_s = 0.0
        self._run: deque[tuple[float, float]] = deque()  # (t, angle) since the hold run began
        self._last_end_s: float | None = None

    def update(self, chunk: ImuChunk, frames: ShinFrames) -> list[dict[str, Any]]:
        reps = []
        for t, a, ok in zip(
            frames.time_s.tolist(), frames.tibial_inclination_deg.tolist(), frames.calibrated.tolist(), strict=True
        ):
            if not ok:
                continue
            rep = self._step(t, a)
            if rep is not None:
                reps.append(rep)
        return reps

    def _step(self, t: float, a: float) -> dict[str, Any] | None:
        above = a - self.rest_deg
        if self.phase == "resting":
            if above > self.start_deg:
                self.phase = "moving"
                self._start_s = t
                self.current_peak_deg, self._peak_s = a, t
                self._run = deque([(t, a)])
                self.hold_s = self._best_hold_s = 0.0
            return None
        peak = self.current_peak_deg if self.current_peak_deg is not None else a
        if a > peak:
            peak = self.current_peak_deg = a
            self._peak_s = t
        if a >= peak - HOLD_BAND_DEG:
            self._run.append((t, a))
            while self._run and self._run[0][1] < peak - HOLD_BAND_DEG:
                self._run.popleft()
            self.hold_s = self._run[-1][0] - self._run[0][0] if self._run else 0.0
            self._best_hold_s = max(self._best_hold_s, self.hold_s)
            self.phase = "holding" if self.hold_s > 0.3 else "moving"
        else:
            self._run.clear()
            self.hold_s = 0.0
            self.phase = "moving"
        if above >= self.end_deg:
            return None
        # back at rest: a rep if it went far enough
        self.phase = "resting"
        self.hold_s = 0.0
        rng = peak - self.rest_deg
        self.current_peak_deg = None
        if rng < self.min_range_deg:
            return None
        if self._last_end_s is not None and self._start_s - self._last_end_s > self.set_gap_s:
            self.set_index += 1
        self._last_end_s = t
        reasons = []
        if self.target_hold_s > 0:
            reasons.append(f"held {self._best_hold_s:.1f} s of {self.target_hold_s:.0f} s")
        reasons.append("not scored (the drill scorer is not available)")
        rep = {
            "index": self.rep_count,
            "set": self.set_index,
            "start_s": round(self._start_s, 3),
            "end_s": round(t, 3),
            "peak_s": round(self._peak_s, 3),
            "peak_tibial_inclination_deg": round(peak, 2),
            "hold_s": round(self._best_hold_s, 2),
            "score": None,
            "reasons": reasons,
            "partial": False,
        }
        self.rep_count += 1
        return rep

    def finish(self) -> list[dict[str, Any]]:
        return []


def make_counter(drill: str, side: str, rest_deg: float, target_hold_s: float) -> Counter:
    """The drills package's counter if it exists, else the peak counter."""
    try:
        from dorsi.drills import counter as drills_counter  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return PeakCounter(rest_deg, target_hold_s)
    make = getattr(drills_counter, "make_app_counter", None)
    if make is None:
        return PeakCounter(rest_deg, target_hold_s)
    counter: Counter = make(drill, side, rest_deg)
    return counter


def is_finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)
