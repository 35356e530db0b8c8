"""A bleak backend over bumble: ``BaseBleakScanner`` / ``BaseBleakClient`` on a VirtualRadio.

bleak lets a custom backend be passed with ``backend=``; these classes translate
bleak's calls into bumble host-stack operations on the radio's central (scan,
LE connect, ATT MTU exchange, GATT discovery, CCCD subscribe, reads, writes) and
bumble's events back into bleak's (advertisement data, notifications,
disconnection). Nothing here knows about dorsi's sensors: any GATT peripheral on
the radio works.
"""

from __future__ import annotations

import asyncio
import logging
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from bleak.args import SizedBuffer
from bleak.backends.characteristic import BleakGATTCharacteristic, CharacteristicPropertyName
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble import core, hci
from bumble.device import Advertisement, Connection, Peer
from bumble.gatt import Characteristic

if TYPE_CHECKING:
    from dorsi.virtual.ble.radio import VirtualRadio

log = logging.getLogger(__name__)

REQUESTED_MTU = 247  # what BlueZ, CoreBluetooth and WinRT ask for on connection
_SIG_BASE = "-0000-1000-8000-00805f9b34fb"
_PROPERTY_NAMES: dict[Characteristic.Properties, CharacteristicPropertyName] = {
    Characteristic.Properties.BROADCAST: "broadcast",
    Characteristic.Properties.READ: "read",
    Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Characteristic.Properties.WRITE: "write",
    Characteristic.Properties.NOTIFY: "notify",
    Characteristic.Properties.INDICATE: "indicate",
    Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES: "authenticated-signed-writes",
    Characteristic.Properties.EXTENDED_PROPERTIES: "extended-properties",
}


@dataclass(frozen=True)
class BumbleDeviceDetails:
    """``BLEDevice.details`` for the virtual radio (not a dict: bleak-retry-connector's
    BlueZ helpers look for a D-Bus ``path`` in dict details and must not find one)."""

    address: hci.Address


def uuid_str(uuid: core.UUID) -> str:
    """bumble UUID → bleak's lower-case 128-bit string."""
    return str(uuidlib.UUID(bytes=uuid.to_bytes(force_128=True)[::-1]))


def _uuid_from_le(data: bytes) -> str:
    if len(data) == 16:
        return str(uuidlib.UUID(bytes=data[::-1]))
    return f"{int.from_bytes(data, 'little'):08x}{_SIG_BASE}"


def advertisement_data(adv: Advertisement) -> AdvertisementData:
    """Parse raw AD structures (Core Supplement Part A) into bleak's AdvertisementData."""
    name: str | None = None
    uuids: list[str] = []
    service_data: dict[str, bytes] = {}
    manufacturer: dict[int, bytes] = {}
    tx_power: int | None = None
    T = core.AdvertisingData.Type
    for ad_type, payload in adv.data.ad_structures:
        if ad_type in (T.COMPLETE_LOCAL_NAME, T.SHORTENED_LOCAL_NAME):
            name = payload.decode("utf-8", "replace")
        elif ad_type in (
            T.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
            T.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        ):
            uuids += [_uuid_from_le(payload[i : i + 2]) for i in range(0, len(payload) - 1, 2)]
        elif ad_type in (
            T.COMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
            T.INCOMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
        ):
            uuids += [_uuid_from_le(payload[i : i + 4]) for i in range(0, len(payload) - 3, 4)]
        elif ad_type in (
            T.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
            T.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
        ):
            uuids += [_uuid_from_le(payload[i : i + 16]) for i in range(0, len(payload) - 15, 16)]
        elif ad_type == T.SERVICE_DATA_16_BIT_UUID and len(payload) >= 2:
            service_data[_uuid_from_le(payload[:2])] = bytes(payload[2:])
        elif ad_type == T.SERVICE_DATA_128_BIT_UUID and len(payload) >= 16:
            service_data[_uuid_from_le(payload[:16])] = bytes(payload[16:])
        elif ad_type == T.MANUFACTURER_SPECIFIC_DATA and len(payload) >= 2:
            manufacturer[int.from_bytes(payload[:2], "little")] = bytes(payload[2:])
        elif ad_type == T.TX_POWER_LEVEL and payload:
            tx_power = int.from_bytes(payload[:1], "little", signed=True)
    return AdvertisementData(
        local_name=name,
        manufacturer_data=manufacturer,
        service_data=service_data,
        service_uuids=uuids,
        tx_power=tx_power,
        rssi=int(adv.rssi),
        platform_data=(adv,),
    )


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend: advertisements seen by the radio's central."""

    radio: ClassVar[VirtualRadio]

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._scanning = False

    async def start(self) -> None:
        self.seen_devices = {}
        self.radio.add_listener(self, self._on_advertisement)
        await self.radio.acquire_scan()
        self._scanning = True

    async def stop(self) -> None:
        self.radio.remove_listener(self)
        if self._scanning:
            self._scanning = False
            await self.radio.release_scan()

    def _on_advertisement(self, adv: Advertisement) -> None:
        data = advertisement_data(adv)
        if not self.is_allowed_uuid(data.service_uuids):
            return
        address = str(adv.address).split("/")[0]
        previous = self.seen_devices.get(address)
        name = data.local_name or (previous[0].name if previous else None)
        device = self.create_or_update_device(address, address, name, BumbleDeviceDetails(adv.address), data)
        self.call_detection_callbacks(device, data)


