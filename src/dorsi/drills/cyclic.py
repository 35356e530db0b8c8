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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dorsi.motion.types import F64


@dataclass(frozen=True)
class CyclicParams:
    vel_tau_s: float = 0.04
    zig_deg: float = 1.5
    stop_frac: float = 0.15
    symmetry_min: float = 0.4
    min_speed_dps: float = 1.5
    stop_s: float = 0.5  # circles: slower than min_speed_dps this long is a stop (shorter: a slow circle's top)
    bout_gap_s: float = 3.0  # a still plateau this long after the last rock re-centres the squat
    settle_s: float = 0.6
    quiet_dps: float = 2.5


@dataclass
class Cycle:
    start_s: float
    end_s: float
    emitted_s: float
    time_s: F64
    incl_deg: F64
    frontal_deg: F64
    speed_dps: F64
    centre_deg: float = math.nan  # rocks: the squat's centre when the rock closed
    range_deg: float = math.nan  # rocks: peak above centre; circles: max − min inclination
    swing_deg: float = math.nan  # rocks: peak above the mean of its two turning points
    direction: str = ""


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


class _Buffer:
    """Samples kept since a time (the current cycle's start)."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, float, float, float]] = []

    def add(self, row: tuple[float, float, float, float]) -> None:
        self.rows.append(row)

    def since(self, t0: float) -> np.ndarray:
        arr = np.asarray(self.rows) if self.rows else np.zeros((0, 4))
        return arr[arr[:, 0] >= t0] if len(arr) else arr

    def trim(self, t0: float) -> None:
        k = 0
        while k < len(self.rows) and self.rows[k][0] < t0:
            k += 1
        if k:
            del self.rows[:k]


class RockSegmenter:
    def __init__(self, min_range_deg: float, params: CyclicParams | None = None) -> None:
        self.p = params or CyclicParams()
        self.min_range_deg = min_range_deg
        self._d = _Deriv(1, self.p.vel_tau_s)
        self._buf = _Buffer()
        self._rising = True
        self._max = -math.inf
        self._max_t = math.nan
        self._min = math.inf
        self._min_t = math.nan
        self._valley: tuple[float, float] | None = None  # (t, angle) of the last back turning point
        self._fall_speed = 0.0
        self._last_rock_end = -math.inf
        self._quiet_n = 0
        self._quiet_sum = 0.0
        self._quiet_t0 = math.nan
        self.centre_deg = math.nan
        self._recent: list[tuple[float, float]] = []  # (peak, valley) of recent rocks
        self.in_rep = False

    def process(self, t: F64, incl: F64, frontal: F64, speed: F64, emit: Callable[[Cycle], None]) -> None:
        for ti, x, f, s in zip(t.tolist(), incl.tolist(), frontal.tolist(), speed.tolist(), strict=True):
            self._buf.add((ti, x, f, s))
            (v,) = self._d.step(ti, [x])
            self._quiet_step(ti, x, s)
            cyc = self._step(ti, x, v)
            if cyc is not None:
                emit(cyc)
            if len(self._buf.rows) > 20000:
                self._buf.trim(self._valley[0] if self._valley else ti - 30.0)

    def _quiet_step(self, ti: float, x: float, s: float) -> None:
        if s < self.p.quiet_dps:
            if self._quiet_n == 0:
                self._quiet_t0, self._quiet_sum = ti, 0.0
            self._quiet_n += 1
            self._quiet_sum += x
            if ti - self._quiet_t0 >= self.p.settle_s and ti - self._last_rock_end >= self.p.bout_gap_s:
                self.centre_deg = self._quiet_sum / self._quiet_n  # a still squat before (or between) bouts
        else:
            self._quiet_n = 0

    def _step(self, ti: float, x: float, v: float) -> Cycle | None:
        p = self.p
        if self._rising:
            if x > self._max:
                self._max, self._max_t = x, ti
            if x < self._max - p.zig_deg:  # peak confirmed: now falling
                self._rising = False
                self._min, self._min_t = x, ti
                self._fall_speed = -v
            elif self._valley is not None and x < self._valley[1]:
                self._valley = (ti, x)  # still going back: the turning point moves
                self._max, self._max_t = x, ti
            elif self._valley is not None and self._settled_far(ti, x):
                # still, far above the last turning point (the foot was lifted and set down again):
                # the next rock starts from here
                self._valley = (ti, x)
                self._max, self._max_t = x, ti
            return None
        if x < self._min:
            self._min, self._min_t = x, ti
        self._fall_speed = max(self._fall_speed, -v)
        turned = (v > -p.stop_frac * self._fall_speed) or (x > self._min + p.zig_deg)
        if not turned:
            return None
        end_t, end_x = (ti, x) if x <= self._min + 0.5 * p.zig_deg else (self._min_t, self._min)
        cyc = None
        if self._valley is not None:
            cyc = self._candidate(self._valley, (self._max_t, self._max), (end_t, end_x), ti)
        self._valley = (end_t, end_x)
        self._rising = True
        self._max, self._max_t = x, ti
        return cyc

    def _settled_far(self, ti: float, x: float) -> bool:
        """Still for settle_s, and the last turning point is a usual rock below both the shin now
        and the usual turning points (a dip out of the rocking, e.g. the foot lifted and set down)."""
        assert self._valley is not None
        if self._quiet_n == 0 or ti - self._quiet_t0 < self.p.settle_s:
            return False
        if not self._recent:
            return False  # no usual rock yet
        usual = float(np.median([pk - vl for pk, vl in self._recent[-5:]]))
        valleys = float(np.median([vl for _pk, vl in self._recent[-5:]]))
        return self._valley[1] < min(x, valleys) - usual

    def _candidate(
        self, start: tuple[float, float], peak: tuple[float, float], end: tuple[float, float], now: float
    ) -> Cycle | None:
        rise, fall = peak[1] - start[1], peak[1] - end[1]
        if min(rise, fall) < self.min_range_deg or min(rise, fall) / max(rise, fall) < self.p.symmetry_min:
            return None
        rows = self._buf.since(start[0])
        rows = rows[rows[:, 0] <= end[0]] if len(rows) else rows
        if len(rows) < 3:
            return None
        centre = self.centre_deg
        if self._recent:
            pk = float(np.median([r[0] for r in self._recent[-5:]]))
            vl = float(np.median([r[1] for r in self._recent[-5:]]))
            centre = 0.5 * (pk + vl) if math.isnan(centre) else 0.5 * (centre + 0.5 * (pk + vl))
        if math.isnan(centre):
            centre = 0.5 * (peak[1] + min(start[1], end[1]))
        self._last_rock_end = end[0]
        return Cycle(
            start_s=start[0],
            end_s=end[0],
            emitted_s=now,
            time_s=rows[:, 0],
            incl_deg=rows[:, 1],
            frontal_deg=rows[:, 2],
            speed_dps=rows[:, 3],
            centre_deg=centre,
            range_deg=peak[1] - centre,
            swing_deg=peak[1] - 0.5 * (start[1] + end[1]),
        )

    def accept(self, cyc: Cycle, partial: bool) -> None:
        """The counter's verdict: full rocks feed the centre estimate."""
        if not partial:
            self._recent.append((float(cyc.incl_deg.max()), float(min(cyc.incl_deg[0], cyc.incl_deg[-1]))))
            del self._recent[:-10]


