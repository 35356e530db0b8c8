"""One asyncio loop for the whole process, shared with Qt through qasync.

bleak runs on the asyncio loop; Qt's event loop drives it via ``qasync.QEventLoop``
so BLE callbacks, the stream consumer and the widgets share one thread and one
loop (never ``asyncio.run`` per connection, never a loop per thread).

Windows: Qt initialises COM on the GUI thread as a single-threaded apartment
(STA); bleak's WinRT backend refuses to run in an STA unless a Windows message
loop pumps it, which Qt's loop does. bleak documents calling
``bleak.backends.winrt.util.allow_sta()`` in exactly this case; ``qt_event_loop``
does it before the first bleak call.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any


def allow_sta_for_qt() -> None:
    """On Windows, tell bleak the STA GUI thread has a running message loop (Qt's)."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        from bleak.backends.winrt.util import allow_sta

        allow_sta()


def qt_event_loop(app: Any) -> asyncio.AbstractEventLoop:
    """The process's asyncio loop running on the Qt application ``app``; set as current."""
    import qasync

    allow_sta_for_qt()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    return loop
