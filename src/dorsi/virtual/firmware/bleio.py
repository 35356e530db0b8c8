"""CircuitPython's ``_bleio`` (9.x, nRF52840 port) for code.py, as a peripheral on the virtual radio.

What the firmware and adafruit_ble use: ``adapter`` (advertising, connections, name,
address), ``UUID``, ``Service``, ``Characteristic.add_to_service``, ``Attribute``,
``Connection`` (``connection_interval``, ``max_packet_length``) and ``PacketBuffer``.
Semantics follow ports/nordic/common-hal/_bleio/PacketBuffer.c:

- a server PacketBuffer's connection is set by the client's CCCD write (notify) or its
  first write, and cleared on unsubscribe or disconnect; without one,
  ``outgoing_packet_length`` raises ValueError and ``write`` raises ConnectionError;
- ``write`` appends to a *pending* buffer while another notification is in flight (one
  hvx at a time), so writes made meanwhile merge into one notification; when the pending
  buffer has no room it blocks until the in-flight one completes;
- the in-flight notification completes at the next connection event; a disconnect while
  one is in flight leaves the buffer believing it is still queued (nothing will complete
  it), so later writes never go out: a firmware must make new buffers after a drop.

The link is modelled by its connection events: every ``interval`` each buffer's queued
notification goes out through bumble to the app's bleak client, then the next one is
queued. The firmware's requested interval is granted within the central's limits
(``LinkParams``), after two events. The ATT MTU is what the central asks, capped at
``LinkParams.mtu`` (23 models a central that makes no MTU exchange).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid as uuidlib
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from bumble import core, gatt, hci
from bumble.device import Connection as BumbleConnection

from dorsi.virtual.ble.radio import VirtualRadio, make_device
from dorsi.virtual.firmware.board import Board

HVX_MAX = 512 - 3  # BLE_GATTS_VAR_ATTR_LEN_MAX - 3


@dataclass(frozen=True)
class LinkParams:
    mtu: int = 247  # the largest ATT MTU the link reaches
    interval_ms: float = 30.0  # the central's choice before the peripheral asks (BlueZ: 30–50 ms)
    min_interval_ms: float = 7.5  # the shortest interval the central grants (macOS/iOS: 15 ms)
    max_interval_ms: float = 4000.0


class BluetoothError(Exception):
    pass


class RoleError(BluetoothError):
    pass


class SecurityError(BluetoothError):
    pass


class Attribute:
    NO_ACCESS, OPEN, ENCRYPT_NO_MITM, ENCRYPT_WITH_MITM = 0, 1, 2, 3
    LESC_ENCRYPT_WITH_MITM, SIGNED_NO_MITM, SIGNED_WITH_MITM = 4, 5, 6


class UUID:
    size: int
    _bytes: bytes

    def __init__(self, value: int | str | bytes | bytearray | UUID) -> None:
        if isinstance(value, UUID):
            value = value.uuid128 if value.size == 128 else value.uuid16
        if isinstance(value, int):
            self.size, self._bytes = 16, value.to_bytes(2, "little")
        elif isinstance(value, str):
            self.size, self._bytes = 128, uuidlib.UUID(value).bytes[::-1]
        elif len(value) == 16:
            self.size, self._bytes = 128, bytes(value)
        else:
            raise ValueError("UUID value is not str, int or byte buffer")

    @property
    def uuid16(self) -> int:
        return int.from_bytes(self._bytes[12:14] if self.size == 128 else self._bytes, "little")

    @property
    def uuid128(self) -> bytes:
        if self.size != 128:
            raise AttributeError("not a 128-bit UUID")
        return self._bytes

    def pack_into(self, buffer: bytearray, offset: int = 0) -> None:
        buffer[offset : offset + len(self._bytes)] = self._bytes

    def bumble(self) -> core.UUID:
        return core.UUID.from_bytes(self._bytes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UUID) and self._bytes == other._bytes

    def __hash__(self) -> int:
        return hash(self._bytes)

    def __str__(self) -> str:
        return str(uuidlib.UUID(bytes=self._bytes[::-1])) if self.size == 128 else f"0x{self.uuid16:04x}"


class Address:
    PUBLIC, RANDOM_STATIC = 0, 1

    def __init__(self, address: bytes, address_type: int = 1) -> None:
        self.address_bytes, self.type = bytes(address), address_type


class ScanEntry:  # adafruit_ble imports the name; a peripheral never scans
    pass


class Service:
    def __init__(self, uuid: UUID, *, secondary: bool = False) -> None:
        self.uuid, self.secondary, self.remote = uuid, secondary, False
        self.characteristics: tuple[Characteristic, ...] = ()
        self.connection = None
        _state.adapter_or_fail().services.append(self)


class Characteristic:
    BROADCAST, READ, WRITE_NO_RESPONSE, WRITE, NOTIFY, INDICATE = 1, 2, 4, 8, 16, 32

    def __init__(self, service: Service, uuid: UUID, properties: int, max_length: int, value: bytes) -> None:
        self.service, self.uuid, self.properties, self.max_length = service, uuid, properties, max_length
        self.descriptors: tuple[object, ...] = ()
        self._value = value
        self.buffers: list[PacketBuffer] = []
        self.adapter = _state.adapter_or_fail()
        P = gatt.Characteristic.Properties
        props = P(0)
        for ours, theirs in (
            (self.READ, P.READ),
            (self.WRITE, P.WRITE),
            (self.WRITE_NO_RESPONSE, P.WRITE_WITHOUT_RESPONSE),
            (self.NOTIFY, P.NOTIFY),
            (self.INDICATE, P.INDICATE),
        ):
            if properties & ours:
                props |= theirs
        perms = gatt.Characteristic.READABLE | gatt.Characteristic.WRITEABLE
        self.bumble: gatt.Characteristic[bytes] = gatt.Characteristic(
            uuid.bumble(), props, perms, gatt.CharacteristicValue(read=self._on_read, write=self._on_write)
        )
        self.bumble.on(gatt.Characteristic.EVENT_SUBSCRIPTION, self._on_subscription)

    @classmethod
    def add_to_service(
        cls,
        service: Service,
        uuid: UUID,
        *,
        properties: int = 0,
        read_perm: int = Attribute.OPEN,
        write_perm: int = Attribute.OPEN,
        max_length: int = 20,
        fixed_length: bool = False,
        initial_value: bytes | None = None,
        user_description: str | None = None,
    ) -> Characteristic:
        char = cls(service, uuid, properties, max_length, bytes(initial_value or b""))
        service.characteristics = (*service.characteristics, char)
        return char

    @property
    def value(self) -> bytes:
        return self._value

    @value.setter
    def value(self, data: bytes) -> None:
        self._value = bytes(data)
        if self.properties & self.NOTIFY:
            self.adapter.notify_value(self, self._value)

    # loop thread: the central's operations
    def _on_read(self, _connection: BumbleConnection) -> bytes:
        return self._value

    def _on_write(self, connection: BumbleConnection, value: bytes) -> None:
        self._value = bytes(value)
        for pb in self.buffers:
            pb.received(connection, bytes(value))

    def _on_subscription(self, _bearer: object, notify: bool, indicate: bool) -> None:
        conn = self.adapter.current
        for pb in self.buffers:
            pb.subscribed(conn if (notify or indicate) else None)


class PacketBuffer:
    def __init__(self, characteristic: Characteristic, *, buffer_size: int, max_packet_size: int | None = None) -> None:
        self.char = characteristic
        self.max_packet_size = min(max_packet_size or characteristic.max_length, HVX_MAX)
        props = characteristic.properties
        self.incoming = bool(props & (Characteristic.WRITE | Characteristic.WRITE_NO_RESPONSE))
        self.outgoing = bool(props & (Characteristic.NOTIFY | Characteristic.INDICATE))
        self._ring: deque[bytes] = deque()
        self._ring_bytes = buffer_size * (2 + self.max_packet_size)
        self.conn: Connection | None = None
        self.pending = bytearray()
        self.queued: bytes | None = None
        self.packet_queued = False
        self.deinited = False
        self.cond = threading.Condition()
        self.board = characteristic.adapter.board
        characteristic.buffers.append(self)

    def _check(self) -> None:
        self.board.check()
        if self.deinited:
            raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")

    def readinto(self, buf: bytearray) -> int:
        self._check()
        with self.cond:
            if not self._ring:
                return 0
            packet = self._ring.popleft()
        if len(packet) > len(buf):
            return len(buf) - len(packet)
        buf[: len(packet)] = packet
        return len(packet)

    def _outgoing_length(self) -> int:
        conn = self.conn
        if conn is None or not conn.connected:
            return -1
        return min(conn.max_packet_length, self.max_packet_size, self.char.max_length)

    @property
    def outgoing_packet_length(self) -> int:
        self._check()
        n = self._outgoing_length()
        if n < 0:
            raise ValueError("No connection: length cannot be determined")
        return n

    @property
    def incoming_packet_length(self) -> int:
        self._check()
        return self.char.max_length

    def write(self, data: bytes, *, header: bytes | None = None) -> int:
        self._check()
        if not self.outgoing:
            raise BluetoothError("Writes not supported on Characteristic")
        header = bytes(header or b"")
        length = self._outgoing_length()
        if length < 0:
            raise ConnectionError("Not connected")
        if len(data) + len(header) > length:
            raise ValueError("Total data to write is larger than outgoing_packet_length")
        with self.cond:
            if len(data) + len(self.pending) > length:
                while self.pending and self.conn is not None:
                    self.cond.wait(0.05)
                    self._check()
            if self.conn is None:
                raise ConnectionError("Not connected")
            written = 0
            if not self.pending:
                self.pending += header
                written += len(header)
            self.pending += data
            written += len(data)
            if not self.packet_queued:
                self._queue_next()
        return written

    def deinit(self) -> None:
        with self.cond:
            self.deinited = True
            if self in self.char.buffers:
                self.char.buffers.remove(self)
            self.cond.notify_all()

    # --- loop thread ----------------------------------------------------------
    def _queue_next(self) -> None:
        """pending → in flight (call with cond held)."""
        self.packet_queued = False
        if self.pending:
            self.queued, self.pending = bytes(self.pending), bytearray()
            self.packet_queued = True
        self.cond.notify_all()

    def take(self) -> bytes | None:
        with self.cond:
            return self.queued if self.packet_queued else None

    def tx_complete(self) -> None:
        with self.cond:
            self.queued = None
            self._queue_next()

    def received(self, connection: BumbleConnection, value: bytes) -> None:
        with self.cond:
            if self.conn is None:
                self.conn = self.char.adapter.current
            self._ring.append(value)
            while sum(2 + len(p) for p in self._ring) > self._ring_bytes:
                self._ring.popleft()

    def subscribed(self, conn: Connection | None) -> None:
        with self.cond:
            self.conn = conn
            self.cond.notify_all()

    def disconnected(self, conn: Connection) -> None:
        with self.cond:
            if self.conn is conn:
                self.conn = None  # packet_queued stays as it was: nothing will complete it
            self.cond.notify_all()


class Connection:
    def __init__(self, adapter: Adapter, bumble_conn: BumbleConnection) -> None:
        self.adapter, self.bumble = adapter, bumble_conn
        self.connected = True
        self.paired = False
        self.interval_ms = adapter.link.interval_ms
        self.requested_ms: float | None = None

    @property
    def connection_interval(self) -> float:
        return self.interval_ms

    @connection_interval.setter
    def connection_interval(self, value_ms: float) -> None:
        self.requested_ms = float(value_ms)

    @property
    def max_packet_length(self) -> int:
        return int(self.bumble.att_mtu) - 3

    def disconnect(self) -> None:
        self.adapter.call(self.bumble.disconnect())

    def pair(self, *, bond: bool = True) -> None:
        raise SecurityError("pairing is not used by the dorsi sensor")


class Adapter:
    """The board's radio: one bumble device on the virtual link, driven from the firmware thread."""

    def __init__(
        self, radio: VirtualRadio, loop: asyncio.AbstractEventLoop, board: Board, address: str, link: LinkParams
    ):
        self.radio, self.loop, self.board, self.link = radio, loop, board, link
        self.address = Address(bytes.fromhex(address.replace(":", ""))[::-1])
        self.name = "CIRCUITPY" + address.replace(":", "")[-4:]
        self.enabled = True
        self.services: list[Service] = []
        self._registered = 0
        self.controller, self.device = make_device(radio.link, address, self.name)
        self.device.gatt_server.max_mtu = link.mtu
        self.device.on(self.device.EVENT_CONNECTION, self._on_connection)
        self.current: Connection | None = None
        self.advertising = False
        self._adv: tuple[bytes, bytes, float] | None = None
        self.away_until_s: float | None = None
        self.drop_when_status_in_flight: Characteristic | None = None
        self.value_queue: deque[tuple[Characteristic, bytes]] = deque()
        self.events = 0

    async def power_on(self) -> None:
        await self.device.power_on()

    async def power_off(self) -> None:
        self.advertising = False
        if self.device.is_advertising:
            await self.device.stop_advertising()
        if self.current is not None:
            with contextlib.suppress(core.BaseBumbleError):
                await self.current.bumble.disconnect()
        self.radio.link.remove_controller(self.controller)

    def call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine on the radio's loop from the firmware thread and wait for it."""
        self.board.check()
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10.0)

    # --- firmware thread -------------------------------------------------------
    @property
    def connected(self) -> bool:
        self.board.check()
        return self.current is not None and self.current.connected

    @property
    def connections(self) -> tuple[Connection, ...]:
        return (self.current,) if self.connected and self.current is not None else ()

    def start_advertising(
        self,
        data: bytes,
        *,
        scan_response: bytes | None = None,
        connectable: bool = True,
        anonymous: bool = False,
        timeout: int = 0,
        interval: float = 0.1,
        tx_power: int = 0,
        directed_to: Address | None = None,
    ) -> None:
        if self.advertising:
            raise BluetoothError("Already advertising")
        if self.connected:
            raise BluetoothError("Already connected: a peripheral advertises only when free")
        self._adv = (bytes(data), bytes(scan_response or b""), interval)
        self.advertising = True
        self.call(self._advertise())

    def stop_advertising(self) -> None:
        self.advertising = False
        self.call(self._stop_advertising())

    def notify_value(self, char: Characteristic, value: bytes) -> None:
        if self.connected:
            self.value_queue.append((char, value))

    # --- loop thread -------------------------------------------------------------
    async def _advertise(self) -> None:
        if self._registered < len(self.services):
            new = self.services[self._registered :]
            self._registered = len(self.services)
            self.device.add_services(
                [gatt.Service(s.uuid.bumble(), [c.bumble for c in s.characteristics]) for s in new]
            )
        if self._adv is None or not self.advertising or self.away_until_s is not None:
            return  # out of range: advertising starts when the sensor is back
        data, scan_response, interval_s = self._adv
        self.device.advertising_data, self.device.scan_response_data = data, scan_response
        if not self.device.is_advertising:
            await self.device.start_advertising(
                advertising_interval_min=interval_s * 1000, advertising_interval_max=interval_s * 1000
            )

    async def _stop_advertising(self) -> None:
        if self.device.is_advertising:
            await self.device.stop_advertising()

    def _on_connection(self, bumble_conn: BumbleConnection) -> None:
        conn = Connection(self, bumble_conn)
        self.current = conn
        self.advertising = False
        bumble_conn.on(bumble_conn.EVENT_DISCONNECTION, lambda _reason: self._on_disconnection(conn))
        self.loop.create_task(self._connection_events(conn), name="firmware-connection-events")

    def _on_disconnection(self, conn: Connection) -> None:
        conn.connected = False
        if self.current is conn:
            self.current = None
        self.value_queue.clear()
        for service in self.services:
            for char in service.characteristics:
                for pb in char.buffers:
                    pb.disconnected(conn)

    def _buffers(self) -> list[PacketBuffer]:
        return [pb for s in self.services for c in s.characteristics for pb in c.buffers if pb.outgoing]

    async def _connection_events(self, conn: Connection) -> None:
        """One connection event per interval: each buffer's notification in flight goes out."""
        clock = self.radio.clock
        next_s = clock.now_s()
        grant_at: int | None = None
        while conn.connected:
            next_s += conn.interval_ms / 1000
            await clock.sleep_until(next_s)
            self.events += 1
            if conn.requested_ms is not None and grant_at is None:
                grant_at = self.events + 2
            if grant_at is not None and self.events >= grant_at and conn.requested_ms is not None:
                link = self.link
                conn.interval_ms = min(max(conn.requested_ms, link.min_interval_ms), link.max_interval_ms)
                conn.requested_ms, grant_at = None, None
            watched = self.drop_when_status_in_flight
            if watched is not None and any(pb.take() is not None for pb in watched.buffers):
                self.drop_when_status_in_flight = None
                await self._disconnect(conn, hci.HCI_CONNECTION_TIMEOUT_ERROR)
                return
            for pb in self._buffers():
                packet = pb.take()
                if packet is not None and pb.conn is conn:
                    await self._notify(conn, pb.char, packet)
                    pb.tx_complete()
            while self.value_queue and conn.connected:
                char, value = self.value_queue.popleft()
                await self._notify(conn, char, value)

    async def _notify(self, conn: Connection, char: Characteristic, value: bytes) -> None:
        with contextlib.suppress(core.BaseBumbleError):  # the link may be gone
            await self.device.notify_subscriber(conn.bumble, char.bumble, value)

    async def _disconnect(self, conn: Connection, reason: int) -> None:
        with contextlib.suppress(core.BaseBumbleError):
            await conn.bumble.disconnect(reason=reason)

    async def drop_link(self, absent_s: float) -> None:
        """Out of range for ``absent_s``: the link times out, advertisements are not heard."""
        clock = self.radio.clock
        self.away_until_s = clock.now_s() + absent_s
        await self._stop_advertising()
        if self.current is not None:
            await self._disconnect(self.current, hci.HCI_CONNECTION_TIMEOUT_ERROR)
        await clock.sleep_until(self.away_until_s)
        self.away_until_s = None
        await self._advertise()


class _State:
    adapter: Adapter | None = None

    def adapter_or_fail(self) -> Adapter:
        if self.adapter is None:
            raise RuntimeError("No adapter available")
        return self.adapter


_state = _State()
