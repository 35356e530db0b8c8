"""Work around a PySide6 6.12 refcount bug that qasync triggers.

qasync schedules every ``call_later`` with ``QObject.startTimer`` and kills
the timer in ``timerEvent``; under PySide6 6.12.0 that cycle releases a
reference to ``None`` on almost every call (measured: −0.75 to −1 per timer),
so the interpreter aborts within seconds ("Fatal Python error: none_dealloc").
Signals from ``QTimer`` objects do not leak. ``patch_qasync()`` swaps qasync's
timer for one built on single-shot QTimers; call it before creating a
``qasync.QEventLoop``.
"""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import QObject, QTimer

_PATCHED = False


class QTimerScheduler(QObject):
    """Drop-in for qasync's ``_SimpleTimer``: add_callback / stop / set_debug."""

    def __init__(self) -> None:
        super().__init__()
        self._timers: dict[int, tuple[QTimer, Any]] = {}
        self._ids = itertools.count()
        self._stopped = False

    def add_callback(self, handle: Any, delay: float = 0) -> Any:
        key = next(self._ids)
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: self._fire(key))
        self._timers[key] = (timer, handle)
        timer.start(int(max(0.0, delay) * 1000))
        return handle

    def _fire(self, key: int) -> None:
        timer, handle = self._timers.pop(key, (None, None))
        if timer is not None:
            timer.deleteLater()
        if handle is not None and not self._stopped and not handle._cancelled:
            handle._run()

    def stop(self) -> None:
        self._stopped = True
        for timer, _ in self._timers.values():
            timer.stop()
            timer.deleteLater()
        self._timers.clear()

    def set_debug(self, enabled: bool) -> None:
        return None


def patch_qasync() -> None:
    global _PATCHED
    if _PATCHED:
        return
    import qasync

    if hasattr(qasync, "_SimpleTimer"):
        qasync._SimpleTimer = QTimerScheduler  # type: ignore[attr-defined,unused-ignore]
    _PATCHED = True
