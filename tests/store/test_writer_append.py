"""SessionWriter.append: notification-sized chunks take a fast path that keeps the full contract.

Same InputError messages, nothing buffered on a bad chunk, and the committed blobs byte for byte
what the full checks (``extra={}`` forces them) commit for the whole stream in one call.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dorsi.errors import InputError, StorageError
from dorsi.store import SessionStore
from dorsi.store.codec import decode

F64 = np.float64


def _blobs(store: SessionStore, session_id: int) -> list[tuple[int, bytes]]:
    with closing(sqlite3.connect(store.path)) as conn:
        rows = conn.execute("SELECT n, data FROM sample_chunks WHERE session_id = ? ORDER BY seq", (session_id,))
        return [(int(n), bytes(data)) for n, data in rows]


def _matrix_bytes(store: SessionStore, session_id: int, k: int) -> bytes:
    """All committed samples as one (n, k) matrix's bytes (commit boundaries aside)."""
    blocks = [decode(data, n, k, 2) for n, data in _blobs(store, session_id)]
    return np.concatenate(blocks).tobytes() if blocks else b""


# -- malformed chunks ---------------------------------------------------------------------------
# Before each bad chunk the session holds t = 0, 0.005 s; after it a good chunk at 0.010 s.
_OK_T = np.array([0.010, 0.015])
_Z = np.zeros((2, 3))


def _nan_at(a: np.ndarray, idx: tuple[int, ...], value: float = np.nan) -> np.ndarray:
    a = a.copy()
    a[idx] = value
    return a


BadCase = tuple[str, Callable[[], dict[str, Any]], str, tuple[str, ...]]
BAD: list[BadCase] = [
    (
        "acc (2, 2)",
        lambda: {"time_s": _OK_T, "acc_mps2": np.zeros((2, 2)), "gyr_dps": _Z},
        "samples for session {sid}: time_s has 2 values but acc (2, 2) and gyr (2, 3); expected (2, 3) each",
        ("sample_counter",),
    ),
    (
        "gyr (1, 3) for 2 samples",
        lambda: {"time_s": _OK_T, "acc_mps2": _Z, "gyr_dps": np.zeros((1, 3))},
        "samples for session {sid}: time_s has 2 values but acc (2, 3) and gyr (1, 3); expected (2, 3) each",
        ("sample_counter",),
    ),
    (
        "3 times for 2 rows",
        lambda: {"time_s": np.array([0.01, 0.02, 0.03]), "acc_mps2": _Z, "gyr_dps": _Z},
        "samples for session {sid}: time_s has 3 values but acc (2, 3) and gyr (2, 3); expected (3, 3) each",
        ("sample_counter",),
    ),
    (
        "NaN in acc",
        lambda: {"time_s": _OK_T, "acc_mps2": _nan_at(_Z, (1, 2)), "gyr_dps": _Z},
        "samples must be finite numbers (got NaN or infinity)",
        ("sample_counter",),
    ),
    (
        "-inf in gyr",
        lambda: {"time_s": _OK_T, "acc_mps2": _Z, "gyr_dps": _nan_at(_Z, (0, 0), -np.inf)},
        "samples must be finite numbers (got NaN or infinity)",
        ("sample_counter",),
    ),
    (
        "inf and -inf in acc",  # their sum is NaN, not a number that looks finite
        lambda: {"time_s": _OK_T, "acc_mps2": _nan_at(_nan_at(_Z, (0, 0), np.inf), (1, 1), -np.inf), "gyr_dps": _Z},
        "samples must be finite numbers (got NaN or infinity)",
        ("sample_counter",),
    ),
    (
        "NaN time",
        lambda: {"time_s": np.array([0.010, np.nan]), "acc_mps2": _Z, "gyr_dps": _Z},
        "samples must be finite numbers (got NaN or infinity)",
        ("sample_counter",),
    ),
    (
        "inf last time",
        lambda: {"time_s": np.array([0.010, np.inf]), "acc_mps2": _Z, "gyr_dps": _Z},
        "samples must be finite numbers (got NaN or infinity)",
        ("sample_counter",),
    ),
    (
        "time back and NaN: the finite check speaks first",
        lambda: {"time_s": np.array([0.001, 0.002]), "acc_mps2": _nan_at(_Z, (0, 1)), "gyr_dps": _Z},
        "samples must be finite numbers (got NaN or infinity)",
        ("sample_counter",),
    ),
    (
        "time back within the chunk",
        lambda: {"time_s": np.array([0.020, 0.015]), "acc_mps2": _Z, "gyr_dps": _Z},
        "time_s must increase strictly (got 0.020000 s after 0.005000 s)",
        ("sample_counter",),
    ),
    (
        "time repeated within the chunk",
        lambda: {"time_s": np.array([0.020, 0.020]), "acc_mps2": _Z, "gyr_dps": _Z},
        "time_s must increase strictly (got 0.020000 s after 0.005000 s)",
        ("sample_counter",),
    ),
    (
        "time repeated across calls",
        lambda: {"time_s": np.array([0.005]), "acc_mps2": _Z[:1], "gyr_dps": _Z[:1]},
        "time_s must increase strictly (got 0.005000 s after 0.005000 s)",
        ("sample_counter",),
    ),
    (
        "time back across calls",
        lambda: {"time_s": np.array([0.001, 0.002]), "acc_mps2": _Z, "gyr_dps": _Z},
        "time_s must increase strictly (got 0.001000 s after 0.005000 s)",
        ("sample_counter",),
    ),
    (
        "unknown extra column",
        lambda: {"time_s": _OK_T, "acc_mps2": _Z, "gyr_dps": _Z, "extra": {"heart_rate": [60.0, 61.0]}},
        "session {sid} has no column(s) heart_rate",
        ("sample_counter",),
    ),
    (
        "sample_counter on a session without one",
        lambda: {"time_s": _OK_T, "acc_mps2": _Z, "gyr_dps": _Z, "sample_counter": np.array([2, 3])},
        "session {sid} has no column(s) sample_counter",
        (),
    ),
    (
        "sample_counter too long",
        lambda: {"time_s": _OK_T, "acc_mps2": _Z, "gyr_dps": _Z, "sample_counter": np.array([2, 3, 4])},
        "sample_counter has 3 values for 2 samples",
        ("sample_counter",),
    ),
    (
        "sample_counter too short, as a float column",
        lambda: {"time_s": _OK_T, "acc_mps2": _Z, "gyr_dps": _Z, "sample_counter": np.array([2.0])},
        "sample_counter has 1 values for 2 samples",
        ("sample_counter",),
    ),
    (
        "extra column of the wrong length",
        lambda: {"time_s": _OK_T, "acc_mps2": _Z, "gyr_dps": _Z, "extra": {"temp_c": np.array([20.0])}},
        "temp_c has 1 values for 2 samples",
        ("sample_counter", "temp_c"),
    ),
]


