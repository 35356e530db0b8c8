"""Was the person walking, stepping or jogging around a rep? Heel strikes at a gait's cadence.

A drill rep is a drive and return from one planted stance: the foot never leaves the floor, so the
shin never lands. Gait lands once per stride: the heel strike is a jolt of the specific force
(1–4 g within 25–40 ms). The swing's acceleration is as large but smooth (≈ 1 g over 0.2 s) and a
planted drive's small (≲ 2 m/s²), so an impact is the specific force changing by over half a g within
40 ms.
One jolt alone between reps is a tap on the sensor or a foot set down once (a reposition): neither
is gait. Two jolts a stride apart (60–180 steps/min) are, and so is one inside a rep (the foot landed
while the shin drove). A rep whose window, or the stride before it opened, holds such a pair, or whose
window holds a jolt, is judged invalid by the counter ("stepping — not counted"), as a lifted heel is.

    watch = GaitWatch(params.gait)
    watch.extend(drill_frames)                       # every chunk, from the start of the stream
    reason = watch.stepping(start_s, end_s, now_s)   # "" or "stepping — not counted"

Pure and causal: it reads only samples up to now; any chunking gives the same impacts.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from dorsi.drills.params import GaitParams
from dorsi.drills.segment import DrillFrames
from dorsi.motion.types import F64

STEPPING = "stepping — not counted"


class GaitWatch:
    """The heel-strike impacts of the last ``keep_s`` seconds, and the session's quiet jolt noise."""

    def __init__(self, p: GaitParams) -> None:
        self.p = p
        self.impacts: deque[float] = deque()  # impact times (first sample over the threshold)
        self._quiet_n = 0.0  # quiet samples seen, and the sum of their squared jolt
        self._quiet_ss = 0.0
        self._last_impact_s = -math.inf
        self._tail_t: F64 = np.empty(0)  # the samples of the last span, for the next chunk's first changes
        self._tail_f: F64 = np.empty((0, 3))

    def extend(self, frames: DrillFrames) -> None:
        if not len(frames):
            return
        p = self.p
        t = np.concatenate([self._tail_t, frames.time_s])
        f = np.concatenate([self._tail_f, frames.acc_mps2])
        new = len(self._tail_t)
        # the change of the specific force over the last span_s: an impact's jolt lands within it, a swing's
        # or a drive's smooth acceleration barely changes in it
        j = np.clip(np.searchsorted(t, t[new:] - p.span_s), 0, None)
        change = np.linalg.norm(f[new:] - f[j], axis=1)
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
        self._tail_t, self._tail_f = t[keep], f[keep]
        keep_from = float(t[-1]) - p.keep_s
        while self.impacts and self.impacts[0] < keep_from:
            self.impacts.popleft()

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
