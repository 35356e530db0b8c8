"""Reliability studies of the knee-to-wall test: marking repeated tests, and what they say.

A *subject* is one person's one side; a repeat group (marked in the store) holds its repeated
tests: on different occasions (test–retest) or by different raters (inter-rater). A study is
the groups of the sessions given: an (n subjects × k tests) table of best angles and of
toe-to-wall cm, analysed by dorsi.stats.reliability. Marking checks that the sessions are
knee-to-wall results of one person's one side; reading checks it again, and that every subject
has the same occasions or raters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dorsi.errors import InputError
from dorsi.report.chart import Chart, HLine, Series, padded_range
from dorsi.report.data import SideResult, knee_to_wall_session, side_result, test_rows
from dorsi.stats import Reliability, reliability
from dorsi.store import RepeatGroup, SessionStore

KOO_LI = ((0.9, "excellent"), (0.75, "good"), (0.5, "moderate"), (-math.inf, "poor"))  # Koo & Li 2016
KOO_LI_MIN_SUBJECTS = 30  # Koo & Li 2016: at least 30 heterogeneous subjects
UNITS = {"angle": ("°", "best angle"), "cm": (" cm", "toe to wall")}


@dataclass(frozen=True)
class Subject:
    group_id: int
    side: str
    tests: tuple[SideResult, ...]  # in column order


@dataclass(frozen=True)
class Study:
    design: str  # test-retest | inter-rater
    columns: tuple[str, ...]  # "occasion 1", "occasion 2" / the raters' names
    subjects: tuple[Subject, ...]

    @property
    def session_ids(self) -> list[list[int]]:
        return [[t.session_id for t in s.tests] for s in self.subjects]

    def angle_table(self) -> list[list[float]]:
        """Best angles (°): a row per subject, a column per occasion or rater."""
        return [[t.best_deg for t in s.tests] for s in self.subjects]

    def cm_table(self) -> list[list[float]] | None:
        """Toe-to-wall cm; None if a test has none or a person's tests used other lengths or models."""
        cms = [[t.toe_to_wall_cm for t in s.tests] for s in self.subjects]
        if any(v is None for row in cms for v in row) or any(
            len({t.cm_basis for t in s.tests}) > 1 for s in self.subjects
        ):
            return None
        return [[float(v or 0.0) for v in row] for row in cms]


def _one_person_side(store: SessionStore, ids: Sequence[int], rows: dict[int, dict[str, Any]]) -> None:
    infos = [knee_to_wall_session(store, sid, rows) for sid in ids]
    sides = {rows[sid]["side"] for sid in ids}
    if len(sides) > 1:
        raise InputError(
            f"sessions {', '.join(map(str, ids))} are of different sides; repeated tests are one person's one side"
        )
    people = {i.profile_id for i in infos}
    if len(people) > 1:
        raise InputError(
            f"sessions {', '.join(map(str, ids))} are of different people (profiles"
            f" {', '.join('none' if p is None else str(p) for p in sorted(people, key=str))});"
            " repeated tests are one person's"
        )


def mark(store: SessionStore, session_ids: Sequence[int], design: str, raters: Sequence[str] | None = None) -> int:
    """Mark knee-to-wall sessions of one person's side as repeated tests; returns the group id."""
    ids = [int(s) for s in session_ids]
    if len(ids) < 2:
        raise InputError(f"repeated tests need at least two sessions, {len(ids)} given")
    _one_person_side(store, list(dict.fromkeys(ids)), test_rows(store))
    return store.mark_repeats(ids, design, raters)


def load(store: SessionStore, session_ids: Sequence[int]) -> Study:
    """The study these sessions make (they and their groups checked); InputError with one reason otherwise."""
    ids = list(dict.fromkeys(int(s) for s in session_ids))
    if not ids:
        raise InputError("no sessions given: list the sessions of the study (dorsi reliability ID ID …)")
    if len(ids) == 1:
        raise InputError(f"one session ({ids[0]}) is not a repeated test: give every session of the study")
    rows = test_rows(store)
    for sid in ids:
        knee_to_wall_session(store, sid, rows)
    group_of: dict[int, RepeatGroup] = {sid: g for g in store.repeat_groups() for sid in g.session_ids}
    loose = [sid for sid in ids if sid not in group_of]
    if loose:
        raise InputError(
            f"session {loose[0]} is not marked as a repeated test; mark each person's repeats first"
            f" (dorsi reliability --mark {loose[0]} ID …)"
        )
    groups: dict[int, RepeatGroup] = {}
    for sid in ids:
        groups.setdefault(group_of[sid].id, group_of[sid])
    designs = {g.design for g in groups.values()}
    if len(designs) > 1:
        raise InputError("these sessions mix test-retest and inter-rater groups: analyse each design on its own")
    design = designs.pop()
    infos = {s.id: s for s in store.sessions()}
    subjects = []
    columns: tuple[str, ...] | None = None
    for g in groups.values():
        given = [m for m in g.members if m.session_id in ids]
        _one_person_side(store, [m.session_id for m in given], rows)
        if design == "test-retest":
            given.sort(key=lambda m: (infos[m.session_id].started_at, m.session_id))
            cols = tuple(f"occasion {i + 1}" for i in range(len(given)))
        else:
            given.sort(key=lambda m: str(m.rater))
            cols = tuple(str(m.rater) for m in given)
        if columns is not None and cols != columns:
            raise InputError(
                f"group {g.id} has {', '.join(cols)} but an earlier group has {', '.join(columns)}:"
                " every person needs the same " + ("number of tests" if design == "test-retest" else "raters")
            )
        columns = cols
        tests = tuple(side_result(rows[m.session_id], store.reps(m.session_id)) for m in given)
        subjects.append(Subject(g.id, tests[0].side, tests))
    assert columns is not None
    if len(columns) < 2:
        raise InputError(
            f"group {subjects[0].group_id} has only one of the sessions given: give all of each person's repeats"
        )
    if len(subjects) < 2:
        raise InputError(
            "these sessions are one person's side tested again: reliability compares people, so mark and give"
            " the repeated tests of at least two people (or sides)"
        )
    return Study(design, columns, tuple(subjects))


