"""Was the person walking, stepping or jogging around a rep? Heel strikes at a gait's cadence.

A drill rep is a drive and return from one planted stance: the foot never leaves the floor, so the
shin never lands. Gait lands once per stride: the heel strike is a jolt of the specific force
(1–4 g within 25–40 ms) pushed up the shin from the ground, so along its long axis (tibial shock is
measured axially; the shin stands within 20° of vertical at the strike, so ≥ 94 % of a vertical jolt).
The swing's acceleration is as large but smooth (≈ 1 g over 0.2 s). A shin turning about a planted
ankle moves the sensor across its long axis (lever × the angular acceleration: banded distraction's
turn at end range changes the specific force by 5.2–6.0 m/s² in 40 ms, ≤ 0.4 m/s² of it along the
axis, tuning seeds 1006 and 1010, reference sensor); along the axis it adds only the centripetal
lever × rate² (≤ 1 m/s² at 120 °/s) and gravity's share, which a tilt of a few degrees barely
changes. So an impact is the specific force along the shin changing by over half a g within 40 ms.
One jolt alone between reps is a tap on the sensor or a foot set down once (a reposition): neither
is gait. Two jolts a stride apart (60–180 steps/min) are, and so is one inside a rep (the foot landed
while the shin drove). A rep whose window, or the stride before it opened, holds such a pair, or whose
window holds a jolt, is judged invalid by the counter ("stepping — not counted"), as a lifted heel is.
A calf raise lifts the ankle itself: the counter judges it ``GaitParams.planted_after_s`` after its close,
the foot lifted from the close and turned from a stride before it rose (a step's heel-off and its swing).
Every other drill's rep must also have moved the shin as gravity sees it (``drifted``): an orientation that
drifted while the shin stood still (a gyro bias not yet learnt) tilts without gravity's direction turning.

    watch = GaitWatch(params.gait)
    watch.extend(drill_frames)                       # every chunk, from the start of the stream
    reason = watch.stepping(start_s, end_s, now_s)   # "" or "stepping — not counted"

Pure and causal: it reads only samples up to now; any chunking gives the same impacts.
"""

from __future__ import annotations

import functools
import math
from bisect import bisect_left
from collections import deque

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray

from dorsi.drills.chunklog import ChunkLog
from dorsi.drills.params import GaitParams
from dorsi.drills.segment import SMALL_CHUNK, DrillFrames, vertical_from_up
from dorsi.motion import quat as Q
from dorsi.motion.types import F64

STEPPING = "stepping — not counted"
FOOT_LIFTED = "foot lifted — not counted"
FOOT_TURNED = "foot turned — not counted"
NOT_MOVED = "shin did not move (sensor drift) — not counted"
# the lift, turn and gravity checks' columns, per sample (the orientation: sensor → earth, z up)
AXIS = 1  # the shin's long axis in the sensor frame (+Y): heel strikes are judged along it
LIFT_COLS = ("t", "acc_up", "x_up", "y_up", "z_up", "noise", "qw", "qx", "qy", "qz", "fx", "fy", "fz", "quiet")


LAZY_THRESHOLD = True  # the small path's impact threshold worked out only over the floor (off: every sample)
_LIFT_FIELDS = ("time_s", "quat_wxyz", "acc_mps2", "acc_noise_rthz", "quiet")  # (DrillFrames: the rows' inputs)


def _lift_rows(t: F64, quat: F64, acc_mps2: F64, noise: F64, quiet: NDArray[np.bool_]) -> F64:
    up = Q.up_rows(quat)  # (the rotations' third rows: all the checks read of them)
    rows = np.empty((len(t), len(LIFT_COLS)))  # filled in place: column_stack's set-up costs more
    rows[:, 0] = t
    rows[:, 1] = vertical_from_up(up, acc_mps2)
    rows[:, 2:5] = up
    rows[:, 5] = noise
    rows[:, 6:10] = quat  # the turned-foot check's heading
    rows[:, 10:13] = acc_mps2  # the gravity check's specific force, sensor frame
    rows[:, 13] = quiet  # the shin still (the counter's quiet test): the turned-foot check's drift
    return rows


