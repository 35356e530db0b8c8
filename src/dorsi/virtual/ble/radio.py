"""A Bluetooth LE radio in the process: bumble's LocalLink, a central, virtual sensors.

``VirtualRadio`` owns one bumble ``LocalLink`` on which every controller lives:
the central (the app's "adapter") and one controller per virtual sensor. The
app reaches it only through bleak: ``radio.scanner_backend`` and
``radio.client_backend`` are bleak backend classes (``BleakScanner(backend=…)``,
``BleakClient(…, backend=…)``) bound to this radio, so the app's unchanged bleak
code scans, connects, discovers, subscribes and receives notifications through
bumble's real host stack (HCI, L2CAP, ATT, GATT) and link-layer emulation.

Usage::

    radio = VirtualRadio(speed=10.0)
    radio.add(VirtualDorsiSensor(radio, feed))
    await radio.start()          # powers the central and every sensor on
    ...                          # BleakScanner(backend=radio.scanner_backend) …
    await radio.close()
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bumble.controller import Controller
from bumble.device import Advertisement, Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from dorsi.ble.backends import BleBackends
from dorsi.virtual.ble.clock import ScaledClock

if TYPE_CHECKING:
    from bleak.backends.client import BaseBleakClient
    from bleak.backends.scanner import BaseBleakScanner

    from dorsi.virtual.ble.peripheral import VirtualPeripheral

log = logging.getLogger(__name__)

CENTRAL_ADDRESS = "C0:D0:00:00:00:01"
AdvertisementListener = Callable[[Advertisement], None]


def make_device(link: LocalLink, address: str, name: str) -> tuple[Controller, Device]:
    """A bumble controller on ``link`` and a host ``Device`` driving it over HCI."""
    controller = Controller(name, link=link, public_address=address)
    device = Device(name=name, address=Address(address), host=Host(controller, AsyncPipeSink(controller)))
    return controller, device


class VirtualRadio:
    """One process-wide virtual BLE world: a link, the app's central, virtual peripherals."""

    def __init__(self, speed: float = 1.0) -> None:
        self.clock = ScaledClock(speed)
        self.link = LocalLink()
        self.controller, self.central = make_device(self.link, CENTRAL_ADDRESS, "dorsi-central")
        self.peripherals: list[VirtualPeripheral] = []
        self._listeners: dict[object, AdvertisementListener] = {}
        self._scan_users = 0
        self._scan_lock = asyncio.Lock()
        self.connect_lock = asyncio.Lock()  # a bumble central makes one LE connection at a time
        self._started = False
        self.central.on(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
        from dorsi.virtual.ble.backend import bind_backends

        self.scanner_backend: type[BaseBleakScanner]
        self.client_backend: type[BaseBleakClient]
        self.scanner_backend, self.client_backend = bind_backends(self)

    @property
    def backends(self) -> BleBackends:
        """What dorsi.ble needs to use this radio instead of the platform's Bluetooth."""
        return BleBackends(self.scanner_backend, self.client_backend, self.clock, label="virtual radio")

    def next_address(self) -> str:
        n = len(self.peripherals) + 1
        return f"D0:5E:00:00:{n >> 8:02X}:{n & 0xFF:02X}"

    def add(self, peripheral: VirtualPeripheral) -> VirtualPeripheral:
        self.peripherals.append(peripheral)
        return peripheral

    async def start(self) -> None:
        """Power the central and every peripheral on; peripherals start advertising."""
        if not self._started:
            await self.central.power_on()
            self._started = True
        for p in self.peripherals:
            await p.power_on()

    async def close(self) -> None:
        """Disconnect everything and stop every peripheral's tasks."""
        for p in self.peripherals:
            await p.shut_down()
        for conn in list(self.central.connections.values()):
            try:
                await conn.disconnect()
            except Exception as exc:  # already gone: nothing to close
                log.debug("close: %s", exc)

    # Scanning is shared: several bleak scanners may run at once on one central.
    def add_listener(self, key: object, listener: AdvertisementListener) -> None:
        self._listeners[key] = listener

    def remove_listener(self, key: object) -> None:
        self._listeners.pop(key, None)

    async def acquire_scan(self) -> None:
        async with self._scan_lock:
            self._scan_users += 1
            if self._scan_users == 1:
                await self.central.start_scanning(filter_duplicates=False)

    async def release_scan(self) -> None:
        async with self._scan_lock:
            self._scan_users = max(0, self._scan_users - 1)
            if self._scan_users == 0 and self.central.is_scanning:
                await self.central.stop_scanning()

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        for listener in list(self._listeners.values()):
            listener(advertisement)
