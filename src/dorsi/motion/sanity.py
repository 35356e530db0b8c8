"""Impossible samples are corrupt samples: screened out before any filter sees them. Pure.

One stateful screen serves the file path (analysis.py, the whole file as one chunk) and the live
path (the app's engine, chunk by chunk); chunking does not change what is kept. A sample is dropped
and counted when:
- a value is not finite;
- an accelerometer or gyro value lies beyond the sensor's full scale (its kind's configured range;
  16 g and 2000 °/s, the widest any supported kind configures, for a file of unknown origin);
- its time does not continue the stream: it goes backwards, or jumps further than ``max_step_s``
  and the samples after it do not carry on from it. A real gap (a radio drop-out) is followed by
  ``resync_n`` samples that carry on from the new time: those are kept, a few samples late.

    screen = SampleScreen(SampleLimits.unknown(), rate_hz=208.0)
    kept = screen.update(chunk)   # kept.chunk, kept.index (input positions, counted from 0)
    tail = screen.finish()        # samples still waiting for confirmation are dropped (but a stream's start)
    screen.report.warning()       # "dropped 3 impossible samples: ..." (None when nothing was dropped)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorsi.motion.types import F64, ImuChunk

STANDARD_GRAVITY_MPS2 = 9.80665
UNKNOWN_ACC_RANGE_G = 16.0  # the widest full scale of any kind we support (MetaMotion)
UNKNOWN_GYR_RANGE_DPS = 2000.0
KNOWN_RANGE_MARGIN = 1.05  # a unit calibration (offset, scale ≈ 1 ± 2 %) may move a saturated value a little
MIN_MAX_STEP_S = 1.0  # a forward step longer than this waits for the samples after it
MAX_STEP_PERIODS = 100.0  # … or than 100 sample periods at low rates
RESYNC_S = 0.25  # samples that must carry on from a jump before it counts as a gap
MIN_RESYNC_N = 5
MAX_RECORDING_S = 24 * 3600.0  # a recording longer than a day is not a recording of drills
SMALL_N = 24  # a live notification (1–20 samples) is screened on plain floats: numpy's per-call cost dominates
FLOAT_CHECK_VALUES = 18  # up to this many values (6 rows) plain floats check faster than numpy (~1.2 µs)

REASONS = {
    "non_finite": "not a finite number",
    "acc_range": "accelerometer beyond its full scale",
    "gyr_range": "gyro beyond its full scale",
    "time": "time going backwards or jumping",
}

_ABS, _MAX = np.abs, np.maximum.reduce
_F64 = np.dtype(np.float64)  # (native float64 arrays share this one dtype object)


@dataclass(frozen=True)
class SampleLimits:
    acc_limit_mps2: float
    gyr_limit_dps: float
    acc_range_g: float
    gyr_range_dps: float

    @classmethod
    def unknown(cls) -> SampleLimits:
        """A file of unknown origin: at most 16 g and 2000 °/s."""
        return cls(UNKNOWN_ACC_RANGE_G * STANDARD_GRAVITY_MPS2, UNKNOWN_GYR_RANGE_DPS, 16.0, 2000.0)

    @classmethod
    def for_range(cls, acc_range_g: float, gyr_range_dps: float) -> SampleLimits:
        """A sensor configured to these full scales (a kind's ``acc_range_g``, ``gyr_range_dps``)."""
        return cls(
            acc_range_g * STANDARD_GRAVITY_MPS2 * KNOWN_RANGE_MARGIN,
            gyr_range_dps * KNOWN_RANGE_MARGIN,
            float(acc_range_g),
            float(gyr_range_dps),
        )


@dataclass
class ScreenReport:
    """How many samples were dropped, by reason (a sample counts under its first reason)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    acc_range_g: float = UNKNOWN_ACC_RANGE_G
    gyr_range_dps: float = UNKNOWN_GYR_RANGE_DPS

    @property
    def dropped(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {"dropped_samples": self.dropped, **{k: v for k, v in self.counts.items()}}

    def warning(self) -> str | None:
        n = self.dropped
        if n == 0:
            return None
        labels = {
            "non_finite": "not a finite number",
            "acc_range": f"accelerometer beyond ±{self.acc_range_g:g} g",
            "gyr_range": f"gyro beyond ±{self.gyr_range_dps:g} °/s",
            "time": "time going backwards or jumping",
        }
        parts = [f"{c} {labels[k]}" for k, c in self.counts.items() if c]
        return f"dropped {n} impossible sample{'' if n == 1 else 's'} ({', '.join(parts)}); never filtered"


class SampleScreen:
    small_n = SMALL_N  # chunks up to this long try the plain-float path first (0: the array path only)

    def __init__(self, limits: SampleLimits, rate_hz: float) -> None:
        if not (math.isfinite(rate_hz) and rate_hz > 0):
            raise ValueError(f"rate_hz must be a positive number, got {rate_hz}")
        self.limits = limits
        self.max_step_s = max(MIN_MAX_STEP_S, MAX_STEP_PERIODS / rate_hz)
        self.resync_n = max(MIN_RESYNC_N, math.ceil(RESYNC_S * rate_hz))
        self.report = ScreenReport(acc_range_g=limits.acc_range_g, gyr_range_dps=limits.gyr_range_dps)
        self.last_kept_s: float | None = None
        self._seen = 0  # input samples so far: positions in ``index``
        # samples waiting for confirmation, as two competing runs (a run carries on from its own last time):
        # ``_runs[0]`` rows then ``_runs[1]`` rows of ``_held``
        self._run_lengths = (0, 0)
        self._held: tuple[F64, F64, F64, NDArray[np.int64]] = _empty()

    def update(self, chunk: ImuChunk) -> Screened:
        t, acc, gyr = chunk.time_s, chunk.acc_mps2, chunk.gyr_dps
        n = len(t)
        # a live notification: a few µs on plain floats when it is all kept (else it changed nothing)
        if n <= self.small_n and self.last_kept_s is not None and self._run_lengths == (0, 0):
            whole = self._update_small(chunk, n, self.last_kept_s)
            if whole is not None:
                return whole
        index = np.arange(self._seen, self._seen + n, dtype=np.int64)
        self._seen += n
        ok = self._values_ok(t, acc, gyr)
        rows = np.flatnonzero(ok)
        held_n = sum(self._run_lengths)
        # fast path: nothing held, every step from the last kept time forward and short
        if not held_n and self.last_kept_s is not None and len(rows):
            steps = np.diff(np.concatenate(([self.last_kept_s], t[rows])))
            if np.all((steps > 0) & (steps <= self.max_step_s)):
                self.last_kept_s = float(t[rows[-1]])
                return Screened(chunk.slice(0, n) if len(rows) == n else _take(chunk, rows), index[rows])
        # the careful path, one run at a time, with the samples held over from the last chunk
        if len(rows) < n:  # (a 2-D take costs 30–40 ms an hour: only when a sample was dropped)
            t, acc, gyr, index = t[rows], acc[rows], gyr[rows], index[rows]
        if len(self._held[0]):
            t, acc, gyr, index = (np.concatenate((h, x)) for h, x in zip(self._held, (t, acc, gyr, index), strict=True))
        all_t, all_a, all_g, all_i = t, acc, gyr, index
        p = self._run_lengths[0]
        runs: list[list[int]] = [list(range(p)), list(range(p, held_n))]
        with np.errstate(invalid="ignore"):
            step = np.diff(all_t)
        # the first row of each stretch whose steps are all short and forward (a new stretch starts after a bad step)
        bad_step_at = np.flatnonzero(~((step > 0) & (step <= self.max_step_s))) + 1
        kept: list[NDArray[np.int64]] = []  # rows kept, as blocks (a list of 720 k ints costs 0.2 s an hour)
        k, end = held_n, len(all_t)
        while k < end:
            tk = float(all_t[k])
            if self.last_kept_s is not None and 0 < tk - self.last_kept_s <= self.max_step_s:
                self._drop(runs[0], runs[1])  # the stream goes on: what waited was out of it
                runs = [[], []]
                nxt = bad_step_at[np.searchsorted(bad_step_at, k, side="right") :]
                stop = int(nxt[0]) if len(nxt) else end  # keep the whole stretch at once
                kept.append(np.arange(k, stop, dtype=np.int64))
                self.last_kept_s = float(all_t[stop - 1])
                k = stop
                continue
            carried = [r for r in runs if r and 0 < tk - float(all_t[r[-1]]) <= self.max_step_s]
            if carried:
                run = carried[0]
                run.append(k)
            else:  # a run of its own, in place of the shorter waiting run
                runs.sort(key=len, reverse=True)
                self._drop(runs[1])
                runs[1] = run = [k]
            if len(run) >= self.resync_n:
                other = runs[1] if run is runs[0] else runs[0]
                if self.last_kept_s is None or float(all_t[run[0]]) > self.last_kept_s:
                    kept.append(
                        np.asarray(run, dtype=np.int64)
                    )  # a gap, or the start of the stream: the run carries on
                    self.last_kept_s = float(all_t[run[-1]])
                else:
                    self._drop(run)  # a run behind the stream
                self._drop(other)
                runs = [[], []]
            k += 1
        held = np.asarray(runs[0] + runs[1], dtype=np.int64)
        self._held = (all_t[held], all_a[held], all_g[held], all_i[held])
        self._run_lengths = (len(runs[0]), len(runs[1]))
        if kept and _one_stretch(kept):  # (the usual file: views, not a 90 ms take an hour)
            rows_kept = slice(int(kept[0][0]), int(kept[-1][-1]) + 1)
            return Screened(ImuChunk(all_t[rows_kept], all_a[rows_kept], all_g[rows_kept]), all_i[rows_kept])
        k_arr = np.sort(np.concatenate(kept)) if kept else np.empty(0, dtype=np.int64)
        return Screened(ImuChunk(all_t[k_arr], all_a[k_arr], all_g[k_arr]), all_i[k_arr])

    def finish(self) -> Screened:
        """The end of the stream: samples still waiting for confirmation are dropped, except a stream
        shorter than ``resync_n`` samples: with nothing kept before, its longer run is the stream
        itself (nothing contradicts it) and is returned as kept."""
        first, second = self._run_lengths
        if self.last_kept_s is not None:
            keep = np.empty(0, dtype=np.int64)
        elif first >= second:
            keep = np.arange(first, dtype=np.int64)
        else:
            keep = np.arange(first, first + second, dtype=np.int64)
        t, acc, gyr, index = self._held
        self.report.counts["time"] += sum(self._run_lengths) - len(keep)
        if len(keep):
            self.last_kept_s = float(t[keep[-1]])
        self._run_lengths = (0, 0)
        self._held = _empty()
        return Screened(ImuChunk(t[keep], acc[keep], gyr[keep]), index[keep])

    def _update_small(self, chunk: ImuChunk, n: int, last_s: float) -> Screened | None:
        """The live case on plain floats (a few µs, not ~20): nothing held, every value within its
        range and every step from the last kept time forward and short, so the whole chunk is kept.
        None (nothing changed) for anything else: the array path decides it."""
        t, acc, gyr = chunk.time_s, chunk.acc_mps2, chunk.gyr_dps
        if not n or t.dtype is not _F64 or acc.dtype is not _F64 or gyr.dtype is not _F64:
            return None  # (another dtype compares at its own precision on the array path)
        max_step_s = self.max_step_s
        prev_s = last_s
        for t_s in t.tolist():  # a NaN or an infinite time fails the comparison
            if not 0.0 < t_s - prev_s <= max_step_s:
                return None
            prev_s = t_s
        acc_lim, gyr_lim = self.limits.acc_limit_mps2, self.limits.gyr_limit_dps
        if acc.size <= FLOAT_CHECK_VALUES:  # a finite sum: no NaN or infinity, so min and max are exact
            a, g = acc.ravel().tolist(), gyr.ravel().tolist()
            if not (
                math.isfinite(sum(a) + sum(g))
                and -acc_lim <= min(a)
                and max(a) <= acc_lim
                and -gyr_lim <= min(g)
                and max(g) <= gyr_lim
            ):
                return None
        elif not (_MAX(_ABS(acc), None) <= acc_lim and _MAX(_ABS(gyr), None) <= gyr_lim):
            return None  # (the maximum of a NaN is NaN)
        first = self._seen
        self._seen = first + n
        self.last_kept_s = prev_s
        return Screened(chunk, first=first)

    def _drop(self, *runs: list[int]) -> None:
        self.report.counts["time"] += sum(len(r) for r in runs)

    def _values_ok(self, t: F64, acc: F64, gyr: F64) -> NDArray[np.bool_]:
        with np.errstate(invalid="ignore", over="ignore"):
            # whole-array checks first (a NaN fails the comparisons): per-row work only when one fails
            # |x| ≤ L as max ≤ L and min ≥ −L: no |x| copy of an hour (a NaN fails both, as before)
            acc_lim, gyr_lim = self.limits.acc_limit_mps2, self.limits.gyr_limit_dps
            if (
                len(t)
                and np.isfinite(t).all()
                and acc.max() <= acc_lim
                and acc.min() >= -acc_lim
                and gyr.max() <= gyr_lim
                and gyr.min() >= -gyr_lim
            ):
                return np.ones(len(t), dtype=bool)
            finite = np.isfinite(t) & np.all(np.isfinite(acc), axis=1) & np.all(np.isfinite(gyr), axis=1)
            acc_ok = np.all(np.abs(acc) <= self.limits.acc_limit_mps2, axis=1)
            gyr_ok = np.all(np.abs(gyr) <= self.limits.gyr_limit_dps, axis=1)
        c = self.report.counts
        c["non_finite"] += int(np.count_nonzero(~finite))
        c["acc_range"] += int(np.count_nonzero(finite & ~acc_ok))
        c["gyr_range"] += int(np.count_nonzero(finite & acc_ok & ~gyr_ok))
        return finite & acc_ok & gyr_ok


class Screened:
    """The kept samples, in order (``chunk``), and their positions in the input stream (``index``).
    A chunk kept whole gives only its first position: ``index`` is made when first read."""

    __slots__ = ("_first", "_index", "chunk")

    def __init__(self, chunk: ImuChunk, index: NDArray[np.int64] | None = None, *, first: int = 0) -> None:
        self.chunk = chunk
        self._index = index
        self._first = first

    @property
    def index(self) -> NDArray[np.int64]:
        if self._index is None:
            self._index = np.arange(self._first, self._first + len(self.chunk), dtype=np.int64)
        return self._index


def _one_stretch(blocks: list[NDArray[np.int64]]) -> bool:
    """Row blocks, in order, that together are one run of consecutive rows."""
    return all(int(b[-1]) - int(b[0]) + 1 == len(b) for b in blocks) and all(
        int(b1[0]) == int(b0[-1]) + 1 for b0, b1 in pairwise(blocks)
    )


def _take(chunk: ImuChunk, rows: NDArray[np.intp]) -> ImuChunk:
    return ImuChunk(chunk.time_s[rows], chunk.acc_mps2[rows], chunk.gyr_dps[rows])


def _empty() -> tuple[F64, F64, F64, NDArray[np.int64]]:
    return np.empty(0), np.empty((0, 3)), np.empty((0, 3)), np.empty(0, dtype=np.int64)


def screen_samples(chunk: ImuChunk, limits: SampleLimits, rate_hz: float) -> tuple[NDArray[np.int64], ScreenReport]:
    """A whole recording through the screen: the positions kept and what was dropped."""
    screen = SampleScreen(limits, rate_hz)
    kept = screen.update(chunk)
    tail = screen.finish()
    return (np.concatenate((kept.index, tail.index)) if len(tail.index) else kept.index), screen.report


@dataclass
class RateMeter:
    """The rate a sensor really streams at, from its sample counter and the sample times:
    (counter span) / (time span) once ``min_span_s`` of stream has been seen. Pure."""

    min_span_s: float = 1.0
    _first: tuple[int, float] | None = None
    measured_hz: float | None = None

    def update(self, counter: NDArray[np.int64], time_s: F64) -> float | None:
        """The measured rate once known (None before); later chunks do not change it."""
        if self.measured_hz is not None or len(counter) == 0:
            return self.measured_hz
        if self._first is None:
            self._first = (int(counter[0]), float(time_s[0]))
        c0, t0 = self._first
        span_s = float(time_s[-1]) - t0
        if span_s >= self.min_span_s and int(counter[-1]) > c0:
            rate = (int(counter[-1]) - c0) / span_s
            if math.isfinite(rate) and rate > 0:
                self.measured_hz = rate
        return self.measured_hz
