"""Quality of one rep: components in [0, 1], a weighted 0–100 score and plain-words reasons.

Components (weights; a component that does not apply to the drill is left out
and the others are renormalised — docs/drills.md):
- range (30): the rep's peak vs the drill's target angle if it has one, else
  its range vs the person's best range so far in the session (full marks at ≥ 95 %).
- hold (25): time within the hold band of the peak vs the target hold.
- tempo (20): calf raises: lowering time vs the 3 s eccentric target.
- alignment (15): medial drift of the knee (caving in) during the drive: full
  marks up to 2°, none at 8° or more.
- smoothness (10): SPARC of the angular-speed profile: full marks at −1.6 or
  smoother, none at −3.0 or jerkier.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dorsi.drills.catalog import Drill
from dorsi.motion.types import F64

WEIGHTS: dict[str, float] = {"range": 30.0, "hold": 25.0, "tempo": 20.0, "alignment": 15.0, "smoothness": 10.0}
RANGE_FULL_FRAC = 0.95
DRIFT_OK_DEG = 2.0
DRIFT_BAD_DEG = 8.0
SPARC_GOOD = -1.6
SPARC_BAD = -3.0


def sparc(speed: F64, rate_hz: float, pad_level: int = 4, fc_hz: float = 10.0, amp_threshold: float = 0.05) -> float:
    """Spectral arc length of a speed profile (Balasubramanian et al. 2015); closer to 0 is smoother."""
    n = len(speed)
    if n < 4 or not np.any(speed > 0):
        return math.nan
    nfft = int(2 ** (math.ceil(math.log2(n)) + pad_level))
    freq = np.arange(nfft) * (rate_hz / nfft)
    mag = np.abs(np.fft.fft(speed, nfft))
    mag = mag / mag.max()
    keep = freq <= fc_hz
    f_sel, m_sel = freq[keep], mag[keep]
    above = np.flatnonzero(m_sel >= amp_threshold)
    f_sel, m_sel = f_sel[above[0] : above[-1] + 1], m_sel[above[0] : above[-1] + 1]
    if len(f_sel) < 2:
        return 0.0
    df = np.diff(f_sel) / (f_sel[-1] - f_sel[0])
    return -float(np.sum(np.sqrt(df * df + np.diff(m_sel) ** 2)))


def uniform_speed(time_s: F64, speed: F64, rate_hz: float) -> F64:
    """Speed resampled on a uniform grid (lost packets leave gaps in time)."""
    if len(time_s) < 2:
        return speed
    grid = np.arange(time_s[0], time_s[-1], 1.0 / rate_hz)
    return np.interp(grid, time_s, speed)


@dataclass(frozen=True)
class RepMetrics:
    range_deg: float
    peak_deg: float
    best_range_deg: float  # the person's best range before this rep (nan: first rep)
    hold_s: float
    medial_drift_deg: float  # nan: not measured (calf raises)
    sparc: float
    down_s: float = math.nan  # calf raises
    rise_cm: float = math.nan
    best_rise_cm: float = math.nan


def _lin(x: float, bad: float, good: float) -> float:
    return float(np.clip((x - bad) / (good - bad), 0.0, 1.0))


def score_rep(drill: Drill, m: RepMetrics) -> tuple[int, dict[str, float], list[str]]:
    comps: dict[str, float] = {}
    reasons: list[str] = []
    if drill.signal == "vertical":
        if math.isfinite(m.best_rise_cm) and m.best_rise_cm > 0:
            comps["range"] = min(1.0, m.rise_cm / (RANGE_FULL_FRAC * m.best_rise_cm))
            reasons.append(f"rose {m.rise_cm:.1f} cm (best {m.best_rise_cm:.1f} cm)")
        else:
            comps["range"] = 1.0
            reasons.append(f"rose {m.rise_cm:.1f} cm")
        if drill.eccentric_s > 0 and math.isfinite(m.down_s):
            comps["tempo"] = min(1.0, m.down_s / drill.eccentric_s)
            reasons.append(f"lowered in {m.down_s:.1f} s of {drill.eccentric_s:.0f} s")
    else:
        if drill.peak_deg > 0:
            comps["range"] = min(1.0, m.peak_deg / drill.peak_deg)
            reasons.append(f"reached {m.peak_deg:.1f}° (target {drill.peak_deg:.1f}°)")
        elif math.isfinite(m.best_range_deg) and m.best_range_deg > 0:
            comps["range"] = min(1.0, m.range_deg / (RANGE_FULL_FRAC * m.best_range_deg))
            pct = 100.0 * m.range_deg / m.best_range_deg
            reasons.append(f"range {m.range_deg:.1f}° ({pct:.0f} % of your best)")
        else:
            comps["range"] = 1.0
            reasons.append(f"range {m.range_deg:.1f}° (first rep sets your best)")
        if drill.hold_s > 0:
            comps["hold"] = min(1.0, m.hold_s / drill.hold_s)
            reasons.append(f"held {m.hold_s:.1f} s of {drill.hold_s:.0f} s")
    if math.isfinite(m.medial_drift_deg):
        comps["alignment"] = _lin(m.medial_drift_deg, DRIFT_BAD_DEG, DRIFT_OK_DEG)
        if m.medial_drift_deg >= 1.0:
            reasons.append(f"knee drifted {m.medial_drift_deg:.0f}° inward")
        else:
            reasons.append("knee tracked over the toes")
    if math.isfinite(m.sparc):
        comps["smoothness"] = _lin(m.sparc, SPARC_BAD, SPARC_GOOD)
        if comps["smoothness"] < 0.5:
            reasons.append("movement was jerky")
    total = sum(WEIGHTS[k] for k in comps)
    score = round(100.0 * sum(WEIGHTS[k] * v for k, v in comps.items()) / total) if total else 0
    return int(score), comps, reasons
