"""The app's live engine without a display or an event loop: simulated notifications straight into it.

Real parts throughout: the models and settings (Qt objects, signals delivered directly, no
QApplication), a real SQLite store, the live session. Each test feeds a simulated session as
its packets (with the sample counter the radio gives) and checks what the models,
the signals and the store say against the simulator's ground truth.
"""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dorsi.app.engine import LiveEngine
from dorsi.ble.decode import SampleChunk
from dorsi.session import COUNTER_BLOCK_S, LiveSession, SessionSpec
from dorsi.store import SessionStore
from dorsi.ui.models import NO_SENSOR, AppModels
from dorsi.ui.settings import AppSettings
from dorsi.virtual.sim import SimParams, SimResult, simulate


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    s = SessionStore.open(tmp_path / "sessions.db")
    yield s
    s.close()


def _engine(store: SessionStore | None, foot_cm: float = 26.0) -> LiveEngine:
    settings = AppSettings()
    settings.foot_cm = foot_cm
    return LiveEngine(AppModels(), settings, store)


def _notifications(sim: SimResult) -> Iterator[SampleChunk]:
    """The simulated packets as the radio delivers them (a lost packet: a jump in the sample counter)."""
    rec = sim.recording
    counter = rec.extra["sample_counter"].astype(np.int64)
    packet = counter // sim.params.samples_per_packet
    bounds = [0, *np.flatnonzero(np.diff(packet)) + 1, len(rec)]
    for a, b in itertools.pairwise(bounds):
        yield SampleChunk("sim", rec.time_s[a:b], rec.acc_mps2[a:b], rec.gyr_dps[a:b], counter[a:b], 0.0)


def _stream(engine: LiveEngine, sim: SimResult) -> None:
    engine.begin_stream(sim.params.rate_hz, "sim")


def _feed(engine: LiveEngine, sim: SimResult) -> None:
    for chunk in _notifications(sim):
        engine.feed(chunk)


def test_knee_to_wall_trials_calibration_and_the_stored_result(store: SessionStore) -> None:
    sim = simulate(
        SimParams(drill="knee-to-wall", seconds=60.0, seed=3, rate_hz=200.0, side="left", samples_per_packet=10)
    )
    engine = _engine(store)
    m = engine.m
    phases: list[str] = []
    m.calibration.changed.connect(lambda: phases.append(m.calibration.phase))
    test_changes: list[int] = []
    m.test.changed.connect(lambda: test_changes.append(len(m.test.state.trials["left"])))
    _stream(engine, sim)
    engine.start_test("left")  # before the calibration: the trials count once it is done
    _feed(engine, sim)

    # the guided calibration, as the Calibrate screen sees it
    assert phases[0] == "standing" and "drives" in phases and phases[-1] == "done"
    assert m.calibration.drives_seen == 2 and m.live.calibrated
    assert m.calibration.strap_rotation_deg is not None
    assert abs(m.calibration.strap_rotation_deg - sim.calibration["strap_rotation_deg"]) < 5.0
    assert engine.settings.strap_rotation_deg == m.calibration.strap_rotation_deg
    # every sample reached the ring; the radio's lost packets are counted from the sample counter
    c = m.connection
    counter = sim.recording.extra["sample_counter"]
    assert c.samples_received == len(sim.recording)
    assert c.samples_lost == int(counter[-1] - counter[0] + 1) - len(sim.recording) > 0
    # three trials, each the truth's peak within the bar; the test stopped by itself
    truth = [r["peak_tibial_inclination_deg"] for r in sim.counted_reps]
    st = m.test.state
    assert not st.running and len(st.trials["left"]) == 3 == len(truth)
    assert np.abs(np.array(st.trials["left"]) - truth).max() < 1.5
    assert test_changes[-1] == 3 and st.result is not None
    assert st.result["sides"]["left"]["angle_deg"] == pytest.approx(max(st.trials["left"]), abs=0.01)
    # the store has the session, with its samples, the calibration and the result
    (info,) = store.sessions()
    assert (info.drill, info.side, info.status) == ("knee-to-wall", "left", "finished")
    # from the start of the test to the notification that brought the third trial
    stored = store.reps(info.id)
    assert info.last_time_s is not None and 0.0 <= info.last_time_s - stored[-1]["emitted_s"] < 0.1
    assert info.samples == np.count_nonzero(sim.recording.time_s <= info.last_time_s)
    assert info.rate_hz == sim.params.rate_hz
    assert [round(r["peak_tibial_inclination_deg"], 1) for r in stored] == [round(x, 1) for x in st.trials["left"]]
    (row,) = store.test_results("left")
    assert row["angle_deg"] == pytest.approx(max(st.trials["left"]), abs=0.01)


