"""The one shape every drill's segmenter has: the frames it reads, the draft it emits, its protocol.

    frames = framer.update(shin_frames)          # once per chunk, by the counter
    segmenter.process(frames.since(i), emit)     # emit(draft) at the sample that closes a rep
    segmenter.judged(draft, partial, typical)    # the counter's verdict on that draft

A segmenter turns samples into ``Draft``s (a rep in a common form); the counter judges every draft
the same way (partial or counted, set, hold, score). Which segmenter a drill uses is its catalogue
``signal``, looked up in dorsi.drills.segmenters.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, NamedTuple, Protocol, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from dorsi.drills.catalog import Drill
from dorsi.drills.noise import NoiseTracker, sum_sq3
from dorsi.drills.params import CounterParams, NoiseParams
from dorsi.motion import quat as Q
from dorsi.motion.pipeline import Row, ShinFrames
from dorsi.motion.types import F64, GRAVITY_MPS2


def vertical_acc_mps2(rot: F64, acc_mps2: F64) -> F64:
    """Vertical specific force minus g (earth z up) from rotation matrices (n, 3, 3) and the sensor-frame
    specific force (n, 3): the shin's vertical acceleration plus the accelerometer's offset."""
    return vertical_from_up(rot[:, 2, :], acc_mps2)


def vertical_from_up(up: F64, acc_mps2: F64) -> F64:
    """``vertical_acc_mps2`` from the rotations' third rows (n, 3): the earth's up in sensor coordinates."""
    # the dot product as einsum("nj,nj->n") summed it here ((x + z) + y), in elementwise operations: the
    # same bits as the plain-float path of a notification's samples (_vertical_small) on any machine
    dot = up[:, 0] * acc_mps2[:, 0] + up[:, 2] * acc_mps2[:, 2]
    dot += up[:, 1] * acc_mps2[:, 1]
    dot -= GRAVITY_MPS2
    return np.asarray(dot, dtype=np.float64)


def _vertical_small(quat_wxyz: F64, acc_mps2: F64) -> F64:
    """vertical_acc_mps2 of a few samples in plain floats from the quaternions (the rotation's third row,
    as quat.to_matrix computes it): no (n, 3, 3) matrices built for one row of each."""
    g = GRAVITY_MPS2
    return np.array(
        [
            (2 * (x * z - w * y)) * ax + (1 - 2 * (x * x + y * y)) * az + (2 * (y * z + w * x)) * ay - g
            for (w, x, y, z), (ax, ay, az) in zip(quat_wxyz.tolist(), acc_mps2.tolist(), strict=True)
        ]
    )


class FrameFloats(NamedTuple):
    """A notification's few samples' DrillFrames columns as Python values (the framer's small path)."""

    time_s: list[float]
    speed_dps: list[float]
    quiet: list[bool]
    acc_noise: list[float]
    rest_acc: list[float]
    incl_deg: list[float]
    frontal_deg: list[float]
    quat_acc: tuple[list[list[float]], list[list[float]]] | None  # quaternions and specific force (from rows)
    axial_deg: list[float]
    gyr_dps: list[list[float]] | None  # bias-corrected body rate (from rows)


_FLOATS = cast(Callable[[tuple[Any, ...]], FrameFloats], partial(tuple.__new__, FrameFloats))


@dataclass(eq=False)
class DrillFrames:
    """What the segmenters read, per sample of one chunk (computed once, by the counter)."""

    time_s: F64
    incl_deg: F64  # tibial inclination
    frontal_deg: F64  # frontal tilt
    speed_dps: F64  # |bias-corrected gyro|
    quiet: NDArray[np.bool_]  # speed under CounterParams.quiet_dps: the shin is still
    axial_deg: F64  # rotation about the shin's long axis: the integrated rate, carried across chunks
    quat_wxyz: F64
    acc_mps2: F64  # specific force, sensor frame
    # the sensor's noise measured so far (noise.py), per sample: the accelerometer's white density and the
    # gyro's σ; None: the priors (NoiseParams)
    acc_noise_rthz: F64 | None = None
    gyr_noise_dps: F64 | None = None
    rest_acc_mps2: F64 | None = None  # |specific force| − g over the last quiet windows (nan: none yet)
    gyr_dps: F64 | None = None  # bias-corrected body rate, sensor frame (the heel check re-orients with it)

    def __len__(self) -> int:
        return len(self.time_s)

    def rows(self, *columns: str) -> Iterator[tuple[Any, ...]]:
        """The named columns sample by sample, as Python scalars (the segmenters' loops run on floats)."""
        return zip(*(getattr(self, c).tolist() for c in columns), strict=True)

    def since(self, start: int) -> DrillFrames:
        return self.slice(start, len(self))

    def slice(self, start: int, stop: int) -> DrillFrames:
        if start == 0 and stop >= len(self):
            return self
        return DrillFrames(
            self.time_s[start:stop],
            self.incl_deg[start:stop],
            self.frontal_deg[start:stop],
            self.speed_dps[start:stop],
            self.quiet[start:stop],
            self.axial_deg[start:stop],
            self.quat_wxyz[start:stop],
            self.acc_mps2[start:stop],
            None if self.acc_noise_rthz is None else self.acc_noise_rthz[start:stop],
            None if self.gyr_noise_dps is None else self.gyr_noise_dps[start:stop],
            None if self.rest_acc_mps2 is None else self.rest_acc_mps2[start:stop],
            None if self.gyr_dps is None else self.gyr_dps[start:stop],
        )

    def kept_columns(self, names: tuple[str, ...]) -> list[Any] | None:
        """The named fields for a log that builds its rows later (ChunkLog): each array already made, else the
        Python list it would be made of (the same values), when the block has them (a notification's rows:
        ``_RowFrames``); else None (read the arrays)."""
        return None

    def acc_noise(self) -> F64:
        """The accelerometer's white density per sample (the prior where none was measured)."""
        if self.acc_noise_rthz is not None:
            return self.acc_noise_rthz
        return np.full(len(self.time_s), NoiseParams().prior_acc_mps2_rthz)

    # computed on first read, once per chunk for every reader (plain attributes: functools.cached_property
    # takes a lock per first read, a notification's frames are read once)
    _rot: F64 | None = field(default=None, init=False, repr=False)
    _vertical: F64 | None = field(default=None, init=False, repr=False)
    _jolt: F64 | None = field(default=None, init=False, repr=False)
    _vertical_jolt: tuple[list[float], list[float]] | None = field(default=None, init=False, repr=False)
    # a notification's few samples' columns as floats (FrameFloats): what the segmenters' loops read,
    # without a .tolist() of each array again
    floats: FrameFloats | None = field(default=None, init=False, repr=False)

    def vertical_jolt_floats(self) -> tuple[list[float], list[float]]:
        """vertical_acc_mps2 and jolt_mps2 as floats: for a notification's few samples one pass over its rows
        (the same expressions as _vertical_small and jolt_mps2's: the same bits), no arrays built."""
        if self._vertical_jolt is None:
            if self._vertical is None and self._jolt is None and self._rot is None and len(self) <= SMALL_CHUNK:
                g = GRAVITY_MPS2
                vertical, jolt = [], []
                qa = None if self.floats is None else self.floats.quat_acc
                quats, accs = (self.quat_wxyz.tolist(), self.acc_mps2.tolist()) if qa is None else qa
                for (w, x, y, z), (ax, ay, az) in zip(quats, accs, strict=True):
                    vertical.append(
                        (2 * (x * z - w * y)) * ax + (1 - 2 * (x * x + y * y)) * az + (2 * (y * z + w * x)) * ay - g
                    )
                    jolt.append(math.sqrt(ax * ax + ay * ay + az * az) - g)
                self._vertical_jolt = vertical, jolt
            else:
                self._vertical_jolt = self.vertical_acc_mps2.tolist(), self.jolt_mps2.tolist()
        return self._vertical_jolt

    @property
    def rot(self) -> F64:
        """The orientation as rotation matrices (n, 3, 3)."""
        if self._rot is None:
            self._rot = Q.to_matrix(self.quat_wxyz)
        return self._rot

    @property
    def vertical_acc_mps2(self) -> F64:
        """Vertical specific force minus g (earth z up): the shin's vertical acceleration plus offset."""
        if self._vertical is None:
            if self._rot is None and len(self.time_s) <= SMALL_CHUNK:
                self._vertical = _vertical_small(self.quat_wxyz, self.acc_mps2)
            elif self._rot is None:  # the rotations' third rows only
                self._vertical = vertical_from_up(Q.up_rows(self.quat_wxyz), self.acc_mps2)
            else:
                self._vertical = vertical_acc_mps2(self.rot, self.acc_mps2)
        return self._vertical

    @property
    def jolt_mps2(self) -> F64:
        """|specific force| − g: a tap into the skin shows here even when it is horizontal."""
        if self._jolt is None:
            acc = self.acc_mps2
            if len(acc) <= SMALL_CHUNK:  # np.linalg.norm's sum in floats (x² + y², then + z²): the same bits
                g = GRAVITY_MPS2
                self._jolt = np.array([math.sqrt(x * x + y * y + z * z) - g for x, y, z in acc.tolist()])
            else:
                self._jolt = np.sqrt(sum_sq3(acc)) - GRAVITY_MPS2
        return self._jolt


SMALL_CHUNK = 32  # chunks up to this size take the plain-float path (identical results)


class _Lazy:
    """A DrillFrames field of _RowFrames: on first read, the notification's ShinFrames field ``shin`` when
    there is one, else an array made of ``column``'s floats; then kept in the instance (a non-data
    descriptor: the instance's own value shadows it; no lock, unlike functools.cached_property)."""

    def __init__(self, column: Callable[[_RowFrames], Any], shin: str = "", dtype: type = np.float64) -> None:
        self.column, self.shin, self.dtype = column, shin, dtype

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: _RowFrames | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        src = obj._shin
        if src is not None and self.shin:
            value = getattr(src, self.shin)
        else:
            value = np.array(self.column(obj), dtype=self.dtype)
        obj.__dict__[self.name] = value
        return value


def _quats(f: _RowFrames) -> list[list[float]]:
    assert f._fl.quat_acc is not None
    return f._fl.quat_acc[0]


def _accs(f: _RowFrames) -> list[list[float]]:
    assert f._fl.quat_acc is not None
    return f._fl.quat_acc[1]


def _gyrs(f: _RowFrames) -> list[list[float]]:
    assert f._fl.gyr_dps is not None
    return f._fl.gyr_dps


# the FrameFloats column each _RowFrames array is made of (kept_columns)
_FLOATS_OF: dict[str, Callable[[FrameFloats], Any]] = {
    "time_s": lambda fl: fl.time_s,
    "incl_deg": lambda fl: fl.incl_deg,
    "quiet": lambda fl: fl.quiet,
    "quat_wxyz": lambda fl: fl.quat_acc[0],  # type: ignore[index]
    "acc_mps2": lambda fl: fl.quat_acc[1],  # type: ignore[index]
    "acc_noise_rthz": lambda fl: fl.acc_noise,
    "gyr_dps": lambda fl: fl.gyr_dps,
}


class _RowFrames(DrillFrames):
    """The DrillFrames of a block given as the pipeline's rows (DrillFramer.update_rows): every column is in
    ``floats``, and each array is made from them (or taken from the notification's ShinFrames) only when
    read, one call each: the same arrays. The segmenters and the gait watch read the floats, so most
    blocks make a few arrays (the checks' buffers), not all."""

    def __init__(self, floats: FrameFloats, gyr_sigma: list[float], shin: ShinFrames | None) -> None:
        self.floats = self._fl = floats
        self._sigma = gyr_sigma
        self._shin = shin

    def built(self) -> _RowFrames:
        """Every array made now (what the path made before its arrays were lazy)."""
        for f in dataclasses.fields(DrillFrames):
            if f.init:
                getattr(self, f.name)
        return self

    def __len__(self) -> int:
        return len(self._fl.time_s)

    def kept_columns(self, names: tuple[str, ...]) -> list[Any] | None:
        # every array not made yet would be made of the floats; so too a notification's own (2-6 samples, counted
        # as it is): its quaternions, flags and noise would be made arrays for the logs (size 4: 0.6-0.9 µs a
        # sample more than the lists, knee-to-wall and squat rocks)
        fl = self._fl
        if fl.quat_acc is None:
            return None
        built = self.__dict__
        return [built[n] if n in built else _FLOATS_OF[n](fl) for n in names]

    time_s = _Lazy(lambda f: f._fl.time_s, "time_s")
    incl_deg = _Lazy(lambda f: f._fl.incl_deg, "tibial_inclination_deg")
    frontal_deg = _Lazy(lambda f: f._fl.frontal_deg, "frontal_tilt_deg")
    speed_dps = _Lazy(lambda f: f._fl.speed_dps)
    quiet = _Lazy(lambda f: f._fl.quiet, dtype=bool)
    axial_deg = _Lazy(lambda f: f._fl.axial_deg)
    quat_wxyz = _Lazy(_quats, "quat_wxyz")
    acc_mps2 = _Lazy(_accs, "acc_mps2")
    acc_noise_rthz = _Lazy(lambda f: f._fl.acc_noise)
    gyr_noise_dps = _Lazy(lambda f: f._sigma)
    rest_acc_mps2 = _Lazy(lambda f: f._fl.rest_acc)
    gyr_dps = _Lazy(_gyrs, "gyr_dps")


class DrillFramer:
    """ShinFrames → DrillFrames, chunk by chunk (the axial integral and the noise estimate carry over: any
    chunking). Still: |gyro| under max(quiet_dps, quiet_gyr_k × the gyro's measured σ)."""

    lazy_rows = True  # update_rows' arrays made only when read (off: all at once, as the tests' reference)

    def __init__(self, quiet_dps: float, noise: NoiseParams | None = None) -> None:
        self.quiet_dps = quiet_dps
        self.noise_params = noise or NoiseParams()
        self.noise = NoiseTracker(self.noise_params)
        self.axial_deg = 0.0
        self.last_t = math.nan

    def update(self, frames: ShinFrames) -> DrillFrames:
        if len(frames) <= SMALL_CHUNK:
            return self._update_small(frames)
        return self._update_arrays(frames)

    def _update_arrays(self, frames: ShinFrames) -> DrillFrames:
        t = frames.time_s
        gyr = frames.gyr_dps
        # axial rotation: integral of the rate about the long axis (sensor +Y)
        dt = np.diff(t, prepend=t[0] if math.isnan(self.last_t) else self.last_t)
        axial = self.axial_deg + np.cumsum(gyr[:, 1] * np.minimum(dt, 0.5))
        self.axial_deg = float(axial[-1])
        self.last_t = float(t[-1])
        speed = np.sqrt(sum_sq3(gyr))
        acc_noise, gyr_sigma, rest_acc = self.noise.update(t, frames.acc_mps2, gyr, speed < self.quiet_dps)
        quiet_dps = np.maximum(self.quiet_dps, self.noise_params.quiet_gyr_k * gyr_sigma)
        return DrillFrames(
            t,
            frames.tibial_inclination_deg,
            frames.frontal_tilt_deg,
            speed,
            speed < quiet_dps,
            axial,
            frames.quat_wxyz,
            frames.acc_mps2,
            acc_noise,
            gyr_sigma,
            rest_acc,
            gyr,
        )

    def _update_small(self, frames: ShinFrames) -> DrillFrames:
        """The same arithmetic in plain floats for a notification's few samples: numpy's set-up per call
        (diff, cumsum, norm) costs more than the sums themselves."""
        ts = frames.time_s.tolist()
        speed, axial, quiet, acc_noise, gyr_sigma, rest_acc = self._small(
            ts, frames.gyr_dps.tolist(), frames.acc_mps2.tolist()
        )
        # one array, its rows as the columns: one np.array's set-up instead of five
        speed_a, axial_a, noise_a, sigma_a, rest_a = np.array([speed, axial, acc_noise, gyr_sigma, rest_acc])
        out = DrillFrames(
            frames.time_s,
            frames.tibial_inclination_deg,
            frames.frontal_tilt_deg,
            speed_a,
            np.array(quiet),
            axial_a,
            frames.quat_wxyz,
            frames.acc_mps2,
            noise_a,
            sigma_a,
            rest_a,
            frames.gyr_dps,
        )
        incl, frontal = frames.tibial_inclination_deg.tolist(), frames.frontal_tilt_deg.tolist()
        out.floats = _FLOATS((ts, speed, quiet, acc_noise, rest_acc, incl, frontal, None, axial, None))
        return out

    def update_rows(self, rows: list[Row], frames: ShinFrames | None = None) -> DrillFrames:
        """``update`` for a few samples given as the pipeline's rows (ShinPipeline.rows): the float path on
        the rows' own values. ``frames``: those samples' ShinFrames when they exist (one notification), whose
        arrays are used as they are; else (rows joined over notifications) each column is made an array from
        its floats. Either way an array is made only when read (_RowFrames): the segmenters read the floats,
        and only the columns the gait watch and the heel check keep are made arrays."""
        ts, quats, incls, frontals, _calibrated, gyrs, _rest, accs = map(list, zip(*rows, strict=True))
        speed, axial, quiet, acc_noise, gyr_sigma, rest_acc = self._small(ts, gyrs, accs)
        fl = _FLOATS((ts, speed, quiet, acc_noise, rest_acc, incls, frontals, (quats, accs), axial, gyrs))
        if not self.lazy_rows:  # every array at once (the test's reference)
            return _RowFrames(fl, gyr_sigma, frames).built()
        return _RowFrames(fl, gyr_sigma, frames)

    def _small(
        self, ts: list[float], gyr: list[list[float]], acc: list[list[float]]
    ) -> tuple[list[float], list[float], list[bool], list[float], list[float], list[float]]:
        """The float path's columns: speed, axial, quiet, acc noise, gyro σ, rest level."""
        last = ts[0] if math.isnan(self.last_t) else self.last_t
        base, run = self.axial_deg, 0.0
        floor_dps, sqrt = self.quiet_dps, math.sqrt
        axial, speed, under = [], [], []  # (under the floor: the noise tracker's still samples)
        for ti, (gx, gy, gz) in zip(ts, gyr, strict=True):
            dt = ti - last
            run += gy * (0.5 if dt > 0.5 else dt)  # min(dt, 0.5); np.cumsum's running sum, then the carried integral
            axial.append(base + run)
            v = sqrt(gx * gx + gy * gy + gz * gz)
            speed.append(v)
            under.append(v < floor_dps)
            last = ti
        self.axial_deg = axial[-1]
        self.last_t = last
        acc_noise, gyr_sigma, rest_acc = self.noise.update_small(ts, acc, gyr, under)
        k = self.noise_params.quiet_gyr_k
        quiet = []
        for v, sigma in zip(speed, gyr_sigma, strict=True):
            limit = k * sigma
            quiet.append(v < (limit if limit > floor_dps or limit != limit else floor_dps))  # np.maximum
        return speed, axial, quiet, acc_noise, gyr_sigma, rest_acc


@dataclass
class RepTrace:
    """What every segmenter's record of a rep has: its times and its samples."""

    start_s: float
    end_s: float
    emitted_s: float  # the sample time at which the segmenter closed it
    time_s: F64
    incl_deg: F64
    frontal_deg: F64
    speed_dps: F64


@dataclass
class Draft(RepTrace):
    """A rep in the common form every segmenter emits, before the counter judges and scores it."""

    signal: F64  # what the peak and hold are taken from (deviation from rest, or height)
    range_value: float  # what partial reps are judged on
    band: float  # the hold band on ``signal`` (CounterParams.hold_band_*)
    unit: str = "°"  # of signal and range_value: "°" (range_deg is its peak) or " cm"
    kind: str = "drive"
    direction: str | None = None
    set_key: str = ""  # a change of this (circle direction, bent/straight knee) starts a new set
    drift: bool = True  # report the knee's medial drift (a forward drive)
    smooth_to_peak: bool = False  # smoothness of the drive itself (start → peak), else the whole rep
    invalid: str = ""  # the segmenter's own verdict: not the drill's movement (its plain reason), judged invalid
    extra: dict[str, Any] = field(default_factory=dict)
    source: Any = None  # the segmenter's own record (a RepTrace: Segment, Cycle, Raise), handed back in judged()

    @classmethod
    def of(cls, rep: RepTrace, signal: F64, range_value: float, band: float, **kw: Any) -> Draft:
        """From a segmenter's own record (Segment, Cycle, Raise): it is handed back in judged()."""
        trace = (rep.start_s, rep.end_s, rep.emitted_s, rep.time_s, rep.incl_deg, rep.frontal_deg, rep.speed_dps)
        return cls(*trace, signal, range_value, band, source=rep, **kw)

    @property
    def in_deg(self) -> bool:
        return self.unit == "°"


Revision = tuple[Draft, dict[str, float]]  # an emitted draft and its extra figures' revised values


class Segmenter(Protocol):
    """A drill's rep segmentation, sample by sample (identical for any chunking)."""

    @property
    def in_rep(self) -> bool: ...

    @property
    def rest_level_deg(self) -> float:
        """The inclination the shin rests at between reps (nan where the drill has none)."""
        ...

    def process(self, frames: DrillFrames, emit: Callable[[Draft], None]) -> None:
        """Feed samples; ``emit`` is called at the closing sample, before the next one is seen."""
        ...

    def live_hold_s(self, now_s: float) -> float:
        """How long the open rep has been held near its peak (the UI's hold ring); 0 if none."""
        ...

    def judged(self, draft: Draft, partial: bool, typical_range: float) -> None:
        """The counter's verdict on a draft this segmenter emitted, with the typical range of its
        kind after it: segmenters that adapt to the person's range or centre learn here."""
        ...

    def finish(self) -> None:
        """The end of the stream, before the drafts still waiting are judged: settle what they report."""
        ...

    def take_revisions(self) -> list[Revision]:
        """Figures of drafts already emitted, revised since the last call (a calf raise's eccentric once its
        landing is seen), in the order they were revised."""
        ...


R = TypeVar("R", bound=RepTrace)
T = TypeVar("T", bound=tuple[Any, ...])


class SegmenterBase(Generic[R]):
    """The protocol's plumbing: ``process`` is the segmenter's own ``detect`` (emitting its records, R)
    turned into drafts by its ``draft``; defaults for a segmenter with no rest level, no live hold and
    nothing to learn from the verdicts. Its per-sample memory is ``self.state`` (with ``in_rep``)."""

    state: Any

    @property
    def in_rep(self) -> bool:
        return bool(self.state.in_rep)

    @property
    def rest_level_deg(self) -> float:
        return math.nan

    def process(self, frames: DrillFrames, emit: Callable[[Draft], None]) -> None:
        self.detect(frames, lambda record: emit(self.draft(record)))

    def detect(self, frames: DrillFrames, emit: Callable[[R], None]) -> None:
        raise NotImplementedError

    def draft(self, record: R) -> Draft:
        raise NotImplementedError

    def live_hold_s(self, now_s: float) -> float:
        return 0.0

    def judged(self, draft: Draft, partial: bool, typical_range: float) -> None:
        return None

    def finish(self) -> None:
        return None

    def take_revisions(self) -> list[Revision]:
        return []


@dataclass(frozen=True)
class SegmenterContext:
    """What a segmenter is built from when counting starts."""

    drill: Drill
    params: CounterParams
    standing_deg: float  # the person's standing inclination (the calibration's, else the first still sample)
    foot_cm: float  # the person's foot, heel to longest toe


SegmenterFactory = Callable[[SegmenterContext], Segmenter]


def row_maker(cls: type[T]) -> Callable[[tuple[Any, ...]], T]:
    """The NamedTuple ``cls`` from a tuple, built in C: a NamedTuple's own constructor is a Python call,
    3-5 times a plain tuple's cost, and the segmenters keep a row per sample."""
    return cast(Callable[[tuple[Any, ...]], T], partial(tuple.__new__, cls))


def named_rows(cls: type[T], rows: Iterable[tuple[Any, ...]]) -> Iterator[T]:
    return map(row_maker(cls), rows)


def hold_run(time_s: F64, signal: F64, band: float) -> tuple[int, int, float]:
    """(peak index, first..last of the contiguous run within band of the peak) → hold seconds."""
    k = int(np.argmax(signal))
    inside = signal >= signal[k] - band
    outside = np.flatnonzero(~inside)
    before = outside[outside < k]
    after = outside[outside > k]
    first = int(before[-1]) + 1 if before.size else 0
    last = int(after[0]) - 1 if after.size else len(signal) - 1
    return k, first, float(time_s[last] - time_s[first])
