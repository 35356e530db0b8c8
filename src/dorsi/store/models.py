"""Plain records read back from the store, and JSON helpers."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

SIDES = ("left", "right")


@dataclass(frozen=True)
class Profile:
    id: int
    name: str
    dominant_side: str | None
    tibia_length_cm: float | None
    foot_length_cm: float | None
    created_at: str


@dataclass(frozen=True)
class SessionInfo:
    """One stored session (samples are loaded separately)."""

    id: int
    profile_id: int | None
    drill: str
    side: str
    started_at: str
    ended_at: str | None
    status: str  # recording | finished | interrupted
    interrupted: bool
    source: str  # live | import
    source_file: str | None
    sensor_id: str | None
    firmware: str | None
    rate_hz: float | None
    app_version: str | None
    calibration: dict[str, Any] | None
    summary: dict[str, Any] | None
    columns: list[str]
    samples: int
    first_time_s: float | None
    last_time_s: float | None
    interrupted_reason: str | None = None  # why an interrupted session ended

    @property
    def duration_s(self) -> float:
        if self.first_time_s is None or self.last_time_s is None:
            return 0.0
        return float(self.last_time_s - self.first_time_s)

    def to_json(self) -> dict[str, Any]:
        summary = self.summary or {}
        return {
            "id": self.id,
            "drill": self.drill,
            "side": self.side,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_s": round(self.duration_s, 3),
            "samples": self.samples,
            "interrupted": self.interrupted,
            "interrupted_reason": self.interrupted_reason,
            "status": self.status,
            "source": self.source,
            "source_file": self.source_file,
            "sensor_id": self.sensor_id,
            "firmware": self.firmware,
            "rate_hz": self.rate_hz,
            "app_version": self.app_version,
            "profile_id": self.profile_id,
            "rep_count": summary.get("rep_count"),
            "test": summary.get("test"),
            "analyzed": self.summary is not None,
        }


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "__dict__"):
        return vars(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _finite(obj: Any) -> Any:
    """NaN/inf are not JSON: store them as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def to_json_text(obj: Any, *, indent: int | None = None) -> str:
    plain = json.loads(json.dumps(obj, default=_json_default))  # numpy → python first
    return json.dumps(_finite(plain), indent=indent, sort_keys=indent is not None, allow_nan=False)


def from_json_text(text: str | None) -> Any:
    return None if text is None else json.loads(text)
