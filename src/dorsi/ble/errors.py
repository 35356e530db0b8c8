"""Bluetooth failures as one sentence a person can act on."""

from __future__ import annotations

from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakError,
)

from dorsi.errors import DeviceError

TRY_VIRTUAL = "try --virtual"


class UnsupportedSensor(DeviceError):
    """The sensor answered, but it cannot give what dorsi needs: reconnecting will not help."""


_R = BleakBluetoothNotAvailableReason
_REASONS = {
    _R.NO_BLUETOOTH: "this machine has no Bluetooth adapter",
    _R.NO_BLE_CENTRAL_ROLE: "the Bluetooth adapter cannot act as a BLE central",
    _R.POWERED_OFF: "the Bluetooth radio is turned off",
    _R.DENIED_BY_USER: "permission to use Bluetooth was denied",
    _R.DENIED_BY_SYSTEM: "the system denies this app the use of Bluetooth",
    _R.DENIED_BY_UNKNOWN: "permission to use Bluetooth was denied",
}


def is_unavailable(exc: BaseException) -> bool:
    """The errors bleak raises when the machine has no usable Bluetooth stack."""
    if isinstance(exc, BleakBluetoothNotAvailableError | FileNotFoundError | BleakDBusError):
        return True
    if isinstance(exc, ConnectionRefusedError | PermissionError):  # D-Bus socket present, refused
        return True
    text = str(exc).lower()
    return isinstance(exc, BleakError) and any(
        s in text for s in ("no bluetooth adapter", "bluetooth adapter", "not available", "powered off")
    )


def unavailable_error(exc: BaseException) -> DeviceError:
    """'Bluetooth is not available: <why>; try --virtual'."""
    if isinstance(exc, FileNotFoundError):
        why = "no BlueZ/D-Bus system bus on this machine"
    elif isinstance(exc, BleakBluetoothNotAvailableError):
        why = _REASONS.get(exc.reason, str(exc).strip().rstrip(".") or "unknown reason")
    elif isinstance(exc, BleakDBusError):
        why = f"the Bluetooth service refused ({exc.dbus_error})"
    else:
        why = str(exc).strip().rstrip(".") or type(exc).__name__
    return DeviceError(f"Bluetooth is not available: {why}; {TRY_VIRTUAL}")