def test_a_drill_counts_every_rep_beeps_the_hold_and_is_stored(store: SessionStore) -> None:
    sim = simulate(SimParams(drill="banded-mobilization", seconds=150.0, seed=1, rate_hz=104.0, samples_per_packet=10))
    engine = _engine(store)
    m = engine.m
    reps: list[dict[str, Any]] = []
    m.drill.rep_added.connect(reps.append)
    beeps: list[None] = []
    m.drill.hold_reached.connect(lambda: beeps.append(None))
    refreshes: list[None] = []
    m.history.refresh_requested.connect(lambda: refreshes.append(None))
    _stream(engine, sim)
    engine.m.test.state.side = sim.params.side
    chunks = _notifications(sim)
    for chunk in chunks:  # the calibration first, then the drill (the app says "calibrate first")
        engine.feed(chunk)
        if m.calibration.phase == "done":
            break
    engine.start_drill("banded-mobilization")
    assert m.drill.live.running and m.drill.live.phase == "waiting" and m.drill.live.target_hold_s == 2.0
    for chunk in chunks:
        engine.feed(chunk)
    counted = [r for r in reps if not r["partial"]]
    truth = sim.counted_reps
    assert len(counted) == len(truth) == m.drill.live.rep_count
    errors_deg = [
        r["peak_tibial_inclination_deg"] - t["peak_tibial_inclination_deg"] for r, t in zip(counted, truth, strict=True)
    ]
    assert np.abs(errors_deg).max() < 1.5
    assert m.drill.live.set_index == max(r["set"] for r in counted)
    # the hold ring filled on the reps held 2 s (the beep, once per rep)
    held = sum(1 for t in truth if t["hold_s"] >= 2.0 + 0.3)
    assert held <= len(beeps) <= len(truth)
    engine.stop_drill()
    assert not m.drill.live.running and refreshes
    (info,) = store.sessions()
    assert info.status == "finished" and info.summary is not None
    assert info.calibration is not None and info.rate_hz == sim.params.rate_hz
    assert info.calibration["strap_rotation_deg"] == pytest.approx(m.calibration.strap_rotation_deg, abs=0.01)
    assert info.summary["rep_count"] == len(truth) and info.summary["drill"] == "banded-mobilization"
    assert len(store.reps(info.id)) == len(reps)


def test_the_profile_in_settings_reaches_the_calf_raise_counter(store: SessionStore) -> None:
    """The person's foot sets the heel rise (issue 17: analyze and the app both used a 26 cm foot)."""
    sim = simulate(SimParams(drill="calf-raises", seconds=90.0, seed=2, rate_hz=104.0, samples_per_packet=10))
    rises: dict[float, list[float]] = {}
    for foot_cm in (20.0, 26.0, 32.0):
        engine = _engine(store, foot_cm)
        reps: list[dict[str, Any]] = []
        engine.m.drill.rep_added.connect(reps.append)
        _stream(engine, sim)
        engine.start_drill("calf-raises")
        _feed(engine, sim)
        engine.stop_drill()
        rises[foot_cm] = [r["rise_cm"] for r in reps if not r["partial"]]
    assert len(rises[26.0]) == len(sim.counted_reps) > 5
    short, mid, long_ = (np.array(rises[f]) for f in (20.0, 26.0, 32.0))
    assert np.all(short > mid) and np.all(mid > long_)
    # the simulated person's foot is 26 cm: that profile gives the true heel rise
    truth_cm = np.array([t["rise_cm"] for t in sim.counted_reps])
    assert np.abs(mid - truth_cm).max() < np.abs(short - truth_cm).max()


def test_nothing_runs_before_a_stream(store: SessionStore) -> None:
    engine = _engine(store)
    warnings: list[tuple[str, str]] = []
    engine.m.messages.warn.connect(lambda key, text: warnings.append((key, text)))
    engine.start_test("left")
    engine.start_drill("calf-raises")
    assert warnings == [(NO_SENSOR, "Connect a sensor first (Connect screen).")] * 2
    assert not engine.m.test.state.running and not engine.m.drill.live.running
    engine.end_stream()
    assert store.sessions() == []


