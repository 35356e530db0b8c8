"""Stream decoders: received notifications (host time, bytes) → sample chunks, counted faults.

The notify callback only timestamps and enqueues; these run in the consumer.
Each kind of sensor has one: ours decodes protocol v1 packets and rebuilds
sample times and the running sample counter with the protocol's timeline stage;
WitMotion frames carry no counter or clock, so their counter and times are
rebuilt from the configured rate and the arrival times. Bytes that do not
decode are counted as garbage and dropped, never raised.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from dorsi.motion.types import F64, Gap, ImuChunk
from dorsi.protocol.errors import DecodeError


@dataclass(frozen=True)
class SampleChunk:
    """Consecutive decoded samples of one sensor (sensor frame, product units)."""

    address: str
    time_s: F64  # sample times on the host clock, rebuilt from the sensor clock
    acc_mps2: F64  # (n, 3)
    gyr_dps: F64  # (n, 3)
    sample_counter: NDArray[np.int64]  # the sensor's running counter (unwrapped)
    received_s: float  # host clock when the newest notification in it arrived

    def __len__(self) -> int:
        return len(self.time_s)

    @property
    def imu(self) -> ImuChunk:
        return ImuChunk(self.time_s, self.acc_mps2, self.gyr_dps)


@dataclass
class DecodeStats:
    notifications: int = 0
    samples: int = 0
    garbage: int = 0  # notifications that did not decode
    lost_samples: int = 0
    duplicated: int = 0  # packets received twice (dropped)
    reordered: int = 0  # packets received late but put back in order
    late_dropped: int = 0  # packets too late to put back (dropped)
    time_steps_back: int = 0  # host-time mapping stepped back across chunks (held monotonic)
    gaps: list[Gap] = field(default_factory=list)
    last_garbage: str = ""


@dataclass(frozen=True)
class Decoded:
    """What one decode step produced: samples (columns), and gaps found before them."""

    time_s: F64
    acc_mps2: F64
    gyr_dps: F64
    counter: NDArray[np.int64]
    gaps: tuple[Gap, ...] = ()


class StreamDecoder(ABC):
    """Stateful: feed received notifications in arrival order."""

    rate_hz: float

    def __init__(self) -> None:
        self.stats = DecodeStats()

    @abstractmethod
    def feed(self, items: list[tuple[float, bytes]]) -> Decoded | None:
        """Notifications (host receive time s, payload) → samples now in order, or None."""

    def _garbage(self, exc: DecodeError) -> None:
        self.stats.garbage += 1
        self.stats.last_garbage = str(exc)


def _empty() -> tuple[F64, F64, F64, NDArray[np.int64]]:
    return np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0, np.int64)


def concat(parts: list[Decoded]) -> Decoded | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return Decoded(
        np.concatenate([p.time_s for p in parts]),
        np.concatenate([p.acc_mps2 for p in parts]),
        np.concatenate([p.gyr_dps for p in parts]),
        np.concatenate([p.counter for p in parts]),
        tuple(g for p in parts for g in p.gaps),
    )
