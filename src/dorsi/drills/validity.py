"""Is a drive what the drill asks for? The heel's rise during a drive, from the shin's motion.

A heel-down drive turns the shin about a fixed ankle, so the sensor, ``L`` up the shin and ``s`` in
front of it, moves by (forward, up) = (L·Δsin θ + s·Δcos θ, L·Δcos θ − s·Δsin θ) between the rest
before the drive and the hold at its peak (θ: tibial inclination). Both ends are still, so the
velocity is zero at both: the acceleration, double-integrated with a linear velocity correction,
gives the sensor's displacement with the accelerometer's offset removed. The forward displacement
gives ``L`` (unknown: where the strap sits), the vertical one then what the ankle rose:

    ankle rise = Δz − L·Δcos θ + s·Δsin θ,  L = (Δx − s·Δcos θ) / Δsin θ

``s`` is a nominal 2.5 cm (±0.5 cm moves the rise by ±0.33 cm at a 35° drive). A heel that lifts also
carries the ankle ~1 cm forward, which reads as a longer lever and adds to the rise (the safe side).
The orientation's error reaches the rise through the forward channel, that is through ``L``; ``L`` is
held to where a strap can sit (15.5–29.5 cm).
The heel's rise is the ankle's through the foot model (lowering.heel_rise_cm). It is estimated on the
filter's orientation and on the gyro's carried from the rest (their errors differ: the filter's tilt lags
its accelerometer's bias as the shin turns); their mean is judged against 3 standard errors computed from
the accelerometer noise measured on the trial's rest (judge_heel; docs/drills.md "Every sensor").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dorsi.drills.chunklog import ChunkLog
from dorsi.drills.lowering import heel_rise_cm
from dorsi.drills.params import ValidityParams
from dorsi.drills.segment import DrillFrames
from dorsi.motion import quat as Q
from dorsi.motion.types import F64, GRAVITY_MPS2

SKIN_CM = 2.5  # sensor face ahead of the tibia's axis (nominal)


def _displacement(t: F64, a: F64) -> float:
    """Displacement over t from the acceleration a, with the velocity zero at both ends: a constant
    error in a is what makes the end velocity non-zero, and is taken out (a linear velocity ramp)."""
    dt = np.diff(t)
    v = np.concatenate([[0.0], np.cumsum(0.5 * (a[1:] + a[:-1]) * dt)])
    span = t[-1] - t[0]
    v = v - v[-1] * (t - t[0]) / span
    return float(np.sum(0.5 * (v[1:] + v[:-1]) * dt))


RATE_HALF_S = 0.1  # the inclination's rate at a sample: a line through this either side of it


def _rate(t: F64, th: F64, i: int, half_s: float = RATE_HALF_S) -> float:
    """The inclination's rate (rad/s) at sample i: a straight line through ±half_s around it."""
    lo, hi = int(np.searchsorted(t, t[i] - half_s)), int(np.searchsorted(t, t[i] + half_s, side="right"))
    if hi - lo < 3:
        return 0.0
    tt = t[lo:hi] - t[i]
    return float(np.polyfit(tt, th[lo:hi], 1)[0])


