"""kill -9 in the middle of a recording loses at most 1 s of samples; the next start marks it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dorsi.store import SessionStore

RATE_HZ = 200
# The child records simulated samples through the writer at real-time pace (200 Hz),
# appending every ~10 ms; after each append it rewrites and fsyncs a file with the
# number of samples produced so far, then prints that number for the parent to follow.
CHILD = r"""
import os, sys, time
import numpy as np
from dorsi.store import SessionStore

threaded = sys.argv[1] == "threaded"
progress = sys.argv[2]
store = SessionStore.open()
w = store.begin_session(drill="knee-to-wall", side="left", sensor_id="SIM", rate_hz=200.0, threaded=threaded)
produced = 0
t0 = time.monotonic()
while True:
    due = int((time.monotonic() - t0) * 200)
    if due > produced:
        idx = np.arange(produced, due)
        t = idx / 200.0
        acc = np.column_stack([np.sin(t), np.cos(t), np.full(len(t), 9.81)])
        gyr = np.column_stack([10 * np.sin(3 * t), np.zeros(len(t)), np.zeros(len(t))])
        w.append(t, acc, gyr, idx)
        produced = due
        fd = os.open(progress, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, str(produced).encode())
        os.fsync(fd)
        os.close(fd)
        print(produced, flush=True)
    time.sleep(0.005)
"""


@pytest.mark.parametrize("mode", ["threaded", "inline"])
def test_sigkill_mid_session_loses_at_most_one_second(tmp_path: Path, mode: str) -> None:
    progress = tmp_path / "produced.txt"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, str(progress)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # blocks on the child's own reports, no sleeping here
            if int(line) >= int(2.5 * RATE_HZ):
                break
        else:
            pytest.fail(f"recorder died early: {proc.stderr.read() if proc.stderr else ''}")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -signal.SIGKILL
    produced = int(progress.read_text())  # at least this many were handed to the writer

    with SessionStore.open() as store:
        (info,) = store.sessions()
        assert store.recovered == [info.id]
        rec = store.load_recording(info.id)
        assert store.recover_interrupted() == []  # once marked, it stays as it is
    assert info.interrupted and info.status == "interrupted" and info.ended_at is not None
    lost = produced - info.samples
    assert lost <= RATE_HZ, f"lost {lost} samples (> 1 s) of {produced}"
    assert info.samples == len(rec) > 0
    # what survived is the exact prefix: nothing doubled, nothing skipped
    np.testing.assert_array_equal(rec.extra["sample_counter"], np.arange(len(rec)))
    np.testing.assert_allclose(rec.time_s, np.arange(len(rec)) / RATE_HZ)


def test_live_writer_of_another_process_is_not_marked(tmp_path: Path) -> None:
    """A session whose writer is still running (here: this process, writer open) is left alone."""
    with SessionStore.open() as store, store.begin_session(drill="d", side="left") as w:
        w.append([0.0, 0.005], np.zeros((2, 3)), np.zeros((2, 3)))
        w.flush()
        with SessionStore.open() as other:
            assert other.recovered == []
            assert other.session(w.session_id).status == "recording"
    with SessionStore.open() as store:
        assert store.session(w.session_id).status == "finished"


def test_abandoned_writer_in_this_process_is_recovered() -> None:
    with SessionStore.open() as store:
        w = store.begin_session(drill="d", side="right", threaded=False)
        w.append(np.arange(300) / 200, np.zeros((300, 3)), np.zeros((300, 3)))
        w.abort()  # e.g. the app's window closed without finishing
        again = SessionStore.open()
        try:
            assert again.recovered == [w.session_id]
            info = again.session(w.session_id)
        finally:
            again.close()
    assert info.interrupted and info.samples == 300