def test_the_engine_needs_no_display_nor_qt_application(tmp_path: Path) -> None:
    """In a fresh interpreter with no display and no platform plugin chosen: no QApplication is ever made."""
    script = """
import os
from PySide6.QtCore import QCoreApplication
from dorsi.app.engine import LiveEngine
from dorsi.ui.models import NO_SENSOR, AppModels
from dorsi.ui.settings import AppSettings
from dorsi.virtual.sim import SimParams, simulate
from tests.app.test_engine import _notifications
sim = simulate(SimParams(drill="knee-to-wall", seconds=45.0, seed=5, rate_hz=52.0, samples_per_packet=10))
engine = LiveEngine(AppModels(), AppSettings(), None)
engine.begin_stream(52.0, "sim")
engine.start_test("left")
for chunk in _notifications(sim):
    engine.feed(chunk)
print(len(engine.m.test.state.trials["left"]), QCoreApplication.instance() is None)
"""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DORSI_CONFIG_DIR"] = str(tmp_path / "config")
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=100,
        check=True,
    )
    assert out.stdout.split() == ["3", "True"], out.stderr


def test_a_trial_closed_just_before_the_stop_is_kept(tmp_path: Path) -> None:
    """One sample a notification: the counter waits for a block of samples (under COUNTER_BLOCK_S: 6
    samples at 200 Hz). A test stopped on the sample a trial closed on still has that trial, on the card
    and in the store, wherever that sample falls in a block (the test starts 0 to COUNTER_BLOCK_S × rate
    samples later; no packet is lost, which would move the blocks' bounds)."""
    params = SimParams(drill="knee-to-wall", seconds=60.0, seed=3, rate_hz=200.0, side="left")
    sim = simulate(replace(params, samples_per_packet=1, packet_loss=0.0))
    whole = LiveSession(SessionSpec(rate_hz=200.0, side="left", drill="knee-to-wall"))
    first_close_s = next(e.time_s for e in whole.feed(sim.recording.chunk)[1] if e.kind == "rep")
    for shift in range(math.ceil(COUNTER_BLOCK_S * 200.0)):
        with SessionStore.open(tmp_path / f"sessions-{shift}.db") as store:
            engine = _engine(store)
            _stream(engine, sim)
            notifications = _notifications(sim)
            for chunk in itertools.islice(notifications, shift):
                engine.feed(chunk)
            engine.start_test("left")
            for chunk in notifications:
                engine.feed(chunk)
                if chunk.time_s[-1] >= first_close_s:
                    break
            st = engine.m.test.state
            engine.stop_test()
            assert not st.running and len(st.trials["left"]) == 1, shift
            (info,) = store.sessions()
            assert len(store.reps(info.id)) == 1 and info.summary is not None and info.summary["rep_count"] == 1


def _drill_cues(sim: SimResult, size: int) -> tuple[list[float], list[tuple[float, float]]]:
    """The simulated drill through the engine in notifications of ``size`` samples, started with the stream
    (the same samples reach the counter for every size): the time of the last sample of the notification
    that brought each hold-done cue, and each rep event's own time (the sample that completed it) beside
    the time of the notification that brought it to the models."""
    engine = _engine(None)
    m = engine.m
    rec = sim.recording
    counter = rec.extra["sample_counter"].astype(np.int64)
    now_s = [0.0]
    cues: list[float] = []
    brought: list[float] = []
    m.drill.hold_reached.connect(lambda: cues.append(now_s[0]))
    m.drill.rep_added.connect(lambda _rep: brought.append(now_s[0]))
    _stream(engine, sim)
    m.test.state.side = sim.params.side
    engine.start_drill(sim.params.drill)  # before the calibration: reps count once it is done
    for a in range(0, len(rec), size):
        b = min(a + size, len(rec))
        now_s[0] = float(rec.time_s[b - 1])
        engine.feed(SampleChunk("sim", rec.time_s[a:b], rec.acc_mps2[a:b], rec.gyr_dps[a:b], counter[a:b], 0.0))
    assert engine.session is not None and engine.session.counter is not None
    emitted = [r.emitted_s for r in engine.session.counter.reps]
    assert len(emitted) == len(brought)
    return cues, list(zip(emitted, brought, strict=True))


