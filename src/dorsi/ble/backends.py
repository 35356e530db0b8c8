"""Which bleak backend and clock a source uses: the platform's, or a virtual radio's."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner


@dataclass(frozen=True)
class BleBackends:
    """``None`` backends mean bleak's platform backend (BlueZ, CoreBluetooth, WinRT)."""

    scanner: type[BaseBleakScanner] | None = None
    client: type[BaseBleakClient] | None = None
    clock: Callable[[], float] = field(default=time.monotonic)  # host receive timestamps
    label: str = "Bluetooth"

    def scanner_kwargs(self) -> dict[str, type[BaseBleakScanner]]:
        return {} if self.scanner is None else {"backend": self.scanner}

    def client_kwargs(self) -> dict[str, type[BaseBleakClient]]:
        return {} if self.client is None else {"backend": self.client}


PLATFORM = BleBackends()
