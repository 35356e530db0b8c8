"""Sensor orientation with VQF (Laidig & Seel 2023), causal and offline.

The live path feeds VQF chunk by chunk; its state carries across chunks, so any
chunking gives the same result. VQF itself starts from the mean of the first
accelerometer samples (its low-pass filter averages them while it initialises),
so the first output already has the right inclination. One addition:

- Lost packets: the filter assumes a fixed sample period. Within a short gap
  (≤ max_bridged_gap_s) it is stepped through the missing periods with linearly
  interpolated inputs, so the rotation during the gap is integrated; those steps
  produce no output samples (gaps are reported, not bridged, in the data).
  After a longer gap (the sensor vanished) the accelerometer low-pass filter is
  restarted, so the inclination is taken afresh from the new samples; the gyro
  bias estimate is kept.
- Gyro bias at rest (``_rest_window_bias``): VQF's own rest update takes the
  0.5 s low-passed gyro as the bias, so a shin that sways or turns slowly while
  "at rest" (quiet stance, calf-raise holds: 0.1–0.4 °/s) leaks that rate into the
  bias, and a 0.3 °/s error tilts the inclination ≈ 0.3 °/s × tauAcc (3 s) ≈ 1°.
  Instead, over each window VQF flags as rest, the gyro's integrated rotation is
  compared with the rotation of gravity seen by the accelerometer; their
  difference over the window's duration is the bias (horizontal components
  exactly; the component about vertical, which the accelerometer cannot see,
  from the gyro alone, trusted less when its rate was not steady over the window,
  as in a slow axial turn). It is fused into VQF's bias Kalman state when the window
  closes (the sensor moves again, or after MAX_WINDOW_S).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray
from vqf import VQF, offlineVQF

from dorsi.motion.types import F64, ImuChunk

SMALL_CHUNK = 16  # chunks up to this size take the per-sample path
# batch steps between state snapshots. A window filled to MAX_WINDOW_S commits at its block's end (no redo);
# one that ends with motion redoes its block (~0.23 µs a step), and each block costs ~12 µs of calls. Sessions
# end 12-150 rest windows an hour that way (simulated drills), so the cost, blocks × 12 µs + ends × BLOCK ×
# 0.23 µs, is lowest near 500-1800 steps: 512 (an hour at 200 Hz: banded mobilization 0.251 -> 0.235 s,
# calf raises and clamshells 3-6 % less than at 256).
BLOCK = 512

# Rest windows (VQF's rest flag) give a gyro bias measurement when they close.
CORRELATION_S = 0.5  # sway and steps make the accelerometer's departures correlated over ~0.5 s
MIN_WINDOW_S = 1.0  # shorter windows are dropped
MAX_WINDOW_S = 10.0  # a longer rest is measured in windows of this length
TWIST_SIGMA_DEG = 0.3  # rotation about vertical during a "rest": unseen by the accelerometer, assumed 0 ± this
# ... or ± this many times the vertical rotation's RMS departure from a steady rate over the window, if larger:
# a slow axial turn (≤ 2 °/s passes VQF's rest test) leaves such a departure, and the line absorbs far more of
# the turn than it leaves (11-20x for a minimum-jerk turn); 5 keeps quiet stance (≈ 0.1° RMS of twist) near 0.3°.
TWIST_RESIDUAL_FACTOR = 5.0
# VQF's own rest update is switched off by giving it no weight (its rest detection is kept).
VQF_REST_SIGMA_OFF_DPS = 1e3
# VQF's rest test also needs the low-passed raw gyro within its bias clip (2 °/s) on every axis. A bias
# near 1.5 °/s plus quiet-stance sway crosses that, so the calibration stand went unseen as rest and the
# bias stayed unlearnt for tens of seconds. Until the first rest window is measured the clip is wider;
# from then on VQF's default holds, so a slow turn later on (an axial rotation drill) is not taken as rest.
STARTUP_BIAS_CLIP_DPS = 3.5
_EYE3 = np.eye(3)  # read-only: shared by every window's covariance and Kalman update
_EYE3.flags.writeable = False


@dataclass(frozen=True)
class OrientationParams:
    rate_hz: float
    max_bridged_gap_s: float = 0.5
    tau_acc_s: float | None = None  # None: VQF's default (3 s)


@dataclass(frozen=True)
class OrientationOutput:
    quat_wxyz: F64  # (n, 4) sensor-to-earth
    bias_dps: F64  # (n, 3) gyro bias estimate
    rest: NDArray[np.bool_]  # (n,) rest detected


def _expand_steps(
    time_s: F64, gyr_dps: F64, acc: F64, prev: tuple[float, F64, F64] | None, period_s: float, max_gap_s: float
) -> tuple[F64, F64, NDArray[np.intp], NDArray[np.intp]]:
    """Filter inputs (gyro in rad/s) with interpolated steps inside short gaps.

    Returns (gyr_steps, acc_steps, output_step_index per sample, indices of samples
    that follow a long gap and need re-seeding).
    """
    n = len(time_s)
    dt = np.empty(n)  # np.diff with prepend, without its concatenated copy of the times
    dt[0] = time_s[0] - (time_s[0] - period_s if prev is None else prev[0])
    np.subtract(time_s[1:], time_s[:-1], out=dt[1:])
    reseed = np.flatnonzero(dt > max_gap_s)
    near = np.flatnonzero((dt > 1.4 * period_s) & (dt <= max_gap_s))  # candidates; rint decides below
    steps_near = np.rint(dt[near] / period_s).astype(np.intp)
    del dt
    owner_of_gap = near[steps_near > 1]  # samples that follow a bridged gap
    if len(owner_of_gap) == 0:
        return np.radians(gyr_dps), acc, np.arange(n), reseed
    gap_steps = steps_near[steps_near > 1]
    out_idx = np.zeros(n, dtype=np.intp)  # where each received sample lands among the steps:
    out_idx[owner_of_gap] = gap_steps - 1
    np.cumsum(out_idx, out=out_idx)  # the bridged steps before it ...
    out_idx += np.arange(n)  # ... after the samples before it
    g = np.empty((int(out_idx[-1]) + 1, 3))
    a = np.empty_like(g)
    g[out_idx], a[out_idx] = gyr_dps, acc
    # only the missing periods are filled in, the same arithmetic as the per-sample path
    owner = np.repeat(owner_of_gap, gap_steps - 1)
    steps = np.repeat(gap_steps, gap_steps - 1)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(gap_steps - 1) - (gap_steps - 1), gap_steps - 1) + 1
    frac = (k / steps)[:, None]
    pos = out_idx[owner] - steps + k
    g[pos] = 0.0
    np.radians(g, out=g)  # in place: no radian copy of the whole input (the values np.radians gives it)
    before = owner - 1
    prev_g = g[out_idx[np.maximum(before, 0)]]
    prev_a = acc[np.maximum(before, 0)]
    if prev is None:
        prev_g[before < 0], prev_a[before < 0] = g[0], acc[0]
    else:
        prev_g[before < 0], prev_a[before < 0] = prev[1], prev[2]
    g[pos] = prev_g + (g[out_idx[owner]] - prev_g) * frac
    a[pos] = prev_a + (acc[owner] - prev_a) * frac
    return g, a, out_idx, reseed


def _received(quat: F64, bias: F64, rest: NDArray[np.bool_], out_idx: NDArray[np.intp]) -> OrientationOutput:
    """The output at the received samples' steps (bias in °/s); np.take is ~4× faster than indexing."""
    if len(out_idx) == len(quat):  # nothing bridged
        return OrientationOutput(quat, np.degrees(bias, out=bias), rest)
    bias_dps = np.take(bias, out_idx, axis=0)
    return OrientationOutput(np.take(quat, out_idx, axis=0), np.degrees(bias_dps, out=bias_dps), np.take(rest, out_idx))


