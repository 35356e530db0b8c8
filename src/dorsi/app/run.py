"""Start the desktop app: one QApplication, one asyncio loop shared with Qt (qasync), one window.

``build`` assembles models, window and controller for a given hub and store;
``run_app`` is what ``dorsi app`` and ``dorsi demo`` call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from dorsi.app.catalogue import load_catalogue
from dorsi.app.controller import AppController
from dorsi.app.sources import BleHub, Hub, ReplayHub, VirtualHub
from dorsi.errors import DorsiError
from dorsi.store import SessionStore
from dorsi.ui.models import AppModels
from dorsi.ui.settings import AppSettings
from dorsi.ui.sound import Beeper
from dorsi.ui.theme import apply_theme
from dorsi.ui.window import MainWindow

log = logging.getLogger(__name__)


@dataclass
class App:
    models: AppModels
    settings: AppSettings
    window: MainWindow
    controller: AppController
    hub: Hub
    store: SessionStore | None

    async def start(self, scan: bool = True) -> None:
        await self.hub.start()
        self.controller.refresh_history()
        if scan:
            await self.controller.scan()

    async def close(self) -> None:
        await self.controller.close()
        await self.hub.close()
        if self.store is not None:
            self.store.close()
            self.store = None


def display_available() -> bool:
    """True when Qt can open a window here (a display, or a platform plugin chosen explicitly)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def qt_app() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("dorsi")
    app.setOrganizationName("dorsi")
    return app


def open_store(models: AppModels) -> SessionStore | None:
    """The session store; a damaged database is moved aside (said once, with both paths) for a fresh one."""
    from dorsi.store.recovery import open_or_move_aside

    try:
        store, moved = open_or_move_aside()
    except DorsiError as exc:
        models.messages.error.emit(f"{exc} — the app runs, but nothing will be saved.")
        return None
    if moved is not None:
        log.warning("damaged session database moved aside: %s -> %s", moved.original, moved.moved_to)
        models.messages.error.emit(
            f"The session database {moved.original} was damaged; it is kept, moved aside to {moved.moved_to}, "
            "and new sessions are saved in a fresh one. To export what can still be read from the old one: "
            f"dorsi export --from {moved.moved_to} --all --out FOLDER"
        )
    return store


def build(hub: Hub, store: SessionStore | None = None, *, use_store: bool = True) -> App:
    settings = AppSettings()
    models = AppModels()
    apply_theme(qt_app(), settings.theme)
    models.drill.catalogue = load_catalogue()
    window = MainWindow(models, settings, Beeper())
    if store is None and use_store:  # after the window: its message bar shows what opening said
        store = open_store(models)
    window.drill_view.set_catalogue()
    controller = AppController(models, settings, hub, store)
    return App(models, settings, window, controller, hub, store)


def make_hub(virtual: bool, replay: bool, speed: float) -> Hub:
    if replay:
        return ReplayHub(speed)
    if virtual:
        return VirtualHub(speed)
    return BleHub()


async def _main(app: App, connect_first: bool) -> None:
    qapp = qt_app()
    # closing the window must not stop the loop under the shutdown: this coroutine closes streams,
    # sessions and the radio after lastWindowClosed, then returns, which ends run_until_complete
    qapp.setQuitOnLastWindowClosed(False)
    closed = asyncio.Event()
    qapp.lastWindowClosed.connect(closed.set)
    app.window.show()
    # Ctrl-C in the terminal closes the window like the close button: the same orderly shutdown
    # (streams stopped, sessions finished, radio closed), never a KeyboardInterrupt inside a Qt callback
    previous = signal.signal(signal.SIGINT, lambda *_: app.window.close())
    try:
        await app.start()
        devices = app.models.connection.devices
        if connect_first and devices:
            await app.controller.connect(devices[0].key)
            app.window.show_screen("Calibrate")
        await closed.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
        qapp.lastWindowClosed.disconnect(closed.set)
        await app.close()


def run_app(
    *,
    virtual: bool,
    replay: bool = False,
    speed: float = 1.0,
    connect_first: bool = False,
    unit_profile: str | None = None,
) -> int:
    """``unit_profile``: a per-unit sensor profile file (`dorsi app --profile`), kept as the Settings choice."""
    import qasync

    qapp = qt_app()
    app = build(make_hub(virtual, replay, speed))
    if unit_profile is not None:
        app.settings.unit_profile = unit_profile
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            loop.run_until_complete(_main(app, connect_first))
    finally:
        with contextlib.suppress(Exception):
            asyncio.set_event_loop(None)
    return 0
