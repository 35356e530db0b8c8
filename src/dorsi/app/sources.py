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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from dorsi.app.feed import DemoFeed, act_name, demo_act, demo_feed, demo_person
from dorsi.ble.backends import PLATFORM, BleBackends
from dorsi.ble.decode import SampleChunk
from dorsi.ble.scan import FoundSensor, scan_sensors
from dorsi.ble.stream import GapEvent, SensorStream, State, StateEvent, StreamItem
from dorsi.errors import DeviceError
from dorsi.motion.types import F64
from dorsi.protocol.kinds import DORSI, KINDS
from dorsi.virtual.ble import VirtualRadio
from dorsi.virtual.ble.feed import PersonFeed
from dorsi.virtual.ble.peripheral import VirtualPeripheral
from dorsi.virtual.ble.twins import make_twin

REPLAY_ADDRESS = "REPLAY"
ADVERTISE_SETTLE_S = 2.0  # at most this long for a virtual sensor to advertise again before the radio closes


@dataclass(frozen=True)
class Found:
    key: str
    kind: str  # shown to the person
    name: str
    rssi_dbm: int | None
    battery_pct: int | None
    kind_id: str = DORSI.id  # dorsi.protocol.kinds: its rates, ranges


class Stream(Protocol):
    name: str

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def __aiter__(self) -> AsyncIterator[StreamItem]: ...
    @property
    def can_identify(self) -> bool: ...  # connected to a sensor that can blink (IDENTIFY)
    async def identify(self, seconds: int = 5) -> None: ...


class Hub(Protocol):
    label: str

    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def scan(self, timeout_s: float) -> list[Found]: ...
    def open(self, key: str, rate_hz: float | None) -> Stream: ...


class BleHub:
    """The platform's Bluetooth (or any bleak backends, e.g. a virtual radio's)."""

    def __init__(self, backends: BleBackends = PLATFORM) -> None:
        self.backends = backends
        self.label = backends.label
        self._found: dict[str, FoundSensor] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def scan(self, timeout_s: float) -> list[Found]:
        sensors = await scan_sensors(timeout_s, backends=self.backends)
        self._found.update({s.address: s for s in sensors})
        return [Found(s.address, self._kind_label(s), s.name, s.rssi_dbm, s.battery_pct, s.kind.id) for s in sensors]

    def _kind_label(self, sensor: FoundSensor) -> str:
        return sensor.kind.label

    def open(self, key: str, rate_hz: float | None) -> Stream:
        target: FoundSensor | str = self._found.get(key, key)
        return SensorStream(target, backends=self.backends, rate_hz=rate_hz)


class DemoPerson:
    """The demo person wearing a virtual sensor (any kind), who calibrates when the sensor starts
    streaming after ``restart()`` (ours at START, at the end of the app's handshake) and then does
    what the app starts (``cue``) — as a person would when the app says so. The person's feed is
    indexed at its own rate from the sensor's power-on."""

    def __init__(self, sensor: VirtualPeripheral) -> None:
        self.sensor = sensor
        self._restart = True
        sensor.stream_listeners.append(self._on_stream)

    @property
    def feed(self) -> PersonFeed:
        assert isinstance(self.sensor.feed, PersonFeed)
        return self.sensor.feed

    def _now(self) -> int:
        """The person's next sample index now, on the sensor's clock."""
        return int(np.floor(self.sensor.sensor_time_s() * self.feed.rate_hz + 1e-9)) + 1

    def restart(self) -> None:
        self._restart = True

    def _on_stream(self) -> None:
        if self._restart:
            self._restart = False
            self.sensor.set_feed(self.feed.restarted(self._now()))

    def cue(self, name: str | None, act: tuple[F64, F64] | None = None) -> None:
        """Start ``name`` now (learning it first from ``act``), or stand (None)."""
        feed = self.feed
        if name is not None and name not in feed.segments:
            if act is None:
                raise KeyError(f"the demo person does not know {name!r}")
            feed = feed.with_segment(name, *act)
        self.sensor.set_feed(feed.cued(self._now(), name))


