"""Waiting on signals inside a qasync loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def wait_for(signal: Any, predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Resolve when ``predicate()`` holds, checked now and at every emission of ``signal``."""
    if predicate():
        return
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def check(*_args: object) -> None:
        if not done.done() and predicate():
            done.set_result(None)

    signal.connect(check)
    try:
        async with asyncio.timeout(timeout_s):
            await done
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout_s} s waiting for {what}") from None
    finally:
        signal.disconnect(check)
