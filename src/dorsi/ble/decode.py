"""What a live stream yields: chunks of decoded samples (decoding itself: dorsi.protocol.decoders)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dorsi.motion.types import F64, ImuChunk


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
