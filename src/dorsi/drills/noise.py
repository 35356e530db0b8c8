"""The sensor's own noise, measured while the shin is still: what every quiet and rest threshold scales with.

    level = quiet_noise(acc_mps2, gyr_dps, rate_hz)     # pure: one quiet window → white densities per axis
    tracker = NoiseTracker(params.noise)                 # live: per sample, any chunking
    acc_density, gyr_sigma, rest_acc = tracker.update(time_s, acc_mps2, gyr_dps, quiet)   # per sample

White noise density from first differences: a difference of white noise has twice its variance, while
the shin's sway (under 2 Hz) and the offset barely change from one sample to the next, so the estimate
is the sensor's, not the person's. The live estimate is the median of the last quiet windows' (robust
to a window that caught a slow movement's start, which reads high; unbiased, where a running minimum of
noisy estimates reads low: −6 % over 77 windows at 104 Hz). Thresholds are then k × the noise their filter passes,
never under a physical floor (params.py: each k with its reason).
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass

import numpy as np

from dorsi.drills.params import NoiseParams
from dorsi.motion.types import F64, GRAVITY_MPS2

SMALL_CHUNK = 32  # chunks up to this size go sample by sample; longer ones window by window (identical)


@dataclass(frozen=True)
class NoiseLevel:
    """White noise densities per axis (sensor frame)."""

    acc_mps2_rthz: F64  # (3,)
    gyr_dps_rthz: F64  # (3,)

    @property
    def acc(self) -> float:
        """One figure for the accelerometer: the rms over its axes."""
        return float(np.sqrt(np.mean(self.acc_mps2_rthz**2)))

    @property
    def gyr(self) -> float:
        return float(np.sqrt(np.mean(self.gyr_dps_rthz**2)))


def sum_sq3(x: F64) -> F64:
    """x² + y² + z² per row of an (n, 3) array, on whole columns: np.sum(x**2, axis=1)'s (and
    np.linalg.norm's) additions in their order (x² + y², then + z²), so the same bits, at a quarter of the
    cost (a reduction along rows of 3 runs numpy's inner loop once per row)."""
    c0, c1, c2 = x[:, 0], x[:, 1], x[:, 2]
    return np.asarray(c0 * c0 + c1 * c1 + c2 * c2, dtype=np.float64)


def white_density(x: F64, rate_hz: float) -> F64:
    """White noise density per column of x (units/√Hz) from its first differences: σ_diff / √2 = σ,
    and σ = density · √(rate / 2) (one-sided, up to Nyquist)."""
    d = np.diff(np.asarray(x, dtype=np.float64), axis=0)
    sigma = np.sqrt(np.mean(d * d, axis=0) / 2.0)
    return np.asarray(sigma / math.sqrt(rate_hz / 2.0), dtype=np.float64)


def quiet_noise(acc_mps2: F64, gyr_dps: F64, rate_hz: float) -> NoiseLevel:
    """The noise of one quiet window (e.g. the calibration's stand): densities per axis."""
    if len(acc_mps2) < 3:
        raise ValueError("a noise estimate needs at least 3 samples")
    return NoiseLevel(white_density(acc_mps2, rate_hz), white_density(gyr_dps, rate_hz))


class NoiseTracker:
    """Per sample: the accelerometer's white density and the gyro's σ per sample (rms over axes) so far.

    Windows of ``window_s`` in which the gyro stays under the quiet threshold each give an estimate;
    the current value is the median of the last ``history_windows``. Until the first window the prior
    (``prior_*``) holds. Identical for any chunking."""

    def __init__(self, params: NoiseParams | None = None) -> None:
        self.p = params or NoiseParams()
        self.acc = math.nan  # m/s²/√Hz
        self.gyr = math.nan  # °/s per sample (σ at the stream's rate: what a per-sample threshold sees)
        self.windows = 0
        self._hist_a: deque[float] = deque(maxlen=self.p.history_windows)
        self._hist_g: deque[float] = deque(maxlen=self.p.history_windows)
        self._prev_acc = [math.nan] * 3  # the last sample's (floats: notifications read them)
        self._prev_gyr = [math.nan] * 3
        self._prev_t = math.nan
        self._t0 = math.nan
        self._n = 0
        self._sa = 0.0  # Σ squared differences (all axes)
        self._sg = 0.0
        self._sdt = 0.0  # Σ sample intervals
        self._sj = 0.0  # Σ (|specific force| − g): the accelerometer's reading of g at rest, less g
        self.rest_acc = math.nan  # m/s²: its median over the last windows (nan until one is measured)
        self._hist_j: deque[float] = deque(maxlen=self.p.history_windows)

    def current(self, dt_s: float) -> tuple[float, float]:
        """(acc density, gyro σ); the priors until a quiet window was measured."""
        if self.windows == 0:
            half_rate = 0.5 / dt_s if 0.0 < dt_s < self.p.max_gap_s else 50.0
            return self.p.prior_acc_mps2_rthz, self.p.prior_gyr_dps_rthz * math.sqrt(half_rate)
        return self.acc, self.gyr

    def update(self, time_s: F64, acc_mps2: F64, gyr_dps: F64, quiet: np.ndarray) -> tuple[F64, F64, F64]:
        """Feed one chunk; returns the acc density, the gyro σ and the rest's |specific force| − g (nan
        until measured) in force at each sample."""
        n = len(time_s)
        if 0 < n <= SMALL_CHUNK:
            outs = self.update_small(time_s.tolist(), acc_mps2.tolist(), gyr_dps.tolist(), quiet.tolist())
            return np.array(outs[0]), np.array(outs[1]), np.array(outs[2])
        out_a = np.empty(n)
        out_g = np.empty(n)
        out_j = np.empty(n)
        if n == 0:
            return out_a, out_g, out_j
        jolt = np.sqrt(sum_sq3(acc_mps2)) - GRAVITY_MPS2
        prev_t = np.concatenate([[self._prev_t], time_s[:-1]])
        da = sum_sq3(acc_mps2 - np.vstack([self._prev_acc, acc_mps2[:-1]]))
        dg = sum_sq3(gyr_dps - np.vstack([self._prev_gyr, gyr_dps[:-1]]))
        dts = time_s - prev_t
        self._windows(time_s, np.asarray(quiet, dtype=bool), da, dg, dts, jolt, out_a, out_g, out_j)
        self._prev_t = float(time_s[-1])
        self._prev_acc = acc_mps2[-1].tolist()
        self._prev_gyr = gyr_dps[-1].tolist()
        return out_a, out_g, out_j

    def _reset(self, t0: float = math.nan) -> None:
        self._n, self._sa, self._sg, self._sdt, self._sj, self._t0 = 0, 0.0, 0.0, 0.0, 0.0, t0

    def _close(self) -> tuple[float, float, float]:
        """The window just filled: its estimates merged; (acc density, gyro σ, rest |force| − g) now."""
        half_rate = 0.5 * self._n / self._sdt
        acc = math.sqrt(self._sa / (6.0 * self._n) / half_rate)  # 3 axes, σ² = mean d² / 2
        gyr = math.sqrt(self._sg / (6.0 * self._n))
        self._hist_j.append(self._sj / self._n)
        self.rest_acc = statistics.median(self._hist_j)
        a_cur, g_cur = self._merge(acc, gyr)
        return a_cur, g_cur, self.rest_acc

    def update_small(
        self, ts: list[float], acc_mps2: list[list[float]], gyr_dps: list[list[float]], quiet: list[bool]
    ) -> tuple[list[float], list[float], list[float]]:
        """update() for a notification's few samples, on floats (numpy's set-up per call costs more than
        the sums), in one loop with the window's sums in locals (stored back at the end and around a
        window's close). The differences, squares and norms are numpy's operations in numpy's order
        (x² + y², then + z²), and the sums are added in the same order, so the same bits."""
        p = self.p
        max_gap_s, window_s, min_samples = p.max_gap_s, p.window_s, p.min_samples
        isfinite, isnan, sqrt, nan, g0 = math.isfinite, math.isnan, math.sqrt, math.nan, GRAVITY_MPS2
        pa, pg = self._prev_acc, self._prev_gyr
        prev_t = self._prev_t
        n = len(ts)
        out_a, out_g, out_j = [0.0] * n, [0.0] * n, [0.0] * n
        a_cur, g_cur = self.current(ts[0] - prev_t)
        j_cur = self.rest_acc
        cnt, sa, sg, sdt, sj, t0 = self._n, self._sa, self._sg, self._sdt, self._sj, self._t0
        prior = self.windows == 0  # (changes only where a window closes)
        for i, (t, a, g, q) in enumerate(zip(ts, acc_mps2, gyr_dps, quiet, strict=True)):
            ax, ay, az = a
            dx, dy, dz = ax - pa[0], ay - pa[1], az - pa[2]
            dai = dx * dx + dy * dy + dz * dz
            dx, dy, dz = g[0] - pg[0], g[1] - pg[1], g[2] - pg[2]
            dgi = dx * dx + dy * dy + dz * dz
            dt = t - prev_t
            ji = sqrt(ax * ax + ay * ay + az * az) - g0
            pa, pg, prev_t = a, g, t
            if q and isfinite(dai) and 0.0 < dt < max_gap_s:
                if isnan(t0):
                    t0 = t - dt
                cnt += 1
                sa += dai
                sg += dgi
                sdt += dt
                sj += ji
                if t - t0 >= window_s and cnt >= min_samples:
                    self._n, self._sa, self._sg, self._sdt, self._sj = cnt, sa, sg, sdt, sj
                    a_cur, g_cur, j_cur = self._close()
                    prior = self.windows == 0
                    cnt, sa, sg, sdt, sj, t0 = 0, 0.0, 0.0, 0.0, 0.0, t  # _reset(t)
            else:
                cnt, sa, sg, sdt, sj, t0 = 0, 0.0, 0.0, 0.0, 0.0, nan  # _reset()
            if prior:
                a_cur, g_cur = self.current(dt)
            out_a[i] = a_cur
            out_g[i] = g_cur
            out_j[i] = j_cur
        self._n, self._sa, self._sg, self._sdt, self._sj, self._t0 = cnt, sa, sg, sdt, sj, t0
        self._prev_t, self._prev_acc, self._prev_gyr = prev_t, list(pa), list(pg)
        return out_a, out_g, out_j

    def _windows(
        self,
        t: F64,
        quiet: np.ndarray,
        da: F64,
        dg: F64,
        dts: F64,
        jolt: F64,
        out_a: F64,
        out_g: F64,
        out_j: F64,
    ) -> None:
        """The same, window by window: runs of usable samples found at once, each window's end searched
        for, then every window's sums at once, accumulated in sample order (np.cumsum along a row: the
        loop's own additions, bit for bit)."""
        p = self.p
        n = len(t)
        windows0, a0, g0, j0 = self.windows, self.acc, self.gyr, self.rest_acc  # in force at the chunk's start
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = quiet & np.isfinite(da) & (dts > 0.0) & (dts < p.max_gap_s)
            # before the first window: the priors, the gyro's at each sample's rate (current())
            half_rate = np.where((dts > 0.0) & (dts < p.max_gap_s), 0.5 / dts, 50.0)
        edges = np.flatnonzero(np.diff(np.concatenate(([False], ok, [False])).view(np.int8))).tolist()
        tl = t.tolist()
        # the windows' spans [a, b), whether each closes (else it stays open at the chunk's end), whether
        # it continues the window carried in from the last chunk
        spans: list[tuple[int, int, bool, bool]] = []
        n_open, t0 = self._n, self._t0
        for s, e in zip(edges[0::2], edges[1::2], strict=True):
            carried = s == 0
            if not carried:
                n_open, t0 = 0, math.nan  # the sample before the run was not usable
            if math.isnan(t0):
                t0 = tl[s] - float(dts[s])
            w = s
            while True:
                i = _first_reaching(t, tl, t0, p.window_s, w + max(0, p.min_samples - 1 - n_open), e)
                if i < 0:
                    break
                spans.append((w, i + 1, True, carried))
                n_open, t0, carried, w = 0, tl[i], False, i + 1
            if w < e:
                spans.append((w, e, False, carried))
                n_open += e - w
        sums = self._span_sums(spans, (da, dg, dts, jolt))
        closes: list[tuple[int, float, float, float]] = []  # (sample, acc, gyr, rest) from that sample on
        for (w, b, close, carried), (sa, sg, sdt, sj) in zip(spans, sums, strict=True):
            if not carried:
                self._reset()
            if math.isnan(self._t0):
                self._t0 = tl[w] - float(dts[w])
            self._n += b - w
            self._sa, self._sg, self._sdt, self._sj = sa, sg, sdt, sj
            if close:
                closes.append((b - 1, *self._close()))
                self._reset(tl[b - 1])
        if not ok[-1] or (spans and spans[-1][1] < n) or not spans:
            self._reset()  # the chunk ends outside a run
        # fill: the values in force before the first close, then from each close on
        first = closes[0][0] if closes else n
        if windows0 == 0:  # none before this chunk: the priors until its first close
            out_a[:first] = p.prior_acc_mps2_rthz
            out_g[:first] = p.prior_gyr_dps_rthz * np.sqrt(half_rate[:first])
        else:
            out_a[:first], out_g[:first] = a0, g0
        out_j[:first] = j0
        bounds = [c[0] for c in closes[1:]] + [n] * bool(closes)
        for (i, a_cur, g_cur, j_cur), stop in zip(closes, bounds, strict=True):
            out_a[i:stop] = a_cur
            out_g[i:stop] = g_cur
            out_j[i:stop] = j_cur

    def _span_sums(self, spans: list[tuple[int, int, bool, bool]], columns: tuple[F64, ...]) -> list[tuple[float, ...]]:
        """Per span, each column's sum from the window's running sums (0 for a new window) over its
        samples in order: rows of a zero-padded matrix, cumulated along the row (adding 0.0 changes
        nothing), a group of spans at a time (bounded memory)."""
        if not spans:
            return []
        x = np.stack(columns)  # (columns, samples)
        start = np.array([self._sa, self._sg, self._sdt, self._sj])
        out: list[tuple[float, ...]] = []
        for g in range(0, len(spans), 64):
            group = spans[g : g + 64]
            a = np.array([sp[0] for sp in group])
            length = np.array([sp[1] - sp[0] for sp in group])
            cols = np.arange(int(length.max()))
            inside = cols[None, :] < length[:, None]
            idx = np.where(inside, a[:, None] + cols[None, :], 0)
            rows = np.where(inside, x[:, idx], 0.0)  # (columns, spans, longest)
            first = np.zeros((len(columns), len(group), 1))
            first[:, 0, 0] = start if group[0][3] else 0.0
            total = np.cumsum(np.concatenate([first, rows], axis=2), axis=2)[:, :, -1]
            out += [tuple(col) for col in total.T.tolist()]
        return out

    def _merge(self, acc: float, gyr: float) -> tuple[float, float]:
        """The median of the last windows' estimates."""
        self._hist_a.append(acc)
        self._hist_g.append(gyr)
        self.acc = statistics.median(self._hist_a)
        self.gyr = statistics.median(self._hist_g)
        self.windows += 1
        return self.acc, self.gyr


def _first_reaching(t: F64, tl: list[float], t0: float, span: float, lo: int, stop: int) -> int:
    """The first j in [lo, stop) with t[j] − t0 ≥ span (−1: none). The times increase there (a usable
    sample's interval is positive), so the test is monotonic: a binary search, then the exact test."""
    if lo >= stop:
        return -1
    j = lo + int(np.searchsorted(t[lo:stop], t0 + span))
    while j > lo and tl[j - 1] - t0 >= span:
        j -= 1
    while j < stop and not tl[j] - t0 >= span:
        j += 1
    return j if j < stop else -1