class _Spacing:
    """``np.gradient(f, t)`` (1-D, edge_order 1) for several series f on one time axis t, from t's intervals
    ``dt = np.diff(t)``: numpy's own expressions in its order (the same bits), its interior weights worked out
    once and none of its per-call argument handling (~45 µs of a judged rep's ~60 µs a series)."""

    def __init__(self, dt: F64) -> None:
        self.uniform = bool((dt == dt[0]).all())  # numpy reduces a constant spacing to a scalar
        self.dt = dt[0] if self.uniform else dt
        if not self.uniform:
            dx1, dx2 = dt[0:-1], dt[1:]
            self.abc = (-(dx2) / (dx1 * (dx1 + dx2)), (dx2 - dx1) / (dx1 * dx2), dx1 / (dx2 * (dx1 + dx2)))

    def gradient(self, f: F64) -> F64:
        out = np.empty_like(f)
        dt = self.dt
        if self.uniform:
            out[1:-1] = (f[2:] - f[:-2]) / (2.0 * dt)
            out[0] = (f[1] - f[0]) / dt
            out[-1] = (f[-1] - f[-2]) / dt
        else:
            a, b, c = self.abc
            out[1:-1] = a * f[:-2] + b * f[1:-1] + c * f[2:]
            out[0] = (f[1] - f[0]) / dt[0]
            out[-1] = (f[-1] - f[-2]) / dt[-1]
        return out


