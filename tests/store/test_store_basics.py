"""The store keeps what it is given: samples bit for bit, analysis rows, permissions, schema."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest

from dorsi.errors import InputError, StorageError
from dorsi.store import SessionStore
from dorsi.store.codec import CODEC_RAW, CODEC_SHUFFLE, decode, encode
from dorsi.store.schema import SCHEMA_VERSION, migrate

from .helpers import fake_recording, fake_summary


@pytest.mark.parametrize("codec", [CODEC_RAW, CODEC_SHUFFLE])
def test_codec_is_lossless(codec: int) -> None:
    rng = np.random.default_rng(0)
    m = rng.normal(size=(257, 8)) * 1e3
    m[3, 2] = np.nan
    back = decode(encode(m, codec), 257, 8, codec)
    np.testing.assert_array_equal(back.view(np.uint64), m.view(np.uint64))


@pytest.mark.parametrize("threaded", [True, False])
def test_writer_round_trips_chunks_of_any_size(threaded: bool) -> None:
    rec = fake_recording(1234)
    with SessionStore.open() as store:
        w = store.begin_session(drill="knee_to_wall", side="left", sensor_id="S1", firmware="1.0", rate_hz=200)
        for a, b in [(0, 1), (1, 100), (100, 101), (101, 1000), (1000, 1234)]:
            w.append(rec.time_s[a:b], rec.acc_mps2[a:b], rec.gyr_dps[a:b], rec.extra["sample_counter"][a:b])
        w.finish()
        info = store.session(w.session_id)
        back = store.load_recording(w.session_id)
    assert info.status == "finished" and not info.interrupted
    assert info.samples == 1234 and info.sensor_id == "S1" and info.firmware == "1.0"
    np.testing.assert_array_equal(back.time_s, rec.time_s)
    np.testing.assert_array_equal(back.acc_mps2, rec.acc_mps2)
    np.testing.assert_array_equal(back.gyr_dps, rec.gyr_dps)
    np.testing.assert_array_equal(back.extra["sample_counter"], rec.extra["sample_counter"])
    assert info.duration_s == pytest.approx(1233 / 200)


def test_finish_stores_analysis_reps_and_test_results() -> None:
    rec = fake_recording(600)
    derived = {"tibial_inclination_deg": np.linspace(0, 40, 600), "quat_w": np.ones(600)}
    with SessionStore.open() as store:
        with store.begin_session(drill="knee_to_wall", side="right") as w:
            w.append(rec.time_s, rec.acc_mps2, rec.gyr_dps, rec.extra["sample_counter"])
            w.finish(fake_summary(3, side="right"), derived)
        assert [r["index"] for r in store.reps(w.session_id)] == [0, 1, 2]
        (result,) = store.test_results()
        assert result["side"] == "right" and result["angle_deg"] == 40.5
        assert result["toe_to_wall_cm"] == 11.2 and result["band"] == "adequate"
        got = store.derived_columns(w.session_id)
        assert list(got) == ["tibial_inclination_deg", "quat_w"]
        np.testing.assert_array_equal(got["tibial_inclination_deg"], derived["tibial_inclination_deg"])
        info = store.session(w.session_id)
        assert info.calibration == {"strap_rotation_deg": 3.5, "standing_inclination_deg": 1.0}
        assert info.to_json()["rep_count"] == 3


def test_derived_column_of_wrong_length_is_refused_and_nothing_half_written() -> None:
    rec = fake_recording(100)
    with SessionStore.open() as store:
        sid = store.add_recording(rec, drill="d", side="left")
        with pytest.raises(InputError, match="has 99 values"):
            store.save_analysis(sid, fake_summary(), {"x": np.zeros(99)})
        assert store.reps(sid) == [] and store.derived_columns(sid) == {}


def test_exception_inside_with_block_keeps_samples_as_interrupted() -> None:
    rec = fake_recording(300)
    with SessionStore.open() as store:
        with pytest.raises(RuntimeError), store.begin_session(drill="d", side="left") as w:
            w.append(rec.time_s, rec.acc_mps2, rec.gyr_dps, rec.extra["sample_counter"])
            raise RuntimeError("sensor exploded")
        info = store.session(w.session_id)
    assert info.interrupted and info.status == "interrupted" and info.samples == 300


def test_bad_chunks_are_input_errors() -> None:
    with SessionStore.open() as store, store.begin_session(drill="d", side="left") as w:
        with pytest.raises(InputError, match=r"expected \(2, 3\)"):
            w.append([0.0, 0.1], np.zeros((2, 2)), np.zeros((2, 3)))
        w.append([0.0, 0.1], np.zeros((2, 3)), np.zeros((2, 3)))
        with pytest.raises(InputError, match="increase strictly"):
            w.append([0.1, 0.2], np.zeros((2, 3)), np.zeros((2, 3)))
        with pytest.raises(InputError, match="finite"):
            w.append([0.3], [[np.nan, 0, 0]], np.zeros((1, 3)))
    with SessionStore.open() as store:
        assert store.sessions()[0].samples == 2
        with pytest.raises(InputError, match="side must be left or right"):
            store.begin_session(drill="d", side="middle")
        with pytest.raises(InputError, match="no session 99"):
            store.session(99)


def test_files_are_private() -> None:
    with SessionStore.open() as store, store.begin_session(drill="d", side="left") as w:
        w.append([0.0], np.zeros((1, 3)), np.zeros((1, 3)))
        w.flush()
        folder = store.path.parent
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for p in folder.iterdir():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SessionStore.open(path).close()
    with sqlite3.connect(path) as c:
        c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(StorageError, match="newer dorsi"):
        SessionStore.open(path)
    assert path.read_bytes() == before


def test_migrations_run_in_order_and_once(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    steps = ("CREATE TABLE a (x INTEGER);", "ALTER TABLE a ADD COLUMN y TEXT; CREATE TABLE b (z);")
    assert migrate(conn, steps[:1]) == (0, 1)
    assert migrate(conn, steps) == (1, 2)
    assert migrate(conn, steps) == (2, 2)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(a)")]
    assert cols == ["x", "y"]
    conn.close()


def test_profiles() -> None:
    with SessionStore.open() as store:
        pid = store.add_profile("Ana", dominant_side="right", tibia_length_cm=38.0, foot_length_cm=25.5)
        (p,) = store.profiles()
        assert (p.id, p.name, p.dominant_side, p.tibia_length_cm) == (pid, "Ana", "right", 38.0)
        with pytest.raises(InputError, match="outside"):
            store.add_profile("Bo", tibia_length_cm=400)


def test_data_dir_comes_from_env() -> None:
    with SessionStore.open() as store:
        assert store.path == Path(os.environ["DORSI_DATA_DIR"]) / "sessions.db"
