"""The one-page report of a stored two-side test with previous tests: every figure checked against the store."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pypdf
import pytest

from dorsi.report import collect
from dorsi.report.render import html_document, pdf_document
from dorsi.store import SessionStore

from .helpers import DRILLS, LENGTHS, START, Program, seed_program, store_drill, store_test
from .text import html_text, pdf_pages

# Constants the page quotes from its sources (../shared/domain/targets.md, kneewall.py); nothing else may carry digits
LITERATURE = (
    "dorsi MDC95 0.75°",
    "Powden 2015 4.6° · 1.6 cm",
    "Chisholm 2012 1.0 cm",
    "1.5 cm that 68 % of healthy adults are within (Hoch & McKeon 2011)",
    "1.5 cm smallest real change of the difference (Chisholm 2012)",
    "±1.5 cm (SD) on each self-measured length",
    "about 95 % of tests",
    "unlikely (5 %)",
    "(MDC95)",
    "dorsi's MDC95",
    "Powden's",
    "article 004",
    "article 004's first scale",
    "program runs 12 weeks",
    "Week 0 is the person's first stored test",
    "significant restriction below 9.0 cm, moderate restriction 9.0–10.0 cm, adequate 10.0–13.0 cm,"
    " excellent above 13.0 cm",
    "restricted below 10.0 cm, functional 10.0–12.5 cm, good 12.5–15.0 cm, excellent above 15.0 cm",
    "dorsi 0.1.0",
)
FORBIDDEN = ("injur", "risk", "diagnos", "patholog", "tendin", "pain", "disorder", "sprain", "disease")


def f1(v: float) -> str:
    text = f"{v:.1f}"
    return "0.0" if text == "-0.0" else text


def signed(v: float) -> str:
    text = f1(v)
    return text if text.startswith("-") or text == "0.0" else "+" + text


def expected_figures(store: SessionStore, prog: Program, test_index: int) -> list[str]:
    """Every figure of the report of prog.tests[test_index], computed here from the stored rows."""
    rows = {r["session_id"]: r for r in store.test_results()}
    infos = {s.id: s for s in store.sessions()}
    now = {side: rows[sid] for side, sid in prog.tests[test_index].items()}
    before = {side: rows[sid] for side, sid in prog.tests[test_index - 1].items()} if test_index else {}
    first = min(r["taken_at"] for r in now.values())
    ids = ", ".join(str(prog.tests[test_index][s]) for s in ("left", "right"))
    out = [
        f"Test of {first[:10]} {first[11:16]} UTC",
        f"sessions {ids}",
        f"tibia {f1(LENGTHS.tibia_cm)} cm, foot {f1(LENGTHS.foot_cm)} cm",
    ]
    for side, r in now.items():
        d = r["data"]
        info = infos[r["session_id"]]
        cal = info.calibration or {}
        partial = sum(1 for rep in store.reps(r["session_id"]) if rep.get("partial"))
        out.append(
            f"{side.title()} (session {r['session_id']}): sensor {info.sensor_id}, firmware {info.firmware},"
            f" {info.rate_hz:.0f} Hz; calibration: strap rotation {signed(cal['strap_rotation_deg'])}°,"
            f" standing inclination {f1(cal['standing_inclination_deg'])}° (dorsi {info.app_version})."
        )
        trials = " · ".join(f1(t) for t in d["trials_deg"])
        # the ± is ~95 % (kneewall.uncertainty); a row stored before says (SD); a wide one carries the hint
        sd = "" if d.get("uncertainty_coverage") else " (SD)"
        hint = f" {d['uncertainty_hint']}" if d.get("uncertainty_hint") else ""
        out.append(
            f"{side.title()} {trials}° {f1(r['angle_deg'])}° ± {d['uncertainty_deg']:.2f}°{sd}{hint}"
            f" {f1(r['toe_to_wall_cm'])} ± {f1(d['uncertainty_cm'])} cm {r['band']} {d['band_testing_standards']}"
            f" {partial}"
        )
    left, right = now["left"], now["right"]
    diff_now = abs(left["toe_to_wall_cm"] - right["toe_to_wall_cm"])
    out.append(f"{f1(diff_now)} cm ({f1(abs(left['angle_deg'] - right['angle_deg']))}°)")
    if before:
        for side, r in now.items():
            b = before[side]
            d_deg, d_cm = r["angle_deg"] - b["angle_deg"], r["toe_to_wall_cm"] - b["toe_to_wall_cm"]
            verdicts = [
                "larger" if abs(round(d_deg, 1)) > 0.75 else "within",
                ("larger" if abs(round(d_deg, 1)) > 4.6 else "within")
                + " · "
                + ("larger" if abs(round(d_cm, 1)) > 1.6 else "within"),
                "larger" if abs(round(d_cm, 1)) > 1.0 else "within",
            ]
            out.append(
                f"{side.title()} {f1(b['angle_deg'])}° · {f1(b['toe_to_wall_cm'])} cm ({b['taken_at'][:10]})"
                f" {f1(r['angle_deg'])}° · {f1(r['toe_to_wall_cm'])} cm {signed(d_deg)}° · {signed(d_cm)} cm "
                + " ".join(verdicts)
            )
        diff_then = abs(before["left"]["toe_to_wall_cm"] - before["right"]["toe_to_wall_cm"])
        out.append(f"{f1(diff_then)} cm then, {f1(diff_now)} cm now, a change of {signed(diff_now - diff_then)} cm")
        out.append(f"Since the previous test ({min(r['taken_at'] for r in before.values())[:10]})")
    start = dt.datetime.fromisoformat(rows[prog.tests[0]["left"]]["taken_at"])
    for test in prog.tests[: test_index + 1]:
        lt, rt = rows[test["left"]], rows[test["right"]]
        week = (dt.datetime.fromisoformat(lt["taken_at"]) - start).days // 7
        out.append(
            f"week {week} {lt['taken_at'][:10]} {f1(lt['angle_deg'])}° · {f1(lt['toe_to_wall_cm'])} cm"
            f" {f1(rt['angle_deg'])}° · {f1(rt['toe_to_wall_cm'])} cm"
        )
    out.append(f"from the stored sessions {ids}")
    return out


def drill_figures(store: SessionStore, prog: Program) -> list[str]:
    """The drill table's rows for the week-6 report, counted here from the stored reps."""
    from dorsi.drills import catalog

    out = []
    by_drill: dict[str, list[int]] = {}
    for sid, (_, drill, _) in zip(prog.drills[1:], DRILLS, strict=True):
        by_drill.setdefault(drill, []).append(sid)
    for drill, sids in sorted(by_drill.items()):
        reps = [r for sid in sids for r in store.reps(sid)]
        counted = [r for r in reps if not r["partial"]]
        sets = sum(max(r["set"] for r in store.reps(sid)) for sid in sids)
        target = catalog()[drill].hold_s
        held = (
            f"{sum(1 for r in counted if r['hold_s'] >= target)} of {len(counted)} ({target:.0f} s)" if target else "–"
        )
        out.append(f"{catalog()[drill].name} {len(sids)} {sets} {len(counted)} {held} {len(reps) - len(counted)}")
    return out


