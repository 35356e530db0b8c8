"""The streaming rep counter the app drives live and analyze_recording drives over a file.

    counter = RepCounter("banded-mobilization", side="left")
    for chunk in source:                       # any chunking: the reps are identical
        for event in counter.update(pipeline.update(chunk)):
            show(event.rep)                    # event.kind: "rep" (counted) or "partial"
        draw(counter.state)                    # phase, current hold, rep/set index, last rep
    counter.finish()

(dorsi.session.LiveSession does exactly this, and hands the counter the calibration once found.)
Counting starts at the first still moment after the calibration (``frames.calibrated``); there the
drill's segmenter (by its catalogue signal: dorsi.drills.segmenters) is built, from the person's
standing angle (the calibration's, else that moment's). Every segmenter emits the same Draft; the
counter judges each alike (partial or counted, set, hold, score) and tells the segmenter its verdict.
Each rep is reported at the sample that closes it, a calf raise ``GaitParams.planted_after_s`` later (its
foot must stay planted through the landing: gait.py); ``Rep.emitted_s`` is that time. A calf raise's eccentric
is revised once its landing is seen (vertical.py, up to a few seconds later): the event keeps the figures it was
reported with, ``reps`` (and so the summary, the JSON, the store and the report) holds the rep amended and scored
again, and ``revised`` lists the amended reps for a live view to update its rows.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorsi.drills.catalog import Drill, get_drill
from dorsi.drills.gait import GaitWatch
from dorsi.drills.lowering import DEFAULT_FOOT_CM
from dorsi.drills.params import CounterParams
from dorsi.drills.quality import RepMetrics, score_rep, sparc, uniform_speed
from dorsi.drills.segment import Draft, DrillFramer, DrillFrames, Revision, Segmenter, SegmenterContext, hold_run
from dorsi.drills.segmenters import SEGMENTERS
from dorsi.drills.types import LiveState, Rep, RepEvent
from dorsi.drills.validity import HeelVerdict, MotionBuffer, judge_heel
from dorsi.motion.angles import Side, medial_tilt_deg
from dorsi.motion.calibration import Calibration
from dorsi.motion.orientation import OrientationParams
from dorsi.motion.pipeline import Row, ShinFrames
from dorsi.motion.types import F64

SEGMENT_BLOCK = 8192  # samples handed to a segmenter per call (it is chunking-invariant)
# a rep the sensor went silent in for longer than the orientation filter bridges is not judged: its angles
# there are a restart's, and a step, a lift or the peak may lie in what was not seen
MAX_GAP_S = OrientationParams.max_bridged_gap_s


def data_gap_reason(time_s: F64) -> str:
    """ "no data for 1.2 s during the rep — not counted" when two of the rep's samples lie more than
    MAX_GAP_S apart (a link that dropped out, a logger that stalled), else ""."""
    if len(time_s) < 2:
        return ""
    gap_s = float(np.max(np.diff(time_s)))
    return f"no data for {gap_s:.1f} s during the rep — not counted" if gap_s > MAX_GAP_S else ""


@dataclass
class Tally:
    """The judge's memory across reps."""

    count: int = 0  # counted reps
    set: int = 0
    set_key: str = ""
    last_end_s: float = math.nan
    ranges: dict[str, list[float]] = field(default_factory=dict)  # per kind: counted reps' ranges
    partials: dict[str, list[float]] = field(default_factory=dict)  # per kind: partial since its last counted rep
    # per kind: counted reps' ranges whose heel may have lifted (validity.HeelVerdict.uncertain): not the best
    doubtful: dict[str, list[float]] = field(default_factory=dict)
    best_rise_cm: float = math.nan


def best_of(ranges: list[float], doubtful: list[float]) -> float:
    """The best of the counted ranges, those whose heel may have lifted left out while another is left (nan:
    none)."""
    clean = [r for r in ranges if r not in doubtful]
    return max(clean or ranges) if ranges else math.nan


