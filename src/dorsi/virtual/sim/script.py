"""A movement script: smooth key-framed channels, circling phases and taps.

Every channel moves between key frames along a minimum-jerk (quintic
smooth-step) profile, whose velocity and acceleration vanish at both ends, so
the concatenation is C² and the accelerations the physics derives are finite
and physical. Circling uses a phase whose rate ramps up and down along a
quintic smooth-step, again C².

The second movement model (model2.py) gives key frames other velocity profiles (``PROFILES``:
bell, trapezoid, early- or late-peaking); a script that never names one evaluates exactly as before.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dorsi.motion.types import F64

# Key-framed channels; angles in degrees, lengths in metres, in the earth/person frame.
CHANNELS: tuple[str, ...] = (
    "theta_deg",  # sagittal angle, knee forward, rotation about the person's left axis
    "phi_deg",  # frontal angle, shin tilted toward the person's left
    "gamma_deg",  # axial rotation about the shin's long axis (positive: anterior turns left)
    "rise_m",  # heel rise: the foot rotates about the metatarsal heads
    "ankle_x_m",  # ankle offset in earth coordinates (reposition)
    "ankle_y_m",
    "ankle_z_m",
    "heading_deg",  # change of the foot's heading (reposition)
    "circle_r_deg",  # radius of knee circles in (theta, phi)
)
CH = {name: i for i, name in enumerate(CHANNELS)}


def smoothstep5(x: F64) -> F64:
    """Quintic minimum-jerk smooth-step on [0, 1] (clipped outside)."""
    u = np.clip(x, 0.0, 1.0)
    return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


def _smoothstep5_integral(x: F64) -> F64:
    """∫₀ˣ smoothstep5; equals 0.5 at x = 1."""
    u = np.clip(x, 0.0, 1.0)
    return u**4 * (2.5 + u * (-3.0 + u))


def _bell(u: F64) -> F64:
    """Cycloidal: velocity ∝ sin²(πu), a symmetric bell wider-shouldered than minimum jerk."""
    return u - np.sin(2.0 * np.pi * u) / (2.0 * np.pi)


TRAPEZOID_RAMP = 0.25  # fraction of the move spent accelerating (and braking)


def _ramp_distance(y: F64) -> F64:
    """∫₀ʸ bell: the distance of a cycloidal speed ramp 0 → 1 over unit time (½ at y = 1)."""
    y = np.clip(y, 0.0, 1.0)
    return y * y / 2.0 + (np.cos(2.0 * np.pi * y) - 1.0) / (4.0 * np.pi**2)


def _trapezoid(u: F64) -> F64:
    """Trapezoidal velocity (constant cruise), its ramps cycloidal so the acceleration stays finite."""
    r = TRAPEZOID_RAMP
    v = 1.0 / (1.0 - r)  # cruise speed: the two ramps cover v·r of distance in total
    up = v * r * _ramp_distance(u / r)
    down = 1.0 - v * r * _ramp_distance((1.0 - u) / r)
    cruise = 0.5 * v * r + v * (u - r)
    return np.where(u < r, up, np.where(u > 1.0 - r, down, cruise))


def _early(u: F64) -> F64:
    """Asymmetric, speed peaking early (a quick start and a long braking)."""
    return smoothstep5(1.0 - (1.0 - u) ** 1.6)


def _late(u: F64) -> F64:
    """Asymmetric, speed peaking late (a slow start and a quick stop)."""
    return smoothstep5(u**1.6)


# key-frame velocity profiles: name → position fraction on [0, 1] (0 and 1 at the ends, zero speed there)
PROFILES: dict[str, Callable[[F64], F64]] = {
    "min-jerk": smoothstep5,
    "bell": _bell,
    "trapezoid": _trapezoid,
    "early": _early,
    "late": _late,
}


@dataclass(frozen=True)
class Phase:
    """Circling phase: turns ``total_rad`` between t0 and t0 + duration, rate ramped over ramp_s."""

    t0_s: float
    duration_s: float
    total_rad: float
    ramp_s: float

    def evaluate(self, t: F64) -> F64:
        r = self.ramp_s
        w = self.total_rad / (self.duration_s - r)  # cruise rate: the two ramps lose r·w in total
        u = t - self.t0_s
        up = w * r * _smoothstep5_integral(u / r)
        cruise = w * (0.5 * r + (u - r))
        down = self.total_rad - w * r * _smoothstep5_integral((self.duration_s - u) / r)
        out = np.where(u < r, up, np.where(u < self.duration_s - r, cruise, down))
        return np.where(u <= 0.0, 0.0, np.where(u >= self.duration_s, self.total_rad, out))


@dataclass(frozen=True)
class Tap:
    """A tap on the sensor: a sin⁴ displacement pulse into the skin, no rotation."""

    t0_s: float
    duration_s: float
    peak_acc_mps2: float

    def acceleration(self, t: F64) -> F64:
        """Second derivative of the displacement (m/s², along the push direction)."""
        x = np.clip((t - self.t0_s) / self.duration_s, 0.0, 1.0)
        s, c = np.sin(np.pi * x), np.cos(np.pi * x)
        # d = D sin⁴(πx): d'' = D (π/T)² (12 s²c² − 4 s⁴); |d''| peaks at 4 D (π/T)² mid-pulse.
        return -self.peak_acc_mps2 * (12.0 * s * s * c * c - 4.0 * s**4) / 4.0


@dataclass
class Script:
    """A growing key-frame script; ``now`` is the end of the last key frame."""

    start: dict[str, float] = field(default_factory=dict)
    knot_t: list[float] = field(default_factory=list)
    knot_v: list[list[float]] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    taps: list[Tap] = field(default_factory=list)
    impacts: list[Tap] = field(default_factory=list)  # pulses along the shin's long axis (heel strikes)
    reps: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    knot_p: list[str] = field(default_factory=list)  # velocity profile of the move ending at each knot
    chooser: Callable[[], str] | None = None  # picks the profile of a move that names none (model 2)
    varied: bool = False  # some move is not minimum jerk (evaluate then looks the profiles up)

    def add_rep(
        self, si: int, start_s: float, kind: str, partial: bool = False, end_s: float | None = None, **detail: Any
    ) -> None:
        """One rep's ground truth: its set, when it started and ended (now, by default), whether it was
        partial, its kind; then whatever the drill adds (direction, up_s, valid, …)."""
        end = self.now if end_s is None else end_s
        self.reps.append({"set": si, "start_s": start_s, "end_s": end, "partial": partial, "kind": kind, **detail})

    def __post_init__(self) -> None:
        values = [0.0] * len(CHANNELS)
        for k, v in self.start.items():
            values[CH[k]] = float(v)
        self.knot_t = [0.0]
        self.knot_v = [values]
        self.knot_p = ["min-jerk"]

    @property
    def now(self) -> float:
        return self.knot_t[-1]

    def value(self, channel: str) -> float:
        return self.knot_v[-1][CH[channel]]

    def move(self, duration_s: float, **targets: float) -> float:
        """Move the named channels to their targets over duration_s (others hold). Returns the new time.

        The velocity profile is the chooser's pick (second model), else minimum jerk; a hold has none."""
        if not duration_s > 0.0:
            raise ValueError("a key frame needs a positive duration")
        values = list(self.knot_v[-1])
        for k, v in targets.items():
            values[CH[k]] = float(v)
        profile = self.chooser() if (self.chooser is not None and targets) else "min-jerk"
        if profile not in PROFILES:
            raise ValueError(f"unknown velocity profile {profile!r}")
        self.knot_t.append(self.now + float(duration_s))
        self.knot_v.append(values)
        self.knot_p.append(profile)
        self.varied = self.varied or profile != "min-jerk"
        return self.now

    def hold(self, duration_s: float) -> float:
        return self.move(duration_s)

    def circle(self, duration_s: float, turns: float, ramp_s: float) -> None:
        """Turn the circling phase by `turns` (signed: + counter-clockwise seen from above) from now."""
        self.phases.append(Phase(self.now, duration_s, 2.0 * math.pi * turns, min(ramp_s, 0.45 * duration_s)))

    def tap(self, t0_s: float, duration_s: float, peak_acc_mps2: float) -> None:
        self.taps.append(Tap(t0_s, duration_s, peak_acc_mps2))

    def evaluate(self, t: F64) -> tuple[F64, F64]:
        """Channel values (len(t), n_channels) and circling phase (len(t),) at times t."""
        kt = np.asarray(self.knot_t)
        kv = np.asarray(self.knot_v)
        if len(kt) == 1:
            return np.broadcast_to(kv[0], (len(t), len(CHANNELS))).copy(), np.zeros(len(t))
        i = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, len(kt) - 2)
        t0, t1 = kt[i], kt[i + 1]
        s = smoothstep5((t - t0) / (t1 - t0))
        if self.varied:
            u = np.clip((t - t0) / (t1 - t0), 0.0, 1.0)
            kp = np.asarray(self.knot_p)[i + 1]
            for name, fn in PROFILES.items():
                if name != "min-jerk" and np.any(kp == name):
                    s = np.where(kp == name, fn(u), s)
        values = kv[i] + (kv[i + 1] - kv[i]) * s[:, None]
        alpha = np.zeros(len(t))
        for ph in self.phases:
            alpha += ph.evaluate(t)
        return values, alpha

    def impact(self, t0_s: float, duration_s: float, peak_acc_mps2: float) -> None:
        """A heel strike: a pulse up the shin's long axis (the same sin⁴ pulse as a tap)."""
        self.impacts.append(Tap(t0_s, duration_s, peak_acc_mps2))

    def tap_acceleration(self, t: F64, impacts: bool = False) -> F64:
        out = np.zeros(len(t))
        for tap in self.impacts if impacts else self.taps:
            if np.any((t >= tap.t0_s) & (t <= tap.t0_s + tap.duration_s)):
                out += tap.acceleration(t)
        return out


