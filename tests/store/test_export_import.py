"""Export writes files people can use; export → import → export loses nothing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from dorsi.errors import InputError
from dorsi.io.rawcsv import read_raw_csv, write_raw_csv
from dorsi.store import SessionStore
from dorsi.store.export import HISTORY_FILENAME, export_all, export_session
from dorsi.store.importer import RECORDING_FORMAT, import_csv
from dorsi.stored_analysis import analyse_for_import

from .helpers import fake_recording, fake_summary


def _live_session(store: SessionStore, n: int = 900, side: str = "left", seed: int = 1) -> int:
    rec = fake_recording(n, seed=seed, t0_s=40.73)
    rec.time_s = rec.time_s + 3.3e-7  # a sensor clock between two microseconds
    derived = {"tibial_inclination_deg": np.round(np.linspace(-5, 42, n), 4), "quat_w": np.full(n, 0.5)}
    with store.begin_session(drill="knee-to-wall", side=side, sensor_id="DORSI-1", firmware="2.0") as w:
        w.append(rec.time_s, rec.acc_mps2, rec.gyr_dps, rec.extra["sample_counter"])
        w.finish(fake_summary(2, side=side), derived)
    return w.session_id


def test_samples_csv_is_raw_first_and_reads_as_raw_csv(tmp_path: Path) -> None:
    with SessionStore.open() as store:
        sid = _live_session(store)
        files = export_session(store, sid, tmp_path / "out")
        original = store.load_recording(sid)
    header = files.samples_csv.read_text().splitlines()[0].split(",")
    assert header[:9] == [
        "time_s",
        "acc_x_mps2",
        "acc_y_mps2",
        "acc_z_mps2",
        "gyr_x_dps",
        "gyr_y_dps",
        "gyr_z_dps",
        "sensor_time_s",
        "sample_counter",
    ]
    assert header[9:] == ["tibial_inclination_deg", "quat_w"]
    rec = read_raw_csv(files.samples_csv)
    # times from 0 at the session start; the sensor's clock in its own column (both to the µs)
    assert original.time_s[0] > 1.0 and rec.time_s[0] == 0.0
    np.testing.assert_allclose(rec.time_s, original.time_s - original.time_s[0], atol=1.5e-6)
    np.testing.assert_allclose(rec.extra["sensor_time_s"], original.time_s, atol=0.6e-6)
    np.testing.assert_array_equal(rec.acc_mps2, original.acc_mps2)
    np.testing.assert_array_equal(rec.gyr_dps, original.gyr_dps)
    with files.reps_csv.open() as fh:
        reps = list(csv.DictReader(fh))
    assert [r["index"] for r in reps] == ["0", "1"] and reps[1]["peak_tibial_inclination_deg"] == "39.5"
    assert [r["side"] for r in reps] == ["left", "left"]
    doc = json.loads(files.summary_json.read_text())
    assert doc["session"]["sensor_id"] == "DORSI-1" and doc["analysis"]["test"]["band"] == "adequate"


def test_export_import_export_round_trips_without_loss(tmp_path: Path) -> None:
    with SessionStore.open() as store:
        sid = _live_session(store)
        first = export_session(store, sid, tmp_path / "a")
        a, ra, da, reps_a = store.session(sid), store.load_recording(sid), store.derived_columns(sid), store.reps(sid)
    with SessionStore.open(tmp_path / "other.db") as store:  # another person's dorsi
        result = import_csv(store, first.samples_csv)
        assert result.from_dorsi_export and result.analyzed and result.samples == 900
        b = store.session(result.session_id)
        for field in ("drill", "side", "started_at", "sensor_id", "firmware", "samples", "summary", "columns"):
            assert getattr(a, field) == getattr(b, field), field
        assert (b.source, b.calibration) == (a.source, a.calibration)
        assert store.reps(result.session_id) == reps_a
        assert [r["toe_to_wall_cm"] for r in store.test_results()] == [11.2]
        rb = store.load_recording(result.session_id)
        for x, y in ((ra.time_s, rb.time_s), (ra.acc_mps2, rb.acc_mps2), (ra.gyr_dps, rb.gyr_dps)):
            np.testing.assert_allclose(x, y, atol=0.6e-6, rtol=0)  # the CSV keeps µs, 1e-5 m/s², 1e-4 °/s
        db = store.derived_columns(result.session_id)
        assert list(da) == list(db)
        for k in da:
            np.testing.assert_array_equal(da[k], db[k])
        second = export_session(store, result.session_id, tmp_path / "b")
    for one, two in zip(first.files, second.files, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name


def test_importing_the_same_samples_again_is_refused_in_one_line(tmp_path: Path) -> None:
    with SessionStore.open() as store:
        sid = _live_session(store)
        first = export_session(store, sid, tmp_path / "a")
        with pytest.raises(InputError, match=f"already stored as session {sid}; nothing imported"):
            import_csv(store, first.samples_csv)  # the export of a live session, back into its own store
        other = import_csv(store, first.samples_csv, allow_duplicate=True).session_id
        plain = tmp_path / "plain.csv"
        write_raw_csv(plain, store.load_recording(sid), {"sample_counter": "%d"})
        with pytest.raises(InputError, match="already stored as session"):
            import_csv(store, plain, drill="knee-to-wall", side="left")  # another clock origin, same samples
        assert [s.id for s in store.sessions()] == [sid, other]
        assert len(store.test_results()) == 2


def test_foreign_raw_csv_imports_with_extra_columns_and_analysis(tmp_path: Path) -> None:
    rec = fake_recording(2400, seed=5)
    rec.extra["temperature_c"] = np.round(np.linspace(20, 21, 2400), 3)
    path = tmp_path / "other_app.csv"
    write_raw_csv(path, rec, {"temperature_c": "%.3f", "sample_counter": "%d"})
    with SessionStore.open() as store:
        result = import_csv(store, path, drill="squat-rocks", side="right", analyse=analyse_for_import)
        info = store.session(result.session_id)
        back = store.load_recording(result.session_id)
        assert info.columns[7:] == ["sample_counter", "temperature_c"]
        np.testing.assert_array_equal(back.extra["temperature_c"], rec.extra["temperature_c"])
        np.testing.assert_array_equal(back.acc_mps2, rec.acc_mps2)
        assert result.analyzed, result.note
        assert "tibial_inclination_deg" in store.derived_columns(result.session_id)
        # raw only, on request: the samples are kept, the analysis is not invented
        raw_only = import_csv(store, path, drill="squat-rocks", side="right", allow_duplicate=True)
        assert not raw_only.analyzed and store.derived_columns(raw_only.session_id) == {}


def test_import_needs_drill_and_side_without_a_dorsi_summary(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    write_raw_csv(path, fake_recording(100))
    with SessionStore.open() as store:
        with pytest.raises(InputError, match="--drill NAME --side"):
            import_csv(store, path)
        with pytest.raises(InputError, match="no such file"):
            import_csv(store, tmp_path / "missing.csv", drill="d", side="left")
        assert store.sessions() == []


def test_dorsi_record_sidecar_fills_in_drill_side_start_and_sensor(tmp_path: Path) -> None:
    rec = fake_recording(1200, seed=7)
    path = tmp_path / "rec.csv"
    write_raw_csv(path, rec, {"sample_counter": "%d"})
    meta = {
        "format": RECORDING_FORMAT,
        "dorsi_version": "9.9",
        "sensor": {"address": "AA:BB:CC:DD:EE:FF", "name": "dorsi", "kind": "dorsi"},
        "drill": "calf-raises",
        "side": "right",
        "started_at_utc": "2026-11-20T08:00:00+00:00",
        "rate_hz": 200.0,
        "interrupted": False,
        "sensor_lost": True,
    }
    path.with_suffix(".json").write_text(json.dumps(meta))
    with SessionStore.open() as store:
        info = store.session(import_csv(store, path).session_id)
        assert (info.drill, info.side, info.sensor_id) == ("calf-raises", "right", "AA:BB:CC:DD:EE:FF")
        assert info.started_at == "2026-11-20T08:00:00+00:00" and info.interrupted
        # what is said on the command line wins over the sidecar
        again = import_csv(store, path, drill="squat-rocks", allow_duplicate=True)
        assert store.session(again.session_id).drill == "squat-rocks"
    # a damaged sidecar is ignored, not fatal: the samples matter more
    path.with_suffix(".json").write_text("{not json")
    with SessionStore.open(tmp_path / "b.db") as store, pytest.raises(InputError, match="say which drill and side"):
        import_csv(store, path)


def test_history_csv_lists_every_test_result(tmp_path: Path) -> None:
    with SessionStore.open() as store:
        _live_session(store, side="left", seed=1)
        _live_session(store, side="right", seed=2)
        done, history = export_all(store, tmp_path / "all")
    assert len(done) == 2 and history.name == HISTORY_FILENAME
    with history.open() as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["side"], r["angle_deg"], r["toe_to_wall_cm"], r["band"]) for r in rows] == [
        ("left", "40.5", "11.2", "adequate"),
        ("right", "40.5", "11.2", "adequate"),
    ]
    assert all(len(r["date"]) == 10 for r in rows)


def test_imported_knee_to_wall_reaches_the_history(tmp_path: Path) -> None:
    """The real analysis result (one entry per side under "sides") becomes a history row."""
    from dorsi.analysis import analyze_recording
    from dorsi.virtual.sim import SimParams, simulate, write_simulation

    src = tmp_path / "ktw.csv"
    write_simulation(simulate(SimParams(drill="knee-to-wall", seconds=60.0, seed=3, rate_hz=100.0)), src)
    expected = analyze_recording(read_raw_csv(src), drill="knee-to-wall", side="right").test
    assert expected is not None
    with SessionStore.open() as store:
        import_csv(store, src, drill="knee-to-wall", side="right", analyse=analyse_for_import)
        _, history = export_all(store, tmp_path / "out")
    with history.open() as fh:
        rows = list(csv.DictReader(fh))
    best = expected["sides"]["right"]
    assert [(r["side"], float(r["angle_deg"]), float(r["toe_to_wall_cm"]), r["band"]) for r in rows] == [
        ("right", pytest.approx(best["best_deg"]), pytest.approx(best["toe_to_wall_cm"]), best["band"])
    ]