class RepCounter:
    def __init__(
        self,
        drill: str | Drill,
        side: Side = "left",
        params: CounterParams | None = None,
        calibration: Calibration | None = None,
        foot_cm: float = DEFAULT_FOOT_CM,
        unit_calibrated: bool = False,
    ) -> None:
        self.drill = drill if isinstance(drill, Drill) else get_drill(drill)
        self.side: Side = side
        self.p = params or CounterParams()
        # the heel check's σ for this unit: bench-calibrated or raw (SessionSpec.unit_calibrated)
        self.validity = self.p.validity.for_unit(unit_calibrated)
        self.calibration = calibration  # its standing angle is the rest the matrix's knee regime starts from
        self.foot_cm = foot_cm
        self.reps: list[Rep] = []
        self.state = LiveState(
            target_hold_s=self.drill.hold_s or self.drill.final_hold_s,
            target_reps=self.drill.reps_max,
            target_sets=self.drill.sets,
        )
        self.tally = Tally()
        self._make_segmenter = SEGMENTERS[self.drill.signal]
        self._framer = DrillFramer(self.p.quiet_dps, self.p.noise)
        self.segmenter: Segmenter | None = None  # built when counting starts
        # heel-down drills: the motion the heel check reads (validity.py)
        self._motion = MotionBuffer(self.p.validity.keep_s) if self.drill.heel_down else None
        # when the orientation filter first measured its gyro bias (s; None: not yet; LiveSession keeps it): a drive
        # before it is judged ``heel check unsure`` (validity.judge_heel). -inf: measured from the start
        self.bias_measured_s: float | None = -math.inf
        self._gait = GaitWatch(self.p.gait)  # every drill: a rep amid heel strikes is a step (gait.py)
        self._ankle_planted = self.drill.signal != "vertical"  # ... or with the foot lifted (a calf raise's rises)
        # calf raises: closed, waiting for the landing (judged planted_after_s after the close); the last sample's time
        self._landing: list[Draft] = []
        self._last_s = math.nan
        # calf raises: a judged rep's eccentric is revised once its landing is seen (``_revise``). Per judged rep
        # (by its extra's id): its place in reps, what it was scored on and how many reasons the score gave
        self._scored: dict[int, tuple[dict[str, Any], int, RepMetrics, int]] = {}
        self._unjudged: list[Revision] = []  # revisions of drafts still waiting for their judging
        self.revised: list[Rep] = []  # reps amended since the caller last emptied this (the app's rows)

    @property
    def sets(self) -> int:
        return self.tally.set

    @property
    def rep_count(self) -> int:
        return self.tally.count

    def update(self, frames: ShinFrames) -> list[RepEvent]:
        """Feed the pipeline's frames for one chunk; returns the reps closed in it."""
        n = len(frames)
        if n == 0:
            return []
        block = self.p.validity.block_samples
        if n > block:
            # a whole file at once goes in blocks (any chunking gives the same reps), so that the framer's,
            # the gait watch's and the heel check's working memory stays that of a block
            fields = ShinFrames.__dataclass_fields__
            events: list[RepEvent] = []
            for a in range(0, n, block):
                part = ShinFrames(*(getattr(frames, f)[a : a + block] for f in fields))
                events += self._update(part)
            return events
        return self._update(frames)

    def update_rows(self, rows: list[Row], frames: ShinFrames | None = None) -> list[RepEvent]:
        """``update`` for a few samples given as the pipeline's rows (ShinPipeline.rows; the live session's
        block of a display frame), with their ShinFrames when they exist (one notification): the same reps,
        without the rows made ShinFrames arrays first."""
        if not rows:
            return []
        if len(rows) > self.p.validity.block_samples:
            return self.update(ShinFrames.from_rows(rows) if frames is None else frames)
        last = rows[-1]
        # the calibrated flags are read only until counting starts
        calibrated = [r[4] for r in rows] if self.segmenter is None else ()
        return self._count(self._framer.update_rows(rows, frames), calibrated, last[0], last[2])

    def _update(self, frames: ShinFrames) -> list[RepEvent]:
        last_s, last_incl = float(frames.time_s[-1]), float(frames.tibial_inclination_deg[-1])
        return self._count(self._framer.update(frames), frames.calibrated, last_s, last_incl)

    def _count(
        self, drill_frames: DrillFrames, calibrated: Sequence[bool] | NDArray[np.bool_], last_s: float, last_incl: float
    ) -> list[RepEvent]:
        """A chunk's drill frames through the checks' buffers and the segmenter; the live state at its last
        sample (time, inclination)."""
        if self._motion is not None:
            self._motion.extend(drill_frames)  # from before counting starts: the rest before a first drive
        self._gait.extend(drill_frames)
        seg = self.segmenter
        if seg is None:
            # counting starts at the first still sample after the calibration (none while calibrating: no array)
            if type(calibrated) is list and True not in calibrated:
                self.state.phase = "waiting"
                return []
            first = np.flatnonzero(np.asarray(calibrated, dtype=bool) & drill_frames.quiet)
            if not first.size:
                self.state.phase = "waiting"
                return []
            start = int(first[0])
            cal = self.calibration
            standing = cal.standing_inclination_deg if cal is not None else float(drill_frames.incl_deg[start])
            seg = self.segmenter = self._make_segmenter(SegmenterContext(self.drill, self.p, standing, self.foot_cm))
            drill_frames = drill_frames.since(start)
        events: list[RepEvent] = []

        def emit(draft: Draft) -> None:
            if self._ankle_planted:
                events.append(self._finish(draft))  # at once: the next samples see the adapted thresholds
            else:
                self._landing.append(draft)  # a calf raise: judged once its landing is seen (the raise segmenter
                # learns nothing from verdicts, so judging later changes none of its reps)

        if len(drill_frames) <= SEGMENT_BLOCK:  # a notification's block: as it is
            seg.process(drill_frames, emit)
        else:
            for a in range(0, len(drill_frames), SEGMENT_BLOCK):  # a whole file: its rows as floats a block at a time
                seg.process(drill_frames.slice(a, a + SEGMENT_BLOCK), emit)
        revisions = seg.take_revisions()
        if len(drill_frames):
            fl = drill_frames.floats  # (a block's times as floats: no array made to read its last)
            times = drill_frames.time_s if fl is None else fl.time_s
            self._last_s = float(times[-1])
            events += self._landed(times)
        else:
            events += self._landed(drill_frames.time_s)
        self._revise(revisions)
        self._update_state(last_s, last_incl)
        return events

    def finish(self) -> list[RepEvent]:
        """End of the session: a movement still open is not a rep (it never came back); a calf raise still
        waiting for its landing is judged on what was seen."""
        revisions: list[Revision] = []
        if self.segmenter is not None:
            self.segmenter.finish()
            revisions = self.segmenter.take_revisions()
        events = self._landed(None)
        self._revise(revisions)
        self.state.phase = "resting"
        return events

    def _revise(self, revisions: list[Revision]) -> None:
        """Revised figures of emitted drafts: a judged rep is amended (its extra, and its score on them); a draft
        still waiting is amended right after its judging (``_finish``), so the judged rep and its event are
        always the figures at the judging, whatever the chunking."""
        for dr, figures in revisions:
            if id(dr.extra) in self._scored:
                self._amend(dr, figures)
            else:
                self._unjudged.append((dr, figures))

    def _amend(self, dr: Draft, figures: dict[str, float]) -> None:
        """A judged rep's figures revised: a new Rep in its place (the event's stays as reported), scored again."""
        extra, i, metrics, n_reasons = self._scored.pop(id(dr.extra))
        old = self.reps[i]
        metrics = dataclasses.replace(metrics, down_s=figures.get("down_s", metrics.down_s))
        score, comps, reasons = score_rep(self.drill, metrics)
        lead = old.reasons[: len(old.reasons) - n_reasons]  # (the verdict's: partial, invalid, heel unsure)
        new = dataclasses.replace(
            old, extra={**extra, **figures}, score=score, score_components=comps, reasons=[*lead, *reasons]
        )
        self.reps[i] = new
        st = self.state
        if st.last_rep is old:
            st.last_rep = new
        if st.last_invalid is old:
            st.last_invalid = new
        self.revised.append(new)

    def _landed(self, time_s: F64 | list[float] | None) -> list[RepEvent]:
        """The calf raises whose landing has been seen (planted_after_s after their close: the first sample at
        or after it, in this chunk's times), judged in order; ``None``: the end of the stream, all of them."""
        wait = self.p.gait.planted_after_s
        events: list[RepEvent] = []
        while self._landing:
            due = self._landing[0].emitted_s + wait
            if time_s is None:
                now = max(self._landing[0].emitted_s, self._last_s) if math.isfinite(self._last_s) else due
            elif len(time_s) and time_s[-1] >= due:
                now = float(time_s[int(np.searchsorted(time_s, due))])
            else:
                break
            events.append(self._finish(self._landing.pop(0), now))
        return events

    # -- drafts → reps: the one judge
    def _finish(self, dr: Draft, now_s: float | None = None) -> RepEvent:
        """The verdict on a draft, reported at now_s (default: its close; a calf raise: after its landing)."""
        d = self.drill
        now = dr.emitted_s if now_s is None else now_s
        tally = self.tally
        k, _first, hold_s = hold_run(dr.time_s, dr.signal, dr.band)
        if d.final_hold_s > 0 and hold_s >= 0.5 * d.final_hold_s:
            dr.kind = "hold"
        medial = medial_tilt_deg(dr.frontal_deg, self.side)
        drift = float(medial[int(np.argmax(dr.incl_deg))] - medial[0]) if dr.drift else math.nan
        dr.extra["medial_drift_deg"] = drift
        rate_hz = 1.0 / float(np.median(np.diff(dr.time_s))) if len(dr.time_s) > 2 else 100.0
        stop = int(np.argmax(dr.incl_deg)) + 1 if dr.smooth_to_peak else len(dr.time_s)
        smooth = sparc(uniform_speed(dr.time_s[:stop], dr.speed_dps[:stop], rate_hz), rate_hz)
        dr.extra["sparc"] = smooth
        key = f"{dr.kind}:{dr.direction or ''}:{dr.set_key}"  # bent and straight knee differ in range
        history = tally.ranges.setdefault(key, [])
        typical = statistics.median(history[-self.p.history_reps :]) if history else math.nan
        partial = bool(history) and dr.range_value < self.p.partial_frac * typical
        best = best_of(history, tally.doubtful.get(key, []))
        trail = tally.partials.setdefault(key, [])
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
        invalid = "" if partial else data_gap_reason(dr.time_s)
        heel = HeelVerdict() if partial or invalid or self._motion is None else self._judge_heel(dr)
        heel_cm = heel.rise_cm
        if math.isfinite(heel_cm):  # every judged drive's figures, so that its verdict can be read
            dr.extra.update(heel_rise_cm=heel_cm, heel_sigma_cm=heel.sigma_cm, heel_z=heel.z)
        if heel.lifted:
            invalid = f"heel lifted {heel_cm:.1f} cm — not counted"
        if not partial and not invalid:
            invalid = self._gait.stepping(dr.start_s, dr.end_s, dr.emitted_s)
        if not partial and not invalid:
            # a calf raise lifts the ankle itself: from its close to its landing the foot stays planted (a step's
            # heel-off is followed by its swing)
            lift = (dr.start_s, dr.end_s) if self._ankle_planted else (dr.end_s, now)
            invalid = self._gait.lifted(*lift, slow=self._ankle_planted)
        if not partial and not invalid:
            # every drill: the foot keeps its heading (a calf raise's from a stride before it rose, through its landing)
            gp = self.p.gait
            span = (dr.start_s, dr.end_s) if self._ankle_planted else (dr.start_s - gp.lookback_s, now)
            invalid = self._gait.turned(*span)
        if not partial and not invalid and self._ankle_planted:
            # the shin moved: gravity's direction turned with the orientation from the rest to the peak
            invalid = self._gait.drifted(dr.start_s, float(dr.time_s[k]))
        if not partial and not invalid and dr.kind == "rotate":
            # a turn about the shin's own axis is the gyro's alone (gravity does not see it): one made while the
            # shin stood still is its bias integrated (before the filter measured it: 1.35 °/s, consumer MPU)
            invalid = self._gait.turned_while_still(dr.time_s, dr.signal)
        if not partial and not invalid:
            invalid = dr.invalid  # the segmenter's own: not the drill's movement (a line is no circle)
        uncertain = heel.uncertain and not partial and not invalid  # counted, but not for the best
        if partial:
            trail.append(dr.range_value)
        elif not invalid:  # an invalid drive (heel lifted) is no reference for the person's range
            trail.clear()
            history.append(dr.range_value)
            if uncertain:
                tally.doubtful.setdefault(key, []).append(dr.range_value)
        assert self.segmenter is not None
        typical_now = statistics.median(history[-self.p.history_reps :]) if history else math.nan
        self.segmenter.judged(dr, partial or bool(invalid), typical_now)
        gap = math.isnan(tally.last_end_s) or dr.start_s - tally.last_end_s >= d.set_gap_s
        if (gap or dr.set_key != tally.set_key) and ((not partial and not invalid) or tally.set == 0):
            tally.set += 1
            tally.set_key = dr.set_key
            self.state.reps_in_set = 0
        tally.last_end_s = dr.end_s
        range_deg = float(dr.signal[k]) if dr.in_deg else math.nan
        metrics = RepMetrics(
            range_deg=range_deg,
            peak_deg=float(dr.incl_deg[k]),
            best_range_deg=best,
            hold_s=hold_s,
            medial_drift_deg=drift,
            sparc=smooth,
            down_s=float(dr.extra.get("down_s", math.nan)),
            rise_cm=float(dr.extra.get("rise_cm", math.nan)),
            best_rise_cm=tally.best_rise_cm,
        )
        score, comps, reasons = score_rep(d, metrics)
        score_reasons = reasons
        if partial:
            reasons = [f"partial: {dr.range_value:.1f}{dr.unit} is under half your usual — not counted", *reasons]
        elif invalid:
            reasons = [invalid, *reasons]
        else:
            if uncertain:
                reasons = [heel.reason, *reasons]
            tally.count += 1
            self.state.reps_in_set += 1
            rise = metrics.rise_cm  # calf raises: the best so far scores the next
            if not math.isnan(rise):
                tally.best_rise_cm = rise if math.isnan(tally.best_rise_cm) else max(tally.best_rise_cm, rise)
        rep = Rep(
            index=tally.count if not (partial or invalid) else 0,
            set=max(tally.set, 1),
            start_s=dr.start_s,
            end_s=dr.end_s,
            peak_s=float(dr.time_s[k]),
            peak_tibial_inclination_deg=float(dr.incl_deg[k]),
            range_deg=range_deg,
            hold_s=hold_s,
            emitted_s=now,
            kind=dr.kind,
            partial=partial,
            score=score,
            score_components=comps,
            reasons=reasons,
            extra=dr.extra,
            invalid_reason=invalid,
            heel_rise_cm=heel_cm,
            heel_uncertain=uncertain,
        )
        self.reps.append(rep)
        if partial:
            event = RepEvent("partial", now, rep)
        elif invalid:
            self.state.last_invalid = rep
            event = RepEvent("invalid", now, rep)
        else:
            self.state.last_rep = rep
            event = RepEvent("rep", now, rep)
        if not self._ankle_planted:  # a calf raise: its eccentric may be revised once its landing is seen
            self._scored[id(dr.extra)] = (dr.extra, len(self.reps) - 1, metrics, len(score_reasons))
            waiting = [r for r in self._unjudged if r[0] is dr]
            if waiting:
                self._unjudged = [r for r in self._unjudged if r[0] is not dr]
                for _, figures in waiting:
                    self._amend(dr, figures)
        return event

    def _judge_heel(self, dr: Draft) -> HeelVerdict:
        """The heel's verdict on a full drive of a heel-down drill: its rise (nan when it cannot be told), a lift
        beyond the estimate's noise, or not confidently heel-down."""
        assert self._motion is not None
        v = self.validity
        est = self._motion.heel_estimate(dr.start_s, dr.end_s, self.p.hold_band_deg, v, self.foot_cm)
        known = self.bias_measured_s is not None and self.bias_measured_s <= dr.start_s
        return judge_heel(est, v, known)

    def _update_state(self, now_s: float, angle_deg: float) -> None:
        st = self.state
        st.time_s = now_s
        st.angle_deg = angle_deg
        seg = self.segmenter
        if seg is None:
            st.phase = "waiting"
            return
        st.rep_count = self.tally.count
        st.set_index = self.tally.set
        in_rep = seg.in_rep
        last_end_s = self.tally.last_end_s
        st.rest_s = 0.0 if math.isnan(last_end_s) or in_rep else now_s - last_end_s
        st.rest_level_deg = seg.rest_level_deg
        st.current_hold_s = seg.live_hold_s(now_s)
        if not in_rep:
            st.phase = "resting"
        elif st.current_hold_s >= 0.25:
            st.phase = "holding"
        else:
            st.phase = "moving"

    def summary(self) -> dict[str, Any]:
        return {
            "drill": self.drill.id,
            "rep_count": self.tally.count,
            "sets": self.tally.set,
            "reps": [r.as_dict() for r in self.reps],
        }
