"""`--json` is JSON: every sub-command's --json output on representative and corrupt inputs parses
with a strict parser (no NaN, no Infinity). tests/strict_json.py checks every other --json output of
the suite the same way, as it is produced."""

from __future__ import annotations

from pathlib import Path

import pytest

from dorsi.cli.main import main
from dorsi.virtual.sim import SimParams, simulate, write_simulation
from tests.strict_json import SEEN, check_json_output, strict_loads


@pytest.mark.parametrize("text", ["NaN", '{"a": Infinity}', "[1, -Infinity]", '{"a": 1}\n{"b": NaN}'])
def test_the_checker_refuses_what_is_not_json(text: str) -> None:
    with pytest.raises(AssertionError):
        check_json_output(text)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("json")
    out = {"clean": d / "ktw.csv", "short": d / "short.csv"}
    write_simulation(simulate(SimParams(drill="knee-to-wall", seconds=40.0, seed=4, rate_hz=100.0)), out["clean"])
    write_simulation(simulate(SimParams(drill="calf-raises", seconds=6.0, seed=4, rate_hz=52.0)), out["short"])
    lines = out["clean"].read_text().splitlines()
    header = lines[0].split(",")
    for name, col, value, at in [
        ("acc", "acc_x_mps2", "1e300", 702),
        ("gyr", "gyr_z_dps", "1e9", 900),
        ("time", "time_s", "1e300", len(lines)),
    ]:
        bad = list(lines)
        cells = bad[at - 1].split(",")
        cells[header.index(col)] = value
        bad[at - 1] = ",".join(cells)
        out[name] = d / f"{name}.csv"
        out[name].write_text("\n".join(bad) + "\n")
    return out


def test_every_json_output_parses_strictly(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen_before = SEEN[0]
    runs = [
        ["analyze", str(files["clean"]), "--json"],
        ["analyze", str(files["clean"]), "--json", "--drill", "knee-to-wall", "--offline"],
        ["analyze", str(files["clean"]), "--json", "--drill", "calf-raises", "--strap-rotation", "180"],
        ["analyze", str(files["short"]), "--json", "--strap-rotation", "-45", "--drill", "calf-raises"],
        *(["analyze", str(files[k]), "--json", "--drill", "knee-to-wall"] for k in ("acc", "gyr", "time")),
    ]
    for name in ("clean", "acc", "gyr", "time"):
        assert main(["import", str(files[name]), "--drill", "knee-to-wall", "--side", "left"]) in (0, 2)
    capsys.readouterr()
    runs += [["sessions", "--json"], ["devices", "--virtual", "--timeout", "2", "--json"]]
    for argv in runs:
        assert main(argv) == 0, argv
        out = capsys.readouterr().out
        assert out.strip(), argv
        for line in out.strip().splitlines() if argv[0] == "devices" else [out]:
            strict_loads(line)
    assert SEEN[0] - seen_before == len(runs)  # the suite-wide check saw each of them too
    # decode prints JSON lines always
    assert main(["decode", "--format", "witmotion", "55 61" + " 00" * 18]) == 0
    for line in capsys.readouterr().out.strip().splitlines():
        strict_loads(line)
