"""Import stores nothing unchecked: each bad sidecar field is one line naming it, exit 2, nothing stored."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dorsi.cli.main import main
from dorsi.store import SessionStore
from dorsi.store.export import export_session
from dorsi.store.paths import default_db_path

from .helpers import fake_recording, fake_summary


def _exported(tmp_path: Path) -> tuple[Path, Path]:
    """One live knee-to-wall session exported from a separate database; (samples csv, summary json)."""
    rec = fake_recording(600, seed=3, t0_s=12.5)
    with SessionStore.open(tmp_path / "source.db") as store:
        with store.begin_session(drill="knee-to-wall", side="left", sensor_id="S1") as w:
            w.append(rec.time_s, rec.acc_mps2, rec.gyr_dps, rec.extra["sample_counter"])
            w.finish(fake_summary(2))
        files = export_session(store, w.session_id, tmp_path / "export")
    return files.samples_csv, files.summary_json


BAD_FIELDS: list[tuple[str, Any, str]] = [
    ("analysis.test.toe_to_wall_cm", "abc", "must be a number"),
    ("analysis.test.toe_to_wall_cm", 1e9, "must be between"),
    ("analysis.test.band", 42, "must be text"),
    ("analysis.reps[0].start_s", "soon", "must be a number"),
    ("analysis.reps[0].index", 1.5, "whole number"),
    ("analysis.rep_count", -3, "must be between"),
    ("analysis.reps", {"a": 1}, "must be a list"),
    ("analysis", [1, 2], "must be an object"),
    ("session.started_at", "yesterday", "not an ISO 8601"),
    ("session.started_at", "2026-01-01T10:00:00", "lacks a time zone"),
    ("session.started_at", "1970-01-01T00:00:00+00:00", "not a date a recording can have"),
    ("session.ended_at", "2000-01-01T00:00:00+00:00", "before the start"),
    ("session.rate_hz", "fast", "must be a number"),
    ("session.rate_hz", -200, "must be between"),
    ("session.rate_hz", True, "must be a number"),
    ("session.drill", "moonwalk", "not a drill dorsi knows"),
    ("session.drill", 7, "must be text"),
    ("session.side", "middle", "must be one of left, right"),
    ("session.interrupted", "no", "must be true or false"),
    ("session.sensor_id", ["x"], "must be text"),
    ("session.calibration", "flat", "must be an object"),
    ("session", None, "must be an object"),
    ("columns.derived", "tibial_inclination_deg", "must be a list"),
    ("format_version", 99, "must be between"),
]


def _set(doc: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.replace("[0]", ".0").split(".")
    for k in keys[:-1]:
        doc = doc[int(k)] if k.isdigit() else doc[k]  # type: ignore[index]
    last = keys[-1]
    if last.isdigit():
        doc[int(last)] = value  # type: ignore[index]
    else:
        doc[last] = value


@pytest.mark.parametrize(("field", "value", "says"), BAD_FIELDS, ids=[f"{f}={v!r}" for f, v, _ in BAD_FIELDS])
def test_a_bad_sidecar_field_is_named_in_one_line_and_nothing_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: Any, says: str
) -> None:
    csv_path, summary = _exported(tmp_path)
    doc = json.loads(summary.read_text())
    _set(doc, field, value)
    summary.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["import", str(csv_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and field in err and says in err, err
    assert main(["sessions", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_nan_in_a_sidecar_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path, summary = _exported(tmp_path)
    summary.write_text(summary.read_text().replace('"rate_hz": 200.0', '"rate_hz": NaN'))
    assert main(["import", str(csv_path)]) == 2
    assert "NaN is not a JSON number" in capsys.readouterr().err


def test_a_bad_recording_sidecar_field_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dorsi.io.rawcsv import write_raw_csv

    path = tmp_path / "rec.csv"
    write_raw_csv(path, fake_recording(400))
    meta = {"format": "dorsi-recording", "drill": "knee-to-wall", "side": "left", "rate_hz": "x"}
    path.with_suffix(".json").write_text(json.dumps(meta))
    assert main(["import", str(path), "--no-analysis"]) == 2
    assert "rate_hz must be a number" in capsys.readouterr().err


def test_import_twice_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path, _ = _exported(tmp_path)
    assert main(["import", str(csv_path)]) == 0
    capsys.readouterr()
    assert main(["import", str(csv_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already stored as session 1" in err
    with SessionStore.open() as store:
        assert len(store.sessions()) == 1 and len(store.test_results()) == 1


def test_sessions_lists_even_odd_stored_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rows written by an older dorsi without checks (a cm that is text) still list."""
    rec = fake_recording(300)
    with SessionStore.open() as store:
        sid = store.add_recording(rec, drill="knee-to-wall", side="left")
    summary = {"test": {"toe_to_wall_cm": "abc", "band": 3}, "rep_count": "many"}
    with sqlite3.connect(default_db_path()) as conn:
        conn.execute("UPDATE sessions SET summary = ?, started_at = 'garbage' WHERE id = ?", (json.dumps(summary), sid))
    assert main(["sessions"]) == 0
    assert "knee-to-wall" in capsys.readouterr().out
    assert main(["sessions", "--json"]) == 0