def _rest_window_bias(g: F64, a: F64, period_s: float, block_n: int) -> tuple[F64, F64]:
    """Gyro bias (rad/s) and its covariance ((0.01 °/s)², VQF's unit) from one rest window of filter steps
    (gyro rad/s and acc as (3, n): row operations on contiguous rows are several times faster).

    d(t) = gyro-integrated rotation − rotation of gravity seen by the accelerometer (a fixed vector in a
    turning frame: du/dt = −ω × u, so the seen rotation is −u₀ × u(t) for small angles). A true turn is
    in both and cancels; a constant bias makes d grow linearly: the bias is the least-squares slope of d.
    Linear acceleration (heel rise, weight shift, sway) tilts the seen gravity; fitting over the whole
    window averages it instead of trusting two instants, and its scatter about the line sets the
    covariance (residuals taken as independent per ``block_n`` steps). The accelerometer cannot see a
    turn about vertical: that component is the gyro's alone, with TWIST_SIGMA_DEG over the window, or
    TWIST_RESIDUAL_FACTOR × the vertical residual's RMS when the shin visibly turned (a slow axial turn
    would otherwise be learnt as bias: 0.3° allowance over 5 s is 0.06 °/s, against 0.3 °/s of turn).
    """
    n = g.shape[1]
    t = (np.arange(n) - (n - 1) / 2.0) * period_s
    u = a / np.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])
    u0 = u.mean(axis=1)
    u0 /= math.sqrt(float(u0 @ u0))
    d = np.cumsum(g, axis=1)  # gyro-integrated rotation
    d *= period_s
    d[0] -= u[1] * u0[2] - u[2] * u0[1]  # minus the seen rotation u × u₀
    d[1] -= u[2] * u0[0] - u[0] * u0[2]
    d[2] -= u[0] * u0[1] - u[1] * u0[0]
    d -= d.mean(axis=1)[:, None]
    stt = float(t @ t)
    bias = (d @ t) / stt
    scatter = d @ d.T - stt * np.outer(bias, bias)  # Σ resid·residᵀ, resid = d − mean − t·bias
    # horizontal (two components ⟂ u0): scatter about the line; vertical: the unseen twist
    ss_v = max(0.0, float(u0 @ scatter @ u0))
    var_h = (float(np.trace(scatter)) - ss_v) / (2.0 * max(1, n - 2)) * block_n / stt
    twist_rad = max(math.radians(TWIST_SIGMA_DEG), TWIST_RESIDUAL_FACTOR * math.sqrt(ss_v / n))
    var_v = twist_rad**2 / (n * period_s) ** 2
    cov = (var_h * _EYE3 + (var_v - var_h) * np.outer(u0, u0)) * (180.0 * 100.0 / math.pi) ** 2
    return bias, cov


