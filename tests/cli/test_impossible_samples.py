"""Impossible samples in a file are corrupt samples: dropped, counted, never fed to the filter (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dorsi.cli.main import main
from dorsi.virtual.sim import SimParams, simulate, write_simulation

LINE = 702  # the corrupt packet's line in the 60 s knee-to-wall recording


def _strict(text: str) -> Any:
    def refuse(const: str) -> None:
        raise ValueError(f"not JSON: {const}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def clean_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "ktw.csv"
    write_simulation(simulate(SimParams(drill="knee-to-wall", seconds=60.0, seed=3, rate_hz=200.0)), out)
    return out


def _analyze(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    rc = main(["analyze", str(path), "--drill", "knee-to-wall", "--json"])
    cap = capsys.readouterr()
    return rc, (_strict(cap.out) if rc == 0 else {}), cap.err


def _corrupt(src: Path, dst: Path, column: str, value: str, line: int = LINE) -> Path:
    lines = src.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1 if line > 0 else len(lines) + line].split(",")
    cells[header.index(column)] = value
    lines[line - 1 if line > 0 else len(lines) + line] = ",".join(cells)
    dst.write_text("\n".join(lines) + "\n")
    return dst


@pytest.mark.parametrize(
    ("column", "value", "line"),
    [
        ("acc_x_mps2", "1e300", LINE),  # the corrupt packet: 34.0° became 30.8°, exit 0, no warning
        ("acc_y_mps2", "1e6", LINE),  # lost a trial
        ("gyr_z_dps", "1e9", LINE),  # accepted as a rotation
        ("time_s", "1e300", -1),  # the last time: missing_samples overflowed, NaN in the JSON
    ],
)
def test_a_corrupt_value_is_dropped_counted_and_the_result_unchanged(
    clean_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str, value: str, line: int
) -> None:
    rc, clean, _ = _analyze(clean_csv, capsys)
    assert rc == 0 and clean["gaps"]["dropped_samples"] == 0
    rc, bad, err = _analyze(_corrupt(clean_csv, tmp_path / "bad.csv", column, value, line), capsys)
    assert rc == 0
    best, best_clean = bad["test"]["sides"]["left"], clean["test"]["sides"]["left"]
    assert len(best["trials_deg"]) == len(best_clean["trials_deg"]) == 3
    assert best["best_deg"] == pytest.approx(best_clean["best_deg"], abs=0.2)
    assert best["band"] == best_clean["band"]
    assert bad["gaps"]["dropped_samples"] == 1
    assert bad["gaps"]["missing_samples"] <= clean["gaps"]["missing_samples"] + 1
    assert any("dropped 1 impossible sample" in w for w in bad["warnings"])
    assert "dropped 1 impossible sample" in err and "RuntimeWarning" not in err


def test_a_recording_of_absurd_duration_is_bad_input(
    clean_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The clock jumps a million seconds mid-file and carries on from there: not a recording of drills."""
    lines = clean_csv.read_text().splitlines()
    col = lines[0].split(",").index("time_s")
    for i in range(LINE - 1, len(lines)):
        cells = lines[i].split(",")
        cells[col] = f"{float(cells[col]) + 1e6:.6f}"
        lines[i] = ",".join(cells)
    path = tmp_path / "absurd.csv"
    path.write_text("\n".join(lines) + "\n")
    rc, _, err = _analyze(path, capsys)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "over 24 h" in err