def _as_lists(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


@pytest.mark.parametrize("as_lists", [False, True], ids=["arrays", "lists"])
@pytest.mark.parametrize(("make", "message", "columns"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_a_bad_chunk_raises_the_same_message_and_buffers_nothing(
    make: Callable[[], dict[str, Any]], message: str, columns: tuple[str, ...], as_lists: bool
) -> None:
    def good(w: Any, t: np.ndarray) -> None:
        counter = {"sample_counter": np.round(t * 200).astype(np.int64)} if columns else {}
        w.append(t, np.ones((len(t), 3)), np.full((len(t), 3), 2.0), **counter)

    with SessionStore.open() as store:
        bad = store.begin_session(drill="d", side="left", extra_columns=columns, threaded=False)
        ref = store.begin_session(drill="d", side="left", extra_columns=columns, threaded=False)
        for w in (bad, ref):
            good(w, np.array([0.0, 0.005]))
        kwargs = make()
        with pytest.raises(InputError, match=f"^{re.escape(message.format(sid=bad.session_id))}$"):
            bad.append(**(_as_lists(kwargs) if as_lists else kwargs))
        assert bad.samples_appended == 2
        for w in (bad, ref):
            good(w, _OK_T)
            assert w.samples_appended == 4
            w.finish()
        assert _blobs(store, bad.session_id) == _blobs(store, ref.session_id)
        assert store.session(bad.session_id).samples == 4


# -- what is committed -------------------------------------------------------------------------
def _whole(w: Any, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, counter: np.ndarray | None) -> None:
    """The stream in one call through the full checks (extra={} keeps it off the fast path)."""
    w.append(t, acc, gyr, counter, extra={})


def test_values_the_cheap_checks_cannot_vouch_for_are_kept_bit_for_bit() -> None:
    """Huge values (their sum overflows), -0.0, a NaN with a payload in a float counter, big ints."""
    payload_nan, signalling_nan = np.array([0x7FF8_0000_0000_1234, 0x7FF0_0000_0000_0001], dtype=np.uint64).view(F64)
    t = np.array([0.0, 0.004, 0.008, 0.012])
    acc = np.array([[1e308, 1e308, -0.0], [5e-324, -1e308, 0.0], [1.0, 2.0, 3.0], [-0.0, -0.0, -0.0]])
    gyr = np.array([[1e300, 1e300, 1e300], [0.1, 0.2, 0.3], [-1e308, -1e308, 7.0], [2.0, 2.0, 2.0]])
    float_counter = np.array([1.0, payload_nan, np.nan, signalling_nan])
    int_counter = np.array([2**62 + 1, 2**62 + 3, 2**53 + 1, -(2**63)], dtype=np.int64)
    with SessionStore.open() as store:
        for counter in (float_counter, int_counter, None):
            pieces = store.begin_session(drill="d", side="left", threaded=False)
            whole = store.begin_session(drill="d", side="left", threaded=False)
            for a, b in [(0, 1), (1, 3), (3, 4)]:
                pieces.append(t[a:b], acc[a:b], gyr[a:b], None if counter is None else counter[a:b])
            _whole(whole, t, acc, gyr, counter)
            for w in (pieces, whole):
                w.finish()
            assert pieces.samples_appended == 4
            assert _blobs(store, pieces.session_id) == _blobs(store, whole.session_id)
            back = store.load_recording(pieces.session_id)
            np.testing.assert_array_equal(back.acc_mps2.view(np.uint64), acc.view(np.uint64))
            if counter is float_counter:
                assert back.extra["sample_counter"].view(np.uint64)[[1, 3]].tolist() == [
                    0x7FF8_0000_0000_1234,
                    0x7FF0_0000_0000_0001,
                ]


def test_the_callers_arrays_may_change_after_append() -> None:
    t, acc, gyr, counter = np.array([0.0, 0.005]), np.ones((2, 3)), np.ones((2, 3)), np.array([7, 8])
    with SessionStore.open() as store:
        w = store.begin_session(drill="d", side="left", threaded=False)
        w.append(t, acc, gyr, counter)
        t += 1.0
        acc[:] = 5.0
        gyr[:] = 6.0
        counter[:] = 0
        w.finish()
        back = store.load_recording(w.session_id)
    np.testing.assert_array_equal(back.time_s, [0.0, 0.005])
    np.testing.assert_array_equal(back.acc_mps2, np.ones((2, 3)))
    np.testing.assert_array_equal(back.gyr_dps, np.ones((2, 3)))
    np.testing.assert_array_equal(back.extra["sample_counter"], [7.0, 8.0])


_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
_KINDS = ("arrays", "lists", "fortran", "extra", "float32")


@st.composite
def _streams(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 160))
    steps = draw(hnp.arrays(F64, n, elements=st.floats(1e-6, 0.006)))
    t = draw(st.floats(-1e3, 1e6)) + np.cumsum(steps)
    if len(np.unique(t)) < n:  # float rounding at a big t0 merged two steps
        t = np.arange(n) * 0.002
    acc = draw(hnp.arrays(F64, (n, 3), elements=_finite))
    gyr = draw(hnp.arrays(F64, (n, 3), elements=_finite))
    counter_kind = draw(st.sampled_from(["int", "float", "none", "some"]))
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=40)))
    bounds = [0, *cuts, n]
    chunks = [(a, b, draw(st.sampled_from(_KINDS)), draw(st.booleans())) for a, b in pairwise(bounds)]
    flush_after = draw(st.sets(st.integers(0, len(chunks) - 1), max_size=3))
    return {"t": t, "acc": acc, "gyr": gyr, "counter_kind": counter_kind, "chunks": chunks, "flush": flush_after}


