"""A calf raise's timing and the foot model: pulse widths, the lowering fit, heel rise from the ankle's.

The sensor rises with the ankle; ``heel_rise_cm`` converts that with a foot model: the foot pitches
about the metatarsal heads, the ankle sits ``ANKLE_HEIGHT_CM`` above the floor and
``BALL_FROM_ANKLE_FRAC × foot`` behind them, the heel ``HEEL_TO_BALL_FRAC × foot`` behind them
(docs/drills.md). The lowering fit sees the ankle's speed through the same model.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from dorsi.drills.kneewall import Profile
from dorsi.motion.types import F64

MJ_FWHM = 0.5412  # full width at half maximum of a minimum-jerk speed profile, × its duration
MJ_PEAK_ACC = 5.774  # a minimum-jerk move's peak acceleration, × distance / duration² (10/√3)
ANKLE_HEIGHT_CM = 8.0
BALL_FROM_ANKLE_FRAC = 0.54  # metatarsal heads ahead of the ankle, × foot length
HEEL_TO_BALL_FRAC = 0.73  # heel to metatarsal heads, × foot length
DEFAULT_FOOT_CM = Profile().foot_cm  # heel to longest toe, when the person's is not known


_BETA = np.linspace(0.0, math.radians(60.0), 2001)  # the foot's pitch, the table's steps
_BETA.flags.writeable = False


@functools.lru_cache(maxsize=16)
def _ankle_table(foot_cm: float, ankle_height_cm: float) -> F64:
    """The ankle's rise at each pitch of _BETA (a person's foot: the same table for every rep)."""
    ankle = BALL_FROM_ANKLE_FRAC * foot_cm * np.sin(_BETA) - ankle_height_cm * (1.0 - np.cos(_BETA))
    ankle.flags.writeable = False
    return ankle


def heel_rise_cm(shin_rise_cm: F64, foot_cm: float = DEFAULT_FOOT_CM, ankle_height_cm: float = ANKLE_HEIGHT_CM) -> F64:
    """Heel rise from the ankle's rise: the foot pitches by β about the metatarsal heads."""
    lever = HEEL_TO_BALL_FRAC * foot_cm
    ankle = _ankle_table(float(foot_cm), float(ankle_height_cm))
    return np.asarray(lever * np.sin(np.interp(shin_rise_cm, ankle, _BETA)), dtype=np.float64)


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


def _mj_speed_of_unit(uc: F64) -> F64:
    """_mj_speed of finite u given clipped to [0, 1]: the same values (at a clipped 0 or 1 the profile is +0.0,
    as np.where gives there), 5 passes over the grid instead of 9."""
    return np.asarray(30.0 * uc * uc * (1.0 - uc) ** 2, dtype=np.float64)


def _smoothstep5(x: F64) -> F64:
    """Minimum-jerk position fraction of a unit move over a unit time (clipped to [0, 1])."""
    return _smoothstep5_of_unit(np.minimum(np.maximum(x, 0.0), 1.0))  # (np.clip, without its overhead)


def _smoothstep5_of_unit(u: F64) -> F64:
    """_smoothstep5 of x already clipped to [0, 1]."""
    return np.asarray(u * u * u * (10.0 + u * (-15.0 + 6.0 * u)), dtype=np.float64)  # (u·u·u: pow is slow)


def _unit(x: F64) -> F64:
    """x clipped to [0, 1] (np.clip, without its overhead)."""
    return np.asarray(np.minimum(np.maximum(x, 0.0), 1.0), dtype=np.float64)


def _ramp(x: F64) -> F64:
    """A speed ramp 0 → 1 over x in [0, 1], flat at both ends: a minimum-jerk speed's rising half
    (16 u²(1 − u)² at u = x / 2), so two of them back to back are a minimum-jerk move."""
    return _ramp_of_unit(_unit(x))


def _ramp_of_unit(xc: F64) -> F64:
    """_ramp of x already clipped to [0, 1]."""
    return np.asarray(xc * xc * (2.0 - xc) ** 2, dtype=np.float64)


def _ramp_integral(x: F64) -> F64:
    """∫₀ˣ _ramp (RAMP_AREA at x = 1)."""
    return _ramp_integral_of_unit(_unit(x))


def _ramp_integral_of_unit(xc: F64) -> F64:
    """_ramp_integral of x already clipped to [0, 1]."""
    return np.asarray(xc * xc * xc * (4.0 / 3.0 + xc * (-1.0 + 0.2 * xc)), dtype=np.float64)


RAMP_AREA = 8.0 / 15.0


def _ramp_cruise_ramp(u: F64, up: F64, down: F64) -> tuple[F64, F64]:
    """Position fraction and speed (per unit time) of a unit move over a unit time whose speed rises over
    the first ``up`` of it, cruises, and falls over the last ``down`` (up + down ≤ 1; ``_ramp`` ramps).
    up = down = ½ is the minimum-jerk move; a small ``up`` and a large ``down`` peak early, the other
    way late; short ramps both sides are a trapezoid."""
    # (the ramps clip their argument to [0, 1]: each phase's term is constant outside it)
    vmax = 1.0 / (1.0 - (1.0 - RAMP_AREA) * (up + down))
    x_up, x_dn = _unit(u / up), _unit((1.0 - u) / down)  # (clipped once for both ramps' terms)
    cruise = np.minimum(np.maximum(u - up, 0.0), 1.0 - up - down)
    pos = vmax * (up * _ramp_integral_of_unit(x_up) + cruise + down * (RAMP_AREA - _ramp_integral_of_unit(x_dn)))
    speed = vmax * _ramp_of_unit(x_up) * _ramp_of_unit(x_dn)
    return np.asarray(pos, dtype=np.float64), np.asarray(speed, dtype=np.float64)


class _Foot(NamedTuple):
    """The foot model's lengths for one lowering (m): metatarsal heads ahead of the ankle, heel to them,
    the ankle's height, and the heel's top for the ankle's drop."""

    ball_m: float
    lever_m: float
    ah_m: float
    heel_top_m: float

    @classmethod
    def of(cls, drop_m: float, foot_cm: float) -> _Foot:
        heel_top_m = 0.01 * float(heel_rise_cm(np.asarray(100.0 * drop_m), foot_cm))
        ball_m, lever_m = 0.01 * BALL_FROM_ANKLE_FRAC * foot_cm, 0.01 * HEEL_TO_BALL_FRAC * foot_cm
        return cls(ball_m, lever_m, 0.01 * ANKLE_HEIGHT_CM, heel_top_m)

    def ankle_speed(self, pos: F64, heel_speed: F64) -> F64:
        """The ankle's downward speed (m per unit time) when the heel, lowering from its top, is ``pos`` of
        its way down and moves at ``heel_speed`` (of the way per unit time). The foot pitches by β about
        the metatarsal heads: heel r = lever·sin β, ankle h = ball·sin β − ankle_height·(1 − cos β), so
        dh/dr = (ball − ankle_height·tan β) / lever: the ankle moves ≈ 20 % slower per cm of heel at the
        top of a 5-9 cm rise than near the floor, which skews the ankle's speed pulse late."""
        sin_b = self.heel_top_m * (1.0 - pos) / self.lever_m
        tan_b = sin_b / np.sqrt(1.0 - sin_b * sin_b)
        per_heel = (self.ball_m - self.ah_m * tan_b) / self.lever_m
        return np.asarray(per_heel * self.heel_top_m * heel_speed, dtype=np.float64)


