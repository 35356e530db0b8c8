"""A fixed-size ring buffer of time-stamped rows: the live plot's only data source.

The engine appends chunks as they arrive (any size); the plot timer reads the
last few seconds as one contiguous copy. Memory is fixed at creation, so a
30-minute stream costs no more than a 30-second one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]


class RingBuffer:
    """``capacity`` rows of (time_s, values[columns]); oldest rows are overwritten."""

    def __init__(self, capacity: int, columns: int) -> None:
        if capacity < 2 or columns < 1:
            raise ValueError("a ring buffer needs capacity ≥ 2 and ≥ 1 column")
        self.capacity = capacity
        self.columns = columns
        self._time_s = np.zeros(capacity)
        self._values = np.zeros((capacity, columns))
        self._next = 0  # index the next row goes to
        self.total_written = 0  # rows ever appended

    def __len__(self) -> int:
        return min(self.total_written, self.capacity)

    def clear(self) -> None:
        self._next = 0
        self.total_written = 0

    def extend(self, time_s: F64, values: F64) -> None:
        n = len(time_s)
        if n == 0:
            return
        values = np.asarray(values, dtype=np.float64).reshape(n, self.columns)
        if n >= self.capacity:  # only the newest rows fit
            time_s, values = time_s[-self.capacity :], values[-self.capacity :]
            self._time_s[:] = time_s
            self._values[:] = values
            self._next = 0
            self.total_written += n
            return
        first = min(n, self.capacity - self._next)
        self._time_s[self._next : self._next + first] = time_s[:first]
        self._values[self._next : self._next + first] = values[:first]
        rest = n - first
        if rest:
            self._time_s[:rest] = time_s[first:]
            self._values[:rest] = values[first:]
        self._next = (self._next + n) % self.capacity
        self.total_written += n

    def extend_columns(self, time_s: F64, *columns: F64) -> None:
        """``extend`` with the values given column by column (each of len(time_s)): no (n, columns) array
        stacked first (a live notification's few rows: ~3 µs of np.column_stack a call)."""
        n = len(time_s)
        i = self._next
        if n == 0:
            return
        if i + n > self.capacity or len(columns) != self.columns:  # (a wrap: as extend does it)
            self.extend(time_s, np.column_stack(columns))
            return
        self._time_s[i : i + n] = time_s
        for j, col in enumerate(columns):
            self._values[i : i + n, j] = col
        self._next = (i + n) % self.capacity
        self.total_written += n

    def latest(self) -> tuple[float, F64] | None:
        if self.total_written == 0:
            return None
        i = (self._next - 1) % self.capacity
        return float(self._time_s[i]), self._values[i].copy()

    def window(self, span_s: float) -> tuple[F64, F64]:
        """The rows of the last ``span_s`` seconds (by time stamp), oldest first, as copies.

        Only the rows inside the span are copied: the cut is found by binary
        search on the two in-order halves of the ring (no full-ring gather).
        """
        n = len(self)
        if n == 0:
            return np.empty(0), np.empty((0, self.columns))
        start = (self._next - n) % self.capacity
        # the logical order is [start, capacity) then [0, next) when wrapped, else [start, start + n)
        parts = [(start, self.capacity), (0, self._next)] if start + n > self.capacity else [(start, start + n)]
        newest = self._time_s[(self._next - 1) % self.capacity]
        lo_t = newest - span_s
        out_t, out_v = [], []
        for a, b in parts:
            cut = a + int(np.searchsorted(self._time_s[a:b], lo_t, side="left"))
            out_t.append(self._time_s[cut:b])
            out_v.append(self._values[cut:b])
        return np.concatenate(out_t), np.concatenate(out_v)
