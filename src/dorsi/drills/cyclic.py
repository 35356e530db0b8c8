"""Cyclic drills: squat rocks (forward/back oscillation) and knee circles.

Both work on the angular velocity of the knee in the (inclination, frontal
tilt) plane, from a causal smoothed derivative of the angles (an exponential
filter of ``vel_tau_s`` on the per-sample difference), so they need no centre
or rest level and hand over each rep as soon as its last turning point passes.

Rocks — a rock runs from a back turning point through the forward peak to the
next back turning point. A peak is confirmed once the inclination has dropped
``zig_deg`` below it; the following back turning point is taken when the
backward speed has decayed below ``stop_frac`` of that fall's top speed (or
the angle has risen ``zig_deg`` above its minimum). A candidate counts if both
its rise and fall exceed the drill's minimum and are alike (ratio ≥ 0.4): the
descent into the squat and the stand-up are one-sided, so they never count.
Partial rocks are judged on their own swing (the peak above the mean of its two
turning points), not on the peak's height above the squat's centre: the centre is an
estimate and the peaks of full rocks scatter around it by as much as a rock's
half-range, so a full rock could read as half of the usual.

Circles — the direction of the velocity vector turns once per circle. Its
angle is unwrapped while the knee moves faster than ``min_speed_dps`` (0.5 s
under it is a stop; a slow circle's top dips under it briefly); a circle ends
where the knee is straight forward of the circle's centre, provided the
velocity has turned at least 1.5π since the previous end (π for the first
one). The centre is the previous circle's mean position: the end is where the
frontal tilt crosses the centre's (inclination above it), at its fastest, not the
inclination's maximum, which is flat on a slow circle and moved by sway. The
bout's first circle (no centre yet) ends where the knee passes straight forward
of the middle of its own extent, once it has been to both sides, or else where
the velocity points straight to the side (the knee farthest forward), whichever
comes first; it starts where the path begins to turn (not with the straight
approach from standing); the last spirals into the centre and ends there
(within half a radius).
Counter-clockwise seen from above (knee forward, then to the person's left) is
"ccw".
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

import numpy as np

from dorsi.drills.params import CounterParams
from dorsi.drills.segment import (
    SMALL_CHUNK,
    Draft,
    DrillFrames,
    RepTrace,
    SegmenterBase,
    SegmenterContext,
    named_rows,
    row_maker,
)
from dorsi.motion.types import F64

STILL_MIN = 64  # the rocks' still blocks (_still_block): tried after this many samples of the loop, at least this long
NOT_A_CIRCLE = "not a circle (the knee went only one way and back) — not counted"


@dataclass
class Cycle(RepTrace):
    centre_deg: float = math.nan  # rocks: the squat's centre when the rock closed
    range_deg: float = math.nan  # rocks: peak above centre; circles: max − min inclination
    swing_deg: float = math.nan  # rocks: peak above the mean of its two turning points
    direction: str = ""
    aspect: float = 1.0  # circles: the narrower extent (sagittal or frontal) over the wider


class _Deriv:
    """Causal smoothed derivative of a few angles (per sample, any chunking)."""

    def __init__(self, n: int, tau_s: float) -> None:
        self.tau_s = tau_s
        self.last: list[float] | None = None
        self.last_t = math.nan
        self.v = [0.0] * n

    def step(self, t: float, x: list[float]) -> list[float]:
        if self.last is not None:
            dt = t - self.last_t
            if 0.0 < dt < 0.5:
                a = dt / (self.tau_s + dt)
                self.v = [v + a * ((xi - li) / dt - v) for v, xi, li in zip(self.v, x, self.last, strict=True)]
        self.last, self.last_t = x, t
        return self.v


class CycleSample(NamedTuple):
    t_s: float
    incl_deg: float
    frontal_deg: float
    speed_dps: float


_cycle_row = row_maker(CycleSample)


def _samples(frames: DrillFrames) -> Iterator[CycleSample]:
    return named_rows(CycleSample, frames.rows("time_s", "incl_deg", "frontal_deg", "speed_dps"))


Row = tuple[float, float, float, float]  # a CycleSample's fields (the rocks' loop keeps plain tuples)


def _time_s(row: Row) -> float:
    return row[0]


class _Buffer:
    """Samples kept since a time (the current cycle's start). New rows are appended to ``rows`` (a list,
    per sample). When a trim leaves over PACK_ROWS there, they are packed into a float array (a row as a
    tuple costs ~150 B, packed 32 B: an hour of standing after a bout, whose turning point stays put, kept
    110 MB as tuples). Older rows are segments of four columns (time, inclination, frontal tilt, speed):
    packed rows, or a chunk's own arrays (the rocks' still blocks, ``extend``: views, no copy; the frames'
    arrays are never written once made). An hour's still blocks copied into one growing array held 23 MB
    and twice that while it grew: 45 MB of the peak of ``dorsi analyze --drill squat-rocks`` at 1 h. Rows
    arrive in time order (the sample screen only passes forward steps)."""

    PACK_ROWS = 4096

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self._segs: list[tuple[F64, F64, F64, F64]] = []  # older than ``rows``, in time order
        self._seg_end_s: list[float] = []  # each segment's last time
        self._n = 0  # rows in the segments
        self._trimmed_to = math.nan  # the last trim's time

    def __len__(self) -> int:
        return self._n + len(self.rows)

    @property
    def packed_n(self) -> int:
        return self._n

    @property
    def trimmed_to(self) -> float:
        """The last trim's time (nan: none since the buffer emptied)."""
        return self._trimmed_to

    def pack(self) -> None:
        # the rows' floats one after another into an array (the same values; np.asarray of a list of
        # 4096 tuples took 3× as long)
        rows = self.rows
        if rows:
            a = np.fromiter(chain.from_iterable(rows), np.float64, count=4 * len(rows)).reshape(-1, 4)
            self._add((a[:, 0], a[:, 1], a[:, 2], a[:, 3]))
            rows.clear()  # in place: the detect loops hold this list

    def extend(self, time_s: F64, incl_deg: F64, frontal_deg: F64, speed_dps: F64) -> None:
        """Rows given as columns (newer than every row kept), kept as they are: the list's rows packed first."""
        if self.rows:
            self.pack()
        if len(time_s):
            self._add((time_s, incl_deg, frontal_deg, speed_dps))

    def _add(self, seg: tuple[F64, F64, F64, F64]) -> None:
        self._segs.append(seg)
        self._seg_end_s.append(float(seg[0][-1]))
        self._n += len(seg[0])

    def since(self, t0: float) -> np.ndarray:
        """The rows at or after t0, an (n, 4) array."""
        i = bisect_left(self._seg_end_s, t0)  # the first segment with a row at or after t0
        rows = self.rows
        k = bisect_left(rows, t0, key=_time_s)  # only the rows since t0 become an array (a list of 20 000 took 6 ms)
        arr = np.asarray(rows[k:], dtype=np.float64) if k < len(rows) else np.zeros((0, 4))
        if i == len(self._segs):
            return arr
        segs = self._segs[i:]
        first = int(np.searchsorted(segs[0][0], t0))  # (in time order: the rows before are < t0)
        out = np.empty((self._n - sum(len(s[0]) for s in self._segs[:i]) - first + len(arr), 4))
        j = 0
        for seg in segs:
            m = len(seg[0]) - first
            for c, col in enumerate(seg):
                out[j : j + m, c] = col[first:]
            j, first = j + m, 0
        out[j:] = arr
        return out

    def trim(self, t0: float) -> None:
        if t0 == self._trimmed_to:
            return  # its first row is at or after t0 already (rows are only appended since)
        i = bisect_left(self._seg_end_s, t0)  # the segments before i lie wholly before t0
        if i:
            self._n -= sum(len(s[0]) for s in self._segs[:i])
            del self._segs[:i], self._seg_end_s[:i]
        if self._segs:
            k = int(np.searchsorted(self._segs[0][0], t0))
            if k:
                t, x, f, v = self._segs[0]
                self._segs[0] = (t[k:], x[k:], f[k:], v[k:])  # (views of the segment's arrays)
                self._n -= k
        if not self._n:
            k = 0
            while k < len(self.rows) and self.rows[k][0] < t0:
                k += 1
            if k:
                del self.rows[:k]
        self._trimmed_to = t0 if len(self) else math.nan


