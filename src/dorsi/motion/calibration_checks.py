"""Is a candidate calibration episode (quiet standing → knee drives → rest) the real sequence? Pure numpy.

A slow forward knee drive with the heel down turns the shin about the ankle, which stays on the floor:

- the sensor's height follows the rotation: h(t) = L·Y_up(t) + s·Z_up(t) + const, with Y_up / Z_up the
  vertical components of the sensor's long axis and face normal, L the ankle-to-sensor lever along the
  shin and s the sensor's distance from the tibia's axis (the strap sits on the shin: the face normal is
  radial wherever it is mounted, so this holds over ±180° of strap rotation). The excess of the measured
  height over that prediction is how far the ankle rose (``ankle_rise_m``). The measured height is the
  double integral of the vertical acceleration (the specific force turned to earth, minus the standing
  mean); both are high-passed alike (2nd-order Butterworth at ``HIGHPASS_HZ``) so that an accelerometer
  error δ that changes with tilt (bias, scale) drifts by at most δ/ω² (≈ 5 mm at 0.05 m/s²) while a foot
  lifted in a step (0.2–0.5 s) passes.
- the shin only goes forward of its standing direction: ``behind_deg`` is how far it went the other way
  (walking and jogging swing it 15–25° behind standing at every heel strike).
- the drive is slow: ``max_rate_dps`` is the fastest body rate (a walking swing reaches 200–300 °/s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, sosfilt

from dorsi.motion.types import F64

HIGHPASS_HZ = 0.5
LEVER_M = 0.20  # ankle → sensor along the shin: the placement the app asks for (15 cm below the tuberosity)
FACE_M = 0.025  # sensor face from the tibia's axis (2–3 cm on the front; the lever's error dominates)


@dataclass(frozen=True)
class EpisodeMetrics:
    ankle_rise_m: float  # nan without the accelerometer
    behind_deg: float
    max_rate_dps: float


def _double_integral(a: F64, t: F64) -> F64:
    dt = np.diff(t)
    v = np.concatenate([[0.0], np.cumsum(0.5 * (a[1:] + a[:-1]) * dt)])
    return np.concatenate([[0.0], np.cumsum(0.5 * (v[1:] + v[:-1]) * dt)])


def episode_metrics(
    t_s: F64,
    up_acc_mps2: F64,
    y_up: F64,
    z_up: F64,
    horiz_xy: F64,
    rate_dps: F64,
    stand_horiz_xy: tuple[float, float],
    driven: NDArray[np.bool_],
) -> EpisodeMetrics:
    """Metrics of one episode (samples from just before the drives to now).

    ``up_acc_mps2``: vertical acceleration (specific force up minus its standing mean; nan without an
    accelerometer); ``y_up``/``z_up``: vertical components of the sensor's Y and Z axes; ``horiz_xy``:
    horizontal components of the sensor's Y axis (n, 2); ``rate_dps``: |gyro − standing mean|;
    ``driven``: True where the shin is well beyond standing (defines the forward direction)."""
    n = len(t_s)
    rise = math.nan
    if n > 8 and np.all(np.isfinite(up_acc_mps2)):
        rate_hz = (n - 1) / max(1e-9, float(t_s[-1] - t_s[0]))
        sos = butter(2, min(HIGHPASS_HZ, 0.45 * rate_hz), btype="highpass", fs=rate_hz, output="sos")
        height = _double_integral(up_acc_mps2, t_s)
        pred = LEVER_M * (y_up - y_up[0]) + FACE_M * (z_up - z_up[0])
        excess = sosfilt(sos, height) - sosfilt(sos, pred)
        rise = float(np.max(excess))
    d = horiz_xy - np.asarray(stand_horiz_xy)
    behind = 0.0
    if np.any(driven):
        fwd = d[driven].mean(axis=0)
        norm = float(np.hypot(*fwd))
        if norm > 0.0:
            proj = d @ (fwd / norm)
            behind = max(0.0, math.degrees(math.asin(min(1.0, max(0.0, -float(proj.min()))))))
    return EpisodeMetrics(rise, behind, float(np.max(rate_dps)) if n else 0.0)
