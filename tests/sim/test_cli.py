"""`dorsi simulate` through dorsi.cli.main.main."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dorsi.cli.main import main
from dorsi.io.rawcsv import read_raw_csv


def test_simulate_writes_three_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "k2w.csv"
    rc = main(["simulate", "--drill", "knee-to-wall", "--seconds", "60", "--seed", "3", "--out", str(out)])
    assert rc == 0
    line = capsys.readouterr().out.strip()
    assert "samples" in line and "lost" in line and "reps" in line and "strap rotation" in line
    rec = read_raw_csv(out)
    assert "sample_counter" in rec.extra and abs(rec.rate_hz - 200.0) < 1e-6
    truth = np.loadtxt(tmp_path / "k2w.truth.csv", delimiter=",", skiprows=1)
    assert truth.shape == (len(rec), 8)
    assert np.allclose(truth[:, 0], rec.time_s)
    doc = json.loads((tmp_path / "k2w.truth.json").read_text())
    assert doc["params"]["drill"] == "knee-to-wall"
    assert len(doc["reps"]) == 3 and doc["truncated_reps"] == []
    assert {"strap_rotation_deg", "standing_inclination_deg", "end_s", "drive_peak_deg"} <= set(doc["calibration"])
    assert doc["sensor"]["lost_samples"] == 12000 - len(rec)
    assert not list(tmp_path.glob("*.part"))


def test_events_and_options(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    args = ["simulate", "--drill", "calf-raises", "--seconds", "30", "--rate", "100", "--side", "right"]
    args += ["--strap-rotation", "-20", "--packet-loss", "0", "--events", "tap,pause", "--out", str(out)]
    assert main(args) == 0
    doc = json.loads((tmp_path / "x.truth.json").read_text())
    assert doc["params"]["events"] == ["tap", "pause"] and doc["params"]["side"] == "right"
    assert doc["calibration"]["strap_rotation_deg"] == -20.0
    assert len(read_raw_csv(out)) == 3000


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--drill", "nope", "--seconds", "10"], "valid drills: knee-to-wall"),
        (["--drill", "knee-to-wall", "--seconds", "0"], "seconds must be a positive"),
        (["--drill", "knee-to-wall", "--seconds", "-3"], "seconds must be a positive"),
        (["--drill", "knee-to-wall", "--seconds", "10", "--rate", "10"], "rate must be within"),
        (["--drill", "knee-to-wall", "--seconds", "10", "--rate", "2000"], "rate must be within"),
        (["--drill", "knee-to-wall", "--seconds", "10", "--side", "up"], "side"),
        (["--drill", "knee-to-wall", "--seconds", "10", "--events", "sneeze"], "unknown event"),
        (["--drill", "knee-to-wall", "--seconds", "10", "--packet-loss", "1.5"], "packet loss"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    rc = main(["simulate", *args, "--out", str(tmp_path / "o.csv")])
    err = capsys.readouterr().err
    assert rc == 2
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o.csv").exists()


def test_unwritable_output_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["simulate", "--drill", "clamshell", "--seconds", "5", "--out", str(tmp_path / "no" / "o.csv")])
    err = capsys.readouterr().err
    assert rc == 1 and "cannot write" in err and err.count("\n") == 1
    rc = main(["simulate", "--drill", "clamshell", "--seconds", "5", "--out", str(tmp_path)])
    assert rc == 1 and "cannot write" in capsys.readouterr().err
