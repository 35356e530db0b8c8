"""Each command imports only what it uses: no simulator, radio or Qt for help or analysis."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dorsi.cli.main import COMMANDS, build_parser
from dorsi.virtual.sim import SimParams, simulate, write_simulation

HEAVY = ("dorsi.virtual.sim", "bleak", "bumble", "PySide6", "dorsi.ble", "dorsi.app", "dorsi.ui")
PROBE = """
import json, sys
from dorsi.cli.main import main
try:
    rc = main(sys.argv[1:])
except SystemExit as exc:
    rc = exc.code
heavy = sorted(h for h in HEAVY if any(m == h or m.startswith(h + '.') for m in sys.modules))
print(json.dumps({"rc": rc, "heavy": heavy}), file=sys.stderr)
"""


def _modules_after(*args: str) -> dict[str, object]:
    code = f"HEAVY = {HEAVY!r}\n{PROBE}"
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    return dict(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def short_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "short.csv"
    write_simulation(simulate(SimParams(drill="banded-mobilization", seconds=40.0, seed=3, rate_hz=100.0)), out)
    return out


@pytest.mark.parametrize("args", [["--help"], [], ["analyze", "--help"], ["decode", "--help"]])
def test_help_imports_no_simulator_radio_or_qt(args: list[str]) -> None:
    got = _modules_after(*args)
    assert got["rc"] in (0, 2)
    assert got["heavy"] == []


def test_analyze_with_a_drill_imports_no_simulator_radio_or_qt(short_csv: Path) -> None:
    got = _modules_after("analyze", str(short_csv), "--drill", "banded-mobilization", "--json")
    assert got == {"rc": 0, "heavy": []}


def test_the_listed_help_is_each_modules_own() -> None:
    full = build_parser()  # every module registers its parsers
    sub = next(a for a in full._actions if a.dest == "command")
    registered = {a.dest: a.help for a in sub._get_subactions()}
    assert registered == {name: help_text for name, _, help_text in COMMANDS}


def _modules_after_plain_analyze(csv: Path) -> str:
    """`dorsi analyze CSV --json` in a fresh interpreter: the sorted names of the modules it loaded."""
    code = (
        "import sys; from dorsi.cli.main import main; rc = main(sys.argv[1:]); "
        "print(rc, sorted(sys.modules), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "analyze", str(csv), "--json"], capture_output=True, text=True, timeout=120
    )
    rc, _, loaded = done.stderr.strip().splitlines()[-1].partition(" ")
    assert rc == "0"
    return loaded


def test_analyze_without_a_drill_imports_no_rep_counter(short_csv: Path) -> None:
    loaded = _modules_after_plain_analyze(short_csv)
    assert "dorsi.drills.counter" not in loaded and "dorsi.drills.segment" not in loaded, loaded
    assert "dorsi.drills.catalog" in loaded  # the probe sees the package's light modules, so it would see the rest


def test_plain_analyze_imports_no_decoders_profiles_or_resource_machinery(short_csv: Path) -> None:
    """Sensor kinds (their decoders), sensor profiles (TOML, unit calibration), pathlib and importlib.resources
    (zipfile, tempfile, ...) are loaded only by what uses them: not by `analyze FILE` alone."""
    loaded = _modules_after_plain_analyze(short_csv)
    for name in ("'dorsi.protocol.kinds'", "'dorsi.io.profiles'", "'importlib.resources'", "'zipfile'", "'pathlib'"):
        assert name not in loaded, name
    assert "'dorsi.io.rawcsv'" in loaded  # the probe sees what was imported