def test_the_hold_cue_and_reps_reach_the_models_within_a_counter_block_and_a_notification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The counter runs on COUNTER_BLOCK_S of samples at a time: the hold-done cue and each rep reach the
    models at most one counter block and one notification after the sample that completed them (banded
    mobilization's 2 s holds; 1-, 4- and 20-sample notifications at 208 Hz); the sample a hold completes on
    is found with the counter run on every sample."""
    import dorsi.session

    rate_hz = 208.0
    sim = simulate(SimParams(drill="banded-mobilization", seconds=90.0, seed=3, rate_hz=rate_hz, packet_loss=0.0))
    block_s = dorsi.session.COUNTER_BLOCK_S
    with monkeypatch.context() as mp:
        mp.setattr(dorsi.session, "COUNTER_BLOCK_S", 0.0)  # every sample counted as it comes
        completed_s, exact = _drill_cues(sim, 1)
    assert len(completed_s) >= 8 and len(exact) >= 8 and all(brought == emitted for emitted, brought in exact)
    for size in (1, 4, 20):
        bound_s = block_s + size / rate_hz + 1e-9
        cues, reps = _drill_cues(sim, size)
        assert [e for e, _ in reps] == [e for e, _ in exact], size  # the same reps, in order
        assert len(cues) == len(completed_s), size
        assert all(0.0 <= cue - done <= bound_s for cue, done in zip(cues, completed_s, strict=True)), size
        assert all(0.0 <= brought - emitted <= bound_s for emitted, brought in reps), size


def test_every_notification_reaches_the_plot_at_once_with_the_same_angles_and_store(store: SessionStore) -> None:
    """Each notification goes through the screen, the stages, the plot's ring and the store as it comes (its
    angles on the plot at once: the notification → angle latency is the engine's own time): 1-sample
    notifications leave the angles 20-sample ones give (to rounding) and the store keeps every sample bit for
    bit. A notification whose time goes back (a corrupt packet) is dropped by the screen and refused by the
    store alone, with a message saying what was wrong; the samples around it are kept."""
    sim = simulate(SimParams(drill="banded-mobilization", seconds=20.0, seed=4, rate_hz=208.0, packet_loss=0.0))
    rec = sim.recording
    counter = rec.extra["sample_counter"].astype(np.int64)
    bad = 1000  # this notification's time is a repeat of the one before (the store rejects it)
    rings: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    errors: list[str] = []
    for size, corrupt in ((1, False), (20, False), (1, True)):
        engine = _engine(store)
        engine.m.messages.error.connect(errors.append)
        _stream(engine, sim)
        engine.m.live.calibrated = True
        engine.start_drill("banded-mobilization")
        for a in range(0, len(rec), size):
            b = min(a + size, len(rec))
            t = rec.time_s[a:b].copy()
            if corrupt and a == bad:
                t[0] = rec.time_s[a - 1]
            engine.feed(SampleChunk("sim", t, rec.acc_mps2[a:b], rec.gyr_dps[a:b], counter[a:b], 0.0))
            behind = engine.m.connection.samples_received - engine.m.live.ring.total_written
            # (from the screen's first resync_n samples on: it holds a stream's start until they carry on; the
            # corrupt sample it drops is never on the plot)
            assert a < 100 or behind == (1 if corrupt and a >= bad else 0), (size, a)
        engine.end_stream()
        if not corrupt:
            rings[size] = engine.m.live.ring.window(60.0)
    # (the angles to rounding: a notification of 1-6 samples takes the scalar angle path, of 20 the array one)
    assert np.array_equal(rings[1][0], rings[20][0]) and np.allclose(rings[1][1], rings[20][1], rtol=0, atol=1e-12)
    assert len(errors) == 1 and "time_s must increase strictly" in errors[0]
    one, twenty, one_corrupt = (store.load_recording(info.id) for info in sorted(store.sessions(), key=lambda i: i.id))
    for clean in (one, twenty):
        assert np.array_equal(clean.time_s, rec.time_s) and np.array_equal(clean.gyr_dps, rec.gyr_dps)
    keep = np.arange(len(rec)) != bad
    assert np.array_equal(one_corrupt.time_s, rec.time_s[keep])
    assert np.array_equal(one_corrupt.acc_mps2, rec.acc_mps2[keep])
