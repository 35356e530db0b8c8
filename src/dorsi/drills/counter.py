"""The streaming rep counter the app drives live and analyze_recording drives over a file.

    counter = RepCounter("banded-mobilization", side="left")
    for chunk in source:                       # any chunking: the reps are identical
        frames = pipeline.update(chunk)
        for event in counter.update(chunk, frames):
            show(event.rep)                    # event.kind: "rep" (counted) or "partial"
        draw(counter.state)                    # phase, current hold, rep/set index, last rep
    counter.finish()

Counting starts at the first still moment after the calibration (``frames.calibrated``);
the rest level starts there (the person's standing angle) and adapts (see excursion.py).
Each rep is reported at the sample that closes it; ``Rep.emitted_s`` is that time.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np

from dorsi.drills.catalog import Drill, get_drill
from dorsi.drills.excursion import Channel, ExcursionSegmenter, Segment, hold_run
from dorsi.drills.quality import RepMetrics, score_rep, sparc, uniform_speed
from dorsi.drills.types import CounterParams, LiveState, Rep, RepEvent
from dorsi.motion.angles import Side, medial_tilt_deg
from dorsi.motion.calibration import Calibration
from dorsi.motion.pipeline import ShinFrames
from dorsi.motion.types import ImuChunk

KNEE_BENT_DEG = 4.0  # ankle matrix: a rest level this far above standing = bent knee


class RepCounter:
    def __init__(
        self,
        drill: str | Drill,
        side: Side = "left",
        params: CounterParams | None = None,
        calibration: Calibration | None = None,
    ) -> None:
        self.drill = drill if isinstance(drill, Drill) else get_drill(drill)
        self.side: Side = side
        self.p = params or CounterParams()
        self.calibration = calibration
        self.reps: list[Rep] = []
        self.state = LiveState(target_hold_s=self.drill.hold_s or self.drill.final_hold_s)
        self._axial_deg = 0.0  # integrated rate about the shin's long axis
        self._last_t = math.nan
        self._count = 0
        self._set = 0
        self._last_end_s = math.nan
        self._ranges: dict[str, list[float]] = {}
        self._standing_deg: float | None = None
        self._seg = self._make_segmenter()

    def _make_segmenter(self) -> ExcursionSegmenter:
        d = self.drill
        incl = Channel("incl", d.start_deg, self.p.min_start_deg, d.min_range_deg, True)
        if d.signal == "matrix":
            chans = [
                incl,
                Channel("frontal", d.start_deg, self.p.min_start_deg, d.min_tilt_deg, False),
                Channel("axial", d.start_deg, max(2.0, self.p.min_start_deg), d.min_rotation_deg, False),
            ]
            return ExcursionSegmenter(chans, self.p)
        return ExcursionSegmenter([incl], self.p)

    @property
    def sets(self) -> int:
        return self._set

    @property
    def rep_count(self) -> int:
        return self._count

    def update(self, chunk: ImuChunk, frames: ShinFrames, calibration: Calibration | None = None) -> list[RepEvent]:
        """Feed one chunk and the pipeline's frames for it; returns the reps closed in it."""
        if calibration is not None and self.calibration is None:
            self.calibration = calibration
        n = len(frames)
        if n == 0:
            return []
        t = frames.time_s
        gyr = frames.gyr_dps
        # axial rotation: integral of the rate about the long axis (sensor +Y), carried across chunks
        dt = np.diff(t, prepend=t[0] if math.isnan(self._last_t) else self._last_t)
        axial = self._axial_deg + np.cumsum(gyr[:, 1] * np.minimum(dt, 0.5))
        self._axial_deg = float(axial[-1])
        self._last_t = float(t[-1])
        ok = np.asarray(frames.calibrated, dtype=bool)
        if not ok.any():
            self.state.phase = "waiting"
            return []
        speed = np.linalg.norm(gyr, axis=1)
        quiet = speed < self.p.quiet_dps
        incl = frames.tibial_inclination_deg
        frontal = frames.frontal_tilt_deg
        sl = slice(int(np.argmax(ok)), None)
        if self.drill.signal == "matrix":
            values = np.column_stack([incl[sl], frontal[sl], axial[sl]])
        else:
            values = incl[sl, None]
        segs = self._seg.process(t[sl], values, speed[sl], quiet[sl], frontal[sl], incl[sl])
        if self._standing_deg is None and self._seg.base is not None:
            cal = self.calibration
            self._standing_deg = cal.standing_inclination_deg if cal is not None else self._seg.base[0]
        events = [ev for seg in segs if (ev := self._emit(seg)) is not None]
        self._update_state(float(t[-1]), float(incl[-1]))
        return events

    def finish(self) -> list[RepEvent]:
        """End of the session: an excursion still open is not a rep (it never came back)."""
        self.state.phase = "resting"
        return []

    # -- reps
    def _key(self, kind: str, direction: str | None) -> str:
        return f"{kind}:{direction or ''}"

    def _emit(self, seg: Segment) -> RepEvent | None:
        d = self.drill
        name = self._seg.channels[seg.channel].name
        extra: dict[str, Any] = {}
        kind = "drive"
        direction: str | None = None
        dev = seg.dev(seg.channel) * seg.sign
        if d.signal == "matrix":
            knee = "straight"
            if self._standing_deg is not None and seg.base[0] - self._standing_deg >= KNEE_BENT_DEG:
                knee = "bent"
            if name == "incl":
                direction = "forward"
            elif name == "frontal":
                kind, direction = "tilt", "tilt-left" if seg.sign > 0 else "tilt-right"
            else:
                kind, direction = "rotate", "rotate-left" if seg.sign > 0 else "rotate-right"
            extra.update(direction=direction, knee=knee)
        k, _first, hold_s = hold_run(seg.time_s, dev, self.p.hold_band_deg)
        range_deg = float(dev[k])
        if name == "frontal":
            extra["peak_frontal_tilt_deg"] = float(seg.values[k, 1])
        elif name == "axial":
            extra["peak_axial_rotation_deg"] = float(seg.sign * range_deg)
        if d.final_hold_s > 0 and hold_s >= 0.5 * d.final_hold_s:
            kind = "hold"
        medial = medial_tilt_deg(seg.frontal_deg, self.side)
        k_incl = int(np.argmax(seg.incl_deg))
        drift = float(medial[k_incl] - medial[0]) if name == "incl" else math.nan
        extra["medial_drift_deg"] = drift
        rate_hz = 1.0 / float(np.median(np.diff(seg.time_s))) if len(seg.time_s) > 2 else 100.0
        sp = sparc(uniform_speed(seg.time_s, seg.speed_dps, rate_hz), rate_hz)
        extra["sparc"] = sp
        key = self._key(kind, direction)
        history = self._ranges.setdefault(key, [])
        typical = statistics.median(history[-self.p.history_reps :]) if history else math.nan
        partial = bool(history) and range_deg < self.p.partial_frac * typical
        best = max(history) if history else math.nan
        if not partial:
            history.append(range_deg)
            if kind != "hold":
                self._seg.adapt(seg.channel, statistics.median(history[-self.p.history_reps :]))
        new_set = math.isnan(self._last_end_s) or seg.start_s - self._last_end_s >= d.set_gap_s
        if new_set and (not partial or self._set == 0):
            self._set += 1
            self.state.reps_in_set = 0
        self._last_end_s = seg.end_s
        metrics = RepMetrics(
            range_deg=range_deg,
            peak_deg=float(seg.incl_deg[k]),
            best_range_deg=best,
            hold_s=hold_s,
            medial_drift_deg=drift,
            sparc=sp,
        )
        score, comps, reasons = score_rep(d, metrics)
        if partial:
            reasons = [f"partial: {range_deg:.1f}° is under half your usual {typical:.1f}° — not counted", *reasons]
        else:
            self._count += 1
            self.state.reps_in_set += 1
        rep = Rep(
            index=self._count if not partial else 0,
            set=max(self._set, 1),
            start_s=seg.start_s,
            end_s=seg.end_s,
            peak_s=float(seg.time_s[k]),
            peak_tibial_inclination_deg=float(seg.incl_deg[k]),
            range_deg=range_deg,
            hold_s=hold_s,
            emitted_s=seg.emitted_s,
            kind=kind,
            partial=partial,
            score=score,
            score_components=comps,
            reasons=reasons,
            extra=extra,
        )
        self.reps.append(rep)
        if not partial:
            self.state.last_rep = rep
        return RepEvent("partial" if partial else "rep", seg.emitted_s, rep)

    def _update_state(self, now_s: float, angle_deg: float) -> None:
        st = self.state
        st.time_s = now_s
        st.angle_deg = angle_deg
        seg = self._seg
        if seg.base is None:
            st.phase = "waiting"
            return
        st.rest_level_deg = seg.base[0]
        st.rep_count = self._count
        st.set_index = self._set
        st.rest_s = 0.0 if math.isnan(self._last_end_s) or seg.in_rep else now_s - self._last_end_s
        st.current_hold_s = seg.live_hold_s(now_s)
        if not seg.in_rep:
            st.phase = "resting"
        elif st.current_hold_s >= 0.25:
            st.phase = "holding"
        else:
            st.phase = "moving"

    def summary(self) -> dict[str, Any]:
        return {
            "drill": self.drill.id,
            "rep_count": self._count,
            "sets": self._set,
            "reps": [r.as_dict() for r in self.reps],
        }


def count_reps(
    drill: str,
    frames: ShinFrames,
    chunk: ImuChunk,
    side: Side = "left",
    calibration: Calibration | None = None,
) -> RepCounter:
    """The whole recording in one call (what analyze_recording does)."""
    counter = RepCounter(drill, side, calibration=calibration)
    counter.update(chunk, frames, calibration)
    counter.finish()
    return counter
