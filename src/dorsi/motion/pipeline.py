"""The streaming measurement: raw IMU chunks → orientation → calibration → shin angles.

``ShinPipeline.update(chunk)`` is causal and keeps its state between calls, so
the live app and a file give identical results for any chunking. Until the
calibration completes, angles use the strap rotation given in the params (0°
if unknown) and are flagged ``calibrated = False``; ``analyze_recording``
recomputes them afterwards with the found rotation. The orientation filter is VQF
(OrientationEstimator) unless another stage is given (a file's offline pass).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from dorsi.motion.angles import shin_angles, shin_angles_cs
from dorsi.motion.calibration import Calibration, CalibrationDetector, CalibrationParams
from dorsi.motion.orientation import SMALL_CHUNK, OrientationEstimator, OrientationOutput, OrientationParams
from dorsi.motion.types import F64, ImuChunk

_DEG_PER_RAD = 180.0 / math.pi
_RAD_PER_DEG = math.pi / 180.0  # numpy's deg2rad factor (NPY_PI / 180.0)
_empty = np.empty  # (a module global: one lookup less per 1-sample notification)
# up to this many samples a chunk goes sample by sample with list outputs (_update_few); from there on
# _update_small's array outputs cost less (pipeline µs per sample at 2/4/6/8/12 samples: 10.4/9.2/8.9/9.0/8.8
# against 12.2/9.9/9.2/8.5/8.1)
FEW = 6


@dataclass(frozen=True)
class PipelineParams:
    rate_hz: float
    strap_rotation_deg: float | None = None  # known from an earlier calibration: skip detection
    calibrate: bool = True
    max_bridged_gap_s: float = 0.5
    calibration: CalibrationParams = field(default_factory=CalibrationParams)


@dataclass(slots=True, eq=False)
class ShinFrames:
    """Per-sample outputs of one update (read-only by convention; not frozen because a frozen
    dataclass costs ~2 µs to build, a tenth of the live per-sample budget)."""

    time_s: F64
    quat_wxyz: F64
    tibial_inclination_deg: F64
    frontal_tilt_deg: F64
    calibrated: NDArray[np.bool_]
    gyr_dps: F64  # bias-corrected body rate, sensor frame
    rest: NDArray[np.bool_]
    acc_mps2: F64  # specific force, sensor frame (the chunk's own)

    def __len__(self) -> int:
        return len(self.time_s)

    @staticmethod
    def concatenate(parts: list[ShinFrames]) -> ShinFrames:
        # the parts' fields in one C call each, transposed by zip: ~30 % less than a getattr per field
        # and part (the session joins notifications of more than FEW samples this way, from 420 Hz)
        return ShinFrames(*map(np.concatenate, zip(*map(_FIELDS, parts), strict=True)))

    @staticmethod
    def from_rows(rows: list[Row]) -> ShinFrames:
        """The frames of samples given as rows of Python values (ShinPipeline.rows), one array per field
        from floats (~5 µs for four 1-sample notifications, against ~16 µs for concatenating their arrays).
        The live counter reads a display frame's rows directly (RepCounter.update_rows)."""
        t, q, incl, frontal, cal, gyr, rest, acc = zip(*rows, strict=True)
        times, incl_a, frontal_a = np.array([t, incl, frontal])
        flags, rest_a = np.array([cal, rest])
        return ShinFrames(times, np.array(q), incl_a, frontal_a, flags, np.array(gyr), rest_a, np.array(acc))


# one sample's ShinFrames fields as Python values: time, quaternion, inclination, frontal tilt, calibrated,
# bias-corrected gyro (°/s), rest, specific force
Row = tuple[float, list[float], float, float, bool, list[float], bool, list[float]]


