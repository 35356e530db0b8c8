"""The XIAO nRF52840 Sense's CircuitPython modules as code.py sees them: board, busio,
digitalio, analogio, supervisor, microcontroller, micropython and time.

Each is a plain module object whose functions act on a ``Board`` (the IMU on its power
pin and I²C bus, the LEDs, the battery divider, the clock). Time is the virtual radio's
clock, so the firmware, the radio and the app agree on it; ``time.monotonic()`` and
``supervisor.ticks_ms()`` count from the board's boot (a reset or a power cycle starts
them again, a ``supervisor.reload()`` does not). The I²C bus takes the time
its bytes take at the configured frequency (9 bits a byte, plus address and restart),
and can be told to fail the next transfers (``fail_i2c``), as a loose connector or a
browned-out IMU does.
"""

from __future__ import annotations

import errno
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field

from dorsi.virtual.ble.clock import ScaledClock
from dorsi.virtual.firmware.imu import ADDRESS, Lsm6ds3trc

TICKS_PERIOD = 1 << 29  # supervisor.ticks_ms() wraps here (CircuitPython's small-int range)


class Halt(BaseException):
    """Raised inside the firmware thread to stop it (not caught by ``except Exception``)."""


class Reload(BaseException):
    """supervisor.reload(): the harness restarts code.py, as CircuitPython does."""


class HardReset(BaseException):
    """microcontroller.reset(): the board boots afresh (its clock starts again)."""


@dataclass(frozen=True)
class Pin:
    name: str


PIN_NAMES = ("IMU_PWR", "IMU_SCL", "IMU_SDA", "LED_BLUE", "LED_RED", "LED_GREEN", "VBATT", "READ_BATT_ENABLE")


@dataclass
class Board:
    """Hardware state shared by the stand-in modules and the harness."""

    imu: Lsm6ds3trc
    clock: ScaledClock
    boot_s: float = 0.0  # clock time of the last boot
    battery_mv: int = 3900
    i2c_failures: int = 0  # the next transfers that fail
    pins: dict[str, bool] = field(default_factory=dict)
    led_changes: list[tuple[float, str, bool]] = field(default_factory=list)  # (time s, pin, value)
    stop: threading.Event = field(default_factory=threading.Event)
    serial: list[str] = field(default_factory=list)

    def fail_i2c(self, transfers: int = 1) -> None:
        self.i2c_failures += transfers

    def uptime_s(self) -> float:
        return self.clock.now_s() - self.boot_s

    def boot(self) -> None:
        """Power-on state: the clock from zero, the pins undriven, the IMU unpowered."""
        self.boot_s = self.clock.now_s()
        self.pins.clear()
        self.imu.power(False)
        self.stop.clear()

    def check(self) -> None:
        if self.stop.is_set():
            raise Halt

    def sleep(self, seconds: float) -> None:
        self.check()
        if self.stop.wait(max(0.0, seconds) / self.clock.speed):
            raise Halt

    def set_pin(self, name: str, value: bool) -> None:
        self.pins[name] = value
        if name == "IMU_PWR":
            self.imu.power(value)
        elif name.startswith("LED"):
            self.led_changes.append((self.clock.now_s(), name, value))


def build_modules(board: Board) -> dict[str, types.ModuleType]:
    """The stand-in modules, by import name."""
    mods = {name: types.ModuleType(name) for name in ("board", "busio", "digitalio", "analogio")}
    mods.update({name: types.ModuleType(name) for name in ("supervisor", "microcontroller", "micropython", "time")})
    for name in PIN_NAMES:
        setattr(mods["board"], name, Pin(name))
    mods["busio"].I2C = _i2c_class(board)  # type: ignore[attr-defined]
    mods["busio"].SPI = type("SPI", (), {})  # type: ignore[attr-defined]  # named by library annotations only
    mods["digitalio"].DigitalInOut = _digital_class(board)  # type: ignore[attr-defined]
    mods["analogio"].AnalogIn = _analog_class(board)  # type: ignore[attr-defined]
    mods["micropython"].const = lambda x: x  # type: ignore[attr-defined]
    _time_module(mods["time"], board)
    sup = mods["supervisor"]
    sup.ticks_ms = lambda: int(board.uptime_s() * 1000) % TICKS_PERIOD  # type: ignore[attr-defined]
    sup.reload = _raise(Reload)  # type: ignore[attr-defined]
    sup.runtime = types.SimpleNamespace(serial_connected=True)  # type: ignore[attr-defined]
    mods["microcontroller"].reset = _raise(HardReset)  # type: ignore[attr-defined]
    return mods


