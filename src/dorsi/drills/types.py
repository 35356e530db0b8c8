"""Plain data of the rep counter: a rep, an event, the live state for the UI (its tuning: params.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

Phase = Literal["waiting", "resting", "moving", "holding"]


@dataclass
class Rep:
    """One detected rep. ``as_dict()`` is JSON-able (the CLI and the store use it)."""

    index: int  # counted reps from 1; partial reps get the index of the next counted one
    set: int
    start_s: float
    end_s: float
    peak_s: float
    peak_tibial_inclination_deg: float
    range_deg: float  # peak minus the rest level it started from
    hold_s: float
    emitted_s: float  # sample time at which the counter reported it
    kind: str = "drive"
    partial: bool = False
    score: int = 0
    score_components: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # kind-specific: up_s, down_s, rise_cm, direction…
    invalid_reason: str = ""  # a full movement that is not what the drill asks (heel lifted): not counted
    heel_rise_cm: float = math.nan  # heel-down drills: the heel's rise estimated (nan: not told); in JSON with σ, z
    heel_uncertain: bool = False  # counted, but the heel may have lifted: not used for the best

    @property
    def valid(self) -> bool:
        return not self.invalid_reason

    @property
    def heel_note(self) -> str:
        """Why a counted rep is not used for the best (its heel may have lifted: the counter puts it first) or ""."""
        return self.reasons[0] if self.heel_uncertain and self.reasons else ""

    @property
    def latency_s(self) -> float:
        return self.emitted_s - self.end_s

    def as_dict(self) -> dict[str, Any]:
        def num(x: float, nd: int = 3) -> float | None:
            return round(float(x), nd) if math.isfinite(x) else None

        out: dict[str, Any] = {
            "index": self.index,
            "set": self.set,
            "kind": self.kind,
            "partial": self.partial,
            "start_s": num(self.start_s),
            "end_s": num(self.end_s),
            "peak_s": num(self.peak_s),
            "peak_tibial_inclination_deg": num(self.peak_tibial_inclination_deg, 2),
            "range_deg": num(self.range_deg, 2),
            "hold_s": num(self.hold_s),
            "score": self.score,
            "score_components": {k: round(v, 3) for k, v in self.score_components.items()},
            "reasons": list(self.reasons),
            "emitted_s": num(self.emitted_s),
        }
        if self.invalid_reason:  # listed only when false: every valid rep's record is as it was
            out["valid"] = False
            out["invalid_reason"] = self.invalid_reason
        if self.heel_uncertain:  # likewise, listed only when true
            out["heel_uncertain"] = True
        for k, v in self.extra.items():
            out[k] = num(v) if isinstance(v, float) else v
        return out


@dataclass(frozen=True)
class RepEvent:
    """What update() returns: a counted rep, a partial attempt or an invalid one (shown, not counted)."""

    kind: Literal["rep", "partial", "invalid"]
    time_s: float  # sample time of emission
    rep: Rep


@dataclass
class LiveState:
    """What the UI shows between events."""

    phase: Phase = "waiting"
    time_s: float = math.nan
    angle_deg: float = math.nan  # current tibial inclination
    rest_level_deg: float = math.nan
    current_hold_s: float = 0.0
    target_hold_s: float = 0.0
    rep_count: int = 0  # counted reps so far
    set_index: int = 0  # 0 before the first rep
    reps_in_set: int = 0
    last_rep: Rep | None = None
    rest_s: float = 0.0  # time since the last rep ended
    target_reps: int = 0  # the prescription: reps per set ...
    target_sets: int = 0  # ... and sets
    last_invalid: Rep | None = None  # the last rep not counted for what it was (heel lifted)

    @property
    def extra_reps(self) -> int:
        """Reps in this set beyond the prescription: shown as extra, never as "14 of 10"."""
        return max(0, self.reps_in_set - self.target_reps) if self.target_reps else 0

    @property
    def set_complete(self) -> bool:
        return bool(self.target_reps) and self.reps_in_set >= self.target_reps

    def set_progress(self) -> str:
        """ "7 of 10", "10 of 10 + 4 extra" (the prescription's count, extra reps beyond it)."""
        if not self.target_reps:
            return str(self.reps_in_set)
        done = min(self.reps_in_set, self.target_reps)
        extra = f" + {self.extra_reps} extra" if self.extra_reps else ""
        return f"{done} of {self.target_reps}{extra}"