class GaitWatch:
    """The heel-strike impacts of the last ``keep_s`` seconds, and the session's quiet jolt noise."""

    list_rows = True  # a notification's lift columns kept as its floats (off: as arrays; the same rows)

    def __init__(self, p: GaitParams) -> None:
        self.p = p
        self.impacts: deque[float] = deque()  # impact times (first sample over the threshold)
        self._quiet_n = 0.0  # quiet samples seen, and the sum of their squared jolt
        self._quiet_ss = 0.0
        self._last_impact_s = -math.inf
        # the samples of the last span, for the next chunk's first changes (floats: notifications read them)
        self._tail_t: list[float] = []
        self._tail_f: list[float] = []  # their specific force along the shin (AXIS)
        self._rows = ChunkLog(len(LIFT_COLS), _lift_rows)  # per chunk: LIFT_COLS (built when a rep is judged)

    def extend(self, frames: DrillFrames) -> None:
        if not len(frames):
            return
        p = self.p
        t_first, t_last = self._impacts_small(frames) if len(frames) <= SMALL_CHUNK else self._impacts(frames)
        # kept: keep_s before the chunk's first sample, so that every rep judged within it reads what it would
        # have read had it come in short notifications (a file's block of 8192 samples spans more than keep_s
        # under 68 Hz: trimmed from its last sample, its first reps lost their impacts)
        keep_from = t_first - p.keep_s
        while self.impacts and self.impacts[0] < keep_from:
            self.impacts.popleft()
        # the lift check's samples: vertical specific force − g, the sensor axes' vertical components (+Y: the
        # shin's long axis), the accelerometer's white density
        # (a notification's floats as they are: the log makes them arrays a few hundred samples at a time)
        kept = frames.kept_columns(_LIFT_FIELDS) if self.list_rows else None
        if kept is not None:
            self._rows.extend(keep_from, t_last, kept, lists=True)
        else:
            cols = (frames.time_s, frames.quat_wxyz, frames.acc_mps2, frames.acc_noise(), frames.quiet)
            self._rows.extend(keep_from, t_last, cols)

    def _impacts(self, frames: DrillFrames) -> tuple[float, float]:
        """The chunk's impacts (appended to ``impacts``); returns its first and last times."""
        p = self.p
        t = np.concatenate([np.array(self._tail_t), frames.time_s])
        f = np.concatenate([np.array(self._tail_f), frames.acc_mps2[:, AXIS]])
        new = len(self._tail_t)
        # the change of the specific force along the shin (sensor +Y) over the last span_s: an impact's jolt
        # lands within it, a swing's or a drive's smooth acceleration barely changes in it (module docstring)
        j = np.clip(np.searchsorted(t, t[new:] - p.span_s), 0, None)
        change = np.abs(f[new:] - f[j])
        # the noise: still samples (quiet gyro) whose change is under the floor (an impact is no noise)
        q = (frames.quiet & (change <= p.impact_min_mps2)).astype(np.float64)
        n = self._quiet_n + np.cumsum(q)
        ss = self._quiet_ss + np.cumsum(q * change * change)
        self._quiet_n, self._quiet_ss = float(n[-1]), float(ss[-1])
        ms = np.where(n > 0, ss / np.maximum(n, 1.0), 0.0)  # the quiet change's mean square up to each sample
        thr = np.maximum(p.impact_min_mps2, p.impact_noise_k * np.sqrt(ms))
        for i in np.flatnonzero(change > thr).tolist():
            ti = float(frames.time_s[i])
            if ti - self._last_impact_s > p.refractory_s:  # a longer jolt (jogging's swing) is one each refractory_s
                self.impacts.append(ti)
                self._last_impact_s = ti
        keep = t >= t[-1] - 2.0 * p.span_s
        self._tail_t, self._tail_f = t[keep].tolist(), f[keep].tolist()
        return float(t[new]), float(t[-1])

    def _impacts_small(self, frames: DrillFrames) -> tuple[float, float]:
        """``_impacts`` in plain floats for a notification's few samples (numpy's set-up per call costs more
        than the arithmetic): the same operations in the same order (the long axis' difference, its
        absolute value; the running sums from 0 within the chunk, then added to the carried ones), so the
        same bits. The times never go back (the sample screen), so the binary search is numpy's."""
        p = self.p
        tail = self._tail_t
        fl = frames.floats  # the framer's columns as floats (None: a slice of its frames)
        ts, qs = (frames.time_s.tolist(), frames.quiet.tolist()) if fl is None else (fl.time_s, fl.quiet)
        t = tail + ts
        qa = None if fl is None else fl.quat_acc
        f = self._tail_f + (frames.acc_mps2[:, AXIS].tolist() if qa is None else [a[AXIS] for a in qa[1]])
        span_s, floor, k = p.span_s, p.impact_min_mps2, p.impact_noise_k
        n0, ss0 = self._quiet_n, self._quiet_ss
        run_n = run_ss = 0.0
        if not LAZY_THRESHOLD:
            for i, quiet in enumerate(qs, start=len(tail)):
                ti = t[i]
                change = abs(f[i] - f[bisect_left(t, ti - span_s)])
                q = 1.0 if quiet and change <= floor else 0.0
                run_n += q
                run_ss += q * change * change
                n, ss = n0 + run_n, ss0 + run_ss
                ms = ss / (n if n > 1.0 else 1.0) if n > 0 else 0.0
                noise = k * math.sqrt(ms)
                thr = noise if noise > floor or noise != noise else floor  # np.maximum (nan propagates)
                if change > thr and ti - self._last_impact_s > p.refractory_s:
                    self.impacts.append(ti)
                    self._last_impact_s = ti
        else:
            # the same sums and threshold, the threshold worked out only where it can be passed: it is at least
            # the floor (or nan), so a change at or under the floor (or nan) never passes it. A sample not added
            # to the noise adds 0 × change² only where that is not 0 (change inf or nan: the sum turns nan)
            for i, quiet in enumerate(qs, start=len(tail)):
                ti = t[i]
                change = abs(f[i] - f[bisect_left(t, ti - span_s)])
                if quiet and change <= floor:
                    run_n += 1.0
                    run_ss += change * change  # (1.0 × change × change: the same bits)
                    continue
                if not change < math.inf:
                    run_ss += 0.0 * change * change
                if change > floor:
                    n, ss = n0 + run_n, ss0 + run_ss
                    ms = ss / (n if n > 1.0 else 1.0) if n > 0 else 0.0
                    noise = k * math.sqrt(ms)
                    thr = noise if noise > floor or noise != noise else floor  # np.maximum (nan propagates)
                    if change > thr and ti - self._last_impact_s > p.refractory_s:
                        self.impacts.append(ti)
                        self._last_impact_s = ti
        self._quiet_n, self._quiet_ss = n0 + run_n, ss0 + run_ss
        first = bisect_left(t, t[-1] - 2.0 * span_s)  # t >= t[-1] − 2 span: a suffix (sorted)
        self._tail_t, self._tail_f = t[first:], f[first:]
        return ts[0], t[-1]

    def _span(self, start_s: float, end_s: float) -> F64:
        """The kept rows from start_s to end_s (inclusive)."""
        r = self._rows.rows()  # (joined once per chunk: ChunkLog keeps the join until the next extend)
        a, b = np.searchsorted(r[:, 0], [start_s, end_s], side="left")
        return r[a : b + 1] if b < len(r) and r[b, 0] <= end_s else r[a:b]

    def _lift_span(self, start_s: float, end_s: float) -> _LiftSpan | None:
        """The lift check's samples from lift_lookback_s before start_s to end_s (None: too few)."""
        if not self._rows:
            return None
        r = self._span(start_s - self.p.lift_lookback_s, end_s)
        return _LiftSpan(r, self.p) if len(r) >= 5 else None

    def ankle_speed(self, start_s: float, end_s: float, window_s: float | None = None) -> float:
        """How far the ankle's vertical speed (m/s) went beyond what a planted ankle can read, at most, in
        window_s windows (default: the first of ``lift_windows_s``) between lift_lookback_s before start_s and
        end_s (nan: too few samples). Uses only samples in that span: the same for any chunking."""
        span = self._lift_span(start_s, end_s)
        if span is None:
            return math.nan
        return span.excess(self.p.lift_windows_s[0] if window_s is None else window_s)

    def lift_margin(self, start_s: float, end_s: float, slow: bool = True) -> float:
        """The ankle's speed beyond a planted ankle's (``ankle_speed``) less the reading of the smallest lift
        worth calling one (``lift_floor``), the most over the window lengths (m/s; > 0: the foot lifted; nan: too
        few samples). ``slow``: the longer windows too (a slow lift's), a span shorter than one read whole with
        its own length's floor; else the first window only."""
        p = self.p
        span = self._lift_span(start_s, end_s)
        if span is None:
            return math.nan
        length_s = span.t[-1] - span.t[0]
        first = p.lift_windows_s[0]
        windows = {first}
        if slow and length_s > first:  # a short rep's 0.74 s read whole, not left to the 0.4 s window alone
            windows |= {min(w, length_s) for w in p.lift_windows_s[1:]}
        return max(span.excess(w) - lift_floor(p, w, span.dt_s) for w in sorted(windows))

    def turn_deg(self, start_s: float, end_s: float) -> tuple[float, float]:
        """The shin's turn about the vertical from start_s: (at end_s, largest within), degrees (nan: no samples).
        The swing–twist decomposition of each sample's rotation from the first (earth frame): a tilt forward or
        sideways has no twist about the vertical; a step that turns the foot is all twist."""
        if not self._rows:
            return math.nan, math.nan
        r = self._span(start_s, end_s)
        q = r[:, 6:10]
        if len(q) < 2:
            return math.nan, math.nan
        rel = Q.multiply(q, Q.conjugate(q[0]))  # each sample's rotation from the first, earth frame
        twist = np.degrees(2.0 * np.arctan2(rel[:, 3], rel[:, 0]))
        # a foot turns only while the shin moves: a turn "seen" while the shin is still (the counter's quiet
        # test) is the heading's drift, a gyro bias not yet learnt integrated about the vertical (tuning seed
        # 1103's 34 s banded hold: 10° at 0.6 °/s while the gyro read 0.4-1.8 °/s), and is not counted
        step = (np.diff(twist) + 180.0) % 360.0 - 180.0
        step[r[1:, 13] > 0.5] = 0.0
        turn = np.concatenate(([0.0], np.cumsum(step)))
        return float(turn[-1]), float(np.abs(turn).max())

    def turned(self, start_s: float, end_s: float) -> str:
        """ "foot turned — not counted" when the rep ends facing elsewhere than where it began (and not as the
        way back from a turn of the shin within it), else ""."""
        p = self.p
        net, most = self.turn_deg(start_s, end_s)
        if not math.isfinite(net):
            return ""
        return FOOT_TURNED if abs(net) > max(p.turn_max_deg, p.turn_return_frac * most) else ""

    def _still_pose(self, a_s: float, b_s: float) -> tuple[F64, F64, float] | None:
        """Over a_s–b_s: the mean direction of the specific force and of the orientation's up, both in the
        sensor frame, and how far the specific force's mean may lie from gravity there (degrees): the
        shin's own acceleration, turning about the ankle at most ``lever_m + lever_tol_m`` below the sensor,
        averages over the window to lever × (its rate's change ÷ the window) + lever × rate² (centripetal).
        The rate at either end is the orientation's own turn over ``rate_span_s``; a constant error of it (a
        gyro bias not yet learnt: the drift this check looks for) cancels in the change. None: too few samples."""
        p = self.p
        r = self._span(a_s, b_s)
        if len(r) < 5 or r[-1, 0] - r[0, 0] <= 2.0 * p.rate_span_s:
            return None
        t, q = r[:, 0], r[:, 6:10]
        f = r[:, 10:13].mean(axis=0)
        up = r[:, 2:5].mean(axis=0)
        n = max(2, int(np.searchsorted(t, t[0] + p.rate_span_s)))

        def rate(qa: F64, qb: F64, dt: float) -> F64:  # body rate (rad/s, sensor frame) from qa to qb
            d = Q.multiply(Q.conjugate(qa), qb)
            return np.asarray(2.0 * np.sign(d[0]) * d[1:] / max(dt, 1e-9))

        w0 = rate(q[0], q[n - 1], float(t[n - 1] - t[0]))
        w1 = rate(q[-n], q[-1], float(t[-1] - t[-n]))
        span = float(t[-1] - t[0])
        lever = p.lever_m + p.lever_tol_m
        w_max = max(float(np.linalg.norm(w0)), float(np.linalg.norm(w1)))
        dyn = lever * (float(np.linalg.norm(w1 - w0)) / span + w_max * w_max)
        g = float(np.linalg.norm(f))
        if g <= dyn:
            return None
        return f / g, up / float(np.linalg.norm(up)), math.degrees(math.asin(min(1.0, dyn / g)))

    def gravity_tilt(self, start_s: float, peak_s: float) -> tuple[float, float, float]:
        """The shin's tilt from the rest before start_s (else its first samples) to the peak (degrees): (the
        orientation's, the accelerometer's gravity, the latter's allowance for the shin's own acceleration); nan:
        not known."""
        if not self._rows:
            return math.nan, math.nan, math.nan
        w = self.p.still_window_s
        a = self._still_pose(start_s - w, start_s)
        if a is None:
            # none to read before it (the stream began under still_window_s before the rep opened, or the shin
            # was accelerating): the rep's own first samples stand for its rest. Both views read the same span,
            # so a drift that opened a "rep" at the stream's start is still seen as one
            a = self._still_pose(start_s, start_s + w)
        b = self._still_pose(peak_s - w, peak_s)  # up to the peak: a drift's "peak" is where the next move began
        if a is None or b is None:
            return math.nan, math.nan, math.nan

        def angle(u: F64, v: F64) -> float:
            return math.degrees(math.acos(max(-1.0, min(1.0, float(u @ v)))))

        return angle(a[1], b[1]), angle(a[0], b[0]), a[2] + b[2]

    def drifted(self, start_s: float, peak_s: float) -> str:
        """ "shin did not move (sensor drift) — not counted" when gravity, as the accelerometer sees it, turned
        by under ``moved_min_frac`` of what the orientation says the shin tilted (beyond the allowance for the
        shin's own acceleration): the orientation drifted (a gyro bias not yet learnt), the shin stood still."""
        q_deg, acc_deg, allow_deg = self.gravity_tilt(start_s, peak_s)
        if not math.isfinite(q_deg):
            return ""
        return NOT_MOVED if acc_deg + allow_deg < self.p.moved_min_frac * q_deg else ""

    def turned_while_still(self, time_s: F64, signal_deg: F64) -> str:
        """NOT_MOVED when a rotation about the shin's own axis (its deviation signal_deg at time_s) travelled
        further while the shin was still (the counter's quiet test) than while it moved: the gyro's bias
        integrated, not a turn. Gravity cannot judge such a turn; the shin's own stillness can (real rotations
        of the matrix: at most 0.064 × their moving travel while still, tuning seeds 1000-1009, every profile
        and model; the bias before the filter measured it: 6 × and more)."""
        if len(time_s) < 2 or not self._rows:
            return ""
        r = self._span(float(time_s[0]), float(time_s[-1]))
        if not len(r):
            return ""
        i = np.clip(np.searchsorted(r[:, 0], time_s[1:]), 0, len(r) - 1)
        still = r[i, 13] > 0.5
        travel = np.abs(np.diff(signal_deg))
        return NOT_MOVED if float(travel[still].sum()) > float(travel[~still].sum()) else ""

    def lifted(self, start_s: float, end_s: float, slow: bool = True) -> str:
        """ "foot lifted — not counted" when the ankle left the floor around the rep, else "" (``slow``: as
        ``lift_margin``; a calf raise's landing, read from its close while the heel still comes down, is judged
        on the first window alone)."""
        return FOOT_LIFTED if self.lift_margin(start_s, end_s, slow) > 0.0 else ""

    def stepping(self, start_s: float, end_s: float, now_s: float) -> str:
        """ "stepping — not counted" when two impacts a stride apart lie between a stride before the rep
        opened and now, or one inside the rep (the foot landed mid-rep); else "" (one impact alone
        between reps: a tap, a foot set down once)."""
        p = self.p
        times = np.array([x for x in self.impacts if start_s - p.lookback_s <= x <= now_s])
        if np.any((times >= start_s) & (times <= end_s)):
            return STEPPING
        if len(times) < 2:
            return ""
        # any two impacts a stride apart (not only neighbours: a strike's ringing may fall between them)
        lo = np.searchsorted(times, times + p.stride_min_s)
        hi = np.searchsorted(times, times + p.stride_max_s, side="right")
        return STEPPING if bool(np.any(hi > lo)) else ""