def _raise(exc: type[BaseException]) -> Callable[[], None]:
    def fn() -> None:
        raise exc

    return fn


def _time_module(mod: types.ModuleType, board: Board) -> None:
    mod.monotonic = board.uptime_s  # type: ignore[attr-defined]
    mod.monotonic_ns = lambda: int(board.uptime_s() * 1e9)  # type: ignore[attr-defined]
    mod.sleep = board.sleep  # type: ignore[attr-defined]
    mod.time = lambda: int(board.uptime_s())  # type: ignore[attr-defined]


def _i2c_class(board: Board) -> type:
    class I2C:
        def __init__(self, scl: Pin, sda: Pin, *, frequency: int = 100_000, timeout: int = 255) -> None:
            self.frequency = frequency
            self._locked = False

        def try_lock(self) -> bool:
            board.check()
            if self._locked:
                return False
            self._locked = True
            return True

        def unlock(self) -> None:
            self._locked = False

        def deinit(self) -> None:
            self._locked = False

        def _transfer(self, address: int, n_bytes: int) -> None:
            board.sleep((n_bytes + 2) * 9 / self.frequency)
            if board.i2c_failures > 0:
                board.i2c_failures -= 1
                raise OSError(errno.EIO, "Input/output error")
            if address != ADDRESS or not board.imu.powered:
                raise OSError(errno.ENODEV, "No such device")

        def writeto(self, address: int, buffer: bytes, *, start: int = 0, end: int | None = None) -> None:
            data = bytes(buffer[start:end])
            self._transfer(address, len(data))
            board.imu.write(data)

        def readfrom_into(self, address: int, buffer: bytearray, *, start: int = 0, end: int | None = None) -> None:
            self._transfer(address, len(buffer[start:end]))
            raise OSError(errno.EIO, "the LSM6DS3TR-C is read with a register address first")

        def writeto_then_readfrom(
            self,
            address: int,
            out_buffer: bytes,
            in_buffer: bytearray,
            *,
            out_start: int = 0,
            out_end: int | None = None,
            in_start: int = 0,
            in_end: int | None = None,
        ) -> None:
            out = bytes(out_buffer[out_start:out_end])
            end = len(in_buffer) if in_end is None else in_end
            self._transfer(address, len(out) + end - in_start)
            in_buffer[in_start:end] = board.imu.read(out[0], end - in_start)

    return I2C


def _digital_class(board: Board) -> type:
    class DigitalInOut:
        def __init__(self, pin: Pin) -> None:
            self.pin = pin
            self._value = False

        def switch_to_output(self, value: bool = False, **_kwargs: object) -> None:
            self.value = value

        def switch_to_input(self, **_kwargs: object) -> None:
            pass

        def _get(self) -> bool:
            return self._value

        def _set(self, v: bool) -> None:
            if bool(v) != self._value or self.pin.name not in board.pins:
                board.set_pin(self.pin.name, bool(v))
            self._value = bool(v)

        value = property(_get, _set)  # type: ignore[assignment]

        def deinit(self) -> None:
            pass

    return DigitalInOut


def _analog_class(board: Board) -> type:
    class AnalogIn:
        reference_voltage = 3.3

        def __init__(self, pin: Pin) -> None:
            self.pin = pin

        def _get(self) -> int:  # XIAO: VBAT through a 1 MΩ / 510 kΩ divider
            return min(65535, round(board.battery_mv * 510 / 1510 / 3300 * 65535))

        value = property(_get)

        def deinit(self) -> None:
            pass

    return AnalogIn
