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
  off by ``INTEGRATED_DRIFT_DPS`` × the rep's time, and is re-referenced where the
  rep closed.
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
  stance such as half-kneeling), the plateau becomes the rest level and the
  excursion restarts from it: a change of stance is never a rep.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dorsi.drills.types import CounterParams
from dorsi.motion.types import F64

DRIFT_TAU_S = 5.0  # the rest level's time constant for a still but unsettled shin (orientation drift)
SWING_FRAC = 1.0  # two-sided channels: the opposite way before settling must pass this × the last range
RETURN_FRAC = 0.5  # still after coming back more than this × the range from the peak = the rep is over
SETTLED_FRAC = 0.5  # ... or settle beyond this × it (drift after a slow rep stays well under half its range)
# An integrated-rate channel (axial rotation) drifts by the orientation's residual gyro bias × time: up to
# ≈ 0.3 °/s about the shin's axis before the bias has converged (measured over non-rotation reps of the
# slow matrix, seeds 0–5: 0.31 °/s max, 2.8° over a 10 s drive). While another channel's rep is open,
# the integrated channel counts as back at rest within its start threshold plus this rate × the rep's time.
INTEGRATED_DRIFT_DPS = 0.3
# A stance revisited: a stop of STOP_S (gyro quiet, angles within settle_band_deg × STOP_S / settle_s of
# the stop's start: the plateau test's speed bound, 0.83 °/s, over a shorter time) that the shin leaves
# further from rest by a full rep and comes back to, still, within that rep's closing threshold. A person
# who steps into a lunge and drives at once rests 0.3–0.5 s between drives, under the plateau's 0.6 s; two
# stops at one level with a drive between them are that level's evidence instead of one long rest.
STOP_S = 0.25


@dataclass(frozen=True)
class Channel:
    name: str  # "incl", "frontal", "axial"
    start_max_deg: float  # start threshold once the person's range is known (upper clamp)
    min_start_deg: float  # start threshold before any rep (lower clamp)
    min_range_deg: float  # excursions smaller than this are ignored
    one_sided: bool  # inclination: only forward excursions count
    integrated: bool = False  # an integral of the gyro rate (axial rotation): its error grows with time


@dataclass
class Segment:
    """A closed excursion with its samples (the counter turns it into a Rep)."""

    channel: int  # dominant channel
    sign: float  # +1 / −1 direction of the dominant channel's excursion
    start_s: float
    end_s: float
    emitted_s: float
    base: list[float]
    time_s: F64
    values: F64  # (n, channels)
    speed_dps: F64
    frontal_deg: F64
    incl_deg: F64

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def dev(self, ch: int) -> F64:
        return self.values[:, ch] - self.base[ch]


@dataclass
class _Quiet:
    n: int = 0
    start_s: float = math.nan
    sums: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)  # the run's first values


