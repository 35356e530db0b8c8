"""The dorsi handshake over real bleak code: GET_VERSION first, and a major it cannot read refused."""

from __future__ import annotations

import pytest

from dorsi.ble.stream import SensorStream, State
from dorsi.errors import DeviceError
from dorsi.protocol import encoder as enc
from dorsi.virtual.ble import VirtualDorsiSensor, swing_feed


async def test_the_handshake_asks_the_version_then_configures_then_starts(make_radio, collect) -> None:  # type: ignore[no-untyped-def]
    radio = make_radio(1.0)
    sensor = VirtualDorsiSensor(radio, swing_feed(104.0, 5.0))
    await radio.start()
    async with SensorStream(sensor.address, backends=radio.backends, rate_hz=208) as stream:
        await collect(stream, lambda g: g.samples >= 20)
    assert sensor.commands[:5] == [enc.OP_GET_VERSION, enc.OP_STOP, enc.OP_SET_RATE, enc.OP_SET_RANGES, enc.OP_START]
    assert sensor.sensor_rate_hz == 208  # Settings' rate reached the sensor


async def test_a_sensor_speaking_another_major_version_is_refused_with_one_clear_line(make_radio, collect) -> None:  # type: ignore[no-untyped-def]
    radio = make_radio(1.0)
    sensor = VirtualDorsiSensor(radio, swing_feed(104.0, 5.0), protocol_version=(2, 0))
    await radio.start()
    async with SensorStream(sensor.address, backends=radio.backends) as stream:
        with pytest.raises(DeviceError) as err:
            await collect(stream, lambda g: False)
    assert str(err.value).startswith("the sensor speaks protocol 2.0 (firmware 1.1.0); this app reads protocol 1")
    assert str(err.value).endswith("update the app")
    assert enc.OP_START not in sensor.commands and not sensor.streaming
    assert stream.state == State.STOPPED and stream.stats.connects == 0  # refused once, not retried