def ankle_rise_fit(
    t: F64,
    up_mps2: F64,
    fwd_mps2: F64,
    incl_deg: F64,
    rest: slice,
    hold: slice,
    p: ValidityParams | None = None,
    rate_rps: F64 | None = None,
    lever_cm: float | None = None,
) -> tuple[float, float]:
    """The ankle's rise (cm) from the end of the rest before a drive into its hold, from the sensor's
    vertical and forward acceleration (earth frame, gravity removed) and the shin's inclination, and the
    lever the forward displacement gives (cm; both the median over the ends, nan: not told); the rise is
    on ``lever_cm`` where given. ``rest`` and ``hold`` are the samples of the (near) still rest and hold,
    where the accelerometer reads mostly its own error.

    The accelerometer's bias and scale errors are fixed in the sensor, so in the earth frame they change
    with the shin's pose: 0.04 m/s² of bias and 1 % of scale on the axes gravity moves between, as the
    shin turns 30°, ramp by ≈ 0.05-0.1 m/s² over the drive, 3-8 cm after a 3 s double integration. What
    the accelerometer reads at rest and at the hold is that error plus what the shin's own turn
    accelerates the sensor by there: the hold opens at the first quiet sample, the drive still turning
    ≈ 2 °/s, and its deceleration over the hold (≈ 5 mm/s² on average, 0.8 cm of ankle rise had it been
    taken for the sensor's error) is the change of the turn's velocity (θ' · lever, both ends' rates read
    either side of them) over the window, linear in the lever: it is added back. The error is taken
    as linear in the inclination in between (a 30° turn bends it by a few mm/s²) and subtracted. The
    vertical's error is read over the hold's later half (``p.hold_error_frac``): a lift still under way
    at the hold's first samples decelerates there, and the vertical barely feels the filter's tilt error
    (its cosine); the forward channel's is mostly that tilt error, which settles through the hold, and is
    read over all of it. The ends are seldom
    quite still (sway, a slow settling: 1 °/s is 0.4 cm/s at the sensor, 1.2 cm over a 3 s drive), so
    the velocities there are the shin's turn about the ankle (θ' · lever), linear in the lever as the
    displacement is: with D₀ the displacement for zero end velocities over T,

        D = D₀ + (v₀ + v₁)·T/2,   forward: L·Δsin θ + s·Δcos θ,   up: L·Δcos θ − s·Δsin θ + rise

    A drive's last part can run on into the hold's first quiet samples, a heel lifting late in the
    drive with it: there the end velocity is not all the shin's turn, and a lift still under way is
    cut short (a late 1.5 cm lift read ≈ 0.1 cm of ankle rise ending at the hold's first sample). So
    the integration ends at ``p.end_count`` samples spread through the hold's first ``p.end_span_s``
    and the rise is their median: a lift done by then reads whole at most of them.
    """
    p = p or ValidityParams()
    if len(t) < 3 or t[-1] - t[0] <= 0.0:
        return math.nan, math.nan
    th = np.radians(incl_deg)
    i0 = rest.stop - 1  # the rest's last sample: the drive starts after it
    # the vertical: the accelerometer's error at the hold is read over its later part (``p.hold_error_frac``):
    # a lift still under way at the hold's first quiet samples decelerates there, which is not the sensor's
    # error, and the vertical's error barely moves with the filter's tilt error (its cosine). The forward
    # channel's error is mostly that tilt error, which the filter keeps settling through the hold: it is read
    # over the whole hold
    late = slice(max(hold.start, hold.stop - max(2, round(p.hold_error_frac * (hold.stop - hold.start)))), hold.stop)
    th_rest, th_hold = float(th[rest].mean()), float(th[hold].mean())
    frac = (th - th_rest) / (th_hold - th_rest) if th_hold != th_rest else np.zeros_like(th)
    acc = []
    for a, h in ((up_mps2, late), (fwd_mps2, hold)):
        e0, e1 = float(a[rest].mean()), float(a[h].mean())
        acc.append(a - (e0 + (e1 - e0) * frac))
    # what the shin's own turn accelerates the sensor by, on average over the rest and over the hold (their
    # end velocities' change over their span): the accelerometer's error is the rest of what it read there
    w = _rates(t, th, rate_rps)
    turn_rest = _mean_turn_acc(t, th, w, rest.start, rest.stop - 1)
    turn_late, turn_hold = (_mean_turn_acc(t, th, w, h.start, h.stop - 1) for h in (late, hold))
    turn = [turn_rest, (turn_late[0], turn_hold[1])]
    last = max(hold.start, min(hold.stop, int(np.searchsorted(t, t[hold.start] + p.end_span_s))) - 1)
    ends = np.unique(np.linspace(hold.start, last, p.end_count).round().astype(int)).tolist()
    fits = [_rise_to(t, acc[0], acc[1], th, w, frac, turn, i0, i1, lever_cm) for i1 in ends]
    known = [r for r, _ in fits if math.isfinite(r)]
    levers = [lev for _, lev in fits if math.isfinite(lev)]
    return (float(np.median(known)) if known else math.nan), (float(np.median(levers)) if levers else math.nan)