class BumbleClient(BaseBleakClient):
    """bleak client backend: one LE connection of the radio's central."""

    radio: ClassVar[VirtualRadio]

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._device_name: str | None = None
        self._peer_address: hci.Address | None = None
        if isinstance(address_or_ble_device, BLEDevice):
            self._device_name = address_or_ble_device.name
            details = address_or_ble_device.details
            if isinstance(details, BumbleDeviceDetails):
                self._peer_address = details.address
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._subscribers: dict[int, Callable[[bytes], None]] = {}
        self._disconnected = asyncio.Event()

    @property
    def name(self) -> str:
        return self._device_name or self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        return int(self._connection.att_mtu) if self._connection else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def _find_address(self, timeout_s: float) -> hci.Address:
        """Only an address string was given: scan for it, as bleak's platform backends do."""
        found: asyncio.Future[hci.Address] = asyncio.get_running_loop().create_future()
        wanted = self.address.upper()

        def on_adv(adv: Advertisement) -> None:
            if str(adv.address).split("/")[0].upper() == wanted and not found.done():
                found.set_result(adv.address)

        key = object()
        self.radio.add_listener(key, on_adv)
        await self.radio.acquire_scan()
        try:
            return await asyncio.wait_for(found, timeout_s)
        except TimeoutError:
            raise BleakDeviceNotFoundError(self.address, f"Device with address {self.address} was not found.") from None
        finally:
            self.radio.remove_listener(key)
            await self.radio.release_scan()

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        timeout_s = float(kwargs.get("timeout", self._timeout))
        if self._peer_address is None:
            self._peer_address = await self._find_address(timeout_s)
        async with self.radio.connect_lock:
            try:
                connection = await self.radio.central.connect(self._peer_address, timeout=timeout_s)
            except core.TimeoutError as exc:
                raise TimeoutError(f"connection to {self.address} timed out") from exc
            except core.BaseBumbleError as exc:
                raise BleakError(f"{self.address}: connection failed: {exc}") from exc
        self._connection = connection
        self._disconnected.clear()
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        try:
            self._peer = Peer(connection)
            await self._peer.request_mtu(REQUESTED_MTU)
            self.services = await self._discover(self._peer)
        except BaseException:
            await self.disconnect()
            raise

    async def _discover(self, peer: Peer) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        for service in await peer.discover_services():
            bleak_service = BleakGATTService(service, service.handle, uuid_str(service.uuid))
            collection.add_service(bleak_service)
            for char in await peer.discover_characteristics(service=service):
                props = [name for flag, name in _PROPERTY_NAMES.items() if char.properties & flag]
                bleak_char = BleakGATTCharacteristic(
                    char, char.handle, uuid_str(char.uuid), props, lambda: self.mtu_size - 3, bleak_service
                )
                collection.add_characteristic(bleak_char)
                for desc in await peer.discover_descriptors(char):
                    collection.add_descriptor(BleakGATTDescriptor(desc, desc.handle, uuid_str(desc.type), bleak_char))
        return collection

    def _on_disconnection(self, reason: int) -> None:
        self._connection = None
        self._peer = None
        self._subscribers.clear()
        self._disconnected.set()
        log.debug("%s: disconnected (reason 0x%02X)", self.address, reason)
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        try:
            await connection.disconnect()
        except core.BaseBumbleError as exc:  # the link went away meanwhile
            log.debug("disconnect: %s", exc)
        if self._connection is not None:
            await asyncio.wait_for(self._disconnected.wait(), 5.0)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        log.debug("pairing is not needed on the virtual radio; ignored")

    async def unpair(self) -> None:
        log.debug("unpairing is not needed on the virtual radio; ignored")

    def _require_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError("Not connected")
        return self._peer

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        self._require_peer()
        return bytearray(await characteristic.obj.read_value())

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        self._require_peer()
        return bytearray(await descriptor.obj.read_value())

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool) -> None:
        self._require_peer()
        await characteristic.obj.write_value(bytes(data), with_response=response)

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: SizedBuffer) -> None:
        self._require_peer()
        await descriptor.obj.write_value(bytes(data), with_response=True)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        peer = self._require_peer()

        def subscriber(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = subscriber
        await peer.subscribe(characteristic.obj, subscriber, prefer_notify=True)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        peer = self._require_peer()
        subscriber = self._subscribers.pop(characteristic.handle, None)
        await peer.unsubscribe(characteristic.obj, subscriber)


def bind_backends(radio: VirtualRadio) -> tuple[type[BaseBleakScanner], type[BaseBleakClient]]:
    """Backend classes bound to ``radio`` (bleak instantiates the class it is given)."""
    scanner = type("VirtualScanner", (BumbleScanner,), {"radio": radio})
    client = type("VirtualClient", (BumbleClient,), {"radio": radio})
    return scanner, client