Measurement = tuple[F64, F64]  # (bias rad/s, covariance)
Commit = tuple[int, Measurement]  # with the filter step it follows


class _RestWindow:
    """The filter steps of the current run of VQF rest flags; a bias measurement when the run ends
    (if it lasted MIN_WINDOW_S) and at MAX_WINDOW_S (the window then starts afresh). ``step`` (per
    sample) and ``block`` (per batch) follow the same rule; the measurement depends only on the raw
    steps, so both paths measure the same at the same step."""

    def __init__(self, rate_hz: float) -> None:
        self.period_s = 1.0 / rate_hz
        self.block_n = max(1, round(CORRELATION_S * rate_hz))
        self.min_n = max(2 * self.block_n, round(MIN_WINDOW_S * rate_hz))
        self.max_n = max(self.min_n, round(MAX_WINDOW_S * rate_hz))
        # the window's steps, first n rows (a step's row written at once: ~0.15 µs less a step than a column of a
        # (3, max_n) array; measured as the contiguous (3, n) arrays they were kept as before, the same bits)
        self.g = np.empty((self.max_n, 3))
        self.a = np.empty((self.max_n, 3))
        self.n = 0

    def drop(self) -> None:
        self.n = 0

    def _measure(self) -> Measurement:
        n = self.n
        g, a = np.ascontiguousarray(self.g[:n].T), np.ascontiguousarray(self.a[:n].T)
        meas = _rest_window_bias(g, a, self.period_s, self.block_n)
        self.drop()
        return meas

    def step(self, g: F64, a: F64, at_rest: bool) -> Measurement | None:
        if at_rest:
            self.g[self.n] = g
            self.a[self.n] = a
            self.n += 1
            return self._measure() if self.n == self.max_n else None
        if self.n:
            if self.n >= self.min_n:
                return self._measure()
            self.drop()
        return None

    def block(self, g: F64, a: F64, p: int, flags: NDArray[np.bool_]) -> list[Commit]:
        """Steps p … p+len(flags)-1 of g, a with their rest flags; the measurements, in order, with the
        step each follows."""
        commits: list[Commit] = []
        if self.n == 0 and not flags.any():
            return commits
        k = len(flags)
        if self.n and self.n + k <= self.max_n and flags.all():  # a rest going on (most blocks of a long one)
            self.g[self.n : self.n + k] = g[p : p + k]
            self.a[self.n : self.n + k] = a[p : p + k]
            self.n += k
            if self.n == self.max_n:
                commits.append((p + k - 1, self._measure()))
            return commits
        change = np.flatnonzero(flags[1:] != flags[:-1]) + 1
        for i0, i1 in pairwise([0, *change.tolist(), len(flags)]):
            if not flags[i0]:
                if self.n >= self.min_n:
                    commits.append((p + i0, self._measure()))
                self.drop()
                continue
            i = i0
            while i < i1:
                take = min(i1 - i, self.max_n - self.n)
                self.g[self.n : self.n + take] = g[p + i : p + i + take]
                self.a[self.n : self.n + take] = a[p + i : p + i + take]
                self.n += take
                i += take
                if self.n == self.max_n:
                    commits.append((p + i - 1, self._measure()))
        return commits


