"""Virtual radio fixtures: every test gets its own bumble link, closed afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from dorsi.ble.decode import SampleChunk
from dorsi.ble.stream import GapEvent, SensorStream, StateEvent
from dorsi.virtual.ble import VirtualRadio


@pytest.fixture
async def make_radio() -> AsyncIterator[Callable[[float], VirtualRadio]]:
    radios: list[VirtualRadio] = []

    def make(speed: float = 1.0) -> VirtualRadio:
        radio = VirtualRadio(speed=speed)
        radios.append(radio)
        return radio

    yield make
    for radio in radios:
        await radio.close()


class Collected:
    def __init__(self) -> None:
        self.chunks: list[SampleChunk] = []
        self.states: list[StateEvent] = []
        self.gaps: list[GapEvent] = []

    @property
    def samples(self) -> int:
        return sum(len(c) for c in self.chunks)

    def counters(self):  # type: ignore[no-untyped-def]
        import numpy as np

        return np.concatenate([c.sample_counter for c in self.chunks])

    def times(self):  # type: ignore[no-untyped-def]
        import numpy as np

        return np.concatenate([c.time_s for c in self.chunks])


async def _collect(stream: SensorStream, until: Callable[[Collected], bool]) -> Collected:
    """Consume a stream until ``until`` holds (checked after every item)."""
    got = Collected()
    async for item in stream:
        if isinstance(item, SampleChunk):
            got.chunks.append(item)
        elif isinstance(item, StateEvent):
            got.states.append(item)
        elif isinstance(item, GapEvent):
            got.gaps.append(item)
        if until(got):
            break
    return got


@pytest.fixture
def collect() -> Callable[..., object]:
    """``await collect(stream, until)``: consume a stream until ``until(collected)``."""
    return _collect
