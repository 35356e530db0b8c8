"""Closing the window (or Ctrl-C, which closes it) shuts the app down in order on the running loop."""

from __future__ import annotations

import asyncio

import qasync
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dorsi.app.run import _main, build
from dorsi.app.sources import VirtualHub

from .helpers import wait_for


def test_closing_the_window_stops_stream_store_and_radio(qtbot: QtBot, qloop: qasync.QEventLoop) -> None:
    app = build(VirtualHub(16.0))
    qtbot.addWidget(app.window)
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)

    async def scenario() -> None:
        main = asyncio.ensure_future(_main(app, connect_first=True))
        c = app.models.connection
        await wait_for(c.changed, lambda: c.state == "streaming", 20, "streaming")
        app.window.close()  # what the close button and Ctrl-C do
        async with asyncio.timeout(20):
            await main
        assert c.state == "disconnected"
        assert app.store is None  # closed
        left = [t.get_coro() for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert left == [], left

    try:
        qloop.run_until_complete(scenario())
    finally:
        qapp.setQuitOnLastWindowClosed(True)