def _lowering_speed(u: F64, foot: _Foot, finite: bool = False) -> F64:
    """The ankle's downward speed (m per unit time) when the heel comes down along a minimum-jerk
    profile over a unit time (u in [0, 1]) (the foot model: ``_Foot.ankle_speed``). ``finite``: every u is
    (the caller knows), so the speed is taken on the position's clipped u (the same values)."""
    if finite and SHARED_CLIP:
        uc = _unit(u)
        return foot.ankle_speed(_smoothstep5_of_unit(uc), _mj_speed_of_unit(uc))
    return foot.ankle_speed(_smoothstep5(u), _mj_speed(u))


class _Increments(NamedTuple):
    """The velocity's 50 ms bins: their times, the velocity's increments and the bins' lengths."""

    ts: F64
    dv: F64
    dts: F64

    @classmethod
    def of(cls, t: F64, v: F64) -> _Increments | None:
        step = max(1, round(0.05 / max(float(np.median(np.diff(t))), 1e-4)))
        ts, vs = t[::step], v[::step]
        if len(ts) < 3:
            return None
        return cls(ts, np.diff(vs), np.diff(ts))

    def costs(self, w: F64) -> F64:
        """Each template's cost: its velocity increments (rows of ``w``, the template's velocity at ``ts``)
        against the measured ones, plus the best constant offset error c (c·Δt per increment), weighted
        by 1/Δt (the increments of a random walk: variance ∝ Δt). White accelerometer noise of density n
        gives each increment the variance n²·Δt/2, so cost / (n²/2) is the fit's χ² (−2 log-likelihood)."""
        res = self.dv[None, :] - np.diff(w, axis=1)
        c = res.sum(axis=1) / float(self.ts[-1] - self.ts[0])
        dts = self.dts[None, :]
        return np.asarray(np.sum((res - c[:, None] * dts) ** 2 / dts, axis=1), dtype=np.float64)

    def bound_columns(self, group: int = 0) -> npt.NDArray[np.intp] | None:
        """The columns ``bounds`` reads the templates at: every group-th (0: BOUND_GROUP-th) bin edge and the
        last (None: no bound, when the bins are too few to gain or an interval is not > 0)."""
        n, group = len(self.dv), group or BOUND_GROUP
        if n < 2 * group or not (self.dts > 0.0).all() or not np.isfinite(self.ts).all():
            return None
        return np.append(np.arange(0, n, group), n)

    def merged(self, cols: npt.NDArray[np.intp]) -> tuple[F64, F64]:
        """The increments and bins' lengths merged between the columns ``cols`` (``bounds``)."""
        return np.add.reduceat(self.dv, cols[:-1]), self.ts[cols[1:]] - self.ts[cols[:-1]]

    def bounds(self, w_at: F64, cols: npt.NDArray[np.intp]) -> F64:
        """A lower bound on each template's cost from its values at the columns ``cols`` only: the increments
        merged BOUND_GROUP at a time. For any offset c, a group's (Σ (r − c·Δt))² / ΣΔt is at most its
        Σ (r − c·Δt)² / Δt (Cauchy-Schwarz), and the offset minimising the merged cost gives at most the cost
        at the fine one's: cost ≥ bound, up to rounding (relative ≈ 1e-15; ``_row_costs`` keeps a margin)."""
        dv, span = self.merged(cols)
        res = dv[None, :] - np.diff(w_at, axis=1)
        c = res.sum(axis=1) / span.sum()
        return np.asarray(np.sum((res - c[:, None] * span) ** 2 / span, axis=1), dtype=np.float64)


class Lowering(NamedTuple):
    """A fitted lowering: start, duration, the shape's ramp-up and braking fractions (½, ½: minimum jerk)
    and the fit's cost (weighted squared residual, m²/s³; ``_Increments.costs``)."""

    t0_s: float
    dur_s: float
    up: float
    down: float
    cost: float
    n_inc: int = 0  # the increments fitted (lowering_time, lowering_landed)


_NO_FIT = Lowering(math.nan, math.nan, math.nan, math.nan, math.inf)

# the templates' costs are computed a block of rows at a time, each block's arrays at most this many values (64 kB:
# under malloc's 128 kB mmap threshold, so the two dozen temporaries a block takes reuse the heap and stay in the
# cache; 16-32k values were slower and erratic, the whole grid's 10-40k as well: the fits of 16 simulated sessions
# 1.45 -> 0.95 s with the ramps' shared clip). Every row is its own arithmetic (elementwise, then sums along the
# row), so the costs are the same bits; 0: the whole grid at once (the reference the tests compare with). With the
# templates in place (IN_PLACE, the default) the blocks are of IN_PLACE_BLOCK_VALUES instead
COST_BLOCK_VALUES = 8192
SHARED_CLIP = True  # a minimum-jerk template's speed on its position's clipped u (off: each clips; the same bits)


