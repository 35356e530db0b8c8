"""`dorsi report` and `dorsi reliability` as a person runs them: files, output, one-line errors with exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dorsi.cli.main import main
from dorsi.stats import reliability
from dorsi.store import SessionStore

from .helpers import START, seed_program, store_test


@pytest.fixture
def prog() -> Any:
    with SessionStore.open() as store:
        return seed_program(store)


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("dorsi: error: "), err
    assert "Traceback" not in err and "internal error" not in err
    return err


def test_report_writes_pdf_and_html(prog: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: Any) -> None:
    for name in ("r.pdf", "r.html"):
        assert main(["report", "--out", str(tmp_path / name)]) == 0
        out = capsys.readouterr().out
        assert out.strip() == f"wrote {tmp_path / name} (test of 2026-04-13, sessions 7, 8)"
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
    assert "Knee-to-wall test report" in (tmp_path / "r.html").read_text()


def test_report_bad_input_is_one_line_and_exit_2(prog: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t, pdf = prog.tests, str(tmp_path / "r.pdf")
    cases = [
        (["report", "99", "--out", pdf], "there is no session 99"),
        (["report", str(prog.drills[2]), "--out", pdf], "banded-mobilization session, not a knee-to-wall test"),
        (["report", str(t[0]["left"]), str(t[1]["left"]), "--out", pdf], "both left sides"),
        (["report", str(t[0]["left"]), str(t[1]["right"]), "--out", pdf], "not one test (taken 21 days apart)"),
        (["report", str(t[0]["left"]), str(prog.other_person[0]), "--out", pdf], "different people"),
        (["report", "1", "2", "4", "--out", pdf], "one session per side), 3 sessions given"),
        (["report", "--out", str(tmp_path / "r.docx")], "written as FILE.pdf or FILE.html"),
        (["report", "--out", str(tmp_path / "nowhere" / "r.pdf")], "does not exist"),
        (["report", "--out", str(tmp_path)], "FILE.pdf or FILE.html"),
    ]
    for argv, message in cases:
        assert message in one_line_error(capsys, argv)
    assert not list(tmp_path.glob("*.pdf*"))  # nothing written, not even a .part


def test_report_of_an_empty_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(capsys, ["report", "--out", str(tmp_path / "r.pdf")])
    assert "no knee-to-wall test in the store yet" in err


def test_same_sessions_same_pdf_in_any_time_zone(prog: Any, tmp_path: Path) -> None:
    """Two fresh processes (as a person runs dorsi), two time zones: the same bytes."""
    outs = []
    for tz in ("UTC", "Asia/Kolkata"):
        out = tmp_path / f"{tz.replace('/', '_')}.pdf"
        env = {**os.environ, "TZ": tz}
        env.pop("QT_HASH_SEED", None)  # dorsi sets it itself
        done = subprocess.run(
            [sys.executable, "-m", "dorsi", "report", "7", "8", "--out", str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert b"/CreationDate (D:20260413090000Z)" in outs[0]


def _study(store: SessionStore, prog: Any) -> list[int]:
    """Tests at weeks 0 and 3 of both sides, plus another person's retest: three subjects, two occasions."""
    other = prog.other_person[0]
    retest = store_test(store, "left", [40.4, 41.2, 40.9], START.replace(hour=7), store.session(other).profile_id)
    return [prog.tests[0]["left"], prog.tests[1]["left"], prog.tests[0]["right"], prog.tests[1]["right"], other, retest]


