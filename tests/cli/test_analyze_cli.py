"""`dorsi analyze` as a person runs it: JSON, per-sample output, one-line errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dorsi.cli.main import main
from dorsi.io.rawcsv import REQUIRED_COLUMNS, read_raw_csv
from dorsi.virtual.sim import SimParams, simulate, write_simulation


@pytest.fixture(scope="module")
def session_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "ktw.csv"
    write_simulation(simulate(SimParams(drill="knee-to-wall", seconds=45.0, seed=9, rate_hz=100.0)), out)
    return out


def test_json_summary(session_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(session_csv), "--json", "--side", "right"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("drill", "side", "duration_s", "sample_rate_hz", "gaps", "calibration", "max_tibial_inclination_deg"):
        assert key in out
    assert out["side"] == "right"
    assert out["sample_rate_hz"] == pytest.approx(100.0, rel=1e-3)
    assert out["calibration"]["found"] is True
    truth = json.loads(session_csv.with_suffix(".truth.json").read_text())
    assert out["calibration"]["strap_rotation_deg"] == pytest.approx(truth["calibration"]["strap_rotation_deg"], abs=3)
    assert out["gaps"]["missing_samples"] == truth["sensor"]["lost_samples"]


def test_samples_out_has_the_documented_columns(session_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "angles.csv"
    assert main(["analyze", str(session_csv), "--samples-out", str(out)]) == 0
    header = out.read_text().splitlines()[0].split(",")
    assert header[:7] == [
        "time_s",
        "tibial_inclination_deg",
        "frontal_tilt_deg",
        "quat_w",
        "quat_x",
        "quat_y",
        "quat_z",
    ]
    assert "medial_tilt_deg" in header
    data = np.loadtxt(out, delimiter=",", skiprows=1)
    assert len(data) == len(read_raw_csv(session_csv))
    truth = np.loadtxt(session_csv.with_suffix(".truth.csv"), delimiter=",", skiprows=1)
    col = header.index("tibial_inclination_deg")
    late = data[:, 0] > 25.0
    assert np.sqrt(np.mean((data[late, col] - truth[late, 1]) ** 2)) < 1.0


def test_human_readable_output(session_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(session_csv)]) == 0
    text = capsys.readouterr().out
    assert "strap rotation" in text and "max tibial inclination" in text


def _csv(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "bad.csv"
    p.write_text(",".join(REQUIRED_COLUMNS) + "\n" + body)
    return p


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("0,0,9.8,0,0,0,0\n0.01,0,x,0,0,0,0\n", "bad.csv:3: acc_y_mps2 is not a number"),
        ("0.02,0,9.8,0,0,0,0\n0.01,0,9.8,0,0,0,0\n", "bad.csv:3: time_s goes backwards"),
        ("".join(f"{i / 100:.2f},0,9.8,0,0,0,0\n" for i in range(200)), "too short to calibrate"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, needle: str
) -> None:
    assert main(["analyze", str(_csv(tmp_path, body))]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err
    assert err.count("\n") == 0 and "Traceback" not in err


def test_missing_file_and_unknown_drill(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "x.csv"), "--drill", "jumping-jacks"]) == 2
    assert "unknown drill 'jumping-jacks'" in capsys.readouterr().err


def test_a_file_cut_off_mid_line_is_analysed_with_one_warning(
    session_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = session_csv.read_text()
    cut = tmp_path / "cut.csv"
    cut.write_text(whole[: whole.rindex("\n", 0, len(whole) - 1) + 12])  # the recording stopped mid-write
    assert main(["analyze", str(session_csv), "--json", "--drill", "knee-to-wall"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert main(["analyze", str(cut), "--json", "--drill", "knee-to-wall"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    lines = whole.count("\n")
    cut_warnings = [w for w in out["warnings"] if "cut off" in w]
    assert len(cut_warnings) == 1
    assert cut_warnings[0].startswith(f"line {lines} is cut off (the file ends mid-line): ignored (")
    assert f"cut.csv: line {lines} is cut off" in captured.err
    assert out["rep_count"] == full["rep_count"] and out["samples"] == full["samples"] - 1


def test_file_without_calibration_warns_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = "".join(f"{i / 100:.2f},0,0,9.81,0,0,0\n" for i in range(1000))  # sensor flat on a bench
    assert main(["analyze", str(_csv(tmp_path, rows)), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["calibration"]["found"] is False
    warning_lines = captured.err.strip().splitlines()
    assert len(warning_lines) == 1 and "warning" in warning_lines[0] and "no calibration sequence" in warning_lines[0]


def test_knee_to_wall_uses_the_persons_lengths(session_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(session_csv), "--drill", "knee-to-wall", "--json"]) == 0
    default = json.loads(capsys.readouterr().out)["test"]["sides"]["left"]
    assert main(["analyze", str(session_csv), "--drill", "knee-to-wall", "--tibia-cm", "46", "--json"]) == 0
    tall = json.loads(capsys.readouterr().out)["test"]["sides"]["left"]
    assert tall["best_deg"] == default["best_deg"]
    assert tall["toe_to_wall_cm"] > default["toe_to_wall_cm"]  # a longer shin reaches further at the same angle
    assert main(["analyze", str(session_csv), "--drill", "knee-to-wall", "--foot-cm", "80"]) == 2
    assert "--foot-cm 80 is outside" in capsys.readouterr().err