class VirtualHub(BleHub):
    """The demo person wearing one virtual sensor of every kind (dorsi.protocol.kinds) on a bumble
    LocalLink, reached through bleak; ``speed`` × real time. Ours is listed first."""

    def __init__(self, speed: float = 1.0, person: PersonFeed | None = None) -> None:
        super().__init__()
        self.label = "virtual sensor"
        self.speed = speed
        self.person = person
        self._radio: VirtualRadio | None = None
        self._people: dict[str, DemoPerson] = {}  # by sensor address, one per kind
        self._cues = 0  # the latest cue wins: an act still being simulated is dropped by a later Stop
        self._pool: ThreadPoolExecutor | None = None  # simulates acts off the event loop

    @property
    def radio(self) -> VirtualRadio:
        if self._radio is None:
            raise RuntimeError("the virtual hub is not started")
        return self._radio

    @property
    def sensors(self) -> list[VirtualPeripheral]:
        """One per kind, in registry order (ours first)."""
        return [p.sensor for p in self._people.values()]

    @property
    def sensor(self) -> VirtualPeripheral:
        """Ours."""
        if not self._people:
            raise RuntimeError("the virtual hub is not started")
        return self.sensors[0]

    async def start(self) -> None:
        """Build the radio on the running loop (bumble needs one) and power everything on."""
        if self._radio is None:
            self._radio = VirtualRadio(speed=self.speed)
            person = self.person or demo_person()
            for kind in KINDS.values():
                sensor = make_twin(kind, self._radio, person)
                self._people[sensor.address] = DemoPerson(sensor)
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-person")
            self.backends = self._radio.backends
            await self._radio.start()

    async def scan(self, timeout_s: float) -> list[Found]:
        found = await super().scan(timeout_s)
        order = list(KINDS)
        return sorted(found, key=lambda f: order.index(f.kind_id))

    def _kind_label(self, sensor: FoundSensor) -> str:
        return f"virtual {sensor.kind.id}"

    async def close(self) -> None:
        """Shut the radio down once the sensor has settled (call after every stream has stopped).

        A disconnection makes the virtual sensor advertise again from a task of
        its own (dorsi.virtual.ble); closing the radio while that task is still
        pending left it to run against a closed loop ("no running event loop").
        """
        if self._radio is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(ADVERTISE_SETTLE_S):
                # no event tells "advertising again" (the task is the peripheral's own): poll, bounded
                while any(s.connection is not None or not s.device.is_advertising for s in self.sensors):  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
        await self._radio.close()
        self._radio = None
        self._people = {}
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def open(self, key: str, rate_hz: float | None) -> Stream:
        if key in self._people:
            self._people[key].restart()
        return super().open(key, rate_hz)

    async def cue_person(self, drill: str | None, side: str) -> None:
        """The demo person begins ``drill`` with the ``side`` leg (None: stops and stands), as told by the app
        (every sensor the person wears sees it)."""
        self._cues += 1
        cue = self._cues
        people = list(self._people.values())
        if not people:
            raise RuntimeError("the virtual hub is not started")
        known = people[0].feed
        name = None if drill is None else act_name(drill, side)
        act = None
        if name is not None and name not in known.segments and drill is not None:
            rate = round(known.rate_hz)
            act = await asyncio.get_running_loop().run_in_executor(self._pool, demo_act, drill, side, rate)
        if cue == self._cues and list(self._people.values()) == people:
            for p in people:
                p.cue(name, act)


class ReplayStream:
    """Streams a feed in chunks paced by the wall clock × speed, like a sensor that never drops."""

    can_identify = False  # no sensor: nothing to blink

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

    async def identify(self, seconds: int = 5) -> None:
        raise DeviceError("A replay has no sensor to blink.")

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
        return [Found(REPLAY_ADDRESS, "replay", "simulated shin (replay)", None, None, DORSI.id)]

    def open(self, key: str, rate_hz: float | None) -> Stream:
        stream = ReplayStream(self.feed or demo_feed(), self.speed)
        self.streams.append(stream)
        return stream


__all__ = ["BleHub", "Found", "GapEvent", "Hub", "ReplayHub", "SampleChunk", "StateEvent", "Stream", "VirtualHub"]