def _row_blocks(rows: int, width: int) -> list[slice]:
    """The row slices the template grid is costed in (one: the whole grid)."""
    values = IN_PLACE_BLOCK_VALUES if IN_PLACE else COST_BLOCK_VALUES
    step = max(1, values // max(1, width)) if values > 0 else rows
    if rows <= step:
        return [slice(None)]
    return [slice(a, a + step) for a in range(0, rows, step)]


# The templates and their costs in place (IN_PLACE): every elementwise operation of ``_lowering_speed``,
# ``_ramp_cruise_ramp``, ``_Foot.ankle_speed`` and ``_Increments.costs`` in the same order, each written into a
# reused buffer instead of a new array: the same bits. A new array over ≈ 100 kB is fresh memory from the system
# (pages faulted in on every use: a chain of operations on 24k values 13× slower than in place), which is what kept
# the blocks at 64 kB and the grids at several blocks of two dozen numpy calls each; in place, a block of
# IN_PLACE_BLOCK_VALUES. Buffers per thread (the app's sensors may count on several).
IN_PLACE = True  # (off: the allocating blocks of COST_BLOCK_VALUES)
IN_PLACE_BLOCK_VALUES = 32768  # (8k, 16k, 32k, 64k values: 318, 309, 309, 306 ms over 175 recorded fits)


class _Scratch(threading.local):
    def __init__(self) -> None:
        self.flat: list[F64] = []

    def arrays(self, shape: tuple[int, int], first: int, k: int) -> list[F64]:
        """Buffers first … first + k − 1 in this shape (C-contiguous views of this thread's flat buffers)."""
        size = shape[0] * shape[1]
        flat = self.flat
        while len(flat) < first + k:
            flat.append(np.empty(0))
        out = []
        for i in range(first, first + k):
            if len(flat[i]) < size:
                flat[i] = np.empty(max(size, 2 * len(flat[i])))
            out.append(flat[i][:size].reshape(shape))
        return out


_SCRATCH = _Scratch()


def _ankle_into(foot: _Foot, pos: F64, speed: F64, a: F64) -> F64:
    """``foot.ankle_speed(pos, speed)`` into a (pos is overwritten)."""
    np.subtract(1.0, pos, out=pos)
    np.multiply(foot.heel_top_m, pos, out=pos)
    np.divide(pos, foot.lever_m, out=pos)  # sin β
    np.multiply(pos, pos, out=a)
    np.subtract(1.0, a, out=a)
    np.sqrt(a, out=a)
    np.divide(pos, a, out=a)  # tan β
    np.multiply(foot.ah_m, a, out=a)
    np.subtract(foot.ball_m, a, out=a)
    np.divide(a, foot.lever_m, out=a)
    np.multiply(a, foot.heel_top_m, out=a)
    np.multiply(a, speed, out=a)
    return a


def _mj_template_into(t: F64, t0b: F64, db: F64, foot: _Foot) -> F64:
    """``_lowering_speed((t − t0b) / db, foot, finite=True) / −db`` (t0b, db: columns), in this thread's buffers
    0-3 (the result in 2)."""
    uc, pos, w, b = _SCRATCH.arrays((len(t0b), len(t)), 0, 4)
    np.subtract(t[None, :], t0b, out=uc)
    np.divide(uc, db, out=uc)
    np.maximum(uc, 0.0, out=uc)
    np.minimum(uc, 1.0, out=uc)  # (_unit: clipped once for both terms, as SHARED_CLIP: the same values)
    # _smoothstep5_of_unit: u·u·u·(10 + u·(−15 + 6u))
    np.multiply(uc, uc, out=pos)
    np.multiply(pos, uc, out=pos)
    np.multiply(6.0, uc, out=b)
    np.add(-15.0, b, out=b)
    np.multiply(uc, b, out=b)
    np.add(10.0, b, out=b)
    np.multiply(pos, b, out=pos)
    # _mj_speed_of_unit: 30·u·u·(1 − u)²
    np.multiply(30.0, uc, out=w)
    np.multiply(w, uc, out=w)
    np.subtract(1.0, uc, out=b)
    np.square(b, out=b)
    np.multiply(w, b, out=b)
    a = _ankle_into(foot, pos, b, w)
    np.divide(a, -db, out=a)
    return a


def _ramp_integral_into(x: F64, out: F64, tmp: F64) -> F64:
    """_ramp_integral_of_unit(x) into out: x·x·x·(4/3 + x·(−1 + 0.2x))."""
    np.multiply(x, x, out=out)
    np.multiply(out, x, out=out)
    np.multiply(0.2, x, out=tmp)
    np.add(-1.0, tmp, out=tmp)
    np.multiply(x, tmp, out=tmp)
    np.add(4.0 / 3.0, tmp, out=tmp)
    np.multiply(out, tmp, out=out)
    return out


def _ramp_into(x: F64, out: F64, tmp: F64) -> F64:
    """_ramp_of_unit(x) into out: x·x·(2 − x)²."""
    np.multiply(x, x, out=out)
    np.subtract(2.0, x, out=tmp)
    np.square(tmp, out=tmp)
    np.multiply(out, tmp, out=out)
    return out


def _free_template_into(t: F64, t0b: F64, db: F64, up: F64, down: F64, foot: _Foot) -> F64:
    """``foot.ankle_speed(*_ramp_cruise_ramp((t − t0b) / db, up, down)) / −db`` (t0b, db, up, down: columns), in
    this thread's buffers 0-6 (the result in one of them)."""
    u, xu, xd, cr, pos, q, tmp = _SCRATCH.arrays((len(t0b), len(t)), 0, 7)
    vmax = 1.0 / (1.0 - (1.0 - RAMP_AREA) * (up + down))
    np.subtract(t[None, :], t0b, out=u)
    np.divide(u, db, out=u)
    np.divide(u, up, out=xu)
    np.maximum(xu, 0.0, out=xu)
    np.minimum(xu, 1.0, out=xu)
    np.subtract(1.0, u, out=xd)
    np.divide(xd, down, out=xd)
    np.maximum(xd, 0.0, out=xd)
    np.minimum(xd, 1.0, out=xd)
    np.subtract(u, up, out=cr)
    np.maximum(cr, 0.0, out=cr)
    np.minimum(cr, 1.0 - up - down, out=cr)
    # pos = vmax · (up · ∫ramp(x_up) + cruise + down · (RAMP_AREA − ∫ramp(x_dn)))
    _ramp_integral_into(xu, pos, tmp)
    np.multiply(up, pos, out=pos)
    np.add(pos, cr, out=pos)
    _ramp_integral_into(xd, q, tmp)
    np.subtract(RAMP_AREA, q, out=q)
    np.multiply(down, q, out=q)
    np.add(pos, q, out=pos)
    np.multiply(vmax, pos, out=pos)
    # speed = vmax · ramp(x_up) · ramp(x_dn)
    speed = _ramp_into(xu, cr, tmp)
    np.multiply(vmax, speed, out=speed)
    np.multiply(speed, _ramp_into(xd, q, tmp), out=speed)
    a = _ankle_into(foot, pos, speed, u)
    np.divide(a, -db, out=a)
    return a


def _costs_into(inc: _Increments, w: F64) -> F64:
    """``inc.costs(w)`` with its temporaries in this thread's buffers 7-8 (w may be in 0-6)."""
    res, x = _SCRATCH.arrays((w.shape[0], w.shape[1] - 1), 7, 2)
    np.subtract(w[:, 1:], w[:, :-1], out=res)  # (np.diff)
    np.subtract(inc.dv[None, :], res, out=res)
    c = res.sum(axis=1) / float(inc.ts[-1] - inc.ts[0])
    dts = inc.dts[None, :]
    np.multiply(c[:, None], dts, out=x)
    np.subtract(res, x, out=x)
    np.square(x, out=x)
    np.divide(x, dts, out=x)
    return np.asarray(np.sum(x, axis=1), dtype=np.float64)


# Rows whose cost cannot be among the best skipped (``_row_costs``): a template's cost is bounded below from its
# values at every BOUND_GROUP-th bin (``_Increments.bounds``: ≈ 1/8 of the template's work). Once each shape's
# lowest-bound row is costed, a row whose bound exceeds the keep-th best of those by more than rounding could
# leave is never among the best (nor tied with one), so it is not costed: the same fits, bit for bit. Used on the
# free shape's coarse grid (15 shapes, ≈ 600 rows: ≈ 90 % skipped; its costing 247 → 111 ms over 350 recorded
# fits); the other grids' rows are mostly near their best (the minimum jerk's refinement: 27 % skipped) or cheap
# in place, and the bound's own cost did not pay there (measured).
PRUNE = True  # (off: every row costed)
BOUND_GROUP = 8
BOUND_MARGIN = 1e-6  # relative: the bound's and the cost's rounding are ≈ 1e-15 of them


def _costs(inc: _Increments, w: F64) -> F64:
    return _costs_into(inc, w) if IN_PLACE else inc.costs(w)


Template = Callable[[slice | npt.NDArray[np.intp], npt.NDArray[np.intp] | None], F64]


def _row_costs_all(inc: _Increments, n: int, template: Template) -> F64:
    """Every one of n template rows' cost (``inc.costs`` of ``template(rows, None)``), a block at a time."""
    cost = [_costs(inc, template(b, None)) for b in _row_blocks(n, len(inc.ts))]
    return cost[0] if len(cost) == 1 else np.concatenate(cost)


def _row_costs(inc: _Increments, n: int, template: Template, groups: npt.NDArray[np.intp], keep: int) -> F64:
    """Each of n template rows' cost (``inc.costs`` of ``template(rows, None)``; ``template(rows, cols)``: the
    rows' values at those columns only), or +inf for a row whose cost is proven above the keep-th lowest of the
    groups' (each row's group: ``groups``) best costs. Every costed row's cost is computed as by
    ``_row_costs_all`` (its own elementwise operations and row sum): the same bits."""
    cols = inc.bound_columns() if PRUNE else None
    if cols is None:
        return _row_costs_all(inc, n, template)
    bound = np.concatenate([inc.bounds(template(b, cols), cols) for b in _row_blocks(n, len(cols))])
    if not np.isfinite(bound).all():
        return _row_costs_all(inc, n, template)
    cost = np.full(n, math.inf)
    order = np.lexsort((bound, groups))  # each group's lowest bound first
    seeds = order[np.flatnonzero(np.diff(groups[order], prepend=-1) != 0)]
    cost[seeds] = _costs(inc, template(seeds, None))
    if len(seeds) < keep:
        todo = np.arange(n)
    else:
        # (an absolute margin too: a bar of 0 would otherwise let a bound's rounding skip a tie)
        bar = float(np.sort(cost[seeds])[keep - 1]) * (1.0 + BOUND_MARGIN) + 1e-12 * float(np.sum(inc.dv**2 / inc.dts))
        todo = np.flatnonzero(bound <= bar)
    todo = todo[np.isinf(cost[todo])]  # (the seeds are costed)
    for b in _row_blocks(len(todo), len(inc.ts)):
        rows = todo[b]
        cost[rows] = _costs(inc, template(rows, None))
    return cost


# The judging's minimum-jerk fit reuses the close's template values (``Templates``): its samples are the close's and
# the few after it, its grids the close's with a few more starts (the first) or the same (the refinement, when the
# first grid's best is the same). A template's value at a bin depends only on the bin's time, the row's start and
# duration and the foot: where all are the same bits, so is the value; the costs are computed whole as before.
REUSE_TEMPLATES = True  # (off: every template value computed at the judging)


class Templates:
    """A lowering's minimum-jerk grids at its close (``lowering_fit``), for its judging (``lowering_time``): per
    grid, its bins' times, starts, durations, the rows kept (ok over the full grid) and their template values."""

    def __init__(self) -> None:
        self.grids: list[tuple[F64, F64, F64, npt.NDArray[np.bool_], F64, _Foot]] = []


def _same_bits(a: F64, b: F64) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a.view(np.int64), b.view(np.int64)))


