"""Is a candidate calibration episode (quiet standing → knee drives → rest) the real sequence? Pure numpy.

Everything here is read from the accelerometer in the sensor's own frame (the up direction u = f/|f|
and |f|), so an orientation filter that is off (a wrong rate, a slow start) cannot fake or spoil it.
A slow forward knee drive with the heel down turns the shin about the ankle, which stays on the floor:

- the sensor's height follows the rotation: h(t) = L·u_y(t) + s·u_z(t) + const, with u_y / u_z the
  vertical components of the sensor's long axis and face normal, L the ankle-to-sensor lever along the
  shin and s the sensor's distance from the tibia's axis (the strap sits on the shin: the face normal is
  radial wherever it is mounted, so this holds over ±180° of strap rotation). The excess of the measured
  height over that prediction is how far the ankle rose (``ankle_rise_m``). The measured height is the
  double integral of the vertical acceleration, |f| − its standing mean (|g ẑ + a| ≈ g + a_z for a ≪ g;
  the neglected a_h²/2g only adds to a fast movement's rise); both are high-passed alike (2nd-order
  Butterworth at ``HIGHPASS_HZ``) so that an accelerometer error δ that changes with tilt (scale, bias)
  drifts by at most δ/ω² (≈ 5 mm at 0.05 m/s²) while a foot lifted in a step (0.2–0.5 s) passes.
- the shin only goes forward of its standing direction: ``behind_deg`` is how far u moved the other way
  (walking and jogging swing the shin 15–25° behind standing at every heel strike).
- the drive is slow: ``max_rate_dps`` is the fastest body rate (a walking swing reaches 200–300 °/s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dorsi.motion.types import F64

HIGHPASS_HZ = 0.5
LEVER_M = 0.20  # ankle → sensor along the shin: the placement the app asks for (15 cm below the tuberosity)
FACE_M = 0.025  # sensor face from the tibia's axis (2–3 cm on the front; the lever's error dominates)
# The largest zero-g offset an accelerometer on the shin may have, m/s²: consumer MPU-6050 parts ±50 mg
# (X/Y) to ±80 mg (Z) before any trim (InvenSense PS-MPU-6000A-00 rev 3.4); 80 mg bounds them all.
ACC_OFFSET_MAX_MPS2 = 0.08 * 9.80665


@dataclass(frozen=True)
class EpisodeMetrics:
    ankle_rise_m: float  # nan without the accelerometer
    behind_deg: float
    max_rate_dps: float


def highpass2_sos(cutoff_hz: float, rate_hz: float) -> tuple[float, ...]:
    """scipy.signal.butter(2, cutoff_hz, btype="highpass", fs=rate_hz, output="sos")[0], by scipy's own
    steps for this case (prototype poles, pre-warp, low→high pass, bilinear, one section): the same bits
    (tests/core compares them), without importing scipy.signal (0.8 s of CPU, half of what analysing an
    hour's recording costs)."""
    warped = 4.0 * np.tan(np.pi * np.float64(cutoff_hz / (rate_hz / 2)) / 2.0)
    proto = -np.exp(1j * np.pi * np.array([-1.0, 1.0]) / 4)  # buttap(2)
    p_hp = float(warped) / proto
    k_hp = np.real(1.0 / np.prod(-proto))
    p_z = (4.0 + p_hp) / (4.0 - p_hp)
    k_z = k_hp * np.real(np.prod(4.0 - np.zeros(2)) / np.prod(4.0 - p_hp))
    pole = p_z[np.argmax(p_z.imag)]
    a = np.convolve([1.0, -pole], [1.0, -np.conj(pole)]).real
    return (*(k_z * np.array([1.0, -2.0, 1.0])).tolist(), *a.tolist())


def sosfilt1(sos: tuple[float, ...], x: F64) -> F64:
    """scipy.signal.sosfilt for one section (transposed direct form II, its operations in its order)."""
    b0, b1, b2, _, a1, a2 = sos
    z0 = z1 = 0.0
    out = []
    for xi in x.tolist():
        y = b0 * xi + z0
        z0 = b1 * xi - a1 * y + z1
        z1 = b2 * xi - a2 * y
        out.append(y)
    return np.array(out, dtype=np.float64)


def _double_integral(a: F64, dt_s: float) -> F64:
    """On the sample grid: a sensor samples evenly, while times stamped on arrival (a stream without a
    counter or clock) bunch up, which would turn a small acceleration offset into a large height."""
    v = np.concatenate([[0.0], np.cumsum(0.5 * (a[1:] + a[:-1]) * dt_s)])
    return np.concatenate([[0.0], np.cumsum(0.5 * (v[1:] + v[:-1]) * dt_s)])


def _offset_drift(excess: F64, up_dir: F64, sos: tuple[float, ...], dt_s: float) -> F64:
    """The part of the excess height that an accelerometer offset explains, bounded by what one can be.

    An offset b (bias, and to first order a scale error, along the sensor's axes) adds b·(u − u₀) to
    |f| as the shin tilts: a slow drive turns it into an acceleration that lasts the drive, which the
    double integral turns into height (δ/ω_c² through the high-pass: 3 cm at 0.3 m/s², a consumer MPU's
    30 mg). It is fitted (least squares of the excess on the high-passed double integrals of u − u₀) and
    removed, with |b| held to ``ACC_OFFSET_MAX_MPS2``: a foot lifted in a step (0.2–0.5 s) is faster than
    any function of the tilt's slow course, and a rise that needs a larger offset is not explained."""
    du = up_dir - up_dir[0]
    cols = np.column_stack([sosfilt1(sos, _double_integral(du[:, j], dt_s)) for j in range(3)])
    b, *_ = np.linalg.lstsq(cols, excess, rcond=None)
    norm = float(np.linalg.norm(b))
    if not math.isfinite(norm):
        return np.zeros_like(excess)
    if norm > ACC_OFFSET_MAX_MPS2:
        b = b * (ACC_OFFSET_MAX_MPS2 / norm)
    return np.asarray(cols @ b, dtype=np.float64)


def episode_metrics(
    t_s: F64,
    up_acc_mps2: F64,
    up_dir: F64,
    stand_up_dir: F64,
    rate_dps: F64,
    driven: NDArray[np.bool_],
) -> EpisodeMetrics:
    """Metrics of one episode (samples from just before the drives to now).

    ``up_acc_mps2``: vertical acceleration (|f| minus its standing mean; nan without an accelerometer);
    ``up_dir``: the up direction in sensor coordinates (n, 3); ``stand_up_dir``: its standing mean;
    ``rate_dps``: |gyro − standing mean|; ``driven``: True where the shin is well beyond standing (they
    define the forward direction)."""
    n = len(t_s)
    rise = math.nan
    if n > 8 and np.all(np.isfinite(up_acc_mps2)):
        rate_hz = (n - 1) / max(1e-9, float(t_s[-1] - t_s[0]))
        sos = highpass2_sos(min(HIGHPASS_HZ, 0.45 * rate_hz), rate_hz)
        height = _double_integral(up_acc_mps2, 1.0 / rate_hz)
        pred = LEVER_M * (up_dir[:, 1] - up_dir[0, 1]) + FACE_M * (up_dir[:, 2] - up_dir[0, 2])
        excess = sosfilt1(sos, height) - sosfilt1(sos, pred)
        rise = float(np.max(excess - _offset_drift(excess, up_dir, sos, 1.0 / rate_hz)))
    d = up_dir - stand_up_dir
    behind = 0.0
    if np.any(driven):
        fwd = d[driven].mean(axis=0)
        norm = float(np.linalg.norm(fwd))
        if norm > 0.0:
            proj = d @ (fwd / norm)
            behind = math.degrees(2.0 * math.asin(min(1.0, max(0.0, -float(proj.min())) / 2.0)))
    return EpisodeMetrics(rise, behind, float(np.max(rate_dps)) if n else 0.0)
