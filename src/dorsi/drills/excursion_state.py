"""The excursion segmenter's data: its channels, the samples it keeps, the segments it closes, its state,
and the ankle matrix's knee regimes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from dorsi.drills.segment import RepTrace
from dorsi.motion.types import F64

KNEE_BENT_DEG = 1.5  # ankle matrix: a first rest level this far above standing = bent knee


@dataclass(frozen=True)
class Channel:
    name: str  # "incl", "frontal", "axial": the DrillFrames column it reads
    start_max_deg: float  # start threshold once the person's range is known (upper clamp)
    min_start_deg: float  # start threshold before any rep (lower clamp)
    min_range_deg: float  # excursions smaller than this are ignored
    one_sided: bool  # inclination: only forward excursions count
    integrated: bool = False  # an integral of the gyro rate (axial rotation): its error grows with time


class Sample(NamedTuple):
    """One sample as the segmenter keeps it (in the rep buffer and the run-up before it)."""

    t_s: float
    values: tuple[float, ...]  # per channel
    speed_dps: float
    frontal_deg: float
    incl_deg: float


@dataclass
class Segment(RepTrace):
    """A closed excursion with its samples (turned into a Draft for the counter)."""

    channel: int  # dominant channel
    sign: float  # +1 / −1 direction of the dominant channel's excursion
    base: list[float]  # the rest level it started from
    values: F64  # (n, channels)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def dev(self, ch: int) -> F64:
        return self.values[:, ch] - self.base[ch]


@dataclass
class QuietRun:
    n: int = 0
    start_s: float = math.nan
    sums: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)  # the run's first values


class StopRun(NamedTuple):
    start: int  # index in the rep buffer
    first: list[float]  # its first values
    sums: list[float]
    n: int


class Stop(NamedTuple):
    level: list[float]  # mean values of a stop that lasted STOP_S
    last: int  # index of its last sample in the rep buffer


class HeldClose(NamedTuple):
    stance: Stop  # the stance stop the drive left
    peak_deg: float  # the drive's peak on the forward channel
    close_s: float  # when the rep would have closed from the old rest level
    low_deg: float  # the lowest forward value since (a drive again from near the stance)
    low_s: float


class Overshoot(NamedTuple):
    channel: int
    sign: float
    range_deg: float


@dataclass
class ExcursionState:
    """Everything the segmenter carries from one sample to the next."""

    base: list[float] | None  # the rest level per channel (None until the first still sample)
    start_thr: list[float]  # start thresholds of the current regime (one of thr_by's lists)
    min_range: list[float]  # minimum ranges of the current regime
    thr_by: dict[str, list[float]]  # start thresholds per regime (bent knee / straight leg)
    regime: str = ""
    # per channel: value and time it last moved away; sum and count of the values since; that run
    # not yet checked for a new stance
    anchor: list[float] = field(default_factory=list)
    anchor_t: list[float] = field(default_factory=list)
    run_sum: list[float] = field(default_factory=list)
    run_n: list[int] = field(default_factory=list)
    run_new: list[bool] = field(default_factory=list)
    in_rep: bool = False
    buf: list[Sample] = field(default_factory=list)  # since the rep start
    pre: list[Sample] = field(default_factory=list)  # the run-up: where the next rep would start
    # after a close, still beyond a start threshold: each channel's lowest excess since (see _rest_step)
    returning: list[float] | None = None
    peak: list[float] = field(default_factory=list)
    quiet: QuietRun = field(default_factory=QuietRun)
    plateau: list[float] | None = None
    plateau_len: int = 0  # buffer length when the plateau's still run ended
    # a plateau a forward channel has left further from rest, not yet by a full rep: (its values, its
    # plateau_len). A new stance once the drive from it spans a rep's minimum range (_leaves_plateau)
    left: tuple[list[float], int] | None = None
    plateau_s: float = math.nan  # the middle of the plateau's still run: the time its mean stands for
    # the integrated channel's rate while the shin rests (the orientation's residual gyro bias about the
    # shin's axis, °/s): its running mean over the last RATE_WINDOW_S of rest, that rest time, the last value
    drift_dps: float = 0.0
    drift_w_s: float = 0.0
    drift_prev: float = math.nan
    # that rate × the time since the open rep began: taken out of the integrated channel's samples in the rep
    # (its rest level stays where the rep opened) and added to the rest level when the rep ends
    rep_bias_deg: float = 0.0
    run: StopRun | None = None  # the current short stop inside an excursion
    stop: Stop | None = None  # the last one that lasted STOP_S
    # stops in the open rep displaced forward from its rest level by a start threshold (a stance the drive
    # may have left), and a close held back until the return shows whether the shin stops at the last one
    # before the peak (a new stance: the rep is driven from there) or passes it (the rep from rest)
    stances: list[Stop] = field(default_factory=list)
    held: HeldClose | None = None
    last_t: float = math.nan
    overshoot: Overshoot | None = None  # after a rep on a two-sided channel, until that channel settles
    # live hold (inclination or the dominant channel's peak band)
    peak_s: float = math.nan
    hold_start_s: float = math.nan


class KneeRegime:
    """Ankle matrix: bent knee or straight leg, from the rest level a rep starts from; each has its
    own start thresholds and minimum ranges (a straight leg drives the shin forward less far than a
    bent knee: gastrocnemius).

    Before any bent-knee rep: KNEE_BENT_DEG above standing is bent. After one, the split is halfway
    between standing and that rep's rest level (a bent-knee rest can be only a few degrees above
    standing, so a fixed threshold flickers)."""

    def __init__(self, standing_deg: float, min_range_by: dict[str, list[float]]) -> None:
        self.standing_deg = standing_deg
        self.min_range_by = min_range_by
        self.bent_rest_deg = math.nan  # the rest level of the last bent-knee rep

    def of(self, base: list[float]) -> str:
        offset, split = self.split()
        return "bent" if base[0] - offset >= split else "straight"

    def split(self) -> tuple[float, float]:
        """(offset, split): bent where the inclination rest level − offset ≥ split (x − 0.0 is x exactly)."""
        if math.isnan(self.bent_rest_deg):
            return self.standing_deg, KNEE_BENT_DEG
        return 0.0, 0.5 * (self.standing_deg + self.bent_rest_deg)

    def rep_from(self, base: list[float]) -> str:
        """The regime of a rep that started from this rest level (a bent-knee rep moves the split)."""
        knee = self.of(base)
        if knee == "bent":
            self.bent_rest_deg = base[0]
        return knee
