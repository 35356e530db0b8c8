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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dorsi.drills.catalog import Drill, get_drill
from dorsi.drills.cyclic import CircleSegmenter, Cycle, RockSegmenter
from dorsi.drills.excursion import Channel, ExcursionSegmenter, Segment, hold_run
from dorsi.drills.quality import RepMetrics, score_rep, sparc, uniform_speed
from dorsi.drills.types import CounterParams, LiveState, Rep, RepEvent
from dorsi.drills.vertical import Raise, RaiseSegmenter, VerticalParams, heel_rise_cm, vertical_acc_mps2
from dorsi.motion.angles import Side, medial_tilt_deg
from dorsi.motion.calibration import Calibration
from dorsi.motion.pipeline import ShinFrames
from dorsi.motion.types import F64, GRAVITY_MPS2, ImuChunk

KNEE_BENT_DEG = 1.5  # ankle matrix: a first rest level this far above standing = bent knee


@dataclass
class _Draft:
    """A segment in a common form, before the counter judges and scores it."""

    start_s: float
    end_s: float
    emitted_s: float
    time_s: F64
    incl_deg: F64
    frontal_deg: F64
    speed_dps: F64
    signal: F64  # what the peak and hold are taken from (deviation from rest, or height)
    range_value: float  # what partial reps are judged on
    kind: str = "drive"
    direction: str | None = None
    set_key: str = ""  # a change of this (circle direction, bent/straight knee) starts a new set
    band: float = 2.0
    drift: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, seg: Any, signal: F64, range_value: float, **kw: Any) -> _Draft:
        """From any segment (excursion, cycle, raise): they share the timing and trace fields."""
        return cls(
            seg.start_s,
            seg.end_s,
            seg.emitted_s,
            seg.time_s,
            seg.incl_deg,
            seg.frontal_deg,
            seg.speed_dps,
            signal,
            range_value,
            **kw,
        )