class CircleSegmenter:
    def __init__(self, params: CyclicParams | None = None) -> None:
        self.p = params or CyclicParams()
        self._d = _Deriv(2, self.p.vel_tau_s)
        self._buf = _Buffer()
        self._beta: float | None = None  # velocity angle (rad)
        self._acc = 0.0  # unwrapped turn since the last boundary
        self._first = True
        self._start_t = math.nan
        # the last circle's centre and mean radius in (inclination, frontal): the knee's position phase
        self._centre: tuple[float, float] | None = None
        self._radius = math.nan
        self._f = math.nan  # frontal tilt at the previous sample
        self._extent = [math.inf, -math.inf, math.inf, -math.inf]  # first circle so far: incl min/max, frontal min/max
        self._slow_since = math.nan  # start of the current run under min_speed_dps
        self.in_rep = False

    def process(self, t: F64, incl: F64, frontal: F64, speed: F64, emit: Callable[[Cycle], None]) -> None:
        for ti, x, f, s in zip(t.tolist(), incl.tolist(), frontal.tolist(), speed.tolist(), strict=True):
            self._buf.add((ti, x, f, s))
            vt, vf = self._d.step(ti, [x, f])
            cyc = self._step(ti, vt, vf, x, f)
            if cyc is not None:
                emit(cyc)
            if len(self._buf.rows) > 20000:
                self._buf.trim(self._start_t if not math.isnan(self._start_t) else ti - 30.0)

    def _reset(self) -> None:
        self._beta = None
        self._acc = 0.0
        self._first = True
        self._start_t = math.nan
        self._centre = None
        self._radius = math.nan
        self._f = math.nan
        self._extent = [math.inf, -math.inf, math.inf, -math.inf]
        self.in_rep = False

    def _passes_forward(self, x: float, f: float, f_prev: float, xc: float, fc: float) -> bool:
        """The knee passes straight forward of the centre (xc, fc): the frontal tilt crosses the centre's in
        the circle's direction, with the inclination above it."""
        return x > xc and (f_prev < fc <= f if self._acc > 0 else f_prev > fc >= f)

    def _first_circle_crossed(self, x: float, f: float, f_prev: float) -> bool:
        """The bout's first circle (no centre yet) ends where the knee passes straight forward of its own
        centre (the middle of its extent so far) once it has been to both sides (the frontal extent at least
        half the sagittal), as later circles end at the previous one's centre. The inclination's top, which
        the velocity rule finds, comes later on a slanted or drifting circle (held-out seed 14: 0.35 s)."""
        x_lo, x_hi, f_lo, f_hi = self._extent
        return f_hi - f_lo >= 0.5 * (x_hi - x_lo) and self._passes_forward(
            x, f, f_prev, 0.5 * (x_lo + x_hi), 0.5 * (f_lo + f_hi)
        )

    def _step(self, ti: float, vt: float, vf: float, x: float, f: float) -> Cycle | None:
        # The velocity's direction means nothing under min_speed_dps: such samples add no turn, and a run of
        # them lasting stop_s is a stop. Shorter runs are a slow circle's top (the knee's slowest point and
        # its boundary): resetting there lost the circle that was ending (fresh seed 29 slow, a set's first
        # circle), so the position rules below still see them.
        slow = math.hypot(vt, vf) < self.p.min_speed_dps
        if slow:
            if math.isnan(self._slow_since):
                self._slow_since = ti
            if ti - self._slow_since >= self.p.stop_s:
                self._reset()
                return None
            if self._beta is None:
                return None
        else:
            self._slow_since = math.nan
        f_prev, self._f = self._f, f
        if self._first:
            ext = self._extent
            ext[0], ext[1], ext[2], ext[3] = min(ext[0], x), max(ext[1], x), min(ext[2], f), max(ext[3], f)
        beta = prev = math.nan
        if not slow:
            beta = math.atan2(vf, vt)
            if self._beta is None:
                self._beta, self._start_t, self.in_rep = beta, ti, True
                return None
            d = (beta - self._beta + math.pi) % (2.0 * math.pi) - math.pi
            prev = self._beta
            self._beta = beta
            self._acc += d
            if self._first and abs(self._acc) < 0.25 * math.pi:
                # a bout's first circle starts where the knee's path begins to turn: a straight approach from
                # standing to the circle's centre that runs into the first circle without a stop is not part
                # of it (its range, 2-3 circles' worth, made every later circle of the set look partial)
                self._start_t = ti
                self._extent = [x, x, f, f]
        need = math.pi if self._first else 1.5 * math.pi
        if abs(self._acc) < need:
            return None
        if self._centre is not None:
            # boundary: the knee's position passes straight forward of the last circle's centre (the
            # frontal tilt crosses the centre's, inclination above it). On a slow circle the top is flat:
            # the inclination's rate is near zero for a second and sway moves its zero crossing by up to
            # 0.5 s, while the frontal tilt crosses its centre at its fastest (radius × angular rate).
            # The bout's last circle spirals into the centre and never crosses: it ends where the knee is
            # back within half a radius of the centre.
            xc, fc = self._centre
            crossed = math.hypot(x - xc, f - fc) < 0.5 * self._radius or self._passes_forward(x, f, f_prev, xc, fc)
        else:
            # first circle of a bout (no centre yet): straight forward of its own centre, or else where the
            # velocity crosses "straight to the side" (+90° ccw, −90° cw), i.e. the knee farthest forward
            target = math.pi / 2 if self._acc > 0 else -math.pi / 2
            crossed = not slow and (
                (math.sin(prev - target) < 0) != (math.sin(beta - target) < 0) and math.cos(beta - target) > 0
            )
            crossed = crossed or self._first_circle_crossed(x, f, f_prev)
        if not crossed:
            return None
        rows = self._buf.since(self._start_t)
        direction = "ccw" if self._acc > 0 else "cw"
        cyc = Cycle(
            start_s=self._start_t,
            end_s=ti,
            emitted_s=ti,
            time_s=rows[:, 0],
            incl_deg=rows[:, 1],
            frontal_deg=rows[:, 2],
            speed_dps=rows[:, 3],
            range_deg=float(rows[:, 1].max() - rows[:, 1].min()),
            direction=direction,
        )
        self._first = False
        self._acc = 0.0
        self._start_t = ti
        # the next boundary's reference: this circle's mean position and mean distance from it
        xc, fc = float(rows[:, 1].mean()), float(rows[:, 2].mean())
        self._centre = (xc, fc)
        self._radius = float(np.hypot(rows[:, 1] - xc, rows[:, 2] - fc).mean())
        self._buf.trim(ti)
        return cyc