def _sensor_velocity(th: float, w: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """The sensor's (up, forward) velocity for a shin turning at w (rad/s) about a fixed ankle, each as
    (the part per cm of lever, the part from the skin offset): up = −(L·sin θ + s·cos θ)·w,
    forward = (L·cos θ − s·sin θ)·w (cm/s)."""
    c, s = math.cos(th), math.sin(th)
    return (-s * w, -SKIN_CM * c * w), (c * w, -SKIN_CM * s * w)


def _rates(t: F64, th: F64, rate_rps: F64 | None) -> Callable[[int], float]:
    """The shin's turn rate (rad/s) at a sample: the gyro's about the earth-frame horizontal axis the
    inclination turns about where given (``rate_rps``), else the inclination's line fit (_rate)."""
    if rate_rps is None:
        return lambda i: _rate(t, th, i)
    return lambda i: float(rate_rps[i])


def _mean_turn_acc(
    t: F64, th: F64, w: Callable[[int], float], a: int, b: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The sensor's mean acceleration (cm/s², up and forward, each per cm of lever and from the skin)
    over samples a..b from the shin's turn: its velocity's change over the span."""
    span = float(t[b] - t[a])
    if b <= a or span <= 0.0:
        return (0.0, 0.0), (0.0, 0.0)
    va, vb = _sensor_velocity(float(th[a]), w(a)), _sensor_velocity(float(th[b]), w(b))
    return (
        ((vb[0][0] - va[0][0]) / span, (vb[0][1] - va[0][1]) / span),
        ((vb[1][0] - va[1][0]) / span, (vb[1][1] - va[1][1]) / span),
    )


def _rise_to(
    t: F64,
    up: F64,
    fwd: F64,
    th: F64,
    w: Callable[[int], float],
    frac: F64,
    turn: list[tuple[tuple[float, float], tuple[float, float]]],
    i0: int,
    i1: int,
    lever_cm: float | None = None,
) -> tuple[float, float]:
    """The ankle's rise from sample i0 to i1 (ankle_rise_fit), the accelerations' error already taken out,
    and the lever the forward displacement gives (cm; nan: not told); the rise is on ``lever_cm`` where
    given, else on that fit. The shin's own mean acceleration over the rest and the hold (``turn``, per cm of
    lever and from the skin), taken out with it, is added back."""
    th0, th1 = float(th[i0]), float(th[i1])
    dsin, dcos = math.sin(th1) - math.sin(th0), math.cos(th1) - math.cos(th0)
    if dsin < math.sin(math.radians(5.0)):
        return math.nan, math.nan  # too small a drive to tell the lever from the lift
    tt = t[i0 : i1 + 1]
    dz0, dx0 = (100.0 * _displacement(tt, a[i0 : i1 + 1]) for a in (up, fwd))
    # the turn's mean acceleration over the rest (weight 1 − frac) and the hold (frac), double-integrated
    k0, k1 = (_displacement(tt, f) for f in (1.0 - frac[i0 : i1 + 1], frac[i0 : i1 + 1]))
    (r_up, r_fwd), (h_up, h_fwd) = turn
    half_t = 0.5 * float(t[i1] - t[i0])
    w0, w1 = w(i0), w(i1)
    c0, s0, c1, s1 = math.cos(th0), math.sin(th0), math.cos(th1), math.sin(th1)
    s = SKIN_CM
    # forward: dx0 + turn·K + T/2·(w0·(L·c0 − s·s0) + w1·(L·c1 − s·s1)) = L·dsin + s·dcos
    k_lever = dsin - half_t * (w0 * c0 + w1 * c1) - (r_fwd[0] * k0 + h_fwd[0] * k1)
    fitted = math.nan
    if abs(k_lever) >= 0.5 * dsin:  # else the ends move too fast to tell the lever
        known_x = dx0 + r_fwd[1] * k0 + h_fwd[1] * k1 - half_t * s * (w0 * s0 + w1 * s1)
        fitted = (known_x - s * dcos) / k_lever
    lever = fitted if lever_cm is None else lever_cm
    if not math.isfinite(lever):
        return math.nan, fitted
    dz = dz0 + (r_up[0] * lever + r_up[1]) * k0 + (h_up[0] * lever + h_up[1]) * k1
    dz -= half_t * (w0 * (lever * s0 + s * c0) + w1 * (lever * s1 + s * c1))
    return dz - lever * dcos + s * dsin, fitted


def gyro_rotations(t: F64, quat_wxyz: F64, gyr_dps: F64, k: int) -> F64:
    """The sensor's rotation matrices over t, equal to the filter's at sample k and carried from there by
    the gyro alone (its body rate, bias-corrected; the mean of each step's two samples), both ways."""
    q = np.empty((len(t), 4))
    q[k] = quat_wxyz[k] / np.linalg.norm(quat_wxyz[k])
    w = np.radians(gyr_dps)
    half = 0.5 * (w[1:] + w[:-1]) * np.diff(t)[:, None]  # each step's rotation vector
    ang = np.linalg.norm(half, axis=1)
    axis = half / np.where(ang > 0.0, ang, 1.0)[:, None]
    c, s = np.cos(0.5 * ang), np.sin(0.5 * ang)
    step = np.column_stack([c, axis * s[:, None]])  # rotation from sample i to i + 1 (body frame)
    back = step * np.array([1.0, -1.0, -1.0, -1.0])
    start = q[k].tolist()
    # the steps' rows as floats at once, each way's products gathered and written in one assignment
    ahead = _carry(start, step[k:].tolist())  # q[i + 1] = q[i] · step[i], i = k …
    if ahead:
        q[k + 1 :] = ahead
    behind = _carry(start, back[k - 1 :: -1].tolist() if k > 0 else [])  # q[i - 1] = q[i] · back[i - 1], i = k … 1
    if behind:
        q[:k] = behind[::-1]
    return Q.to_matrix(q)


def _carry(p: list[float], steps: list[list[float]]) -> list[list[float]]:
    """p · steps[0] · steps[1] …, each product normalised to a unit quaternion (w, x, y, z)."""
    sqrt = math.sqrt
    out = []
    pw, px, py, pz = p
    for rw, rx, ry, rz in steps:
        w = pw * rw - px * rx - py * ry - pz * rz
        x = pw * rx + px * rw + py * rz - pz * ry
        y = pw * ry - px * rz + py * rw + pz * rx
        z = pw * rz + px * ry - py * rx + pz * rw
        n = sqrt(w * w + x * x + y * y + z * z)
        pw, px, py, pz = w / n, x / n, y / n, z / n
        out.append([pw, px, py, pz])
    return out


def heel_rise_from_ankle_cm(ankle_cm: float, foot_cm: float) -> float:
    if not math.isfinite(ankle_cm):
        return math.nan
    return float(heel_rise_cm(np.array([max(ankle_cm, 0.0)]), foot_cm)[0]) if ankle_cm > 0 else ankle_cm


@dataclass(frozen=True)
class HeelEstimate:
    """A drive's heel rise (cm) on the filter's orientation and on the gyro's from the rest (nan: not told),
    the accelerometer's white density measured on the rest (m/s²/√Hz), the time integrated, the rest's and
    the hold's lengths (s), and the lever each orientation's forward displacement gave (cm; the rise is taken
    at it held to where a strap can sit)."""

    filter_cm: float = math.nan
    gyro_cm: float = math.nan
    density_mps2_rthz: float = math.nan
    drive_s: float = math.nan
    rest_s: float = math.nan
    hold_s: float = math.nan
    filter_lever_cm: float = math.nan
    gyro_lever_cm: float = math.nan
    unjudged: str = ""  # why the drive was not judged ("" when it was): short, no rest, no hold, slow …

    @property
    def rise_cm(self) -> float:
        """The two orientations' mean: their errors differ (the filter's tilt lagging its accelerometer's bias
        as the shin turns; the gyro's bias and scale left over), so the mean spreads less than either."""
        if math.isfinite(self.gyro_cm) and math.isfinite(self.filter_cm):
            return 0.5 * (self.filter_cm + self.gyro_cm)
        return self.filter_cm

    def sigma_cm(self, p: ValidityParams) -> float:
        """The estimate's standard error on a heel-down drive: the accelerometer's white noise, as measured
        on the rest, double-integrated over the drive (σ·√(T³/12)) and through the still ends' error readings
        (σ·T²/12·√(1/rest + 2/hold): the vertical's is read over the hold's later half), both scaled to the heel
        (``p.noise_gain``), and the estimate's own spread without sensor errors (``p.floor_cm``)."""
        d, t = self.density_mps2_rthz, self.drive_s
        if not (math.isfinite(d) and math.isfinite(t)):
            return math.nan
        rest, hold = max(self.rest_s, 0.1), max(self.hold_s, 0.1)
        white_cm = 100.0 * d * math.sqrt(t**3 / 12.0 + (t * t / 12.0) ** 2 * (1.0 / rest + 2.0 / hold))
        return math.hypot(p.floor_cm, p.noise_gain * white_cm)


@dataclass(frozen=True)
class HeelVerdict:
    """A judged drive's heel: its rise and standard error (cm; nan: not told), whether it lifted (beyond the lift
    bar: not counted), and whether it is not confidently heel-down (beyond ``heel_clean_z`` standard errors under
    that bar: counted, but not used for the best)."""

    rise_cm: float = math.nan
    sigma_cm: float = math.nan
    lifted: bool = False
    uncertain: bool = False
    bias_unknown: bool = False  # the orientation filter had not measured its gyro bias: the check cannot tell

    @property
    def z(self) -> float:
        """The rise in standard errors (nan: either not told)."""
        return self.rise_cm / self.sigma_cm if self.sigma_cm > 0.0 else math.nan

    @property
    def reason(self) -> str:
        """What a counted rep's reasons say when its heel is uncertain ("": it is not)."""
        if not self.uncertain:
            return ""
        if self.bias_unknown:
            # the user's remedy: a still moment lets the filter measure its gyro bias before the first trial
            return "heel check unsure: the sensor had not been still long enough to settle — not used for the best"
        return f"heel may have lifted {self.rise_cm:.1f} cm (± {self.sigma_cm:.1f}) — not used for the best"


def judge_heel(est: HeelEstimate, p: ValidityParams, bias_known: bool = True) -> HeelVerdict:
    """The heel's verdict: a lift is called when the rise is over the heel-down bound (``p.heel_down_max_cm``) and
    beyond ``p.sigma_z`` standard errors; under that, the drive is counted (a rise of nan: not told, or told from a
    heel-down drive only by less than the noise allows), uncertain beyond ``p.heel_clean_z`` standard errors.

    Before the orientation filter has measured its gyro bias (``bias_known`` false: no rest window yet, VQF's bias
    σ still its initial 0.5 °/s) both orientations carry up to the sensor's bias (≈ 1 °/s), which moves the rise by
    centimetres (tuning seed 1103: a heel-down trial read 5.7 cm; 1.2 without the gyro's bias) and which σ, from the
    accelerometer's noise, does not hold: a told rise is then counted, uncertain, and never called a lift."""
    rise = est.rise_cm
    if not math.isfinite(rise):
        return HeelVerdict()
    sigma = est.sigma_cm(p)
    if not bias_known:
        return HeelVerdict(rise, sigma, lifted=False, uncertain=True, bias_unknown=True)
    bar = max(p.heel_down_max_cm, p.sigma_z * sigma) if math.isfinite(sigma) else p.heel_rise_max_cm
    lifted = rise > bar
    uncertain = not lifted and math.isfinite(sigma) and rise > p.heel_clean_z * sigma
    return HeelVerdict(rise, sigma, lifted, uncertain)


_MOTION_FIELDS = ("time_s", "quat_wxyz", "acc_mps2", "incl_deg", "quiet", "gyr_dps")  # (MotionBuffer.extend)


class MotionBuffer:
    """The last ``keep_s`` seconds of what the heel check reads: the shin's inclination and whether it is
    still, the sensor's orientation, specific force and body rate."""

    # the orientation, specific force and bias-corrected rate per sample: the earth-frame acceleration and the
    # shin's axis are derived from them for the few seconds a judged drive reads, not kept for every sample
    COLS = ("t", "incl", "quiet", "qw", "qx", "qy", "qz", "fx", "fy", "fz", "gx", "gy", "gz")

    list_rows = True  # a notification's columns kept as its floats (off: as arrays; the same rows)

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        self._log = ChunkLog(len(self.COLS), self._rows_arrays)  # rows built only when a drive is judged

    @property
    def rows(self) -> F64:
        return self._log.rows()

    def extend(self, frames: DrillFrames) -> None:
        # (a notification's floats as they are: the log makes them arrays a few hundred samples at a time)
        kept = frames.kept_columns(_MOTION_FIELDS) if self.list_rows else None
        if kept is not None:
            t = kept[0]
            self._log.extend(float(t[0]) - self.keep_s, float(t[-1]), kept, lists=True)
            return
        t = frames.time_s
        gyr = np.full((len(t), 3), np.nan) if frames.gyr_dps is None else frames.gyr_dps
        cols = (t, frames.quat_wxyz, frames.acc_mps2, frames.incl_deg, frames.quiet, gyr)
        self._log.extend(float(t[0]) - self.keep_s, float(t[-1]), cols)

    @staticmethod
    def _rows_arrays(t: F64, quat: F64, acc_mps2: F64, incl: F64, quiet: F64, gyr_dps: F64) -> F64:
        new = np.empty((len(t), len(MotionBuffer.COLS)))  # filled in place: column_stack's set-up costs more
        new[:, 0] = t
        new[:, 1] = incl
        new[:, 2] = quiet
        new[:, 3:7] = quat
        new[:, 7:10] = acc_mps2
        new[:, 10:13] = gyr_dps
        return new

    @staticmethod
    def _rest(
        t: F64, quiet: NDArray[np.bool_], incl: F64, i_s: int, start_s: float, rest_s: float, p: ValidityParams
    ) -> tuple[int, int] | None:
        """The first and last sample of the latest still, settled stretch of rest_s before the drive at i_s."""
        lo = int(np.searchsorted(t, start_s - p.lookback_s - rest_s))
        w = max(2, round(rest_s / float(np.median(np.diff(t[lo : i_s + 1]))))) if i_s - lo > 2 else 0
        if w == 0 or i_s + 1 - lo < w:
            return None
        win = np.lib.stride_tricks.sliding_window_view(incl[lo : i_s + 1], w)
        calm = np.lib.stride_tricks.sliding_window_view(quiet[lo : i_s + 1], w).all(axis=1)
        ok = np.flatnonzero(calm & (win.max(axis=1) - win.min(axis=1) <= p.settle_deg))
        if not ok.size:
            return None
        r0 = lo + int(ok[-1])
        return r0, r0 + w - 1

    @staticmethod
    def _hold_start(t: F64, quiet: NDArray[np.bool_], a: int, b: int, min_hold_s: float) -> int | None:
        """The first sample of a[..b] that opens a still stretch lasting min_hold_s (``None``: none does). A
        drive that pauses for a moment before it goes on (a heel that starts to lift late in the drive, the
        shin slowing as it does) is still for a few samples: ending the integration there cuts the lift short,
        and reads the rest of the drive as the hold's error."""
        q = quiet[a : b + 1].astype(np.int8)
        edge = np.diff(np.concatenate(([0], q, [0])))
        for s, e in zip(np.flatnonzero(edge == 1), np.flatnonzero(edge == -1), strict=True):
            if e - s >= 3 and t[a + e - 1] - t[a + s] >= min_hold_s:
                return a + int(s)
        return None

    def heel_estimate(
        self, start_s: float, end_s: float, band_deg: float, p: ValidityParams, foot_cm: float
    ) -> HeelEstimate:
        """The heel's rise from the still rest before a drive to its still hold at the peak, on the filter's
        orientation and on the gyro's from the rest, with the accelerometer noise measured on that rest."""
        r = self.rows
        t, quiet, incl = r[:, 0], r[:, 2] > 0.5, r[:, 1]
        i_s, i_e = int(np.searchsorted(t, start_s)), int(np.searchsorted(t, end_s))
        if i_e - i_s < 3 or i_s == 0:
            return HeelEstimate(unjudged="short")
        # the rest: the latest still, settled stretch ending before the drive opened (the drive's slow
        # start is under the quiet threshold, so the last quiet sample is already in the drive); ``rest_s``
        # long if there is one (its mean is the accelerometer's error: the longer, the less noise in it), else
        # at least ``min_rest_s`` (a short rest between trials)
        rests = [f for f in (self._rest(t, quiet, incl, i_s, start_s, d, p) for d in (p.rest_s, p.min_rest_s)) if f]
        if not rests:
            return HeelEstimate(
                unjudged="no rest"
            )  # no still rest before the drive (it starts straight from a step, a settling)
        k = i_s + int(np.argmax(incl[i_s:i_e]))
        inside = incl >= incl[k] - band_deg
        a = k
        while a > i_s and inside[a - 1]:
            a -= 1
        b = k
        while b < i_e - 1 and inside[b + 1]:
            b += 1
        held = a + np.flatnonzero(quiet[a : b + 1])
        if held.size < 3:
            return HeelEstimate(unjudged="no hold")
        h0 = self._hold_start(t, quiet, a, b, p.min_hold_s)
        if h0 is None:
            return HeelEstimate(
                unjudged="hold < min"
            )  # never still for min_hold_s at the peak: no hold to end the integration on
        h1 = int(held[-1])
        # the long rest unless it ends too long before the hold (a 1 s rest that ended early, a 0.5 s one
        # nearer the drive): the short rest's noise is in σ (``HeelEstimate.sigma_cm``), a long drive's error is not
        r0, i0 = next((f for f in rests if t[h0] - t[f[1]] <= p.max_drive_s), rests[-1])
        if t[h0] - t[i0] > p.max_drive_s:
            return HeelEstimate(
                unjudged=f"slow {t[h0] - t[i0]:.1f}s"
            )  # too slow a drive: the estimate's error is not known there
        # the samples read: the rest to the hold's end, and the rate fit's half-span (_rate) either side, so the
        # shin's rate at the rest's start and the hold's end is read from both sides of them
        pad = RATE_HALF_S
        s0 = int(np.searchsorted(t, t[r0] - pad))
        s1 = min(len(t), int(np.searchsorted(t, t[h1] + pad, side="right")))
        seg = slice(s0, s1)
        hold = (quiet[h0 : h1 + 1]).nonzero()[0] + (h0 - s0)
        windows = (slice(r0 - s0, i0 - s0 + 1), slice(int(hold[0]), int(hold[-1]) + 1))

        def heel(rot: F64) -> tuple[float, float]:
            """The heel's rise with the sensor oriented by rot over the segment, and the lever its forward
            displacement gives (cm). An orientation's error (the filter's tilt still settling, the gyro's residual
            bias carried through the drive) reads as forward displacement, so as lever, and each cm of lever moves
            the ankle's rise by −Δcos θ (≈ 0.3 cm over a 35° drive): the rise is taken at the nearest lever where a
            strap can sit (``p.lever_min_cm``–``p.lever_max_cm``)."""
            acc = np.einsum("nij,nj->ni", rot, r[seg, 7:10])
            acc[:, 2] -= GRAVITY_MPS2
            axis = rot[h0 - s0, :2, 1]  # the shin's long axis (sensor +Y) in the earth frame, at the hold
            norm = float(np.hypot(*axis))
            if norm < 1e-6:
                return math.nan, math.nan
            fwd = axis / norm
            rate = None
            gyr = r[seg, 10:13]
            if np.isfinite(gyr).all():
                # the shin's turn rate: the gyro's (bias-corrected) about the horizontal axis the inclination turns
                # about (left = up × forward); a line fit over the inclination averages across the bend of a
                # lift that starts late in the drive, and across the hold's opening
                w_earth = np.einsum("nij,nj->ni", rot, np.radians(gyr))
                rate = w_earth[:, :2] @ np.array([-fwd[1], fwd[0]])
            args = (t[seg], acc[:, 2], acc[:, :2] @ fwd, incl[seg], *windows, p, rate)
            ankle, lever = ankle_rise_fit(*args)
            held = min(max(lever, p.lever_min_cm), p.lever_max_cm)
            if math.isfinite(lever) and held != lever:
                ankle = ankle_rise_fit(*args, held)[0]  # the rise at the nearest lever a shin allows
            return heel_rise_from_ankle_cm(ankle, foot_cm), lever

        on_filter, lever_filter = heel(Q.to_matrix(r[seg, 3:7]))
        gyr = r[seg, 10:13]
        on_gyro = lever_gyro = math.nan
        if np.isfinite(gyr).all():
            # the filter's tilt follows its accelerometer (τ ≈ 3 s): as the shin turns, the tilt the accelerometer's
            # bias and scale error give trails through the drive and settles through the hold, and g × that lag
            # reads as acceleration (witmotion heel-down SD 1.35 cm, 0.90 on the gyro's). From the rest's last
            # sample the gyro alone carries the orientation: the error then turns with the sensor, a function of
            # the pose the end correction takes out; the gyro's own bias and scale error are left
            on_gyro, lever_gyro = heel(gyro_rotations(t[seg], r[seg, 3:7], gyr, i0 - s0))
        # the accelerometer's white noise on the rest: its second differences (sway, ≲ 1 Hz, does not reach them)
        f = r[r0 : i0 + 1, 7:10]
        d2 = np.diff(f, 2, axis=0)
        dt_s = float(np.median(np.diff(t[r0 : i0 + 1]))) if i0 > r0 else math.nan
        density = float(np.sqrt(np.mean(d2 * d2) / 6.0 * 2.0 * dt_s)) if len(d2) >= 3 else math.nan
        return HeelEstimate(
            on_filter,
            on_gyro,
            density,
            float(t[h0] - t[i0]),
            float(t[i0] - t[r0]),
            float(t[h1] - t[h0]),
            lever_filter,
            lever_gyro,
        )