@dataclass(frozen=True)
class StudyResult:
    study: Study
    angle: Reliability
    cm: Reliability | None
    cm_note: str  # why cm are missing, or ""


def analyse(study: Study) -> StudyResult:
    angle = reliability(study.angle_table())
    cm_table = study.cm_table()
    if cm_table is None:
        return StudyResult(
            study, angle, None, "cm not analysed: a test has no cm, or a person's tests used other lengths"
        )
    return StudyResult(study, angle, reliability(cm_table), "")


def koo_li(value: float) -> str:
    return next(label for lo, label in KOO_LI if value > lo)


def _icc_words(lo: float, hi: float) -> str:
    if math.isnan(lo) or math.isnan(hi):
        return "its interval is undefined (no error at all between the tests)"
    a, b = koo_li(lo), koo_li(hi)
    return f"{a} by its whole interval" if a == b else f"{a} to {b} by its interval"


def meanings(res: StudyResult) -> dict[str, str]:
    """One plain sentence per statistic, with this study's numbers."""
    a, c = res.angle, res.cm
    first, second = res.study.columns[0], res.study.columns[1]

    def both(get: Any, digits: int) -> str:
        text = f"{get(a):.{digits}f}°"
        return text + (f" ({get(c):.{digits}f} cm)" if c is not None else "")

    out = {
        "icc2_1": f"ICC(2,1) = {a.icc2_1.value:.3f}: how well one test agrees with a repeat of it on the same"
        " person (1 perfect, 0 none), a shift between the "
        + ("occasions" if res.study.design == "test-retest" else "raters")
        + f" counted as error; {_icc_words(a.icc2_1.lo, a.icc2_1.hi)} (Koo & Li 2016).",
        "icc3_1": f"ICC(3,1) = {a.icc3_1.value:.3f}: the same without counting a shift that moves every person"
        f" alike; {_icc_words(a.icc3_1.lo, a.icc3_1.hi)}.",
        "sem": f"SEM = {both(lambda r: r.sem, 2)}: the typical error of one test, in its own unit"
        " (the square root of the error mean square).",
        "mdc95": f"MDC95 = {both(lambda r: r.mdc95, 2)}: a change between two tests of one person larger than"
        " this is unlikely (5 %) to be measurement error alone.",
    }
    ba = a.bland_altman
    if ba is not None:
        more = "more" if ba.bias.value >= 0 else "less"
        out["bias"] = (
            f"Bias = {ba.bias.value:+.2f}°: on average {second} read {abs(ba.bias.value):.2f}° {more} than"
            f" {first} (95 % CI {ba.bias.lo:+.2f} to {ba.bias.hi:+.2f}°; an interval without 0 is a systematic shift)."
        )
        out["limits"] = (
            f"Limits of agreement {ba.lower:+.2f}° to {ba.upper:+.2f}°: 95 % of the differences between"
            f" {first} and {second} of one person fall between them."
        )
    if a.n < KOO_LI_MIN_SUBJECTS:
        out["size"] = (
            f"{a.n} subjects: Koo & Li (2016) suggest at least {KOO_LI_MIN_SUBJECTS} for a reliability study;"
            " the 95 % intervals show how precise these figures are."
        )
    if res.cm_note:
        out["cm"] = res.cm_note + "."
    return out


def _stats_json(r: Reliability) -> dict[str, Any]:
    def est(e: Any) -> dict[str, Any]:
        return {"value": e.value, "ci95": [None if math.isnan(e.lo) else e.lo, None if math.isnan(e.hi) else e.hi]}

    out: dict[str, Any] = {
        "icc2_1": est(r.icc2_1),
        "icc3_1": est(r.icc3_1),
        "sem": r.sem,
        "mdc95": r.mdc95,
        "anova": {
            "ms_subjects": r.anova.ms_subjects,
            "ms_occasions": r.anova.ms_occasions,
            "ms_error": r.anova.ms_error,
        },
        "bland_altman": None,
    }
    ba = r.bland_altman
    if ba is not None:
        out["bland_altman"] = {"bias": est(ba.bias), "sd": ba.sd, "limits_of_agreement": [ba.lower, ba.upper]}
    return out