class OrientationEstimator:
    """Causal VQF 6D, sample by sample with state (``update`` takes chunks of any size)."""

    def __init__(self, params: OrientationParams) -> None:
        self.params = params
        self._period_s = 1.0 / params.rate_hz
        self._prev: tuple[float, F64, F64] | None = None
        self._window = _RestWindow(params.rate_hz)
        self.reset()

    def _new_vqf(self, bias_clip_dps: float | None) -> VQF:
        kwargs = {} if self.params.tau_acc_s is None else {"tauAcc": self.params.tau_acc_s}
        if bias_clip_dps is not None:
            kwargs["biasClip"] = bias_clip_dps
        return VQF(self._period_s, biasSigmaRest=VQF_REST_SIGMA_OFF_DPS, **kwargs)

    def reset(self) -> None:
        self._vqf = self._new_vqf(STARTUP_BIAS_CLIP_DPS)
        self._startup = True  # no rest window measured yet
        # the time of the received sample the first rest window's measurement follows (None: the gyro bias
        # not measured yet; VQF's bias σ is still its initial 0.5 °/s, and the bias can be off by the sensor's)
        self.bias_measured_s: float | None = None
        self._first_commit_step: int | None = None  # the batch path's step of that measurement
        self._prev = None
        self._window.drop()

    def _apply(self, measurement: Measurement) -> None:
        """Kalman update of VQF's bias state with a rest window's measurement; the first one ends the
        start-up rest test (the state moves to a VQF with the default bias clip)."""
        meas, cov = measurement
        state = self._vqf.state
        if self._startup:
            self._vqf, self._startup = self._new_vqf(None), False
        b = np.asarray(state["bias"], dtype=np.float64)
        p = np.reshape(state["biasP"], (3, 3))
        gain = p @ np.linalg.inv(p + cov)
        clip = math.radians(self._vqf.params["biasClip"])
        state["bias"] = np.clip(b + gain @ (meas - b), -clip, clip).tolist()
        state["biasP"] = ((_EYE3 - gain) @ p).ravel().tolist()
        self._vqf.state = state

    def _restart_inclination(self) -> None:
        """VQF aligns its low-pass filtered accelerometer with vertical at every step; restarting
        that filter makes it average the new samples, as it does at start-up."""
        state = self._vqf.state
        state["accLpState"] = [math.nan] * 6
        state["lastAccLp"] = [0.0, 0.0, 0.0]
        self._vqf.state = state
        self._window.drop()  # a rest window does not span a drop-out

    def _run(
        self,
        g: F64,
        a: F64,
        out_idx: NDArray[np.intp],
        reseed: NDArray[np.intp],
        quat: F64,
        bias: F64,
        rest: NDArray[np.bool_],
    ) -> None:
        starts = {int(out_idx[i]) for i in reseed}
        bounds = sorted({0, len(g), *starts})
        for s, e in pairwise(bounds):
            if s in starts:
                self._restart_inclination()
            p = s
            window = self._window
            while p < e:
                q = min(e, p + BLOCK)
                if window.n:  # an open window: end the block where a rest to its end would fill it
                    q = min(q, p + window.max_n - window.n)
                snapshot = self._vqf.state
                out = self._vqf.updateBatch(np.ascontiguousarray(g[p:q]), np.ascontiguousarray(a[p:q]))
                quat[p:q], bias[p:q], rest[p:q] = out["quat6D"], out["bias"], out["restDetected"]
                ran_to = q  # the filter's state follows step ran_to - 1
                commits = window.block(g, a, p, rest[p:q])
                if commits and self._startup:
                    # the first commit changes the rest test: redo up to it, then go on afresh from there
                    commits, q = commits[:1], commits[0][0] + 1
                    window.drop()  # as it is right after a commit
                if len(commits) == 1 and commits[0][0] == ran_to - 1:
                    # the block's last step: the filter's state is already the one the commit follows (a
                    # window filled to MAX_WINDOW_S, ending where the block was cut above)
                    self._commit_at(*commits[0])
                elif commits:  # otherwise the rest flags do not depend on the bias: redo the block with the commits
                    self._vqf.state = snapshot
                    for k0, k1, commit in zip(
                        [p] + [c[0] + 1 for c in commits],
                        [c[0] + 1 for c in commits] + [q],
                        [*commits, None],
                        strict=True,
                    ):
                        if k1 > k0:
                            out = self._vqf.updateBatch(np.ascontiguousarray(g[k0:k1]), np.ascontiguousarray(a[k0:k1]))
                            quat[k0:k1], bias[k0:k1] = out["quat6D"], out["bias"]
                        if commit is not None:
                            self._commit_at(*commit)
                p = q

    def _commit_at(self, step: int, measurement: Measurement) -> None:
        if self._startup:
            self._first_commit_step = step
        self._apply(measurement)

    def update_one(self, t: float, g: F64, a: F64) -> tuple[F64, F64, bool]:
        """One sample (gyro rad/s, acc m/s²; 1-D float64, kept for the next gap) through VQF and the
        rest window, with the batch path's gap handling: bridged by linear interpolation, or a restart
        beyond max_bridged_gap_s. Returns (quat_wxyz (4,), bias rad/s (3,), rest), no arrays built:
        the live path's single-sample notifications spend most of their time on per-call set-up."""
        vqf, window, prev = self._vqf, self._window, self._prev
        # round(dt / period) > 1 from 1.5 periods on: only then is anything bridged or restarted
        if prev is not None and (dt := t - prev[0]) >= 1.5 * self._period_s:
            if dt > self.params.max_bridged_gap_s:
                self._restart_inclination()
            else:
                steps = max(1, round(dt / self._period_s))
                for k in range(1, steps):
                    frac = k / steps
                    gk, ak = prev[1] + (g - prev[1]) * frac, prev[2] + (a - prev[2]) * frac
                    vqf.update(gk, ak)
                    if (c := window.step(gk, ak, vqf.getRestDetected())) is not None:
                        if self._startup:
                            self.bias_measured_s = prev[0]  # a bridged step: the received sample before it
                        self._apply(c)
                        vqf = self._vqf  # the first commit replaces it
        vqf.update(g, a)
        out = vqf.getQuat6D(), vqf.getBiasEstimate()[0], vqf.getRestDetected()  # before a commit, as in _run
        # step() does nothing while moving with an empty window (most samples): not called then
        if (out[2] or window.n) and (c := window.step(g, a, out[2])) is not None:
            if self._startup:
                self.bias_measured_s = t
            self._apply(c)
        self._prev = (t, g, a)
        return out

    def _update_small(self, times: list[float], gyr: F64, acc: F64) -> OrientationOutput:
        """Sample by sample for the few samples of one notification: the same arithmetic as
        the batch path (VQF's batch loops over the same update), without numpy set-up costs."""
        n = len(times)
        quat = np.empty((n, 4))
        bias = np.empty((n, 3))
        rest = np.empty(n, dtype=bool)
        for i, t in enumerate(times):
            quat[i], bias[i], rest[i] = self.update_one(t, gyr[i], acc[i])
        self._prev = (times[-1], gyr[-1].copy(), acc[-1].copy())
        return OrientationOutput(quat, np.degrees(bias), rest)

    def update(self, chunk: ImuChunk) -> OrientationOutput:
        n = len(chunk)
        if n == 0:
            return OrientationOutput(np.empty((0, 4)), np.empty((0, 3)), np.empty(0, dtype=bool))
        gyr_dps = np.asarray(chunk.gyr_dps, dtype=np.float64)
        acc = np.ascontiguousarray(chunk.acc_mps2, dtype=np.float64)
        if n <= SMALL_CHUNK:
            return self._update_small(chunk.time_s.tolist(), np.radians(gyr_dps), acc)
        g, a, out_idx, reseed = _expand_steps(
            chunk.time_s, gyr_dps, acc, self._prev, self._period_s, self.params.max_bridged_gap_s
        )
        last = (float(chunk.time_s[-1]), g[out_idx[-1]].copy(), acc[-1].copy())
        del acc  # a whole file's inputs: each copy freed as soon as it is done with
        quat = np.empty((len(g), 4))
        bias = np.empty((len(g), 3))
        rest = np.empty(len(g), dtype=bool)
        self._run(g, a, out_idx, reseed, quat, bias, rest)
        if (step := self._first_commit_step) is not None:
            # the received sample at or before the step (update_one's: the sample, or the one before a bridged gap)
            j = int(np.searchsorted(out_idx, step, side="right")) - 1
            prev_s = self._prev[0] if self._prev is not None else float(chunk.time_s[0])
            self.bias_measured_s, self._first_commit_step = (float(chunk.time_s[j]) if j >= 0 else prev_s), None
        del g, a
        self._prev = last
        return _received(quat, bias, rest, out_idx)


def offline_orientation(chunk: ImuChunk, params: OrientationParams) -> OrientationOutput:
    """Acausal VQF over a whole recording (forward-backward), same gap handling."""
    period_s = 1.0 / params.rate_hz
    acc = np.asarray(chunk.acc_mps2, dtype=np.float64)
    gyr_dps = np.asarray(chunk.gyr_dps, dtype=np.float64)
    g, a, out_idx, reseed = _expand_steps(chunk.time_s, gyr_dps, acc, None, period_s, params.max_bridged_gap_s)
    quat = np.empty((len(g), 4))
    bias = np.empty((len(g), 3))
    rest = np.empty(len(g), dtype=bool)
    bounds = sorted({0, len(g), *(int(out_idx[i]) for i in reseed)})
    for s, e in pairwise(bounds):
        out = offlineVQF(np.ascontiguousarray(g[s:e]), np.ascontiguousarray(a[s:e]), None, period_s)
        quat[s:e], bias[s:e], rest[s:e] = out["quat6D"], out["bias"], out["restDetected"]
    return _received(quat, bias, rest, out_idx)
