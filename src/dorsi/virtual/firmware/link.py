"""CircuitPython's ``_bleio.adapter`` and ``Connection`` for code.py: the link on the virtual radio.

The board's radio is one bumble device on the virtual link. The link is modelled by its
connection events: every ``interval`` each PacketBuffer's queued notification goes out
through bumble to the app's bleak client, then the next one is queued. The firmware's
requested interval is granted within the central's limits (``LinkParams``), after two
events. The ATT MTU is what the central asks, capped at ``LinkParams.mtu`` (23 models a
central that makes no MTU exchange). Faults: the board goes out of range for a while
(``drop_link``), or the link drops at the event that would carry a STATUS notification.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from bumble import core, gatt, hci
from bumble.device import Connection as BumbleConnection

from dorsi.virtual.ble.radio import VirtualRadio, make_device
from dorsi.virtual.firmware.bleio import Address, BluetoothError, Characteristic, PacketBuffer, SecurityError, Service
from dorsi.virtual.firmware.board import Board


@dataclass(frozen=True)
class LinkParams:
    mtu: int = 247  # the largest ATT MTU the link reaches
    interval_ms: float = 30.0  # the central's choice before the peripheral asks (BlueZ: 30–50 ms)
    min_interval_ms: float = 7.5  # the shortest interval the central grants (macOS/iOS: 15 ms)
    max_interval_ms: float = 4000.0


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
        if self.current is not None:  # the central notices by the supervision timeout
            await self._disconnect(self.current, hci.HCI_CONNECTION_TIMEOUT_ERROR)
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