def _reused(
    prior: tuple[F64, F64, F64, npt.NDArray[np.bool_], F64, _Foot],
    ts: F64,
    t0: F64,
    dur: F64,
    ok: npt.NDArray[np.bool_],
    foot: _Foot,
    template: Template,
) -> F64 | None:
    """The grid's template values (its ok rows × every bin), the prior grid's where it has them (the same bits
    of bin time, start, duration and foot) and the rest computed; None when the prior grid is not a part."""
    p_ts, p_t0, p_dur, p_ok, p_w, p_foot = prior
    nc, n = len(p_ts), len(ts)
    if (
        p_foot != foot
        or nc > n
        or len(p_t0) > len(t0)
        or not _same_bits(ts[:nc], p_ts)
        or not _same_bits(dur, p_dur)
        or not _same_bits(t0[: len(p_t0)], p_t0)
        or not ok[: len(p_ok)][p_ok].all()
    ):
        return None
    rows = np.cumsum(ok) - 1  # (each full-grid row's place among the ok rows)
    old = rows[np.flatnonzero(p_ok)]  # (the same full-grid index: the same starts first, the same durations)
    is_old = np.zeros(int(rows[-1]) + 1, dtype=bool)
    is_old[old] = True
    w = _SCRATCH.arrays((len(is_old), n), 9, 1)[0]
    w[old, :nc] = p_w
    if nc < n:
        w[old, nc:] = template(old, np.arange(nc, n))
    new = np.flatnonzero(~is_old)
    for b in _row_blocks(len(new), n):
        w[new[b]] = template(new[b], None)
    return w


def _mj_fit(
    inc: _Increments, hold_s: float, foot: _Foot, keep: Templates | None = None, reuse: Templates | None = None
) -> Lowering:
    """The minimum-jerk lowering's best start and duration (``lowering_fit``); its grids' template values kept
    in ``keep``, or taken from ``reuse`` where they are the same (``Templates``)."""
    ts = inc.ts
    end = float(ts[-1])

    def best(t0: F64, dur: F64, k: int) -> Lowering:
        t0g, dg = np.meshgrid(t0, dur, indexing="ij")
        t0f, df = t0g.ravel(), dg.ravel()
        ok_all = t0f + 0.5 * df <= end  # the peak speed is in the data
        if not ok_all.any():
            return _NO_FIT
        t0f, df = t0f[ok_all], df[ok_all]
        # (finite times, starts and durations: every u = (t − t0) / duration is finite)
        finite = bool(np.isfinite(ts).all() and np.isfinite(t0f).all() and np.isfinite(df).all())

        def template(b: slice | npt.NDArray[np.intp], cols: npt.NDArray[np.intp] | None) -> F64:
            t0b, db = t0f[b, None], df[b, None]
            t = ts if cols is None else ts[cols]
            if IN_PLACE and finite:
                return _mj_template_into(t, t0b, db, foot)
            # (x / −d is −x / d, bit for bit: one pass less than negating the grid)
            return _lowering_speed((t[None, :] - t0b) / db, foot, finite) / -db

        w = None
        if REUSE_TEMPLATES and IN_PLACE and finite and reuse is not None and len(reuse.grids) > k:
            w = _reused(reuse.grids[k], ts, t0, dur, ok_all, foot, template)
        elif REUSE_TEMPLATES and IN_PLACE and finite and keep is not None and len(keep.grids) == k:
            w = np.empty((len(t0f), len(ts)))
            for b in _row_blocks(len(t0f), len(ts)):
                w[b] = template(b, None)
            keep.grids.append((ts, t0, dur, ok_all, w, foot))
        if w is None:
            cost = _row_costs_all(inc, len(t0f), template)
        else:  # (each block's rows as computed there: the same costs)
            parts = [_costs(inc, w[b]) for b in _row_blocks(len(t0f), len(ts))]
            cost = parts[0] if len(parts) == 1 else np.concatenate(parts)
        i = int(np.argmin(cost))
        return Lowering(float(t0f[i]), float(df[i]), 0.5, 0.5, float(cost[i]))

    first = best(np.arange(hold_s - 0.3, end, 0.2), np.geomspace(0.3, 20.0, 45), 0)
    if math.isnan(first.dur_s):
        return _NO_FIT
    t0 = np.linspace(first.t0_s - 0.2, first.t0_s + 0.2, 21)
    return best(t0, first.dur_s * np.linspace(0.9, 1.1, 21), 1)


