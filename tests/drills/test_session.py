"""The live session: one description of the session, the stages it runs, the registry behind its counter."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dorsi.analysis import analyze_recording
from dorsi.cli.main import main
from dorsi.drills.catalog import SIGNALS, catalog
from dorsi.drills.kneewall import Profile
from dorsi.drills.lowering import heel_rise_cm
from dorsi.drills.segmenters import SEGMENTERS
from dorsi.errors import InputError
from dorsi.motion.pipeline import ShinFrames
from dorsi.session import COUNTER_BLOCK_S, LiveSession, SessionSpec
from dorsi.virtual.sim import SimParams, simulate, write_simulation


def test_every_signal_has_a_segmenter() -> None:
    assert set(SEGMENTERS) == set(SIGNALS) >= {d.signal for d in catalog().values()}


def test_a_session_description_is_checked_once() -> None:
    with pytest.raises(ValueError, match="rate_hz"):
        SessionSpec(rate_hz=0.0)
    with pytest.raises(ValueError, match="side"):
        SessionSpec(rate_hz=100.0, side="middle")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unknown drill"):
        SessionSpec(rate_hz=100.0, drill="jumping-jacks")


def test_analyze_uses_the_profiles_foot_for_the_heel_rise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 17: the counter took a 26 cm foot whatever the profile said. The simulated person's foot
    is 26 cm: with it the heel rise is the truth's; a shorter foot lifts the heel further for the same
    rise of the shin (the foot pitches more), a longer one less."""
    sim = simulate(SimParams(drill="calf-raises", seconds=90.0, seed=6, rate_hz=104.0))
    rises = {}
    for foot_cm in (20.0, 26.0, 32.0):
        result = analyze_recording(sim.recording, drill="calf-raises", profile=Profile(foot_cm=foot_cm))
        reps = [r for r in result.reps if not r["partial"]]
        assert len(reps) == len(sim.counted_reps) > 5
        for r in reps:  # each rep's heel rise is its shin rise through this foot
            expected = float(heel_rise_cm(np.asarray(r["shin_rise_cm"]), foot_cm))
            assert r["rise_cm"] == pytest.approx(expected, abs=0.02)
        rises[foot_cm] = np.array([r["rise_cm"] for r in reps])
    assert np.all(rises[20.0] > rises[26.0]) and np.all(rises[26.0] > rises[32.0])
    truth_cm = np.array([t["rise_cm"] for t in sim.counted_reps])
    assert np.abs(rises[26.0] - truth_cm).max() < 0.5 < np.abs(rises[20.0] - truth_cm).max()
    # and through the command line's --foot-cm
    out = tmp_path / "calf.csv"
    write_simulation(sim, out)
    assert main(["analyze", str(out), "--drill", "calf-raises", "--foot-cm", "20", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["rise_cm"] for r in doc["reps"] if not r["partial"]] == pytest.approx(rises[20.0], abs=0.01)


def test_a_drill_on_a_running_stream_takes_its_calibration_and_profile() -> None:
    sim = simulate(SimParams(drill="banded-mobilization", seconds=120.0, seed=2, rate_hz=104.0))
    chunk = sim.recording.chunk
    session = LiveSession(SessionSpec(rate_hz=104.0, side=sim.params.side))
    cal_end = int(np.searchsorted(chunk.time_s, sim.calibration["end_s"] + 1.0))
    frames, events = session.feed(chunk.slice(0, cal_end))
    assert events == [] and session.counter is None and session.calibration is not None
    assert frames.calibrated[-1] and not frames.calibrated[0]
    counter = session.start_drill("banded-mobilization", sim.params.side, Profile(foot_cm=24.0))
    assert counter.calibration is session.calibration and counter.foot_cm == 24.0
    assert session.spec.drill == "banded-mobilization" and session.spec.profile.foot_cm == 24.0
    _, events = session.feed(chunk.slice(cal_end, len(chunk)))
    assert len([e for e in events if e.kind == "rep"]) == len(sim.counted_reps)
    assert session.stop_drill() is counter and session.counter is None and session.spec.drill is None
    # the stream goes on without a counter
    assert session.feed(chunk.slice(0, 10))[1] == []


def test_analyze_counts_from_the_start_when_there_is_no_calibration() -> None:
    """A file without the calibration sequence: counted from its start, the strap taken as straight."""
    sim = simulate(SimParams(drill="squat-rocks", seconds=70.0, seed=8, rate_hz=100.0, strap_rotation_deg=0.0))
    rec = sim.recording
    after = int(np.searchsorted(rec.time_s, sim.calibration["end_s"] + 0.5))
    cut = type(rec)(rec.time_s[after:], rec.acc_mps2[after:], rec.gyr_dps[after:])
    result = analyze_recording(cut, drill="squat-rocks")
    assert result.calibration is None and any("no calibration" in w for w in result.warnings)
    assert result.summary()["rep_count"] == len(sim.counted_reps) > 5


def test_one_sample_notifications_count_the_same_reps_within_a_display_frame() -> None:
    """The counter runs on a display frame's samples at a time (COUNTER_BLOCK_S): fed one sample a
    notification, a session reports the reps of the whole file, each no later than one frame (and the
    sample that completes it) after the sample it closed on; the angles come with every notification."""
    rate_hz = 208.0
    sim = simulate(SimParams(drill="banded-mobilization", seconds=60.0, seed=3, rate_hz=rate_hz))
    chunk = sim.recording.chunk
    spec = SessionSpec(rate_hz=rate_hz, side=sim.params.side, drill="banded-mobilization")
    whole = LiveSession(spec)
    whole_events = whole.feed(chunk)[1] + whole.finish()
    live = LiveSession(spec)
    reported: list[tuple[float, float]] = []  # (the event's sample time, the time of the sample that brought it)
    events = []
    for i in range(len(chunk)):
        frames, new = live.feed(chunk.slice(i, i + 1))
        assert len(frames) == 1 and frames.time_s[0] == chunk.time_s[i]
        events += new
        reported += [(e.time_s, float(chunk.time_s[i])) for e in new]
    events += live.finish()
    assert len([e for e in whole_events if e.kind == "rep"]) == len(sim.counted_reps) > 5
    assert [(e.kind, e.time_s, e.rep.as_dict()) for e in events] == [
        (e.kind, e.time_s, e.rep.as_dict()) for e in whole_events
    ]
    delays_s = [brought - closed for closed, brought in reported]
    assert len(reported) == len(events) and max(delays_s) <= COUNTER_BLOCK_S + 1.0 / rate_hz + 1e-9


def test_an_empty_notification_holds_nothing_back() -> None:
    """A notification whose samples were all dropped (the sample screen) gives empty frames: the counter
    goes on counting a display frame at a time after it."""
    rate_hz = 208.0
    sim = simulate(SimParams(drill="banded-mobilization", seconds=60.0, seed=3, rate_hz=rate_hz))
    chunk = sim.recording.chunk
    spec = SessionSpec(rate_hz=rate_hz, side=sim.params.side, drill="banded-mobilization")
    live = LiveSession(spec)
    reps = 0
    for i in range(len(chunk)):
        if i % 50 == 0:
            assert live.feed(chunk.slice(i, i))[1] == []
        reps += sum(e.kind == "rep" for e in live.feed(chunk.slice(i, i + 1))[1])
    assert reps == len(sim.counted_reps) > 5  # every rep reported while streaming, none left for finish()


def test_few_sample_notifications_through_the_calibration_give_the_files_frames_and_reps() -> None:
    """Notifications of 2-6 samples go sample by sample in plain floats, the calibration included, and the
    frames waiting for the counter are joined from the pipeline's float rows (or by concatenation once a
    larger notification joins them): the frames and the reps are the whole file's, bit for bit (the angles
    to an ulp: math.atan2 on floats against numpy's on arrays, as for 1-sample notifications)."""
    rate_hz = 208.0
    sim = simulate(SimParams(drill="calf-raises", seconds=60.0, seed=1013, rate_hz=rate_hz))
    chunk = sim.recording.chunk
    spec = SessionSpec(rate_hz=rate_hz, side=sim.params.side, drill="calf-raises")
    whole = LiveSession(spec)
    whole_frames, whole_events = whole.feed(chunk)
    whole_events += whole.finish()
    assert whole.calibration is not None
    assert len([e for e in whole_events if e.kind == "rep"]) == len(sim.counted_reps) > 5
    for sizes in ([2], [5], [1, 2, 7, 3, 1, 1, 6]):  # the last: rows, then a batch notification in one block
        live = LiveSession(spec)
        frames, events, i, k = [], [], 0, 0
        while i < len(chunk):
            n = sizes[k % len(sizes)]
            f, new = live.feed(chunk.slice(i, i + n))
            frames.append(f)
            events += new
            i, k = i + n, k + 1
        events += live.finish()
        assert live.calibration == whole.calibration
        joined = ShinFrames.concatenate(frames)
        for name in ShinFrames.__dataclass_fields__:
            a, b = getattr(joined, name), getattr(whole_frames, name)
            assert a.dtype == b.dtype and a.shape == b.shape, (sizes, name)
            if name in ("tibial_inclination_deg", "frontal_tilt_deg"):
                assert np.max(np.abs(a - b)) < 1e-12, (sizes, name)
            else:
                assert np.array_equal(a, b), (sizes, name)
        assert [(e.kind, e.time_s, e.rep.as_dict()) for e in events] == [
            (e.kind, e.time_s, e.rep.as_dict()) for e in whole_events
        ]