class Turn(NamedTuple):
    """A turning point (or a peak) of the inclination."""

    t_s: float
    incl_deg: float


_turn = row_maker(Turn)  # Turn((t, x)) built in C (a still squat replaces its latest still sample per sample)


def _put_still(stills: list[Turn], t: float, x: float, run_t0: float) -> None:
    """The latest still sample of a still run since run_t0: replaces the run's, else joins the last 8."""
    if stills and stills[-1].t_s >= run_t0:
        stills[-1] = _turn((t, x))
    else:
        stills.append(_turn((t, x)))
        del stills[:-8]


class RockExtent(NamedTuple):
    peak_deg: float
    valley_deg: float


@dataclass
class RockState:
    rising: bool = True
    max: float = -math.inf  # the forward peak so far (while rising)
    max_t: float = math.nan
    min: float = math.inf  # the lowest point so far (while falling)
    min_t: float = math.nan
    valley: Turn | None = None  # the last back turning point
    fall_speed: float = 0.0
    last_rock_end: float = -math.inf
    quiet_n: int = 0  # the current still run: samples, sum of the inclination, start
    quiet_sum: float = 0.0
    quiet_t0: float = math.nan
    centre_deg: float = math.nan  # the squat's centre
    stills: list[Turn] = field(default_factory=list)  # the last samples of recent still runs (turn_still_s)
    recent: list[RockExtent] = field(default_factory=list)  # of recent full rocks
    in_rep: bool = False  # a rock is reported at its last turning point: never open between samples