def as_json(res: StudyResult) -> dict[str, Any]:
    s = res.study
    return {
        "design": s.design,
        "subjects": len(s.subjects),
        "tests_per_subject": len(s.columns),
        "columns": list(s.columns),
        "groups": [
            {"group": sub.group_id, "side": sub.side, "sessions": ids}
            for sub, ids in zip(s.subjects, s.session_ids, strict=True)
        ],
        "sem_definition": "sqrt(MSE) of the two-way ANOVA (Weir 2005)",
        "angle_deg": _stats_json(res.angle),
        "toe_to_wall_cm": None if res.cm is None else _stats_json(res.cm),
        "meaning": meanings(res),
    }


def table_rows(res: StudyResult) -> list[tuple[str, str, str]]:
    """(statistic, angle, cm) as printed by the CLI and shown by the app."""
    s = res.study

    def icc(e: Any) -> str:
        bounds = "undefined" if math.isnan(e.lo) else f"{e.lo:.3f}, {e.hi:.3f}"
        return f"{e.value:.3f} [{bounds}]"

    def both(get: Any) -> tuple[str, str]:
        return get(res.angle, "°"), (get(res.cm, " cm") if res.cm is not None else "–")

    rows = [
        ("ICC(2,1) [95 % CI]", *both(lambda r, u: icc(r.icc2_1))),
        ("ICC(3,1) [95 % CI]", *both(lambda r, u: icc(r.icc3_1))),
        ("SEM (√MSE)", *both(lambda r, u: f"{r.sem:.2f}{u}")),
        ("MDC95 (1.96·√2·SEM)", *both(lambda r, u: f"{r.mdc95:.2f}{u}")),
    ]
    if res.angle.bland_altman is not None:

        def bias(r: Reliability, u: str) -> str:
            ba = r.bland_altman
            assert ba is not None
            return f"{ba.bias.value:+.2f}{u} [{ba.bias.lo:+.2f}, {ba.bias.hi:+.2f}]"

        def limits(r: Reliability, u: str) -> str:
            ba = r.bland_altman
            assert ba is not None
            return f"{ba.lower:+.2f} to {ba.upper:+.2f}{u}"

        rows += [
            (f"bias ({s.columns[1]} − {s.columns[0]})", *both(bias)),
            ("limits of agreement", *both(limits)),
        ]
    return rows


def as_text(res: StudyResult) -> str:
    s = res.study
    word = "test-retest" if s.design == "test-retest" else "inter-rater"
    sessions = ", ".join(str(i) for ids in s.session_ids for i in ids)
    rows = table_rows(res)
    width = max(len(r[0]) for r in rows) + 2
    lines = [
        f"Reliability of the knee-to-wall test: {word}, {len(s.subjects)} subjects (a person's side)"
        f" × {len(s.columns)} ({', '.join(s.columns)}); sessions {sessions}",
        f"{'':{width}}{'best angle':>24}{'toe to wall':>26}",
        *(f"{label:{width}}{angle:>24}{cm:>26}" for label, angle, cm in rows),
        "",
        "What the numbers mean:",
        *(f"- {text}" for text in meanings(res).values()),
    ]
    return "\n".join(lines)


def bland_altman_charts(res: StudyResult) -> list[Chart]:
    """One Bland–Altman chart per unit (angle, cm): difference against mean, bias and limits of agreement."""
    s = res.study
    charts = []
    for what, r in (("angle", res.angle), ("cm", res.cm)):
        if r is None or r.bland_altman is None:
            continue
        ba = r.bland_altman
        unit, name = UNITS[what]
        unit = unit.strip()
        ys = [*ba.differences, ba.lower, ba.upper, 0.0]
        charts.append(
            Chart(
                title=f"Bland–Altman: {name} ({unit})",
                x_label=f"mean of the two tests ({unit})",
                y_label=f"{s.columns[1]} − {s.columns[0]} ({unit})",
                x_range=padded_range(ba.means),
                y_range=padded_range(ys, min_span=0.5),
                series=(Series("", "#2f7fd8", ba.means, ba.differences, line=False),),
                lines=(
                    HLine(ba.upper, f"upper limit {ba.upper:+.2f}", "#c0392b"),
                    HLine(ba.bias.value, f"bias {ba.bias.value:+.2f}", "#222222", dashed=False),
                    HLine(ba.lower, f"lower limit {ba.lower:+.2f}", "#c0392b"),
                ),
            )
        )
    return charts


def write_plot(res: StudyResult, path: str | Path) -> Path:
    """The Bland–Altman plot (angle and cm side by side) as a PNG."""
    from dorsi.report.render import write_plot as write_charts

    charts = bland_altman_charts(res)
    if not charts:
        raise InputError(f"a Bland–Altman plot compares two tests per person; these have {len(res.study.columns)}")
    return write_charts(charts, path)