def _lazy(name: str, k: int) -> property:
    """ShinFrames field ``name`` of _FewFrames: the array of its lists' column k, made on first read (kept in
    the field's own slot)."""
    slot = ShinFrames.__dict__[name]  # the dataclass's slot descriptor

    def get(self: _FewFrames) -> NDArray[np.generic]:
        try:
            return slot.__get__(self)
        except AttributeError:  # not read yet
            value = np.array(self._lists[k])
            slot.__set__(self, value)
            return value

    def put(self: _FewFrames, value: NDArray[np.generic]) -> None:
        slot.__set__(self, value)

    return property(get, put)


class _FewFrames(ShinFrames):
    """The ShinFrames of a notification's few samples (ShinPipeline._update_one, _update_few): the quaternion,
    flag, gyro and rest arrays are made from the loop's lists when first read. A block the live counter takes
    as the pipeline's rows never reads them (~1.5 µs a sample saved at 2-sample notifications)."""

    __slots__ = ("_lists",)

    def __init__(
        self,
        time_s: F64,
        incl: F64,
        frontal: F64,
        acc_mps2: F64,
        lists: tuple[list[list[float]], list[bool], list[list[float]], list[bool]],
    ) -> None:
        self.time_s, self.tibial_inclination_deg, self.frontal_tilt_deg, self.acc_mps2 = time_s, incl, frontal, acc_mps2
        self._lists = lists  # quaternions, calibrated flags, gyro rows, rest flags

    quat_wxyz = _lazy("quat_wxyz", 0)
    calibrated = _lazy("calibrated", 1)
    gyr_dps = _lazy("gyr_dps", 2)
    rest = _lazy("rest", 3)


_FIELDS = operator.attrgetter(*ShinFrames.__dataclass_fields__)


class OrientationStage(Protocol):
    """What the pipeline needs of its orientation filter (OrientationEstimator; a file's offline pass)."""

    def update(self, chunk: ImuChunk) -> OrientationOutput: ...

    def update_one(self, t: float, g: F64, a: F64) -> tuple[F64, F64, bool]:
        """One sample (gyro rad/s, acc m/s², (3,) each): a stage may keep g and a until its next call, no longer
        (ShinPipeline._update_one writes the next sample's into arrays it used the call before)."""
        ...