def _call(w: Any, kind: str, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, counter: np.ndarray | None) -> None:
    if kind == "lists" and len(t):  # an empty list is no (0, 3) matrix
        w.append(t.tolist(), acc.tolist(), gyr.tolist(), None if counter is None else counter.tolist())
    elif kind == "fortran":
        w.append(t, np.asfortranarray(acc), np.asfortranarray(gyr), counter)
    elif kind == "extra":
        w.append(t, acc, gyr, extra=None if counter is None else {"sample_counter": counter})
    elif kind == "float32":  # exact in float32 only for some values: compare with the same conversion
        w.append(t, acc, gyr, None if counter is None else counter.astype(np.float32))
    else:
        w.append(t, acc, gyr, counter)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_streams())
def test_any_chunking_commits_what_one_whole_append_does(s: dict[str, Any]) -> None:
    t, acc, gyr, n = s["t"], s["acc"], s["gyr"], len(s["t"])
    full_counter: np.ndarray | None = None
    per_chunk: list[np.ndarray | None] = []
    if s["counter_kind"] != "none":
        ints = np.arange(n, dtype=np.int64) + 3_000_000_000
        full_counter = ints if s["counter_kind"] == "int" else ints * 0.5
        full_counter = full_counter.astype(F64)
    for a, b, kind, given_ in s["chunks"]:
        if full_counter is None or (s["counter_kind"] == "some" and not given_):
            per_chunk.append(None)
            continue
        c = np.arange(a, b, dtype=np.int64) + 3_000_000_000
        per_chunk.append(c if s["counter_kind"] == "int" and kind != "float32" else full_counter[a:b].copy())
    if full_counter is not None:  # the whole stream's column: NaN where a chunk gave none, float32 where sent so
        full_counter = full_counter.copy()
        for (a, b, kind, _), c in zip(s["chunks"], per_chunk, strict=True):
            if c is None:
                full_counter[a:b] = np.nan
            elif kind == "float32":
                full_counter[a:b] = c.astype(np.float32)
    with SessionStore.open() as store:
        pieces = store.begin_session(drill="d", side="left", threaded=False)
        whole = store.begin_session(drill="d", side="left", threaded=False)
        for i, ((a, b, kind, _), c) in enumerate(zip(s["chunks"], per_chunk, strict=True)):
            _call(pieces, kind, t[a:b], acc[a:b], gyr[a:b], c)
            if i in s["flush"]:
                pieces.flush()
        _whole(whole, t, acc, gyr, full_counter)
        for w in (pieces, whole):
            w.finish()
        assert pieces.samples_appended == n
        k = len(pieces.columns)
        assert _matrix_bytes(store, pieces.session_id, k) == _matrix_bytes(store, whole.session_id, k)
        if not s["flush"] and t[-1] - t[0] < 0.5:  # one commit each: the very same blob
            assert _blobs(store, pieces.session_id) == _blobs(store, whole.session_id)


