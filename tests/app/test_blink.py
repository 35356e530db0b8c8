"""The Connect screen's Blink button: the app asks the connected sensor to blink (IDENTIFY);
the view never touches the device (ui → controller → stream → the kind's identify)."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from dorsi.app.run import build
from dorsi.app.sources import VirtualHub
from dorsi.virtual.ble.dorsi_sensor import VirtualDorsiSensor

from .helpers import wait_for


def test_blink_button_blinks_the_connected_dorsi_sensor(qtbot: QtBot, qloop: qasync.QEventLoop) -> None:
    hub = VirtualHub(1.0)
    app = build(hub)
    w, c = app.window, app.models.connection
    qtbot.addWidget(w)
    w.show()
    view = w.connect_view

    async def scenario() -> None:
        await app.start()
        assert not view.blink_button.isEnabled()  # nothing connected
        view.table.selectRow(0)
        qtbot.mouseClick(view.connect_button, Qt.MouseButton.LeftButton)
        await wait_for(c.changed, lambda: c.state == "streaming", 20, "streaming")
        sensor = hub.sensor  # ours, listed first
        assert isinstance(sensor, VirtualDorsiSensor)
        assert view.blink_button.isEnabled() and not sensor.led_on()
        clicked_s = hub.radio.clock.now_s()
        qtbot.mouseClick(view.blink_button, Qt.MouseButton.LeftButton)
        info: list[str] = []
        app.models.messages.info.connect(info.append)
        await wait_for(app.models.messages.info, lambda: bool(info), 10, "the blink confirmed")
        assert sensor.blink is not None
        started_s, seconds = sensor.blink
        assert started_s >= clicked_s and seconds == 5
        assert sensor.led_on(started_s + 0.1) and not sensor.led_on(started_s + 0.3)
        assert sensor.led_on(started_s + 4.6) and not sensor.led_on(started_s + 5.1)
        qtbot.mouseClick(view.disconnect_button, Qt.MouseButton.LeftButton)
        await wait_for(c.changed, lambda: c.state == "disconnected", 10, "disconnected")
        assert not view.blink_button.isEnabled()
        await app.close()

    qloop.run_until_complete(scenario())


@pytest.mark.parametrize("kind", ["witmotion", "metamotion"])
def test_blink_is_off_for_a_sensor_without_the_command(qtbot: QtBot, qloop: qasync.QEventLoop, kind: str) -> None:
    hub = VirtualHub(4.0)
    app = build(hub)
    w, c = app.window, app.models.connection
    qtbot.addWidget(w)

    async def scenario() -> None:
        await app.start()
        row = next(i for i, d in enumerate(c.devices) if kind in d.kind)
        w.connect_view.table.selectRow(row)
        qtbot.mouseClick(w.connect_view.connect_button, Qt.MouseButton.LeftButton)
        await wait_for(c.changed, lambda: c.state == "streaming", 20, "streaming")
        assert not w.connect_view.blink_button.isEnabled()
        await app.close()

    qloop.run_until_complete(scenario())