@dataclass(frozen=True)
class Sway:
    """Postural sway (0.2–2 Hz) and physiological tremor (8–10 Hz) as sums of sinusoids (degrees)."""

    freq_hz: F64  # (k,)
    amp_deg: F64  # (k, 3): theta, phi, gamma
    phase_rad: F64  # (k, 3)

    @classmethod
    def draw(cls, rng: np.random.Generator) -> Sway:
        sway_f = np.array([0.2, 0.35, 0.6, 1.0, 1.6]) * rng.uniform(0.9, 1.2, 5)
        sway_a = 0.045 / sway_f  # ~1/f spectrum: 0.2 Hz → ~0.2°, 2 Hz → ~0.02°
        tremor_f = rng.uniform(8.0, 10.0, 3)
        tremor_a = np.full(3, 0.0015)  # ~0.02 m/s² each at the sensor: physiological tremor
        f = np.concatenate([sway_f, tremor_f])
        base = np.concatenate([sway_a, tremor_a]) * rng.uniform(0.7, 1.3, len(f))
        amp = np.stack([base, 0.8 * base, 0.5 * base], axis=1)
        return cls(f, amp, rng.uniform(0.0, 2.0 * np.pi, (len(f), 3)))

    @classmethod
    def draw_postural(cls, rng: np.random.Generator) -> Sway:
        """The default sway plus slow postural sway of the shin (0.05–0.4 Hz), 0.5–1° peak in inclination.

        Quiet-standing shank sway is ~0.5–1° (ankle-strategy sway of the body, which the shin follows)."""
        base = cls.draw(rng)
        f = np.array([0.06, 0.12, 0.2, 0.33]) * rng.uniform(0.85, 1.2, 4)
        peak_deg = rng.uniform(0.5, 1.0)
        w = rng.uniform(0.5, 1.0, 4)
        a = peak_deg * w / w.sum()  # sum of amplitudes = the peak when the components align
        amp = np.stack([a, 0.7 * a, 0.3 * a], axis=1)
        return cls(
            np.concatenate([base.freq_hz, f]),
            np.concatenate([base.amp_deg, amp]),
            np.concatenate([base.phase_rad, rng.uniform(0.0, 2.0 * np.pi, (4, 3))]),
        )

    def evaluate(self, t: F64) -> F64:
        """(len(t), 3) sway of theta, phi, gamma in degrees."""
        out = np.zeros((len(t), 3))
        for k in range(len(self.freq_hz)):
            out += self.amp_deg[k] * np.sin(2.0 * np.pi * self.freq_hz[k] * t[:, None] + self.phase_rad[k])
        return out
