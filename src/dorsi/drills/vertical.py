"""Calf raises: the shin's vertical rise and fall from integrated acceleration.

The accelerometer is rotated to earth with the pipeline's orientation; its
vertical specific force minus g is the shin's vertical acceleration, up to a
constant offset (accelerometer bias and scale along the standing shin) that is
estimated while the leg is still at rest (a long running mean, so noise
averages out). Velocity and height are integrated from each rest with a
zero-velocity update: while resting they are zero, so drift only accumulates
over one rep.

Each sample goes through these steps (methods of RaiseSegmenter):

- Thresholds (``Thresholds``): every acceleration and velocity bar is k × the noise its filter passes
  for the accelerometer's measured density (noise.py; per sample), never under a physical floor.
- Rest (deep rest, the quiet test and the rest itself in ``detect``, ``_learn_offset``, ``_movement_begins``): a
  0.15 s mean of the vertical acceleration under 3.7 σ (1 cm/s² at 150 µg/√Hz); the offset starts
  from the quiet windows before counting (the calibration's stand); a slow movement starts as quietly as
  rest, so its last 0.3 s are integrated again once movement is seen. The offset is a running
  mean over rest and the leftover velocity of each zero-velocity update. A tap (``detect``, ``_tap_seen``) is
  undone and skipped. So is a heel strike's ring (``_ring``, ``_in_ring``): swings of alternating sign
  within 0.2 s, which a rise (push, then braking) never makes; between reps it is the heel landing,
  so the shin is at rest there. Plain rest between reps (≈ 92 % of a session's samples) goes as a run
  (``_rest_run``): its tests and what later samples read (the boxcar, the deep-rest filters, the offset fed
  from the rest queue) on arrays, with ``detect``'s float operations: the same bits. For that the boxcar and
  the queue are differences of running sums, and each exponential mean is kept anchored (``_ema``).
- Bridges (``_bridge_rise``, ``_lowered``): between two zero-velocity instants (rest → top hold,
  top hold → heel down) the true velocity change is zero, so the velocity left over is offset
  error × time; it is removed as a ramp. A top hold after the rise's braking needs half of the
  rise's peak speed braked; a "rise" quiet for ``still_long_s`` at its peak speed, never braked, is
  no rep (a calf raise does not coast). A rep opens when the height passes ``start_cm`` and
  closes when the bridged height (as if the shin stopped now) is under ``bridge_frac`` × the
  bridged top, or by the older speed rules; that is at most a few tenths of a second after the
  heel lands. Upward velocity after the top hold beyond what drift leaves (``_drift_v``) means the
  hold was no top (a pause, or the floor after a strike's leftover): the rep starts again there.
- After a close (``detect``, ``_moving_step``) the heel is still coming down (a slow lowering's last 1-2 s at
  0.5-1 cm/s are as quiet as rest): no rest and no re-zero until 1 s before the fitted end of
  the lowering, unless the shin pushes up harder than the lowering's own braking (the next
  rise). Once the lowering's braking has been seen (pushing up while moving down), quiet is the
  heel on the floor whatever the integrated velocity (the offset can be a few mm/s² off: tilt
  from a gyro bias not yet learnt, g·(1 − cos δ)), and height gained in that quiet opens no rep.
- A step (``_rep_step``) to reposition the foot lifts the shin as a raise does but tilts it: an
  open rep whose shin tilts more than ``max_tilt_change_deg`` from where it began is dropped, no
  rep opens until the next rest, and that rest comes at the first quiet moment (the step's
  integrated velocity means nothing).
- Timing (``_close``; the fits in lowering.py): ``up_s`` is a minimum-jerk-equivalent duration:
  the velocity pulse's full width at half maximum divided by 0.5412. ``down_s`` after a top hold
  is a least-squares fit, on the velocity's increments (white accelerometer noise: the maximum-likelihood
  fit), of a heel lowering of the bridged drop seen at the ankle through
  the foot model, plus a constant offset error (a 6–9 s lowering moves at ≈ 1 cm/s, within the
  drift). At the close, a minimum-jerk lowering (``lowering_fit``): counting uses it (the settle
  after the close, the braking bar). The reported ``down_s`` is fitted again when the counter judges
  the rep (``GaitParams.planted_after_s`` after the close; ``_watch_lowering``), on the samples up to
  then, its shape chosen by the data (``lowering_time``: minimum jerk, or a free ramp-cruise-brake
  shape when that is worth its two extra parameters by BIC); ``down_unseen_s`` is how much of the
  fitted lowering the data do not show. After a top hold, the lowering is then watched until its landing
  (``_landing_seen``: the first strike, a ring's first swing or an impulse, after the top hold; within 0.02 s
  of the heel down on the simulated landings): its samples are kept (``_revise``) and, at the stream's end,
  its eccentric is revised (``_fit_landed``, ``lowering_landed``: the end at the landing, the start and shape
  fitted on every sample to it; ≈ 7 ms a rep, kept off the live path) and handed to the counter
  (``take_revisions``), which amends the judged rep. No strike seen before the landing is due (the fitted end
  plus ``landing_late_frac`` of the lowering, at most ``landing_wait_s`` after the close): a lone swing after the
  close (``_lone_swing``: one sample beyond the ring's bar whose sign turns within half of ``ring_s``, a strike
  sampled at its edge or under the bars) marks the landing instead and the lowering is revised the same way;
  none either (the next rise's push came first): the judging's figure
  stands, and its ``down_unseen_s`` says how much of it the data did not show. Without a top hold seen (a
  short top in noise) the judging fits the same from the height's peak, where the velocity is zero as well
  (unbridged drop); the close's counting
  fit and settle are for top holds only, the close's ``down_s`` the half-width. The slow start and end of a
  movement cannot be told from stillness with an IMU, so whole-pulse fits are the robust way to
  time a rise and an eccentric lowering. Its noise floor: the Cramér-Rao bound on a 8 s
  lowering's duration at 150 µg/√Hz is 0.67 s with data to 70 % of the lowering (where the
  bridge closes), 0.49 s with all of it.
- Height (``draft``) is the sensor's (≈ the ankle's); ``heel_rise_cm`` converts it with a foot
  model for the person's foot: the foot pitches about the metatarsal heads, the ankle sits
  ``ankle_height`` above the floor and ``0.54 × foot`` ahead of the heel-to-ball lever
  ``0.73 × foot`` (docs/drills.md).
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain, pairwise, repeat
from operator import length_hint
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from dorsi.drills.lowering import (
    DEFAULT_FOOT_CM,
    MJ_PEAK_ACC,
    Templates,
    heel_rise_cm,
    lowering_fit,
    lowering_landed,
    lowering_time,
    pulse_duration_s,
)
from dorsi.drills.params import CounterParams, VerticalParams
from dorsi.drills.segment import (
    Draft,
    DrillFrames,
    RepTrace,
    Revision,
    SegmenterBase,
    SegmenterContext,
    row_maker,
)
from dorsi.motion.types import F64


@dataclass
class Raise(RepTrace):
    height_cm: F64
    up_s: float
    down_s: float


class RaiseRow(NamedTuple):
    """One sample of an open rep (or of the run-up before it)."""

    t_s: float
    height_cm: float
    incl_deg: float
    frontal_deg: float
    speed_dps: float
    v_mps: float


class _Integral(NamedTuple):
    t_s: float
    v_mps: float
    z_m: float


_raise_row = row_maker(RaiseRow)
_integral = row_maker(_Integral)


@dataclass
class _Tail:
    """A closed rep's lowering, still watched until it is judged (``GaitParams.planted_after_s`` after its
    close): the samples up to the close, and the velocity integrated on after it (its own integral: the
    rest rules may re-zero the segmenter's), for ``lowering_time`` at the judging."""

    rep: Raise
    t_s: F64  # the lowering's samples up to the close
    v_mps: F64
    hold_s: float
    drop_m: float
    density: float
    due_s: float  # when the counter judges the rep: the fit has every sample up to the first at or after it
    v: float  # the velocity integrated on after the close
    after_t: list[float] = field(default_factory=list)
    after_v: list[float] = field(default_factory=list)
    draft: Draft | None = None
    landing_s: float = math.nan  # the heel's landing (a strike: ``_landing_seen``), once seen
    # no strike seen: a lone swing (``_lone_swing``) marks it: its first sample beyond the ring's bar, pending until
    # its sign turns (then the landing, swing_end_s) or holds for half of ring_s (a push: the search is over)
    swing_s: float = math.nan
    swing_sign: float = 0.0
    swing_end_s: float = math.nan
    swing_over: bool = False
    judged_cost: float = math.nan  # the judging's fit's cost per increment (``_revise``)
    # the close's fit's template values, for the judging's (lowering.Templates; large: not in the state's repr)
    templates: Templates | None = field(default=None, repr=False, compare=False)

    def samples(self) -> tuple[F64, F64]:
        """The lowering's times and velocities: to the close, then as integrated on after it."""
        t = np.concatenate([self.t_s, np.asarray(self.after_t)])
        return t, np.concatenate([self.v_mps, np.asarray(self.after_v)])


@dataclass
class RaiseState:
    # the rest offset of the vertical acceleration and its evidence (seconds); the filters that find deep rest
    bias: float = 0.0
    bias_w: float = 0.0
    bias_p: float = 1.0  # the offset as an anchored mean (``_ema``): bias = bias_p · bias_q
    bias_q: float = 0.0
    seeded: bool = False  # the first sample: the offset seeded from the quiet windows before counting
    # raw acceleration, smoothed over acc_tau_s and over slow_tau_s: anchored means (``_ema``), value p · q
    raw_p: float = 1.0
    raw_q: float = 0.0
    slow_p: float = 1.0
    slow_q: float = 0.0
    deep_t0: float = math.nan
    closed_s: float = -math.inf  # when the last rep closed
    last_t: float = math.nan
    # the quiet test: a boxcar mean of the acceleration over acc_tau_s, and the quiet run's start
    # running sums of dt and a·dt since the start (the boxcar's and the rest queue's times: differences of them)
    cum_t: float = 0.0
    cum_a: float = 0.0
    box: deque[tuple[float, float]] = field(default_factory=deque)  # (cum_t, cum_a) after each sample in it
    box_t0: float = 0.0  # ... and before its first
    box_a0: float = 0.0
    acc_s: float = 0.0
    still_t0: float = math.nan
    # integration: velocity and height since the last zero-velocity update
    v: float = 0.0
    z: float = 0.0
    zupt_t: float = math.nan  # last zero-velocity update with evidence (start of the integration interval)
    was_still: bool = False
    # the rest's last onset_s: (dt, a, deep, cum_t after it)
    rest: deque[tuple[float, float, bool, float]] = field(default_factory=deque)
    # taps
    hist: deque[tuple[float, float, float]] = field(default_factory=deque)  # (t, v, z) over the last tap_s
    # a ring's swings (time, sign, the integral before that sample) within the last ring_s
    swings: deque[tuple[float, float, _Integral]] = field(default_factory=deque)
    ring_on: bool = False  # a ring goes on (``_in_ring``): its swing's sign, start and last sample beyond the bar
    ring_sign: float = 0.0
    ring_t0: float = -math.inf
    ring_last: float = -math.inf
    ring_held: list[tuple[float, float, float]] = field(default_factory=list)  # (t, dt, a) held back
    tap_until: float = -math.inf
    a_prev: float = 0.0  # the last sample's acceleration (the jerk test)
    a_prev2: float = 0.0  # ... and the one before (the snap test)
    dt_prev: float = 0.0  # the interval between those two (a lost packet makes it longer than dt)
    after_tap: bool = False  # after a tap at rest: the next quiet moment is rest, whatever v
    # the open rep
    in_rep: bool = False
    opened_s: float = -math.inf  # when the open rep opened
    rows: list[RaiseRow] = field(default_factory=list)
    pre: list[RaiseRow] = field(default_factory=list)
    top: float = 0.0
    falling: bool = False
    top_zupt: bool = False
    rise_braked: bool = False  # the rise's braking (downward acceleration) seen: quiet now is the top hold
    vmax: float = 0.0  # the rise's peak velocity (before its top hold)
    hold_t: float = math.nan  # the top hold's zero-velocity update (start of the lowering's bridge)
    top_b: float = 0.0  # the bridged top height, cm
    hb_min: float = math.inf  # the lowest bridged height seen in a long quiet run after the top hold
    vmin: float = 0.0  # the lowering's peak velocity (negative)
    landing_s_in_rep: float = math.nan  # a strike after the open rep's top hold: its landing (``_landing_seen``)
    spike_t: float = -math.inf  # the last tap's spike: strikes within tap_s of it are the tap's (``_spike_seen``)
    # after a close
    settle_until: float = -math.inf  # the closed rep's fitted lowering end: the heel is still coming down
    brake_mps2: float = 0.0  # the fitted lowering's largest upward (braking) acceleration
    braked: bool = False  # since the close: the lowering's braking seen (upward push while moving down)
    stepped: bool = False  # a step seen: no rep opens before the next rest, which comes at the first quiet
    # the heel on the floor: the last quiet moment after the lowering's braking (time, velocity, height there)
    floor: _Integral | None = None
    tail: _Tail | None = None  # the last closed rep's lowering, watched until its judging
    landing: _Tail | None = None  # ... then until its landing, for the revised eccentric (``_revise``)
    undone: tuple[float, float] | None = None  # the last tap undone: (at, back to)


@dataclass(frozen=True)
class Thresholds:
    """The acceleration and velocity thresholds for the accelerometer's measured white density: each
    k × the noise its filter passes, never under its physical floor (VerticalParams)."""

    density: float  # m/s²/√Hz
    still_acc: float
    bias_still: float
    resid_max: float
    brake_margin: float

    @classmethod
    def of(cls, p: VerticalParams, density: float) -> Thresholds:
        box = density / math.sqrt(2.0 * p.acc_tau_s)  # σ of the quiet test's boxcar mean
        return cls(
            density,
            max(p.still_acc_mps2, p.still_acc_k * box),
            max(p.bias_still_mps2, p.bias_still_k * 0.866 * density),
            max(p.resid_max_mps2, p.resid_k * density),
            max(p.brake_margin_mps2, p.brake_k * box),
        )

    def jerk(self, p: VerticalParams, dt: float) -> float:
        """A sample-to-sample change of the acceleration over this (m/s³) is an impulse: k × the noise of
        a difference (√2 σ per sample, σ = density √(1 / 2dt)), at least the physical floor."""
        return max(p.jerk_mps3, p.jerk_k * math.sqrt(2.0) * self.density * math.sqrt(0.5 / dt) / dt)

    def snap(self, p: VerticalParams, dt: float, dt_prev: float) -> float:
        """A second derivative of the acceleration over this (m/s⁴) is an impulse turning back: k × the noise
        of its divided difference over the intervals dt_prev, dt (√6 σ / dt² when they are equal; σ per
        sample at the sensor's rate, the shorter interval), at least the physical floor."""
        h = min(dt, dt_prev)
        sigma = self.density * math.sqrt(0.5 / h)
        gain = 2.0 / (dt + dt_prev) * math.sqrt(1.0 / dt**2 + (1.0 / dt + 1.0 / dt_prev) ** 2 + 1.0 / dt_prev**2)
        return max(p.snap_mps4, p.jerk_k * sigma * gain)

    def ring(self, p: VerticalParams, dt: float) -> float:
        """A ring's swing (m/s²): beyond k × the noise σ per sample, at least the physical floor (tremor)."""
        return max(p.ring_min_mps2, p.jerk_k * self.density * math.sqrt(0.5 / dt))

    def still_v(self, p: VerticalParams, span_s: float) -> float:
        """Velocity under this is still: its random walk since the last zero-velocity update, or the floor."""
        walk = self.density * math.sqrt(span_s) if span_s > 0 else 0.0
        return max(p.still_v_mps, p.still_v_k * walk)


# plain rest between reps taken as a run (``RaiseSegmenter._rest_run``): its arrays in blocks of at most RUN_BLOCK
# samples; none tried for RUN_PAUSE_S after a run shorter than RUN_MIN samples
RUN_MIN = 16
RUN_WORTH = 256  # a run costs more than the loop with fewer samples left in the chunk (even at ≈ 100-200 at 200 Hz)
RUN_BLOCK = 2048
RUN_PAUSE_S = 0.1
RUN_PIECE, RUN_PIECE_MAX = 256, 4096  # detect's columns as floats in pieces of this many samples (growing)
_Locals = tuple[float, ...]  # detect's filters (``_rest_run``)
PLAIN_MAX = 64  # blocks of at most this many samples try ``_plain_rest`` (a live counter's; longer ones: runs)


# an exponential mean y ← y (1 − k) + k x is kept anchored, y = p · q: p ← p (1 − k), q ← q + k x / p (the product
# and the sum run in order: numpy's accumulate gives a block the per-sample bits). Re-anchored (q ← p q, p ← 1) when
# p falls under EMA_RENORM before a sample, on either path.
EMA_RENORM = 1e-150


def _ema(x: F64, k: F64, p0: float, q0: float) -> tuple[F64, F64]:
    """The anchored mean's (p, q) after each sample of x with weights k (each in (0, 1)), from (p0, q0): what
    ``detect`` computes sample by sample."""
    n = len(x)
    p_out, q_out = np.empty(n), np.empty(n)
    c = 1.0 - k
    lo = 0
    while lo < n:
        if p0 < EMA_RENORM:
            q0, p0 = p0 * q0, 1.0
        pa = np.multiply.accumulate(np.concatenate(([p0], c[lo:])))  # pa[i]: p before sample lo + i
        hi = n
        if len(pa) > 2 and pa[-2] < EMA_RENORM:  # (p only falls: its last value tells)
            hi = lo + 1 + int(np.argmax(pa[1:-1] < EMA_RENORM))
        p = pa[1 : hi - lo + 1]
        q = np.add.accumulate(np.concatenate(([q0], k[lo:hi] * x[lo:hi] / p)))[1:]
        p_out[lo:hi], q_out[lo:hi] = p, q
        p0, q0 = float(p[-1]), float(q[-1])
        lo = hi
    return p_out, q_out


def _leading(tq: F64, ti: F64, span_s: float, strict: bool) -> npt.NDArray[np.intp]:
    """For each time ti, how many of the leading entries (times tq, nondecreasing) are older than span_s:
    ti − tq > span_s (strict) or ≥ span_s, with that subtraction (the per-sample loop's test)."""
    m = len(tq)
    cnt = np.searchsorted(tq, ti - span_s, side="right")
    for step in (1, -1):  # (the estimate is off by a rounding at most: fixed with the loop's own test)
        while True:
            j = np.minimum(cnt, m - 1) if step > 0 else np.maximum(cnt - 1, 0)
            gap = ti - tq[j]
            old = gap > span_s if strict else gap >= span_s
            move = (cnt < m) & old if step > 0 else (cnt > 0) & ~old
            if not move.any():
                break
            cnt = cnt + step * move
    return cnt


# the VerticalParams fields ``detect``, ``_plain_rest`` and ``_rep_run`` read, in the order they unpack them
_DETECT_PARAMS = (
    *("min_bias_s", "acc_tau_s", "slow_tau_s", "bias_still_s", "bias_after_rep_s", "jerk_mps3", "snap_mps4"),
    *("ring_min_mps2", "spike_mps2", "tap_s", "ring_s", "still_dps", "still_s", "still_long_s", "still_v_mps"),
    *("still_v_k", "onset_s", "bias_tau_s"),
)
_REST_PARAMS = (
    *("acc_tau_s", "slow_tau_s", "onset_s", "bias_tau_s", "bias_still_s", "still_dps", "still_s", "min_bias_s"),
    *("jerk_mps3", "snap_mps4", "spike_mps2", "tap_s", "ring_s", "ring_min_mps2"),
)
_REP_PARAMS = (
    *("acc_tau_s", "slow_tau_s", "still_dps", "jerk_mps3", "snap_mps4", "spike_mps2", "tap_s", "ring_s"),
    *("ring_min_mps2", "still_s", "still_long_s", "still_v_mps", "still_v_k", "max_tilt_change_deg"),
    *("top_stop_frac", "top_quiet_s", "bottom_frac", "bridge_frac", "push_frac", "release_frac"),
    *("start_cm", "quiet_close_s", "max_rep_s"),
)


class RaiseSegmenter(SegmenterBase[Raise]):
    FAST_REST = True  # plain rest between reps as a run (``_rest_run``; off: sample by sample, the same results)
    FAST_PLAIN = True  # a small block's leading plain rest in one lean loop (``_plain_rest``; off: the same results)
    FAST_REP = True  # a small block's leading samples inside a rep in one lean loop (``_rep_run``; off: the same)

    def __init__(self, params: CounterParams | None = None, foot_cm: float = DEFAULT_FOOT_CM) -> None:
        self.shared = params or CounterParams()
        self.p = p = self.shared.vertical
        self.foot_cm = foot_cm
        # the parameters each loop reads, as one tuple a call (p is frozen: 15-25 attribute loads a call, 0.4 µs)
        self._detect_k = tuple(getattr(p, name) for name in _DETECT_PARAMS)
        self._rest_k = tuple(getattr(p, name) for name in _REST_PARAMS)
        self._rep_k = tuple(getattr(p, name) for name in _REP_PARAMS)
        self.state = RaiseState()
        self.th = Thresholds.of(self.p, self.shared.noise.prior_acc_mps2_rthz)
        self._revised: list[Revision] = []
        # landed lowerings waiting for their fit at the stream's end: draft, t, v, hold, landing, drop, judged cost
        self._landed: list[tuple[Draft, F64, F64, float, float, float, float]] = []

    @property
    def bias(self) -> float:
        return self.state.bias

    @property
    def height_cm(self) -> float:
        return 100.0 * self.state.z

    # -- the Segmenter protocol (process, in_rep, rest level, live hold, verdict: SegmenterBase)
    def draft(self, r: Raise) -> Draft:
        """The heel's rise (the foot model on the shin's): partial raises are judged on its top."""
        heel = heel_rise_cm(np.maximum(r.height_cm, 0.0), self.foot_cm)
        top_cm = float(heel.max())
        dr = Draft.of(r, heel, top_cm, self.shared.hold_band_rise_cm, unit=" cm", kind="calf-raise", drift=False)
        dr.extra.update(up_s=r.up_s, down_s=r.down_s, rise_cm=top_cm, shin_rise_cm=float(r.height_cm.max()))
        dr.extra["down_unseen_s"] = math.nan  # set with down_s at the judging (``_time_lowering``)
        tail = self.state.tail
        if tail is not None and tail.rep is r:
            tail.draft = dr  # its down_s is final at the judging
        return dr

    def finish(self) -> None:
        """The end of the stream: the lowering still watched is timed on what was seen (a landing not seen:
        the judging's eccentric stands)."""
        self._time_lowering(watch_landing=False)
        self._landing_unseen()
        self._fit_landed()

    def take_revisions(self) -> list[Revision]:
        out, self._revised = self._revised, []
        return out

    # -- the steps
    def detect(self, frames: DrillFrames, emit: Callable[[Raise], None]) -> None:
        """Feed samples; ``emit`` is called at the closing sample.

        The tests every sample takes (the sample interval and deep rest, the tap's impulse test, the ring's
        bar, the quiet test's boxcar) run inline on plain floats (a method call per test cost more than the
        tests: 3.8 s of a 1 h session's 7 s); what happens rarely (a ring, a tap, a threshold above its floor)
        goes to the methods. A threshold is max(floor, k × noise): a value on the passing side of the floor
        is decided without computing the noise term (x > max(f, c) ⟺ x > f and x > max(f, c))."""
        st, p = self.state, self.p
        (
            min_bias_s,
            acc_tau_s,
            slow_tau_s,
            bias_still_s,
            bias_after_rep_s,
            jerk_floor,
            snap_floor,
            ring_floor,
            spike,
            tap_s,
            ring_s,
            still_dps,
            still_s,
            still_long_s,
            still_v_floor,
            still_v_k,
            onset_s,
            bias_tau_s,
        ) = self._detect_k
        th = self.th
        # the filters only these tests read: locals here, stored back at the end of the chunk
        last_t, deep_t0 = st.last_t, st.deep_t0
        raw_p, raw_q, slow_p, slow_q = st.raw_p, st.raw_q, st.slow_p, st.slow_q
        a_prev, a_prev2, dt_prev = st.a_prev, st.a_prev2, st.dt_prev
        box, still_t0 = st.box, st.still_t0
        cum_t, cum_a, box_t0, box_a0 = st.cum_t, st.cum_a, st.box_t0, st.box_a0
        hist, swings, rest_q = st.hist, st.swings, st.rest
        nan, isnan, isfinite, sqrt = math.nan, math.isnan, math.isfinite, math.sqrt
        n = len(frames)
        fast = self.FAST_REST and frames.floats is None and n >= RUN_WORTH
        fast_from_t = -math.inf  # (no run tried before this: the last one was short)
        rest: Iterable[float]
        pos, piece = 0, RUN_PIECE
        while pos < n:
            if not fast:  # every sample in this loop: the columns as floats
                stop = n
                vertical, jolts = frames.vertical_jolt_floats()
                fl = frames.floats
                if fl is not None:  # a notification's few samples: the framer's columns as floats
                    ts, speed, quiet, acc_noise, rest = fl.time_s, fl.speed_dps, fl.quiet, fl.acc_noise, fl.rest_acc
                    incl, frontal = fl.incl_deg, fl.frontal_deg
                else:
                    ts, speed, quiet = frames.time_s.tolist(), frames.speed_dps.tolist(), frames.quiet.tolist()
                    acc_noise = frames.acc_noise().tolist()
                    rest = repeat(math.nan) if frames.rest_acc_mps2 is None else frames.rest_acc_mps2.tolist()
                    incl, frontal = frames.incl_deg.tolist(), frames.frontal_deg.tolist()
            else:  # a piece at a time, growing: a run of plain rest (``_rest_run``) skips the rest of it
                stop = min(n, pos + piece)
                piece = min(2 * piece, RUN_PIECE_MAX)
                cut = slice(pos, stop)
                ts, speed, quiet = (
                    frames.time_s[cut].tolist(),
                    frames.speed_dps[cut].tolist(),
                    frames.quiet[cut].tolist(),
                )
                vertical, jolts = frames.vertical_acc_mps2[cut].tolist(), frames.jolt_mps2[cut].tolist()
                incl, frontal = frames.incl_deg[cut].tolist(), frames.frontal_deg[cut].tolist()
                acc_noise = frames.acc_noise()[cut].tolist()
                rest = repeat(math.nan) if frames.rest_acc_mps2 is None else frames.rest_acc_mps2[cut].tolist()
            if not fast and n <= PLAIN_MAX and (self.FAST_REP if st.in_rep else self.FAST_PLAIN):
                # a notification's leading plain rest (``_plain_rest``) or samples inside a rep (``_rep_run``) first
                filters: _Locals = (last_t, raw_p, raw_q, slow_p, slow_q, deep_t0, a_prev, a_prev2, dt_prev, still_t0)
                lean = self._rep_run if st.in_rep else self._plain_rest
                m, filters = lean((ts, vertical, jolts, quiet, acc_noise, speed, incl, frontal), filters)
                if m:
                    last_t, raw_p, raw_q, slow_p, slow_q, deep_t0, a_prev, a_prev2, dt_prev, still_t0 = filters
                    cum_t, cum_a, box_t0, box_a0 = st.cum_t, st.cum_a, st.box_t0, st.box_a0
                    th = self.th
                    if m == n:
                        break
                    ts, vertical, jolts, quiet, acc_noise = ts[m:], vertical[m:], jolts[m:], quiet[m:], acc_noise[m:]
                    speed, incl, frontal = speed[m:], incl[m:], frontal[m:]
                    if isinstance(rest, list):
                        rest = rest[m:]
            ts_it = iter(ts)
            at_rest = zip(ts_it, repeat(0.0), incl, frontal, speed, repeat(0.0))  # each sample as a row at height 0
            inputs = zip(vertical, quiet, jolts, acc_noise, rest, strict=False)  # (rest: a list, or nan forever)
            pos = stop
            for row, (a_raw, q, jolt, density, rest0) in zip(map(_raise_row, at_rest), inputs, strict=True):
                ti = row.t_s
                if density != th.density:
                    th = self.th = Thresholds.of(p, density)
                # the sample interval, and deep rest: a still shin and a steady accelerometer (its level is the
                # offset we want), not right after a rep (the end of a slow lowering looks still but is not)
                if isnan(last_t):
                    dt = 0.0
                else:
                    d = ti - last_t
                    dt = 0.1 if d > 0.1 else d
                last_t = st.last_t = ti
                if dt > 0:  # the exponential means over acc_tau_s and slow_tau_s, anchored (``_ema``)
                    k = dt / (acc_tau_s + dt)
                    if raw_p < EMA_RENORM:
                        raw_q, raw_p = raw_p * raw_q, 1.0
                    raw_p *= 1.0 - k
                    raw_q += k * a_raw / raw_p
                    k = dt / (slow_tau_s + dt)
                    if slow_p < EMA_RENORM:
                        slow_q, slow_p = slow_p * slow_q, 1.0
                    slow_p *= 1.0 - k
                    slow_q += k * a_raw / slow_p
                else:  # (k = 1: both start from this sample)
                    raw_p, raw_q, slow_p, slow_q = 1.0, a_raw, 1.0, a_raw
                deep_now = q and abs(raw_p * raw_q - slow_p * slow_q) < th.bias_still
                if deep_now:
                    if isnan(deep_t0):
                        deep_t0 = ti
                else:
                    deep_t0 = nan
                deep = deep_now and ti - deep_t0 >= bias_still_s and ti - st.closed_s >= bias_after_rep_s
                if not st.seeded:
                    st.seeded = True
                    if isfinite(rest0):
                        # the quiet windows before counting (the calibration's stand) have read the offset
                        st.bias, st.bias_w, st.bias_p, st.bias_q = rest0, min_bias_s, 1.0, rest0
                if st.bias_w < min_bias_s:
                    self._learn_offset(ti, dt, a_raw, deep)
                    continue
                # a tap on the sensor or a heel strike (ms-long, no net velocity) is never part of a calf raise:
                # undo what its rising edge integrated and ignore its tail. A strike of 0.2-0.6 g is under the
                # tap's bar, but a 20-40 ms pulse jumps from sample to sample as no raise does; sampled in 2-4
                # samples its integral is not zero (≈ 5 cm/s left: a rise). The snap is a divided difference:
                # after a lost packet the two intervals differ, and the plain second difference over dt² took a
                # fast rise's onset (0.7 m/s² over the 20 ms gap, 0.1 in the 10 ms after it) for an impulse
                # turning back (reference seed 1008: a rep undone in its push, lost)
                a = a_raw - st.bias
                impulse = False
                if dt > 0:
                    dt0 = dt_prev if dt_prev > 0 else dt
                    x = abs(a - a_prev) / dt
                    impulse = x > jerk_floor and x > th.jerk(p, dt)
                    if not impulse:
                        x = abs(2.0 * ((a - a_prev) / dt - (a_prev - a_prev2) / dt0) / (dt + dt0))
                        impulse = x > snap_floor and x > th.snap(p, dt, dt0)
                a_prev2, a_prev, dt_prev = a_prev, a, dt
                if st.ring_on:
                    a = self._in_ring(ti, dt, a)
                else:
                    ring = None
                    if dt > 0.0:  # (``_ring``)
                        while swings and ti - swings[0][0] > ring_s:
                            swings.popleft()
                        if abs(a) > ring_floor and abs(a) > th.ring(p, dt):
                            ring = self._ring(ti, dt, a)
                    if ring is not None:
                        self._ring_begins(ti, dt, a, ring)
                        a = 0.0
                    elif abs(a) > spike or abs(jolt) > spike or impulse:
                        if abs(a) > spike or abs(jolt) > spike:
                            self._spike_seen(ti)
                        else:  # (a heel strike: 0.2-0.6 g, no tap's 2-4 g)
                            self._landing_seen(ti)
                        self._tap_seen(ti)
                if ti <= st.tap_until:
                    a = 0.0
                hist.append((ti, st.v, st.z))
                while ti - hist[0][0] > tap_s:
                    hist.popleft()
                if st.tail is not None:
                    self._watch_lowering(st.tail, ti, dt, a)
                elif st.landing is not None:
                    self._watch_landing(st.landing, ti, dt, a)
                # quiet, on a boxcar mean (an exponential mean's tail after a fast rise's 1 m/s² hides the short
                # top hold under a threshold this low). A quiet accelerometer is also what the middle of a
                # lowering at steady speed looks like: still needs the integrated velocity near zero too (or a
                # long quiet run, or the first quiet after a tap or a step, whose integrated velocity means nothing)
                cum_t += dt
                cum_a += a * dt
                box.append((cum_t, cum_a))
                while cum_t - box[0][0] >= acc_tau_s:
                    box_t0, box_a0 = box.popleft()
                box_s = cum_t - box_t0
                acc_s = st.acc_s = (cum_a - box_a0) / box_s if box_s > 0 else a
                quiet_now = abs(acc_s) < th.still_acc and row.speed_dps < still_dps
                if quiet_now:
                    if isnan(still_t0):
                        still_t0 = ti
                else:
                    still_t0 = nan
                quiet_for = ti - still_t0 if quiet_now else 0.0
                still = False
                if quiet_for >= still_s:
                    v = abs(st.v)
                    if v < still_v_floor:
                        still = True
                    else:
                        span_s = ti - st.zupt_t if isfinite(st.zupt_t) else 0.0
                        walk = th.density * sqrt(span_s) if span_s > 0 else 0.0
                        still = v < max(still_v_floor, still_v_k * walk) or quiet_for >= still_long_s
                        still = still or st.after_tap or st.stepped
                    if still:
                        st.after_tap = st.stepped = False
                if not st.in_rep:
                    # between reps. A lowering brakes once, up to the heel's landing; once that braking has been seen,
                    # quiet means the heel is down whatever the integrated velocity says (it carries the offset
                    # error × the rep's length: a few mm/s² of offset left 1.5 cm/s, seen as a rise)
                    if st.v < 0.0 and acc_s > th.still_acc:  # (at rest v is 0: the cheap test first)
                        st.braked = True
                    if quiet_for >= still_s and st.braked:
                        still = True
                    # the bridge closes a rep a third of the way before the heel is down: a slow lowering's
                    # last 1-2 s are as quiet as rest, at 0.5-1 cm/s, so no rest (zero-velocity update) and
                    # no re-zero before the fitted end of the lowering (either would start the next rise
                    # with the lowering's leftover speed as velocity error and wreck its top hold)
                    settling = ti < st.settle_until
                    if not still or settling:
                        self._moving_step(row, dt, a, quiet_now, settling)
                        continue
                    # rest (inline: most samples of a session): a zero-velocity update, and the offset fed
                    # from the rest's samples. The rest's last onset_s: the start of a slow movement is as
                    # quiet as rest, so these samples feed the offset only once they are older, and are
                    # re-integrated if a movement turns out to have begun among them (``_movement_begins``)
                    if not st.was_still:
                        self._zupt(ti)
                    st.was_still = True
                    st.braked = False
                    st.floor = None
                    st.v, st.z = 0.0, 0.0
                    st.zupt_t = ti
                    rest_q.append((dt, a_raw, deep, cum_t))
                    if cum_t - rest_q[0][3] > onset_s:  # (the offset on locals while the oldest samples feed it)
                        bias, bias_w, bias_p, bias_q = st.bias, st.bias_w, st.bias_p, st.bias_q
                        while cum_t - rest_q[0][3] > onset_s:  # (never this sample's own entry)
                            d0, a0, deep0, _ = rest_q.popleft()
                            if deep0:  # (``_feed_offset``, as an anchored mean: ``_ema``)
                                w = bias_w + d0
                                bias_w = bias_tau_s if w > bias_tau_s else w  # min(w, bias_tau_s)
                                k = d0 / bias_w
                                if bias_p < EMA_RENORM:
                                    bias_q, bias_p = bias_p * bias_q, 1.0
                                bias_p *= 1.0 - k
                                bias_q += k * a0 / bias_p
                                bias = bias_p * bias_q
                        st.bias, st.bias_w, st.bias_p, st.bias_q = bias, bias_w, bias_p, bias_q
                    st.pre = [row]
                    watched = st.tail is not None or st.landing is not None
                    if fast and ti >= fast_from_t and dt_prev > 0.0 and not st.ring_on and not watched:
                        j = stop - length_hint(ts_it)
                        if n - j >= RUN_WORTH:
                            loc = (last_t, raw_p, raw_q, slow_p, slow_q, deep_t0, a_prev, a_prev2, dt_prev)
                            run = self._rest_run(frames, j, (*loc, cum_t, cum_a, box_t0, box_a0))
                            m, after = run
                            last_t, raw_p, raw_q, slow_p, slow_q, deep_t0, a_prev, a_prev2, dt_prev = after[:9]
                            cum_t, cum_a, box_t0, box_a0 = after[9:]
                            th = self.th
                            if m < RUN_MIN:
                                fast_from_t = last_t + RUN_PAUSE_S
                            if m:  # on after the run, in a new piece
                                pos, piece = j + m, RUN_PIECE
                                break
                else:
                    rep = self._rep_step(row, dt, a, still, quiet_for)
                    if rep is not None:
                        emit(rep)
        st.raw_p, st.raw_q, st.slow_p, st.slow_q, st.deep_t0 = raw_p, raw_q, slow_p, slow_q, deep_t0
        st.a_prev, st.a_prev2, st.dt_prev = a_prev, a_prev2, dt_prev
        st.cum_t, st.cum_a, st.box_t0, st.box_a0, st.still_t0 = cum_t, cum_a, box_t0, box_a0, still_t0

    def _plain_rest(self, cols: tuple[list[Any], ...], loc: _Locals) -> tuple[int, _Locals]:
        """Plain rest between reps from a small block's first sample on (``detect``'s rest branch, entered at
        rest): ``detect``'s float operations in the same order, without its row per sample and the state's
        flags, which cannot change here (no rep, no tail, no ring, no tap, no settle, the zero-velocity update
        done). Every test that could send a sample elsewhere is taken first on temporaries; the first sample
        failing one (over a bar's floor, not quiet, an interval not > 0) is left to ``detect``, untouched.
        Returns how many samples it took and ``detect``'s filters after them; the state is what ``detect``
        leaves, bit for bit (the state's boxcar sums are stored; the caller reads them back). A judged lowering
        still watched for its landing (``_watch_landing``) is integrated on here as there."""
        st, p = self.state, self.p
        v0, z0 = st.v, st.z
        if (
            st.in_rep
            or not st.was_still
            or st.tail is not None
            or (st.landing is not None and not math.isnan(st.landing.swing_s) and not st.landing.swing_over)
            or st.ring_on
            or not st.seeded
            or st.braked
            or st.floor is not None
            or st.after_tap
            or st.stepped
            or v0 != 0.0
            or z0 != 0.0
            or not abs(v0) < p.still_v_mps
        ):
            return 0, loc
        last_t, raw_p, raw_q, slow_p, slow_q, deep_t0, a_prev, a_prev2, dt_prev, still_t0 = loc
        ts, vertical, jolts, quiet, acc_noise, speed, _, _ = cols
        acc_tau_s, slow_tau_s, onset_s, bias_tau_s, bias_still_s, still_dps, still_s = self._rest_k[:7]
        min_bias_s, jerk_floor, snap_floor, spike, tap_s, ring_s, ring_floor = self._rest_k[7:]
        closed_s, bias_after_rep_s = st.closed_s, p.bias_after_rep_s
        tap_until, settle_until = st.tap_until, st.settle_until
        bias, bias_w, bias_p, bias_q = st.bias, st.bias_w, st.bias_p, st.bias_q
        cum_t, cum_a, box_t0, box_a0 = st.cum_t, st.cum_a, st.box_t0, st.box_a0
        box, hist, swings, rest_q = st.box, st.hist, st.swings, st.rest
        th = self.th
        nan, isnan = math.nan, math.isnan
        m, acc_s, ti = 0, st.acc_s, last_t
        # a judged lowering watched until its landing (``_watch_landing``): its velocity integrated on, as detect does
        watch = st.landing
        w_v, w_t, w_vs, w_due = (watch.v, watch.after_t, watch.after_v, watch.due_s) if watch else (0.0, [], [], nan)
        for ti, a_raw, jolt, q, density, speed_i in zip(ts, vertical, jolts, quiet, acc_noise, speed, strict=False):
            if density != th.density:
                th = self.th = Thresholds.of(p, density)
            d = ti - last_t
            if not d > 0.0 or ti <= tap_until or ti < settle_until or not speed_i < still_dps or bias_w < min_bias_s:
                break
            dt = 0.1 if d > 0.1 else d
            # every test first, on temporaries
            a = a_raw - bias
            dt0 = dt_prev if dt_prev > 0 else dt
            x = abs(a - a_prev) / dt
            if x > jerk_floor and x > th.jerk(p, dt):
                break
            x = abs(2.0 * ((a - a_prev) / dt - (a_prev - a_prev2) / dt0) / (dt + dt0))
            if x > snap_floor and x > th.snap(p, dt, dt0):
                break
            x = abs(a)
            if (x > ring_floor and x > th.ring(p, dt)) or x > spike or abs(jolt) > spike:
                break
            ct = cum_t + dt
            ca = cum_a + a * dt
            n_pop, bt0, ba0 = 0, box_t0, box_a0
            n_box = len(box)  # (then the new entry, ct − ct = 0 < acc_tau_s: never popped)
            while n_pop < n_box and ct - box[n_pop][0] >= acc_tau_s:
                bt0, ba0 = box[n_pop]
                n_pop += 1
            box_s = ct - bt0
            acc = (ca - ba0) / box_s if box_s > 0 else a
            if not abs(acc) < th.still_acc:
                break
            s0 = ti if isnan(still_t0) else still_t0
            if not ti - s0 >= still_s:
                break
            # a plain rest sample: detect's updates, in its order
            last_t = ti
            k = dt / (acc_tau_s + dt)
            if raw_p < EMA_RENORM:
                raw_q, raw_p = raw_p * raw_q, 1.0
            raw_p *= 1.0 - k
            raw_q += k * a_raw / raw_p
            k = dt / (slow_tau_s + dt)
            if slow_p < EMA_RENORM:
                slow_q, slow_p = slow_p * slow_q, 1.0
            slow_p *= 1.0 - k
            slow_q += k * a_raw / slow_p
            deep_now = q and abs(raw_p * raw_q - slow_p * slow_q) < th.bias_still
            if deep_now:
                if isnan(deep_t0):
                    deep_t0 = ti
            else:
                deep_t0 = nan
            deep = deep_now and ti - deep_t0 >= bias_still_s and ti - closed_s >= bias_after_rep_s
            a_prev2, a_prev, dt_prev = a_prev, a, dt
            if watch is not None:
                w_v += a * dt
                w_t.append(ti)
                w_vs.append(w_v)
                if ti >= w_due:  # (no strike seen: a lone swing's landing, else it stands)
                    watch.v = w_v
                    self._landing_unseen()
                    watch = None
            while swings and ti - swings[0][0] > ring_s:
                swings.popleft()
            hist.append((ti, v0, z0))
            v0 = z0 = 0.0  # (detect's rest sets them so)
            while ti - hist[0][0] > tap_s:
                hist.popleft()
            cum_t, cum_a = ct, ca
            box.append((ct, ca))
            for _ in range(n_pop):
                box.popleft()
            box_t0, box_a0, acc_s, still_t0 = bt0, ba0, acc, s0
            rest_q.append((dt, a_raw, deep, cum_t))
            while cum_t - rest_q[0][3] > onset_s:  # (``detect``'s offset feed)
                d0, a0, deep0, _ = rest_q.popleft()
                if deep0:
                    w = bias_w + d0
                    bias_w = bias_tau_s if w > bias_tau_s else w
                    k = d0 / bias_w
                    if bias_p < EMA_RENORM:
                        bias_q, bias_p = bias_p * bias_q, 1.0
                    bias_p *= 1.0 - k
                    bias_q += k * a0 / bias_p
                    bias = bias_p * bias_q
            m += 1
        if watch is not None:
            watch.v = w_v
        if m:
            incl, frontal = cols[6][m - 1], cols[7][m - 1]
            ti = last_t
            st.last_t, st.acc_s, st.zupt_t = ti, acc_s, ti
            st.v, st.z = 0.0, 0.0
            st.pre = [_raise_row((ti, 0.0, incl, frontal, speed[m - 1], 0.0))]
            st.bias, st.bias_w, st.bias_p, st.bias_q = bias, bias_w, bias_p, bias_q
            st.cum_t, st.cum_a, st.box_t0, st.box_a0 = cum_t, cum_a, box_t0, box_a0
        return m, (last_t, raw_p, raw_q, slow_p, slow_q, deep_t0, a_prev, a_prev2, dt_prev, still_t0)

    def _rep_run(self, cols: tuple[list[Any], ...], loc: _Locals) -> tuple[int, _Locals]:
        """Samples inside an open rep from a small block's first sample on (``detect``'s loop and ``_rep_step``):
        the same float operations in the same order, without a row per sample, the method calls and the
        state's flags that cannot change here (no tail, ring, tap or start-up offset: anything that sets one
        ends the run). Every test that could send a sample elsewhere (an impulse, a ring's or a tap's bar, the
        top hold, a rise from it, the close, a step, a lost rep) is taken first on temporaries; the first
        sample failing one is left to ``detect``, untouched. Returns how many samples it took and ``detect``'s
        filters after them; the state is what ``detect`` leaves, bit for bit."""
        st, p = self.state, self.p
        if (
            not st.in_rep
            or st.tail is not None
            or st.landing is not None
            or st.ring_on
            or not st.seeded
            or st.bias_w < p.min_bias_s
            or st.after_tap
            or st.stepped
            or not st.rows
        ):
            return 0, loc
        last_t, raw_p, raw_q, slow_p, slow_q, deep_t0, a_prev, a_prev2, dt_prev, still_t0 = loc
        ts, vertical, jolts, quiet, acc_noise, speed, incls, frontals = cols
        acc_tau_s, slow_tau_s, still_dps, jerk_floor, snap_floor, spike, tap_s, ring_s = self._rep_k[:8]
        ring_floor, still_s, still_long_s, still_v_floor, still_v_k, max_tilt = self._rep_k[8:14]
        top_stop_frac, top_quiet_s, bottom_frac, bridge_frac, push_frac, release_frac = self._rep_k[14:20]
        start_cm, quiet_close_s, max_rep_s = self._rep_k[20:]
        tap_until, bias, zupt_t, hold_t, top_b = st.tap_until, st.bias, st.zupt_t, st.hold_t, st.top_b
        cum_t, cum_a, box_t0, box_a0 = st.cum_t, st.cum_a, st.box_t0, st.box_a0
        v, z, top, falling, top_zupt = st.v, st.z, st.top, st.falling, st.top_zupt
        vmax, vmin, hb_min, rise_braked = st.vmax, st.vmin, st.hb_min, st.rise_braked
        box, hist, swings, rows = st.box, st.hist, st.swings, st.rows
        r0 = rows[0]
        r0_t, r0_incl, r0_frontal = r0.t_s, r0.incl_deg, r0.frontal_deg
        th = self.th
        nan, isnan, isfinite, sqrt, inf = math.nan, math.isnan, math.isfinite, math.sqrt, math.inf
        m, acc_s = 0, st.acc_s
        for ti, a_raw, jolt, q, density, speed_i, incl, frontal in zip(
            ts, vertical, jolts, quiet, acc_noise, speed, incls, frontals, strict=False
        ):
            if density != th.density:
                th = self.th = Thresholds.of(p, density)
            d = ti - last_t
            if not d > 0.0 or ti <= tap_until:
                break
            dt = 0.1 if d > 0.1 else d
            # every test first, on temporaries: detect's impulse, ring and tap tests
            a = a_raw - bias
            dt0 = dt_prev if dt_prev > 0 else dt
            x = abs(a - a_prev) / dt
            if x > jerk_floor and x > th.jerk(p, dt):
                break
            x = abs(2.0 * ((a - a_prev) / dt - (a_prev - a_prev2) / dt0) / (dt + dt0))
            if x > snap_floor and x > th.snap(p, dt, dt0):
                break
            x = abs(a)
            if (x > ring_floor and x > th.ring(p, dt)) or x > spike or abs(jolt) > spike:
                break
            # the quiet test's boxcar
            ct = cum_t + dt
            ca = cum_a + a * dt
            n_pop, bt0, ba0 = 0, box_t0, box_a0
            n_box = len(box)  # (then the new entry, ct − ct = 0 < acc_tau_s: never popped)
            while n_pop < n_box and ct - box[n_pop][0] >= acc_tau_s:
                bt0, ba0 = box[n_pop]
                n_pop += 1
            box_s = ct - bt0
            acc = (ca - ba0) / box_s if box_s > 0 else a
            quiet_now = abs(acc) < th.still_acc and speed_i < still_dps
            s0 = (ti if isnan(still_t0) else still_t0) if quiet_now else nan
            quiet_for = ti - s0 if quiet_now else 0.0
            # _rep_step's tests: a step, a coast, the top hold, a rise from it, the close, a lost rep
            if abs(incl - r0_incl) > max_tilt or abs(frontal - r0_frontal) > max_tilt:
                break
            vmax_i, braked_i = vmax, rise_braked
            if not top_zupt:
                vmax_i = max(vmax, v)
                if acc < -th.still_acc and v > 0.0:
                    braked_i = True
                if quiet_for >= still_long_s and v >= top_stop_frac * vmax_i > 0.0:
                    break
            if not falling and not top_zupt:
                if braked_i and quiet_for >= top_quiet_s and v < top_stop_frac * vmax_i:
                    break
                if quiet_for >= still_s:  # detect's still test (after_tap and stepped are False here)
                    va = abs(v)
                    if va < still_v_floor:
                        break
                    span_s = ti - zupt_t if isfinite(zupt_t) else 0.0
                    walk = th.density * sqrt(span_s) if span_s > 0 else 0.0
                    if va < max(still_v_floor, still_v_k * walk) or quiet_for >= still_long_s:
                        break
            v_i = v + a * dt
            z_i = z + v_i * dt
            if top_zupt and not falling and v_i > th.still_v(p, ti - hold_t) + th.resid_max * (ti - hold_t):
                break
            z_cm = 100.0 * z_i
            top_i = max(top, z_cm)
            falling_i = falling or z_cm < bottom_frac * top_i
            vmin_i = min(vmin, v_i) if falling_i else vmin
            # _lowered
            low = falling_i and z_cm < bottom_frac * top_i
            h_b = 100.0 * (z_i - 0.5 * v_i * (ti - hold_t)) if top_zupt else inf
            if h_b < bridge_frac * top_b or (h_b < push_frac * top_b and acc > th.still_acc):
                break
            if low and (v_i > release_frac * vmin_i or z_cm < -start_cm - 0.5 * top_i):
                break
            hb_i = hb_min
            if top_zupt and quiet_for >= quiet_close_s:  # _quiet_down
                hb_i = min(hb_min, 100.0 * (z_i - 0.5 * v_i * (ti - hold_t)))
                if hb_i < push_frac * top_b:
                    break
            if ti - r0_t > max_rep_s or z_cm < -start_cm - 0.5 * top_i:
                break
            # a sample inside the rep: detect's updates and _rep_step's, in their order
            last_t = ti
            k = dt / (acc_tau_s + dt)
            if raw_p < EMA_RENORM:
                raw_q, raw_p = raw_p * raw_q, 1.0
            raw_p *= 1.0 - k
            raw_q += k * a_raw / raw_p
            k = dt / (slow_tau_s + dt)
            if slow_p < EMA_RENORM:
                slow_q, slow_p = slow_p * slow_q, 1.0
            slow_p *= 1.0 - k
            slow_q += k * a_raw / slow_p
            if q and abs(raw_p * raw_q - slow_p * slow_q) < th.bias_still:
                if isnan(deep_t0):
                    deep_t0 = ti
            else:
                deep_t0 = nan
            a_prev2, a_prev, dt_prev = a_prev, a, dt
            while swings and ti - swings[0][0] > ring_s:
                swings.popleft()
            hist.append((ti, v, z))
            while ti - hist[0][0] > tap_s:
                hist.popleft()
            cum_t, cum_a = ct, ca
            box.append((ct, ca))
            for _ in range(n_pop):
                box.popleft()
            box_t0, box_a0, acc_s, still_t0 = bt0, ba0, acc, s0
            vmax, rise_braked = vmax_i, braked_i
            v, z, top, falling, vmin, hb_min = v_i, z_i, top_i, falling_i, vmin_i, hb_i
            rows.append(_raise_row((ti, z_cm, incl, frontal, speed_i, v)))
            m += 1
        if m:
            st.last_t, st.acc_s = last_t, acc_s
            st.v, st.z, st.top, st.falling, st.vmin, st.hb_min = v, z, top, falling, vmin, hb_min
            st.vmax, st.rise_braked = vmax, rise_braked
            st.cum_t, st.cum_a, st.box_t0, st.box_a0 = cum_t, cum_a, box_t0, box_a0
        return m, (last_t, raw_p, raw_q, slow_p, slow_q, deep_t0, a_prev, a_prev2, dt_prev, still_t0)

    def _rest_run(self, frames: DrillFrames, j: int, loc: _Locals) -> tuple[int, _Locals]:
        """Plain rest from sample j on (``detect``'s rest branch, the sample before it at rest): what ``detect``
        does there, on the few quantities later samples read, up to the first sample at which anything else
        could happen. Returns how many samples it took and ``detect``'s filters after them; the state is
        what ``detect`` leaves, bit for bit.

        A block of samples is computed on arrays with ``detect``'s float operations: the deep-rest means
        (``_ema``), the rest queue's oldest samples feeding the offset (the offset before each sample), the
        boxcar from the running sums. A block ends at the first sample that fails a test (it goes back to
        ``detect``): the interval (none lost to a zero), a jolt, the tap's skipped window, the settle after a
        close, the gyro's and the boxcar's quiet tests, and the impulse, ring and spike tests against each
        sample's own bar a hair less."""
        st, p = self.state, self.p
        last_t, raw_p, raw_q, slow_p, slow_q, deep_t0, a_prev, a_prev2, dt_prev, cum_t, cum_a, box_t0, box_a0 = loc
        n_all = len(frames)
        acc_tau_s, slow_tau_s, onset_s, bias_tau_s = p.acc_tau_s, p.slow_tau_s, p.onset_s, p.bias_tau_s
        bias, bias_w, bias_p, bias_q = st.bias, st.bias_w, st.bias_p, st.bias_q
        box_e = [(e[0], e[1]) for e in st.box]
        rest_e = list(st.rest)
        th = self.th
        t_all, x_all, noise_all = frames.time_s, frames.vertical_acc_mps2, frames.acc_noise()
        if not (all(u[0] <= w[0] for u, w in pairwise(box_e)) and all(u[3] <= w[3] for u, w in pairwise(rest_e))):
            return 0, loc  # (the time went back: the per-sample loop)
        start = j
        while start < n_all:
            stop = min(n_all, start + RUN_BLOCK)
            t = t_all[start:stop]
            d = np.diff(t_all[start - 1 : stop])
            other = (
                (d <= 0.0)
                | ~(frames.speed_dps[start:stop] < p.still_dps)
                | ~(np.abs(frames.jolt_mps2[start:stop]) <= p.spike_mps2)
            )
            if t[0] <= st.tap_until or t[0] < st.settle_until:  # (usually both are past)
                other |= (t <= st.tap_until) | (t < st.settle_until)
            end = int(np.argmax(other)) if other.any() else len(t)
            if end == 0:
                break
            t = t[:end]
            dt = np.minimum(d[:end], 0.1)  # (detect: 0.1 if d > 0.1 else d)
            x = x_all[start : start + end]
            density = noise_all[start : start + end]
            # each sample's thresholds (``Thresholds.of``'s float operations)
            still_acc = np.maximum(p.still_acc_mps2, p.still_acc_k * (density / math.sqrt(2.0 * acc_tau_s)))
            bias_still = np.maximum(p.bias_still_mps2, p.bias_still_k * 0.866 * density)
            # deep rest: the two means, the quiet run's start
            rp, rq = _ema(x, dt / (acc_tau_s + dt), raw_p, raw_q)
            sp, sq = _ema(x, dt / (slow_tau_s + dt), slow_p, slow_q)
            deep_now = frames.quiet[start : start + end] & (np.abs(rp * rq - sp * sq) < bias_still)
            first = deep_now & np.concatenate(([deep_t0 != deep_t0], ~deep_now[:-1]))  # (isnan: a new quiet run)
            t0_from = np.maximum.accumulate(np.where(first, np.arange(end), -1))
            t0 = np.where(t0_from >= 0, t[np.maximum(t0_from, 0)], deep_t0)
            t0 = np.where(deep_now, t0, math.nan)
            deep = deep_now & (t - t0 >= p.bias_still_s) & (t - st.closed_s >= p.bias_after_rep_s)
            # the running time; the rest queue: how many of its entries have fed the offset after each sample
            tc = np.add.accumulate(np.concatenate(([cum_t], dt)))[1:]
            old_d, old_x, old_deep, old_t = zip(*rest_e, strict=True) if rest_e else ((), (), (), ())
            q_d, q_x, q_t = np.concatenate((old_d, dt)), np.concatenate((old_x, x)), np.concatenate((old_t, tc))
            q_deep = np.concatenate((np.array(old_deep, dtype=bool), deep))
            fed = _leading(q_t, tc, onset_s, strict=True)
            feeds = np.flatnonzero(q_deep[: fed[-1]])  # the deep entries fed, in order
            w = np.minimum(np.add.accumulate(np.concatenate(([bias_w], q_d[feeds])))[1:], bias_tau_s)
            bp, bq = _ema(q_x[feeds], q_d[feeds] / w, bias_p, bias_q)
            n_fed = np.concatenate(([0], np.cumsum(q_deep[: fed[-1]])))  # deep feeds among the first i entries
            after = np.concatenate(([bias], bp * bq))  # the offset after each feed
            a = x - after[n_fed[np.concatenate(([0], fed[:-1]))]]  # less the offset before each sample
            # the boxcar: its running sums less those before its oldest sample
            ac = np.add.accumulate(np.concatenate(([cum_a], a * dt)))[1:]
            old_bt, old_ba = zip(*box_e, strict=True) if box_e else ((), ())
            b_t, b_a = np.concatenate((old_bt, tc)), np.concatenate((old_ba, ac))
            out = _leading(b_t, tc, acc_tau_s, strict=False)
            base_t = np.where(out > 0, b_t[np.maximum(out - 1, 0)], box_t0)
            base_a = np.where(out > 0, b_a[np.maximum(out - 1, 0)], box_a0)
            acc = (ac - base_a) / (tc - base_t)
            # the impulse (jerk, snap), ring and spike tests: against the physical floors first (each bar is at
            # least its floor), then each bar where a sample is over its floor
            a_1 = np.concatenate(([a_prev], a[:-1]))
            a_2 = np.concatenate(([a_prev2, a_prev], a[:-2]))[:end]
            dt0 = np.concatenate(([dt_prev], dt[:-1]))
            x_ring, x_jerk = np.abs(a), np.abs(a - a_1) / dt
            x_snap = np.abs(2.0 * ((a - a_1) / dt - (a_1 - a_2) / dt0) / (dt + dt0))
            margin = 1.0 - 1e-9
            plain = (
                (x_ring <= margin * min(p.ring_min_mps2, p.spike_mps2))
                & (x_jerk <= margin * p.jerk_mps3)
                & (x_snap <= margin * p.snap_mps4)
                & (-still_acc < acc)
                & (acc < still_acc)
            )
            over = np.flatnonzero(~plain)
            if over.size:
                u, u0, n_u = dt[over], dt0[over], density[over]
                k_sigma = p.jerk_k * n_u * np.sqrt(0.5 / u)
                ring = np.minimum(np.maximum(p.ring_min_mps2, k_sigma), p.spike_mps2)
                jerk = np.maximum(p.jerk_mps3, k_sigma * math.sqrt(2.0) / u)
                gain = 2.0 / (u + u0) * np.sqrt(1.0 / u**2 + (1.0 / u + 1.0 / u0) ** 2 + 1.0 / u0**2)
                snap = np.maximum(p.snap_mps4, p.jerk_k * n_u * np.sqrt(0.5 / np.minimum(u, u0)) * gain)
                plain[over] = (
                    (x_ring[over] <= margin * ring)
                    & (x_jerk[over] <= margin * jerk)
                    & (x_snap[over] <= margin * snap)
                    & (-still_acc[over] < acc[over])
                    & (acc[over] < still_acc[over])
                )
            m = int(np.argmin(plain)) if not plain.all() else end
            if m == 0:
                break
            # the state after the block's first m samples
            i = m - 1
            raw_p, raw_q, slow_p, slow_q = float(rp[i]), float(rq[i]), float(sp[i]), float(sq[i])
            deep_t0 = float(t0[i])
            a_prev2, a_prev = (float(a[i - 1]) if m > 1 else a_prev), float(a[i])
            dt_prev, cum_t, cum_a = float(dt[i]), float(tc[i]), float(ac[i])
            kn = len(rest_e) + m
            f = int(fed[i])
            rest_e = list(
                zip(q_d[f:kn].tolist(), q_x[f:kn].tolist(), q_deep[f:kn].tolist(), q_t[f:kn].tolist(), strict=True)
            )
            nf = int(n_fed[f])
            if nf:
                bias_w, bias_p, bias_q = float(w[nf - 1]), float(bp[nf - 1]), float(bq[nf - 1])
                bias = float(after[nf])
            o, kb = int(out[i]), len(box_e) + m
            if o:
                box_t0, box_a0 = float(b_t[o - 1]), float(b_a[o - 1])
            box_e = list(zip(b_t[o:kb].tolist(), b_a[o:kb].tolist(), strict=True))
            if density[i] != th.density:
                th = Thresholds.of(p, float(density[i]))
            start += m
            if m < len(d):
                break
        taken = start - j
        if not taken:
            return 0, loc
        self.th = th
        st.bias, st.bias_w, st.bias_p, st.bias_q = bias, bias_w, bias_p, bias_q
        st.acc_s = (cum_a - box_a0) / (cum_t - box_t0)  # (detect's division, on the last sample's sums)
        st.box.clear()
        st.box.extend(box_e)
        st.rest.clear()
        st.rest.extend(rest_e)
        last_t = float(t_all[start - 1])
        # the history: each rest sample's (t, 0, 0) within tap_s of the last (older ones would have left it)
        hist, tap_s = st.hist, p.tap_s
        first_k = start
        while first_k > j and last_t - t_all[first_k - 1] <= tap_s:
            first_k -= 1
        if first_k > j:
            hist.clear()
        hist.extend((tk, 0.0, 0.0) for tk in t_all[first_k:start].tolist())
        while last_t - hist[0][0] > tap_s:
            hist.popleft()
        swings = st.swings
        while swings and last_t - swings[0][0] > p.ring_s:
            swings.popleft()
        k = start - 1
        st.last_t = st.zupt_t = last_t
        incl, frontal, speed = (float(c[k]) for c in (frames.incl_deg, frames.frontal_deg, frames.speed_dps))
        st.pre = [_raise_row((last_t, 0.0, incl, frontal, speed, 0.0))]
        loc_out = (last_t, raw_p, raw_q, slow_p, slow_q, deep_t0, a_prev, a_prev2, dt_prev)
        return taken, (*loc_out, cum_t, cum_a, box_t0, box_a0)

    def _learn_offset(self, ti: float, dt: float, a_raw: float, deep: bool) -> None:
        """Before min_bias_s of deep rest nothing can be measured: the offset is all there is to learn."""
        st = self.state
        if deep:
            st.bias_w += dt
            st.bias += (a_raw - st.bias) * (dt / st.bias_w if st.bias_w > 0 else 1.0)
            st.bias_p, st.bias_q = 1.0, st.bias
        st.acc_s = 0.0
        st.zupt_t = ti

    def _ring_begins(self, ti: float, dt: float, a: float, ring: _Integral) -> None:
        """A strike's ring: undo from its first swing. Between reps it is the heel landing (the last rep's
        lowering ends on the floor: nothing of its impulse is a rise), so the shin is at rest there."""
        st = self.state
        if st.in_rep and st.opened_s >= ring.t_s:  # the rep opened on the ring: none
            st.in_rep, st.rows, st.pre = False, [], []
        self._landing_seen(ring.t_s)
        back = ring if st.in_rep else _Integral(ring.t_s, 0.0, 0.0)
        st.v, st.z = back.v_mps, back.z_m
        st.undone = (ti, back.t_s)
        # the ring goes on: its swings are held back (``_in_ring``); the velocity is known: no after_tap
        st.ring_on, st.ring_sign, st.ring_t0, st.ring_last = True, math.copysign(1.0, a), ti, ti
        st.ring_held = [(ti, dt, a)]
        st.rest.clear()

    def _landing_seen(self, t_s: float) -> None:
        """A strike (a ring's first swing, or an impulse under a tap's spike) after a lowering's top hold, the first
        since: the heel's landing, its end (within 0.02 s of it on the simulated landings). Kept for the lowering's
        revision."""
        st = self.state
        if abs(t_s - st.spike_t) <= self.p.tap_s:  # (a tap's edge, or its ring)
            return
        watched = st.tail if st.tail is not None else st.landing
        if not st.in_rep and watched is not None and math.isnan(watched.landing_s):
            watched.landing_s = t_s
        elif st.in_rep and st.top_zupt and math.isnan(st.landing_s_in_rep):
            st.landing_s_in_rep = t_s  # (a quick end lands before the rep closes: kept for its tail)

    def _spike_seen(self, ti: float) -> None:
        """A tap's spike: a strike seen within tap_s of it is the tap's edge or ring, no landing."""
        st = self.state
        st.spike_t = ti
        watched = st.tail if st.tail is not None else st.landing
        if watched is not None and ti - watched.landing_s <= self.p.tap_s:
            watched.landing_s = math.nan
        if watched is not None and ti - watched.swing_s <= self.p.tap_s:  # (a tap's edge: search on)
            watched.swing_s, watched.swing_end_s, watched.swing_over = math.nan, math.nan, False
        if ti - st.landing_s_in_rep <= self.p.tap_s:
            st.landing_s_in_rep = math.nan

    def _tap_seen(self, ti: float) -> None:
        """A tap (a spike, or an impulse): undo what its rising edge integrated (back to the oldest sample
        within tap_s), and skip tap_s."""
        p, st = self.p, self.state
        if st.hist and ti > st.tap_until:
            t0, v0, z0 = st.hist[0]
            st.v, st.z = v0, z0
            st.undone = (ti, t0)
        st.tap_until = ti + p.tap_s
        st.after_tap = not st.in_rep  # a tap at rest: the next quiet moment is rest again
        st.rest.clear()

    def _in_ring(self, ti: float, dt: float, a: float) -> float:
        """A sample while a ring goes on: held back (returns 0) while the swings alternate as a ring's do. A swing
        longer than half of ring_s is no ring's (a rise's push lasts ≥ 0.2 s: the rise began right after the
        landing): its samples are integrated after all. Quiet for half of ring_s: the ring is over (what
        followed its last swing is integrated)."""
        p, st = self.p, self.state
        half = 0.5 * p.ring_s
        held = st.ring_held
        if abs(a) > self.th.ring(self.p, dt):
            sign = math.copysign(1.0, a)
            if sign != st.ring_sign:  # the next swing: the last one is the ring's (what led into this one is kept)
                held[:] = [h for h in held if h[0] > st.ring_last]
                st.ring_sign, st.ring_t0 = sign, ti
            st.ring_last = ti
            held.append((ti, dt, a))
            if ti - st.ring_t0 <= half:
                return 0.0
            replay = held[:-1]  # a push: this swing and what led into it
        else:
            held.append((ti, dt, a))
            if ti - st.ring_last <= half:
                return 0.0
            replay = [h for h in held[:-1] if h[0] > st.ring_last]  # the ring died out
        for _, d, x in replay:
            st.v += x * d
            st.z += st.v * d
        st.ring_on = False
        st.ring_held = []
        st.swings.clear()
        return a

    def _ring(self, ti: float, dt: float, a: float) -> _Integral | None:
        """A ring (``VerticalParams.ring_s``): three swings of alternating sign, each beyond the noise, within
        ring_s. Returns the integral before its first swing (None: no ring)."""
        p, st = self.p, self.state
        if dt <= 0.0:
            return None
        bar = self.th.ring(self.p, dt)
        sw = st.swings
        while sw and ti - sw[0][0] > p.ring_s:
            sw.popleft()
        if abs(a) <= bar:
            return None
        sign = math.copysign(1.0, a)
        if sw and sw[-1][1] == sign:
            return None
        sw.append((ti, sign, _integral((ti, st.v, st.z))))
        if len(sw) < 3:
            return None
        first = sw[0][2]
        sw.clear()
        return first

    def _moving_step(self, row: RaiseRow, dt: float, a: float, quiet_now: bool, settling: bool) -> None:
        """Between reps, not at rest (``detect``): the start of a movement (integrated; a rep opens when the
        height passes start_cm)."""
        p, st = self.p, self.state
        ti = row.t_s
        v_before = st.v
        if st.was_still:
            self._movement_begins(ti)
        if st.braked and quiet_now and not settling:
            # after the lowering's braking (and its fitted end) a quiet moment, however short, is the heel on the floor
            st.floor = _integral((ti, st.v, st.z))
        st.v += a * dt
        st.z += st.v * dt
        # ... unless the upward push is more than the lowering's own braking could be: the next rise
        pushed = st.acc_s > st.brake_mps2 + self.th.brake_margin
        if pushed and not quiet_now and st.floor is not None:
            self._from_floor(st.floor)
        elif v_before < 0.0 <= st.v and (not settling or pushed):
            # the bottom of a lowering (or the turn into the next rise) is a zero-velocity
            # point: re-zero there, so a rest too short to be seen as still never leaves
            # the next rise starting from a drifting velocity
            st.v, st.z = 0.0, 0.0
            st.zupt_t = math.nan  # a zero crossing: no evidence on the offset
            st.pre = [row]
            return
        st.pre.append(_raise_row((ti, 100.0 * st.z, row.incl_deg, row.frontal_deg, row.speed_dps, st.v)))
        if len(st.pre) > 6000:
            st.pre = st.pre[-3000:]
        # (height gained in the quiet after the braking is drift: a rise pushes)
        if 100.0 * st.z > p.start_cm and not (st.braked and quiet_now) and not st.stepped:
            if st.floor is not None:
                # the heel was on the floor at its last quiet moment, pushed or not: its velocity there was
                # zero. A close can come while the lowering still brakes (the heel lands up to 0.6 s later);
                # that braking, integrated from a zero set before the landing, leaves cm/s of upward speed
                # that must not open a rep (consumer-mpu velocity 1106: 2 reps merged into the last ones)
                self._from_floor(st.floor)
                if 100.0 * st.z <= p.start_cm:
                    return
            st.in_rep, st.rows, st.top, st.falling = True, st.pre, 100.0 * st.z, False
            st.opened_s = ti
            st.landing_s_in_rep = math.nan
            st.braked, st.floor = False, None
            st.top_zupt, st.vmin, st.hb_min, st.rise_braked, st.vmax = False, 0.0, math.inf, False, 0.0
            st.pre = []

    def _from_floor(self, floor: _Integral) -> None:
        """The next rise pushes off the floor: the velocity was zero at the floor's last quiet moment, so
        what the integration carries there (a heel strike sampled in 1-2 samples and the soft tissue's
        ring leave several cm/s; under 1 s on the floor is too short a rest to be seen as still) is
        error: remove it from there on, as a constant velocity and a height ramp."""
        st = self.state
        st.floor = None  # (braked stays: a push that is quiet again before lifting the shin start_cm was a strike)
        st.v -= floor.v_mps

        def fixed(r: RaiseRow) -> RaiseRow:  # (_raise_row: NamedTuple._replace is a slow Python call)
            t_s, height_cm, incl_deg, frontal_deg, speed_dps, v_mps = r
            u = t_s - floor.t_s
            height_cm -= 100.0 * (floor.z_m + floor.v_mps * u)
            return _raise_row((t_s, height_cm, incl_deg, frontal_deg, speed_dps, v_mps - floor.v_mps))

        st.z -= floor.z_m + floor.v_mps * (st.last_t - floor.t_s)
        st.pre = [fixed(r) for r in st.pre if r.t_s >= floor.t_s]
        st.zupt_t = math.nan  # no evidence on the offset

    def _movement_begins(self, ti: float) -> None:
        """A movement begins: integrate it from the start of the rest's last onset_s."""
        st = self.state
        st.was_still = False
        v = z = 0.0
        for d0, a0, _, _ in st.rest:
            v += (a0 - st.bias) * d0
            z += v * d0
        st.v, st.z = v, z
        rest = st.rest
        st.zupt_t = ti - (rest[-1][3] - rest[0][3] + rest[0][0] if rest else 0.0)  # (the rest's span)
        rest.clear()

    def _rep_step(self, row: RaiseRow, dt: float, a: float, still: bool, quiet_for: float) -> Raise | None:
        """An open rep: a step tilts the shin (dropped), the top hold is a zero-velocity point (the
        bridged rise), the lowering closes the rep (the bridge, or the older speed rules)."""
        p, st = self.p, self.state
        ti = row.t_s
        r0 = st.rows[0]
        if (
            abs(row.incl_deg - r0.incl_deg) > p.max_tilt_change_deg
            or abs(row.frontal_deg - r0.frontal_deg) > p.max_tilt_change_deg
        ):
            # the shin tilted as no calf raise does: a step (to reposition the foot); wait for rest
            st.in_rep = False
            st.rows, st.pre = [], []
            st.zupt_t = math.nan
            st.stepped = True
            return None
        if not st.top_zupt:
            st.vmax = max(st.vmax, st.v)
            if st.acc_s < -self.th.still_acc and st.v > 0.0:
                st.rise_braked = True
        if not st.top_zupt and quiet_for >= p.still_long_s and st.v >= p.top_stop_frac * st.vmax > 0.0:
            # quiet this long at the "rise's" peak speed: a calf raise pushes and brakes within ≈ 2 s, it never
            # coasts. The velocity is the integration's (a lowering's last braking integrated from a zero set
            # before the heel landed): no rep, the shin is at rest
            st.in_rep = False
            st.rows, st.pre = [], []
            st.v, st.z = 0.0, 0.0
            st.zupt_t = math.nan
            return None
        # (quiet after the braking is the top only once the braking has taken at least half the rise's peak
        # speed: a slow braking stays under a noisy sensor's quiet bar, and a strike's leftover is a constant)
        braked_top = st.rise_braked and quiet_for >= p.top_quiet_s and st.v < p.top_stop_frac * st.vmax
        if not st.falling and not st.top_zupt and (still or braked_top):
            # the top hold is a zero-velocity point (once: the lowering that follows is as quiet). Once the
            # rise's braking has been seen, quiet is the top hold whatever the integrated velocity: a heel
            # strike under 1 s before (a 20-40 ms pulse in 2-4 samples) can leave 5 cm/s of it, and with
            # under 1 s on the floor nothing else re-zeroes it (reference seed 1001: a set of 15 lost)
            self._bridge_rise(ti)
            self._zupt(ti)
            st.top_zupt = True
            st.hold_t = ti
            st.top_b = max(100.0 * st.z, 1e-6)
        st.v += a * dt
        st.z += st.v * dt
        if st.top_zupt and not st.falling and st.v > self._drift_v(ti - st.hold_t):
            self._rise_from_hold()
        z_cm = 100.0 * st.z
        st.rows.append(_raise_row((ti, z_cm, row.incl_deg, row.frontal_deg, row.speed_dps, st.v)))
        st.top = max(st.top, z_cm)
        if z_cm < p.bottom_frac * st.top:
            st.falling = True
        if st.falling:
            st.vmin = min(st.vmin, st.v)
        if self._lowered(ti, z_cm) or self._quiet_down(ti, quiet_for):
            rep = self._close(ti)
            st.z = 0.0  # the rep is over: the next one is measured from here
            if st.v >= 0.0:
                # the integration says the shin has stopped (or drifts up): re-zeroed, no settling
                st.v = 0.0
                st.zupt_t = math.nan
                st.settle_until = -math.inf
            return rep
        if ti - st.rows[0].t_s > p.max_rep_s or z_cm < -p.start_cm - 0.5 * st.top:
            st.in_rep = False  # lost: drifted away; wait for the next rest
            st.pre = []
            st.zupt_t = math.nan
        return None

    def _lowered(self, ti: float, z_cm: float) -> bool:
        """The lowering is over: the bridge, or the height is low and the speed has fallen back to a small
        part of its peak (or turned up: the heel is down and drift left the height above zero), or the
        height is far below the start (drift: the heel cannot go through the floor)."""
        p, st = self.p, self.state
        low = st.falling and z_cm < p.bottom_frac * st.top
        # the bridge: were the shin at rest now, the velocity integrated since the top hold would
        # be all offset error, growing linearly (a constant offset), so the height error is
        # v·(t − t_hold)/2. A slow lowering's speed is too small to tell from drift, but this
        # height is not: its error is a Brownian bridge's integral, σ = n·T^1.5/√12 ≈ 1 cm
        # for a 9 s lowering at 150 µg/√Hz, against a drop of 3-6 cm.
        h_b = 100.0 * (st.z - 0.5 * st.v * (ti - st.hold_t)) if st.top_zupt else math.inf
        # ... or, most of the way down (noise left it above halfway), the next rise's upward push
        # begins (a slow lowering's own braking, ≈ 0.3 cm/s², is under the quiet threshold)
        bridged = h_b < p.bridge_frac * st.top_b or (h_b < p.push_frac * st.top_b and st.acc_s > self.th.still_acc)
        return bridged or (low and (st.v > p.release_frac * st.vmin or z_cm < -p.start_cm - 0.5 * st.top))

    def _drift_v(self, span_s: float) -> float:
        """The largest velocity (m/s) the integration alone leaves span_s after a zero-velocity update:
        its random walk (still_v) plus the largest offset error a zero-velocity update accepts × span_s."""
        return self.th.still_v(self.p, span_s) + self.th.resid_max * span_s

    def _rise_from_hold(self) -> None:
        """After the top hold the shin moves up faster than drift can: that hold was no top but a zero-velocity
        point before a rise (a heel strike's ring at 50 Hz leaves ≈ 6 cm/s, which lifts the integration a cm
        on the floor and opens a "rep" there; the real rise then ended it by the bridge, and was lost). The
        rep starts again at that hold; its top is still to come."""
        st = self.state
        st.rows = [r for r in st.rows if r.t_s >= st.hold_t]
        st.top = max((r.height_cm for r in st.rows), default=100.0 * st.z)
        st.top_zupt = st.rise_braked = False
        st.vmax = max((r.v_mps for r in st.rows), default=0.0)
        st.hb_min, st.vmin = math.inf, 0.0

    def _quiet_down(self, ti: float, quiet_for: float) -> bool:
        """The heel is down: after the top hold the bridged height has come at least a quarter of the way
        down, and the shin has been quiet longer than any lowering's brake-free middle. (A slow rep's
        bridge can stay just above its bar with a few mm/s² of offset error: a rep then stayed open
        through the set's rest, 18 s.)"""
        p, st = self.p, self.state
        if not st.top_zupt or quiet_for < p.quiet_close_s:
            return False
        h_b = 100.0 * (st.z - 0.5 * st.v * (ti - st.hold_t))
        st.hb_min = min(st.hb_min, h_b)
        return st.hb_min < p.push_frac * st.top_b

    def _feed_offset(self, value: float, weight_s: float) -> None:
        """The rest offset is a running mean over at most bias_tau_s seconds of evidence."""
        st = self.state
        st.bias_w = min(st.bias_w + weight_s, self.p.bias_tau_s)
        st.bias += (value - st.bias) * weight_s / st.bias_w
        st.bias_p, st.bias_q = 1.0, st.bias

    def _zupt(self, ti: float) -> None:
        """Zero-velocity update. Between two rests the true velocity change is zero, so the velocity
        integrated over the interval is the offset error × its length: evidence for the offset as good
        as that long a rest (the interval's movement averages out)."""
        st = self.state
        span_s = ti - st.zupt_t
        if 1.0 <= span_s <= self.p.max_rep_s and abs(st.v / span_s) < self.th.resid_max:
            self._feed_offset(st.bias + st.v / span_s, span_s)
        st.v = 0.0
        st.zupt_t = ti

    def _bridge_rise(self, ti: float) -> None:
        """At the top hold: the rise ran between two zero-velocity points, so the velocity left here
        is offset error × time; remove it as a linear ramp from the rows and the height (a constant
        offset error: the velocity error grows linearly, the height error quadratically)."""
        st = self.state
        span_s = ti - st.zupt_t
        if not st.rows or not (0.0 < span_s <= self.p.max_rep_s):
            return
        dv, zupt_t = st.v, st.zupt_t
        k = 50.0 * dv  # (50.0 * dv * u * u: the product from the left, this first)
        rows: list[RaiseRow] = []
        append = rows.append
        for t_s, height_cm, incl_deg, frontal_deg, speed_dps, v_mps in st.rows:  # (_raise_row, not _replace)
            u = t_s - zupt_t
            if u < 0.0:  # max(u, 0.0) (nan and −0.0 kept)
                u = 0.0
            append(
                _raise_row(
                    (t_s, height_cm - k * u * u / span_s, incl_deg, frontal_deg, speed_dps, v_mps - dv * u / span_s)
                )
            )
        st.rows = rows
        st.z -= 0.5 * dv * span_s
        st.top = max(r.height_cm for r in rows)

    def _watch_lowering(self, tail: _Tail, ti: float, dt: float, a: float) -> None:
        """A sample after a close, before its judging: the lowering's velocity integrated on (a tap undone
        as the segmenter undoes it); at the judging, the lowering is timed."""
        self._integrate(tail, ti, dt, a)
        if ti >= tail.due_s:
            self._time_lowering()

    def _integrate(self, tail: _Tail, ti: float, dt: float, a: float) -> None:
        st = self.state
        if st.undone is not None and st.undone[0] == ti:
            # (the segmenter's history holds each sample's velocity before it is integrated)
            i = bisect.bisect_left(tail.after_t, st.undone[1])
            tail.v = tail.after_v[i - 1] if i else float(tail.v_mps[-1])
            del tail.after_t[i:], tail.after_v[i:]
        tail.v += a * dt
        tail.after_t.append(ti)
        tail.after_v.append(tail.v)
        if not tail.swing_over and tail.templates is not None:
            self._lone_swing(tail, ti, dt, a)

    def _lone_swing(self, tail: _Tail, ti: float, dt: float, a: float) -> None:
        """A landing whose strike makes no ring and no impulse (sampled at its edge: at 50 Hz a 20-40 ms strike can
        fall between samples; a soft one under the bars): after the close, the first sample beyond the ring's bar
        (k × the noise σ per sample) is the landing if its sign turns within half of ring_s, as a strike's swing and
        its ring do; a swing that keeps its sign longer is a push (the next rise: a lowering brakes under the bar),
        and nothing marks the landing. A held-back sample (a = 0: a ring's, a tap's) tells no sign."""
        p = self.p
        if not math.isnan(tail.swing_s):
            if a != 0.0 and math.copysign(1.0, a) != tail.swing_sign:
                tail.swing_end_s, tail.swing_over = tail.swing_s, True
            elif ti - tail.swing_s > 0.5 * p.ring_s:
                tail.swing_over = True
        elif dt > 0.0 and abs(a) > p.ring_min_mps2 and abs(a) > self.th.ring(p, dt):
            tail.swing_s, tail.swing_sign = ti, math.copysign(1.0, a)

    def _unlanded(self, tail: _Tail) -> None:
        """The watch for a strike is over, none seen: a lone swing's landing (``_lone_swing``) revises the
        lowering as a strike's would; else the judging's figure stands."""
        if math.isnan(tail.landing_s) and not math.isnan(tail.swing_end_s):
            tail.landing_s = tail.swing_end_s
            self._revise(tail)

    def _landing_unseen(self) -> None:
        """The watch for the landing ends without a strike (it is due, the next rep closes, the stream ends):
        ``_unlanded``."""
        tail, self.state.landing = self.state.landing, None
        if tail is not None:
            self._unlanded(tail)

    def _watch_landing(self, tail: _Tail, ti: float, dt: float, a: float) -> None:
        """A sample after a judged rep's judging: its lowering's velocity integrated on until the landing is
        seen (then revised: ``_revise``), or, the judging's figure standing, until the landing is due
        (``_time_lowering``). The rest between reps does not end it: a slow end is as quiet as rest."""
        self._integrate(tail, ti, dt, a)
        if ti >= tail.landing_s + self.p.tap_s:  # (no tap's spike right after it: ``_spike_seen``)
            self.state.landing = None
            self._revise(tail)
        elif ti >= tail.due_s:
            self._landing_unseen()

    def _revise(self, tail: _Tail) -> None:
        """The lowering with its landing seen, kept to be re-timed at the stream's end (``_fit_landed``): the
        fit costs ≈ 7 ms a rep (20 ms at worst), a stall the live path must not take at every rep."""
        assert tail.draft is not None
        t, v = tail.samples()
        self._landed.append((tail.draft, t, v, tail.hold_s, tail.landing_s, tail.drop_m, tail.judged_cost))

    def _fit_landed(self) -> None:
        """Each landed lowering re-timed (``lowering_landed``: the end at the landing, the start and shape
        fitted on every sample to it): the judged rep's eccentric revised."""
        for draft, t, v, hold_s, landing_s, drop_m, judged_cost in self._landed:
            fit = lowering_landed(t, v, hold_s, landing_s, drop_m, self.foot_cm)
            # the samples to the landing are a lowering's as much as those to the judging were: a foot lifted
            # before its strike (a step to reposition it) leaves velocity no lowering explains
            fits = fit.n_inc > 0 and fit.cost / fit.n_inc <= self.p.landed_cost_k * judged_cost
            if math.isfinite(fit.dur_s) and fits:
                unseen_s = max(0.0, fit.t0_s - hold_s)  # (the end is seen: only the start's gap)
                self._revised.append((draft, {"down_s": fit.dur_s, "down_unseen_s": unseen_s}))
        self._landed = []

    def _time_lowering(self, watch_landing: bool = True) -> None:
        """The watched lowering's time (``lowering_time``: its shape chosen by the data, the samples to the
        judging included) becomes its draft's down_s; then, after a top hold, it is watched until its landing
        (``_watch_landing``; already seen: revised now)."""
        st = self.state
        tail = st.tail
        st.tail = None
        if tail is None or tail.draft is None:
            return
        t, v = tail.samples()
        fit = lowering_time(t, v, tail.hold_s, tail.drop_m, tail.density, self.foot_cm, tail.templates)
        if math.isfinite(fit.dur_s):
            tail.judged_cost = fit.cost / fit.n_inc if fit.n_inc else math.nan
            tail.draft.extra["down_s"] = fit.dur_s
            # what of it the data does not show: the heel may have left the top anywhere between the top
            # hold's zero-velocity update and the fitted start (a late-peaking lowering's first ≈ 0.8 s move
            # it under a millimetre), and the braking after the last sample is the fitted shape's
            start_gap = max(0.0, fit.t0_s - tail.hold_s)
            tail.draft.extra["down_unseen_s"] = start_gap + max(0.0, fit.t0_s + fit.dur_s - float(t[-1]))
            if tail.templates is not None:  # (a top hold: the lowering's start is a zero-velocity update)
                if not watch_landing:
                    if not math.isnan(tail.landing_s):
                        self._revise(tail)
                    else:
                        self._unlanded(tail)
                else:
                    # the fitted end is early by the lowering's unseen slow end, at most landing_late_frac of it
                    late_s = fit.t0_s + fit.dur_s * (1.0 + self.p.landing_late_frac)
                    tail.due_s = min(tail.rep.end_s + self.p.landing_wait_s, late_s)
                    st.landing = tail

    def _close(self, ti: float) -> Raise:
        """The rep's timing: up_s from the rise's pulse, down_s from the lowering fit (after a top hold);
        counting (the settle after the close, the braking bar) uses the minimum-jerk fit at the close,
        the reported down_s the lowering's time at the judging (``_time_lowering``)."""
        p, st = self.p, self.state
        self._time_lowering(watch_landing=False)  # (a rep closing before the last one's judging)
        self._landing_unseen()  # (the last one's strike not seen: a lone swing's landing, else its figure stands)
        st.in_rep = False
        st.closed_s = ti
        st.floor = None
        # (the rows as floats through one iterator: np.asarray of a list of tuples reads each as a sequence, 4× slower)
        rows = np.fromiter(chain.from_iterable(st.rows), np.float64, 6 * len(st.rows)).reshape(-1, 6)
        st.rows = []
        st.pre = []
        t, z, v = rows[:, 0], rows[:, 1], rows[:, 5]
        k = int(np.argmax(z))
        down_s = pulse_duration_s(t[k:], -v[k:])
        # the lowering starts at the top: the top hold's zero-velocity update, else (no hold seen: a short top in
        # noise) the height's peak, where the shin's velocity is zero as well (not bridged: the fit's offset term)
        top_t, drop_m = (st.hold_t, 0.01 * st.top_b) if st.top_zupt else (float(t[k]), 0.01 * float(z[k]))
        lower = t >= top_t
        templates = None
        if st.top_zupt:
            templates = Templates()
            t0, down_s = lowering_fit(t[lower], v[lower], top_t, drop_m, self.foot_cm, templates)
            if math.isfinite(t0 + down_s):
                lead_s = min(p.settle_lead_s, p.settle_lead_frac * down_s)
                st.settle_until = min(t0 + down_s - lead_s, ti + p.settle_max_s)
                st.brake_mps2 = MJ_PEAK_ACC * 0.01 * st.top_b / (down_s * down_s)
        rep = Raise(
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
        due = ti + self.shared.gait.planted_after_s
        st.tail = _Tail(rep, t[lower], v[lower], top_t, drop_m, self.th.density, due, st.v, templates=templates)
        if st.landing_s_in_rep > top_t:  # (nan: none)
            st.tail.landing_s = st.landing_s_in_rep
        st.landing_s_in_rep = math.nan
        return rep


def raises(ctx: SegmenterContext) -> RaiseSegmenter:
    """Signal "vertical": calf raises, from the shin's integrated vertical acceleration."""
    return RaiseSegmenter(ctx.params, ctx.foot_cm)
