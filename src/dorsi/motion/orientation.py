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
    time_s: F64, gyr: F64, acc: F64, prev: tuple[float, F64, F64] | None, period_s: float, max_gap_s: float
) -> tuple[F64, F64, NDArray[np.intp], NDArray[np.intp]]:
    """Filter inputs with interpolated steps inside short gaps.

    Returns (gyr_steps, acc_steps, output_step_index per sample, indices of samples
    that follow a long gap and need re-seeding).
    """
    n = len(time_s)
    if prev is None:
        prev_t = np.concatenate([[time_s[0] - period_s], time_s[:-1]])
        prev_g = np.concatenate([gyr[:1], gyr[:-1]])
        prev_a = np.concatenate([acc[:1], acc[:-1]])
    else:
        prev_t = np.concatenate([[prev[0]], time_s[:-1]])
        prev_g = np.concatenate([prev[1][None], gyr[:-1]])
        prev_a = np.concatenate([prev[2][None], acc[:-1]])
    dt = time_s - prev_t
    steps = np.maximum(1, np.rint(dt / period_s).astype(np.intp))
    long_gap = dt > max_gap_s
    steps[long_gap] = 1
    reseed = np.flatnonzero(long_gap)
    extra = steps - 1
    if not extra.any():
        return gyr, acc, np.arange(n), reseed
    out_idx = np.arange(n) + np.cumsum(extra)  # where each received sample lands among the steps
    g = np.empty((int(out_idx[-1]) + 1, 3))
    a = np.empty_like(g)
    g[out_idx], a[out_idx] = gyr, acc
    # only the missing periods are filled in, the same arithmetic as the per-sample path
    owner = np.repeat(np.flatnonzero(extra), extra[extra > 0])
    k = np.arange(len(owner)) - np.repeat(np.cumsum(extra[extra > 0]) - extra[extra > 0], extra[extra > 0]) + 1
    frac = (k / steps[owner])[:, None]
    pos = out_idx[owner] - steps[owner] + k
    g[pos] = prev_g[owner] + (gyr[owner] - prev_g[owner]) * frac
    a[pos] = prev_a[owner] + (acc[owner] - prev_a[owner]) * frac
    return g, a, out_idx, reseed


class OrientationEstimator:
    """Causal VQF 6D, sample by sample with state (``update`` takes chunks of any size)."""

    def __init__(self, params: OrientationParams) -> None:
        self.params = params
        self._period_s = 1.0 / params.rate_hz
        kwargs = {} if params.tau_acc_s is None else {"tauAcc": params.tau_acc_s}
        self._vqf = VQF(self._period_s, **kwargs)
        self._prev: tuple[float, F64, F64] | None = None

    def reset(self) -> None:
        self._vqf.resetState()
        self._prev = None

    def set_bias_dps(self, bias_dps: F64) -> None:
        self._vqf.setBiasEstimate(np.radians(np.asarray(bias_dps, dtype=np.float64)), -1.0)

    def _restart_inclination(self) -> None:
        """VQF aligns its low-pass filtered accelerometer with vertical at every step; restarting
        that filter makes it average the new samples, as it does at start-up."""
        state = self._vqf.state
        state["accLpState"] = [math.nan] * 6
        state["lastAccLp"] = [0.0, 0.0, 0.0]
        self._vqf.state = state

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
            out = self._vqf.updateBatch(np.ascontiguousarray(g[s:e]), np.ascontiguousarray(a[s:e]))
            quat[s:e], bias[s:e], rest[s:e] = out["quat6D"], out["bias"], out["restDetected"]

    def _update_small(self, times: list[float], gyr: F64, acc: F64) -> OrientationOutput:
        """Sample by sample for the few samples of one notification: the same arithmetic as
        the batch path (VQF's batch loops over the same update), without numpy set-up costs."""
        vqf, period_s, max_gap_s = self._vqf, self._period_s, self.params.max_bridged_gap_s
        n = len(times)
        quat = np.empty((n, 4))
        bias = np.empty((n, 3))
        rest = np.empty(n, dtype=bool)
        prev = self._prev
        for i, t in enumerate(times):
            g, a = gyr[i], acc[i]
            if prev is not None:
                dt = t - prev[0]
                if dt > max_gap_s:
                    self._restart_inclination()
                else:
                    steps = max(1, round(dt / period_s))
                    for k in range(1, steps):
                        frac = k / steps
                        vqf.update(prev[1] + (g - prev[1]) * frac, prev[2] + (a - prev[2]) * frac)
            vqf.update(g, a)
            quat[i] = vqf.getQuat6D()
            bias[i] = vqf.getBiasEstimate()[0]
            rest[i] = vqf.getRestDetected()
            prev = (t, g, a)
        self._prev = (times[-1], gyr[-1].copy(), acc[-1].copy())
        return OrientationOutput(quat, np.degrees(bias), rest)

    def update(self, chunk: ImuChunk) -> OrientationOutput:
        n = len(chunk)
        if n == 0:
            return OrientationOutput(np.empty((0, 4)), np.empty((0, 3)), np.empty(0, dtype=bool))
        gyr = np.radians(np.asarray(chunk.gyr_dps, dtype=np.float64))
        acc = np.ascontiguousarray(chunk.acc_mps2, dtype=np.float64)
        if n <= SMALL_CHUNK:
            return self._update_small(chunk.time_s.tolist(), gyr, acc)
        g, a, out_idx, reseed = _expand_steps(
            chunk.time_s, gyr, acc, self._prev, self._period_s, self.params.max_bridged_gap_s
        )
        quat = np.empty((len(g), 4))
        bias = np.empty((len(g), 3))
        rest = np.empty(len(g), dtype=bool)
        self._run(g, a, out_idx, reseed, quat, bias, rest)
        self._prev = (float(chunk.time_s[-1]), gyr[-1].copy(), acc[-1].copy())
        return OrientationOutput(quat[out_idx], np.degrees(bias[out_idx]), rest[out_idx])


def offline_orientation(chunk: ImuChunk, params: OrientationParams) -> OrientationOutput:
    """Acausal VQF over a whole recording (forward-backward), same gap handling."""
    period_s = 1.0 / params.rate_hz
    gyr = np.radians(np.asarray(chunk.gyr_dps, dtype=np.float64))
    acc = np.asarray(chunk.acc_mps2, dtype=np.float64)
    g, a, out_idx, reseed = _expand_steps(chunk.time_s, gyr, acc, None, period_s, params.max_bridged_gap_s)
    quat = np.empty((len(g), 4))
    bias = np.empty((len(g), 3))
    rest = np.empty(len(g), dtype=bool)
    bounds = sorted({0, len(g), *(int(out_idx[i]) for i in reseed)})
    for s, e in pairwise(bounds):
        out = offlineVQF(np.ascontiguousarray(g[s:e]), np.ascontiguousarray(a[s:e]), None, period_s)
        quat[s:e], bias[s:e], rest[s:e] = out["quat6D"], out["bias"], out["restDetected"]
    return OrientationOutput(quat[out_idx], np.degrees(bias[out_idx]), rest[out_idx])