def check_every_figure(text: str, figures: list[str], allowed: tuple[str, ...] = LITERATURE) -> None:
    """Every figure is on the page, and nothing but them and the quoted constants carries a digit."""
    rest = text
    for phrase in sorted([*figures, *allowed], key=len, reverse=True):
        assert phrase in text or phrase in allowed, f"missing from the report: {phrase!r}"
        rest = rest.replace(phrase, " ")
    leftover = re.findall(r"[^ ]*\d[^ ]*", rest)
    assert not leftover, f"figures on the page that no stored result accounts for: {leftover}; text: {rest}"


@pytest.fixture
def program() -> Any:
    with SessionStore.open() as store:
        prog = seed_program(store)
        yield store, prog


def test_html_report_carries_every_stored_figure_and_no_other(program: Any) -> None:
    store, prog = program
    data = collect(store, list(prog.tests[2].values()))
    text = html_text(html_document(data))
    check_every_figure(text, [*expected_figures(store, prog, 2), *drill_figures(store, prog), *LITERATURE])


def test_pdf_report_is_one_page_with_every_stored_figure_and_no_other(program: Any, qapp: Any) -> None:
    store, prog = program
    data = collect(store, list(prog.tests[2].values()))
    (page,) = pdf_pages(pdf_document(data))
    check_every_figure(page, [*expected_figures(store, prog, 2), *drill_figures(store, prog), *LITERATURE])


