"""Parameters and result of a simulation (the public data types)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from dorsi.drills import DRILL_IDS
from dorsi.errors import InputError
from dorsi.motion.types import F64, Recording
from dorsi.virtual.sim.profiles import PROFILES

# the simulator scripts every drill of the catalogue (tests simulate each DRILL_IDS entry)
DRILLS: tuple[str, ...] = DRILL_IDS

EVENTS: tuple[str, ...] = ("partial-rep", "pause", "reposition", "tap", "slow", "fast", "early-stop")

MODELS: tuple[str, ...] = ("keyframe", "velocity")  # the movement models (model2.py: the second)

MIN_RATE_HZ = 25.0
MAX_RATE_HZ = 1000.0


@dataclass(frozen=True)
class SimParams:
    drill: str
    seconds: float
    seed: int = 0
    rate_hz: float = 200.0
    side: Literal["left", "right"] = "left"
    strap_rotation_deg: float | None = None  # None → seeded uniform in ±45°
    gyro_bias_max_dps: float = 1.5
    packet_loss: float = 0.01  # probability that a packet is lost (independent of `noise`)
    samples_per_packet: int = 1
    noise: bool = True  # False: no sensor errors at all (bias, noise, scale, quantization)
    events: tuple[str, ...] = ()
    sets: int | None = None
    reps_per_set: int | None = None
    clock_drift_ppm: float = 0.0
    sensor_profile: str = "reference"  # profiles.PROFILES: the sensor's error model
    model: str = "keyframe"  # "keyframe" (the corpus) or "velocity" (model2.py, the independent one)

    def validate(self) -> None:
        """Raise InputError with one line naming the bad parameter."""
        if self.drill not in DRILLS:
            raise InputError(f"unknown drill {self.drill!r}; valid drills: {', '.join(DRILLS)}")
        if not (math.isfinite(self.seconds) and self.seconds > 0):
            raise InputError(f"seconds must be a positive number, got {self.seconds}")
        if self.seconds > 24 * 3600:
            raise InputError(f"seconds must be at most 86400 (24 h), got {self.seconds:g}")
        if not (math.isfinite(self.rate_hz) and MIN_RATE_HZ <= self.rate_hz <= MAX_RATE_HZ):
            raise InputError(f"rate must be within {MIN_RATE_HZ:g}–{MAX_RATE_HZ:g} Hz, got {self.rate_hz:g}")
        if self.side not in ("left", "right"):
            raise InputError(f"side must be 'left' or 'right', got {self.side!r}")
        if self.strap_rotation_deg is not None and not (
            math.isfinite(self.strap_rotation_deg) and abs(self.strap_rotation_deg) <= 180.0
        ):
            raise InputError(f"strap rotation must be within ±180°, got {self.strap_rotation_deg}")
        if not (math.isfinite(self.gyro_bias_max_dps) and 0.0 <= self.gyro_bias_max_dps <= 50.0):
            raise InputError(f"gyro bias bound must be within 0–50 °/s, got {self.gyro_bias_max_dps}")
        if not (math.isfinite(self.packet_loss) and 0.0 <= self.packet_loss < 1.0):
            raise InputError(f"packet loss must be a probability in [0, 1), got {self.packet_loss}")
        if not (1 <= self.samples_per_packet <= 1000):
            raise InputError(f"samples per packet must be within 1–1000, got {self.samples_per_packet}")
        bad = [e for e in self.events if e not in EVENTS]
        if bad:
            raise InputError(f"unknown event(s) {', '.join(bad)}; valid events: {', '.join(EVENTS)}")
        if "slow" in self.events and "fast" in self.events:
            raise InputError("events 'slow' and 'fast' exclude each other")
        for name, value in (("sets", self.sets), ("reps per set", self.reps_per_set)):
            if value is not None and not (1 <= value <= 100):
                raise InputError(f"{name} must be within 1–100, got {value}")
        if self.sensor_profile not in PROFILES:
            raise InputError(f"unknown sensor profile {self.sensor_profile!r}; valid profiles: {', '.join(PROFILES)}")
        if self.model not in MODELS:
            raise InputError(f"unknown movement model {self.model!r}; valid models: {', '.join(MODELS)}")
        if not (math.isfinite(self.clock_drift_ppm) and abs(self.clock_drift_ppm) <= 1000.0):
            raise InputError(f"clock drift must be within ±1000 ppm, got {self.clock_drift_ppm}")


@dataclass
class SimResult:
    """A simulated recording and its ground truth.

    ``recording`` holds only the received samples (time on the sensor clock);
    the ``truth_*`` arrays are aligned with it, ``truth_time_s`` being true time.
    """

    recording: Recording
    truth_time_s: F64
    truth_tibial_inclination_deg: F64
    truth_frontal_tilt_deg: F64
    truth_quat_wxyz: F64  # sensor-to-earth, w first
    truth_heel_rise_m: F64
    reps: list[dict[str, Any]]
    calibration: dict[str, Any]
    sensor: dict[str, Any]
    params: SimParams
    truncated_reps: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # the messy events, with times
    person: dict[str, Any] = field(default_factory=dict)  # the drawn person (lever, heading, max angle…)

    @property
    def counted_reps(self) -> list[dict[str, Any]]:
        """Reps a rep counter should count (partial attempts and invalid trials excluded)."""
        return [r for r in self.reps if not r["partial"] and r.get("valid", True)]

    @property
    def invalid_reps(self) -> list[dict[str, Any]]:
        """Trials performed but invalid (second model: a heel lift), each with its ``invalid_reason``."""
        return [r for r in self.reps if not r.get("valid", True)]

    def truth_arrays(self) -> dict[str, np.ndarray]:
        return {
            "time_s": self.truth_time_s,
            "tibial_inclination_deg": self.truth_tibial_inclination_deg,
            "frontal_tilt_deg": self.truth_frontal_tilt_deg,
            "quat_w": self.truth_quat_wxyz[:, 0],
            "quat_x": self.truth_quat_wxyz[:, 1],
            "quat_y": self.truth_quat_wxyz[:, 2],
            "quat_z": self.truth_quat_wxyz[:, 3],
            "heel_rise_m": self.truth_heel_rise_m,
        }
