"""A per-unit sensor profile (`dorsi sensor-calibrate`) applied live: `dorsi app --profile`, Settings.

The engine runs every chunk through the profile before the stages, as `dorsi analyze --profile` runs the
file; the store keeps the raw samples and says which profile was applied. Real parts: the engine, models,
settings, a SQLite store, the CLI, the Settings view and the app on the virtual sensor.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import qasync
from pytestqt.qtbot import QtBot

from dorsi.analysis import analyze_recording
from dorsi.app.engine import UNIT_KIND, LiveEngine
from dorsi.app.run import build
from dorsi.app.sources import VirtualHub
from dorsi.ble.decode import SampleChunk
from dorsi.cli.main import main
from dorsi.errors import InputError
from dorsi.io.profiles import SensorProfile, load_profile, save_profile
from dorsi.io.rawcsv import read_raw_csv, write_raw_csv
from dorsi.motion.sensor_calibration import UnitCalibration
from dorsi.motion.types import Recording
from dorsi.protocol.kinds import WITMOTION
from dorsi.store import SessionStore
from dorsi.store.models import SessionInfo
from dorsi.stored_analysis import ExportWithAngles
from dorsi.ui.models import AppModels
from dorsi.ui.settings import AppSettings
from dorsi.virtual.sim import SimParams, SimResult, simulate

from .helpers import wait_for

RATE_HZ = 200.0


@pytest.fixture(scope="module")
def sim() -> SimResult:
    # a WitMotion-class unit: its drawn accelerometer offsets and scale errors tilt every angle
    return simulate(
        SimParams(
            drill="knee-to-wall",
            seconds=60.0,
            seed=1001,
            rate_hz=RATE_HZ,
            side="left",
            samples_per_packet=10,
            sensor_profile="witmotion",
        )
    )


def _unit_profile(sim: SimResult) -> SensorProfile:
    """The unit's own errors, as a perfect bench calibration finds them (measured = scale · true + offset)."""
    s = sim.sensor
    unit = UnitCalibration(
        tuple(s["accel_bias_mps2"]),  # type: ignore[arg-type]
        tuple(s["scale"]["accel"]),  # type: ignore[arg-type]
        tuple(s["gyro_bias_dps"]),  # type: ignore[arg-type]
    )
    return SensorProfile(name="left shin unit", kind=WITMOTION.id, unit=unit)


def _notifications(rec: Recording, samples_per_packet: int) -> Iterator[SampleChunk]:
    counter = rec.extra["sample_counter"].astype(np.int64)
    packet = counter // samples_per_packet
    bounds = [0, *np.flatnonzero(np.diff(packet)) + 1, len(rec)]
    for a, b in itertools.pairwise(bounds):
        yield SampleChunk("sim", rec.time_s[a:b], rec.acc_mps2[a:b], rec.gyr_dps[a:b], counter[a:b], 0.0)


def _live(rec: Recording, profile: SensorProfile | None, store: SessionStore | None) -> LiveEngine:
    settings = AppSettings()
    settings.sensor_kind = WITMOTION
    engine = LiveEngine(AppModels(), settings, store)
    engine.set_unit_profile(profile)
    engine.begin_stream(RATE_HZ, "sim")
    engine.start_test("left")
    for chunk in _notifications(rec, 10):
        engine.feed(chunk)
    engine.end_stream()
    return engine


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    s = SessionStore.open(tmp_path / "sessions.db")
    yield s
    s.close()