class RockSegmenter(SegmenterBase[Cycle]):
    still_blocks = True  # a still shin's samples in blocks (_still_block; off: sample by sample)

    def __init__(self, min_range_deg: float, params: CounterParams | None = None) -> None:
        self.shared = params or CounterParams()
        self.p = self.shared.cyclic
        self.min_range_deg = min_range_deg
        self._d = _Deriv(1, self.p.vel_tau_s)
        self._buf = _Buffer()
        self.state = RockState()
        self._usual: tuple[float, float] | None = None  # the recent rocks' median range and turning point

    # -- the Segmenter protocol (process, rest level, live hold: SegmenterBase)
    def judged(self, draft: Draft, partial: bool, typical_range: float) -> None:
        """Full rocks feed the centre estimate."""
        if not partial:
            cyc: Cycle = draft.source
            self.state.recent.append(
                RockExtent(float(cyc.incl_deg.max()), float(min(cyc.incl_deg[0], cyc.incl_deg[-1])))
            )
            del self.state.recent[:-10]
            self._usual = None

    def draft(self, c: Cycle) -> Draft:
        """Partial rocks are judged on their own swing (between its own turning points)."""
        dr = Draft.of(c, c.incl_deg - c.centre_deg, c.swing_deg, self.shared.hold_band_deg, kind="rock")
        dr.extra["centre_deg"] = c.centre_deg
        return dr

    def detect(self, frames: DrillFrames, emit: Callable[[Cycle], None]) -> None:
        """Per sample: the inclination's smoothed rate (``_Deriv.step``'s arithmetic) and the still run (where a squat
        is still: its centre, and where a rock from stillness starts) inline on floats, then the rock: rising
        (most samples) inline, the peak so far on locals (in the state whenever ``_fall_step`` runs), falling
        in ``_fall_step``."""
        st = self.state
        p = self.p
        zig_deg = p.zig_deg
        buf = self._buf
        rows = buf.rows  # pack() and trim() change it in place: the same list throughout
        pack_rows = buf.PACK_ROWS
        d = self._d
        tau = d.tau_s
        fresh = d.last is None
        lx = math.nan if d.last is None else d.last[0]
        lt, vel = d.last_t, d.v[0]
        settle_s, bout_gap_s, turn_still_s = self.shared.settle_s, self.p.bout_gap_s, self.p.turn_still_s
        fall_step = self._fall_step
        packed_n = buf.packed_n  # only trim() and pack() below change it
        cols = ("time_s", "incl_deg", "frontal_deg", "speed_dps")  # CycleSample's, as plain tuples
        # the still run on locals; the rising branch reads its count and start (kept in the state as they change),
        # its sum is read only here (kept at the end)
        qn, qsum, qt0 = st.quiet_n, st.quiet_sum, st.quiet_t0
        stills = st.stills  # changed in place only
        # the latest still sample of the current still run (pend_t: nan for none), put into ``stills`` only
        # before they are read (``_fall_step``), when the run ends and at the end: the same list as per sample
        pend_t = pend_x = math.nan
        usual = self._usual  # the recent rocks' (range, turning point), cleared on an emit (judged())
        mx, mx_t, valley = st.max, st.max_t, st.valley
        trim_valley: Turn | None = None  # the turning point the buffer was last trimmed to (see below)
        nrows = len(rows)  # only the appends, trim() and pack() below change it
        floats = frames.floats  # a notification's few samples: the framer's columns as floats
        if floats is None:
            ts, incl, frontal, speed = (getattr(frames, c).tolist() for c in cols)
            quiet = frames.quiet.tolist()
        else:
            ts, speed, quiet = floats.time_s, floats.speed_dps, floats.quiet
            incl, frontal = floats.incl_deg, floats.frontal_deg
        n = len(ts)
        # a still shin rising to no peak (a stand, a still squat) hands over to the block path (_still_block)
        # from sample try_at on; the loop runs in windows (short slices when it resumes after a block)
        try_at = STILL_MIN if self.still_blocks and n > 2 * STILL_MIN else n
        j0, step = 0, 2 * STILL_MIN
        while j0 < n:
            j1 = n if try_at >= n else min(n, j0 + step)
            step = min(2 * step, 4096)
            plain_at = -1
            cut = (
                (ts, incl, frontal, speed, quiet)
                if j1 - j0 == n
                else (ts[j0:j1], incl[j0:j1], frontal[j0:j1], speed[j0:j1], quiet[j0:j1])
            )
            samples = zip(zip(*cut[:4], strict=True), cut[4], strict=True)
            for j, (row, q) in zip(range(j0, j1), samples, strict=True):
                rows.append(row)
                nrows += 1
                ti, x, _f, _s = row
                if not fresh:  # _Deriv.step for one angle
                    dt = ti - lt
                    if 0.0 < dt < 0.5:
                        vel = vel + dt / (tau + dt) * ((x - lx) / dt - vel)
                fresh, lx, lt = False, x, ti
                if q:
                    if qn == 0:
                        qt0 = st.quiet_t0 = ti
                        qsum = 0.0
                    qn += 1
                    st.quiet_n = qn
                    qsum += x
                    still_s = ti - qt0
                    if still_s >= settle_s and ti - st.last_rock_end >= bout_gap_s:
                        st.centre_deg = qsum / qn  # a still squat before (or between) bouts
                    if still_s >= turn_still_s:  # the latest still sample of this run: a rock from it begins there
                        pend_t, pend_x = ti, x
                elif qn:
                    if pend_t == pend_t:  # not nan
                        _put_still(stills, pend_t, pend_x, qt0)
                        pend_t = math.nan
                    qn = st.quiet_n = 0
                if st.rising:
                    if x > mx:
                        mx, mx_t = x, ti
                    if x < mx - zig_deg:  # peak confirmed: now falling
                        st.rising = False
                        st.max, st.max_t = mx, mx_t
                        st.min, st.min_t = x, ti
                        st.fall_speed = -vel
                    elif valley is not None and (
                        x < valley.incl_deg  # still going back: the turning point moves
                        or (
                            qn
                            and ti - qt0 >= settle_s
                            and st.recent
                            and (usual := usual or self._usual_rock()) is not None  # (computed once: the cache)
                            and valley.incl_deg < (usual[1] if usual[1] < x else x) - usual[0]  # min(x, usual[1])
                        )
                    ):
                        # or settled far above it: the last turning point is a usual rock below both the shin now
                        # and the usual turning points (a dip out of the rocking, e.g. the foot lifted and set down;
                        # none without a usual rock yet): the next rock starts from here
                        valley = st.valley = _turn((ti, x))
                        mx, mx_t = x, ti
                else:
                    if pend_t == pend_t:
                        _put_still(stills, pend_t, pend_x, qt0)
                        pend_t = math.nan
                    st.max, st.max_t = mx, mx_t
                    cyc = fall_step(ti, x, vel)
                    mx, mx_t, valley = st.max, st.max_t, st.valley
                    if cyc is not None:
                        emit(cyc)
                        usual = None
                # (a trim to the time trimmed to last does nothing: the turning point stays put; only this loop
                # trims, to a time that keeps the current sample, so the last trim was to this turning point's
                # time while it is the same one)
                if nrows + packed_n > 20000 and (valley is None or valley is not trim_valley or nrows >= pack_rows):
                    t0 = valley.t_s if valley else ti - 30.0
                    if t0 != buf.trimmed_to or nrows >= pack_rows:
                        buf.trim(t0)
                        if len(rows) >= pack_rows:  # still long: the turning point stays put (a rest after a bout)
                            buf.pack()
                        packed_n, nrows = buf.packed_n, len(rows)
                    trim_valley = valley
                if j >= try_at and q and st.rising:
                    plain_at = j
                    break
            if plain_at < 0:
                j0 = j1
                continue
            j0, step = plain_at + 1, 2 * STILL_MIN
            try_at = j0 + STILL_MIN
            # (trimmed to this turning point: later trims do nothing; else the block stops before the next trim)
            trimmed = valley is not None and valley is trim_valley
            blk = self._still_block(
                frames,
                j0,
                (lx, lt, vel),
                (qn, qsum, qt0),
                (mx, mx_t),
                valley,
                usual,
                None if trimmed else nrows + packed_n,
            )
            if blk is None:
                continue
            j0, (lx, lt, vel), (qn, qsum), (mx, mx_t), pend, usual = blk
            if pend is not None:
                pend_t, pend_x = pend
            packed_n, nrows = buf.packed_n, len(rows)
            try_at = j0 + STILL_MIN
        if pend_t == pend_t:
            _put_still(stills, pend_t, pend_x, qt0)
        st.max, st.max_t = mx, mx_t
        st.quiet_sum = qsum
        if not fresh:
            d.last, d.last_t, d.v = [lx], lt, [vel]

    def _still_block(
        self,
        frames: DrillFrames,
        s: int,
        deriv: tuple[float, float, float],
        run: tuple[int, float, float],
        peak: tuple[float, float],
        valley: Turn | None,
        usual: tuple[float, float] | None,
        count: int | None,
    ) -> (
        tuple[
            int,
            tuple[float, float, float],
            tuple[int, float],
            tuple[float, float],
            tuple[float, float] | None,
            tuple[float, float] | None,
        ]
        | None
    ):
        """A still shin rising to no peak from sample s on, for ``detect``: samples at which the loop only moves
        the smoothed rate, the still run (its sum, the centre, the latest still sample), the peak so far and
        the buffer. Tests on the arrays find the first sample that may be anything else (moving; a time step
        the rate skips; a peak confirmed; the turning point moved; a trim, ``count`` rows kept unless None:
        trims do nothing). Up to there the rate advances in a loop with detect's operations in its order, the
        run's sum is carried in front of ``np.add.accumulate``, and the rows go to the buffer packed. Returns
        (the first sample not in the block, (last angle, last time, rate), (run length, run sum), (peak, its
        time), the latest still sample or None, the usual rock), or None: under STILL_MIN samples."""
        n = len(frames)
        end = n if count is None else min(n, s + 20000 - count)
        if end - s < STILL_MIN:
            return None
        st, p = self.state, self.p
        lx, lt, vel = deriv
        qn, qsum, qt0 = run
        mx, mx_t = peak
        settle_s, bout_gap_s, turn_still_s = self.shared.settle_s, p.bout_gap_s, p.turn_still_s
        tau = self._d.tau_s
        pend: tuple[float, float] | None = None
        t_all, x_all = frames.time_s, frames.incl_deg
        start, e, size = s, s, 4 * STILL_MIN
        while e < end:
            s, e = e, min(end, e + size)
            size = min(2 * size, 4096)
            t, x = t_all[s:e], x_all[s:e]
            dt = t - t_all[s - 1 : e - 1]
            with np.errstate(invalid="ignore"):
                bad = ~(frames.quiet[s:e] & (dt > 0.0) & (dt < 0.5) & np.isfinite(x))
                top = np.maximum.accumulate(x)
                np.maximum(top, mx, out=top)
                bad |= x < top - p.zig_deg  # a peak confirmed
                if valley is not None:
                    bad |= x < valley.incl_deg  # still going back: the turning point moves
                    if st.recent:  # settled far above it (detect's test, exactly)
                        usual = usual or self._usual_rock()
                        low = np.where(usual[1] < x, usual[1], x)
                        bad |= (t - qt0 >= settle_s) & (valley.incl_deg < low - usual[0])
            m = s + int(np.argmax(bad)) if bad.any() else e
            if m - s < (STILL_MIN if s == start else 1):
                e = s
                break
            k = m - s
            t, x, dt = t[:k], x[:k], dt[:k]
            prev = x_all[s - 1 : m - 1]
            for a, r in zip((dt / (tau + dt)).tolist(), ((x - prev) / dt).tolist(), strict=True):
                vel = vel + a * (r - vel)
            sums = np.add.accumulate(np.concatenate(([qsum], x)))
            still_s = t - qt0
            centred = (still_s >= settle_s) & (t - st.last_rock_end >= bout_gap_s)
            if centred.any():
                jc = k - 1 - int(np.argmax(centred[::-1]))
                st.centre_deg = float(sums[jc + 1] / (qn + jc + 1))
            turned = still_s >= turn_still_s
            if turned.any():
                jt = k - 1 - int(np.argmax(turned[::-1]))
                pend = float(t[jt]), float(x[jt])
            qsum, qn = float(sums[k]), qn + k
            jm = int(np.argmax(x))  # (its first sample at the block's highest: ``x > mx`` moves it once)
            if x[jm] > mx:
                mx, mx_t = float(x[jm]), float(t[jm])
            self._buf.extend(t, x, frames.frontal_deg[s:m], frames.speed_dps[s:m])  # (views: no copy)
            lx, lt = float(x[-1]), float(t[-1])
            if m < e:
                e = m
                break
        if e == start:
            return None
        st.quiet_n = qn
        return e, (lx, lt, vel), (qn, qsum), (mx, mx_t), pend, usual

    def _fall_step(self, ti: float, x: float, v: float) -> Cycle | None:
        """A falling sample: the back turning point is taken when the backward speed has decayed below
        stop_frac of the fall's top speed, or the angle has risen zig_deg above its minimum."""
        p = self.p
        st = self.state
        if x < st.min:
            st.min, st.min_t = x, ti
        st.fall_speed = max(st.fall_speed, -v)
        turned = (v > -p.stop_frac * st.fall_speed) or (x > st.min + p.zig_deg)
        if not turned:
            return None
        end = Turn(ti, x) if x <= st.min + 0.5 * p.zig_deg else Turn(st.min_t, st.min)
        cyc = None
        peak = Turn(st.max_t, st.max)
        if st.valley is not None:
            cyc = self._candidate(st.valley, peak, end, ti)
        if cyc is None and (st.valley is None or peak.incl_deg - st.valley.incl_deg > peak.incl_deg - end.incl_deg):
            cyc = self._from_still(st.valley, peak, end, ti)
        st.valley = end
        st.rising = True
        st.max, st.max_t = x, ti
        return cyc

    def _from_still(self, valley: Turn | None, peak: Turn, end: Turn, now: float) -> Cycle | None:
        """A rock straight after settling into the squat: its rise began at the still squat, not at the
        turning point before it (standing, before the descent; or none). The latest still moment since
        that turning point from which the peak is at least half a rock's minimum (the rise from the centre is
        half the swing) is its start; the candidate rules (the swing and the fall over the minimum, the fall
        alike to twice the rise from the centre) still decide."""
        t0 = -math.inf if valley is None else valley.t_s
        for still in reversed(self.state.stills):
            if t0 < still.t_s < peak.t_s and 2.0 * (peak.incl_deg - still.incl_deg) >= self.min_range_deg:
                return self._candidate(still, peak, end, now, from_centre=True)
        return None

    def _usual_rock(self) -> tuple[float, float]:
        """The recent rocks' median range and turning point, computed once per full rock (judged() clears
        it), not at every still sample."""
        recent = self.state.recent[-5:]
        usual = float(np.median([r.peak_deg - r.valley_deg for r in recent]))
        self._usual = usual, float(np.median([r.valley_deg for r in recent]))
        return self._usual

    def _candidate(self, start: Turn, peak: Turn, end: Turn, now: float, from_centre: bool = False) -> Cycle | None:
        """Both halves over the minimum and alike; a rock from the still squat (``from_centre``) rises from
        the centre, half a swing, so twice its rise is what the minimum and the fall are compared with: its
        rise alone against the minimum lost a 5.8° first rock that rose 2.9° from the settled squat (tuning
        seed 1110, velocity model, every profile)."""
        st = self.state
        rise, fall = peak.incl_deg - start.incl_deg, peak.incl_deg - end.incl_deg
        swing = 2.0 * rise if from_centre else rise
        if min(swing, fall) < self.min_range_deg or min(swing, fall) / max(swing, fall) < self.p.symmetry_min:
            return None
        rows = self._buf.since(start.t_s)
        rows = rows[rows[:, 0] <= end.t_s] if len(rows) else rows
        if len(rows) < 3:
            return None
        centre = st.centre_deg
        if st.recent:
            pk = float(np.median([r.peak_deg for r in st.recent[-5:]]))
            vl = float(np.median([r.valley_deg for r in st.recent[-5:]]))
            centre = 0.5 * (pk + vl) if math.isnan(centre) else 0.5 * (centre + 0.5 * (pk + vl))
        if math.isnan(centre):
            centre = 0.5 * (peak.incl_deg + min(start.incl_deg, end.incl_deg))
        st.last_rock_end = end.t_s
        return Cycle(
            start_s=start.t_s,
            end_s=end.t_s,
            emitted_s=now,
            time_s=rows[:, 0],
            incl_deg=rows[:, 1],
            frontal_deg=rows[:, 2],
            speed_dps=rows[:, 3],
            centre_deg=centre,
            range_deg=peak.incl_deg - centre,
            swing_deg=peak.incl_deg - 0.5 * (start.incl_deg + end.incl_deg),
        )


