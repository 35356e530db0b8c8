"""Plain data carried between stages."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

GRAVITY_MPS2 = 9.80665


@dataclass(frozen=True)
class ImuChunk:
    """Consecutive raw samples: time (s), specific force (m/s²), body rate (°/s), sensor frame."""

    time_s: F64
    acc_mps2: F64
    gyr_dps: F64

    def __post_init__(self) -> None:
        n = len(self.time_s)
        if self.acc_mps2.shape != (n, 3) or self.gyr_dps.shape != (n, 3):
            raise ValueError("ImuChunk: time_s (n,), acc_mps2 (n,3) and gyr_dps (n,3) must agree")

    def __len__(self) -> int:
        return len(self.time_s)

    def slice(self, start: int, stop: int) -> ImuChunk:
        return ImuChunk(self.time_s[start:stop], self.acc_mps2[start:stop], self.gyr_dps[start:stop])


@dataclass(frozen=True)
class Gap:
    """Samples missing between two received samples (lost packets, a sensor that vanished)."""

    start_s: float  # time of the last sample before the gap
    end_s: float  # time of the first sample after it
    missing_samples: int

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def find_gaps(time_s: F64, rate_hz: float, tolerance: float = 0.5) -> list[Gap]:
    """Intervals longer than (1 + tolerance) sample periods, with the number of samples missing."""
    dt = np.diff(time_s)
    period_s = 1.0 / rate_hz
    idx = np.flatnonzero(dt > (1.0 + tolerance) * period_s)
    missing = np.maximum(1, np.rint(dt[idx] * rate_hz).astype(np.int64) - 1)
    return [
        Gap(start, end, n)
        for start, end, n in zip(time_s[idx].tolist(), time_s[idx + 1].tolist(), missing.tolist(), strict=True)
    ]


def median(x: F64, scratch: bool = False) -> float:
    """np.median's value (for an even count, the mean of the two middle values) from one sort, and
    numpy.ma (which np.median imports) is never loaded. A sort, not a partition: sample intervals take a
    few dozen distinct values, introselect's slow case (an hour at 200 Hz: partition 38 ms, numpy's
    SIMD sort 10 ms). ``scratch``: x is the caller's temporary, sorted in place (no copy of it is made)."""
    n = len(x)
    if n == 0 or np.isnan(x).any():
        return float(np.median(x))  # its NaN (and its warning for no values)
    k = n // 2
    if scratch:
        x.sort()
        part = x
    else:
        part = np.sort(x)
    return float(part[k]) if n % 2 else float((part[k - 1] + part[k]) / 2)


def interval_rate_hz(dt_s: F64, scratch: bool = False) -> float:
    """Sample rate from the median of these sample intervals (robust to gaps); ``scratch`` as median()'s."""
    return float(1.0 / median(dt_s, scratch))


def nominal_rate_hz(time_s: F64) -> float:
    """Sample rate from the median interval (robust to gaps)."""
    if len(time_s) < 2:
        raise ValueError("need at least two samples to know the rate")
    return interval_rate_hz(np.diff(time_s), scratch=True)


@dataclass
class Recording:
    """A raw recording in memory: the required columns plus any extra numeric ones."""

    time_s: F64
    acc_mps2: F64
    gyr_dps: F64
    extra: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    source: str = ""
    warnings: list[str] = field(default_factory=list)  # what reading it left out (a cut-off last line)
    # the rate, once measured: the reader, the sanity screen and the analysis each asked for it (a
    # partition of an hour's intervals each); the times are not changed after the recording is made
    _rate_hz: float | None = field(default=None, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.time_s)

    def measured_from(self, dt_s: F64) -> Recording:
        """Take the rate from these intervals (np.diff of time_s, which a reader has already checked; it
        is used as scratch), instead of measuring them again. Returns self."""
        assert len(dt_s) == len(self.time_s) - 1
        self._rate_hz = interval_rate_hz(dt_s, scratch=True)
        return self

    @property
    def chunk(self) -> ImuChunk:
        return ImuChunk(self.time_s, self.acc_mps2, self.gyr_dps)

    @property
    def rate_hz(self) -> float:
        """From the median interval (nominal_rate_hz), measured once."""
        if self._rate_hz is None:
            self._rate_hz = nominal_rate_hz(self.time_s)
        return self._rate_hz