def _windows(x: F64, w: int, hop: int) -> F64:
    """sliding_window_view(x, w)[::hop]: the same read-only view, without its checks (~10 µs a call)."""
    stride = x.strides[0]
    return np.asarray(as_strided(x, (len(x) - w + 1, w), (stride, stride), writeable=False)[::hop])


class _Detrend:
    """Each window of a series (w samples, every hop-th) less its straight line (least squares) on times t."""

    def __init__(self, t: F64, w: int, hop: int) -> None:
        self.w, self.hop = w, hop
        wt = _windows(t, w, hop)
        self.tc = wt - wt.mean(axis=1, keepdims=True)
        self.tt = np.maximum((self.tc * self.tc).sum(axis=1, keepdims=True), 1e-12)

    def windows(self, x: F64) -> F64:
        return _windows(x, self.w, self.hop)

    def __call__(self, x: F64) -> F64:
        xc = self.windows(x)
        xc = xc - xc.mean(axis=1, keepdims=True)
        return np.asarray(xc - (self.tc * xc).sum(axis=1, keepdims=True) / self.tt * self.tc)


def _window_samples(t: F64, window_s: float) -> tuple[int, int]:
    """A window_s window's length in samples on times t (at least 3, at most all of them) and its hop: windows
    every 50 ms at 0.4 s (a step's rise fills several)."""
    w = min(len(t), max(3, int(np.searchsorted(t, t[0] + window_s))))
    return w, max(1, w // 8)


class _LiftSpan:
    """A span's kept rows for the lift check: the ankle's vertical speed (up to an unknown start) and what a
    planted ankle's may read, per sample."""

    def __init__(self, r: F64, p: GaitParams) -> None:
        t, acc, x_up, y_up, z_up, noise = r[:, :6].T
        dt = np.diff(t)
        self.t, self.noise, self.p = t, noise, p
        self.dt_s = float(np.median(dt))
        # the sensor's vertical velocity (from an unknown start) less the shin's turn about a still ankle:
        # lever × the rate of the long axis' height
        v_sensor = np.concatenate([[0.0], np.cumsum(0.5 * (acc[1:] + acc[:-1]) * dt)])
        spacing = _Spacing(dt)  # np.gradient(·, t)'s, worked out once for its three series
        self.y_rate = spacing.gradient(y_up)
        self.v = v_sensor - p.lever_m * self.y_rate
        self.x_rate, self.z_rate = spacing.gradient(x_up), spacing.gradient(z_up)

    def excess(self, window_s: float) -> float:
        """The most the speed went beyond a planted ankle's reading in window_s windows (m/s)."""
        p = self.p
        detrend = _Detrend(self.t, *_window_samples(self.t, window_s))
        # each window's series less its straight line: the velocity's unknown start and an accelerometer
        # offset's ramp go; what is left of a planted ankle's is its errors' own wiggle. A planted ankle reads at
        # most: the lever's error × the axis' rate (its wiggle), the sensor face off the tibia's axis (in any
        # direction across it) × how fast a point there rises per metre, and the accelerometer's white noise
        # integrated over the window (k σ)
        lever = p.lever_tol_m * np.abs(detrend(self.y_rate))
        skin = p.skin_max_m * np.hypot(detrend(self.x_rate), detrend(self.z_rate))
        tc = detrend.tc
        noise_max = detrend.windows(self.noise).max(axis=1, keepdims=True)
        noise_v = p.lift_noise_k * noise_max * np.sqrt(tc[:, -1:] - tc[:, :1])
        return float((np.abs(detrend(self.v)) - lever - skin - noise_v).max())


def lift_floor(p: GaitParams, window_s: float, dt_s: float) -> float:
    """What the lift check reads, in window_s windows at a dt_s sample spacing, of the smallest lift worth calling
    one: the ankle rising ``lift_ref_m`` over ``lift_ref_frac`` of the window (minimum jerk), nothing else. A
    window less its straight line keeps only part of a rise's speed (two thirds of its peak for a rise over 3/4
    of the window, about a quarter over twice it), so the floor is that reading, not the rise's peak speed (m/s). The
    window and the spacing are taken to 3 significant figures (a stream's jitter does not change the reading)."""
    return _lift_floor(float(f"{window_s:.3g}"), float(f"{dt_s:.3g}"), p.lift_ref_m, p.lift_ref_frac)


@functools.lru_cache(maxsize=64)
def _lift_floor(window_s: float, dt_s: float, rise_m: float, frac: float) -> float:
    rise_s = frac * window_s
    t = np.arange(0.0, rise_s + 2.0 * window_s + dt_s, dt_s)
    u = np.clip((t - window_s) / rise_s, 0.0, 1.0)
    v = rise_m / rise_s * 30.0 * u * u * (1.0 - u) ** 2  # minimum-jerk speed
    return float(np.abs(_Detrend(t, *_window_samples(t, window_s))(v)).max())
