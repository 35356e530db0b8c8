"""Waiting on signals inside a qasync loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np

from dorsi.app.engine import LiveEngine
from dorsi.app.feed import DemoFeed
from dorsi.ble.decode import SampleChunk


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


def feed_engine(
    engine: LiveEngine, feed: DemoFeed, start_s: float, stop_s: float, until: Callable[[], bool] | None = None
) -> float:
    """Hand the engine the feed's samples in [start_s, stop_s) as a sensor would, in 20 ms chunks.

    Stops early once ``until()`` holds; returns where it stopped (s). No radio, no event loop:
    the engine, its models and the views run as they do live.
    """
    rate = feed.rate_hz
    n = max(1, round(0.02 * rate))
    first, stop = round(start_s * rate), round(stop_s * rate)
    for i in range(first, stop, n):
        idx = np.arange(i, min(i + n, stop))
        rows = idx % len(feed.acc_mps2)
        t = idx / rate
        engine.feed(SampleChunk("REPLAY", t, feed.acc_mps2[rows], feed.gyr_dps[rows], idx.astype(np.int64), t[-1]))
        if until is not None and until():
            return float((idx[-1] + 1) / rate)
    return stop / rate
