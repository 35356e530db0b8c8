"""Record a live stream for a while: samples, gaps, states and counts, stoppable at any moment."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from dorsi.ble.decode import SampleChunk
from dorsi.ble.stream import GapEvent, SensorStream, State, StateEvent
from dorsi.motion.types import F64


@dataclass
class Recorded:
    address: str
    started_at_utc: str
    chunks: list[SampleChunk] = field(default_factory=list)
    gaps: list[GapEvent] = field(default_factory=list)
    states: list[StateEvent] = field(default_factory=list)
    interrupted: bool = False  # stopped (Ctrl-C) before the requested duration
    lost: bool = False  # the sensor went away and the stream gave up

    @property
    def samples(self) -> int:
        return sum(len(c) for c in self.chunks)

    def _cat(self, name: str, shape: tuple[int, ...]) -> NDArray[np.generic]:
        if not self.chunks:
            return np.zeros(shape)
        return np.concatenate([getattr(c, name) for c in self.chunks])

    @property
    def time_s(self) -> F64:
        return np.asarray(self._cat("time_s", (0,)), dtype=np.float64)

    @property
    def acc_mps2(self) -> F64:
        return np.asarray(self._cat("acc_mps2", (0, 3)), dtype=np.float64)

    @property
    def gyr_dps(self) -> F64:
        return np.asarray(self._cat("gyr_dps", (0, 3)), dtype=np.float64)

    @property
    def sample_counter(self) -> NDArray[np.int64]:
        return np.asarray(self._cat("sample_counter", (0,)), dtype=np.int64)

    def duration_s(self, rate_hz: float) -> float:
        if not self.chunks:
            return 0.0
        return float(self.chunks[-1].time_s[-1] - self.chunks[0].time_s[0]) + 1.0 / rate_hz


async def record(
    stream: SensorStream,
    seconds: float,
    stop: asyncio.Event,
    on_chunk: Callable[[SampleChunk], None] | None = None,
    on_event: Callable[[StateEvent | GapEvent], None] | None = None,
) -> Recorded:
    """Consume ``stream`` until ``seconds`` of samples (sensor time), ``stop`` is set, or the
    sensor is lost. Returns what was recorded; the stream is left to the caller to stop."""
    out = Recorded(stream.address, datetime.now(UTC).isoformat(timespec="seconds"))
    stop_wait = asyncio.ensure_future(stop.wait())
    try:
        while True:
            nxt = asyncio.ensure_future(anext(stream))
            done, _ = await asyncio.wait({nxt, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
            if nxt not in done:
                nxt.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await nxt
                out.interrupted = True
                return out
            try:
                item = nxt.result()
            except StopAsyncIteration:
                return out
            if isinstance(item, SampleChunk):
                out.chunks.append(item)
                if on_chunk is not None:
                    on_chunk(item)
                rate = stream.decoder.rate_hz if stream.decoder else 200.0
                if out.duration_s(rate) >= seconds:
                    return out
            else:
                if isinstance(item, StateEvent):
                    out.states.append(item)
                else:
                    out.gaps.append(item)
                if on_event is not None:
                    on_event(item)
                if isinstance(item, StateEvent) and item.state == State.LOST:
                    out.lost = True
    finally:
        stop_wait.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stop_wait