def test_the_live_angles_with_a_unit_profile_are_analyze_profiles(
    sim: SimResult, store: SessionStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv, toml, angles = tmp_path / "kw.csv", tmp_path / "unit.toml", tmp_path / "angles.csv"
    write_raw_csv(csv, sim.recording)
    save_profile(toml, _unit_profile(sim))
    profile = load_profile(toml)
    rec = read_raw_csv(csv)  # the very samples analyze reads
    argv = ["analyze", str(csv), "--profile", str(toml), "--drill", "knee-to-wall", "--json"]
    assert main([*argv, "--samples-out", str(angles)]) == 0
    summary = json.loads(capsys.readouterr().out)
    offline = np.genfromtxt(angles, delimiter=",", names=True)["tibial_inclination_deg"]

    engine = _live(rec, profile, store)
    assert engine.m.connection.unit_calibration == "left shin unit"
    t_ring, v_ring = engine.m.live.ring.window(2 * sim.params.seconds)
    assert len(t_ring) == len(rec) == len(offline)
    # the angles once calibrated: to float noise against analyze --profile's own computation (live chunks and
    # the nominal rate vs one file at its measured rate: 6e-7° here, 4e-5° without any profile), and to the
    # 4 decimals --samples-out prints; the trials to the JSON's digits
    ref = analyze_recording(profile.apply(rec), drill="knee-to-wall", side="left", sensor_kind=WITMOTION.id)
    after = ref.after_calibration
    assert len(rec) - after.start > 0.7 * len(rec)
    assert np.max(np.abs(v_ring[after, 0] - ref.tibial_inclination_deg[after])) < 1e-5
    assert np.max(np.abs(v_ring[after, 0] - offline[after])) <= 0.5e-4 + 1e-5
    trials = engine.m.test.state.trials["left"]
    analyzed = summary["test"]["sides"]["left"]["trials_deg"]
    assert len(trials) == len(analyzed) == 3  # (each a peak of the angles above)
    assert np.max(np.abs(np.array(trials) - analyzed)) <= 0.005 + 1e-5  # printed to 0.01°
    # without the profile the same stream reads otherwise (the check above can fail), and further from the truth
    plain = _live(rec, None, None)
    _t, v_plain = plain.m.live.ring.window(2 * sim.params.seconds)
    assert np.max(np.abs(v_plain[after, 0] - offline[after])) > 0.3
    truth = np.array([r["peak_tibial_inclination_deg"] for r in sim.counted_reps])
    plain_err = np.abs(np.array(plain.m.test.state.trials["left"]) - truth).max()
    assert np.abs(np.array(trials) - truth).max() < plain_err

    # the store keeps the raw samples, and says which unit calibration was applied live
    (info,) = store.sessions()
    stored = store.load_recording(info.id)
    n = len(stored)
    assert n > 0 and np.array_equal(stored.acc_mps2, rec.acc_mps2[:n])  # from the test's start
    assert info.calibration is not None
    assert info.calibration["unit_calibration"]["name"] == "left shin unit"
    assert info.calibration["unit_calibration"]["acc_scale"] == list(profile.unit.acc_scale)

    # an export of the stored session recomputes its angles through the same profile: the live angles again
    exported = ExportWithAngles().derived_columns(stored, info)["tibial_inclination_deg"]
    live_after = np.arange(after.start, n)
    assert np.max(np.abs(exported[live_after] - v_ring[live_after, 0])) < 1e-3
    without = {k: v for k, v in info.calibration.items() if k != "unit_calibration"}
    raw_info = dataclasses.replace(info, calibration=without)
    unapplied = ExportWithAngles().derived_columns(stored, raw_info)["tibial_inclination_deg"]
    assert np.max(np.abs(unapplied[live_after] - v_ring[live_after, 0])) > 0.3  # (the check above can fail)


@pytest.mark.parametrize(
    ("unit", "says"),
    [
        ("left shin", "must be a table, not str"),
        ({"name": "u", "axes": [[1, 0, 0]]}, "axes must be three rows"),
        ({"name": "u", "axes": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "acc_scale": [1, None, 1]}, "acc_scale must be"),
        ({"name": "u", "axes": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "acc_offset_mps2": [0, float("nan"), 0]}, "finite"),
        ({"axes": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}, "needs a name"),
    ],
)
def test_a_damaged_stored_unit_calibration_is_one_named_line(sim: SimResult, unit: object, says: str) -> None:
    info = SessionInfo(
        id=7, profile_id=None, drill="knee-to-wall", side="left", started_at="", ended_at=None, status="finished",
        interrupted=False, source="live", source_file=None, sensor_id=None, firmware=None, rate_hz=RATE_HZ,
        app_version=None, calibration={"strap_rotation_deg": 0.0, "unit_calibration": unit}, summary=None,
        columns=[], samples=len(sim.recording), first_time_s=None, last_time_s=None,
    )  # fmt: skip
    with pytest.raises(InputError) as err:
        ExportWithAngles().derived_columns(sim.recording, info)
    text = str(err.value)
    assert text.startswith("session 7: calibration.unit_calibration: ") and says in text and "\n" not in text


def test_a_profile_for_another_kind_is_said(sim: SimResult) -> None:
    settings = AppSettings()  # the dorsi sensor, by default
    engine = LiveEngine(AppModels(), settings, None)
    warned: list[tuple[str, str]] = []
    engine.m.messages.warn.connect(lambda condition, text: warned.append((condition, text)))
    engine.set_unit_profile(_unit_profile(sim))
    engine.begin_stream(RATE_HZ, "sim")
    assert [c for c, _ in warned] == [UNIT_KIND] and "witmotion" in warned[0][1]


@pytest.mark.parametrize(
    ("content", "says"),
    [(None, "no such profile"), ("[sensor\nname = 1", "invalid TOML"), ("[axes]\nx = [1, 0, 0]\n", "needs a name")],
)
def test_app_profile_a_bad_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, says: str
) -> None:
    path = tmp_path / "unit.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["app", "--virtual", "--profile", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"dorsi: error: {path}: ") and says in err
    assert AppSettings().unit_profile == ""  # nothing stored


