"""Soft-tissue wobble: the sensor on its strap as a damped spring-mass on the bone (second model).

Base excitation: the sensor's displacement x relative to the bone obeys ẍ + 2ζω ẋ + ω² x = −a_bone,
so what it senses is H(s) = (2ζω s + ω²) / (s² + 2ζω s + ω²) applied to the bone's motion — unity at
low frequency (slow movement passes unchanged), a 10–20 Hz ring after impacts and quick moves. The
gyro sees the same rocking of the sensor on the tissue. Strap (drawn per person): a firm strap rings
at 15–20 Hz with ζ 0.25–0.4, a loose one at 10–14 Hz with ζ 0.1–0.2 (shank-mounted sensors' soft-tissue
resonances lie at ≈ 10–20 Hz, more for a tighter fixation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import signal

from dorsi.motion.types import F64, GRAVITY_MPS2


@dataclass(frozen=True)
class Strap:
    name: str  # "firm" or "loose"
    freq_hz: float
    damping: float

    @classmethod
    def draw(cls, rng: np.random.Generator) -> Strap:
        if rng.random() < 0.5:
            return cls("firm", float(rng.uniform(15.0, 20.0)), float(rng.uniform(0.25, 0.4)))
        return cls("loose", float(rng.uniform(10.0, 14.0)), float(rng.uniform(0.1, 0.2)))

    def describe(self) -> dict[str, Any]:
        return {"strap": self.name, "wobble_freq_hz": self.freq_hz, "wobble_damping": self.damping}


def _filter(strap: Strap, rate_hz: float) -> tuple[F64, F64]:
    """H(s) discretised by the bilinear transform, pre-warped at the resonance (kept under Nyquist)."""
    w = 2.0 * np.pi * min(strap.freq_hz, 0.45 * rate_hz)
    num = [2.0 * strap.damping * w, w * w]
    den = [1.0, 2.0 * strap.damping * w, w * w]
    b, a = signal.bilinear(num, den, fs=rate_hz)
    return np.asarray(b), np.asarray(a)


def wobble(acc_mps2: F64, gyr_dps: F64, up_sensor: F64, strap: Strap, rate_hz: float) -> tuple[F64, F64]:
    """Accelerometer and gyro as the sensor on the tissue senses them (up_sensor: earth's up, sensor axes)."""
    b, a = _filter(strap, rate_hz)
    g_sensor = GRAVITY_MPS2 * up_sensor
    kinematic = acc_mps2 - g_sensor  # the bone's acceleration; gravity does not shake the tissue
    acc = signal.lfilter(b, a, kinematic, axis=0) + g_sensor
    gyr = signal.lfilter(b, a, gyr_dps, axis=0)
    return np.ascontiguousarray(acc), np.ascontiguousarray(gyr)
