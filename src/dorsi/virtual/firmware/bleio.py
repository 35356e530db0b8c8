"""CircuitPython's ``_bleio`` (9.x, nRF52840 port) for code.py: the attribute side.

What the firmware and adafruit_ble use: ``adapter`` (link.py: advertising, connections,
name, address), ``UUID``, ``Service``, ``Characteristic.add_to_service``, ``Attribute``,
``Connection`` (link.py) and ``PacketBuffer``. PacketBuffer follows
ports/nordic/common-hal/_bleio/PacketBuffer.c:

- a server PacketBuffer's connection is set by the client's CCCD write (notify) or its
  first write, and cleared on unsubscribe or disconnect; without one,
  ``outgoing_packet_length`` raises ValueError and ``write`` raises ConnectionError;
- ``write`` appends to a *pending* buffer while another notification is in flight (one
  hvx at a time), so writes made meanwhile merge into one notification; when the pending
  buffer has no room it blocks until the in-flight one completes;
- the in-flight notification completes at the next connection event (link.py); a
  disconnect while one is in flight leaves the buffer believing it is still queued
  (nothing will complete it), so later writes never go out: a firmware must make new
  buffers after a drop.

The firmware thread calls into these objects; the radio's loop thread delivers the
central's writes and subscriptions and takes queued notifications (``take``,
``tx_complete``), hence the condition variable.
"""

from __future__ import annotations

import threading
import uuid as uuidlib
from collections import deque
from typing import TYPE_CHECKING

from bumble import core, gatt
from bumble.device import Connection as BumbleConnection

if TYPE_CHECKING:
    from dorsi.virtual.firmware.link import Adapter, Connection

HVX_MAX = 512 - 3  # BLE_GATTS_VAR_ATTR_LEN_MAX - 3


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


class _State:
    adapter: Adapter | None = None

    def adapter_or_fail(self) -> Adapter:
        if self.adapter is None:
            raise RuntimeError("No adapter available")
        return self.adapter


_state = _State()