def lowering_fit(
    t: F64,
    v: F64,
    hold_s: float,
    drop_m: float,
    foot_cm: float = DEFAULT_FOOT_CM,
    templates: Templates | None = None,
) -> tuple[float, float]:
    """Start and duration of the lowering from the top hold's zero-velocity update on: a minimum-jerk heel
    lowering of the drop (the heel comes back to the floor: the bridged rise), seen at the ankle
    through the foot's geometry, plus a constant offset error, fitted over the pulse's start and
    duration. The fit is on the velocity's increments over 50 ms bins: the accelerometer's noise is
    white, so the integrated velocity's noise is a random walk whose increments are independent, and
    least squares on them is the maximum-likelihood fit (on the velocity itself the late, noisiest
    samples dominate). A 6-9 s lowering's speed (≈ 0.8 cm/s) is within the drift, so its half-width
    is not measurable, but its shape over the whole lowering is. The lowering may be unfinished when
    the rep closes (the bridge closes it early): the pulse extends past the data. ``templates``: its grids'
    template values are kept there, for ``lowering_time`` on these samples and more."""
    if len(t) < 5 or drop_m <= 0.0:
        return math.nan, math.nan
    inc = _Increments.of(t, v)
    if inc is None:
        return math.nan, math.nan
    fit = _mj_fit(inc, hold_s, _Foot.of(drop_m, foot_cm), keep=templates)
    return fit.t0_s, fit.dur_s


# the free shape's search: the ramp-up and braking fractions first on a 0.2 grid (every pair with up + down ≤ 1;
# 15 shapes), over starts 0.2 s apart and 9 durations; then the best two shapes, each ± 0.1 in either fraction,
# over 5 starts within ± 0.2 s and 7 durations within ± 10 %. (A 0.1 grid, 45 shapes, the best four refined
# ± 0.05: the same eccentric p95 within 0.06 s on tuning seeds 1000-1009, 4 × the time. Coarser grids tried for
# speed and dropped: starts 0.4 s apart made tuning seed 1103's worst error (WitMotion, velocity model) 0.86 →
# 1.43 s; with 7 coarse and 5 fine durations too, the consumer-mpu velocity cell's ecc p95 0.82 → 0.87 s; minimum-jerk
# starts 0.4 s apart, the not-slow ecc p95 of bench_reps --quick 0.11 → 0.12 s.)
_RAMPS = (0.1, 0.3, 0.5, 0.7, 0.9)
_REFINED = 2
_T0_STEP = 0.2
_DURS = 9
_SHAPE_STEPS = (-0.1, 0.0, 0.1)
_FINE_T0 = 5
_FINE_DURS = 7
FREE_EXTRA_PARAMS = 2  # the free shape's ramp-up and braking fractions, beyond the minimum jerk's start and duration


def _free_fit(inc: _Increments, hold_s: float, foot: _Foot, mj: Lowering) -> Lowering:
    """The lowering's start, duration and shape (``_ramp_cruise_ramp``: how long the heel's speed ramps
    up and how long it brakes), searched around the minimum-jerk fit ``mj``: the start from 0.3 s before
    the top hold's zero-velocity update to 0.5 s after that fit's, the duration within 0.5-1.8 × its."""
    ts = inc.ts
    end = float(ts[-1])

    def fits(t0: F64, dur: F64, ramps: list[tuple[float, float]], keep: int) -> list[Lowering]:
        """The keep best shapes' best fits over the starts and durations, best first (keep > 1: the coarse
        search, its rows skipped by their bounds: ``_row_costs``)."""
        g0, gd, gr = np.meshgrid(t0, dur, np.arange(len(ramps)), indexing="ij")
        t0f, df, rf = g0.ravel(), gd.ravel(), gr.ravel()
        shapes = np.asarray(ramps)
        up, down = shapes[rf, 0], shapes[rf, 1]
        ok = t0f + up * df <= end  # the speed's ramp-up is in the data
        if not ok.any():
            return []
        t0f, df, up, down, rf = t0f[ok], df[ok], up[ok], down[ok], rf[ok]

        def template(b: slice | npt.NDArray[np.intp], cols: npt.NDArray[np.intp] | None) -> F64:
            db = df[b, None]
            t = ts if cols is None else ts[cols]
            if IN_PLACE:
                return _free_template_into(t, t0f[b, None], db, up[b, None], down[b, None], foot)
            pos, speed = _ramp_cruise_ramp((t[None, :] - t0f[b, None]) / db, up[b, None], down[b, None])
            return foot.ankle_speed(pos, speed) / -db  # (x / −d: −x / d, one pass less)

        if keep > 1 and np.isfinite(t0f).all() and np.isfinite(df).all():
            cost = _row_costs(inc, len(t0f), template, rf, keep)
        else:
            cost = _row_costs_all(inc, len(t0f), template)
        if np.isnan(cost).any():  # (argmin's first nan)
            best = [int(idx[np.argmin(cost[idx])]) for idx in (np.flatnonzero(rf == k) for k in np.unique(rf))]
        else:  # each shape's first lowest cost: by shape, then cost, then row (a stable sort)
            order = np.lexsort((cost, rf))
            best = order[np.flatnonzero(np.diff(rf[order], prepend=-1) != 0)].tolist()
        out = [
            Lowering(*x)
            for x in zip(
                t0f[best].tolist(),
                df[best].tolist(),
                up[best].tolist(),
                down[best].tolist(),
                cost[best].tolist(),
                strict=True,
            )
        ]
        return sorted(out, key=lambda f: f.cost)[:keep]  # (the rest may not be exact: ``_row_costs``)

    ramps = [(a, b) for a in _RAMPS for b in _RAMPS if a + b <= 1.0 + 1e-9]
    t0 = np.arange(hold_s - 0.3, mj.t0_s + 0.5, _T0_STEP)
    coarse = fits(t0, mj.dur_s * np.geomspace(0.5, 1.8, _DURS), ramps, _REFINED)
    best = _NO_FIT
    # the cost is sharp in the shape (a trapezoid's ramps of 0.25 fit 2× better than 0.2 or 0.3): refine
    # the best shapes of the coarse grid, each in its own basin
    for f in coarse[:_REFINED]:
        near = [
            (f.up + da, f.down + db)
            for da in _SHAPE_STEPS
            for db in _SHAPE_STEPS
            if f.up + da >= 0.05 and f.down + db >= 0.05 and f.up + da + f.down + db <= 1.0 + 1e-9
        ]
        t0 = np.linspace(f.t0_s - 0.2, f.t0_s + 0.2, _FINE_T0)
        fine = fits(t0, f.dur_s * np.linspace(0.9, 1.1, _FINE_DURS), near, 1)
        if fine and fine[0].cost < best.cost:
            best = fine[0]
    return best


def lowering_time(
    t: F64,
    v: F64,
    hold_s: float,
    drop_m: float,
    density: float,
    foot_cm: float = DEFAULT_FOOT_CM,
    templates: Templates | None = None,
) -> Lowering:
    """The lowering's start and duration with its shape chosen by the data. Two models of the velocity's
    increments (``lowering_fit``'s likelihood: white accelerometer noise, a constant offset error, the
    bridged drop): the minimum-jerk lowering (start, duration) and the free shape (start, duration, how
    long the heel's speed ramps up and how long it brakes: trapezoids, bells, early- and late-peaking
    lowerings). The free shape is kept only when its χ² (cost over the increments' noise variance n²Δt/2
    per Δt, n the measured accelerometer density) is lower by more than the Bayesian information
    criterion charges its two extra parameters, 2·ln N for N increments; otherwise the minimum-jerk fit.
    With minimum-jerk lowerings the free shape only fits the noise (it made the key-frame model's
    eccentric p95 worse by 0.1 s when always used); with a trapezoid a minimum-jerk template is 1.0-1.8 s
    off. ``t``, ``v`` may run past the rep's close (the samples up to its judging); ``templates``: the
    close's fit's (``lowering_fit``), reused where they are the same."""
    if len(t) < 5 or drop_m <= 0.0 or not density > 0.0:
        return _NO_FIT
    inc = _Increments.of(t, v)
    if inc is None:
        return _NO_FIT
    foot = _Foot.of(drop_m, foot_cm)
    mj = _mj_fit(inc, hold_s, foot, reuse=templates)
    if math.isnan(mj.dur_s):
        return _NO_FIT
    free = _free_fit(inc, hold_s, foot, mj)
    var = 0.5 * density * density  # an increment's noise variance per second of it
    gain = (mj.cost - free.cost) / var  # the χ² the two extra parameters buy
    return (free if gain > FREE_EXTRA_PARAMS * math.log(len(inc.dv)) else mj)._replace(n_inc=len(inc.dv))


