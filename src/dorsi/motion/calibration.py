"""Strap rotation from the calibration sequence every recording starts with.

Sequence: ≥ 3 s of quiet standing, then two slow forward knee drives. The
shin then rotates about its own left axis ``l``; ``l = (cos ψ, 0, sin ψ)`` in
sensor coordinates gives the strap rotation ψ (angles.py).

With the accelerometer (preferred): the drive is a rotation about a horizontal
axis, so gravity seen by the sensor turns about ``l`` and ``l`` is normal to
the standing and the driven gravity directions: ``l ∝ f̄_drive × f̄_stand``, the
mean specific force over the drive (samples 8° above standing) crossed with the
one of the quiet standing. Both means average the postural sway (the standing
over ≥ 3 s), which is what limits the gyro estimate below. The linear
acceleration of a sagittal drive lies along ``n`` and ``a``, so it does not turn
the x–z direction; an accelerometer bias ``b`` turns it by ≈ (b_l / g)·tan(θ/2)
(0.05° at the sensor's 0.04 m/s² and a 25° drive); gyro bias and scale do not enter.

Without it (fallback): Σ ω_xz · Δtilt per drive, the bias-free gyro weighted by
the change of tilt (resolves the sign; a constant gyro bias cancels over the
round trip). Sway rate (0.2–2 Hz, ~0.4 °/s rms about the anterior axis) adds
directly to the rate this weights, so this is ~1.5× worse (docs/measurement.md).

This defines the sagittal plane as the plane of the calibration drives, so the
drives must go straight over the toes; the spread between the two drives' axes
is reported as the calibration's quality. A drive with a frontal component
(the knee drifting k° medially per degree forward) reads as a strap rotation
off by atan(k): indistinguishable from the strap, so irreducible here.

What is accepted (anything else is "not calibrated" with one reason line, ``CalibrationProgress.reason``):

- quiet standing: every sample's body rate within ``standing_sway_dps`` (postural sway) plus
  ``quiet_noise_k`` × the gyro's own white noise, estimated from the last second's sample-to-sample
  differences (sway and drives are slow, so the differences are the sensor's noise), upright and
  steady in tilt; the same bound says the shin is back at rest after the drives;
- then drives of ≥ ``drive_min_peak_deg`` that agree in axis (``max_axis_spread_deg``; the strap rotation
  is the axis: their sizes may differ, a person's two drives of 35° and 21° are as good as two of 30°),
  slow (body rate ≤ ``max_rate_dps``), only forward of the standing direction
  (≤ ``max_behind_deg`` behind it), the shin pivoting about an ankle that stays on the floor (the
  ankle rose ≤ ``max_ankle_rise_m``: calibration_checks), and back at rest at the standing angle
  for ``settle_s``.

Walking and jogging swing the shin behind standing and lift the foot; stepping and turning lift the
foot; a strap rotation anywhere in ±180° changes none of these, and all are read from the
accelerometer in the sensor frame, so an orientation filter that is off cannot fake or spoil them.

The detector is a per-sample state machine (identical for any chunking) that
only looks at the first ``search_window_s`` of a recording.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from itertools import chain
from typing import NamedTuple, cast

import numpy as np

from dorsi.motion.angles import shin_angles
from dorsi.motion.calibration_checks import episode_metrics
from dorsi.motion.types import F64

CONVERT_PIECE = 1024  # samples converted to floats at a time while searching
_DEG_PER_RAD = 180.0 / math.pi  # math.degrees' factor: x * _DEG_PER_RAD is its result, without the call
_EPISODE_COLS = 7  # an episode sample: time, tilt, rate, the up direction (x, y, z), |specific force|
NOISE_WINDOW_S = 1.0  # the gyro's noise is measured over this much of the latest samples
NOT_FOUND_REASON = "no quiet standing followed by two slow knee drives was found"


@dataclass(frozen=True)
class CalibrationParams:
    min_standing_s: float = 3.0
    standing_sway_dps: float = 4.0  # |gyro − standing mean| allowed for postural sway, on top of …
    quiet_noise_k: float = 5.0  # … this many times the gyro's white noise (3 axes) measured while standing
    standing_max_tilt_deg: float = 25.0
    drive_start_deg: float = 8.0  # above the standing tilt
    drive_onset_max_s: float = 3.0  # from the end of quiet standing to drive_start_deg
    drive_end_deg: float = 4.0
    drive_min_peak_deg: float = 12.0
    drive_min_s: float = 0.8
    drive_max_s: float = 20.0
    max_between_s: float = 20.0
    drives_needed: int = 2
    max_axis_spread_deg: float = 10.0
    max_rate_dps: float = 120.0  # a slow drive: walking swings reach 200–300 °/s
    max_behind_deg: float = 6.0  # the shin going behind its standing direction (walking's heel strike)
    max_ankle_rise_m: float = 0.03  # the ankle leaving the floor (a step); see calibration_checks
    settle_s: float = 0.5  # quiet at the standing angle after the last drive
    settle_max_s: float = 5.0
    search_window_s: float = 120.0


@dataclass(frozen=True)
class Drive:
    start_s: float
    peak_s: float
    end_s: float
    peak_tilt_deg: float
    strap_rotation_deg: float


@dataclass(frozen=True)
class Calibration:
    strap_rotation_deg: float
    standing_inclination_deg: float
    standing_frontal_tilt_deg: float
    standing_start_s: float
    standing_end_s: float
    standing_gyro_dps: tuple[float, float, float]
    drives: tuple[Drive, ...]
    axis_spread_deg: float
    end_s: float
    end_index: int  # samples since the start of the stream, inclusive

    def as_dict(self) -> dict[str, object]:
        return {
            "found": True,
            "strap_rotation_deg": round(self.strap_rotation_deg, 2),
            "standing_inclination_deg": round(self.standing_inclination_deg, 2),
            "standing_frontal_tilt_deg": round(self.standing_frontal_tilt_deg, 2),
            "standing_s": [round(self.standing_start_s, 3), round(self.standing_end_s, 3)],
            "standing_gyro_dps": [round(v, 3) for v in self.standing_gyro_dps],
            "drive_peak_tilt_deg": [round(d.peak_tilt_deg, 2) for d in self.drives],
            "drive_strap_rotation_deg": [round(d.strap_rotation_deg, 2) for d in self.drives],
            "axis_spread_deg": round(self.axis_spread_deg, 2),
            "end_s": round(self.end_s, 3),
        }


@dataclass(frozen=True)
class CalibrationProgress:
    """What the person has done so far, for live feedback."""

    phase: str  # "standing" | "drives" | "done" | "gave-up"
    standing_s: float  # quiet standing so far (capped at the required time once drives begin)
    standing_needed_s: float
    drives_done: int
    drives_needed: int
    reason: str = ""  # why the last attempt was not accepted (one plain line; "" if none failed yet)


class _Phase(Enum):
    STAND = 0
    DRIVE = 1
    BETWEEN = 2
    DONE = 3
    GAVE_UP = 4
    SETTLE = 5


# the phases as plain names for the per-sample tests: an Enum member read from its class costs ~0.3 µs, and
# the live pipeline asks whether the detector is active, and in which phase, for every sample
_STAND, _DRIVE, _BETWEEN, _SETTLE = _Phase.STAND, _Phase.DRIVE, _Phase.BETWEEN, _Phase.SETTLE
_DONE, _GAVE_UP = _Phase.DONE, _Phase.GAVE_UP


class _Geo(NamedTuple):
    """One sample's up direction in sensor coordinates (the specific force's direction: gravity, since
    a slow drive barely accelerates; from the orientation without an accelerometer) and the specific
    force's magnitude (nan without accelerometer). Neither needs the orientation filter to be right:
    |f| − g is the vertical acceleration to first order (|g ẑ + a| ≈ g + a_z). Worked out inline, per
    sample, in ``CalibrationDetector.update_one``."""

    ux: float
    uy: float
    uz: float
    mag: float


_geo = cast(Callable[[tuple[float, float, float, float]], _Geo], partial(tuple.__new__, _Geo))  # (built in C)


@dataclass
class _Still:
    """A run of quiet samples: running sums in plain floats (this runs per sample)."""

    start_s: float = math.nan
    end_s: float = math.nan
    n: int = 0
    gyr_sum: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    tilt_sum: float = 0.0
    quat_sum: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])
    acc_sum: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    up_dir_sum: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    mag_sum: float = 0.0  # |specific force| (nan without the accelerometer)
    # mean_gyr() until the next add(): a standing kept as the drives' reference is read every sample, never added to
    gyr_mean: list[float] | None = field(default=None, repr=False, compare=False)

    def mean_gyr(self) -> list[float]:
        """The mean body rate (a list its callers only read)."""
        mean = self.gyr_mean
        if mean is None:
            k = max(self.n, 1)
            mean = self.gyr_mean = [v / k for v in self.gyr_sum]
        return mean

    def mean_tilt(self) -> float:
        return self.tilt_sum / max(self.n, 1)

    def add(self, t: float, tilt: float, gyr: list[float], q: list[float], acc: list[float] | None, geo: _Geo) -> None:
        if self.n == 0:
            self.start_s = t
        self.gyr_mean = None
        up = self.up_dir_sum
        up[0] += geo.ux
        up[1] += geo.uy
        up[2] += geo.uz
        self.mag_sum += geo.mag
        # the loops unrolled (a sample's few floats; sum() of the same terms in the same order: the same bits)
        qs = self.quat_sum
        w, x, y, z = q
        sign = 1.0 if sum((qs[0] * w, qs[1] * x, qs[2] * y, qs[3] * z)) >= 0.0 else -1.0
        self.n += 1
        self.end_s = t
        self.tilt_sum += tilt
        gs = self.gyr_sum
        gs[0] += gyr[0]
        gs[1] += gyr[1]
        gs[2] += gyr[2]
        qs[0] += sign * w
        qs[1] += sign * x
        qs[2] += sign * y
        qs[3] += sign * z
        if acc is not None:
            acs = self.acc_sum
            acs[0] += acc[0]
            acs[1] += acc[1]
            acs[2] += acc[2]


def _spread_deg(drives: list[Drive]) -> tuple[float, float]:
    """Circular mean of the drives' strap rotations and the largest pairwise difference."""
    rad = [math.radians(d.strap_rotation_deg) for d in drives]
    mean = math.degrees(math.atan2(sum(map(math.sin, rad)), sum(map(math.cos, rad))))
    spread = max(
        (abs((a.strap_rotation_deg - b.strap_rotation_deg + 180.0) % 360.0 - 180.0) for a in drives for b in drives),
        default=0.0,
    )
    return mean, spread


