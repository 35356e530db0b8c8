"""Scanning: every supported sensor, found by its advertised service UUID, with RSSI and battery."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from dorsi.ble.backends import PLATFORM, BleBackends
from dorsi.ble.errors import is_unavailable, unavailable_error
from dorsi.protocol import uuids
from dorsi.protocol.kinds import KIND_BY_SERVICE, KINDS, SensorKind


@dataclass(frozen=True)
class FoundSensor:
    address: str
    name: str
    kind: SensorKind
    rssi_dbm: int
    battery_pct: int | None  # from the advertised Battery Service data, when the sensor sends it
    device: BLEDevice = field(compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "name": self.name,
            "kind": self.kind.id,
            "rssi_dbm": self.rssi_dbm,
            "battery_pct": self.battery_pct,
        }


def _match(device: BLEDevice, adv: AdvertisementData) -> FoundSensor | None:
    kind = next((KIND_BY_SERVICE[u] for u in adv.service_uuids if u in KIND_BY_SERVICE), None)
    if kind is None:
        return None
    battery = adv.service_data.get(uuids.BATTERY_SERVICE_UUID, b"")
    pct = battery[0] if battery and battery[0] <= 100 else None
    name = adv.local_name or device.name or f"{kind.label} {device.address[-5:]}"
    return FoundSensor(device.address, name, kind, adv.rssi, pct, device)


class _Scan:
    def __init__(self, kinds: Iterable[SensorKind], backends: BleBackends, address: str | None) -> None:
        self.found: dict[str, FoundSensor] = {}
        self.first = asyncio.Event()
        self._address = address.upper() if address else None
        self.scanner = BleakScanner(
            self._on_advertisement,
            service_uuids=[k.service_uuid for k in kinds],
            **backends.scanner_kwargs(),  # type: ignore[arg-type]
        )

    def _on_advertisement(self, device: BLEDevice, adv: AdvertisementData) -> None:
        sensor = _match(device, adv)
        if sensor is None or (self._address and sensor.address.upper() != self._address):
            return
        previous = self.found.get(sensor.address)
        if previous is not None and not adv.local_name:
            sensor = FoundSensor(
                sensor.address, previous.name, sensor.kind, sensor.rssi_dbm, sensor.battery_pct, device
            )
        self.found[sensor.address] = sensor
        self.first.set()


async def _start(scan: _Scan) -> None:
    try:
        await scan.scanner.start()
    except Exception as exc:
        if is_unavailable(exc):
            raise unavailable_error(exc) from None
        raise


async def scan_sensors(
    timeout_s: float = 5.0, *, backends: BleBackends = PLATFORM, kinds: Iterable[SensorKind] | None = None
) -> list[FoundSensor]:
    """Scan for ``timeout_s``; sensors sorted strongest signal first.

    Raises DeviceError("Bluetooth is not available: …; try --virtual") when the
    machine has no usable Bluetooth.
    """
    scan = _Scan(kinds or KINDS.values(), backends, None)
    await _start(scan)
    try:
        await asyncio.sleep(timeout_s)
    finally:
        await scan.scanner.stop()
    return sorted(scan.found.values(), key=lambda s: (-s.rssi_dbm, s.name, s.address))


async def find_sensor(
    address: str | None,
    timeout_s: float,
    *,
    backends: BleBackends = PLATFORM,
    kinds: Iterable[SensorKind] | None = None,
) -> FoundSensor | None:
    """The first advertisement of this address (or of any sensor if None), or None after timeout."""
    scan = _Scan(kinds or KINDS.values(), backends, address)
    await _start(scan)
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await scan.first.wait()
    finally:
        await scan.scanner.stop()
    if not scan.found:
        return None
    return max(scan.found.values(), key=lambda s: s.rssi_dbm)
