"""The command line's edges (issue 19): one line and exit 2 for bad values, never an internal error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dorsi.cli.main import main
from dorsi.protocol.dorsi_v1 import parse_battery, parse_version
from dorsi.protocol.errors import DecodeError
from dorsi.virtual.sim import SimParams, simulate, write_simulation


@pytest.fixture(scope="module")
def ktw_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "ktw.csv"
    write_simulation(simulate(SimParams(drill="knee-to-wall", seconds=45.0, seed=9, rate_hz=100.0)), out)
    return out


def _one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "internal error" not in err
    return err


def test_knee_to_wall_with_no_trial_says_so(ktw_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The calibration only, analysed as a knee-to-wall test: best_deg is None (was an internal error)."""
    truth = json.loads(ktw_csv.with_suffix(".truth.json").read_text())
    cut_s = (truth["calibration"]["end_s"] + truth["reps"][0]["start_s"]) / 2  # before the first trial
    lines = ktw_csv.read_text().splitlines()
    head = tmp_path / "calibration_only.csv"
    head.write_text("\n".join(line for line in lines if line[0].isalpha() or float(line.split(",")[0]) < cut_s))
    assert main(["analyze", str(head), "--drill", "knee-to-wall"]) == 0
    out = capsys.readouterr().out
    assert "knee-to-wall left: no trial found" in out
    assert main(["analyze", str(head), "--drill", "knee-to-wall", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["test"]["sides"]["left"]["best_deg"] is None


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e9", "180.5", "-181", "abc"])
def test_a_strap_rotation_outside_180_degrees_is_refused(
    ktw_csv: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    err = _one_line_exit_2(["analyze", str(ktw_csv), f"--strap-rotation={value}", "--json"], capsys)
    assert "--strap-rotation" in err


@pytest.mark.parametrize(("option", "value"), [("--tibia-cm", "abc"), ("--tibia-cm", "nan"), ("--foot-cm", "inf")])
def test_a_body_length_that_is_not_a_number_is_one_line(
    ktw_csv: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    assert option in _one_line_exit_2(["analyze", str(ktw_csv), f"{option}={value}"], capsys)


def test_a_given_strap_rotation_is_reported_as_given(ktw_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(ktw_csv), "--strap-rotation", "-170"]) == 0
    out = capsys.readouterr().out
    assert "strap rotation -170.0° as given" in out and "not found" not in out
    assert main(["analyze", str(ktw_csv), "--strap-rotation", "25.5", "--json"]) == 0
    cal = json.loads(capsys.readouterr().out)["calibration"]
    assert cal == {"found": False, "given": True, "strap_rotation_deg": 25.5}


@pytest.mark.parametrize("seed", ["-1", "1.5", "x", str(2**64)])
def test_simulate_refuses_a_bad_seed_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: str) -> None:
    out = tmp_path / "s.csv"
    argv = ["simulate", "--drill", "knee-to-wall", "--seconds", "10", f"--seed={seed}", "--out", str(out)]
    assert "--seed" in _one_line_exit_2(argv, capsys)
    assert not out.exists()


def test_simulate_refuses_a_bad_strap_rotation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--drill", "knee-to-wall", "--seconds", "10", "--strap-rotation", "nan", "--out"]
    assert "--strap-rotation" in _one_line_exit_2([*argv, str(tmp_path / "s.csv")], capsys)


def test_samples_out_cannot_replace_the_input(
    ktw_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "in.csv"
    copy.write_bytes(ktw_csv.read_bytes())
    alias = tmp_path / "sub" / ".." / "in.csv"
    (tmp_path / "sub").mkdir()
    for out in (copy, alias):
        assert "--samples-out" in _one_line_exit_2(["analyze", str(copy), "--samples-out", str(out)], capsys)
    assert copy.read_bytes() == ktw_csv.read_bytes()


def test_no_raw_numpy_warning_reaches_stderr(ktw_csv: Path, tmp_path: Path) -> None:
    """Extreme values everywhere a column allows one: the user sees dorsi's lines, never numpy's."""
    lines = ktw_csv.read_text().splitlines()
    header = lines[0].split(",")
    for i, (col, value) in enumerate(
        [("acc_x_mps2", "1e155"), ("acc_y_mps2", "-1e200"), ("gyr_x_dps", "1e155"), ("gyr_y_dps", "-1.7e308")]
    ):
        for line in range(500 + 40 * i, 520 + 40 * i):
            cells = lines[line].split(",")
            cells[header.index(col)] = value
            lines[line] = ",".join(cells)
    path = tmp_path / "extreme.csv"
    path.write_text("\n".join(lines) + "\n")
    proc = subprocess.run(
        [sys.executable, "-W", "default", "-m", "dorsi", "analyze", str(path), "--drill", "knee-to-wall", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr and ".py:" not in proc.stderr
    assert "dropped 80 impossible samples" in proc.stderr


@pytest.mark.parametrize("payload", [None, 3, "abc", [1, 2, 3], 1.5])
def test_protocol_parsers_raise_decode_error_on_non_bytes(payload: object) -> None:
    for parse in (parse_battery, parse_version):
        with pytest.raises(DecodeError):
            parse(payload)
