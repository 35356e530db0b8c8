"""Calf raises: the shin's vertical rise and fall from integrated acceleration.

The accelerometer is rotated to earth with the pipeline's orientation; its
vertical specific force minus g is the shin's vertical acceleration, up to a
constant offset (accelerometer bias and scale along the standing shin) that is
estimated while the leg is still at rest (a long running mean, so noise
averages out). Velocity and height are integrated from each rest with a
zero-velocity update: while resting they are zero, so drift only accumulates
over one rep.

- Rest: a 0.15 s mean of the vertical acceleration under 1 cm/s²; a slow movement starts as
  quietly as rest, so its last 0.3 s are integrated again once movement is seen. The offset
  is a running mean over rest and the leftover velocity of each zero-velocity update.
- Bridges: between two zero-velocity instants (rest → top hold, top hold → heel down) the
  true velocity change is zero, so the velocity left over is offset error × time; it is
  removed as a ramp. A rep opens when the height passes ``start_cm`` and closes when the
  bridged height (as if the shin stopped now) is under ``bridge_frac`` × the bridged top,
  or by the older speed rules; that is at most a few tenths of a second after the heel lands.
- After a close the heel is still coming down (a slow lowering's last 1-2 s at 0.5-1 cm/s are
  as quiet as rest): no rest and no re-zero until 1 s before the fitted end of the lowering,
  unless the shin pushes up harder than the lowering's own braking (the next rise). Once the
  lowering's braking has been seen (pushing up while moving down), quiet is the heel on the floor
  whatever the integrated velocity (the offset can be a few mm/s² off: tilt from a gyro bias not
  yet learnt, g·(1 − cos δ)), and height gained in that quiet opens no rep.
- A step to reposition the foot lifts the shin as a raise does but tilts it: an open rep whose
  shin tilts more than ``max_tilt_change_deg`` from where it began is dropped, no rep opens until
  the next rest, and that rest comes at the first quiet moment (the step's integrated velocity
  means nothing).
- ``up_s`` is a minimum-jerk-equivalent duration: the velocity pulse's full width at half
  maximum divided by 0.5412. ``down_s`` after a top hold is a least-squares fit, on the
  velocity's increments (white accelerometer noise: the maximum-likelihood fit), of a
  minimum-jerk heel lowering of the bridged drop seen at the ankle through the foot model,
  plus a constant offset error (a 6–9 s lowering moves at ≈ 1 cm/s, within the drift);
  without a top hold it uses the half-width as well. The slow start and end of a movement
  cannot be told from stillness with an IMU, so whole-pulse fits are the robust way to time
  a rise and an eccentric lowering. Its noise floor: the Cramér-Rao bound on a 8 s lowering's
  duration at 150 µg/√Hz is 0.67 s with data to 70 % of the lowering (where the bridge closes),
  0.49 s with all of it.
- Height is the sensor's (≈ the ankle's); ``heel_rise_cm`` converts it with a foot
  model: the foot pitches about the metatarsal heads, the ankle sits
  ``ankle_height`` above the floor and ``0.54 × foot`` ahead of the heel-to-ball lever
  ``0.73 × foot`` (docs/drills.md).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dorsi.motion import quat as Q
from dorsi.motion.types import F64, GRAVITY_MPS2

MJ_FWHM = 0.5412  # full width at half maximum of a minimum-jerk speed profile, × its duration
MJ_PEAK_ACC = 5.774  # a minimum-jerk move's peak acceleration, × distance / duration² (10/√3)
ANKLE_HEIGHT_CM = 8.0
BALL_FROM_ANKLE_FRAC = 0.54  # metatarsal heads ahead of the ankle, × foot length
HEEL_TO_BALL_FRAC = 0.73  # heel to metatarsal heads, × foot length


@dataclass(frozen=True)
class VerticalParams:
    # |smoothed vertical acceleration| below this (and a quiet gyro) = quiet: ≈ 4 σ of the smoothed
    # noise of an LSM6DS3 (150 µg/√Hz), a third of a slow rise's peak acceleration (≈ 2.5 cm/s²)
    still_acc_mps2: float = 0.01
    acc_tau_s: float = 0.15  # the quiet test's boxcar window (noise σ ≈ 2.7 mm/s²)
    still_s: float = 0.15
    still_v_mps: float = 0.01  # |integrated velocity| under this while quiet = still
    still_long_s: float = 3.0  # ... or quiet this long whatever the velocity (drift)
    bias_tau_s: float = 60.0  # running mean of the rest offset (seconds of evidence; the bias barely drifts)
    bias_still_mps2: float = 0.008
    bias_still_s: float = 0.3
    slow_tau_s: float = 0.6
    deep_quiet_dps: float = 2.5
    bias_after_rep_s: float = 1.5
    start_cm: float = 1.0
    bottom_frac: float = 0.7  # a lowering ends under this × top ...
    release_frac: float = 0.3  # ... once its speed is back under this × its peak
    max_rep_s: float = 30.0
    quiet_dps: float = 6.0
    tap_s: float = 0.06  # a tap's edges: integration is undone this far back and skipped this long
    # vertical acceleration (or |specific force| − g) beyond this is a tap, not a raise. A tap into the skin is
    # 2–4 g for 5–20 ms (a jolt of ≥ 12 m/s² even when horizontal); a fast raise (rise in 0.4 s) reaches
    # ~2 m/s², and at 2.0 its onset was taken for a tap and undone (fresh seed 36 `fast`: 6 of 45 lost)
    spike_mps2: float = 5.0
    min_bias_s: float = 0.5  # still time needed before the first rep can be measured
    onset_s: float = 0.3  # a movement's onset is re-integrated this far back (its start looked still)
    resid_max_mps2: float = 0.005  # a zero-velocity residual / interval above this is no offset evidence
    push_frac: float = 0.75  # ... or under this and the next rise pushes up
    bridge_frac: float = 0.5  # the lowering is over once the bridged height is under this × the top (halfway)
    # ... less about the fitted end's error: it grows with the lowering's duration (σ 0.5-1 s at 6-9 s);
    # a 3 s lowering's last second still brakes, and a rest seen there leaves that braking as a rise
    settle_lead_s: float = 1.0
    settle_lead_frac: float = 0.125
    settle_max_s: float = 4.0  # after a rep closes, no rest until the fitted lowering's end, at most this long
    brake_margin_mps2: float = 0.008  # ≈ 3 σ of the quiet test's boxcar noise (2.7 mm/s²)
    foot_cm: float = 26.0  # the foot's length: the ankle's lowering speed profile (heel_rise_cm's model)
    # a calf raise barely tilts the shin (simulated, every event: ≤ 1.9° from where the rep began,
    # sagittal or frontal); a step to reposition the foot lifts it as far, tilting it ≥ 14° (median 22°)
    max_tilt_change_deg: float = 8.0


@dataclass
class Raise:
    start_s: float
    end_s: float
    emitted_s: float
    time_s: F64
    height_cm: F64
    incl_deg: F64
    frontal_deg: F64
    speed_dps: F64
    up_s: float
    down_s: float


def heel_rise_cm(shin_rise_cm: F64, foot_cm: float = 26.0, ankle_height_cm: float = ANKLE_HEIGHT_CM) -> F64:
    """Heel rise from the ankle's rise: the foot pitches by β about the metatarsal heads."""
    ball = BALL_FROM_ANKLE_FRAC * foot_cm
    lever = HEEL_TO_BALL_FRAC * foot_cm
    beta = np.linspace(0.0, math.radians(60.0), 2001)
    ankle = ball * np.sin(beta) - ankle_height_cm * (1.0 - np.cos(beta))
    return np.asarray(lever * np.sin(np.interp(shin_rise_cm, ankle, beta)), dtype=np.float64)


