"""Messages to the person: they never move what is on screen, and they go when what they say ends.

Then the next step: after connecting, the app points to Calibrate; after calibrating, to the test.
"""

from __future__ import annotations

import asyncio

import qasync
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dorsi.app.run import build
from dorsi.app.sources import ReplayHub

from .helpers import wait_for


def settle() -> None:
    """Let pending layout requests run (outside the asyncio loop only: inside, await asyncio.sleep)."""
    app = QApplication.instance()
    assert app is not None
    app.processEvents()


def test_a_message_never_moves_the_screen_and_goes_when_its_condition_ends(
    qtbot: QtBot, qloop: qasync.QEventLoop
) -> None:
    app = build(ReplayHub(25.0), use_store=False)
    w, m = app.window, app.models
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    w.show_screen("Drills")
    settle()

    def where() -> tuple[QPoint, QPoint, int]:
        view = w.drill_view
        return view.run_button.mapTo(w, QPoint(0, 0)), view.table.mapTo(w, QPoint(0, 0)), view.table.height()

    before = where()
    qtbot.mouseClick(w.drill_view.run_button, Qt.MouseButton.LeftButton)  # no sensor yet
    settle()
    assert "Connect a sensor first" in w.message_bar.alert_text()
    assert w.message_bar.alert.isVisible()
    assert where() == before, "the message pushed the screen"

    async def scenario() -> None:
        await app.start()
        c = m.connection
        await app.controller.connect(c.devices[0].key)
        await wait_for(c.changed, lambda: c.state == "streaming", 10, "streaming")
        # connected: "connect a sensor first" is no longer true, so it is no longer said anywhere
        assert w.message_bar.alert_text() == ""
        assert "Connect a sensor" not in w.statusBar().currentMessage()
        await asyncio.sleep(0.05)  # layout requests run
        assert where() == before

        # a drill started before calibrating says so, until the calibration is done
        w.drill_view.run_button.click()
        assert m.drill.live.running
        assert "Not calibrated yet" in w.message_bar.alert_text()
        await wait_for(m.calibration.changed, lambda: m.calibration.phase == "done", 20, "calibration")
        assert "Not calibrated" not in w.message_bar.alert_text()
        w.drill_view.run_button.click()
        await app.close()

    qloop.run_until_complete(scenario())


def test_an_error_stays_until_dismissed_without_moving_anything(qtbot: QtBot) -> None:
    app = build(ReplayHub(1.0), use_store=False)
    w = app.window
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    settle()
    top = w.stack.mapTo(w, QPoint(0, 0)), w.stack.height(), w.statusBar().height()
    w.show_error("cannot write the session database: disk full " + "(a long explanation) " * 20)
    settle()
    assert w.message_bar.alert.isVisible()
    assert (w.stack.mapTo(w, QPoint(0, 0)), w.stack.height(), w.statusBar().height()) == top
    assert w.minimumSizeHint().width() <= 1024  # a long message is elided, it does not widen the window
    assert "disk full" in w.message_bar.alert.toolTip()
    qtbot.mouseClick(w.message_bar.close_button, Qt.MouseButton.LeftButton)
    assert w.message_bar.alert_text() == ""


def test_after_connecting_the_app_points_to_calibrate_then_to_the_test(qtbot: QtBot, qloop: qasync.QEventLoop) -> None:
    app = build(ReplayHub(25.0), use_store=False)
    w, m = app.window, app.models
    qtbot.addWidget(w)
    w.show()
    assert not w.connect_view.next_button.isVisible()

    async def scenario() -> None:
        await app.start()
        c = m.connection
        w.connect_view.table.selectRow(0)
        w.connect_view.connect_button.click()
        await wait_for(c.changed, lambda: c.state == "streaming", 10, "streaming")
        nxt = w.connect_view.next_button
        assert nxt.isVisible() and "Calibrate" in nxt.text()
        qtbot.mouseClick(nxt, Qt.MouseButton.LeftButton)
        assert w.current_screen() == "Calibrate"
        after = w.calibrate_view.next_button
        assert not after.isVisible()
        await wait_for(m.calibration.changed, lambda: m.calibration.phase == "done", 20, "calibration")
        assert after.isVisible() and "Knee-to-wall" in after.text()
        qtbot.mouseClick(after, Qt.MouseButton.LeftButton)
        assert w.current_screen() == "Knee-to-wall"
        await app.close()

    qloop.run_until_complete(scenario())