class ExcursionSegmenter:
    def __init__(self, channels: list[Channel], params: CounterParams, base: list[float] | None = None) -> None:
        self.channels = channels
        self.p = params
        self.base: list[float] | None = base
        self.start_thr = [c.min_start_deg for c in channels]
        # regimes (the ankle matrix: bent knee / straight leg): each has its own start thresholds
        # and minimum ranges, chosen from the rest level while resting
        self.regime_of: Callable[[list[float]], str] | None = None
        self.min_range_by: dict[str, list[float]] = {}
        self._regime = ""
        self._thr_by: dict[str, list[float]] = {"": self.start_thr}
        self.min_range = [c.min_range_deg for c in channels]
        self._anchor = [math.inf] * len(channels)  # per channel: value and time it last moved away
        self._anchor_t = [math.inf] * len(channels)
        self._run_sum = [0.0] * len(channels)  # per channel: sum and count of the values since the anchor
        self._run_n = [0] * len(channels)
        self._run_new = [False] * len(channels)  # that run has not yet been checked for a new stance
        self.in_rep = False
        self._buf: list[tuple[float, ...]] = []  # (t, *values, speed, frontal, incl) since the rep start
        self._pre: list[tuple[float, ...]] = []
        # after a close, still beyond a start threshold: each channel's lowest excess since (see _rest_step)
        self._returning: list[float] | None = None
        self._peak = [0.0] * len(channels)
        self._quiet = _Quiet()
        self._plateau: list[float] | None = None
        self._plateau_len = 0  # buffer length when the plateau's still run ended
        # short stops inside an excursion: the current run (start index in _buf, first values, sums, n)
        # and the last stop that lasted STOP_S (mean values, index of its last sample in _buf)
        self._run: tuple[int, list[float], list[float], int] | None = None
        self._stop: tuple[list[float], int] | None = None
        self._last_t = math.nan
        # after a rep on a two-sided channel: (channel, sign, range) until that channel settles
        self._overshoot: tuple[int, float, float] | None = None
        # live hold (inclination or the dominant channel's peak band)
        self.peak_s = math.nan
        self.hold_start_s = math.nan

    # -- thresholds adapted to the person's range (set by the counter after each rep)
    def adapt(self, ch: int, typical_range_deg: float, regime: str = "") -> None:
        c = self.channels[ch]
        thr = self.p.start_frac * typical_range_deg
        self._thresholds(regime)[ch] = float(np.clip(thr, c.min_start_deg, c.start_max_deg))

    def _thresholds(self, regime: str) -> list[float]:
        if regime not in self._thr_by:
            self._thr_by[regime] = [c.min_start_deg for c in self.channels]
        return self._thr_by[regime]

    def _set_regime(self) -> None:
        if self.regime_of is None or self.base is None:
            return
        r = self.regime_of(self.base)
        if r != self._regime:
            self._regime = r
            self.start_thr = self._thresholds(r)
            self.min_range = self.min_range_by.get(r, [c.min_range_deg for c in self.channels])

    def _devs(self, vals: tuple[float, ...]) -> list[float]:
        assert self.base is not None
        return [v - b for v, b in zip(vals, self.base, strict=True)]

    def _excess(self, devs: list[float]) -> list[float]:
        """How far each channel is beyond rest in its counted direction."""
        return [d if c.one_sided else abs(d) for d, c in zip(devs, self.channels, strict=True)]

    def process(
        self,
        t: F64,
        values: F64,
        speed: F64,
        quiet: np.ndarray,
        frontal: F64,
        incl: F64,
        emit: Callable[[Segment], None],
    ) -> None:
        """Feed samples; ``emit`` is called at the closing sample (before the next one is seen)."""
        rows = np.column_stack([t, values, speed, frontal, incl]).tolist()
        quiet_l = quiet.tolist()
        nch = len(self.channels)
        for row, q in zip(rows, quiet_l, strict=True):
            ti = row[0]
            vals = tuple(row[1 : 1 + nch])
            dt = 0.0 if math.isnan(self._last_t) else min(ti - self._last_t, 0.5)
            self._last_t = ti
            if self.base is None:
                if q:
                    self.base = list(vals)
                continue
            if not self.in_rep:
                self._rest_step(row, vals, q, dt)
            else:
                seg = self._rep_step(row, vals, q)
                if seg is not None:
                    emit(seg)

    def _rest_step(self, row: list[float], vals: tuple[float, ...], q: bool, dt: float) -> None:
        assert self.base is not None
        exc = self._excess(self._devs(vals))
        # a channel has settled when it stayed within settle_band_deg for settle_s
        ti = row[0]
        for k, v in enumerate(vals):
            if abs(v - self._anchor[k]) > self.p.settle_band_deg:
                self._anchor[k], self._anchor_t[k] = v, ti
                self._run_sum[k], self._run_n[k], self._run_new[k] = 0.0, 0, True
            self._run_sum[k] += v
            self._run_n[k] += 1
        if q:
            # a one-sided channel that has just settled more than settle_band_deg BELOW its rest level is
            # in a new stance (stood up after the bent-knee set): no rep starts backwards, so the rest level
            # starts at the settled run's mean instead of following it with τ, whose memory is of the old
            # stance (1.2 s after a stand-up it still lags by 30 % of the step, and the next slow drive
            # loses that much range). Not forwards, nor on two-sided channels: there a settled run can be
            # a pause in a drive slower than the settle test (0.5° in 0.6 s), and jumping there eats it.
            for k, c in enumerate(self.channels):
                if c.one_sided and self._run_new[k] and ti - self._anchor_t[k] >= self.p.settle_s:
                    self._run_new[k] = False
                    mean = self._run_sum[k] / self._run_n[k]
                    if mean < self.base[k] - self.p.settle_band_deg:
                        self.base[k] = mean
            # the rest level follows a still shin, but not one slowly leaving it (a movement under
            # the gyro's stillness threshold): beyond half the start threshold it waits until settled,
            # and within it, unsettled, it follows only slowly (DRIFT_TAU_S) — at τ = 0.5 s it would
            # trail a 1.5 °/s tilt by 0.75° and never let it reach the start threshold
            a = dt / (self.p.base_tau_s + dt)
            a_slow = dt / (DRIFT_TAU_S + dt)
            band = self.p.rest_band_frac
            self.base = [
                b + a * (v - b) if ti - at >= self.p.settle_s else b + a_slow * (v - b) if e <= band * thr else b
                for b, v, e, thr, at in zip(self.base, vals, exc, self.start_thr, self._anchor_t, strict=True)
            ]
            self._set_regime()
            exc = self._excess(self._devs(vals))
        thr_open = self.start_thr
        if self._overshoot is not None:
            k, sign, range_deg = self._overshoot
            other_way = (vals[k] - self.base[k]) * sign < 0
            if q and ti - self._anchor_t[k] >= self.p.settle_s:
                self._overshoot = None
                if not (other_way and exc[k] > max(self.start_thr[k], SETTLED_FRAC * range_deg)):
                    self.base[k] = vals[k]  # settled after the return: re-reference (drift, not a movement)
                    exc = self._excess(self._devs(vals))
                # else: held far out the other way — a rep that swung through rest; it opens below
            elif other_way:  # past rest the other way, not settled yet
                thr_open = list(self.start_thr)
                thr_open[k] = max(thr_open[k], SWING_FRAC * range_deg)
        # A rep closes on the way back, at end_frac of its range, which can be beyond the start threshold:
        # until every channel is back within its start threshold, a channel opens a rep only by rising a
        # start threshold above its lowest point since the close (a drive again from a partial return),
        # never on the rest of the return itself (a fast return opened a "rep" of its own tail, whose
        # peak was its start: fresh seed 31, knee-to-wall).
        ret = self._returning
        if ret is not None and all(e <= thr for e, thr in zip(exc, self.start_thr, strict=True)):
            ret = self._returning = None
        turned = False  # a new low on the way back: the next rep would start here
        if ret is not None:
            for k, e in enumerate(exc):
                if e < ret[k]:
                    ret[k], turned = e, True
        if turned or all(e <= 0.25 * thr for e, thr in zip(exc, self.start_thr, strict=True)):
            self._pre = [tuple(row)]
        else:
            self._pre.append(tuple(row))
            if len(self._pre) > 4000:
                self._pre = self._pre[-2000:]
        if any(
            e > thr and (ret is None or e - ret[k] > st)
            for k, (e, thr, st) in enumerate(zip(exc, thr_open, self.start_thr, strict=True))
        ):
            self._overshoot = None
            self._returning = None
            self._open(self._pre)

    def _open(self, rows: list[tuple[float, ...]]) -> None:
        self.in_rep = True
        self._buf = list(rows)
        self._pre = []
        nch = len(self.channels)
        # settling is judged afresh after the rep (an anchor from before it would call the return settled)
        self._anchor = [math.inf] * nch
        self._anchor_t = [math.inf] * nch
        self._peak = [0.0] * nch
        for r in self._buf:
            self._track_peak(r)
        self._quiet = _Quiet()
        self._plateau = None
        self._run = None
        self._stop = None

    def _track_peak(self, row: tuple[float, ...]) -> None:
        nch = len(self.channels)
        exc = self._excess(self._devs(row[1 : 1 + nch]))
        for k in range(nch):
            if exc[k] > self._peak[k]:
                self._peak[k] = exc[k]
                if k == 0:
                    self.peak_s = row[0]
        # live hold on channel 0 (the UI's hold ring)
        if exc[0] >= self._peak[0] - self.p.hold_band_deg:
            if math.isnan(self.hold_start_s):
                self.hold_start_s = row[0]
        else:
            self.hold_start_s = math.nan

    def _rep_step(self, row: list[float], vals: tuple[float, ...], q: bool) -> Segment | None:
        assert self.base is not None
        p = self.p
        nch = len(self.channels)
        self._buf.append(tuple(row))
        self._track_peak(tuple(row))
        ti = row[0]
        # stillness runs inside the excursion → plateau candidates
        qs = self._quiet
        # a slow movement is under the gyro's stillness threshold too (a 10 s tilt turns at 1–2 °/s):
        # a plateau also needs every channel to stay within settle_band_deg of where the run began
        if q and qs.n and any(abs(v - f) > p.settle_band_deg for v, f in zip(vals, qs.first, strict=True)):
            qs = self._quiet = _Quiet()
        if q:
            if qs.n == 0:
                qs.start_s, qs.sums, qs.first = ti, [0.0] * nch, list(vals)
            qs.n += 1
            qs.sums = [s + v for s, v in zip(qs.sums, vals, strict=True)]
            if ti - qs.start_s >= p.settle_s:
                self._plateau = [s / qs.n for s in qs.sums]
                self._plateau_len = len(self._buf)
        else:
            self._quiet = _Quiet()
        if self._plateau is not None and self._plateau_len == len(self._buf):
            seg = self._settled_back(qs.start_s, ti)
            if seg is not None or not self.in_rep:
                return seg
        seg = self._revisit(q, vals, ti)
        if seg is not None or not self.in_rep:
            return seg
        if self._plateau is not None and self._leaves_plateau(vals):
            # a new stance: the plateau becomes the rest level, the excursion restarts from it
            self.base = self._plateau
            self._set_regime()
            tail = self._buf[self._plateau_len - 1 :]
            self._open(tail)
            return None
        devs = self._devs(vals)
        exc = self._excess(devs)
        dom = self._dominant()
        end_thr = max(p.end_min_deg, p.end_frac * self._peak[dom])
        rest_thr = self._rest_thr(ti)
        closed = exc[dom] < end_thr and all(exc[k] < rest_thr[k] for k in range(nch) if k != dom)
        if closed:
            seg = self._close(dom, ti)
            # an integrated channel accepted within its drift allowance has only drifted: re-reference it
            # (else the next rest step would open a rep on that drift)
            self.base = [
                v if c.integrated and k != dom else b
                for k, (v, b, c) in enumerate(zip(vals, self.base, self.channels, strict=True))
            ]
            return seg
        if ti - self._buf[0][0] > p.max_rep_s:
            self.in_rep = False
            self.base = list(vals)
            self._pre = [tuple(row)]
        return None

    def _revisit(self, q: bool, vals: tuple[float, ...], ti: float) -> Segment | None:
        """Track short stops; a stop back at the last stop's level after a full rep beyond it (further
        from rest) makes that level the rest level (a new stance) and closes the rep driven from it."""
        assert self.base is not None
        band = self.p.settle_band_deg * STOP_S / self.p.settle_s
        i = len(self._buf) - 1
        run = self._run
        if not q or (run is not None and any(abs(v - f) > band for v, f in zip(vals, run[1], strict=True))):
            run = None
        if q:
            run = (i, list(vals), [0.0] * len(vals), 0) if run is None else run
            run = (run[0], run[1], [a + v for a, v in zip(run[2], vals, strict=True)], run[3] + 1)
        self._run = run
        if run is None or ti - self._buf[run[0]][0] < STOP_S:
            return None
        mean = [a / run[3] for a in run[2]]
        prev = self._stop
        self._stop = (mean, i)
        if prev is None or prev[1] >= run[0]:  # the same stop going on, or none before it
            return None
        level, last = prev
        # the level must be displaced from rest like a plateau that becomes a new stance
        rest_thr = self._rest_thr(ti)
        if not any(
            (level[k] - self.base[k] > self.start_thr[k]) if c.one_sided else abs(level[k] - self.base[k]) > rest_thr[k]
            for k, c in enumerate(self.channels)
        ):
            return None
        tail = self._buf[last : run[0] + 1]
        seg_vals = np.asarray([r[1 : 1 + len(self.channels)] for r in tail]) - np.asarray(level)
        peak = [
            float(seg_vals[:, k].max()) if c.one_sided else float(np.abs(seg_vals[:, k]).max())
            for k, c in enumerate(self.channels)
        ]
        dom = self._dominant(peak)
        if peak[dom] < self.min_range[dom]:
            return None
        back = [abs(m - lv) for m, lv in zip(mean, level, strict=True)]
        if back[dom] >= max(self.p.end_min_deg, self.p.end_frac * peak[dom]):
            return None
        if any(back[k] >= rest_thr[k] for k in range(len(self.channels)) if k != dom):
            return None
        self.base = list(level)
        self._set_regime()
        self._buf = tail
        self._peak = [0.0] * len(self.channels)
        for r in tail:
            self._track_peak(r)
        seg = self._close(dom, ti, end_s=tail[-1][0])
        self.base = mean  # the rest level is where the shin stands now
        self._set_regime()
        return seg

    def _rest_thr(self, ti: float) -> list[float]:
        """Per channel, how far from the rest level it may be and still count as back at rest while a
        rep is open: the start threshold, plus for an integrated channel the drift since the rep began."""
        elapsed_s = max(0.0, ti - self._buf[0][0]) if self._buf else 0.0
        return [
            thr + INTEGRATED_DRIFT_DPS * elapsed_s if c.integrated else thr
            for thr, c in zip(self.start_thr, self.channels, strict=True)
        ]

    def _dominant(self, peak: list[float] | None = None) -> int:
        """The channel whose peak (the open rep's unless given) is largest relative to its minimum range."""
        pk = self._peak if peak is None else peak
        return max(range(len(self.channels)), key=lambda k: pk[k] / max(self.min_range[k], 1e-6))

    def _settled_back(self, still_s: float, ti: float) -> Segment | None:
        """Still for settle_s after coming back more than RETURN_FRAC of the way: the rep is over and
        the rest level is where the shin settled. The angles can come back off by 2° after a slow rep
        (the orientation filter's error, largest on frontal tilt and axial rotation), which the
        closing threshold (a quarter of the range) would wait for forever."""
        assert self.base is not None and self._plateau is not None
        dom = self._dominant()
        pexc = self._excess([v - b for v, b in zip(self._plateau, self.base, strict=True)])
        if self._peak[dom] < self.min_range[dom] or pexc[dom] >= RETURN_FRAC * self._peak[dom]:
            return None
        rest_thr = self._rest_thr(ti)
        if any(pexc[k] >= rest_thr[k] for k in range(len(self.channels)) if k != dom):
            return None
        plateau = self._plateau
        seg = self._close(dom, ti, end_s=still_s)
        self.base = list(plateau)
        self._set_regime()
        return seg

    def _leaves_plateau(self, vals: tuple[float, ...]) -> bool:
        assert self.base is not None and self._plateau is not None
        rest_thr = self._rest_thr(self._last_t)
        displaced = any(
            abs(self._plateau[j] - self.base[j]) > rest_thr[j] for j, cj in enumerate(self.channels) if not cj.one_sided
        )
        for k, c in enumerate(self.channels):
            from_plateau = vals[k] - self._plateau[k]
            plat_dev = self._plateau[k] - self.base[k]
            dev = vals[k] - self.base[k]
            if c.one_sided:
                # a drive from a displaced plateau: a new stance (this channel raised), or the foot
                # set down elsewhere (a reposition turns the shin: only the other channels moved)
                if from_plateau > self.start_thr[k] and (plat_dev > self.start_thr[k] or displaced):
                    return True
            elif (
                abs(from_plateau) > self.start_thr[k]
                and abs(dev) > abs(plat_dev) + 0.5 * self.start_thr[k]
                # further from rest than the plateau: only counts if the plateau itself was displaced
                and any(self._plateau[j] - self.base[j] > rest_thr[j] for j in range(len(self.channels)))
            ):
                return True
        return False

    def _close(self, dom: int, ti: float, end_s: float | None = None) -> Segment | None:
        assert self.base is not None
        self.in_rep = False
        buf = np.asarray(self._buf)
        self._buf = []
        self._pre = []
        self._returning = [math.inf] * len(self.channels)
        self.hold_start_s = math.nan
        nch = len(self.channels)
        c = self.channels[dom]
        d = buf[:, 1 + dom] - self.base[dom]
        sign = 1.0 if c.one_sided or abs(d.max()) >= abs(d.min()) else -1.0
        self._overshoot = None if c.one_sided else (dom, sign, self._peak[dom])
        if self._peak[dom] < self.min_range[dom] or ti - buf[0, 0] < self.p.min_duration_s:
            return None
        return Segment(
            channel=dom,
            sign=sign,
            start_s=float(buf[0, 0]),
            end_s=ti if end_s is None else end_s,
            emitted_s=ti,
            base=list(self.base),
            time_s=buf[:, 0],
            values=buf[:, 1 : 1 + nch],
            speed_dps=buf[:, 1 + nch],
            frontal_deg=buf[:, 2 + nch],
            incl_deg=buf[:, 3 + nch],
        )

    def live_hold_s(self, now_s: float) -> float:
        return 0.0 if (not self.in_rep or math.isnan(self.hold_start_s)) else now_s - self.hold_start_s


def hold_run(time_s: F64, signal: F64, band: float) -> tuple[int, int, float]:
    """(peak index, first..last of the contiguous run within band of the peak) → hold seconds."""
    k = int(np.argmax(signal))
    inside = signal >= signal[k] - band
    outside = np.flatnonzero(~inside)
    before = outside[outside < k]
    after = outside[outside > k]
    first = int(before[-1]) + 1 if before.size else 0
    last = int(after[0]) - 1 if after.size else len(signal) - 1
    return k, first, float(time_s[last] - time_s[first])