def vertical_acc_mps2(quat_wxyz: F64, acc_mps2: F64) -> F64:
    """Vertical specific force minus g (earth z up)."""
    rot = Q.to_matrix(quat_wxyz)
    return np.asarray(np.einsum("nj,nj->n", rot[:, 2, :], acc_mps2) - GRAVITY_MPS2, dtype=np.float64)


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


class RaiseSegmenter:
    def __init__(self, params: VerticalParams | None = None) -> None:
        self.p = params or VerticalParams()
        self.bias = 0.0
        self._bias_w = 0.0
        self._acc_s = 0.0
        self._raw_s = 0.0
        self._raw_slow = 0.0
        self._deep_t0 = math.nan
        self._closed_s = -math.inf
        self._still_t0 = math.nan
        self._v = 0.0
        self._z = 0.0
        self._last_t = math.nan
        self.in_rep = False
        self._top = 0.0
        self._falling = False
        self._rows: list[tuple[float, ...]] = []
        self._moving_t0 = math.nan
        self._pre: list[tuple[float, ...]] = []
        self._hist: deque[tuple[float, float, float]] = deque()  # (t, v, z) over the last tap_s
        self._tap_until = -math.inf
        self._after_tap = False  # after a tap at rest: the next quiet moment is rest, whatever v
        self._top_zupt = False
        self._vmin = 0.0  # the lowering's peak velocity (negative)
        self._rest: deque[tuple[float, float, bool]] = deque()  # (dt, raw acc, deep) of the rest's last onset_s
        self._rest_s = 0.0
        self._was_still = False
        self._box: deque[tuple[float, float]] = deque()  # (dt, a·dt) over the last acc_tau_s
        self._box_s = 0.0
        self._box_int = 0.0
        self._zupt_t = math.nan  # last zero-velocity update with evidence (start of the integration interval)
        self._hold_t = math.nan  # the top hold's zero-velocity update (start of the lowering's bridge)
        self._top_b = 0.0  # the bridged top height, cm
        self._settle_until = -math.inf  # the closed rep's fitted lowering end: the heel is still coming down
        self._brake_mps2 = 0.0  # the fitted lowering's largest upward (braking) acceleration
        self._braked = False  # since the close: the lowering's braking seen (upward push while moving down)
        self._stepped = False  # a step seen: no rep opens before the next rest, which comes at the first quiet

    @property
    def height_cm(self) -> float:
        return 100.0 * self._z

    def _feed_offset(self, value: float, weight_s: float) -> None:
        """The rest offset is a running mean over at most bias_tau_s seconds of evidence."""
        self._bias_w = min(self._bias_w + weight_s, self.p.bias_tau_s)
        self.bias += (value - self.bias) * weight_s / self._bias_w

    def _zupt(self, ti: float) -> None:
        """Zero-velocity update. Between two rests the true velocity change is zero, so the velocity
        integrated over the interval is the offset error × its length: evidence for the offset as good
        as that long a rest (the interval's movement averages out)."""
        span_s = ti - self._zupt_t
        if 1.0 <= span_s <= self.p.max_rep_s and abs(self._v / span_s) < self.p.resid_max_mps2:
            self._feed_offset(self.bias + self._v / span_s, span_s)
        self._v = 0.0
        self._zupt_t = ti

    def process(
        self,
        t: F64,
        acc_z: F64,
        speed: F64,
        incl: F64,
        frontal: F64,
        emit: Callable[[Raise], None],
        jolt: F64 | None = None,
    ) -> None:
        """Feed samples. ``jolt``: |specific force| − g (a tap into the skin is mostly horizontal)."""
        p = self.p
        jolts = np.zeros(len(t)) if jolt is None else np.abs(jolt)
        for ti, a_raw, s, inc, fr, jo in zip(
            t.tolist(), acc_z.tolist(), speed.tolist(), incl.tolist(), frontal.tolist(), jolts.tolist(), strict=True
        ):
            dt = 0.0 if math.isnan(self._last_t) else min(ti - self._last_t, 0.1)
            self._last_t = ti
            k = dt / (p.acc_tau_s + dt) if dt > 0 else 1.0
            self._raw_s += k * (a_raw - self._raw_s)
            ks = dt / (p.slow_tau_s + dt) if dt > 0 else 1.0
            self._raw_slow += ks * (a_raw - self._raw_slow)
            # deep rest: a quiet gyro and a steady accelerometer (its level is the offset we want)
            deep_now = s < p.deep_quiet_dps and abs(self._raw_s - self._raw_slow) < p.bias_still_mps2
            if deep_now:
                if math.isnan(self._deep_t0):
                    self._deep_t0 = ti
            else:
                self._deep_t0 = math.nan
            # ... and not right after a rep: the end of a slow lowering looks still but is not
            deep = deep_now and ti - self._deep_t0 >= p.bias_still_s and ti - self._closed_s >= p.bias_after_rep_s
            if self._bias_w < p.min_bias_s:
                if deep:
                    self._bias_w += dt
                    self.bias += (a_raw - self.bias) * (dt / self._bias_w if self._bias_w > 0 else 1.0)
                self._acc_s = 0.0
                self._zupt_t = ti
                continue
            a = a_raw - self.bias
            if abs(a) > p.spike_mps2 or jo > p.spike_mps2:
                # a tap on the sensor (ms-long, no net velocity): never part of a calf raise; undo
                # what its rising edge integrated and ignore its tail
                if self._hist and ti > self._tap_until:
                    self._v, self._z = self._hist[0][1], self._hist[0][2]
                self._tap_until = ti + p.tap_s
                self._after_tap = not self.in_rep  # a tap at rest: the next quiet moment is rest again
                self._rest.clear()
                self._rest_s = 0.0
            if ti <= self._tap_until:
                a = 0.0
            self._hist.append((ti, self._v, self._z))
            while ti - self._hist[0][0] > p.tap_s:
                self._hist.popleft()
            # quiet on a boxcar mean (an exponential mean's tail after a fast rise's 1 m/s² hides
            # the short top hold under a threshold this low)
            self._box.append((dt, a * dt))
            self._box_s += dt
            self._box_int += a * dt
            while self._box_s - self._box[0][0] >= p.acc_tau_s:
                d0, ad0 = self._box.popleft()
                self._box_s -= d0
                self._box_int -= ad0
            self._acc_s = self._box_int / self._box_s if self._box_s > 0 else a
            quiet_now = abs(self._acc_s) < p.still_acc_mps2 and s < p.quiet_dps
            if quiet_now:
                if math.isnan(self._still_t0):
                    self._still_t0 = ti
            else:
                self._still_t0 = math.nan
            # a quiet accelerometer is also what the middle of a lowering at steady speed looks
            # like: still needs the integrated velocity near zero too (or a long quiet run)
            quiet_for = ti - self._still_t0 if quiet_now else 0.0
            still = quiet_for >= p.still_s and (
                abs(self._v) < p.still_v_mps or quiet_for >= p.still_long_s or self._after_tap or self._stepped
            )
            if still:
                self._after_tap = self._stepped = False
            v_before = self._v
            if not self.in_rep:
                # a lowering brakes once, up to the heel's landing; once that braking has been seen, quiet
                # means the heel is down whatever the integrated velocity says (it carries the offset
                # error × the rep's length: a few mm/s² of offset left 1.5 cm/s, seen as a rise)
                if self._acc_s > p.still_acc_mps2 and self._v < 0.0:
                    self._braked = True
                if quiet_for >= p.still_s and self._braked:
                    still = True
                # the bridge closes a rep a third of the way before the heel is down: a slow lowering's
                # last 1-2 s are as quiet as rest, at 0.5-1 cm/s, so no rest (zero-velocity update) and
                # no re-zero before the fitted end of the lowering (either would start the next rise
                # with the lowering's leftover speed as velocity error and wreck its top hold)
                settling = ti < self._settle_until
                if still and not settling:
                    if not self._was_still:
                        self._zupt(ti)
                    self._was_still = True
                    self._braked = False
                    self._v, self._z = 0.0, 0.0
                    self._zupt_t = ti
                    # the rest's last onset_s: the start of a slow movement is as quiet as rest, so
                    # these samples feed the offset only once they are older, and are re-integrated
                    # if a movement turns out to have begun among them
                    self._rest.append((dt, a_raw, deep))
                    self._rest_s += dt
                    while self._rest and self._rest_s - self._rest[0][0] > p.onset_s:
                        d0, a0, deep0 = self._rest.popleft()
                        self._rest_s -= d0
                        if deep0:
                            self._feed_offset(a0, d0)
                    self._pre = [(ti, 0.0, inc, fr, s, 0.0)]
                    continue
                if self._was_still:
                    # a movement begins: integrate it from the start of the rest's last onset_s
                    self._was_still = False
                    v = z = 0.0
                    for d0, a0, _ in self._rest:
                        v += (a0 - self.bias) * d0
                        z += v * d0
                    self._v, self._z = v, z
                    self._zupt_t = ti - self._rest_s
                    self._rest.clear()
                    self._rest_s = 0.0
                self._v += a * dt
                self._z += self._v * dt
                # ... unless the upward push is more than the lowering's own braking could be: the next rise
                pushed = self._acc_s > self._brake_mps2 + p.brake_margin_mps2
                if v_before < 0.0 <= self._v and (not settling or pushed):
                    # the bottom of a lowering (or the turn into the next rise) is a zero-velocity
                    # point: re-zero there, so a rest too short to be seen as still never leaves
                    # the next rise starting from a drifting velocity
                    self._v, self._z = 0.0, 0.0
                    self._zupt_t = math.nan  # a zero crossing: no evidence on the offset
                    self._pre = [(ti, 0.0, inc, fr, s, 0.0)]
                    continue
                self._pre.append((ti, 100.0 * self._z, inc, fr, s, self._v))
                if len(self._pre) > 6000:
                    self._pre = self._pre[-3000:]
                # (height gained in the quiet after the braking is drift: a rise pushes)
                if 100.0 * self._z > p.start_cm and not (self._braked and quiet_now) and not self._stepped:
                    self.in_rep, self._rows, self._top, self._falling = True, self._pre, 100.0 * self._z, False
                    self._braked = False
                    self._top_zupt, self._vmin = False, 0.0
                    self._pre = []
                continue
            r0 = self._rows[0]
            if abs(inc - r0[2]) > p.max_tilt_change_deg or abs(fr - r0[3]) > p.max_tilt_change_deg:
                # the shin tilted as no calf raise does: a step (to reposition the foot); wait for rest
                self.in_rep = False
                self._rows, self._pre = [], []
                self._zupt_t = math.nan
                self._stepped = True
                continue
            if still and not self._falling and not self._top_zupt:
                # the top hold is a zero-velocity point (once: the lowering that follows is as quiet)
                self._bridge_rise(ti)
                self._zupt(ti)
                self._top_zupt = True
                self._hold_t = ti
                self._top_b = max(100.0 * self._z, 1e-6)
            self._v += a * dt
            self._z += self._v * dt
            z_cm = 100.0 * self._z
            self._rows.append((ti, z_cm, inc, fr, s, self._v))
            self._top = max(self._top, z_cm)
            if z_cm < 0.7 * self._top:
                self._falling = True
            if self._falling:
                self._vmin = min(self._vmin, self._v)
            # the lowering is over when the height is low and the speed has fallen back to a small
            # part of its peak (or turned up: the heel is down and drift left the height above zero),
            # or when the height is far below the start (drift: the heel cannot go through the floor)
            low = self._falling and z_cm < p.bottom_frac * self._top
            # the bridge: were the shin at rest now, the velocity integrated since the top hold would
            # be all offset error, growing linearly (a constant offset), so the height error is
            # v·(t − t_hold)/2. A slow lowering's speed is too small to tell from drift, but this
            # height is not: its error is a Brownian bridge's integral, σ = n·T^1.5/√12 ≈ 1 cm
            # for a 9 s lowering at 150 µg/√Hz, against a drop of 3-6 cm.
            h_b = 100.0 * (self._z - 0.5 * self._v * (ti - self._hold_t)) if self._top_zupt else math.inf
            # ... or, most of the way down (noise left it above halfway), the next rise's upward push
            # begins (a slow lowering's own braking, ≈ 0.3 cm/s², is under the quiet threshold)
            bridged = h_b < p.bridge_frac * self._top_b or (
                h_b < p.push_frac * self._top_b and self._acc_s > p.still_acc_mps2
            )
            if bridged or (low and (self._v > p.release_frac * self._vmin or z_cm < -p.start_cm - 0.5 * self._top)):
                emit(self._close(ti))
                self._z = 0.0  # the rep is over: the next one is measured from here
                if self._v >= 0.0:
                    # the integration says the shin has stopped (or drifts up): re-zeroed, no settling
                    self._v = 0.0
                    self._zupt_t = math.nan
                    self._settle_until = -math.inf
            elif ti - self._rows[0][0] > p.max_rep_s or z_cm < -p.start_cm - 0.5 * self._top:
                self.in_rep = False  # lost: drifted away; wait for the next rest
                self._pre = []
                self._zupt_t = math.nan

    def _bridge_rise(self, ti: float) -> None:
        """At the top hold: the rise ran between two zero-velocity points, so the velocity left here
        is offset error × time; remove it as a linear ramp from the rows and the height (a constant
        offset error: the velocity error grows linearly, the height error quadratically)."""
        span_s = ti - self._zupt_t
        if not self._rows or not (0.0 < span_s <= self.p.max_rep_s):
            return
        dv = self._v
        rows: list[tuple[float, ...]] = []
        for r in self._rows:
            u = max(r[0] - self._zupt_t, 0.0)
            rows.append((r[0], r[1] - 50.0 * dv * u * u / span_s, r[2], r[3], r[4], r[5] - dv * u / span_s))
        self._rows = rows
        self._z -= 0.5 * dv * span_s
        self._top = max(r[1] for r in rows)

    def _close(self, ti: float) -> Raise:
        self.in_rep = False
        self._closed_s = ti
        rows = np.asarray(self._rows)
        self._rows = []
        self._pre = []
        t, z, v = rows[:, 0], rows[:, 1], rows[:, 5]
        k = int(np.argmax(z))
        down_s = pulse_duration_s(t[k:], -v[k:])
        if self._top_zupt:
            lower = t >= self._hold_t
            t0, down_s = lowering_fit(t[lower], v[lower], self._hold_t, 0.01 * self._top_b, self.p.foot_cm)
            if math.isfinite(t0 + down_s):
                lead_s = min(self.p.settle_lead_s, self.p.settle_lead_frac * down_s)
                self._settle_until = min(t0 + down_s - lead_s, ti + self.p.settle_max_s)
                self._brake_mps2 = MJ_PEAK_ACC * 0.01 * self._top_b / (down_s * down_s)
        return Raise(
            start_s=float(t[0]),
            end_s=ti,
            emitted_s=ti,
            time_s=t,
            height_cm=z,
            incl_deg=rows[:, 2],
            frontal_deg=rows[:, 3],
            speed_dps=rows[:, 4],
            up_s=pulse_duration_s(t[: k + 1], v[: k + 1]),
            down_s=down_s,
        )


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


def lowering_fit(t: F64, v: F64, hold_s: float, drop_m: float, foot_cm: float = 26.0) -> tuple[float, float]:
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
