"""Excursions from a rest level: forward knee drives, and the ankle matrix's tilts and rotations.

A per-sample state machine (identical for any chunking), on one or more channels
(tibial inclination; for the ankle matrix also frontal tilt and axial rotation):

- REST: while the shin is still, each channel's rest level follows it (time
  constant ``base_tau_s``). A rep opens when a channel leaves its rest level by
  more than its start threshold (inclination: forward only). The start time is
  the last sample that was within a quarter of the threshold of rest.
- EXCURSION: peaks are tracked. A rep closes when the dominant channel is back
  within ``max(end_min_deg, end_frac × range)`` of rest (hysteresis: a wobble at
  end range never gets near rest, so it cannot double count) and the others are
  within their start thresholds. Until every channel is back within its start
  threshold, the next rep opens only on a rise of a start threshold from the lowest
  point since the close (not on the rest of the return). The axial channel is an
  integrated rate, whose error grows with time (residual gyro bias): it may also be
  off by (``INTEGRATED_DRIFT_DPS`` + the rate it drifts at while the shin rests) × the
  rep's time, and is re-referenced where the rep closed.
- Return overshoot: after a rep on a two-sided channel (frontal tilt, axial rotation)
  the same channel cannot open the opposite way until it has settled (still within
  ``settle_band_deg`` for ``settle_s``); the rest level is then re-referenced to where it
  settled. The axial channel is an integrated rate: a bias error of a few tenths of a °/s
  (the orientation filter takes a slow rotation partly for bias) leaves the return 2–3°
  past the start after a slow 10 s rep — in the direction opposite to the rep, since the
  filter absorbed part of the rep's own rate. A physio's next rep starts from rest, so
  an overshoot on the way back is part of this rep, not the next. A swing straight
  through to the other side still opens once it is past ``SWING_FRAC`` of the last range,
  or once it settles beyond ``SETTLED_FRAC`` of it.
- Plateaus: stillness of ``settle_s`` (gyro quiet and every channel within
  ``settle_band_deg``) inside an excursion is remembered. If the
  shin then leaves that plateau further away from rest (a drive from a new
  stance such as half-kneeling: forwards, by a rep's minimum range), the plateau
  becomes the rest level and the excursion restarts from it: a change of stance
  is never a rep. A stance rested on for less than a plateau (a stop, ``STOP_S``)
  before a forward drive holds the drive's close from the old rest level back until
  the return either stops at that stance (the rep is driven from it: ``_held_step``)
  or passes it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import gt, le, sub
from typing import Any

import numpy as np

from dorsi.drills.excursion_state import (
    Channel,
    ExcursionState,
    HeldClose,
    KneeRegime,
    Overshoot,
    QuietRun,
    Sample,
    Segment,
    Stop,
    StopRun,
)
from dorsi.drills.params import CounterParams
from dorsi.drills.segment import (
    SMALL_CHUNK,
    Draft,
    DrillFrames,
    SegmenterBase,
    SegmenterContext,
    row_maker,
)

DRIFT_TAU_S = 5.0  # the rest level's time constant for a still but unsettled shin (orientation drift)
SWING_FRAC = 1.0  # two-sided channels: the opposite way before settling must pass this × the last range
RETURN_FRAC = 0.5  # still after coming back more than this × the range from the peak = the rep is over
SETTLED_FRAC = 0.5  # ... or settle beyond this × it (drift after a slow rep stays well under half its range)
# An integrated-rate channel (axial rotation) drifts by the orientation's residual gyro bias × time: up to
# ≈ 0.3 °/s about the shin's axis before the bias has converged (measured over non-rotation reps of the
# slow matrix, seeds 0–5: 0.31 °/s max, 2.8° over a 10 s drive). While another channel's rep is open,
# the integrated channel counts as back at rest within its start threshold plus this rate × the rep's time.
INTEGRATED_DRIFT_DPS = 0.3
# ... on top of the rate that channel is measured to drift at while the shin rests (a still shin does not
# turn about its own axis: a steady rate at rest is the residual bias). The orientation's bias about the
# long axis, near vertical when standing, is the one gravity does not see: on tuning seed 1068 (ankle matrix,
# velocity model, every profile) it stayed 0.6-1.0 deg/s for a minute, and the drift past an end-range
# plateau read as a new stance; the rest level stuck there for 18 s and 5 reps were lost. The mean over the
# last RATE_WINDOW_S of rest (a bias changes over minutes; a slow turn before a rotation rep opens moves the
# channel under its 2 deg start threshold, at most 0.2 deg/s over this window).
RATE_WINDOW_S = 10.0
# A stance revisited: a stop of STOP_S (gyro quiet, angles within settle_band_deg × STOP_S / settle_s of
# the stop's start: the plateau test's speed bound, 0.83 °/s, over a shorter time) that the shin leaves
# further from rest by a full rep and comes back to, still, within that rep's closing threshold. A person
# who steps into a lunge and drives at once rests 0.3–0.5 s between drives, under the plateau's 0.6 s; two
# stops at one level with a drive between them are that level's evidence instead of one long rest.
STOP_S = 0.25
AXIAL_MIN_START_DEG = 2.0  # the axial channel (an integrated rate, drifting) never opens a rep under this
PLAIN_MIN = 64  # the ankle matrix's plain rest (_rest_plain): first tried this many samples into a rest loop

_COLUMN = {"incl": "incl_deg", "frontal": "frontal_deg", "axial": "axial_deg"}  # Channel.name → DrillFrames
_REST = ("speed_dps", "frontal_deg", "incl_deg")  # the rest of a Sample, from DrillFrames
_SAMPLE = row_maker(Sample)
_STOP_RUN, _STOP = row_maker(StopRun), row_maker(Stop)  # (a rep's per-sample stop tracking: built in C)


def _apart(vals: tuple[float, ...] | list[float], first: list[float], band: float) -> bool:
    """Any channel more than ``band`` from ``first`` (``any`` over a generator as a loop: a rep's samples ask it
    once or twice each, ~1 µs less)."""
    for v, f in zip(vals, first, strict=True):  # noqa: SIM110 - a loop, not any() over a generator (its cost)
        if abs(v - f) > band:
            return True
    return False


class ExcursionSegmenter(SegmenterBase[Segment]):
    """Excursions from a rest level on one or more channels (module docstring); a Segmenter."""

    plain_rest = True  # the ankle matrix's plain rest in its own loop (_rest_plain; off: the whole loop)
    matrix_floats = True  # the ankle matrix reads a block's framer floats (off: its arrays' .tolist())

    def __init__(
        self,
        channels: list[Channel],
        params: CounterParams,
        base: list[float] | None = None,
        regimes: KneeRegime | None = None,
    ) -> None:
        self.channels = channels
        self.shared = params
        self.p = params.excursion
        self.regimes = regimes
        self._one_sided = [c.one_sided for c in channels]
        self._all_one_sided = all(self._one_sided)  # (no two-sided channel: _leaves_plateau reads no rest thresholds)
        self._ki = next((k for k, c in enumerate(channels) if c.integrated), -1)  # the integrated channel, or −1
        self._stop_band_deg = params.settle_band_deg * STOP_S / params.settle_s  # _revisit's (the same expression)
        self._layout: tuple[bool, list[str], bool, int] | None = None  # detect's: single, columns, matrix, ki
        nch = len(channels)
        start_thr = [c.min_start_deg for c in channels]
        self.state = ExcursionState(
            base=base,
            start_thr=start_thr,
            min_range=[c.min_range_deg for c in channels],
            thr_by={"": start_thr},
            anchor=[math.inf] * nch,
            anchor_t=[math.inf] * nch,
            run_sum=[0.0] * nch,
            run_n=[0] * nch,
            run_new=[False] * nch,
            peak=[0.0] * nch,
        )

    # -- the Segmenter protocol (process, in_rep: SegmenterBase)
    @property
    def rest_level_deg(self) -> float:
        base = self.state.base
        return math.nan if base is None else base[0]

    def live_hold_s(self, now_s: float) -> float:
        st = self.state
        return 0.0 if (not st.in_rep or math.isnan(st.hold_start_s)) else now_s - st.hold_start_s

    def judged(self, draft: Draft, partial: bool, typical_range: float) -> None:
        """A counted rep sets its channel's start threshold from the person's typical range (per knee
        regime); a closing hold (banded distraction's) says nothing of the reps' range."""
        if not partial and draft.kind != "hold":
            seg: Segment = draft.source
            self.adapt(seg.channel, typical_range, draft.set_key)

    def draft(self, seg: Segment) -> Draft:
        """The counter's form of a segment: the dominant channel's deviation, its peak the range."""
        name = self.channels[seg.channel].name
        dev = seg.dev(seg.channel) * seg.sign
        k = int(np.argmax(dev))
        incl = name == "incl"
        draft = Draft.of(seg, dev, float(dev[k]), self.shared.hold_band_deg, drift=incl, smooth_to_peak=incl)
        if self.regimes is not None:
            knee = self.regimes.rep_from(seg.base)
            if name == "frontal":
                draft.kind, draft.direction = "tilt", "tilt-left" if seg.sign > 0 else "tilt-right"
            elif name == "axial":
                draft.kind, draft.direction = "rotate", "rotate-left" if seg.sign > 0 else "rotate-right"
            else:
                draft.direction = "forward"
            draft.extra.update(direction=draft.direction, knee=knee)
            draft.set_key = knee
        if name == "frontal":
            draft.extra["peak_frontal_tilt_deg"] = float(seg.values[k, 1])
        elif name == "axial":
            draft.extra["peak_axial_rotation_deg"] = float(seg.sign * dev[k])
        return draft

    # -- thresholds adapted to the person's range (after each counted rep: judged())
    def adapt(self, ch: int, typical_range_deg: float, regime: str = "") -> None:
        c = self.channels[ch]
        thr = self.p.start_frac * typical_range_deg
        self._thresholds(regime)[ch] = float(np.clip(thr, c.min_start_deg, c.start_max_deg))

    def _thresholds(self, regime: str) -> list[float]:
        st = self.state
        if regime not in st.thr_by:
            st.thr_by[regime] = [c.min_start_deg for c in self.channels]
        return st.thr_by[regime]

    def _set_regime(self) -> None:
        """The regime of the rest level (its own start thresholds and minimum ranges)."""
        st = self.state
        if self.regimes is None or st.base is None:
            return
        r = self.regimes.of(st.base)
        if r != st.regime:
            st.regime = r
            st.start_thr = self._thresholds(r)
            st.min_range = self.regimes.min_range_by.get(r, [c.min_range_deg for c in self.channels])

    def _excess(self, devs: list[float]) -> list[float]:
        """How far each channel is beyond rest in its counted direction."""
        return [d if c.one_sided else abs(d) for d, c in zip(devs, self.channels, strict=True)]

    def detect(self, frames: DrillFrames, emit: Callable[[Segment], None]) -> None:
        """Feed samples; ``emit`` is called at the closing sample (before the next one is seen). The rest
        between reps (most samples of a session) runs in plain floats (``_rest_run``, or
        ``_rest_run_multi`` for several channels), the samples of a rep one by one (``_rep_step``)."""
        st = self.state
        layout = self._layout
        if layout is None:  # (the channels are fixed: their layout is read once, not per notification)
            layout = self._layout = (
                self._single,
                [_COLUMN[c.name] for c in self.channels],
                self._matrix_layout,
                self._ki,
            )
        single, names, matrix, ki = layout
        cols: tuple[Any, ...]
        if matrix:
            # the channels' columns (incl_deg and frontal_deg are also the rest of a Sample): the rest loop
            # reads them as columns, a rep's samples as rows made when needed (_Rows3)
            fm = frames.floats if self.matrix_floats else None  # a notification's: the framer's columns as floats
            if fm is not None:
                rest = [fm.speed_dps, fm.frontal_deg, fm.incl_deg]  # (_REST's)
                by_name = {"speed_dps": rest[0], "frontal_deg": rest[1], "incl_deg": rest[2], "axial_deg": fm.axial_deg}
                chans = [by_name[c] for c in names]
                # (the inclination last: _rest_plain sums it; its floats, the same values as the array's)
                cols = (fm.time_s, _Rows3(*chans), fm.quiet, *rest, *chans, fm.incl_deg)
            else:
                rest = [getattr(frames, c).tolist() for c in _REST]
                by_name = dict(zip(_REST, rest, strict=True))
                chans = [by_name[c] if c in by_name else getattr(frames, c).tolist() for c in names]
                # (the inclination's array last: _rest_plain sums it)
                cols = (frames.time_s.tolist(), _Rows3(*chans), frames.quiet.tolist(), *rest, *chans, frames.incl_deg)
            rest_multi = self._rest_run_matrix
        else:
            fl = frames.floats  # a notification's few samples: the framer's columns as floats
            if fl is not None:
                ts, qs, speed, frontal, incl = fl.time_s, fl.quiet, fl.speed_dps, fl.frontal_deg, fl.incl_deg
            else:
                ts, qs, speed = frames.time_s.tolist(), frames.quiet.tolist(), frames.speed_dps.tolist()
                frontal, incl = frames.frontal_deg.tolist(), frames.incl_deg.tolist()  # _REST's other two
            if single:
                vs = incl if names[0] == "incl_deg" else getattr(frames, names[0]).tolist()
            else:
                vs = list(frames.rows(*names))
            cols = (ts, vs, qs, speed, frontal, incl)
            rest_multi = self._rest_run_multi
        ts, vs, qs = cols[0], cols[1], cols[2]
        n = len(ts)
        gains = self._gains(frames, ts, st.last_t) if single and n else None
        i = 0
        while i < n:
            if st.base is not None and not st.in_rep:
                i = self._rest_run(cols, i, gains) if gains is not None else rest_multi(cols, i)
                continue
            ti, q = ts[i], qs[i]
            vals = (vs[i],) if single else vs[i]
            if ki >= 0 and st.in_rep:
                vals = self._unbiased(vals, ti, ki)
            row = _SAMPLE((ti, vals, cols[3][i], cols[4][i], cols[5][i]))
            st.last_t = ti
            i += 1
            if st.base is None:
                if q:
                    st.base = list(row.values)
                continue
            seg = self._rep_step(row, row.values, q)
            if ki >= 0 and not st.in_rep:
                # the rep is over: the rest level goes back to the integral's own frame
                st.base[ki] += st.rep_bias_deg
                st.rep_bias_deg = 0.0
            if seg is not None:
                emit(seg)

    def _unbiased(self, vals: tuple[float, ...], ti: float, ki: int) -> tuple[float, ...]:
        """An open rep's sample with the integrated channel's resting rate (its residual gyro bias, measured
        while the shin rested) taken out since the rep opened, as the rest level takes it out between reps:
        a 5 s rotation at 0.84 °/s of bias had come back 4° past its start (the rest level frozen at the
        open) and the return opened a rep the other way that never closed (tuning seed 1103, velocity)."""
        st = self.state
        last = st.last_t
        if last == last and ti > last:  # last == last: not nan
            st.rep_bias_deg += st.drift_dps * min(ti - last, 0.5)
        out = list(vals)
        out[ki] -= st.rep_bias_deg
        return tuple(out)

    @property
    def _single(self) -> bool:
        """One forward-only channel and no knee regimes (the knee drives): the rest has a faster path."""
        return len(self.channels) == 1 and self.channels[0].one_sided and self.regimes is None

    @property
    def _matrix_layout(self) -> bool:
        """The ankle matrix's channels: forward-only, two-sided, two-sided integrated (``_rest_run_matrix``)."""
        layout = [(c.one_sided, c.integrated) for c in self.channels]
        return layout == [(True, False), (False, False), (False, True)]

    def _gains(self, frames: DrillFrames, ts: list[float], last_t: float) -> tuple[list[float], list[float]]:
        """Per sample of a chunk, the rest level's filter gains dt / (τ + dt) for base_tau_s and DRIFT_TAU_S,
        dt the interval from the sample before (0 after a nan time, at most 0.5 s; every sample's, rep or
        rest: the last time is always the sample before's): on arrays for a chunk, on floats for a
        notification's few samples (the same operations, so the same bits as ``_rest_step``'s)."""
        tau = self.p.base_tau_s
        if len(ts) <= SMALL_CHUNK:
            g_tau, g_drift = [], []
            for ti in ts:  # (one loop: no interval list, no min() call; the same operations)
                dt = 0.0 if last_t != last_t else ti - last_t
                if dt > 0.5:  # min(dt, 0.5) (nan stays nan)
                    dt = 0.5
                g_tau.append(dt / (tau + dt))
                g_drift.append(dt / (DRIFT_TAU_S + dt))
                last_t = ti
            return g_tau, g_drift
        t = frames.time_s  # (read only here: a block of rows makes no time array)
        prev = np.concatenate(([last_t], t[:-1]))
        with np.errstate(invalid="ignore"):
            d = np.where(np.isnan(prev), 0.0, t - prev)
            d = np.where(d > 0.5, 0.5, d)
            return (d / (tau + d)).tolist(), (d / (DRIFT_TAU_S + d)).tolist()

    def _rest_run(self, cols: tuple[list[Any], ...], i: int, gains: tuple[list[float], list[float]]) -> int:
        """``_rest_step`` for one forward-only channel over samples i.. until a rep opens (returns the index
        after it) or the chunk ends: the same arithmetic in the same order on local floats (the filter
        gains computed for the chunk: ``_gains``), the run-up (``state.pre``) kept as a range of sample
        indices and made into rows only when needed."""
        st = self.state
        assert st.base is not None
        ts, vs, qs = cols[0], cols[1], cols[2]
        g_tau, g_drift = gains
        n = len(ts)
        sh = self.shared
        band_deg, settle_s = sh.settle_band_deg, sh.settle_s
        neg_band_deg = -band_deg
        band_frac = self.p.rest_band_frac
        thr = st.start_thr[0]
        quarter = 0.25 * thr
        rest_band = band_frac * thr
        b = st.base[0]
        anchor, anchor_t = st.anchor[0], st.anchor_t[0]
        run_sum, run_n, run_new = st.run_sum[0], st.run_n[0], st.run_new[0]
        ret = math.nan if st.returning is None else st.returning[0]
        # low: at or under it the sample ends a return, restarts the run-up and cannot open (thr ≥ 0: quarter)
        low = min(quarter, thr)
        # the run's length from indices: run_n = j − run_at + 1 at sample j
        run_at = i - run_n
        # the run-up: the rows before this run (carried), then samples pre_from..; cut back once j passes
        # 4000 − len(carried) + pre_from
        carried, pre_from = st.pre, i
        opened = -1
        nan = math.nan
        for j, ti, v, q, g, g_d in zip(range(i, n), ts[i:], vs[i:], qs[i:], g_tau[i:], g_drift[i:], strict=True):
            moved = v - anchor
            if moved > band_deg or moved < neg_band_deg:  # abs(v - anchor) > band_deg
                anchor, anchor_t = v, ti
                run_sum, run_at, run_new = 0.0, j, True
            run_sum += v
            if q:
                if ti - anchor_t >= settle_s:  # settled
                    if run_new:
                        run_new = False
                        mean = run_sum / (j - run_at + 1)
                        if mean < b - band_deg:
                            b = mean
                    b = b + g * (v - b)
                elif v - b <= rest_band:
                    b = b + g_d * (v - b)
            exc = v - b
            if exc <= low:  # (most of a rest)
                ret = nan
                if carried:
                    carried = []
                pre_from = j
                continue
            if ret == ret:  # not nan: returning
                if exc <= thr:
                    ret = nan
                elif exc < ret:
                    ret = exc  # a new low on the way back: the next rep would start here (and none opens)
                    if carried:
                        carried = []
                    pre_from = j
                    continue
            if exc <= quarter:
                if carried:
                    carried = []
                pre_from = j
            elif j >= 4000 - len(carried) + pre_from:  # len(carried) + j - pre_from + 1 > 4000
                carried, pre_from, _ = _cut_run_up(carried, pre_from, j)
            if exc > thr and (ret != ret or exc - ret > thr):
                opened = j
                break
        stop = n if opened < 0 else opened + 1
        st.base[0] = b
        st.anchor[0], st.anchor_t[0] = anchor, anchor_t
        st.run_sum[0], st.run_n[0], st.run_new[0] = run_sum, stop - run_at, run_new
        st.returning = None if ret != ret else [ret]
        st.last_t = ts[stop - 1]
        return self._rest_run_end(cols, carried, pre_from, stop, opened >= 0, single=True)

    def _rest_run_end(
        self, cols: tuple[Any, ...], carried: list[Sample], pre_from: int, stop: int, opened: bool, single: bool
    ) -> int:
        """The rest loops' common end: the run-up kept for the next rep, the rep opened if one did."""
        st = self.state
        st.pre = carried + self._rows(cols, pre_from, stop, single)
        if opened:
            st.overshoot = None
            st.returning = None
            self._open(st.pre)
        return stop

    @staticmethod
    def _rows(cols: tuple[Any, ...], a: int, b: int, single: bool = True) -> list[Sample]:
        ts, vs, sp, fr, inc = cols[0], cols[1], cols[3], cols[4], cols[5]
        if single:
            return [_SAMPLE((ts[k], (vs[k],), sp[k], fr[k], inc[k])) for k in range(a, b)]
        return [_SAMPLE((ts[k], vs[k], sp[k], fr[k], inc[k])) for k in range(a, b)]

    def _rest_run_multi(self, cols: tuple[Any, ...], i: int) -> int:
        """The rest between reps on several channels (the ankle matrix), samples i.. until a rep opens
        (returns the index after it) or the chunk ends, in plain floats; the run-up kept as in
        ``_rest_run``. Per sample:

        - a channel has settled when it stayed within settle_band_deg for settle_s;
        - while the shin is still, a one-sided channel that has just settled more than settle_band_deg
          BELOW its rest level is in a new stance (stood up after the bent-knee set): no rep starts
          backwards, so the rest level starts at the settled run's mean instead of following it with τ,
          whose memory is of the old stance (1.2 s after a stand-up it still lags by 30 % of the step, and
          the next slow drive loses that much range). Not forwards, nor on two-sided channels: there a
          settled run can be a pause in a drive slower than the settle test (0.5° in 0.6 s);
        - the integrated channel's rest level moves on at the rate measured while the shin rests (``drift``):
          a still shin does not turn about its own axis, so that steady rate is the orientation's residual
          bias. Without it a drift of 1.4 °/s before the bias was learnt opened a "rotation" at rest, which
          the first turning step closed as a forward drive within the drift allowance (tuning seed 1006,
          turning analysed as the ankle matrix);
        - the rest level follows a still shin, but not one slowly leaving it (a movement under the gyro's
          stillness threshold): beyond rest_band_frac of the start threshold it waits until settled, and
          within it, unsettled, it follows only slowly (DRIFT_TAU_S) — at τ = 0.5 s it would trail a
          1.5 °/s tilt by 0.75° and never let it reach the start threshold;
        - after a rep on a two-sided channel (``overshoot``): settled after the return, the channel is
          re-referenced (drift, not a movement) unless held far out the other way (a rep that swung
          through rest: it opens); past rest the other way and not settled, it opens only past
          SWING_FRAC of the last range;
        - a rep closes on the way back, at end_frac of its range, which can be beyond the start threshold:
          until every channel is back within its start threshold, a channel opens a rep only by rising a
          start threshold above its lowest point since the close (a drive again from a partial return),
          never on the rest of the return itself (a fast return opened a "rep" of its own tail, whose
          peak was its start: fresh seed 31, knee-to-wall)."""
        st = self.state
        assert st.base is not None
        ts, vs, qs = cols[0], cols[1], cols[2]
        n = len(ts)
        chans = range(len(self.channels))
        sided = [k for k in chans if self._one_sided[k]]
        two = [k for k in chans if not self._one_sided[k]]
        sh = self.shared
        band_deg, settle_s = sh.settle_band_deg, sh.settle_s
        tau, band_frac = self.p.base_tau_s, self.p.rest_band_frac
        regimes = self.regimes
        # the knee regime: bent where base[0] − offset ≥ split (fixed during a rest: KneeRegime moves it
        # only when a rep is judged)
        offset, split = regimes.split() if regimes is not None else (0.0, 0.0)
        base = list(st.base)
        anchor, anchor_t = st.anchor, st.anchor_t
        run_sum, run_n, run_new = st.run_sum, st.run_n, st.run_new
        ret = st.returning
        thr: list[float] = []
        quarter: list[float] = []
        rest_band: list[float] = []

        def thresholds() -> None:
            thr[:] = st.start_thr
            quarter[:] = [0.25 * x for x in thr]
            rest_band[:] = [band_frac * x for x in thr]

        def excess(vals: tuple[float, ...]) -> list[float]:
            exc = list(map(sub, vals, base))
            for k in two:
                exc[k] = abs(exc[k])
            return exc

        thresholds()
        # the integrated channel's rate at rest (the residual bias it drifts by)
        ki = next((k for k, c in enumerate(self.channels) if c.integrated), -1)
        drift, drift_w, drift_prev = st.drift_dps, st.drift_w_s, st.drift_prev
        # the run-up: the rows before this run (carried), then samples pre_from..; cut back once j passes limit
        carried, pre_from, limit = st.pre, i, 4000 - len(st.pre) + i
        last_t, opened = st.last_t, -1
        # per channel, one pass: its settle run, then (shin still) its rest level, then its excess over
        # that level; the channels are independent, so this is the same arithmetic in the same order as
        # channel by channel for each step (the excess is only needed before the update on a channel that
        # has not settled, and after it)
        per = [(k, k in sided, k == ki) for k in chans]
        neg_band = -band_deg
        over = st.overshoot  # (only this loop clears it)
        for j, ti, vals, q in zip(range(i, n), ts[i:], vs[i:], qs[i:], strict=True):
            prev_t, last_t = last_t, ti
            if ki >= 0:
                v = vals[ki]
                if q and drift_prev == drift_prev and ti > prev_t:  # drift_prev == drift_prev: not nan
                    span = ti - prev_t
                    dt = 0.5 if span > 0.5 else span  # min(span, 0.5)
                    w = drift_w + dt
                    drift_w = RATE_WINDOW_S if w > RATE_WINDOW_S else w
                    drift += dt / drift_w * ((v - drift_prev) / span - drift)
                drift_prev = v
            exc = []
            if q:
                if prev_t != prev_t:  # nan: the first sample
                    dt = 0.0
                else:
                    span = ti - prev_t
                    dt = 0.5 if span > 0.5 else span  # min(span, 0.5)
                a = dt / (tau + dt)
                a_slow = dt / (DRIFT_TAU_S + dt)
            for (k, one, integ), v in zip(per, vals, strict=True):
                moved = v - anchor[k]
                if moved > band_deg or moved < neg_band:  # abs(v - anchor) > band_deg
                    anchor[k], anchor_t[k] = v, ti
                    run_sum[k], run_n[k], run_new[k] = 0.0, 0, True
                run_sum[k] += v
                run_n[k] += 1
                b = base[k]
                if q:  # a still shin: the rest level moves
                    settled = ti - anchor_t[k] >= settle_s
                    b0 = b
                    if one and run_new[k] and settled:
                        run_new[k] = False
                        mean = run_sum[k] / run_n[k]
                        if mean < b - band_deg:
                            b = mean
                    if integ:
                        b += drift * dt  # a still shin's steady axial rate is bias (docstring)
                    if settled:
                        b = b + a * (v - b)
                    else:
                        d = v - b0  # the excess over the level before this sample's updates
                        if (d if one else abs(d)) <= rest_band[k]:
                            b = b + a_slow * (v - b)
                    base[k] = b
                d = v - b
                exc.append(d if one else abs(d))
            if q and regimes is not None and ("bent" if base[0] - offset >= split else "straight") != st.regime:
                st.base = base
                self._set_regime()
                thresholds()
            thr_open = thr
            if over is not None:
                k, sign, range_deg = over
                other_way = (vals[k] - base[k]) * sign < 0
                if q and ti - anchor_t[k] >= settle_s:
                    st.overshoot = over = None
                    if not (other_way and exc[k] > max(thr[k], SETTLED_FRAC * range_deg)):
                        base[k] = vals[k]
                        exc = excess(vals)
                elif other_way:
                    thr_open = list(thr)
                    thr_open[k] = max(thr_open[k], SWING_FRAC * range_deg)
            turned = False  # a new low on the way back: the next rep would start here
            if ret is not None:
                if all(map(le, exc, thr)):
                    ret = None
                else:
                    for k in chans:
                        if exc[k] < ret[k]:
                            ret[k], turned = exc[k], True
            if turned or all(map(le, exc, quarter)):
                if carried:
                    carried = []
                pre_from, limit = j, 4000 + j
            elif j >= limit:  # len(carried) + j - pre_from + 1 > 4000
                carried, pre_from, limit = _cut_run_up(carried, pre_from, j)
            if any(map(gt, exc, thr_open)) and (
                ret is None or any(exc[k] > thr_open[k] and exc[k] - ret[k] > thr[k] for k in chans)
            ):
                opened = j
                break
        stop = n if opened < 0 else opened + 1
        st.base = base
        st.returning = ret
        st.last_t = last_t
        st.drift_dps, st.drift_w_s, st.drift_prev = drift, drift_w, drift_prev
        return self._rest_run_end(cols, carried, pre_from, stop, opened >= 0, single=False)

    def _rest_run_matrix(self, cols: tuple[Any, ...], i: int) -> int:
        """``_rest_run_multi`` for the ankle matrix's channels (forward-only inclination, two-sided frontal
        tilt, two-sided integrated axial rotation: ``_matrix_layout``), unrolled on local floats: the same
        arithmetic in the same order, about three times faster (no per-channel lists, zips or maps per
        sample). A settle run's sum and count are only kept where they are read (the one-sided channel)."""
        st = self.state
        assert st.base is not None
        ts, qs, c0, c1, c2 = cols[0], cols[2], cols[6], cols[7], cols[8]  # (detect: the channels' columns)
        n = len(ts)
        sh = self.shared
        band, settle_s = sh.settle_band_deg, sh.settle_s
        neg_band = -band
        tau, band_frac = self.p.base_tau_s, self.p.rest_band_frac
        regimes = self.regimes
        offset, split = regimes.split() if regimes is not None else (0.0, 0.0)
        regime = st.regime
        b0, b1, b2 = st.base
        an0, an1, an2 = st.anchor
        at0, at1, at2 = st.anchor_t
        rs0, rn0, rw0 = st.run_sum[0], st.run_n[0], st.run_new[0]
        ret = st.returning
        has_ret = ret is not None
        r0, r1, r2 = ret if ret is not None else (0.0, 0.0, 0.0)
        t0, t1, t2 = st.start_thr
        q0, q1, q2 = 0.25 * t0, 0.25 * t1, 0.25 * t2
        rb0, rb1, rb2 = band_frac * t0, band_frac * t1, band_frac * t2
        drift, drift_w, drift_prev = st.drift_dps, st.drift_w_s, st.drift_prev
        carried, pre_from, limit = st.pre, i, 4000 - len(st.pre) + i
        last_t, opened = st.last_t, -1
        over = st.overshoot
        a = a_slow = dt = 0.0
        # plain rest (every channel within a quarter of its start threshold, nothing returning or overshooting)
        # goes on in _rest_plain from sample try_at on; this loop then runs in windows (short slices when it
        # resumes after the plain loop: that stops at an event)
        try_at = i + PLAIN_MIN if self.plain_rest and n - i > 2 * PLAIN_MIN else n
        j0, step = i, 2 * PLAIN_MIN
        while j0 < n:
            j1 = n if try_at >= n else min(n, j0 + step)
            step = min(2 * step, 4096)
            plain_at = -1
            for j, ti, v0, v1, v2, q in zip(
                range(j0, j1), ts[j0:j1], c0[j0:j1], c1[j0:j1], c2[j0:j1], qs[j0:j1], strict=True
            ):
                prev_t, last_t = last_t, ti
                if q:
                    if drift_prev == drift_prev and ti > prev_t:  # the axial rate at rest (drift_prev: not nan)
                        span = ti - prev_t
                        dt = 0.5 if span > 0.5 else span
                        w = drift_w + dt
                        drift_w = RATE_WINDOW_S if w > RATE_WINDOW_S else w
                        drift += dt / drift_w * ((v2 - drift_prev) / span - drift)
                    if prev_t != prev_t:  # nan: the first sample
                        dt = 0.0
                    else:
                        span = ti - prev_t
                        dt = 0.5 if span > 0.5 else span
                    a = dt / (tau + dt)
                    a_slow = dt / (DRIFT_TAU_S + dt)
                drift_prev = v2
                # channel 0: forward only, a settled run below the rest level is a new stance
                moved = v0 - an0
                if moved > band or moved < neg_band:
                    an0, at0 = v0, ti
                    rs0, rn0, rw0 = 0.0, 0, True
                rs0 += v0
                rn0 += 1
                # channel 1: two-sided
                moved = v1 - an1
                if moved > band or moved < neg_band:
                    an1, at1 = v1, ti
                # channel 2: two-sided, integrated
                moved = v2 - an2
                if moved > band or moved < neg_band:
                    an2, at2 = v2, ti
                if q:  # a still shin: the rest levels move
                    b = b0
                    if ti - at0 >= settle_s:
                        if rw0:
                            rw0 = False
                            mean = rs0 / rn0
                            if mean < b - band:
                                b = mean
                        b0 = b + a * (v0 - b)
                    elif v0 - b <= rb0:
                        b0 = b + a_slow * (v0 - b)
                    if ti - at1 >= settle_s:
                        b1 = b1 + a * (v1 - b1)
                    elif abs(v1 - b1) <= rb1:
                        b1 = b1 + a_slow * (v1 - b1)
                    b = b2 + drift * dt  # a still shin's steady axial rate is bias
                    if ti - at2 >= settle_s:
                        b2 = b + a * (v2 - b)
                    elif abs(v2 - b2) <= rb2:
                        b2 = b + a_slow * (v2 - b)
                    else:
                        b2 = b
                    if regimes is not None and ("bent" if b0 - offset >= split else "straight") != regime:
                        st.base = [b0, b1, b2]
                        self._set_regime()
                        regime = st.regime
                        t0, t1, t2 = st.start_thr
                        q0, q1, q2 = 0.25 * t0, 0.25 * t1, 0.25 * t2
                        rb0, rb1, rb2 = band_frac * t0, band_frac * t1, band_frac * t2
                e0 = v0 - b0
                e1 = abs(v1 - b1)
                e2 = abs(v2 - b2)
                o0, o1, o2 = t0, t1, t2  # the thresholds to open at
                if over is not None:
                    k, sign, range_deg = over
                    vals, base = (v0, v1, v2), [b0, b1, b2]
                    other_way = (vals[k] - base[k]) * sign < 0
                    exc_k = (e0, e1, e2)[k]
                    thr_k = (t0, t1, t2)[k]
                    if q and ti - (at0, at1, at2)[k] >= settle_s:
                        st.overshoot = over = None
                        if not (other_way and exc_k > max(thr_k, SETTLED_FRAC * range_deg)):
                            base[k] = vals[k]
                            b0, b1, b2 = base
                            e0 = v0 - b0
                            e1 = abs(v1 - b1)
                            e2 = abs(v2 - b2)
                    elif other_way:
                        swing = max(thr_k, SWING_FRAC * range_deg)
                        if k == 0:
                            o0 = swing
                        elif k == 1:
                            o1 = swing
                        else:
                            o2 = swing
                turned = False  # a new low on the way back: the next rep would start here
                if has_ret:
                    if e0 <= t0 and e1 <= t1 and e2 <= t2:
                        has_ret = False
                    else:
                        if e0 < r0:
                            r0, turned = e0, True
                        if e1 < r1:
                            r1, turned = e1, True
                        if e2 < r2:
                            r2, turned = e2, True
                if turned or (e0 <= q0 and e1 <= q1 and e2 <= q2):
                    if carried:
                        carried = []
                    pre_from, limit = j, 4000 + j
                    if (
                        j >= try_at  # (and the plain loop's preconditions: the rate's window full, no settle run
                        # to test for a new stance, every channel settled: then at every later sample)
                        and not has_ret
                        and over is None
                        and not rw0
                        and drift_w == RATE_WINDOW_S
                        and ti - at0 >= settle_s
                        and ti - at1 >= settle_s
                        and ti - at2 >= settle_s
                    ):
                        plain_at = j
                        break
                elif j >= limit:  # len(carried) + j - pre_from + 1 > 4000
                    carried, pre_from, limit = _cut_run_up(carried, pre_from, j)
                if (e0 > o0 or e1 > o1 or e2 > o2) and (
                    not has_ret
                    or (e0 > o0 and e0 - r0 > t0)
                    or (e1 > o1 and e1 - r1 > t1)
                    or (e2 > o2 and e2 - r2 > t2)
                ):
                    opened = j
                    break
            if opened >= 0:
                break
            if plain_at < 0:
                j0 = j1
                continue
            j0, step = plain_at + 1, 2 * PLAIN_MIN
            if j0 >= n or (regimes is not None and regime not in ("bent", "straight")):
                try_at = j0 + PLAIN_MIN
                continue
            knee = None if regimes is None else (regime == "bent", offset, split)
            e, (b0, b1, b2, drift, rs0) = self._rest_plain(
                cols, j0, (b0, b1, b2, drift, rs0), (an0, an1, an2), (q0, q1, q2), knee
            )
            if e == j0:
                try_at = j0 + PLAIN_MIN  # (an event at once: not plain rest for a while)
                continue
            rn0 += e - j0
            last_t, drift_prev = ts[e - 1], c2[e - 1]
            pre_from, limit = e - 1, 4000 + e - 1
            carried = []
            j0 = e
        stop = n if opened < 0 else opened + 1
        st.base = [b0, b1, b2]
        st.anchor[0], st.anchor[1], st.anchor[2] = an0, an1, an2
        st.anchor_t[0], st.anchor_t[1], st.anchor_t[2] = at0, at1, at2
        st.run_sum[0], st.run_n[0], st.run_new[0] = rs0, rn0, rw0
        if has_ret:
            assert ret is not None
            ret[0], ret[1], ret[2] = r0, r1, r2
            st.returning = ret
        else:
            st.returning = None
        st.last_t = last_t
        st.drift_dps, st.drift_w_s, st.drift_prev = drift, drift_w, drift_prev
        return self._rest_run_end(cols, carried, pre_from, stop, opened >= 0, single=False)

    def _rest_plain(
        self,
        cols: tuple[Any, ...],
        s: int,
        levels: tuple[float, float, float, float, float],
        anchor: tuple[float, float, float],
        quarter: tuple[float, float, float],
        knee: tuple[bool, float, float] | None,
    ) -> tuple[int, tuple[float, float, float, float, float]]:
        """Plain rest from sample s on, for ``_rest_run_matrix`` (its preconditions: every channel settled, the
        rate's window full, no settle run to test, nothing returning or overshooting): the loop's arithmetic
        on a still shin, in its order, without its other branches, up to the first sample at which anything
        else could happen (the shin moves, a time step over 0.5 s or not forward, a channel leaves its anchor's
        band, an excess passes its quarter, the knee regime changes; nan), which is left to the loop. The
        settle run's sum is carried in front of ``np.add.accumulate`` (the same bits as +=). Returns (that
        sample, (the rest levels, drift, the settle run's sum))."""
        ts, qs, c0, c1, c2 = cols[0], cols[2], cols[6], cols[7], cols[8]
        n = len(ts)
        b0, b1, b2, drift, run_sum = levels
        an0, an1, an2 = anchor
        q0, q1, q2 = quarter
        nq1, nq2 = -q1, -q2
        band = self.shared.settle_band_deg
        neg_band = -band
        tau = self.p.base_tau_s
        # the knee regime kept: bent where b0 − offset ≥ split (no regimes: always "bent", split −inf)
        bent, offset, split = knee if knee is not None else (True, 0.0, -math.inf)
        t_prev, prev2 = ts[s - 1], c2[s - 1]
        window_s = RATE_WINDOW_S  # (a local: read per sample)
        j, e, size = s, s, 2 * PLAIN_MIN  # (j: the sample the loop stopped at)
        while e < n:
            w, e = e, min(n, e + size)
            size = min(2 * size, 4096)
            for j, ti, v0, v1, v2, q in zip(range(w, e), ts[w:e], c0[w:e], c1[w:e], c2[w:e], qs[w:e], strict=True):  # noqa: B007
                dt = ti - t_prev
                if not (
                    q
                    and 0.0 < dt <= 0.5
                    and neg_band <= v0 - an0 <= band
                    and neg_band <= v1 - an1 <= band
                    and neg_band <= v2 - an2 <= band
                ):
                    break
                # the rate at rest (its window full: dt / RATE_WINDOW_S), then the settled levels
                d = drift + dt / window_s * ((v2 - prev2) / dt - drift)
                a = dt / (tau + dt)
                u0 = b0 + a * (v0 - b0)
                u1 = b1 + a * (v1 - b1)
                b = b2 + d * dt
                u2 = b + a * (v2 - b)
                if not (
                    v0 - u0 <= q0 and nq1 <= v1 - u1 <= q1 and nq2 <= v2 - u2 <= q2 and (u0 - offset >= split) is bent
                ):
                    break
                b0 = u0  # (one by one: no 6-tuple built and unpacked per sample)
                b1 = u1
                b2 = u2
                drift = d
                t_prev = ti
                prev2 = v2
            else:
                j = e
                continue
            break
        if j > s:
            run_sum = float(np.add.accumulate(np.concatenate(([run_sum], cols[9][s:j])))[-1])
        return j, (b0, b1, b2, drift, run_sum)

    def _open(self, rows: list[Sample]) -> None:
        st = self.state
        st.in_rep = True
        st.buf = list(rows)
        st.pre = []
        nch = len(self.channels)
        # settling is judged afresh after the rep (an anchor from before it would call the return settled)
        st.anchor = [math.inf] * nch
        st.anchor_t = [math.inf] * nch
        st.peak = [0.0] * nch
        for r in st.buf:
            self._track_peak(r)
        st.quiet = QuietRun()
        st.plateau = None
        st.left = None
        st.drift_prev = math.nan  # the rate at rest is measured again from the next rest on
        st.run = None
        st.stop = None
        st.stances = []
        st.held = None

    def _track_peak(self, row: Sample) -> list[float]:
        """The open rep's peaks and live hold with this sample; returns its excess beyond rest."""
        st = self.state
        nch = len(self.channels)
        base = st.base
        assert base is not None
        # the excess beyond rest per channel in one pass (the deviation, then abs on two-sided channels)
        exc = [v - b if one else abs(v - b) for v, b, one in zip(row.values, base, self._one_sided, strict=True)]
        for k in range(nch):
            if exc[k] > st.peak[k]:
                st.peak[k] = exc[k]
                if k == 0:
                    st.peak_s = row.t_s
        # live hold on channel 0 (the UI's hold ring)
        if exc[0] >= st.peak[0] - self.shared.hold_band_deg:
            if math.isnan(st.hold_start_s):
                st.hold_start_s = row.t_s
        else:
            st.hold_start_s = math.nan
        return exc

    def _rep_step(self, row: Sample, vals: tuple[float, ...], q: bool) -> Segment | None:
        st = self.state
        assert st.base is not None
        p = self.p
        nch = len(self.channels)
        st.buf.append(row)
        # the excess beyond rest (the rest level changes below only where this step returns)
        exc = self._track_peak(row)
        ti = row.t_s
        # stillness runs inside the excursion → plateau candidates
        qs = st.quiet
        # a slow movement is under the gyro's stillness threshold too (a 10 s tilt turns at 1–2 °/s):
        # a plateau also needs every channel to stay within settle_band_deg of where the run began
        if q and qs.n and _apart(vals, qs.first, self.shared.settle_band_deg):
            qs = st.quiet = QuietRun()
        if q:
            if qs.n == 0:
                qs.start_s, qs.sums, qs.first = ti, [0.0] * nch, list(vals)
            qs.n += 1
            qs.sums = [s + v for s, v in zip(qs.sums, vals, strict=True)]
            if ti - qs.start_s >= self.shared.settle_s:
                st.plateau = [s / qs.n for s in qs.sums]
                st.plateau_len = len(st.buf)
                st.plateau_s = 0.5 * (qs.start_s + ti)
                st.left = None  # settled again: a stance left earlier is judged from this one
        elif qs.n:  # (an empty run stays as it is: every field of one is set when a still sample starts it)
            st.quiet = QuietRun()
        if st.plateau is not None and st.plateau_len == len(st.buf):
            seg = self._settled_back(qs.start_s, ti)
            if seg is not None or not st.in_rep:
                return seg
        seg = self._revisit(q, vals, ti)
        if seg is not None or not st.in_rep:
            return seg
        # (from here until this step returns nothing the rest thresholds read changes: read them once)
        rest_thr = self._rest_thr(ti) if nch > 1 else []
        left = self._leaves_plateau(vals, rest_thr) if st.plateau is not None or st.left is not None else None
        if left is not None:
            # a new stance: the plateau becomes the rest level, the excursion restarts from it
            st.base, plateau_len = left
            self._set_regime()
            tail = st.buf[plateau_len - 1 :]
            self._open(tail)
            return None
        if nch == 1:  # (one channel: it dominates, and no other has to be back at rest)
            dom = 0
            closed = exc[0] < max(p.end_min_deg, p.end_frac * st.peak[0])
        else:
            dom = self._dominant()
            end_thr = max(p.end_min_deg, p.end_frac * st.peak[dom])
            closed = exc[dom] < end_thr and all(exc[k] < rest_thr[k] for k in range(nch) if k != dom)
        if st.held is not None:
            seg = self._held_step(vals, ti)
            if seg is not None or not st.in_rep:
                return seg
        elif closed:
            held = self._stance_left(dom, vals)
            if held is not None:
                st.held = held._replace(close_s=ti, low_deg=vals[0], low_s=ti)
                return None
            seg = self._close(dom, ti)
            # an integrated channel accepted within its drift allowance has only drifted: re-reference it
            # (else the next rest step would open a rep on that drift)
            st.base = [
                v if c.integrated and k != dom else b
                for k, (v, b, c) in enumerate(zip(vals, st.base, self.channels, strict=True))
            ]
            return seg
        if ti - st.buf[0].t_s > p.max_rep_s:
            st.in_rep = False
            st.base = list(vals)
            st.pre = [row]
        return None

    def _revisit(self, q: bool, vals: tuple[float, ...], ti: float) -> Segment | None:
        """Track short stops; a stop back at the last stop's level after a full rep beyond it (further
        from rest) makes that level the rest level (a new stance) and closes the rep driven from it."""
        st = self.state
        assert st.base is not None
        i = len(st.buf) - 1
        run = st.run
        if not q or (run is not None and _apart(vals, run.first, self._stop_band_deg)):
            run = None
        if q:
            run = _STOP_RUN((i, list(vals), [0.0] * len(vals), 0)) if run is None else run
            run = _STOP_RUN((run.start, run.first, [a + v for a, v in zip(run.sums, vals, strict=True)], run.n + 1))
        st.run = run
        if run is None or ti - st.buf[run.start].t_s < STOP_S:
            return None
        mean = [a / run.n for a in run.sums]
        prev = st.stop
        st.stop = _STOP((mean, i))
        if self.channels[0].one_sided and mean[0] - st.base[0] > st.start_thr[0]:
            if prev is not None and prev.last >= run.start and st.stances and st.stances[-1].last == prev.last:
                st.stances[-1] = st.stop  # the same stop going on
            else:
                st.stances.append(st.stop)
        if prev is None or prev.last >= run.start:  # the same stop going on, or none before it
            return None
        level, last = prev
        # the level must be displaced from rest like a plateau that becomes a new stance
        rest_thr = self._rest_thr(ti)
        if not any(
            (level[k] - st.base[k] > st.start_thr[k]) if c.one_sided else abs(level[k] - st.base[k]) > rest_thr[k]
            for k, c in enumerate(self.channels)
        ):
            return None
        tail = st.buf[last : run.start + 1]
        seg_vals = np.asarray([r.values for r in tail]) - np.asarray(level)
        peak = [
            float(seg_vals[:, k].max()) if c.one_sided else float(np.abs(seg_vals[:, k]).max())
            for k, c in enumerate(self.channels)
        ]
        dom = self._dominant(peak)
        if peak[dom] < st.min_range[dom]:
            return None
        back = [abs(m - lv) for m, lv in zip(mean, level, strict=True)]
        if back[dom] >= max(self.p.end_min_deg, self.p.end_frac * peak[dom]):
            return None
        if any(back[k] >= rest_thr[k] for k in range(len(self.channels)) if k != dom):
            return None
        st.base = list(level)
        self._set_regime()
        st.buf = tail
        st.peak = [0.0] * len(self.channels)
        for r in tail:
            self._track_peak(r)
        seg = self._close(dom, ti, end_s=tail[-1].t_s)
        st.base = mean  # the rest level is where the shin stands now
        self._set_regime()
        return seg

    def _stance_left(self, dom: int, vals: tuple[float, ...]) -> HeldClose | None:
        """At a forward rep's close from the old rest level: the last stance stop before the drive's peak,
        if the drive from it spans a rep's minimum range (that stance's knee regime) and the return has not
        yet come down to it. A person bends into a stance (the matrix's bent knee, a lunge) and drives from
        it at once: the bend is slow (under the gyro's stillness threshold on the velocity model) and the
        stance rests under a plateau's 0.6 s, so the bend and the drive were one "rep" from standing
        (27.7° on tuning seed 1201, velocity, filed as straight-leg) that closed 0.25 × its range above
        standing, before the shin came back to the stance it had left."""
        st = self.state
        assert st.base is not None
        if dom != 0 or not self.channels[0].one_sided or not st.stances:
            return None
        fwd = [r.values[0] for r in st.buf]
        k = int(np.argmax(fwd))
        # the last stop before the peak that the drive left by a rep's minimum range (end-range stops of
        # a hold that creeps on are not where the drive started)
        stance = next(
            (s for s in reversed(st.stances) if s.last < k and fwd[k] - s.level[0] >= self._min_range_at(s.level)),
            None,
        )
        if stance is None or vals[0] <= stance.level[0]:
            return None
        return HeldClose(stance, fwd[k], math.nan, math.nan, math.nan)

    def _min_range_at(self, level: list[float]) -> float:
        """The forward channel's minimum range for a rep driven from this level (its knee regime's)."""
        if self.regimes is None:
            return self.state.min_range[0]
        return self.regimes.min_range_by.get(self.regimes.of(level), [c.min_range_deg for c in self.channels])[0]

    def _held_step(self, vals: tuple[float, ...], ti: float) -> Segment | None:
        """A close held back at a stance the drive left (``_stance_left``): the shin passes the stance on
        its way down (halfway to the old rest level) → the rep from rest, ending where it first closed; it
        stops at the stance (STOP_S, within the closing threshold of a rep from there) → a rep from the
        stance, which is the rest level now (a change of stance is a setup, not a rep); it drives again
        from near the stance (a start threshold up from its lowest point) → the rep from the stance ends
        at that lowest point and the next one opens there."""
        st = self.state
        h = st.held
        assert st.base is not None and h is not None
        level = h.stance.level
        if vals[0] < h.low_deg:
            h = st.held = h._replace(low_deg=vals[0], low_s=ti)
        if vals[0] < 0.5 * (level[0] + st.base[0]):
            st.held = None
            dom = self._dominant()
            seg = self._close(dom, ti, end_s=h.close_s)
            # as a close from rest: an integrated channel accepted within its drift allowance is re-referenced
            st.base = [
                v if c.integrated and k != dom else b
                for k, (v, b, c) in enumerate(zip(vals, st.base, self.channels, strict=True))
            ]
            return seg
        end_thr = max(self.p.end_min_deg, self.p.end_frac * (h.peak_deg - level[0]))
        run = st.run
        if run is not None and ti - st.buf[run.start].t_s >= STOP_S:
            mean = [a / run.n for a in run.sums]
            if abs(mean[0] - level[0]) < end_thr:
                seg = self._close_from_stance(h, ti, st.buf[run.start].t_s)
                st.base = mean  # the rest level is where the shin stands now
                self._set_regime()
                return seg
        if vals[0] - h.low_deg > st.start_thr[0] and h.low_deg - level[0] < end_thr:
            again = [r for r in st.buf if r.t_s >= h.low_s]
            seg = self._close_from_stance(h, ti, h.low_s)
            self._open(again)
            return seg
        return None

    def _close_from_stance(self, h: HeldClose, ti: float, end_s: float) -> Segment | None:
        """Close the held rep as driven from its stance: that stance is its rest level."""
        st = self.state
        st.held = None
        st.base = list(h.stance.level)
        self._set_regime()
        tail = st.buf[h.stance.last :]
        st.buf = tail
        st.peak = [0.0] * len(self.channels)
        for r in tail:
            self._track_peak(r)
        seg = self._close(self._dominant(), ti, end_s=end_s)
        st.base = list(h.stance.level)
        self._set_regime()
        return seg

    def _rest_thr(self, ti: float) -> list[float]:
        """Per channel, how far from the rest level it may be and still count as back at rest while a
        rep is open: the start threshold, plus for an integrated channel the drift since the rep began."""
        st = self.state
        thr = list(st.start_thr)
        ki = self._ki
        if ki >= 0:
            elapsed_s = max(0.0, ti - st.buf[0].t_s) if st.buf else 0.0
            thr[ki] = thr[ki] + (INTEGRATED_DRIFT_DPS + abs(st.drift_dps)) * elapsed_s  # (_drift_dps)
        return thr

    def _drift_dps(self) -> float:
        """How fast an integrated channel may drift: the rate measured at rest plus the bias's uncertainty."""
        return INTEGRATED_DRIFT_DPS + abs(self.state.drift_dps)

    def _dominant(self, peak: list[float] | None = None) -> int:
        """The channel whose peak (the open rep's unless given) is largest relative to its minimum range."""
        st = self.state
        pk = st.peak if peak is None else peak
        # (max(range, key=...) as a loop: the first largest)
        best_k, best = 0, pk[0] / max(st.min_range[0], 1e-6)
        for k in range(1, len(pk)):
            r = pk[k] / max(st.min_range[k], 1e-6)
            if r > best:
                best_k, best = k, r
        return best_k

    def _settled_back(self, still_s: float, ti: float) -> Segment | None:
        """Still for settle_s after coming back more than RETURN_FRAC of the way: the rep is over and
        the rest level is where the shin settled. The angles can come back off by 2° after a slow rep
        (the orientation filter's error, largest on frontal tilt and axial rotation), which the
        closing threshold (a quarter of the range) would wait for forever."""
        st = self.state
        assert st.base is not None and st.plateau is not None
        dom = 0 if len(self.channels) == 1 else self._dominant()  # (one channel: it dominates)
        pexc = self._excess([v - b for v, b in zip(st.plateau, st.base, strict=True)])
        if st.peak[dom] < st.min_range[dom] or pexc[dom] >= RETURN_FRAC * st.peak[dom]:
            return None
        rest_thr = self._rest_thr(ti)
        if any(pexc[k] >= rest_thr[k] for k in range(len(self.channels)) if k != dom):
            return None
        plateau = st.plateau
        seg = self._close(dom, ti, end_s=still_s)
        st.base = list(plateau)
        self._set_regime()
        return seg

    def _leaves_plateau(self, vals: tuple[float, ...], rest_thr: list[float]) -> tuple[list[float], int] | None:
        """The plateau (values, buffer length) the shin has left for a new stance, or None.

        A forward channel leaves a displaced plateau for a new stance only by a drive, and a drive is a rep:
        it must span the rep's minimum range beyond the plateau. Less is a hold's own creep (an end range
        pushed a little further, 1.5° within one hold of the velocity model) plus the sensor's noise on one
        sample: with the start threshold alone (1.5° before the first rep has adapted it) a noisy sensor
        took the first rep's end-range hold for a stance, and the rep was never counted (tuning seeds 1002
        banded mobilization, 1004 wall test half-kneeling, velocity model, every noisy profile). The plateau
        left by the start threshold is kept (``state.left``) until the shin comes back under it or settles
        again (a new plateau, from which the stance is then judged). ``rest_thr``: ``_rest_thr`` at this
        sample (st.last_t), read only with a two-sided channel."""
        st = self.state
        assert st.base is not None
        if st.left is not None:
            plateau, plateau_len = st.left
            k0 = next(k for k, c in enumerate(self.channels) if c.one_sided)
            if vals[k0] - plateau[k0] >= st.min_range[k0]:
                return list(plateau), plateau_len
            if vals[k0] < plateau[k0]:
                st.left = None  # back under it: the hold's creep is over, the rep goes on from the old rest
        if st.plateau is None:
            return None
        if self._all_one_sided:  # (no two-sided channel: no rest thresholds read)
            displaced = False
        else:
            displaced = any(
                abs(st.plateau[j] - st.base[j]) > rest_thr[j] for j, cj in enumerate(self.channels) if not cj.one_sided
            )
        for k, c in enumerate(self.channels):
            from_plateau = vals[k] - st.plateau[k]
            plat_dev = st.plateau[k] - st.base[k]
            dev = vals[k] - st.base[k]
            if c.one_sided:
                # a drive from a displaced plateau: a new stance (this channel raised), or the foot
                # set down elsewhere (a reposition turns the shin: only the other channels moved)
                if st.left is None and from_plateau > st.start_thr[k] and (plat_dev > st.start_thr[k] or displaced):
                    st.left = (list(st.plateau), st.plateau_len)
                    if from_plateau >= st.min_range[k]:
                        return st.left
            elif (
                # an integrated channel drifts on from the plateau's mean (the middle of its still run)
                abs(from_plateau)
                > st.start_thr[k] + (self._drift_dps() * (st.last_t - st.plateau_s) if c.integrated else 0.0)
                and abs(dev) > abs(plat_dev) + 0.5 * st.start_thr[k]
                # further from rest than the plateau: only counts if the plateau itself was displaced
                and any(st.plateau[j] - st.base[j] > rest_thr[j] for j in range(len(self.channels)))
            ):
                return list(st.plateau), st.plateau_len
        return None

    def _close(self, dom: int, ti: float, end_s: float | None = None) -> Segment | None:
        st = self.state
        assert st.base is not None
        st.in_rep = False
        buf = np.asarray([(r.t_s, *r.values, r.speed_dps, r.frontal_deg, r.incl_deg) for r in st.buf])
        st.buf = []
        st.pre = []
        st.returning = [math.inf] * len(self.channels)
        st.hold_start_s = math.nan
        nch = len(self.channels)
        c = self.channels[dom]
        d = buf[:, 1 + dom] - st.base[dom]
        sign = 1.0 if c.one_sided or abs(d.max()) >= abs(d.min()) else -1.0
        st.overshoot = None if c.one_sided else Overshoot(dom, sign, st.peak[dom])
        if st.peak[dom] < st.min_range[dom] or ti - buf[0, 0] < self.p.min_duration_s:
            return None
        return Segment(
            channel=dom,
            sign=sign,
            start_s=float(buf[0, 0]),
            end_s=ti if end_s is None else end_s,
            emitted_s=ti,
            base=list(st.base),
            time_s=buf[:, 0],
            values=buf[:, 1 : 1 + nch],
            speed_dps=buf[:, 1 + nch],
            frontal_deg=buf[:, 2 + nch],
            incl_deg=buf[:, 3 + nch],
        )


class _Rows3:
    """Three column lists indexed as rows of tuples, each made when read: the ankle matrix's rest loop reads
    the columns, and only a rep's samples (a few per cent of a session) need rows."""

    __slots__ = ("c0", "c1", "c2")

    def __init__(self, c0: list[float], c1: list[float], c2: list[float]) -> None:
        self.c0, self.c1, self.c2 = c0, c1, c2

    def __getitem__(self, k: int) -> tuple[float, float, float]:
        return (self.c0[k], self.c1[k], self.c2[k])


def _cut_run_up(carried: list[Sample], pre_from: int, j: int) -> tuple[list[Sample], int, int]:
    """The run-up (``carried`` rows, then samples pre_from..j) over 4000 samples: its last 2000 kept.
    Returns (carried, pre_from, the j beyond which it is cut back next)."""
    keep = 2000 - (j - pre_from + 1)
    if keep <= 0:
        carried, pre_from = [], j - 1999
    else:
        carried = carried[-keep:]
    return carried, pre_from, 4000 - len(carried) + pre_from


def drives(ctx: SegmenterContext) -> ExcursionSegmenter:
    """Signal "inclination": forward knee drives from a rest level."""
    d, p = ctx.drill, ctx.params
    return ExcursionSegmenter([Channel("incl", d.start_deg, p.excursion.min_start_deg, d.min_range_deg, True)], p)


def matrix(ctx: SegmenterContext) -> ExcursionSegmenter:
    """Signal "matrix" (the ankle matrix): forward drives, tilts and axial rotations, each from a
    bent knee or a straight leg (KneeRegime)."""
    d, p = ctx.drill, ctx.params
    lo = p.excursion.min_start_deg
    channels = [
        Channel("incl", d.start_deg, lo, d.min_range_deg, True),
        Channel("frontal", d.start_deg, lo, d.min_tilt_deg, False),
        Channel("axial", d.start_deg, max(AXIAL_MIN_START_DEG, lo), d.min_rotation_deg, False, True),
    ]
    regimes = KneeRegime(ctx.standing_deg, {"straight": [d.min_straight_deg, d.min_tilt_deg, d.min_rotation_deg]})
    return ExcursionSegmenter(channels, p, regimes=regimes)
