"""Where samples come from: real Bluetooth, the virtual BLE sensor on bumble, or a replay.

Each hub scans (``scan``) and opens a stream (``open``) that behaves like
``dorsi.ble.SensorStream``: ``start()``, ``stop()``, ``async for item in
stream`` yielding ``SampleChunk``, ``StateEvent`` and ``GapEvent``. The
virtual hub runs the same bleak code as real hardware (its radio is bumble's
LocalLink); the replay hub skips the radio entirely and exists for UI tests
and for when no BLE stack is wanted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from dorsi.app.feed import DemoFeed, demo_feed
from dorsi.ble.backends import PLATFORM, BleBackends
from dorsi.ble.decode import SampleChunk
from dorsi.ble.scan import FoundSensor, scan_sensors
from dorsi.ble.stream import GapEvent, SensorStream, State, StateEvent, StreamItem
from dorsi.virtual.ble import VirtualRadio
from dorsi.virtual.ble.dorsi_sensor import VirtualDorsiSensor
from dorsi.virtual.ble.feed import SampleFeed

REPLAY_ADDRESS = "REPLAY"
VIRTUAL_KIND_LABEL = "virtual dorsi"
ADVERTISE_SETTLE_S = 2.0  # at most this long for the virtual sensor to advertise again before the radio closes


@dataclass(frozen=True)
class Found:
    key: str
    kind: str
    name: str
    rssi_dbm: int | None
    battery_pct: int | None


class Stream(Protocol):
    name: str

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def __aiter__(self) -> AsyncIterator[StreamItem]: ...


class Hub(Protocol):
    label: str

    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def scan(self, timeout_s: float) -> list[Found]: ...
    def open(self, key: str, rate_hz: float | None) -> Stream: ...


class BleHub:
    """The platform's Bluetooth (or any bleak backends, e.g. a virtual radio's)."""

    def __init__(self, backends: BleBackends = PLATFORM, kind_label: str | None = None) -> None:
        self.backends = backends
        self.label = backends.label
        self._kind_label = kind_label
        self._found: dict[str, FoundSensor] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def scan(self, timeout_s: float) -> list[Found]:
        sensors = await scan_sensors(timeout_s, backends=self.backends)
        self._found.update({s.address: s for s in sensors})
        return [Found(s.address, self._kind_label or s.kind.label, s.name, s.rssi_dbm, s.battery_pct) for s in sensors]

    def open(self, key: str, rate_hz: float | None) -> Stream:
        target: FoundSensor | str = self._found.get(key, key)
        return SensorStream(target, backends=self.backends, rate_hz=rate_hz)


@dataclass(frozen=True)
class PersonFeed(SampleFeed):
    """A feed whose first row plays at counter ``start[0]``: the simulated person begins when told."""

    start: list[int] = field(default_factory=lambda: [0])

    def rows(self, first: int, stop: int) -> NDArray[np.intp]:
        return (np.arange(first, stop) - self.start[0]) % len(self)


class DemoSensor(VirtualDorsiSensor):
    """The virtual dorsi sensor worn by the demo person, who starts the routine (calibration first)
    when an app subscribes after ``restart_person()`` — as a person would when the app says so."""

    feed: PersonFeed

    def __init__(self, radio: VirtualRadio, feed: PersonFeed) -> None:
        super().__init__(radio, feed)
        self._restart = True

    def restart_person(self) -> None:
        self._restart = True

    def on_subscription(self, subscribed: bool) -> None:
        super().on_subscription(subscribed)
        if subscribed and self._restart:
            self._restart = False
            self.feed.start[0] = self.sample_index_at(self.sensor_time_s())


class VirtualHub(BleHub):
    """The virtual dorsi sensor on a bumble LocalLink, reached through bleak; ``speed`` × real time."""

    def __init__(self, speed: float = 1.0, feed: DemoFeed | None = None) -> None:
        super().__init__(kind_label=VIRTUAL_KIND_LABEL)
        self.label = "virtual sensor"
        self.speed = speed
        self.feed = feed
        self._radio: VirtualRadio | None = None
        self._sensor: DemoSensor | None = None

    @property
    def radio(self) -> VirtualRadio:
        if self._radio is None:
            raise RuntimeError("the virtual hub is not started")
        return self._radio

    @property
    def sensor(self) -> DemoSensor:
        if self._sensor is None:
            raise RuntimeError("the virtual hub is not started")
        return self._sensor

    async def start(self) -> None:
        """Build the radio on the running loop (bumble needs one) and power everything on."""
        if self._radio is None:
            feed = self.feed or demo_feed()
            self._radio = VirtualRadio(speed=self.speed)
            self._sensor = DemoSensor(self._radio, PersonFeed(feed.rate_hz, feed.acc_mps2, feed.gyr_dps))
            self._radio.add(self._sensor)
            self.backends = self._radio.backends
            await self._radio.start()

    async def close(self) -> None:
        """Shut the radio down once the sensor has settled (call after every stream has stopped).

        A disconnection makes the virtual sensor advertise again from a task of
        its own (dorsi.virtual.ble); closing the radio while that task is still
        pending left it to run against a closed loop ("no running event loop").
        """
        if self._radio is None:
            return
        sensor = self._sensor
        if sensor is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(ADVERTISE_SETTLE_S):
                    # no event tells "advertising again" (the task is the peripheral's own): poll, bounded
                    while sensor.connection is not None or not sensor.device.is_advertising:  # noqa: ASYNC110
                        await asyncio.sleep(0.005)
        await self._radio.close()
        self._radio = self._sensor = None

    def open(self, key: str, rate_hz: float | None) -> Stream:
        self.sensor.restart_person()
        return super().open(key, rate_hz)


class ReplayStream:
    """Streams a feed in chunks paced by the wall clock × speed, like a sensor that never drops."""

    def __init__(self, feed: DemoFeed, speed: float = 1.0, chunk_s: float = 0.02) -> None:
        self.name = "replay"
        self.feed = feed
        self.speed = speed
        self.chunk_n = max(1, round(chunk_s * feed.rate_hz))
        self._queue: asyncio.Queue[StreamItem | None] = asyncio.Queue(maxsize=256)
        self._task: asyncio.Task[None] | None = None
        self.produced = 0

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="replay-stream")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(StateEvent(REPLAY_ADDRESS, State.STOPPED, 0.0))
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)

    def __aiter__(self) -> AsyncIterator[StreamItem]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[StreamItem]:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            yield item

    async def _run(self) -> None:
        f = self.feed
        n = len(f.acc_mps2)
        rate = f.rate_hz
        await self._queue.put(StateEvent(REPLAY_ADDRESS, State.STREAMING, 0.0, "replay"))
        t0 = time.perf_counter()
        i = 0
        while True:
            due_s = (i + self.chunk_n) / rate / self.speed
            wait_s = due_s - (time.perf_counter() - t0)
            if wait_s > 0:
                await asyncio.sleep(wait_s)
            idx = np.arange(i, i + self.chunk_n)
            rows = idx % n
            chunk = SampleChunk(
                REPLAY_ADDRESS,
                idx / rate,
                f.acc_mps2[rows],
                f.gyr_dps[rows],
                idx.astype(np.int64),
                float(idx[-1] / rate),
            )
            await self._queue.put(chunk)
            i += self.chunk_n
            self.produced = i


class ReplayHub:
    """No radio: one 'sensor' that replays the demo feed (UI tests, benchmarks of the UI alone)."""

    label = "replay"

    def __init__(self, speed: float = 1.0, feed: DemoFeed | None = None) -> None:
        self.speed = speed
        self.feed = feed
        self.streams: list[ReplayStream] = []

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        for s in self.streams:
            await s.stop()

    async def scan(self, timeout_s: float) -> list[Found]:
        return [Found(REPLAY_ADDRESS, "replay", "simulated shin (replay)", None, None)]

    def open(self, key: str, rate_hz: float | None) -> Stream:
        stream = ReplayStream(self.feed or demo_feed(), self.speed)
        self.streams.append(stream)
        return stream


__all__ = ["BleHub", "Found", "GapEvent", "Hub", "ReplayHub", "SampleChunk", "StateEvent", "Stream", "VirtualHub"]