class ShinPipeline:
    reuse_inputs = True  # a 1-sample notification's VQF inputs written into the pipeline's arrays (off: new ones)

    def __init__(self, params: PipelineParams, orientation: OrientationStage | None = None) -> None:
        self.params = params
        self.orientation: OrientationStage = orientation or OrientationEstimator(
            OrientationParams(rate_hz=params.rate_hz, max_bridged_gap_s=params.max_bridged_gap_s)
        )
        known = params.strap_rotation_deg
        self.detector = CalibrationDetector(params.calibration) if known is None and params.calibrate else None
        # the detector while it looks (None once it has found the calibration or given up): a 1-sample notification
        # asks this, not the detector's ``active``, so that the stream after the calibration pays no call for it
        self._looking = self.detector
        self._calibrated = known is not None
        # the last update's samples as rows of Python values when it had few (FEW at most), else None
        self.rows: list[Row] | None = None
        # a 1-sample notification's gyro (rad/s) and acc rows for the orientation stage: two pairs, used in turn
        # (the stage keeps the last sample's until the next; writing 6 floats costs less than 2 new arrays)
        self._inputs = ((np.empty(3), np.empty(3)), (np.empty(3), np.empty(3)))
        self._input_k = 0
        self._set_strap_rotation(0.0 if known is None else known)

    def _set_strap_rotation(self, strap_rotation_deg: float) -> None:
        self._strap_rotation_deg = strap_rotation_deg
        psi = math.radians(strap_rotation_deg)
        self._strap_cos_sin = (math.cos(psi), math.sin(psi))

    @property
    def calibration(self) -> Calibration | None:
        return None if self.detector is None else self.detector.result

    @property
    def strap_rotation_deg(self) -> float:
        return self._strap_rotation_deg

    @property
    def calibrating(self) -> bool:
        return self.detector is not None and self.detector.active

    def _angles(self, quat: F64, start: int, stop: int, incl: F64, frontal: F64) -> None:
        if stop - start <= SMALL_CHUNK:
            c, s = self._strap_cos_sin
            for i, (w, x, y, z) in enumerate(quat[start:stop].tolist(), start):
                incl[i], frontal[i] = shin_angles_cs(w, x, y, z, c, s)
        else:
            incl[start:stop], frontal[start:stop] = shin_angles(quat[start:stop], self._strap_rotation_deg)

    def _update_few(self, chunk: ImuChunk) -> ShinFrames:
        """update() for a notification's few samples (2 … FEW), sample by sample in plain floats as
        _update_one, calibration included (CalibrationDetector.update_one is update() a sample at a time):
        the outputs are gathered in lists and made arrays once, instead of numpy set-up per sample and
        field (the batch path's arrays, copies and slices cost more than the arithmetic at this size)."""
        times = chunk.time_s.tolist()
        gyr_rows = chunk.gyr_dps.tolist()
        g_rad = np.radians(chunk.gyr_dps)  # rows are VQF's inputs (a fresh array: kept for the next gap)
        acc = np.array(chunk.acc_mps2, dtype=np.float64)  # a copy: its last row is kept for the next gap
        acc_rows = acc.tolist()
        update_one = self.orientation.update_one
        detector = self.detector
        if detector is not None and not detector.active:
            detector = None
        quats, incls, frontals, flags, gyrs, rests = [], [], [], [], [], []
        c, s = self._strap_cos_sin
        calibrated = self._calibrated
        for i, t in enumerate(times):
            quat, bias_rad_s, rest = update_one(t, g_rad[i], acc[i])
            q = quat.tolist()
            w, x, y, z = q
            incl, frontal = shin_angles_cs(w, x, y, z, c, s)
            quats.append(q)
            incls.append(incl)
            frontals.append(frontal)
            flags.append(calibrated)
            rests.append(rest)
            gx, gy, gz = gyr = gyr_rows[i]
            bx, by, bz = bias_rad_s.tolist()
            gyrs.append([gx - bx * _DEG_PER_RAD, gy - by * _DEG_PER_RAD, gz - bz * _DEG_PER_RAD])
            if detector is not None and detector.active and detector.update_one(t, gyr, q, acc_rows[i]):
                result = detector.result
                assert result is not None
                self._set_strap_rotation(result.strap_rotation_deg)  # from the next sample on, as in update()
                self._calibrated = calibrated = True
                c, s = self._strap_cos_sin
        self.rows = list(zip(times, quats, incls, frontals, flags, gyrs, rests, acc_rows, strict=True))
        incl_a, frontal_a = np.array(incls), np.array(frontals)  # not one (2, n) array's rows: ~0.7 µs less
        return _FewFrames(chunk.time_s, incl_a, frontal_a, chunk.acc_mps2, (quats, flags, gyrs, rests))

    def _update_small(self, chunk: ImuChunk) -> ShinFrames:
        """A notification's samples (FEW … SMALL_CHUNK) once calibration is settled: plain floats, no splitting."""
        ori = self.orientation.update(chunk)
        c, s = self._strap_cos_sin
        # one list → one array: ~4 µs per 1-sample call cheaper than filling np.empty via _angles
        angles = [shin_angles_cs(w, x, y, z, c, s) for w, x, y, z in ori.quat_wxyz.tolist()]
        incl, frontal = np.array(angles).T
        calibrated = (np.ones if self._calibrated else np.zeros)(len(angles), dtype=bool)
        gyr = chunk.gyr_dps - ori.bias_dps
        return ShinFrames(chunk.time_s, ori.quat_wxyz, incl, frontal, calibrated, gyr, ori.rest, chunk.acc_mps2)

    def _update_one(self, chunk: ImuChunk) -> ShinFrames:
        """update() for a 1-sample notification (a link without an MTU exchange) in plain floats:
        per-call set-up, not arithmetic, is most of the cost at this size."""
        time_s, acc_mps2 = chunk.time_s, chunk.acc_mps2
        t = time_s.item(0)  # the float(time_s[0]) without a numpy scalar
        gyr = chunk.gyr_dps.tolist()[0]
        gx, gy, gz = gyr
        acc = acc_mps2.tolist()[0]
        # VQF's inputs written into the pair of arrays not kept by the stage (~0.3 µs less than a new array and a
        # row copy); the rad/s from the floats: np.radians is x * (π / 180), one rounding (the same bits)
        if self.reuse_inputs:
            k = self._input_k = 1 - self._input_k
            g_rad, acc_row = self._inputs[k]
            g_rad[0], g_rad[1], g_rad[2] = gx * _RAD_PER_DEG, gy * _RAD_PER_DEG, gz * _RAD_PER_DEG
            acc_row[0], acc_row[1], acc_row[2] = acc
        else:
            g_rad, acc_row = np.array((gx * _RAD_PER_DEG, gy * _RAD_PER_DEG, gz * _RAD_PER_DEG)), np.array(acc)
        quat, bias_rad_s, rest = self.orientation.update_one(t, g_rad, acc_row)
        q = quat.tolist()
        w, x, y, z = q
        incl, frontal = shin_angles_cs(w, x, y, z, *self._strap_cos_sin)
        calibrated = self._calibrated
        detector = self._looking
        if detector is not None:
            if not detector.active:  # (found or given up on another path)
                detector = self._looking = None
            elif detector.update_one(t, gyr, q, acc):
                result = detector.result
                assert result is not None
                self._set_strap_rotation(result.strap_rotation_deg)  # from the next sample on, as in update()
                self._calibrated = True
                self._looking = None
        bx, by, bz = bias_rad_s.tolist()
        gyr_c = [gx - bx * _DEG_PER_RAD, gy - by * _DEG_PER_RAD, gz - bz * _DEG_PER_RAD]
        self.rows = [(t, q, incl, frontal, calibrated, gyr_c, rest, acc)]
        # two 1-element arrays, each np.empty then set: ~0.25 µs less than np.array((incl,)), np.array((frontal,))
        # (and ~0.7 µs less than unpacking the rows of one (2, 1) array into views)
        incl_a, frontal_a = _empty(1), _empty(1)
        incl_a[0], frontal_a[0] = incl, frontal
        return _FewFrames(time_s, incl_a, frontal_a, acc_mps2, ([q], [calibrated], [gyr_c], [rest]))

    def update(self, chunk: ImuChunk) -> ShinFrames:
        n = len(chunk.time_s)  # not len(chunk): one Python call less a notification
        if n == 1:
            return self._update_one(chunk)
        if 0 < n <= FEW:
            return self._update_few(chunk)
        self.rows = None
        if 0 < n <= SMALL_CHUNK and (self.detector is None or not self.detector.active):
            return self._update_small(chunk)
        ori = self.orientation.update(chunk)
        gyr = chunk.gyr_dps - ori.bias_dps
        split = n  # samples before this index use the rotation known before the chunk
        if self.detector is not None and self.detector.active:
            done = self.detector.update(chunk.time_s, chunk.gyr_dps, ori.quat_wxyz, chunk.acc_mps2)
            if done is not None:
                split = done + 1
        incl = np.empty(n)
        frontal = np.empty(n)
        calibrated = np.empty(n, dtype=bool)
        self._angles(ori.quat_wxyz, 0, split, incl, frontal)
        calibrated[:split] = self._calibrated
        result = self.calibration
        if result is not None and not self._calibrated:
            self._set_strap_rotation(result.strap_rotation_deg)
            self._calibrated = True
            self._angles(ori.quat_wxyz, split, n, incl, frontal)
            calibrated[split:] = True
        return ShinFrames(chunk.time_s, ori.quat_wxyz, incl, frontal, calibrated, gyr, ori.rest, chunk.acc_mps2)