@pytest.mark.parametrize("arg", ["99999999999999999999999", "-1", "0", "abc", "1e3"])
def test_export_of_an_impossible_session_id_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arg: str
) -> None:
    assert main(["export", arg, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dorsi: error:") and "Traceback" not in err


def test_export_all_lists_every_file_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with SessionStore.open() as store:
        for seed in (1, 2):
            store.add_recording(fake_recording(300, seed=seed), drill="knee-to-wall", side="left")
    out = tmp_path / "all"
    assert main(["export", "--all", "--out", str(out)]) == 0
    listed = sorted(capsys.readouterr().out.split())
    assert listed == sorted(str(p) for p in out.iterdir()) and len(listed) == 7


def test_live_session_exports_angles_and_reps_with_side_and_cm(tmp_path: Path) -> None:
    """A session the app stored without per-sample angles: the export computes them (CLI lends the analysis)."""
    from dorsi.io.rawcsv import read_raw_csv
    from dorsi.virtual.sim import SimParams, simulate

    sim = simulate(SimParams(drill="knee-to-wall", seconds=60.0, seed=4, rate_hz=100.0)).recording
    with SessionStore.open() as store, store.begin_session(drill="knee-to-wall", side="right") as w:
        w.append(sim.time_s + 40.73, sim.acc_mps2, sim.gyr_dps, sim.extra["sample_counter"])
        summary = fake_summary(2, side="right")
        summary["reps"][0]["start_s"] = 41.73
        w.finish(summary)
    out = tmp_path / "x"
    assert main(["export", str(w.session_id), "--out", str(out)]) == 0
    samples = next(out.glob("*_samples.csv"))
    rec = read_raw_csv(samples)
    assert rec.time_s[0] == 0.0 and rec.extra["sensor_time_s"][0] == pytest.approx(40.73)
    for col in ("tibial_inclination_deg", "frontal_tilt_deg", "quat_w", "quat_x", "quat_y", "quat_z"):
        assert col in rec.extra and np.all(np.isfinite(rec.extra[col])), col
    assert np.nanmax(rec.extra["tibial_inclination_deg"]) > 20.0
    reps = next(out.glob("*_reps.csv")).read_text().splitlines()
    head = reps[0].split(",")
    assert head[:2] == ["index", "side"] and "toe_to_wall_cm" in head
    first = dict(zip(head, reps[1].split(","), strict=False))
    assert first["side"] == "right" and first["start_s"] == "1" and float(first["toe_to_wall_cm"]) > 0
    doc = json.loads(next(out.glob("*_summary.json")).read_text())
    assert "tibial_inclination_deg" in doc["columns"]["derived"]


def test_files_are_user_only_and_a_planted_link_is_not_followed(tmp_path: Path) -> None:
    from dorsi.errors import StorageError
    from dorsi.io.files import write_private_atomic

    os.umask(0)
    try:
        target = tmp_path / "out.csv"
        victim = tmp_path / "victim.txt"
        victim.write_text("keep me")
        os.symlink(victim, tmp_path / "out.csv.part")
        with pytest.raises(StorageError, match="not a regular file"):
            write_private_atomic(target, ["a,b\n"])
        assert victim.read_text() == "keep me" and not target.exists()
        os.unlink(tmp_path / "out.csv.part")
        # a stale .part from a killed export (a regular file) is cleaned and replaced
        (tmp_path / "out.csv.part").write_bytes(b"x" * 1000)
        write_private_atomic(target, ["a,b\n"])
        assert target.read_text() == "a,b\n" and not (tmp_path / "out.csv.part").exists()
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    finally:
        os.umask(0o022)


def test_a_killed_exports_stale_part_is_cleaned_by_the_next_export(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    out.mkdir()
    stale = out / "dorsi_20260101-000000_s9_knee_to_wall_left_samples.csv.part"
    stale.write_bytes(b"0" * 100_000)
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = out / "dorsi_history.csv.part"  # another export at work right now: left alone
    fresh.write_bytes(b"x")
    with SessionStore.open() as store:
        sid = store.add_recording(fake_recording(100), drill="knee-to-wall", side="left")
        export_session(store, sid, out)
    assert not stale.exists() and fresh.exists()


def test_cm_model_is_stored_with_each_result_and_old_rows_are_marked(tmp_path: Path) -> None:
    from dorsi.store.schema import MIGRATIONS, migrate

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, MIGRATIONS[:2])
    conn.execute(
        "INSERT INTO sessions (drill, side, started_at, status, columns) VALUES"
        " ('knee-to-wall', 'left', '2026-01-01T00:00:00+00:00', 'finished', '[]')"
    )
    conn.execute(
        "INSERT INTO test_results (session_id, taken_at, side, angle_deg, toe_to_wall_cm, data)"
        " VALUES (1, '2026-01-01T00:00:00+00:00', 'left', 40, 11, '{}')"
    )
    conn.close()
    summary = fake_summary(0)
    summary["test"]["model"] = "d = (tibia + 4 cm)·sinθ + 5 cm·cosθ − 0.75·foot"
    with SessionStore.open(db) as store:
        sid = store.add_recording(fake_recording(100), drill="knee-to-wall", side="left", summary=summary)
        rows = store.test_results()
    assert [(r["session_id"], r["cm_model"]) for r in rows] == [(1, "unversioned"), (sid, summary["test"]["model"])]
    assert (db.parent / "old.db.bak-v2").is_file()  # the copy kept before the migration


def test_every_output_is_user_only_even_at_umask_000(tmp_path: Path) -> None:
    """simulate, analyze --samples-out and export: 0600 whatever the umask (they were 0666 at umask 000)."""
    sim = tmp_path / "sim.csv"
    old = os.umask(0)
    try:
        assert main(["simulate", "--drill", "knee-to-wall", "--seconds", "30", "--out", str(sim)]) == 0
        angles = tmp_path / "angles.csv"
        assert main(["analyze", str(sim), "--drill", "knee-to-wall", "--samples-out", str(angles)]) in (0, 2)
        assert main(["import", str(sim), "--drill", "knee-to-wall", "--side", "left", "--no-analysis"]) == 0
        assert main(["export", "--all", "--out", str(tmp_path / "exp")]) == 0
    finally:
        os.umask(old)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".csv", ".json")]
    assert len(written) >= 7, written
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in written}
    assert set(modes.values()) == {"0o600"}, modes
