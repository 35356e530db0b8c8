"""The clock virtual sensors run on: real time, or real time sped up.

A virtual sensor stamps its samples from this clock and the app timestamps the
notifications it receives from the same clock, so a test can run a minute of a
200 Hz sensor in a few seconds and every time in it is still consistent.
"""

from __future__ import annotations

import asyncio
import time


class ScaledClock:
    """Seconds since creation, running ``speed`` times faster than the wall clock."""

    def __init__(self, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError("clock speed must be positive")
        self.speed = float(speed)
        self._t0_s = time.perf_counter()

    def now_s(self) -> float:
        return (time.perf_counter() - self._t0_s) * self.speed

    def __call__(self) -> float:
        return self.now_s()

    async def sleep_until(self, t_s: float) -> None:
        """Sleep until the clock reads at least ``t_s`` (returns at once if it already does)."""
        wait_s = (t_s - self.now_s()) / self.speed
        if wait_s > 0:
            await asyncio.sleep(wait_s)
        else:
            await asyncio.sleep(0)

    async def sleep(self, duration_s: float) -> None:
        await self.sleep_until(self.now_s() + duration_s)