# The landed lowering (``lowering_landed``): once the heel's landing is seen, the lowering's end is known and its
# start and shape are fitted with every sample to it. The shape family is the beta velocity profile, speed ∝
# u^a·(1 − u)^b over the move (a = b = 2: minimum jerk): how sharply the heel's speed sets off (a) and how
# sharply it stops (b), apart. People lower a heel both ways: a slow, controlled release from the top and then
# gravity let in near the floor (large a: the speed peaks late), or a quick release and a long braking down to
# the floor (large b: it peaks early). A ramp-cruise-ramp's ramps set off as u² whatever their length, so a
# slow, late-peaking release (under a millimetre in its first fifth) read 0.7 s late.
LANDED_SHAPES = tuple(2.0 ** (k / 4.0) for k in range(11))  # a and b: 1 … 5.7, log-even steps from 2 (minimum jerk)
_LANDED_GRID = tuple((a, b) for a in LANDED_SHAPES for b in LANDED_SHAPES)  # (a, b) shape-major
LANDED_T0_STEP_S = 0.02  # the starts' grid
LANDED_MIN_S = 0.3  # the shortest lowering tried
_BETA_U = np.linspace(0.0, 1.0, 2001)
_BETA_U.flags.writeable = False


@functools.lru_cache(maxsize=256)
def _beta_table(a: float, b: float) -> tuple[F64, F64]:
    """A beta velocity profile's position fraction and speed (per unit time) on _BETA_U."""
    from scipy.special import beta as beta_fn
    from scipy.special import betainc

    u = _BETA_U
    speed = np.asarray(u**a * (1.0 - u) ** b / beta_fn(a + 1.0, b + 1.0), dtype=np.float64)
    pos = np.asarray(betainc(a + 1.0, b + 1.0, u), dtype=np.float64)
    speed.flags.writeable = False
    pos.flags.writeable = False
    return pos, speed


def _beta_template(ts: F64, t0: F64, end_s: float, a: float, b: float, foot: _Foot) -> F64:
    """The ankle's velocity (m/s, down negative) at ts for lowerings from each start t0 (rows) to end_s (the
    reference ``_beta_cells`` computes, per cell)."""
    dur = end_s - t0[:, None]
    u = _unit((ts[None, :] - t0[:, None]) / dur)
    pos_t, speed_t = _beta_table(a, b)
    pos = np.interp(u, _BETA_U, pos_t)
    speed = np.interp(u, _BETA_U, speed_t)
    return np.asarray(foot.ankle_speed(pos, speed) / -dur, dtype=np.float64)


# ``lowering_landed``'s grid in one go: every shape's tables stacked, read by index. np.interp's arithmetic (the bin
# j: u_j ≤ u < u_{j+1}; slope = Δy/Δx of the bin, then slope·(u − u_j) + y_j; y at u = 1 exactly) gives the same
# bits (checked on the recorded fits' cells and 2 M random u); one gather per value instead of two interp searches.
_BETA_N = len(_BETA_U) - 1
_BETA_U_PAD = np.append(_BETA_U, np.inf)  # (u_{j+1} of the last row: u = 1)
_BETA_STEP_MIN = float(np.diff(_BETA_U).min())


@functools.lru_cache(maxsize=4)
def _beta_tables(shapes: tuple[tuple[float, float], ...]) -> F64:
    """Per shape and u of _BETA_U (rows: shape-major) the position fraction, its slope per unit u over the bin
    to the next u, the speed and its slope (the last u's slopes 0)."""
    out = np.zeros((len(shapes), _BETA_N + 1, 4))
    for k, (a, b) in enumerate(shapes):
        for i, y in enumerate(_beta_table(a, b)):
            out[k, :, 2 * i] = y
            out[k, :-1, 2 * i + 1] = (y[1:] - y[:-1]) / (_BETA_U[1:] - _BETA_U[:-1])
    out.flags.writeable = False
    return out.reshape(-1, 4)


def _beta_cells(ts: F64, t0: F64, shape: npt.NDArray[np.intp], end_s: float, foot: _Foot, exact: bool = True) -> F64:
    """``_beta_template`` for cells (rows): each its start t0 and its shape's index in _LANDED_GRID; in this
    thread's buffers 1-5 and 9-10 (the result: buffer 10), each operation as ``_beta_template``'s (the same bits).
    Not ``exact`` (for a bound): the bin trunc(u·N) as is (a u within rounding of a bin's edge read from the
    bin beside: a value ≈ 1e-16 of it apart). The columns at or before every row's start are −0 (u = 0: the
    tables' position and speed are 0 there, so is the template), written, not computed."""
    first = int(np.searchsorted(ts, t0.min(), side="right")) if len(t0) else 0
    out = _SCRATCH.arrays((len(t0), len(ts)), 10, 1)[0]
    out[:, :first] = -0.0  # (0 / −dur)
    if first < len(ts):
        _beta_cells_after(ts[first:], t0, shape, end_s, foot, exact, out[:, first:])
    return out


def _beta_cells_after(
    ts: F64, t0: F64, shape: npt.NDArray[np.intp], end_s: float, foot: _Foot, exact: bool, out: F64
) -> None:
    """``_beta_cells``'s values into out (rows × ts), in buffers 1-5 and 9. A run of rows of one start shares its
    u, bin and offset in the bin (computed once, then copied to its rows)."""
    rows, cols = len(t0), len(ts)
    x, pos, speed, a, jf = _SCRATCH.arrays((rows, cols), 1, 5)
    y = _SCRATCH.arrays((rows, 4 * cols), 9, 1)[0].reshape(rows, cols, 4)
    j = jf.view(np.intp)
    dur = end_s - t0[:, None]
    first = np.flatnonzero(np.diff(t0, prepend=math.nan) != 0.0)  # each run's first row
    t0_run = t0[first, None]
    u = (ts[None, :] - t0_run) / (end_s - t0_run)
    np.maximum(u, 0.0, out=u)
    np.minimum(u, 1.0, out=u)  # (_unit)
    j_run = (u * _BETA_N).astype(np.intp)  # (truncated: u ≥ 0)
    x_run = u - _BETA_U[j_run]  # u − u_j (exact: Sterbenz)
    if exact and not (x_run.min() >= 0.0 and x_run.max() < _BETA_STEP_MIN):  # (then u_j ≤ u < u_{j+1}: mostly)
        j_run -= _BETA_U[j_run] > u  # the bin as np.interp's search
        j_run += _BETA_U_PAD[j_run + 1] <= u
        x_run = u - _BETA_U[j_run]
    run = np.repeat(np.arange(len(first)), np.diff(np.append(first, rows)))
    x_run.take(run, axis=0, out=x)
    j_run.take(run, axis=0, out=j)
    np.add(j, (shape * (_BETA_N + 1))[:, None], out=j)
    _beta_tables(_LANDED_GRID).take(j, axis=0, out=y, mode="clip")  # (clip: unbuffered; j in range)
    np.multiply(y[..., 1], x, out=pos)
    np.add(pos, y[..., 0], out=pos)
    np.multiply(y[..., 3], x, out=speed)
    np.add(speed, y[..., 2], out=speed)
    _ankle_into(foot, pos, speed, a)
    np.divide(a, -dur, out=out)