def test_the_settings_choice_persists_reaches_the_engine_and_the_status_line(
    sim: SimResult, tmp_path: Path, qtbot: QtBot, qloop: qasync.QEventLoop
) -> None:
    toml = tmp_path / "left-shin.toml"
    save_profile(toml, _unit_profile(sim))
    app = build(VirtualHub(6.0), use_store=False)
    qtbot.addWidget(app.window)
    view, engine, c = app.window.settings_view, app.controller.engine, app.models.connection
    assert view.unit_file.text() == "none" and not view.clear_unit.isEnabled() and engine.unit_profile is None

    view.set_unit_profile(str(toml))  # what the file dialog's choice does
    assert AppSettings().unit_profile == str(toml.resolve())  # stored: the next run has it
    assert view.unit_file.text() == "left-shin.toml" and view.clear_unit.isEnabled()
    assert engine.unit_profile is not None and engine.unit_profile.name == "left shin unit"

    async def scenario() -> None:
        await app.start()
        key = next(d.key for d in c.devices if d.kind == f"virtual {WITMOTION.id}")
        await app.controller.connect(key)
        await wait_for(c.changed, lambda: c.state == "streaming", 20, "streaming")
        assert "unit calibration: left shin unit" in app.window.badge.text()
        view.clear_unit.click()  # from the next connection on: none
        assert AppSettings().unit_profile == "" and engine.unit_profile is None
        assert view.unit_file.text() == "none"
        await app.controller.connect(key)
        await wait_for(c.changed, lambda: c.state == "streaming", 20, "streaming again")
        assert "unit calibration" not in app.window.badge.text()
        await app.close()

    qloop.run_until_complete(scenario())


def test_an_unusable_stored_choice_is_said_and_not_applied(tmp_path: Path, qtbot: QtBot) -> None:
    bad = tmp_path / "gone.toml"
    AppSettings().unit_profile = str(bad)
    app = build(VirtualHub(6.0), use_store=False)
    qtbot.addWidget(app.window)
    assert app.controller.engine.unit_profile is None
    assert f"Unit calibration not applied: {bad}: no such profile" in app.window.message_bar.alert_text()


def test_every_path_that_applies_a_unit_calibration_tells_the_heel_check(
    sim: SimResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # one flag per session (SessionSpec.unit_calibrated: the heel check's σ), set where the profile is applied
    unit = _unit_profile(sim)
    axes_only = dataclasses.replace(unit, unit=UnitCalibration())
    for profile, told in ((unit, True), (axes_only, False), (None, False)):
        engine = LiveEngine(AppModels(), AppSettings(), None)
        engine.set_unit_profile(profile)
        engine.begin_stream(RATE_HZ, "sim")
        assert engine.session is not None and engine.session.spec.unit_calibrated is told
    csv, toml = tmp_path / "kw.csv", tmp_path / "unit.toml"
    write_raw_csv(csv, sim.recording)
    seen: list[bool] = []

    def spy(*a: object, **k: object) -> object:
        seen.append(bool(k.get("unit_calibrated", False)))
        return real(*a, **k)

    import dorsi.analysis
    import dorsi.cli.analyze

    real = dorsi.analysis.analyze_recording
    for profile, told in ((unit, True), (axes_only, False)):
        save_profile(toml, profile)
        with mock.patch.object(dorsi.cli.analyze, "analyze_recording", spy):
            assert main(["analyze", str(csv), "--profile", str(toml), "--drill", "knee-to-wall", "--json"]) == 0
        assert seen.pop() is told
    with mock.patch.object(dorsi.cli.analyze, "analyze_recording", spy):
        assert main(["analyze", str(csv), "--drill", "knee-to-wall", "--json"]) == 0
    assert seen.pop() is False
    capsys.readouterr()
    info = SessionInfo(
        id=7, profile_id=None, drill="knee-to-wall", side="left", started_at="", ended_at=None, status="finished",
        interrupted=False, source="live", source_file=None, sensor_id=None, firmware=None, rate_hz=RATE_HZ,
        app_version=None, calibration={"strap_rotation_deg": 0.0, "unit_calibration": unit.as_dict()},
        summary=None, columns=[], samples=len(sim.recording), first_time_s=None, last_time_s=None,
    )  # fmt: skip
    with mock.patch.object(dorsi.analysis, "analyze_recording", spy):
        ExportWithAngles().derived_columns(sim.recording, info)
    assert seen == [True]
