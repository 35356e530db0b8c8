"""Firmware in the loop: the reference firmware's unmodified code.py, run in CPython.

code.py imports the published adafruit_lsm6ds and adafruit_ble libraries (installed
for the tests without their hardware extras) over the stand-ins of this package:
``_bleio`` on the virtual radio (bleio.py, link.py), the XIAO's ``board``, ``busio``,
``digitalio``, ``analogio``, ``supervisor`` and ``time`` (board.py), and an
LSM6DS3TR-C fed by a ``SampleFeed`` (imu.py). It runs in its own thread, as it runs
alone on the board, while the radio and the app share the asyncio loop; the app
reaches it through bleak exactly as it reaches the virtual sensor.

``supervisor.reload()`` restarts code.py with fresh module state, as CircuitPython
does; the radio is reset with it (new GATT table, no connection). A hard reset
(``microcontroller.reset()``) or a power cycle (``power_cycle``) also starts the
board's clock again from zero. What code.py prints is kept in ``serial``.
"""

from __future__ import annotations

import asyncio
import builtins
import importlib.util
import sys
import threading
import traceback
import types
from pathlib import Path
from typing import Any

from dorsi.virtual.ble.feed import SampleFeed
from dorsi.virtual.ble.radio import VirtualRadio
from dorsi.virtual.firmware import bleio
from dorsi.virtual.firmware.board import Board, Halt, HardReset, Reload, build_modules
from dorsi.virtual.firmware.imu import Lsm6ds3trc
from dorsi.virtual.firmware.link import Adapter, Connection, LinkParams

FIRMWARE_DIR = Path(__file__).resolve().parents[4] / "firmware_protocol" / "reference_firmware"
_STANDINS = ("board", "busio", "digitalio", "analogio", "supervisor", "microcontroller", "micropython")
_BLEIO_NAMES = (
    "Address", "Attribute", "BluetoothError", "Characteristic", "PacketBuffer", "RoleError",
    "ScanEntry", "SecurityError", "Service", "UUID",
)  # fmt: skip
_running: list[FirmwareHarness] = []


def _bleio_module() -> types.ModuleType:
    """The one ``_bleio`` module for the process (adafruit_ble keeps a reference to it)."""
    mod = sys.modules.get("_bleio")
    if mod is None:
        mod = types.ModuleType("_bleio")
        for name in _BLEIO_NAMES:
            setattr(mod, name, getattr(bleio, name))
        mod.Adapter, mod.Connection = Adapter, Connection  # type: ignore[attr-defined]
        mod.adapter = None  # type: ignore[attr-defined]
        sys.modules["_bleio"] = mod
    return mod


