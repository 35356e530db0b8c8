"""Virtual BLE peripherals: a bumble device on the radio that streams a sample feed.

A ``VirtualPeripheral`` behaves like sensor hardware: it powers on, advertises,
accepts a connection, and once streaming emits notifications paced by the
radio's clock (sample ``i`` is taken at ``i / rate_hz`` after power-on, on the
sensor's own clock). Samples produced while it is not streaming, not connected
or stalled are lost, as on the real thing: the running sample counter goes on.
Subclasses (one twin per sensor kind, virtual/ble/twins.py) supply the GATT
services, the advertisement and how a run of samples becomes notification payloads.

Fault injection (``FaultPlan`` and the ``drop_link`` / ``stall`` methods): link
drop (the sensor vanishes: disconnects with a supervision timeout and stops
advertising, then returns), stall (connected but silent: the samples taken in
that stretch of the sensor clock are lost, however late the loop wakes up),
duplicated and reordered notifications, garbage notifications. Counters of what
was injected are kept in ``injected`` so tests compare them with what the app
saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from bumble import core, gatt, hci
from bumble.device import Connection

from dorsi.virtual.ble.feed import SampleFeed
from dorsi.virtual.ble.radio import make_device

if TYPE_CHECKING:
    from dorsi.virtual.ble.radio import VirtualRadio

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FaultPlan:
    """Faults a peripheral injects; times are on the sensor clock, in s after it first streamed
    (a connection and handshake take a machine-dependent time: counting from power-on, a fault
    could strike before the stream it is meant to interrupt)."""

    drops: tuple[tuple[float, float], ...] = ()  # (at_s, absent_for_s): link lost, sensor away
    stalls: tuple[tuple[float, float], ...] = ()  # (at_s, duration_s): connected but silent
    duplicate_prob: float = 0.0  # a notification sent twice
    reorder_prob: float = 0.0  # a notification held back and sent after the next one
    garbage_prob: float = 0.0  # a notification of random bytes inserted
    seed: int = 0


@dataclass
class Injected:
    """What a peripheral actually did, for tests to compare with what the app counted."""

    packets: int = 0  # data notifications sent (duplicates excluded)
    samples: int = 0
    duplicated: int = 0
    reordered: int = 0
    garbage: int = 0
    drops: int = 0
    stalled_samples: int = 0
    first_counter: int | None = None
    last_counter: int | None = None
    returns_s: list[float] = field(default_factory=list)  # clock time the sensor came back


class VirtualPeripheral(ABC):
    """A sensor on the virtual radio, fed from a ``SampleFeed``."""

    advertising_interval_ms = 50.0

    def __init__(
        self,
        radio: VirtualRadio,
        feed: SampleFeed,
        *,
        name: str,
        address: str | None = None,
        faults: FaultPlan | None = None,
        battery_pct: int = 87,
    ) -> None:
        self.radio = radio
        self.clock = radio.clock
        self.feed = feed
        self.name = name
        self.address = address or radio.next_address()
        self.faults = faults or FaultPlan()
        self.battery_pct = battery_pct
        self.controller, self.device = make_device(radio.link, self.address, name)
        self.device.add_services(self.services())
        self.data_characteristic.on(gatt.Characteristic.EVENT_SUBSCRIPTION, self._on_subscription)
        self.connection: Connection | None = None
        self.subscribed = False
        self.stream_listeners: list[Callable[[], None]] = []  # told each time the sensor starts streaming
        self._streaming = False
        self.injected = Injected()
        self.returned = asyncio.Event()  # set each time the sensor comes back after a drop
        self._rng = random.Random(self.faults.seed)
        self._held: bytes | None = None  # a packet held back to reorder
        self._power_on_s = 0.0
        self._next_sample = 0  # running sample counter of the next sample to send
        self._epoch_index = 0
        self._epoch_s = 0.0
        self._away_until_s: float | None = None
        self._stall: tuple[int, int] | None = None  # sample slots [first, stop) lost to a stall
        self._flush_until: int | None = None  # STOP: samples before this still go out
        self.first_streamed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._fault_task: asyncio.Task[None] | None = None
        self.device.on(self.device.EVENT_CONNECTION, self._on_connection)
        radio.add(self)

    # --- what a subclass provides -------------------------------------------
    @abstractmethod
    def services(self) -> list[gatt.Service]: ...

    @abstractmethod
    def advertising_data(self) -> bytes: ...

    def scan_response_data(self) -> bytes:
        return b""

    @property
    @abstractmethod
    def data_characteristic(self) -> gatt.Characteristic[Any]: ...

    @abstractmethod
    def packets(self, first: int, stop: int) -> list[tuple[bytes, int]]:
        """Notification payloads for samples [first, stop) (all of them), each with its sample count."""

    def samples_per_packet(self) -> int:
        return 1

    def on_subscription(self, subscribed: bool) -> None:
        """Our sensor waits for START; others stream as soon as notifications are enabled."""
        self.streaming = subscribed

    def set_feed(self, feed: SampleFeed) -> None:
        """Play another feed from now on (the demo person who learnt or started something)."""
        self.feed = feed

    # --- life cycle ----------------------------------------------------------
    @property
    def rate_hz(self) -> float:
        return self.feed.rate_hz

    def sensor_time_s(self) -> float:
        return self.clock.now_s() - self._power_on_s

    def sample_index_at(self, sensor_time_s: float) -> int:
        """Samples taken by the sensor up to this sensor time (the running counter).

        Sample ``epoch_index + k`` is taken at ``epoch_s + k / rate_hz``; a rate change
        starts a new epoch so the counter runs on without a jump."""
        return self._epoch_index + int(np.floor((sensor_time_s - self._epoch_s) * self.rate_hz + 1e-9)) + 1

    def sample_time_s(self, index: int) -> float:
        return self._epoch_s + (index - self._epoch_index) / self.rate_hz

    def new_epoch(self, anchor_rate_hz: float | None = None) -> None:
        """Call before changing the rate: the next sample starts the new epoch now. With
        ``anchor_rate_hz`` (the new rate) the counter is re-anchored on the clock, counter ≈
        time × rate, as the reference firmware does when it restarts its IMU (never backwards)."""
        now_s = self.sensor_time_s()
        index = self.sample_index_at(now_s)
        if anchor_rate_hz is not None:
            index = max(index, math.floor(now_s * anchor_rate_hz))
        self._epoch_index, self._epoch_s = index, now_s

    def start_streaming(self) -> None:
        """START: the samples taken from now on go out (those before were counted, not kept)."""
        self.streaming = True
        self._next_sample = max(self._next_sample, self.sample_index_at(self.sensor_time_s()))

    def stop_streaming(self) -> None:
        """STOP: the samples taken so far still go out, a partial packet included, as the
        reference firmware flushes its batch."""
        if self.streaming:
            self._flush_until = self.sample_index_at(self.sensor_time_s())
        self.streaming = False

    async def power_on(self) -> None:
        if self._task is not None:
            return
        await self.device.power_on()
        self._power_on_s = self.clock.now_s()
        await self._advertise()
        self._task = asyncio.create_task(self._run(), name=f"virtual-sensor-{self.name}")
        if self.faults.drops or self.faults.stalls:
            self._fault_task = asyncio.create_task(self._scheduled_faults(), name=f"faults-{self.name}")

    async def shut_down(self) -> None:
        for task in (self._task, self._fault_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._fault_task = None
        if self.device.is_advertising:
            await self.device.stop_advertising()

    async def _advertise(self) -> None:
        self.device.advertising_data = self.advertising_data()
        self.device.scan_response_data = self.scan_response_data()
        await self.device.start_advertising(
            advertising_interval_min=self.advertising_interval_ms,
            advertising_interval_max=self.advertising_interval_ms,
        )

    def _on_connection(self, connection: Connection) -> None:
        self.connection = connection
        self.subscribed = False
        connection.on(connection.EVENT_DISCONNECTION, lambda reason: self._on_disconnection(connection))

    def _on_disconnection(self, connection: Connection) -> None:
        if self.connection is connection:
            self.connection = None
            self.subscribed = False
            self.streaming = False
            self._held = None
        if self._away_until_s is None and self._task is not None:
            asyncio.get_running_loop().create_task(self._advertise())

    def _on_subscription(self, bearer: object, notify_enabled: bool, indicate_enabled: bool) -> None:
        self.subscribed = notify_enabled or indicate_enabled
        self.on_subscription(self.subscribed)

    @property
    def streaming(self) -> bool:
        """Sending samples: ours after START, the others once subscribed (or enabled)."""
        return self._streaming

    @streaming.setter
    def streaming(self, on: bool) -> None:
        started = on and not self._streaming
        self._streaming = on
        if started:
            for listener in self.stream_listeners:
                listener()

    # --- faults --------------------------------------------------------------
    async def drop_link(self, absent_for_s: float) -> None:
        """The sensor goes out of range: the link times out, it stops advertising,
        and comes back (advertising again) ``absent_for_s`` later on the clock."""
        self._away_until_s = self.clock.now_s() + absent_for_s
        self.injected.drops += 1
        self.returned.clear()
        if self.device.is_advertising:
            await self.device.stop_advertising()
        if self.connection is not None:
            try:
                await self.connection.disconnect(reason=hci.HCI_CONNECTION_TIMEOUT_ERROR)
            except core.BaseBumbleError as exc:
                log.debug("drop: %s", exc)
        await self.clock.sleep_until(self._away_until_s)
        self._away_until_s = None
        await self._advertise()
        self.injected.returns_s.append(self.clock.now_s())
        self.returned.set()

    def stall(self, duration_s: float) -> None:
        """Connected but silent for ``duration_s`` from now: the samples taken in that time are lost
        (decided on the sensor clock, so the count does not depend on when the loop runs)."""
        now_s = self.sensor_time_s()
        self._stall = (self.sample_index_at(now_s), self.sample_index_at(now_s + duration_s))

    async def _scheduled_faults(self) -> None:
        events = [(at, "drop", d) for at, d in self.faults.drops] + [(at, "stall", d) for at, d in self.faults.stalls]
        await self.first_streamed.wait()
        origin_s = self.clock.now_s()
        for at_s, kind, duration_s in sorted(events):
            await self.clock.sleep_until(origin_s + at_s)
            if kind == "drop":
                await self.drop_link(duration_s)
            else:
                self.stall(duration_s)

    # --- streaming -----------------------------------------------------------
    async def _run(self) -> None:
        while True:
            now_s = self.clock.now_s()
            due = self.sample_index_at(now_s - self._power_on_s)
            per_packet = self.samples_per_packet()
            link_up = self.subscribed and self.connection is not None and self._away_until_s is None
            stop = self._next_sample
            if link_up and self.streaming:
                self.first_streamed.set()
                stop = self._stop_before_stall(due, per_packet)
            elif link_up and self._flush_until is not None:
                stop = max(stop, self._flush_until)
            self._flush_until = None
            if stop > self._next_sample:
                await self._send(self.packets(self._next_sample, stop), self._next_sample, stop)
                self._next_sample = stop
            if not (link_up and self.streaming):
                self._next_sample = max(self._next_sample, due)
            wake_s = self._power_on_s + self.sample_time_s(self._next_sample + per_packet - 1)
            await self.clock.sleep_until(max(wake_s, now_s + 0.5 / self.rate_hz))

    def _stop_before_stall(self, due: int, per_packet: int) -> int:
        """Where the whole packets due end; a stall's first slot ends them early (the partial packet
        before it goes out) and, once reached, its slots are skipped and counted as lost."""
        if self._stall is not None:
            first, end = self._stall
            if self._next_sample < first:
                return min(first, self._next_sample + (due - self._next_sample) // per_packet * per_packet)
            self.injected.stalled_samples += max(0, end - self._next_sample)
            self._next_sample = max(self._next_sample, end)
            self._stall = None
        return self._next_sample + max(0, due - self._next_sample) // per_packet * per_packet

    async def _send(self, payloads: list[tuple[bytes, int]], first: int, stop: int) -> None:
        f = self.faults
        rng = self._rng
        inj = self.injected
        for payload, count in payloads:
            if f.garbage_prob and rng.random() < f.garbage_prob:
                await self._notify(rng.randbytes(rng.randint(1, 19)))
                inj.garbage += 1
            if f.reorder_prob and self._held is None and rng.random() < f.reorder_prob:
                self._held = payload
                inj.reordered += 1
                self._count(count)
                continue
            await self._notify(payload)
            self._count(count)
            if self._held is not None:
                await self._notify(self._held)
                self._held = None
            if f.duplicate_prob and rng.random() < f.duplicate_prob:
                await self._notify(payload)
                inj.duplicated += 1
        if inj.first_counter is None:
            inj.first_counter = first
        inj.last_counter = stop - 1

    def _count(self, samples: int) -> None:
        self.injected.packets += 1
        self.injected.samples += samples

    async def _notify(self, payload: bytes) -> None:
        connection = self.connection
        if connection is None:
            return
        try:
            await self.device.notify_subscriber(connection, self.data_characteristic, payload)
        except core.BaseBumbleError as exc:  # the link dropped under us
            log.debug("%s: notify failed: %s", self.name, exc)


class CommandedPeripheral(VirtualPeripheral):
    """A third-party sensor: one service with a data (notify) and a command characteristic,
    sampling at a rate its commands set (WitMotion, MetaMotion)."""

    def __init__(
        self,
        radio: VirtualRadio,
        feed: SampleFeed,
        *,
        uuids: tuple[str, str, str],  # service, data, command
        power_on_rate_hz: float,
        name: str,
        address: str | None = None,
        faults: FaultPlan | None = None,
    ) -> None:
        self.service_uuid = uuids[0]
        self._rate_hz = float(power_on_rate_hz)
        self.notify_char = notify_characteristic(uuids[1])
        self.command_char = command_characteristic(uuids[2], self.on_command)
        super().__init__(radio, feed, name=name, address=address, faults=faults)

    @abstractmethod
    def on_command(self, connection: Connection, value: bytes) -> None: ...

    def services(self) -> list[gatt.Service]:
        return [gatt.Service(self.service_uuid, [self.notify_char, self.command_char])]

    def advertising_data(self) -> bytes:
        return service_advertisement(self.service_uuid, self.name)

    @property
    def data_characteristic(self) -> gatt.Characteristic[Any]:
        return self.notify_char

    @property
    def rate_hz(self) -> float:
        return self._rate_hz

    def set_rate(self, rate_hz: float) -> None:
        self.new_epoch()
        self._rate_hz = float(rate_hz)


def advertising_payload(structures: list[tuple[int, bytes]]) -> bytes:
    """Raw advertising data from (AD type, payload) pairs."""
    return bytes(core.AdvertisingData(structures))


def service_advertisement(service_uuid: str, name: str) -> bytes:
    """Flags, the one 128-bit service a scanner filters on, and the complete local name."""
    T = core.AdvertisingData.Type
    return advertising_payload(
        [
            (T.FLAGS, bytes([0x06])),
            (T.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, core.UUID(service_uuid).to_bytes()),
            (T.COMPLETE_LOCAL_NAME, name.encode()),
        ]
    )


def notify_characteristic(uuid: str) -> gatt.Characteristic[bytes]:
    return gatt.Characteristic(uuid, gatt.Characteristic.Properties.NOTIFY, gatt.Characteristic.READABLE, b"")


def command_characteristic(uuid: str, on_write: Callable[[Connection, bytes], None]) -> gatt.Characteristic[bytes]:
    """Written with or without response (the app uses the one the sensor's own SDK uses)."""
    writable = gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE | gatt.Characteristic.Properties.WRITE
    return gatt.Characteristic(uuid, writable, gatt.Characteristic.WRITEABLE, gatt.CharacteristicValue(write=on_write))