# The landed fit's cells (start × shape, ≈ 20k) are costed only where they can weigh: a cell whose χ² is beyond the
# best's by LANDED_CHI2 weighs exp(−LANDED_CHI2/2) < 5e-18 of it, so the mean is over the cells within it (the 20k
# others together move it < 1e-12 s). First each shape's runs of LANDED_BLOCK_STARTS starts are bounded below at
# once from their templates' ranges (``_block_bounds``: no template computed); the cells of the lowest-bound runs
# are costed, and a run whose bound exceeds their best plus LANDED_CHI2 is out (≈ 80 % of the cells). Then each
# cell left is bounded from its values at every g-th bin (``_Increments.bounds``), g of LANDED_BOUND_GROUPS, and
# costed only if that bound is within the bar: ≈ 10 % of the cells are (852 recorded fits: the starts, shapes and
# costs the same bits as with the per-cell bounds alone, ×1.27 faster; 137 fits: all cells 47 → ≈ 6.5 ms a fit).
LANDED_CHI2 = 80.0
LANDED_SEED_CELLS = 16  # the lowest-bound cells costed first
LANDED_BOUND_GROUPS = (8,)
LANDED_BLOCK_VALUES = 32768  # the cells' values computed a block at a time, in place


LANDED_BLOCK_STARTS = 8  # the first pass bounds a shape's cells this many starts at a time (0: none)
LANDED_BLOCK_GROUP = 8  # ... from its templates' ranges at every this-many-th bin
_RANGE_EPS = 1e-9  # relative: the ranges widened by far more than rounding (≈ 1e-15 of them)


_H_KNOTS = 1024  # the ankle's speed per heel speed tabulated on this many steps of the position (monotone)


@functools.lru_cache(maxsize=4)
def _beta_knots(
    shapes: tuple[tuple[float, float], ...],
) -> tuple[F64, npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp], F64]:
    """Per shape (rows) on the tables' knots: the speed; the steps of _H_KNOTS about the position (one below its
    step, two above: a position within rounding of a knot's is inside); each speed's highest knot (−1: the knots'
    speeds not unimodal, the highest then taken everywhere) and its value."""
    tab = _beta_tables(shapes).reshape(len(shapes), _BETA_N + 1, 4)
    pos, speed = tab[:, :, 0], np.ascontiguousarray(tab[:, :, 2])
    if not (np.diff(pos, axis=1) >= 0.0).all():
        raise ValueError("a beta position table is not monotone")
    step = (pos * _H_KNOTS).astype(np.intp)
    h_lo, h_hi = np.maximum(step - 1, 0), np.minimum(step + 2, _H_KNOTS)
    knot = np.argmax(speed, axis=1)
    s_knot = speed[np.arange(len(shapes)), knot]
    for k, m in enumerate(knot):
        if not ((np.diff(speed[k, : m + 1]) >= 0.0).all() and (np.diff(speed[k, m:]) <= 0.0).all()):
            knot[k] = -1
    for x in (speed, h_lo, h_hi, knot, s_knot):
        x.flags.writeable = False
    return speed, h_lo, h_hi, knot, s_knot