def test_a_failed_commit_keeps_the_runs_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits that fail (database locked) put the samples back in front; later notifications follow them."""
    n = 300  # 1.5 s at 200 Hz: commits are tried from 0.5 s on
    t = np.arange(n) / 200.0
    acc = np.random.default_rng(5).normal(size=(n, 3))
    gyr = np.random.default_rng(6).normal(size=(n, 3))
    counter = np.arange(n, dtype=np.int64)
    with SessionStore.open() as store:
        pieces = store.begin_session(drill="d", side="left", threaded=False)
        whole = store.begin_session(drill="d", side="left", threaded=False)
        real_commit = pieces._commit
        failures = {"left": 3}

        def locked_then_free(matrix: np.ndarray) -> None:
            if failures["left"]:
                failures["left"] -= 1
                raise sqlite3.OperationalError("database is locked")
            real_commit(matrix)

        monkeypatch.setattr(pieces, "_commit", locked_then_free)
        raised = 0
        for a in range(0, n, 7):
            try:
                pieces.append(t[a : a + 7], acc[a : a + 7], gyr[a : a + 7], counter[a : a + 7])
            except StorageError:
                raised += 1
        assert raised == 3 and pieces.samples_appended == n
        _whole(whole, t, acc, gyr, counter)
        for w in (pieces, whole):
            w.finish()
        k = len(pieces.columns)
        assert _matrix_bytes(store, pieces.session_id, k) == _matrix_bytes(store, whole.session_id, k)
