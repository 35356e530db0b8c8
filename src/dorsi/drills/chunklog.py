"""The last seconds of per-sample rows built from each chunk's frames, built only when read.

A notification's few samples cost more in numpy's per-call set-up than in arithmetic, and the checks that
read these rows (the heel check, the lift check) read them only when a rep is judged: so each chunk's
columns are kept as they came, and the rows of every chunk not yet built are built in one call when read,
then split back per chunk. The rows are the same bits (every row's arithmetic is its own: tests check it),
and a chunk is dropped exactly as before: once its last sample is older than the window. A chunk's columns
may also come as the Python lists their arrays would be made of (a notification's floats): the lists of the
chunks not yet built are then made one array per column, not one per chunk, at a read or once they hold
LIST_ROWS samples (so the lists never pile up over a long rest without a read).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorsi.motion.types import F64

FAST_FLAT = True  # plain columns of floats or bools joined through np.fromiter (off: np.array; the same arrays)
FAST_RUNS = True  # arrays among lists: each run of lists joined at once (off: one call per chunk; the same array)
LIST_ROWS = 256  # the lists' rows are built once the pending chunks hold this many samples as lists


def _joined(parts: tuple[Any, ...]) -> NDArray[Any]:
    """One column over chunks: every chunk's lists as one array, else the chunks' arrays concatenated (the
    same values: an array made of floats holds them exactly). Rows of floats go flat through np.fromiter and
    are reshaped (np.array on nested lists infers each row: several times slower)."""
    if all(type(c) is list for c in parts):
        first = parts[0][0]
        if type(first) is list:
            flat = chain.from_iterable(chain.from_iterable(parts))
            return np.fromiter(flat, np.float64).reshape(-1, len(first))
        kind = type(first)
        if FAST_FLAT and (kind is float or kind is bool):
            # floats or bools (the frames' own columns: never mixed): the dtype np.array infers, without its
            # per-element inference (half the time)
            return np.fromiter(chain.from_iterable(parts), np.float64 if kind is float else np.bool_)
        return np.array(list(chain.from_iterable(parts)))
    if not FAST_RUNS:
        return np.concatenate([c if isinstance(c, np.ndarray) else _joined((c,)) for c in parts])
    # a block given as its notification's arrays among blocks of lists: each run of lists joined in one call
    # (one call per chunk costs more than the whole join; the same values and dtypes, so the same array)
    out: list[NDArray[Any]] = []
    run: list[Any] = []
    for c in parts:
        if isinstance(c, np.ndarray):
            if run:
                out.append(_joined(tuple(run)))
                run = []
            out.append(c)
        else:
            run.append(c)
    if run:
        out.append(_joined(tuple(run)))
    return np.concatenate(out)


class ChunkLog:
    """Per chunk: ``build(*columns joined over chunks)`` → rows (n, width); a chunk is kept until its last
    time is older than a later chunk's ``keep_from``."""

    def __init__(self, width: int, build: Callable[..., F64]) -> None:
        self.width = width
        self._build = build
        self._ends: deque[float] = deque()  # every kept chunk's last time, oldest first
        # the oldest chunks' rows: rows _lo.._hi of a buffer with room for more (a read appends the new rows,
        # a dropped chunk moves _lo on; a full buffer is copied into a new one twice the kept rows' size, so a
        # read copies only its new rows, and no array handed out is ever written again)
        self._buf: F64 = np.empty((0, width))
        self._lo = self._hi = 0
        self._built_lens: deque[int] = deque()  # their chunks' lengths, oldest first
        self._pending: deque[Sequence[Any]] = deque()  # newer chunks' columns (arrays or lists), not built yet
        self._pending_lists = 0  # samples given as lists since the last build (dropped ones too)
        self._joined: F64 | None = None  # rows() as last returned, until the next extend (a rep's checks read it often)

    def __bool__(self) -> bool:
        return bool(self._ends)

    def extend(self, keep_from: float, last_t: float, columns: Sequence[Any], lists: bool = False) -> None:
        """A chunk's columns: arrays, or (``lists``: some are) the Python lists (floats, bools, rows of floats)
        they would be made of."""
        ends = self._ends
        while ends and ends[0] < keep_from:
            ends.popleft()
            if self._built_lens:
                self._lo += self._built_lens.popleft()
            else:
                self._pending.popleft()  # (never built)
        ends.append(last_t)
        self._pending.append(columns)
        self._joined = None
        if lists:
            self._pending_lists += len(columns[0])
            if self._pending_lists >= LIST_ROWS:
                self._build_pending()

    def rows(self) -> F64:
        """Every kept row, oldest first (read-only: the same array until the next extend)."""
        if self._joined is not None:
            return self._joined
        self._build_pending()
        self._joined = self._buf[self._lo : self._hi]
        return self._joined

    def _build_pending(self) -> None:
        """The rows of the chunks not built yet, appended to the buffer."""
        self._pending_lists = 0
        pending = self._pending
        if pending:
            if len(pending) > 1:
                cols = [_joined(c) for c in zip(*pending, strict=True)]
            else:
                cols = [c if isinstance(c, np.ndarray) else _joined((c,)) for c in pending[0]]
            block = self._build(*cols)
            self._built_lens.extend(len(c[0]) for c in pending)
            pending.clear()
            lo, hi, m = self._lo, self._hi, len(block)
            if hi + m > len(self._buf):
                kept = hi - lo
                buf = np.empty((max(256, 2 * (kept + m)), self.width))
                buf[:kept] = self._buf[lo:hi]
                self._buf, self._lo, hi = buf, 0, kept
            self._buf[hi : hi + m] = block
            self._hi = hi + m
