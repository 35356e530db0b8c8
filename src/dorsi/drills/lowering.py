"""A calf raise's timing and the foot model: pulse widths, the lowering fit, heel rise from the ankle's.

The sensor rises with the ankle; ``heel_rise_cm`` converts that with a foot model: the foot pitches
about the metatarsal heads, the ankle sits ``ANKLE_HEIGHT_CM`` above the floor and
``BALL_FROM_ANKLE_FRAC × foot`` behind them, the heel ``HEEL_TO_BALL_FRAC × foot`` behind them
(docs/drills.md). The lowering fit sees the ankle's speed through the same model.
"""

from __future__ import annotations

import math

import numpy as np

from dorsi.drills.kneewall import Profile
from dorsi.motion.types import F64

MJ_FWHM = 0.5412  # full width at half maximum of a minimum-jerk speed profile, × its duration
MJ_PEAK_ACC = 5.774  # a minimum-jerk move's peak acceleration, × distance / duration² (10/√3)
ANKLE_HEIGHT_CM = 8.0
BALL_FROM_ANKLE_FRAC = 0.54  # metatarsal heads ahead of the ankle, × foot length
HEEL_TO_BALL_FRAC = 0.73  # heel to metatarsal heads, × foot length
DEFAULT_FOOT_CM = Profile().foot_cm  # heel to longest toe, when the person's is not known


def heel_rise_cm(shin_rise_cm: F64, foot_cm: float = DEFAULT_FOOT_CM, ankle_height_cm: float = ANKLE_HEIGHT_CM) -> F64:
    """Heel rise from the ankle's rise: the foot pitches by β about the metatarsal heads."""
    ball = BALL_FROM_ANKLE_FRAC * foot_cm
    lever = HEEL_TO_BALL_FRAC * foot_cm
    beta = np.linspace(0.0, math.radians(60.0), 2001)
    ankle = ball * np.sin(beta) - ankle_height_cm * (1.0 - np.cos(beta))
    return np.asarray(lever * np.sin(np.interp(shin_rise_cm, ankle, beta)), dtype=np.float64)


def crossing_time(t: F64, x: F64, level: float, rising: bool) -> float:
    """First time x crosses level (linear interpolation); nan if it never does."""
    above = x >= level if rising else x <= level
    idx = np.flatnonzero(above)
    if not idx.size:
        return math.nan
    i = int(idx[0])
    if i == 0:
        return float(t[0])
    x0, x1 = x[i - 1], x[i]
    f = (level - x0) / (x1 - x0) if x1 != x0 else 0.0
    return float(t[i - 1] + f * (t[i] - t[i - 1]))


def pulse_duration_s(t: F64, v: F64) -> float:
    """Minimum-jerk-equivalent duration of a one-signed velocity pulse: its full width at half
    maximum / 0.541 (drift in velocity grows with time; this uses the steep flanks only)."""
    if len(v) < 3:
        return math.nan
    j = int(np.argmax(v))
    half = 0.5 * float(v[j])
    t_on = crossing_time(t[j::-1], v[j::-1], half, False)
    t_off = crossing_time(t[j:], v[j:], half, False)
    return (t_off - t_on) / MJ_FWHM


def _mj_speed(u: F64) -> F64:
    """Minimum-jerk speed profile (a unit move over a unit time), zero outside [0, 1]."""
    w = 30.0 * u * u * (1.0 - u) ** 2
    return np.where((u > 0.0) & (u < 1.0), w, 0.0)


def _lowering_speed(u: F64, drop_m: float, foot_cm: float) -> F64:
    """The ankle's downward speed (m per unit time) when the heel comes down along a minimum-jerk
    profile over a unit time (u in [0, 1]) and the ankle drops ``drop_m``. The foot pitches by β
    about the metatarsal heads: heel r = lever·sin β, ankle h = ball·sin β − ankle_height·(1 − cos β),
    so dh/dr = (ball − ankle_height·tan β) / lever: the ankle moves ≈ 20 % slower per cm of heel at
    the top of a 5-9 cm rise than near the floor, which skews the ankle's speed pulse late."""
    ball_m = 0.01 * BALL_FROM_ANKLE_FRAC * foot_cm
    lever_m = 0.01 * HEEL_TO_BALL_FRAC * foot_cm
    ah_m = 0.01 * ANKLE_HEIGHT_CM
    heel_top_m = 0.01 * float(heel_rise_cm(np.asarray(100.0 * drop_m), foot_cm))
    uc = np.clip(u, 0.0, 1.0)
    sin_b = heel_top_m * (1.0 - uc**3 * (10.0 + uc * (-15.0 + 6.0 * uc))) / lever_m
    tan_b = sin_b / np.sqrt(1.0 - sin_b * sin_b)
    return np.asarray((ball_m - ah_m * tan_b) / lever_m * heel_top_m * _mj_speed(u), dtype=np.float64)


def lowering_fit(t: F64, v: F64, hold_s: float, drop_m: float, foot_cm: float = DEFAULT_FOOT_CM) -> tuple[float, float]:
    """Start and duration of the lowering from the top hold's zero-velocity update on: a minimum-jerk heel
    lowering of the drop (the heel comes back to the floor: the bridged rise), seen at the ankle
    through the foot's geometry, plus a constant offset error, fitted over the pulse's start and
    duration. The fit is on the velocity's increments over 50 ms bins: the accelerometer's noise is
    white, so the integrated velocity's noise is a random walk whose increments are independent, and
    least squares on them is the maximum-likelihood fit (on the velocity itself the late, noisiest
    samples dominate). A 6-9 s lowering's speed (≈ 0.8 cm/s) is within the drift, so its half-width
    is not measurable, but its shape over the whole lowering is. The lowering may be unfinished when
    the rep closes (the bridge closes it early): the pulse extends past the data."""
    if len(t) < 5 or drop_m <= 0.0:
        return math.nan, math.nan
    step = max(1, round(0.05 / max(float(np.median(np.diff(t))), 1e-4)))
    ts, vs = t[::step], v[::step]
    if len(ts) < 3:
        return math.nan, math.nan
    dv, dts = np.diff(vs), np.diff(ts)
    span_s = float(ts[-1] - ts[0])
    end = float(ts[-1])

    def best(t0: F64, dur: F64) -> tuple[float, float, float]:
        t0g, dg = np.meshgrid(t0, dur, indexing="ij")
        t0f, df = t0g.ravel(), dg.ravel()
        ok = t0f + 0.5 * df <= end  # the peak speed is in the data
        if not ok.any():
            return math.inf, math.nan, math.nan
        t0f, df = t0f[ok], df[ok]
        w = -_lowering_speed((ts[None, :] - t0f[:, None]) / df[:, None], drop_m, foot_cm) / df[:, None]
        res = dv[None, :] - np.diff(w, axis=1)
        # the offset error c adds c·Δt to each increment; increments' noise variance ∝ Δt (weights 1/Δt)
        c = res.sum(axis=1) / span_s
        cost = np.sum((res - c[:, None] * dts[None, :]) ** 2 / dts[None, :], axis=1)
        i = int(np.argmin(cost))
        return float(cost[i]), float(t0f[i]), float(df[i])

    _, t0, dur = best(np.arange(hold_s - 0.3, end, 0.2), np.geomspace(0.3, 20.0, 45))
    if math.isnan(dur):
        return math.nan, math.nan
    _, t0, dur = best(np.linspace(t0 - 0.2, t0 + 0.2, 21), dur * np.linspace(0.9, 1.1, 21))
    return t0, dur