class FirmwareHarness:
    """The board running code.py on ``radio``; ``await start()``, ``await stop()``."""

    def __init__(
        self,
        radio: VirtualRadio,
        feed: SampleFeed,
        *,
        address: str = "D0:5E:F1:00:00:01",
        link: LinkParams | None = None,
        odr_error: float = 0.0,
        tag_slots: bool = False,
        firmware_dir: Path = FIRMWARE_DIR,
    ) -> None:
        if not (firmware_dir / "code.py").is_file():
            raise FileNotFoundError(f"no code.py in {firmware_dir}: the harness runs from a source checkout")
        self.radio, self.address, self.link = radio, address, link or LinkParams()
        self.firmware_dir = firmware_dir
        self.imu = Lsm6ds3trc(feed, radio.clock.now_s, odr_error=odr_error, tag_slots=tag_slots)
        self.board = Board(self.imu, radio.clock)
        self.serial = self.board.serial
        self.adapter: Adapter | None = None
        self.reloads = 0
        self.crashed: str | None = None
        self.running = threading.Event()  # set once code.py printed its "running" line
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._modules = build_modules(self.board)

    # --- life cycle ------------------------------------------------------------
    async def start(self) -> None:
        if _running:
            raise RuntimeError("one firmware harness at a time: _bleio is one module per process")
        _running.append(self)
        self._loop = asyncio.get_running_loop()
        await self.radio.start()
        for name in _STANDINS:
            sys.modules[name] = self._modules[name]
        await self._boot()

    async def _boot(self) -> None:
        """Power on: the board's clock from zero, a fresh radio, code.py started in its thread."""
        self.board.boot()
        self.running.clear()
        await self._new_adapter()
        self._thread = threading.Thread(target=self._run, name="firmware-code.py", daemon=True)
        self._thread.start()
        await asyncio.get_running_loop().run_in_executor(None, self.running.wait, 10.0)
        if not self.running.is_set():
            raise RuntimeError("code.py did not start: " + (self.crashed or "\n".join(self.serial[-5:])))

    async def _halt(self) -> None:
        """Power off: code.py stops where it is, the radio goes silent (a link drops by timeout)."""
        self.board.stop.set()
        if self._thread is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 10.0)
        if self.adapter is not None:
            await self.adapter.power_off()
            self.adapter = None

    async def stop(self) -> None:
        await self._halt()
        for name in _STANDINS:
            if sys.modules.get(name) is self._modules[name]:
                del sys.modules[name]
        _bleio_module().adapter = None  # type: ignore[attr-defined]
        bleio._state.adapter = None
        if self in _running:
            _running.remove(self)

    async def _new_adapter(self) -> None:
        assert self._loop is not None
        if self.adapter is not None:
            await self.adapter.power_off()
        self.adapter = Adapter(self.radio, self._loop, self.board, self.address, self.link)
        await self.adapter.power_on()
        _bleio_module().adapter = self.adapter  # type: ignore[attr-defined]
        bleio._state.adapter = self.adapter

    # --- faults -------------------------------------------------------------------
    async def power_cycle(self, off_s: float) -> None:
        """The battery is pulled for ``off_s``, then the board boots: code.py starts afresh and its
        clock and sample counter start again near zero (a reboot the app must bridge)."""
        await self._halt()
        self.serial.append("(power off)")
        await self.radio.clock.sleep(off_s)
        await self._boot()

    async def drop_link(self, absent_s: float) -> None:
        assert self.adapter is not None
        await self.adapter.drop_link(absent_s)

    def drop_when_status_in_flight(self) -> None:
        """Disconnect at the connection event that would carry the next STATUS notification."""
        assert self.adapter is not None
        self.adapter.drop_when_status_in_flight = self._status_characteristic()

    def _status_characteristic(self) -> bleio.Characteristic:
        assert self.adapter is not None
        for service in self.adapter.services:
            for char in service.characteristics:
                if str(char.uuid).startswith("f744fe13"):
                    return char
        raise LookupError("code.py has no STATUS characteristic")

    # --- the firmware thread --------------------------------------------------------
    def _print(self, *args: Any, **_kwargs: Any) -> None:
        self.serial.append(" ".join(str(a) for a in args))
        if "running" in self.serial[-1]:
            self.running.set()

    def _run(self) -> None:
        source = (self.firmware_dir / "code.py").read_text()
        code = compile(source, str(self.firmware_dir / "code.py"), "exec")
        while True:
            try:
                exec(code, self._globals())
                self.serial.append("Code done running.")
                return
            except (Reload, HardReset) as exc:
                self.reloads += 1
                self.serial.append("soft reboot" if isinstance(exc, Reload) else "(reset)")
                if isinstance(exc, HardReset):
                    self.board.boot()
                if not self._call(self._new_adapter()):
                    return
            except Halt:
                return
            except BaseException:
                self.crashed = traceback.format_exc()
                self.serial.append(self.crashed)
                self.running.set()  # wake start(): it reports the crash
                return

    def _call(self, coro: Any) -> bool:
        assert self._loop is not None
        try:
            asyncio.run_coroutine_threadsafe(coro, self._loop).result(10.0)
            return True
        except Exception as exc:
            self.crashed = f"reload failed: {exc!r}"
            return False

    def _globals(self) -> dict[str, Any]:
        """Fresh module globals for code.py: its own imports see the board's time and the
        firmware folder's dorsi_encoder; print goes to the serial console."""
        real_import = builtins.__import__
        time_mod = self._modules["time"]
        encoder = _load(self.firmware_dir / "dorsi_encoder.py", "dorsi_encoder")
        _bleio_module()

        def _import(name: str, globals_: Any = None, locals_: Any = None, fromlist: Any = (), level: int = 0) -> Any:
            if name == "time":
                return time_mod
            if name == "dorsi_encoder":
                return encoder
            return real_import(name, globals_, locals_, fromlist, level)

        env_builtins = dict(vars(builtins))
        env_builtins["__import__"] = _import
        env_builtins["print"] = self._print
        return {"__name__": "__main__", "__builtins__": env_builtins}


def _load(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