def _block_bounds(
    inc: _Increments, cols: npt.NDArray[np.intp], t0: F64, end_s: float, foot: _Foot, block: int
) -> F64 | None:
    """A lower bound on the cost of every cell of each shape (rows, _LANDED_GRID) and run of ``block`` starts
    (columns) from the ranges of its templates' values at the columns ``cols``, no template computed: over a
    run, a column's u lies between its starts' (computed as ``_beta_cells`` does), so between two knots of the
    tables; the position is monotone in u and the speed unimodal (its highest knot), the ankle's speed per heel
    speed rises with the position, the duration lies between the run's ends'. The cost is at least
    ``_Increments.bounds``'s merged sum at the fine cost's own offset c = (Σ dv − w_n + w_0) / T; each merged
    increment's term at least its squared distance from 0 over the values' ranges (None: no bound)."""
    speed_k, h_lo_k, h_hi_k, knot, s_knot = _beta_knots(_LANDED_GRID)
    ts = inc.ts[cols]
    dur = end_s - t0[:, None]
    u = _unit((ts[None, :] - t0[:, None]) / dur)  # (n_t0, n_cols): each start's u, as every cell's
    edges = np.arange(0, len(t0), block)
    u_lo, u_hi = np.minimum.reduceat(u, edges, axis=0), np.maximum.reduceat(u, edges, axis=0)
    j_lo = np.maximum((u_lo * _BETA_N).astype(np.intp) - 1, 0).ravel()  # knots about the range (a knot spare)
    j_hi = np.minimum((u_hi * _BETA_N).astype(np.intp) + 2, _BETA_N).ravel()
    # the ankle's speed per heel speed at _H_KNOTS + 1 positions: between the steps about each range's
    h = foot.ankle_speed(np.linspace(0.0, 1.0, _H_KNOTS + 1), np.ones(1))
    if not (np.isfinite(h).all() and (h >= 0.0).all() and (np.diff(h) >= 0.0).all()):
        return None
    n_runs, n_cols = u_lo.shape
    # w = a / −dur, a ≥ 0: the run's shortest and longest durations, widened
    f_lo = (-((1.0 + _RANGE_EPS) ** 3) / (end_s - t0[np.minimum(edges + block, len(t0)) - 1])).repeat(n_cols)
    f_hi = (-((1.0 - _RANGE_EPS) ** 3) / (end_s - t0[edges])).repeat(n_cols)
    dv, span = inc.merged(cols)
    big_t = float(inc.ts[-1] - inc.ts[0])
    v_sum = float(np.sum(inc.dv))
    out = []
    step = max(1, 8192 // j_lo.size)  # shapes at a time (arrays under malloc's mmap threshold: no page faults)
    for k in range(0, len(_LANDED_GRID), step):
        ks = slice(k, k + step)
        s_a, s_b = speed_k[ks].take(j_lo, axis=1), speed_k[ks].take(j_hi, axis=1)
        m = knot[ks, None]
        s_max = np.where((j_lo <= m) & (m <= j_hi) | (m < 0), s_knot[ks, None], np.maximum(s_a, s_b))
        w_lo = h.take(h_hi_k[ks].take(j_hi, axis=1)) * s_max * f_lo
        w_hi = h.take(h_lo_k[ks].take(j_lo, axis=1)) * np.minimum(s_a, s_b) * f_hi
        w_lo, w_hi = w_lo.reshape(-1, n_runs, n_cols), w_hi.reshape(-1, n_runs, n_cols)
        c_lo = (v_sum - w_hi[..., -1] + w_lo[..., 0]) / big_t
        c_hi = (v_sum - w_lo[..., -1] + w_hi[..., 0]) / big_t
        e_lo = dv - c_hi[..., None] * span - (w_hi[..., 1:] - w_lo[..., :-1])
        e_hi = (w_lo[..., 1:] - w_hi[..., :-1]) - dv + c_lo[..., None] * span  # (−e_hi)
        gap = np.maximum(np.maximum(e_lo, e_hi), 0.0)
        out.append((gap * gap) @ (1.0 / span))
    bound = np.concatenate(out) * (1.0 - _RANGE_EPS)
    return np.asarray(bound, dtype=np.float64) if np.isfinite(bound).all() else None


def _bounds_into(dv: F64, span: F64, w: F64) -> F64:
    """``_Increments.bounds`` of w (buffer 10) from the merged increments and lengths, in buffers 7-8; the rows'
    sums as products with a vector (a few columns: numpy's row sums cost ≈ 30 ns a row; rounding ≈ 1e-16)."""
    res, x = _SCRATCH.arrays((w.shape[0], w.shape[1] - 1), 7, 2)
    np.subtract(w[:, 1:], w[:, :-1], out=res)
    np.subtract(dv[None, :], res, out=res)
    c = res @ np.full(len(span), 1.0 / span.sum())
    np.multiply(c[:, None], span[None, :], out=x)
    np.subtract(res, x, out=x)
    np.square(x, out=x)
    return np.asarray(x @ (1.0 / span), dtype=np.float64)


def _cell_blocks(cells: npt.NDArray[np.intp], width: int, values: int) -> list[npt.NDArray[np.intp]]:
    step = max(1, values // max(1, width))
    return [cells[a : a + step] for a in range(0, len(cells), step)] or [cells]


def lowering_landed(
    t: F64, v: F64, hold_s: float, end_s: float, drop_m: float, foot_cm: float = DEFAULT_FOOT_CM
) -> Lowering:
    """The lowering's start with its end known (the heel's landing at ``end_s``): ``lowering_fit``'s model (a
    heel lowering of the drop seen at the ankle, plus a constant offset error, on the velocity's increments) on
    the samples up to the landing, over starts from 0.3 s before the top hold's zero-velocity update and every
    beta velocity profile of ``LANDED_SHAPES``². The start is the posterior mean over that grid (flat prior;
    the cells within LANDED_CHI2 of the best), the likelihood's noise variance the best fit's residual per
    increment: a slow set-off or stop leaves its start to the shape's extrapolation, and the shapes that fit the
    data about as well are averaged, not one picked by a noise's χ². Returns the start, duration, the best
    shape's exponents (a, b in ``up``, ``down``), its cost and the increments' count; nan: too few samples."""
    keep = t <= end_s
    t, v = t[keep], v[keep]
    if len(t) < 5 or drop_m <= 0.0 or not end_s - hold_s > LANDED_MIN_S:
        return _NO_FIT
    inc = _Increments.of(t, v)
    if inc is None:
        return _NO_FIT
    foot = _Foot.of(drop_m, foot_cm)
    t0 = np.arange(hold_s - 0.3, end_s - LANDED_MIN_S, LANDED_T0_STEP_S)
    n_t0, n = len(t0), len(inc.dv)
    cell_t0 = np.tile(t0, len(_LANDED_GRID))  # cells shape-major (the first of equal costs: the lowest shape, start)
    cell_shape = np.repeat(np.arange(len(_LANDED_GRID)), n_t0)

    def costs(c: npt.NDArray[np.intp]) -> F64:
        """The cells' costs, c in order of start (a block's columns before its first start: 0, not computed)."""
        if len(c) == 0:
            return np.empty(0)
        return np.concatenate(
            [
                _costs_into(inc, _beta_cells(inc.ts, cell_t0[b], cell_shape[b], end_s, foot))
                for b in _cell_blocks(c, n + 1, LANDED_BLOCK_VALUES)
            ]
        )

    cost = np.full(len(cell_t0), math.inf)
    alive = np.arange(len(cell_t0)).reshape(-1, n_t0).T.ravel()  # (in order of start)
    bar = math.inf
    margin = 1e-12 * float(np.sum(inc.dv**2 / inc.dts))  # (the bounds' rounding: as ``_row_costs``)

    def bar_of(seeds: npt.NDArray[np.intp]) -> float:
        cost[seeds] = costs(seeds)
        return float(cost[seeds].min()) * (1.0 + LANDED_CHI2 / n) * (1.0 + BOUND_MARGIN) + margin

    cols = inc.bound_columns(LANDED_BLOCK_GROUP) if LANDED_BLOCK_STARTS else None
    runs = None if cols is None else _block_bounds(inc, cols, t0, end_s, foot, LANDED_BLOCK_STARTS)

    def cells_of(per_run: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """A mask per (shape, run of starts) as one per cell, in ``alive``'s order."""
        return np.repeat(per_run, LANDED_BLOCK_STARTS, axis=1)[:, :n_t0].T.ravel()

    if runs is not None:  # whole runs of starts out at once; the cells of the lowest-bound runs costed first
        run_cells = np.zeros(runs.shape, dtype=np.intp)
        run_cells[:] = np.diff(np.append(np.arange(0, n_t0, LANDED_BLOCK_STARTS), n_t0))
        first = np.argsort(runs, axis=None, kind="stable")
        first = first[: int(np.searchsorted(np.cumsum(run_cells.ravel()[first]), LANDED_SEED_CELLS)) + 1]
        in_run = np.zeros(runs.shape, dtype=bool)
        in_run.ravel()[first] = True
        bar = bar_of(alive[cells_of(in_run)])
        alive = alive[cells_of(runs <= bar)]
    seeded = False
    for group in LANDED_BOUND_GROUPS:
        cols = inc.bound_columns(group)
        if cols is None:
            continue
        dv, span = inc.merged(cols)
        bound = np.concatenate(
            [
                _bounds_into(dv, span, _beta_cells(inc.ts[cols], cell_t0[b], cell_shape[b], end_s, foot, False))
                for b in _cell_blocks(alive, len(cols), LANDED_BLOCK_VALUES)
            ]
        )
        if not np.isfinite(bound).all():
            continue
        if not seeded and len(bound):  # the lowest-bound cells costed: a lower bar
            seeded = True
            k = min(LANDED_SEED_CELLS, len(bound))
            seeds = alive[np.sort(np.argpartition(bound, k - 1)[:k])]
            seeds = seeds[np.isinf(cost[seeds])]
            if len(seeds):
                bar = min(bar, bar_of(seeds))
        alive = alive[bound <= bar]
    todo = alive[np.isinf(cost[alive])]
    cost[todo] = costs(todo)
    best = float(cost.min()) if not np.isnan(cost).any() else math.nan
    if not (np.isfinite(best) and best > 0.0):
        return _NO_FIT
    near = np.flatnonzero(cost <= best * (1.0 + LANDED_CHI2 / n))
    w = np.exp(-0.5 * (cost[near] - best) / (best / n))
    t0_s = float(np.sum(w * cell_t0[near]) / np.sum(w))
    a, b = _LANDED_GRID[int(np.argmin(cost)) // n_t0]
    return Lowering(t0_s, end_s - t0_s, a, b, best, n)
