"""How to start and stop each sensor kind over bleak: one handshake per entry of dorsi.protocol.kinds.

The registry's pure facts (UUIDs, rates, ranges, decoders) live in
dorsi.protocol.kinds, readable without bleak; this module adds what needs a
connected ``BleakClient``. ``handshake(kind)`` is what ``SensorStream`` runs.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bleak import BleakClient

from dorsi.ble.errors import UnsupportedSensor
from dorsi.errors import DeviceError
from dorsi.protocol import dorsi_v1, metamotion, uuids, witmotion
from dorsi.protocol import encoder as enc
from dorsi.protocol.errors import DecodeError
from dorsi.protocol.kinds import DORSI, METAMOTION, WITMOTION, SensorKind

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Handshake:
    start: Callable[[BleakClient, SensorKind, float], Awaitable[None]]
    stop: Callable[[BleakClient], Awaitable[None]]
    # False: start() reads replies on the data characteristic itself, so the stream
    # subscribes it only afterwards (MetaWear answers and streams on one characteristic)
    subscribe_data_first: bool = True
    identify: Callable[[BleakClient, int], Awaitable[None]] | None = None  # blink an LED for n seconds


async def _dorsi_start(client: BleakClient, kind: SensorKind, rate_hz: float) -> None:
    """Subscribe to STATUS, check the protocol version, configure the rate and ranges, START.

    Every command waits for its RESPONSE (matched by opcode and token); a sensor that
    speaks another major version is refused with a message saying which."""
    responses: asyncio.Queue[dorsi_v1.ResponseMessage] = asyncio.Queue()

    def on_status(_char: object, data: bytearray) -> None:
        try:
            messages = dorsi_v1.parse_status_messages(data)
        except DecodeError as exc:
            log.warning("unreadable status notification %s: %s", bytes(data).hex(), exc)
            return
        for msg in messages:
            if isinstance(msg, dorsi_v1.ResponseMessage):
                responses.put_nowait(msg)
            elif isinstance(msg, dorsi_v1.ErrorMessage):
                name = dorsi_v1.ERROR_NAMES.get(msg.code, msg.code)
                log.warning("sensor error: %s (detail %d)", name, msg.detail)

    async def command(data: bytes, what: str) -> dorsi_v1.ResponseMessage:
        opcode, token = data[0], data[1]
        await client.write_gatt_char(uuids.DORSI_CONTROL_UUID, data, response=True)
        async with asyncio.timeout(COMMAND_TIMEOUT_S):
            while True:
                msg = await responses.get()
                if (msg.opcode, msg.token) == (opcode, token):
                    break
        if not msg.ok:
            raise DeviceError(f"the sensor refused {what}: {dorsi_v1.RESULT_NAMES.get(msg.result, msg.result)}")
        return msg

    await client.start_notify(uuids.DORSI_STATUS_UUID, on_status)
    version = await command(dorsi_v1.cmd_get_version(token=1), "GET_VERSION")
    (major, minor), firmware = dorsi_v1.parse_version(version.payload)
    if major != enc.PROTOCOL_VERSION:  # no retry can help: the person must update one side
        raise UnsupportedSensor(
            f"the sensor speaks protocol {major}.{minor} (firmware {'.'.join(map(str, firmware))}); "
            f"this app reads protocol {enc.PROTOCOL_VERSION}: update the "
            + ("app" if major > enc.PROTOCOL_VERSION else "sensor's firmware")
        )
    await command(dorsi_v1.cmd_stop(token=2), "STOP")  # a sensor left streaming refuses configuration
    await command(dorsi_v1.cmd_set_rate(kind.supported_rate(rate_hz), token=3), "SET_RATE")
    await command(dorsi_v1.cmd_set_ranges(kind.acc_range_g, kind.gyr_range_dps, token=4), "SET_RANGES")
    await command(dorsi_v1.cmd_start(token=5), "START")


async def dorsi_identify(client: BleakClient, seconds: int) -> None:
    """Blink the sensor's LED (IDENTIFY) for ``seconds`` (1..60): which sensor is this one?
    The RESPONSE is not awaited: IDENTIFY cannot be refused, and STATUS may be unsubscribed."""
    await client.write_gatt_char(uuids.DORSI_CONTROL_UUID, dorsi_v1.cmd_identify(seconds, token=6), response=True)


async def _dorsi_stop(client: BleakClient) -> None:
    await client.write_gatt_char(uuids.DORSI_CONTROL_UUID, dorsi_v1.cmd_stop(token=7), response=True)


async def _witmotion_start(client: BleakClient, kind: SensorKind, rate_hz: float) -> None:
    """Unlock, then set the output rate (the module streams at 10 Hz from power-on until then)."""
    await client.write_gatt_char(kind.command_uuid, witmotion.cmd_unlock(), response=False)
    await client.write_gatt_char(kind.command_uuid, witmotion.cmd_set_rate(rate_hz), response=False)


async def _no_stop(client: BleakClient) -> None:
    return None


_metawear_imu: weakref.WeakKeyDictionary[BleakClient, metamotion.Imu] = weakref.WeakKeyDictionary()


async def _metamotion_start(client: BleakClient, kind: SensorKind, rate_hz: float) -> None:
    """Ask the board which IMU it has, then configure, subscribe, enable and power acc + gyro."""
    imu = await _metawear_imu_of(client, kind)
    commands = [metamotion.cmd_connection_parameters()]
    commands += imu.start_commands(int(rate_hz), kind.acc_range_g, kind.gyr_range_dps)
    for command in commands:
        await client.write_gatt_char(kind.command_uuid, command, response=False)
    _metawear_imu[client] = imu


async def _metawear_imu_of(client: BleakClient, kind: SensorKind) -> metamotion.Imu:
    """Module info of the accelerometer and gyroscope, read over our own subscription to the
    notify characteristic (released before the sensor streams: the stream subscribes it next)."""
    replies: asyncio.Queue[bytes] = asyncio.Queue()
    info: dict[int, metamotion.ModuleInfo] = {}
    await client.start_notify(kind.data_uuid, lambda _char, data: replies.put_nowait(bytes(data)))
    try:
        async with asyncio.timeout(COMMAND_TIMEOUT_S):
            for module in (metamotion.MODULE_ACC, metamotion.MODULE_GYRO):
                await client.write_gatt_char(kind.command_uuid, metamotion.cmd_read_info(module), response=False)
                while module not in info:
                    try:
                        reply = metamotion.parse_module_info(await replies.get())
                    except DecodeError:
                        continue  # not the reply we wait for
                    info[reply.module] = reply
    finally:
        await client.stop_notify(kind.data_uuid)
    try:
        return metamotion.imu_from_info(info[metamotion.MODULE_ACC], info[metamotion.MODULE_GYRO])
    except DecodeError as exc:
        raise UnsupportedSensor(str(exc)) from None


async def _metamotion_stop(client: BleakClient) -> None:
    imu = _metawear_imu.pop(client, None)
    for command in imu.stop_commands() if imu else []:
        await client.write_gatt_char(uuids.METAMOTION_COMMAND_UUID, command, response=False)


_HANDSHAKES = {
    DORSI.id: Handshake(_dorsi_start, _dorsi_stop, identify=dorsi_identify),
    WITMOTION.id: Handshake(_witmotion_start, _no_stop),
    METAMOTION.id: Handshake(_metamotion_start, _metamotion_stop, subscribe_data_first=False),
}


def handshake(kind: SensorKind) -> Handshake:
    """The kind's handshake; every registered kind has one (tests/ble check it)."""
    return _HANDSHAKES[kind.id]
