"""bleak (over the virtual radio) on the Qt event loop through qasync: one loop for both."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from dorsi.ble.decode import SampleChunk
from dorsi.ble.qtloop import qt_event_loop
from dorsi.ble.stream import SensorStream
from dorsi.virtual.ble import VirtualDorsiSensor, VirtualRadio, swing_feed


def test_stream_runs_on_the_qt_loop(qapp: QApplication) -> None:
    loop = qt_event_loop(qapp)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))  # Qt keeps running while BLE streams

    async def main() -> int:
        radio = VirtualRadio(speed=4.0)
        sensor = VirtualDorsiSensor(radio, swing_feed(208.0, 5.0))
        await radio.start()
        timer.start(10)
        n = 0
        try:
            async with SensorStream(sensor.address, backends=radio.backends) as stream:
                async for item in stream:
                    if isinstance(item, SampleChunk):
                        n += len(item)
                        if n >= 208:
                            break
        finally:
            timer.stop()
            await radio.close()
        return n

    try:
        n = loop.run_until_complete(main())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    assert n >= 208
    assert len(ticks) > 3
