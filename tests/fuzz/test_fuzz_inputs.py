"""Fuzz (hypothesis): the CSV reader, sidecar JSON and every numeric CLI argument never end in an internal error.

Fast (a few hundred examples, well under 30 s of work); benchmarks/bench_fuzz.py runs the long version.
Each run of the CLI must end in 0, 1 (a device or storage problem) or 2 (bad input), with at most one
line on stderr, never "internal error" or a traceback, and never a value stored that breaks a later command.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsi.errors import InputError
from dorsi.io.rawcsv import parse_raw_csv
from tests.fuzz.inputs import (
    NUMERIC_ARGUMENTS,
    cli_run,
    csv_texts,
    data_dir,
    exported_session,
    fill,
    json_values,
    mutate,
    number_texts,
    sidecar_paths,
    strict_json,
)

FAST = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@settings(max_examples=150, deadline=None)
@given(text=csv_texts())
def test_the_csv_reader_returns_samples_or_one_input_error(text: str) -> None:
    try:
        rec = parse_raw_csv(text, "fuzz.csv")
    except InputError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 400, str(exc)
    else:
        assert len(rec) >= 1


@FAST
@given(text=csv_texts())
def test_import_of_any_csv_is_stored_or_refused_in_one_line(tmp_path: Path, text: str) -> None:
    case = Path(tempfile.mkdtemp(dir=tmp_path))
    path = case / "f.csv"
    path.write_text(text, encoding="utf-8", newline="")
    with data_dir(case / "data"):
        rc, out, err = cli_run(["import", str(path), "--drill", "knee-to-wall", "--side", "left", "--no-analysis"])
        assert rc in (0, 2), err
        rc, out, err = cli_run(["sessions", "--json"])
        assert rc == 0, err
        strict_json(out)


@FAST
@given(data=st.data())
def test_import_of_a_fuzzed_sidecar_is_checked_field_by_field(tmp_path: Path, data: st.DataObject) -> None:
    case = Path(tempfile.mkdtemp(dir=tmp_path))
    samples, summary = exported_session(case / "src")
    doc = json.loads(summary.read_text())
    path = data.draw(sidecar_paths(doc))
    value: Any = data.draw(json_values())
    summary.write_text(json.dumps(mutate(doc, path, value)))
    with data_dir(case / "data"):
        rc, _, err = cli_run(["import", str(samples)])
        assert rc in (0, 2), err
        # whatever was stored, every reader of the store still works
        assert cli_run(["sessions"])[0] == 0
        rc, out, err = cli_run(["sessions", "--json"])
        assert rc == 0, err
        if strict_json(out):
            assert cli_run(["export", "--all", "--out", str(case / "again")])[0] == 0, "re-export failed"


def test_a_sidecar_rep_with_a_null_index_imports_in_order(tmp_path: Path) -> None:
    """Found by the fuzz above: a null index (allowed: optional) broke the import with a TypeError."""
    samples, summary = exported_session(tmp_path / "src")
    doc = json.loads(summary.read_text())
    assert doc["analysis"]["reps"], "the exported session has reps"
    summary.write_text(json.dumps(mutate(doc, ("analysis", "reps", 0, "index"), None)))
    with data_dir(tmp_path / "data"):
        rc, _, err = cli_run(["import", str(samples)])
        assert rc == 0, err
        rc, out, err = cli_run(["sessions", "--json"])
        assert rc == 0, err
        assert strict_json(out)


@pytest.mark.parametrize(("argv", "slot"), NUMERIC_ARGUMENTS, ids=[f"{a[0]} {a[i - 1]}" for a, i in NUMERIC_ARGUMENTS])
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=number_texts())
def test_every_numeric_cli_argument_is_taken_or_refused_in_one_line(
    tmp_path: Path, argv: list[str], slot: int, value: str
) -> None:
    args = fill(argv, value, tmp_path)
    rc, out, err = cli_run(args)
    assert rc in (0, 1, 2), (args, err)
    if "--json" in args and rc == 0:
        strict_json(out)