class CalibrationDetector:
    """Finds quiet standing + two knee drives; ``result`` is set at the sample that completes them."""

    def __init__(self, params: CalibrationParams | None = None) -> None:
        self.params = params or CalibrationParams()
        self.result: Calibration | None = None
        self.reason = ""  # why the last attempt was refused (one plain line)
        self._phase = _Phase.STAND
        self._index = -1
        self._t0: float | None = None
        self._still = _Still()
        self._stand: _Still | None = None
        self._last_still: _Still | None = None
        self._drives: list[Drive] = []
        self._between_start_s = 0.0
        self._settle_start_s = 0.0
        self._settled_from_s = math.nan
        # the gyro's white noise from the last NOISE_WINDOW_S of sample-to-sample differences: a slow
        # movement (sway, a drive) barely changes between samples, so these measure the sensor's noise
        self._diffs: deque[tuple[float, float]] = deque()
        self._diff_sum = 0.0
        self._last_gyr: list[float] | None = None
        # recent samples (t, tilt, gyro, geo) while standing, and the episode since the drives began (each
        # sample's _EPISODE_COLS floats in one flat tuple: the checks make them one array in one call)
        self._recent: deque[tuple[float, float, list[float], _Geo]] = deque()
        self._episode: list[tuple[float, ...]] = []
        self._stand_tilt = math.nan  # the standing's mean tilt while it is the drives' reference (_stand)
        self._reset_drive(0.0)

    @property
    def active(self) -> bool:
        phase = self._phase
        return phase is not _DONE and phase is not _GAVE_UP

    @property
    def gave_up(self) -> bool:
        return self._phase is _Phase.GAVE_UP

    @property
    def progress(self) -> CalibrationProgress:
        p = self.params
        phase = {_Phase.STAND: "standing", _Phase.DONE: "done", _Phase.GAVE_UP: "gave-up"}.get(self._phase, "drives")
        if self._stand is not None:
            standing_s = p.min_standing_s
        elif self._still.n:
            standing_s = min(p.min_standing_s, self._still.end_s - self._still.start_s)
        else:
            standing_s = 0.0
        drives = len(self.result.drives) if self.result is not None else len(self._drives)
        reason = self.reason
        if self._phase is _Phase.GAVE_UP and not reason:
            reason = NOT_FOUND_REASON
        return CalibrationProgress(phase, standing_s, p.min_standing_s, drives, p.drives_needed, reason)

    def _quiet_limit_dps(self) -> float:
        """Body rate (norm of |gyro − standing mean|) still taken as quiet: sway + k × the gyro's noise."""
        n = len(self._diffs)
        noise = math.sqrt(max(0.0, self._diff_sum) / (2.0 * n)) if n >= 10 else math.nan
        return self.params.standing_sway_dps + (0.0 if math.isnan(noise) else self.params.quiet_noise_k * noise)

    def _reset_drive(self, t: float) -> None:
        self._drive_start_s = t
        self._drive_peak = -1.0
        self._drive_peak_s = t
        self._axis = [0.0, 0.0]
        self._acc_sum = [0.0, 0.0, 0.0]  # specific force summed over the driven samples
        self._acc_n = 0
        self._last_tilt = math.nan

    def _restart(self, reason: str = "") -> None:
        if reason:
            self.reason = reason
        self._phase = _Phase.STAND
        self._still = _Still()
        self._stand = None
        self._last_still = None
        self._drives = []
        self._episode = []
        self._recent.clear()

    def update(self, time_s: F64, gyr_dps: F64, quat_wxyz: F64, acc_mps2: F64 | None = None) -> int | None:
        """Feed samples; returns the chunk index of the completing sample the first time it happens.

        With ``acc_mps2`` the strap rotation comes from the accelerometer (module docstring) and the ankle
        is checked to stay on the floor; pass it always or never within one recording."""
        if not self.active or len(time_s) == 0:
            self._index += len(time_s)
            return None
        if self._t0 is None:
            self._t0 = float(time_s[0])
        # only the samples inside the search window are looked at (a whole recording may come in one
        # chunk), converted to floats a piece at a time: the calibration usually ends within seconds
        n_in = int(np.searchsorted(time_s, self._t0 + self.params.search_window_s, side="right"))
        for p in range(0, n_in, CONVERT_PIECE):
            e = min(n_in, p + CONVERT_PIECE)
            gyrs, quats = gyr_dps[p:e].tolist(), quat_wxyz[p:e].tolist()
            accs: list[list[float]] | list[None] = [None] * (e - p) if acc_mps2 is None else acc_mps2[p:e].tolist()
            for i, t in enumerate(time_s[p:e].tolist()):
                if self.update_one(t, gyrs[i], quats[i], accs[i]):
                    self._index += len(time_s) - (p + i) - 1
                    return p + i
        if n_in < len(time_s):
            self._phase = _Phase.GAVE_UP
            self._index += len(time_s) - n_in
        return None

    def update_one(self, t: float, gyr_dps: list[float], quat_wxyz: list[float], acc_mps2: list[float] | None) -> bool:
        """update() for one sample in plain floats; True if it completes the calibration.

        It runs for every sample until the calibration is found (the first ~15 s of a stream): the steps every
        sample takes (the tilt, the up direction, the noise window) are inline, ``math.degrees`` and ``min``/``max``
        as their own operations (the same bits: tests/core/test_calibration_lean holds the traces to the bit)."""
        self._index += 1
        phase = self._phase
        if phase is _DONE or phase is _GAVE_UP:
            return False
        t0 = self._t0
        if t0 is None:
            t0 = self._t0 = t
        if t > t0 + self.params.search_window_s:  # only the first search_window_s are looked at
            self._phase = _Phase.GAVE_UP
            return False
        w, x, y, z = quat_wxyz
        c = 2.0 * (y * z + w * x)
        c = c if c < 1.0 else 1.0  # min(1.0, c), nan included
        tilt = math.acos(c if c > -1.0 else -1.0) * _DEG_PER_RAD  # max(-1.0, c)
        # the up direction and |f| (_Geo): the specific force's, else (no accelerometer) the orientation's
        m = 0.0
        if acc_mps2 is not None:
            ax, ay, az = acc_mps2
            m = math.sqrt(ax * ax + ay * ay + az * az)
        if m > 0.0:
            ux, uy, uz, mag = ax / m, ay / m, az / m, m
        else:
            ux, uy, uz, mag = 2.0 * (x * z - w * y), 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y), math.nan
        # the gyro's white noise: the last NOISE_WINDOW_S of sample-to-sample differences
        last = self._last_gyr
        if last is not None:
            gx, gy, gz = gyr_dps
            # sum() of the same terms as over a generator, in the same order: the same bits, ~1 µs less
            d2 = sum(((gx - last[0]) ** 2, (gy - last[1]) ** 2, (gz - last[2]) ** 2))
            diffs = self._diffs
            diffs.append((t, d2))
            self._diff_sum += d2
            while diffs[0][0] < t - NOISE_WINDOW_S:
                self._diff_sum -= diffs.popleft()[1]
        self._last_gyr = gyr_dps
        if phase is _STAND:
            self._stand_step(t, tilt, gyr_dps, quat_wxyz, acc_mps2, _geo((ux, uy, uz, mag)))
            return False
        stand = self._stand
        assert stand is not None
        rate = math.dist(gyr_dps, stand.mean_gyr())
        self._episode.append((t, tilt, rate, ux, uy, uz, mag))
        if phase is _DRIVE:
            self._drive_step(t, tilt, gyr_dps, acc_mps2)
        elif phase is _BETWEEN:
            p = self.params
            if tilt > self._stand_tilt + p.drive_start_deg:
                self._phase = _Phase.DRIVE
                self._reset_drive(t)
                self._drive_step(t, tilt, gyr_dps, acc_mps2)
            elif t - self._between_start_s > p.max_between_s:
                self._restart(f"no second knee drive within {p.max_between_s:g} s of the first")
        elif phase is _SETTLE:
            return self._settle_step(t, tilt, rate)
        return False

    def _stand_step(
        self, t: float, tilt: float, gyr: list[float], q: list[float], acc: list[float] | None, geo: _Geo
    ) -> None:
        p = self.params
        s = self._still
        recent = self._recent
        recent.append((t, tilt, gyr, geo))
        while recent and recent[0][0] < t - p.drive_onset_max_s - 1.0:
            recent.popleft()
        # the quiet run that a drive may start from: the current one, or one that ended moments ago
        n = s.n
        base = s if n and s.end_s - s.start_s >= p.min_standing_s else self._last_still
        if base is not None and t - base.end_s > p.drive_onset_max_s:
            base = self._last_still = None
        if base is not None and tilt > base.mean_tilt() + p.drive_start_deg:
            self._stand = base
            self._stand_tilt = base.mean_tilt()
            self._phase = _Phase.DRIVE
            self._reset_drive(base.end_s)
            ref = base.mean_gyr()
            # the episode starts in the standing (zero velocity), a little before it ended
            self._episode = [
                (tr, ti, math.dist(g, ref), *geo_r) for tr, ti, g, geo_r in recent if tr >= base.end_s - 0.5
            ]
            return
        # quiet (the tests in their order, on floats: _quiet_limit_dps and mean_tilt inline)
        if math.dist(gyr, s.mean_gyr() if n else gyr) < self._quiet_limit_dps():
            quiet = tilt < p.standing_max_tilt_deg and (
                n == 0 or abs(tilt - s.tilt_sum / (n if n > 1 else 1)) < p.drive_end_deg
            )
        else:
            quiet = False
        if quiet:
            s.add(t, tilt, gyr, q, acc, geo)
            return
        if s.n and s.end_s - s.start_s >= p.min_standing_s:
            self._last_still = s
        self._still = _Still()

    def _drive_step(self, t: float, tilt: float, gyr: list[float], acc: list[float] | None) -> None:
        p = self.params
        stand = self._stand
        assert stand is not None
        base = self._stand_tilt  # (stand.mean_tilt(): the standing is not added to while it is the reference)
        last_tilt = self._last_tilt
        if last_tilt == last_tilt:  # (not nan)
            bias = stand.mean_gyr()
            d_tilt = tilt - last_tilt
            axis = self._axis
            axis[0] += d_tilt * (gyr[0] - bias[0])
            axis[1] += d_tilt * (gyr[2] - bias[2])
        self._last_tilt = tilt
        if acc is not None and tilt >= base + p.drive_start_deg:
            self._acc_n += 1
            acc_sum = self._acc_sum
            acc_sum[0] += acc[0]
            acc_sum[1] += acc[1]
            acc_sum[2] += acc[2]
        if tilt > self._drive_peak:
            self._drive_peak, self._drive_peak_s = tilt, t
        duration = t - self._drive_start_s
        if duration > p.drive_max_s:
            self._restart(f"the knee stayed forward for over {p.drive_max_s:g} s: not a drive")
            return
        if tilt >= base + p.drive_end_deg:
            return
        # the drive is back near standing: validate it
        if self._drive_peak - base < p.drive_min_peak_deg:
            self._restart(
                f"the knee drive reached {self._drive_peak - base:.0f}° beyond standing; "
                f"drive it at least {p.drive_min_peak_deg:g}°"
            )
            return
        if duration < p.drive_min_s:
            self._restart(f"the knee drive took {duration:.1f} s: drive slowly (at least {p.drive_min_s:g} s)")
            return
        if self._check_episode():
            return
        psi = self._drive_psi_deg()
        self._drives.append(Drive(self._drive_start_s, self._drive_peak_s, t, self._drive_peak, psi))
        while len(self._drives) > 1 and _spread_deg(self._drives)[1] > p.max_axis_spread_deg:
            self._drives.pop(0)  # drives that disagree: keep looking with the newest
        if len(self._drives) < p.drives_needed:
            self._phase = _Phase.BETWEEN
            self._between_start_s = t
            return
        self._phase = _Phase.SETTLE
        self._settle_start_s = t
        self._settled_from_s = math.nan

    def _settle_step(self, t: float, tilt: float, rate: float) -> bool:
        """After the last drive: quiet at the standing angle for settle_s, then the episode's checks."""
        p = self.params
        assert self._stand is not None
        quiet = rate < self._quiet_limit_dps() and abs(tilt - self._stand.mean_tilt()) < p.drive_end_deg
        if not quiet:
            self._settled_from_s = math.nan
        elif math.isnan(self._settled_from_s):
            self._settled_from_s = t
        if quiet and t - self._settled_from_s >= p.settle_s:
            if self._check_episode():
                return False
            self._finish(t)
            return True
        if t - self._settle_start_s > p.settle_max_s:
            self._restart(f"the shin did not come back to rest at the standing angle within {p.settle_max_s:g} s")
        return False

    def _check_episode(self) -> bool:
        """The physical checks over the episode so far; True (and a restart with the reason) if it fails."""
        p = self.params
        stand = self._stand
        assert stand is not None
        ep = self._episode
        if len(ep) < 2:
            return False
        base = stand.mean_tilt()
        # the samples' floats as one array in one call, then each column as its own (contiguous) array
        cols = np.fromiter(chain.from_iterable(ep), np.float64, _EPISODE_COLS * len(ep)).reshape(-1, _EPISODE_COLS)
        t, tilt, rate, mag = cols[:, 0].copy(), cols[:, 1].copy(), cols[:, 2].copy(), cols[:, 6].copy()
        k = max(1, stand.n)
        up = cols[:, 3:6].copy()
        m = episode_metrics(
            t,
            mag - stand.mag_sum / k,
            up,
            np.array(stand.up_dir_sum) / k,
            rate,
            tilt >= base + p.drive_start_deg,
        )
        reason = ""
        if m.ankle_rise_m > p.max_ankle_rise_m:
            reason = (
                f"the shin rose {100 * m.ankle_rise_m:.0f} cm during the drives — walking or stepping?"
                if m.ankle_rise_m <= 0.5
                else "the shin bounced up and down during the drives — walking or jogging?"
            )
        elif m.behind_deg > p.max_behind_deg:
            reason = f"the shin swung {m.behind_deg:.0f}° behind standing during the drives — walking?"
        elif m.max_rate_dps > p.max_rate_dps:
            reason = f"the shin turned at {m.max_rate_dps:.0f}°/s during the drives — too fast; walking?"
        if reason:
            self._restart(reason)
            return True
        return False

    def _drive_psi_deg(self) -> float:
        """Strap rotation from the drive just ended: accelerometer if fed, else the gyro axis."""
        stand = self._stand
        assert stand is not None
        if self._acc_n and stand.n:
            # l ∝ f̄_drive × f̄_stand (only x and z are needed)
            fd = [v / self._acc_n for v in self._acc_sum]
            fs = [v / stand.n for v in stand.acc_sum]
            lx = fd[1] * fs[2] - fd[2] * fs[1]
            lz = fd[0] * fs[1] - fd[1] * fs[0]
            if lx != 0.0 or lz != 0.0:
                return math.degrees(math.atan2(lz, lx))
        return math.degrees(math.atan2(self._axis[1], self._axis[0]))

    def _finish(self, t: float) -> None:
        stand = self._stand
        assert stand is not None
        psi, spread = _spread_deg(self._drives)
        q_mean = np.array(stand.quat_sum) / np.linalg.norm(stand.quat_sum)
        incl, frontal = shin_angles(q_mean, psi)
        gyr = stand.mean_gyr()
        self.result = Calibration(
            strap_rotation_deg=psi,
            standing_inclination_deg=float(incl),
            standing_frontal_tilt_deg=float(frontal),
            standing_start_s=stand.start_s,
            standing_end_s=stand.end_s,
            standing_gyro_dps=(float(gyr[0]), float(gyr[1]), float(gyr[2])),
            drives=tuple(self._drives),
            axis_spread_deg=spread,
            end_s=t,
            end_index=self._index,
        )
        self.reason = ""
        self._episode = []
        self._phase = _Phase.DONE
