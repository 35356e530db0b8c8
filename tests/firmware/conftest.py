"""The reference firmware's code.py run in the loop (dorsi.virtual.firmware), one board per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from dorsi.virtual.ble import VirtualRadio, swing_feed
from dorsi.virtual.firmware import FirmwareHarness, LinkParams

Make = Callable[..., Awaitable[tuple[VirtualRadio, FirmwareHarness]]]


@pytest.fixture
async def firmware() -> AsyncIterator[Make]:
    made: list[tuple[VirtualRadio, FirmwareHarness]] = []

    async def make(rate_hz: float = 104.0, *, link: LinkParams | None = None, tag_slots: bool = True):
        radio = VirtualRadio()
        harness = FirmwareHarness(radio, swing_feed(rate_hz, 30.0), link=link, tag_slots=tag_slots)
        made.append((radio, harness))
        await harness.start()
        return radio, harness

    yield make
    for radio, harness in made:
        await harness.stop()
        await radio.close()