def test_reliability_marks_then_reports_what_dorsi_stats_computes(
    prog: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: Any
) -> None:
    with SessionStore.open() as store:
        ids = _study(store, prog)
        rows = {r["session_id"]: r for r in store.test_results()}
    for pair in (ids[0:2], ids[2:4], ids[4:6]):
        assert main(["reliability", "--mark", *map(str, pair)]) == 0
    assert "test-retest group 3" in capsys.readouterr().out
    assert main(["reliability", "--groups"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"group 1: test-retest, sessions {ids[0]}, {ids[1]}"
    plot = tmp_path / "ba.png"
    assert main(["reliability", *map(str, ids), "--json", "--plot", str(plot)]) == 0
    out = json.loads(capsys.readouterr().out)
    angle = [[rows[a]["angle_deg"], rows[b]["angle_deg"]] for a, b in (ids[0:2], ids[2:4], ids[4:6])]
    cm = [[rows[a]["toe_to_wall_cm"], rows[b]["toe_to_wall_cm"]] for a, b in (ids[0:2], ids[2:4], ids[4:6])]
    for key, table in (("angle_deg", angle), ("toe_to_wall_cm", cm)):
        ref = reliability(table)
        got = out[key]
        assert got["icc2_1"]["value"] == pytest.approx(ref.icc2_1.value)
        assert got["icc3_1"]["ci95"] == pytest.approx([ref.icc3_1.lo, ref.icc3_1.hi])
        assert got["sem"] == pytest.approx(ref.sem) and got["mdc95"] == pytest.approx(ref.mdc95)
        assert ref.bland_altman is not None
        assert got["bland_altman"]["limits_of_agreement"] == pytest.approx(
            [ref.bland_altman.lower, ref.bland_altman.upper]
        )
    assert (out["subjects"], out["tests_per_subject"], out["design"]) == (3, 2, "test-retest")
    assert set(out["meaning"]) >= {"icc2_1", "icc3_1", "sem", "mdc95", "bias", "limits"}
    assert plot.read_bytes().startswith(b"\x89PNG")
    err = one_line_error(capsys, ["reliability", *map(str, ids), "--plot", str(tmp_path / "ba.jpg")])
    assert "the plot is written as FILE.png" in err
    assert main(["reliability", *map(str, ids)]) == 0
    text = capsys.readouterr().out
    assert f"ICC(2,1) = {out['angle_deg']['icc2_1']['value']:.3f}" in text
    assert "What the numbers mean:" in text


def test_reliability_bad_input_is_one_line_and_exit_2(
    prog: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SessionStore.open() as store:
        ids = _study(store, prog)
    t = prog.tests
    a, b = str(t[0]["left"]), str(t[1]["left"])
    cases = [
        (["reliability"], "no sessions given"),
        (["reliability", a], "one session"),
        (["reliability", a, b], f"session {a} is not marked"),
        (["reliability", "--mark", a], "at least two sessions, 1 given"),
        (["reliability", "--mark", a, str(t[1]["right"])], "different sides"),
        (["reliability", "--mark", a, str(prog.other_person[0])], "different people"),
        (["reliability", "--mark", a, str(prog.drills[1])], "not a knee-to-wall test"),
        (["reliability", "--mark", a, "99"], "no session 99"),
        (["reliability", "--mark", a, b, "--raters", "A,B"], "--raters goes with --mark --design inter-rater"),
        (["reliability", "--unmark"], "needs the sessions"),
    ]
    for argv, message in cases:
        assert message in one_line_error(capsys, argv)
    assert main(["reliability", "--mark", a, b]) == 0
    capsys.readouterr()
    assert "one person's side tested again" in one_line_error(capsys, ["reliability", a, b])
    assert main(["reliability", "--mark", "--design", "inter-rater", "--raters", "Ana,Ben", *map(str, ids[2:4])]) == 0
    capsys.readouterr()
    assert "mix test-retest and inter-rater" in one_line_error(capsys, ["reliability", a, b, *map(str, ids[2:4])])
    c = str(t[2]["left"])
    assert main(["reliability", "--unmark", a, b]) == 0 and main(["reliability", "--mark", a, b, c]) == 0
    assert main(["reliability", "--mark", *map(str, ids[4:6])]) == 0
    capsys.readouterr()
    err = one_line_error(capsys, ["reliability", a, b, c, *map(str, ids[4:6])])
    assert "every person needs the same number of tests" in err
    err = one_line_error(capsys, ["reliability", a, b, c, *map(str, ids[4:6]), "--plot", str(tmp_path / "x.jpg")])
    assert "every person needs the same number of tests" in err  # the study is checked first
    assert not list(tmp_path.glob("x.jpg*"))
