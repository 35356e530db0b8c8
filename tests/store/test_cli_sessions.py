"""`dorsi sessions`, `dorsi export`, `dorsi import` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dorsi.cli.main import main
from dorsi.io.rawcsv import write_raw_csv
from dorsi.store import SessionStore

from .helpers import fake_recording, fake_summary


def test_sessions_json_lists_the_required_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    with SessionStore.open() as store:
        rec = fake_recording(401)
        w = store.begin_session(drill="knee-to-wall", side="right", threaded=False)
        w.append(rec.time_s, rec.acc_mps2, rec.gyr_dps, rec.extra["sample_counter"])
        w.abort()  # cut off: the next start marks it interrupted
    assert main(["sessions", "--json"]) == 0
    (s,) = json.loads(capsys.readouterr().out)
    assert {k: s[k] for k in ("id", "drill", "side", "samples", "interrupted")} == {
        "id": 1,
        "drill": "knee-to-wall",
        "side": "right",
        "samples": 401,
        "interrupted": True,
    }
    assert s["duration_s"] == pytest.approx(2.0) and s["started_at"]
    assert main(["sessions"]) == 0
    out = capsys.readouterr().out
    assert "knee-to-wall" in out and "[interrupted: the recording stopped without finishing" in out


def test_import_then_export_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "in.csv"
    write_raw_csv(csv_path, fake_recording(1200))
    assert main(["import", str(csv_path), "--drill", "calf-raises", "--side", "left"]) == 0
    assert "as session 1 (1200 samples)" in capsys.readouterr().out
    with SessionStore.open() as store:
        sid = store.add_recording(fake_recording(300), drill="knee-to-wall", side="right", summary=fake_summary())
    out = tmp_path / "export"
    assert main(["export", "--all", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 7 and "dorsi_history.csv" in names
    assert main(["export", str(sid), "--out", str(tmp_path / "one")]) == 0
    printed = capsys.readouterr().out.split()
    assert [Path(p).name.rsplit("_", 1)[1] for p in printed[-3:]] == ["samples.csv", "reps.csv", "summary.json"]
    samples = np.loadtxt(printed[-3], delimiter=",", skiprows=1)
    assert samples.shape[0] == 300


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import", "missing.csv", "--drill", "knee-to-wall", "--side", "left"], "no such file"),
        (["import", "IN", "--drill", "moonwalk", "--side", "left"], "unknown drill 'moonwalk'"),
        (["import", "IN"], "--drill NAME --side"),
        (["export", "42", "--out", "OUT"], "there is no session 42"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    write_raw_csv(tmp_path / "in.csv", fake_recording(50))
    argv = [str(tmp_path / "in.csv") if a == "IN" else str(tmp_path / "o") if a == "OUT" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err and err.startswith("dorsi: error: ")
    assert not (tmp_path / "o").exists()