@dataclass
class CircleState:
    """A bout of circles (a stop starts a new one), and the current slow run."""

    beta: float | None = None  # velocity angle (rad)
    acc: float = 0.0  # unwrapped turn since the last boundary
    first: bool = True  # the bout's first circle
    start_t: float = math.nan
    # the last circle's centre and mean radius in (inclination, frontal): the knee's position phase
    centre: tuple[float, float] | None = None
    radius: float = math.nan
    f: float = math.nan  # frontal tilt at the previous sample
    extent: list[float] = field(default_factory=lambda: [math.inf, -math.inf, math.inf, -math.inf])  # first circle
    in_rep: bool = False
    slow_since: float = math.nan  # start of the current run under min_speed_dps


class CircleSegmenter(SegmenterBase[Cycle]):
    def __init__(self, params: CounterParams | None = None, min_range_deg: float = 0.0) -> None:
        self.shared = params or CounterParams()
        self.min_range_deg = min_range_deg  # a smaller "circle" (both extents under it) is a flicker: not emitted
        self.p = self.shared.cyclic
        self._d = _Deriv(2, self.p.vel_tau_s)
        self._buf = _Buffer()
        self.state = CircleState()
        self._fresh = False  # the state is the one _reset() made, untouched since (a stop going on)

    # -- the Segmenter protocol (process, in_rep, rest level, live hold, verdict: SegmenterBase)
    def draft(self, c: Cycle) -> Draft:
        """A circle's signal is its inclination above its lowest point; each direction is its own set. A path
        that went only forward and back (or only sideways) is no circle: judged invalid with that reason."""
        dr = Draft.of(
            c,
            c.incl_deg - float(c.incl_deg.min()),
            c.range_deg,
            self.shared.hold_band_deg,
            kind="circle",
            direction=c.direction,
            set_key=c.direction,
            drift=False,
        )
        dr.extra["direction"] = c.direction
        if c.aspect < self.p.circle_aspect_min:
            dr.invalid = NOT_A_CIRCLE
        return dr

    def detect(self, frames: DrillFrames, emit: Callable[[Cycle], None]) -> None:
        """Per sample: the knee's smoothed velocity (``_Deriv.step``'s arithmetic), then ``_step``. A
        notification's few samples go one by one (``_detect_samples``); a longer chunk is taken apart
        (``_detect_chunk``): same results."""
        if len(frames) <= SMALL_CHUNK:
            self._detect_samples(frames, emit)
        else:
            self._detect_chunk(frames, emit)

    def _detect_samples(self, frames: DrillFrames, emit: Callable[[Cycle], None]) -> None:
        """Sample by sample: the smoothed velocity inline on floats, then ``_step``."""
        buf = self._buf
        rows = buf.rows  # pack() and trim() change it in place: the same list throughout
        d = self._d
        tau = d.tau_s
        fresh = d.last is None
        lx, ly = (math.nan, math.nan) if d.last is None else d.last
        lt, (vt, vf) = d.last_t, d.v
        circle_step = self._step
        for row in _samples(frames):
            rows.append(row)
            ti, x, f, _s = row
            if not fresh:
                dt = ti - lt
                if 0.0 < dt < 0.5:
                    a = dt / (tau + dt)
                    vt, vf = vt + a * ((x - lx) / dt - vt), vf + a * ((f - ly) / dt - vf)
            fresh, lx, ly, lt = False, x, f, ti
            cyc = circle_step(ti, vt, vf, x, f)
            if cyc is not None:
                emit(cyc)
            if len(rows) + buf.packed_n > 20000:
                self._bound_buffer(ti)
        if not fresh:
            d.last, d.last_t, d.v = [lx, ly], lt, [vt, vf]

    def _detect_chunk(self, frames: DrillFrames, emit: Callable[[Cycle], None]) -> None:
        """A chunk: the smoothed velocity first (a recursive filter: one pass on floats, its increments
        computed on arrays with the same operations, so the same bits), then which samples are slow (on
        arrays; a speed within 1e-9 of the bar is decided by ``math.hypot`` as ``_step`` does), then
        ``_step`` sample by sample, except through a stop already seen: there each slow sample changes
        nothing (the bout was reset, ``_fresh``) and no later circle reads its row (each starts at a
        fast sample), so the run is skipped to its next fast sample (most of a session is standing)."""
        buf = self._buf
        rows = buf.rows  # pack() and trim() change it in place: the same list throughout
        d = self._d
        n = len(frames)
        t, x, f = frames.time_s, frames.incl_deg, frames.frontal_deg
        ts, xs, fs, ss = t.tolist(), x.tolist(), f.tolist(), frames.speed_dps.tolist()
        fresh = d.last is None
        lx, ly = (math.nan, math.nan) if d.last is None else d.last
        with np.errstate(all="ignore"):
            dt = np.diff(t, prepend=d.last_t)
            gain = (dt / (d.tau_s + dt)).tolist()
            rate_x = (np.diff(x, prepend=lx) / dt).tolist()
            rate_f = (np.diff(f, prepend=ly) / dt).tolist()
        moved = ((dt > 0.0) & (dt < 0.5)).tolist()
        if fresh:
            moved[0] = False
        vts, vfs = [0.0] * n, [0.0] * n
        vt, vf = d.v
        for k, (ok, a, rx, rf) in enumerate(zip(moved, gain, rate_x, rate_f, strict=True)):
            if ok:
                vt, vf = vt + a * (rx - vt), vf + a * (rf - vf)
            vts[k], vfs[k] = vt, vf
        d.last, d.last_t, d.v = [xs[-1], fs[-1]], ts[-1], [vt, vf]
        bar = self.p.min_speed_dps
        speed = np.hypot(vts, vfs)
        slow = speed < bar
        for k in np.flatnonzero(np.abs(speed - bar) <= 1e-9 * bar).tolist():
            slow[k] = math.hypot(vts[k], vfs[k]) < bar
        fast = np.flatnonzero(~slow).tolist()
        slow_l = slow.tolist()
        stop_s = self.p.stop_s
        circle_step = self._step
        k = 0
        while k < n:
            ti = ts[k]
            if slow_l[k] and self._fresh and ti - self.state.slow_since >= stop_s:
                j = bisect_left(fast, k)
                k = fast[j] if j < len(fast) else n
                continue
            x_k, f_k = xs[k], fs[k]
            rows.append(_cycle_row((ti, x_k, f_k, ss[k])))
            cyc = circle_step(ti, vts[k], vfs[k], x_k, f_k)
            if cyc is not None:
                emit(cyc)
            if len(rows) + buf.packed_n > 20000:
                self._bound_buffer(ti)
            k += 1

    def _bound_buffer(self, ti: float) -> None:
        """Keep the row buffer bounded: drop what lies before the bout (or the last 30 s), pack the rest."""
        buf = self._buf
        start_t = self.state.start_t
        buf.trim(start_t if not math.isnan(start_t) else ti - 30.0)
        if len(buf.rows) >= buf.PACK_ROWS:  # still long: the bout's start stays put
            buf.pack()

    def _reset(self) -> None:
        """A stop: the next movement starts a new bout (its slow run goes on)."""
        self.state = CircleState(slow_since=self.state.slow_since)
        self._fresh = True

    def _passes_forward(self, x: float, f: float, f_prev: float, xc: float, fc: float) -> bool:
        """The knee passes straight forward of the centre (xc, fc): the frontal tilt crosses the centre's in
        the circle's direction, with the inclination above it."""
        st = self.state
        return x > xc and (f_prev < fc <= f if st.acc > 0 else f_prev > fc >= f)

    def _first_circle_crossed(self, x: float, f: float, f_prev: float) -> bool:
        """The bout's first circle (no centre yet) ends where the knee passes straight forward of its own
        centre (the middle of its extent so far) once it has been to both sides (the frontal extent at least
        half the sagittal), as later circles end at the previous one's centre. The inclination's top, which
        the velocity rule finds, comes later on a slanted or drifting circle (held-out seed 14: 0.35 s)."""
        st = self.state
        x_lo, x_hi, f_lo, f_hi = st.extent
        return f_hi - f_lo >= 0.5 * (x_hi - x_lo) and self._passes_forward(
            x, f, f_prev, 0.5 * (x_lo + x_hi), 0.5 * (f_lo + f_hi)
        )

    def _step(self, ti: float, vt: float, vf: float, x: float, f: float) -> Cycle | None:
        st = self.state
        # The velocity's direction means nothing under min_speed_dps: such samples add no turn, and a run of
        # them lasting stop_s is a stop. Shorter runs are a slow circle's top (the knee's slowest point and
        # its boundary): resetting there lost the circle that was ending (fresh seed 29 slow, a set's first
        # circle), so the position rules below still see them.
        slow = math.hypot(vt, vf) < self.p.min_speed_dps
        if slow:
            if math.isnan(st.slow_since):
                st.slow_since = ti
            if ti - st.slow_since >= self.p.stop_s:
                if not self._fresh:  # a stop going on: the state is a fresh one already
                    self._reset()
                return None
            if st.beta is None:
                return None
        else:
            st.slow_since = math.nan
        self._fresh = False
        f_prev, st.f = st.f, f
        if st.first:
            ext = st.extent
            ext[0], ext[1], ext[2], ext[3] = min(ext[0], x), max(ext[1], x), min(ext[2], f), max(ext[3], f)
        beta = prev = math.nan
        if not slow:
            beta = math.atan2(vf, vt)
            if st.beta is None:
                st.beta, st.start_t, st.in_rep = beta, ti, True
                return None
            d = (beta - st.beta + math.pi) % (2.0 * math.pi) - math.pi
            prev = st.beta
            st.beta = beta
            st.acc += d
            if st.first and abs(st.acc) < 0.25 * math.pi:
                # a bout's first circle starts where the knee's path begins to turn: a straight approach from
                # standing to the circle's centre that runs into the first circle without a stop is not part
                # of it (its range, 2-3 circles' worth, made every later circle of the set look partial)
                st.start_t = ti
                st.extent = [x, x, f, f]
        need = math.pi if st.first else 1.5 * math.pi
        if abs(st.acc) < need:
            return None
        if st.centre is not None:
            # boundary: the knee's position passes straight forward of the last circle's centre (the
            # frontal tilt crosses the centre's, inclination above it). On a slow circle the top is flat:
            # the inclination's rate is near zero for a second and sway moves its zero crossing by up to
            # 0.5 s, while the frontal tilt crosses its centre at its fastest (radius × angular rate).
            # The bout's last circle spirals into the centre and never crosses: it ends where the knee is
            # back within half a radius of the centre.
            xc, fc = st.centre
            crossed = math.hypot(x - xc, f - fc) < 0.5 * st.radius or self._passes_forward(x, f, f_prev, xc, fc)
        else:
            # first circle of a bout (no centre yet): straight forward of its own centre, or else where the
            # velocity crosses "straight to the side" (+90° ccw, −90° cw), i.e. the knee farthest forward
            target = math.pi / 2 if st.acc > 0 else -math.pi / 2
            crossed = not slow and (
                (math.sin(prev - target) < 0) != (math.sin(beta - target) < 0) and math.cos(beta - target) > 0
            )
            crossed = crossed or self._first_circle_crossed(x, f, f_prev)
        if not crossed:
            return None
        rows = self._buf.since(st.start_t)
        sag, front = float(np.ptp(rows[:, 1])), float(np.ptp(rows[:, 2]))
        line = min(sag, front) < self.p.circle_aspect_min * max(sag, front)
        if line or max(sag, front) < self.min_range_deg:
            # no circle: a flicker of the velocity's direction at a near stop, or a line (a stance's pivot over
            # the planted foot, a swing): the bout starts afresh, the line listed as not a circle
            self._reset()
            self._buf.trim(ti)
            if max(sag, front) < self.min_range_deg:
                return None
        direction = "ccw" if st.acc > 0 else "cw"
        cyc = Cycle(
            start_s=st.start_t,
            end_s=ti,
            emitted_s=ti,
            time_s=rows[:, 0],
            incl_deg=rows[:, 1],
            frontal_deg=rows[:, 2],
            speed_dps=rows[:, 3],
            range_deg=sag,
            direction=direction,
            aspect=min(sag, front) / max(sag, front, 1e-9),
        )
        if line:
            return cyc  # no circle: nothing to learn from it
        st.first = False
        st.acc = 0.0
        st.start_t = ti
        # the next boundary's reference: this circle's mean position and mean distance from it
        xc, fc = float(rows[:, 1].mean()), float(rows[:, 2].mean())
        st.centre = (xc, fc)
        st.radius = float(np.hypot(rows[:, 1] - xc, rows[:, 2] - fc).mean())
        self._buf.trim(ti)
        return cyc


def rocks(ctx: SegmenterContext) -> RockSegmenter:
    """Signal "oscillation": rocks forward and back about a squat's centre."""
    return RockSegmenter(ctx.drill.min_range_deg, ctx.params)


def circles(ctx: SegmenterContext) -> CircleSegmenter:
    """Signal "circle": knee circles, each direction its own set."""
    return CircleSegmenter(ctx.params, ctx.drill.min_range_deg)