class RepCounter:
    def __init__(
        self,
        drill: str | Drill,
        side: Side = "left",
        params: CounterParams | None = None,
        calibration: Calibration | None = None,
        foot_cm: float = 26.0,
    ) -> None:
        self.drill = drill if isinstance(drill, Drill) else get_drill(drill)
        self.side: Side = side
        self.p = params or CounterParams()
        self.calibration = calibration
        self.foot_cm = foot_cm
        self.reps: list[Rep] = []
        self.state = LiveState(target_hold_s=self.drill.hold_s or self.drill.final_hold_s)
        self._axial_deg = 0.0  # integrated rate about the shin's long axis
        self._last_t = math.nan
        self._count = 0
        self._set = 0
        self._set_key = ""
        self._last_end_s = math.nan
        self._ranges: dict[str, list[float]] = {}
        self._partials: dict[str, list[float]] = {}  # per kind: ranges judged partial since its last full rep
        self._best_rise_cm = math.nan
        self._standing_deg: float | None = None
        self._bent_rest_deg = math.nan  # ankle matrix: the rest level of the last bent-knee rep
        self._started = False
        sig = self.drill.signal
        self._exc: ExcursionSegmenter | None = self._make_excursion() if sig in ("inclination", "matrix") else None
        self._rocks = RockSegmenter(self.drill.min_range_deg) if sig == "oscillation" else None
        self._circles = CircleSegmenter() if sig == "circle" else None
        self._raises = RaiseSegmenter(VerticalParams(foot_cm=foot_cm)) if sig == "vertical" else None

    def _make_excursion(self) -> ExcursionSegmenter:
        d = self.drill
        incl = Channel("incl", d.start_deg, self.p.min_start_deg, d.min_range_deg, True)
        if d.signal == "matrix":
            chans = [
                incl,
                Channel("frontal", d.start_deg, self.p.min_start_deg, d.min_tilt_deg, False),
                Channel("axial", d.start_deg, max(2.0, self.p.min_start_deg), d.min_rotation_deg, False, True),
            ]
            seg = ExcursionSegmenter(chans, self.p)
            # a straight leg drives the shin forward less far than a bent knee (gastrocnemius)
            seg.min_range_by["straight"] = [d.min_straight_deg, d.min_tilt_deg, d.min_rotation_deg]
            return seg
        return ExcursionSegmenter([incl], self.p)

    def _knee_of(self, base: list[float]) -> str:
        """Ankle matrix: bent knee or straight leg, from the rest level it starts from.

        Before any bent-knee rep: KNEE_BENT_DEG above standing is bent. After one, the split is
        halfway between standing and that rep's rest level (a bent-knee rest can be only a few
        degrees above standing, so a fixed threshold flickers)."""
        if self._standing_deg is None:
            return "straight"
        if math.isnan(self._bent_rest_deg):
            bent = base[0] - self._standing_deg >= KNEE_BENT_DEG
        else:
            bent = base[0] >= 0.5 * (self._standing_deg + self._bent_rest_deg)
        return "bent" if bent else "straight"

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
        speed = np.linalg.norm(gyr, axis=1)
        quiet = speed < self.p.quiet_dps
        ok = np.asarray(frames.calibrated, dtype=bool)
        if not self._started:
            # counting starts at the first still sample after the calibration
            first = np.flatnonzero(ok & quiet)
            if not first.size:
                self.state.phase = "waiting"
                return []
            self._started = True
            sl = slice(int(first[0]), None)
            cal = self.calibration
            self._standing_deg = (
                cal.standing_inclination_deg if cal is not None else float(frames.tibial_inclination_deg[sl][0])
            )
            if self._exc is not None and self.drill.signal == "matrix":
                self._exc.regime_of = self._knee_of
        else:
            sl = slice(0, None)
        incl = frames.tibial_inclination_deg[sl]
        frontal = frames.frontal_tilt_deg[sl]
        ts, sp, qu = t[sl], speed[sl], quiet[sl]
        events: list[RepEvent] = []

        def emit(draft: _Draft) -> None:
            events.append(self._finish(draft))  # at once: the next samples see the adapted thresholds

        if self._exc is not None:
            values = np.column_stack([incl, frontal, axial[sl]]) if self.drill.signal == "matrix" else incl[:, None]
            self._exc.process(ts, values, sp, qu, frontal, incl, lambda s: emit(self._from_excursion(s)))
        elif self._rocks is not None:
            self._rocks.process(ts, incl, frontal, sp, lambda c: emit(self._from_rock(c)))
        elif self._circles is not None:
            self._circles.process(ts, incl, frontal, sp, lambda c: emit(self._from_circle(c)))
        elif self._raises is not None:
            acc_z = vertical_acc_mps2(frames.quat_wxyz[sl], chunk.acc_mps2[sl])
            jolt = np.linalg.norm(chunk.acc_mps2[sl], axis=1) - GRAVITY_MPS2
            self._raises.process(ts, acc_z, sp, incl, frontal, lambda r: emit(self._from_raise(r)), jolt)
        self._update_state(float(t[-1]), float(frames.tibial_inclination_deg[-1]))
        return events

    def finish(self) -> list[RepEvent]:
        """End of the session: a movement still open is not a rep (it never came back)."""
        self.state.phase = "resting"
        return []

    # -- segments → drafts
    def _from_excursion(self, seg: Segment) -> _Draft:
        d = self.drill
        assert self._exc is not None
        name = self._exc.channels[seg.channel].name
        dev = seg.dev(seg.channel) * seg.sign
        draft = _Draft.of(
            seg,
            dev,
            0.0,
            drift=name == "incl",
        )
        if d.signal == "matrix":
            knee = self._knee_of(seg.base)
            if knee == "bent":
                self._bent_rest_deg = seg.base[0]
            if name == "incl":
                draft.direction = "forward"
            elif name == "frontal":
                draft.kind, draft.direction = "tilt", "tilt-left" if seg.sign > 0 else "tilt-right"
            else:
                draft.kind, draft.direction = "rotate", "rotate-left" if seg.sign > 0 else "rotate-right"
            draft.extra.update(direction=draft.direction, knee=knee)
            draft.set_key = knee
        k = int(np.argmax(dev))
        draft.range_value = float(dev[k])
        if name == "frontal":
            draft.extra["peak_frontal_tilt_deg"] = float(seg.values[k, 1])
        elif name == "axial":
            draft.extra["peak_axial_rotation_deg"] = float(seg.sign * dev[k])
        return draft

    def _from_rock(self, c: Cycle) -> _Draft:
        dr = _Draft.of(
            c,
            c.incl_deg - c.centre_deg,
            c.swing_deg,  # partial = a small swing between its own turning points
            kind="rock",
        )
        dr.extra["centre_deg"] = c.centre_deg
        dr.extra["_cycle"] = c
        return dr

    def _from_circle(self, c: Cycle) -> _Draft:
        dr = _Draft.of(
            c,
            c.incl_deg - float(c.incl_deg.min()),
            c.range_deg,
            kind="circle",
            direction=c.direction,
            set_key=c.direction,
            drift=False,
        )
        dr.extra["direction"] = c.direction
        return dr

    def _from_raise(self, r: Raise) -> _Draft:
        heel = heel_rise_cm(np.maximum(r.height_cm, 0.0), self.foot_cm)
        dr = _Draft.of(
            r,
            heel,
            float(heel.max()),
            kind="calf-raise",
            band=self.p.hold_band_rise_cm,
            drift=False,
        )
        dr.extra.update(up_s=r.up_s, down_s=r.down_s, rise_cm=float(heel.max()), shin_rise_cm=float(r.height_cm.max()))
        return dr

    # -- drafts → reps
    def _finish(self, dr: _Draft) -> RepEvent:
        d = self.drill
        k, _first, hold_s = hold_run(dr.time_s, dr.signal, dr.band)
        cycle = dr.extra.pop("_cycle", None)
        if dr.kind != "calf-raise" and d.signal != "matrix":
            k_peak = int(np.argmax(dr.incl_deg))  # drives, rocks, circles: the highest inclination
            if k_peak != k and dr.kind == "drive":
                k = k_peak
        if d.final_hold_s > 0 and hold_s >= 0.5 * d.final_hold_s:
            dr.kind = "hold"
        medial = medial_tilt_deg(dr.frontal_deg, self.side)
        drift = float(medial[int(np.argmax(dr.incl_deg))] - medial[0]) if dr.drift else math.nan
        dr.extra["medial_drift_deg"] = drift
        rate_hz = 1.0 / float(np.median(np.diff(dr.time_s))) if len(dr.time_s) > 2 else 100.0
        # smoothness of the drive itself (start → peak) for excursions; the whole cycle otherwise
        stop = int(np.argmax(dr.incl_deg)) + 1 if dr.kind in ("drive", "hold") else len(dr.time_s)
        smooth = sparc(uniform_speed(dr.time_s[:stop], dr.speed_dps[:stop], rate_hz), rate_hz)
        dr.extra["sparc"] = smooth
        key = f"{dr.kind}:{dr.direction or ''}:{dr.set_key}"  # bent and straight knee differ in range
        history = self._ranges.setdefault(key, [])
        typical = statistics.median(history[-self.p.history_reps :]) if history else math.nan
        partial = bool(history) and dr.range_value < self.p.partial_frac * typical
        best = max(history) if history else math.nan
        trail = self._partials.setdefault(key, [])
        if partial and len(history) == 1 and trail:
            # one rep is no robust reference (an inflated first rep, e.g. a run-up from standing, made every
            # rep after it "partial", and partials never enter the history). With this attempt there are
            # three or more since that rep, all partial against it; their median is robust to one outlier.
            # If this attempt is not partial against it, the lone rep was the outlier: the history restarts
            # from the attempts that agree with the median (the attempts before this one stay reported)
            frac = self.p.partial_frac
            attempts = [history[0], *trail, dr.range_value]
            med = statistics.median(attempts)
            if dr.range_value >= frac * med:
                partial = False
                history[:] = [a for a in attempts[:-1] if frac * med <= a <= med / frac]
        if partial:
            trail.append(dr.range_value)
        else:
            trail.clear()
        if not partial:
            history.append(dr.range_value)
            if self._exc is not None and dr.kind != "hold":
                names = [c.name for c in self._exc.channels]
                ch = {"drive": "incl", "tilt": "frontal", "rotate": "axial"}.get(dr.kind, "incl")
                regime = dr.set_key if d.signal == "matrix" else ""  # the matrix: per knee
                self._exc.adapt(names.index(ch), statistics.median(history[-self.p.history_reps :]), regime)
        if self._rocks is not None and cycle is not None:
            self._rocks.accept(cycle, partial)
        gap = math.isnan(self._last_end_s) or dr.start_s - self._last_end_s >= d.set_gap_s
        if (gap or dr.set_key != self._set_key) and (not partial or self._set == 0):
            self._set += 1
            self._set_key = dr.set_key
            self.state.reps_in_set = 0
        self._last_end_s = dr.end_s
        range_deg = float(dr.signal[k]) if dr.kind != "calf-raise" else math.nan
        metrics = RepMetrics(
            range_deg=range_deg,
            peak_deg=float(dr.incl_deg[k]),
            best_range_deg=best,
            hold_s=hold_s,
            medial_drift_deg=drift,
            sparc=smooth,
            down_s=float(dr.extra.get("down_s", math.nan)),
            rise_cm=float(dr.extra.get("rise_cm", math.nan)),
            best_rise_cm=self._best_rise_cm,
        )
        score, comps, reasons = score_rep(d, metrics)
        if partial:
            what = f"{dr.range_value:.1f} cm" if dr.kind == "calf-raise" else f"{dr.range_value:.1f}°"
            reasons = [f"partial: {what} is under half your usual — not counted", *reasons]
        else:
            self._count += 1
            self.state.reps_in_set += 1
            if dr.kind == "calf-raise":
                self._best_rise_cm = (
                    dr.range_value if math.isnan(self._best_rise_cm) else max(self._best_rise_cm, dr.range_value)
                )
        rep = Rep(
            index=self._count if not partial else 0,
            set=max(self._set, 1),
            start_s=dr.start_s,
            end_s=dr.end_s,
            peak_s=float(dr.time_s[k]),
            peak_tibial_inclination_deg=float(dr.incl_deg[k]),
            range_deg=range_deg,
            hold_s=hold_s,
            emitted_s=dr.emitted_s,
            kind=dr.kind,
            partial=partial,
            score=score,
            score_components=comps,
            reasons=reasons,
            extra=dr.extra,
        )
        self.reps.append(rep)
        if not partial:
            self.state.last_rep = rep
        return RepEvent("partial" if partial else "rep", dr.emitted_s, rep)

    def _update_state(self, now_s: float, angle_deg: float) -> None:
        st = self.state
        st.time_s = now_s
        st.angle_deg = angle_deg
        if not self._started:
            st.phase = "waiting"
            return
        st.rep_count = self._count
        st.set_index = self._set
        in_rep = any(s is not None and s.in_rep for s in (self._exc, self._rocks, self._circles, self._raises))
        st.rest_s = 0.0 if math.isnan(self._last_end_s) or in_rep else now_s - self._last_end_s
        if self._exc is not None and self._exc.base is not None:
            st.rest_level_deg = self._exc.base[0]
            st.current_hold_s = self._exc.live_hold_s(now_s)
        if not in_rep:
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