def test_the_default_is_the_latest_test_and_the_first_test_has_nothing_to_compare(program: Any, qapp: Any) -> None:
    store, prog = program
    assert collect(store).session_ids == (prog.tests[2]["left"], prog.tests[2]["right"])
    data = collect(store, [prog.tests[0]["right"], prog.tests[0]["left"]])
    assert data.previous == {} and data.drills_since is None
    text = html_text(html_document(data))
    assert "first stored test: there is no earlier one" in text
    assert "summarised in the next test's report" in text
    check_every_figure(text, expected_figures(store, prog, 0))


def test_the_page_describes_range_and_change_never_a_condition(program: Any, qapp: Any) -> None:
    from dorsi.drills import catalog

    store, prog = program
    source_title = catalog()["knee-to-wall"].source_title  # a citation: the article's own title, not a statement
    for test in prog.tests:
        text = html_text(html_document(collect(store, list(test.values()))))
        assert source_title in text
        own_words = text.replace(source_title, "").lower()
        assert not [w for w in FORBIDDEN if w in own_words]


def test_same_sessions_same_bytes_and_the_pdf_dated_by_the_test(program: Any, qapp: Any) -> None:
    store, prog = program
    ids = list(prog.tests[2].values())
    pdf, html = pdf_document(collect(store, ids)), html_document(collect(store, ids))
    # later sessions (a new test, more drills) do not change an earlier test's report
    later = START + dt.timedelta(weeks=9)
    store_test(store, "left", [38.0, 38.5, 38.2], later, prog.profile_id)
    store_test(store, "right", [38.1, 38.6, 38.9], later, prog.profile_id)
    store_drill(store, "calf-raises", [(1, 0.2, False)], later - dt.timedelta(days=2), prog.profile_id)
    assert pdf_document(collect(store, ids)) == pdf
    assert html_document(collect(store, ids)) == html
    meta = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None
    taken = min(r["taken_at"] for r in store.test_results() if r["session_id"] in ids)
    stamp = taken[:19].replace("-", "").replace(":", "").replace("T", "")
    assert meta["/CreationDate"] == meta["/ModDate"] == f"D:{stamp}Z"
    today = dt.datetime.now(dt.UTC).strftime("%Y%m%d").encode()
    assert today not in pdf  # no "now" anywhere (the test is dated 2026-04-13)
    assert b'CreateDate="2026-04-13T09:00:00Z"' in pdf


def test_a_crowded_program_still_fits_one_page(qapp: Any) -> None:
    with SessionStore.open() as store:
        pid = store.add_profile("Kim")
        ids: list[int] = []
        for week in range(14):
            t = START + dt.timedelta(weeks=week)
            ids = [
                store_test(store, s, [30.0 + week, 30.5 + week], t + dt.timedelta(minutes=k), pid)
                for k, s in enumerate(("left", "right"))
            ]
            for day, drill in enumerate(
                ("banded-mobilization", "calf-raises", "knee-circles", "squat-rocks", "clamshell")
            ):
                store_drill(store, drill, [(1, 2.0, False)] * 5, t + dt.timedelta(days=day + 1), pid)
        data = collect(store, ids)
        pages = pdf_pages(pdf_document(data))
    assert len(pages) == 1
    assert "8 earlier tests in the plot only" in pages[0]


def test_cm_are_not_compared_across_other_lengths(program: Any, qapp: Any) -> None:
    from dorsi.drills.kneewall import Profile

    store, prog = program
    later = START + dt.timedelta(weeks=9)
    sid = store_test(store, "left", [37.0, 37.5], later, prog.profile_id, lengths=Profile(tibia_cm=44.0, foot_cm=27.0))
    text = html_text(html_document(collect(store, [sid])))
    assert "cm not compared: the earlier result used other lengths" in text
    assert "Left–right difference: only one side was tested" in text
