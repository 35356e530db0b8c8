"""The report's words and numbers: one HTML page (the PDF is this HTML laid out by Qt).

Every number comes from the stored results (ReportData) or a named source, and has a plain
sentence saying what it means. The page describes range of motion and its change; it makes no
clinical judgement about the person.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from dorsi import __version__
from dorsi.drills import kneewall
from dorsi.drills.catalog import catalog
from dorsi.report.chart import Chart, Region, Series
from dorsi.report.data import SIDES, ReportData, SideResult, parse_utc

# The literature the change and the asymmetry are judged against (../shared/domain/targets.md)
HOCH_NORM_CM = kneewall.ASYMMETRY_NOTE_CM  # Hoch & McKeon 2011: 68 % of healthy adults within 1.5 cm
POWDEN_MDC_DEG = kneewall.LITERATURE_MDC_DEG  # Powden 2015, between clinicians
POWDEN_MDC_CM = kneewall.LITERATURE_MDC_CM
CHISHOLM_SRC_CM = 1.0  # Chisholm 2012: smallest real change of one leg
CHISHOLM_SRC_DIFF_CM = 1.5  # Chisholm 2012: smallest real change of the left–right difference
PROGRAM_WEEKS = 12  # article 004's program
TREND_ROWS = 6  # tests listed under the plot (all are plotted)
SIDE_COLORS = {"left": "#2f7fd8", "right": "#e67e22"}
SCALES: tuple[tuple[str, tuple[kneewall.CmBand, ...]], ...] = (
    ("first section", kneewall.BANDS),
    ("testing standards", kneewall.TESTING_STANDARDS_BANDS),
)

STYLE = """
body { font-family: 'DejaVu Sans', sans-serif; font-size: 8.5pt; color: #222; }
h1 { font-size: 15pt; margin: 0 0 2px 0; }
h2 { font-size: 10.5pt; margin: 9px 0 3px 0; color: #1f4e79; }
p { margin: 2px 0; }
table.t { border-collapse: collapse; }
table.t td, table.t th { border: 1px solid #bbb; padding: 2px 5px; }
th { background: #eef2f6; text-align: left; }
.note { color: #555; font-size: 7.5pt; }
"""


def num(v: float | None, digits: int = 1) -> str:
    """A figure as printed: fixed decimals, never "-0.0"."""
    if v is None:
        return "–"
    text = f"{v:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def signed(v: float, digits: int = 1) -> str:
    text = num(v, digits)
    return text if text.startswith("-") or float(text) == 0 else "+" + text


def day(iso: str) -> str:
    return parse_utc(iso).strftime("%Y-%m-%d")


def when(iso: str) -> str:
    return parse_utc(iso).strftime("%Y-%m-%d %H:%M UTC")


def scale_bands(
    scale: tuple[kneewall.CmBand, ...], lo_cm: float = 0.0, hi_cm: float = 30.0
) -> list[tuple[float, float, str, str]]:
    """A scale's bands as (from cm, to cm, label, colour), cut to [lo_cm, hi_cm].

    dorsi.drills.kneewall's table, the one the stored band comes from: the page cannot disagree with it.
    """
    bounds = [lo_cm, *(min(b.hi_cm, hi_cm) for b in scale)]
    return [(a, b, band.label, band.color) for a, b, band in zip(bounds[:-1], bounds[1:], scale, strict=True)]


def scale_text(scale: tuple[kneewall.CmBand, ...]) -> str:
    """ "a below 9.0 cm, b 9.0–10.0 cm, …, z above 13.0 cm"."""
    bands = scale_bands(scale)
    if len(bands) == 1:
        return bands[0][2]
    parts = [f"{bands[0][2]} below {num(bands[0][1])} cm"]
    parts += [f"{label} {num(a)}–{num(b)} cm" for a, b, label, _color in bands[1:-1]]
    parts.append(f"{bands[-1][2]} above {num(bands[-1][0])} cm")
    return ", ".join(parts)


def band_regions(scale: tuple[kneewall.CmBand, ...]) -> tuple[Region, ...]:
    """The bands of a scale as the trend plot's shaded regions."""
    return tuple(Region(a, b, label, color) for a, b, label, color in scale_bands(scale))


def trend_chart(data: ReportData) -> Chart:
    """Toe-to-wall distance per side over the weeks since the person's first test."""
    t0 = parse_utc(data.tests[0][next(iter(data.tests[0]))].taken_at)
    series = []
    all_x: list[float] = []
    all_y: list[float] = []
    for side, marker in zip(SIDES, ("circle", "triangle"), strict=True):
        pts = [
            ((parse_utc(t[side].taken_at) - t0).total_seconds() / (7 * 86400.0), t[side].toe_to_wall_cm)
            for t in data.tests
            if side in t and t[side].toe_to_wall_cm is not None
        ]
        xs = tuple(x for x, _ in pts)
        ys = tuple(float(y) for _, y in pts if y is not None)
        all_x += xs
        all_y += ys
        series.append(Series(side, SIDE_COLORS[side], xs, ys, marker))
    weeks = max([PROGRAM_WEEKS, *(x + 0.5 for x in all_x)])
    lo, hi = min([8.0, *all_y]) - 1.0, max([14.0, *all_y]) + 1.0
    return Chart(
        x_label="weeks since the first test",
        y_label="toe to wall (cm)",
        x_range=(-0.5, weeks),
        y_range=(lo, hi),
        series=tuple(series),
        regions=band_regions(SCALES[0][1]),
        x_ticks=tuple(float(w) for w in range(0, int(weeks) + 1, 2)),
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=False)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ['<table class="t" cellspacing="0" cellpadding="2" border="1" width="100%"><tr>']
    out += [f"<th>{_e(h)}</th>" for h in head]
    out.append("</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _setup(data: ReportData) -> list[str]:
    p = data.person
    who = p.name or ("no profile chosen" if p.profile_id is None else f"profile {p.profile_id}")
    if p.dominant_side:
        who += f", dominant side {p.dominant_side}"
    lengths = next((r.lengths for r in data.current.values() if r.lengths), None) or {}
    out = [
        f"<p><b>Person:</b> {_e(who)}. <b>Lengths for the cm estimate:</b> tibia {num(lengths.get('tibia_cm'))} cm,"
        f" foot {num(lengths.get('foot_cm'))} cm.</p>"
    ]
    for f in data.sessions:
        cal = f.calibration or {}
        sensor = f"sensor {_e(f.sensor_id or 'unknown')}"
        if f.firmware:
            sensor += f", firmware {_e(f.firmware)}"
        if f.rate_hz:
            sensor += f", {num(f.rate_hz, 0)} Hz"
        calib = (
            f"strap rotation {signed(cal['strap_rotation_deg'])}°, standing inclination"
            f" {num(cal.get('standing_inclination_deg'))}°"
            if cal.get("strap_rotation_deg") is not None
            else "no calibration stored"
        )
        out.append(
            f"<p><b>{f.side.title()} (session {f.session_id}):</b> {sensor}; calibration: {calib}"
            f" (dorsi {_e(f.app_version or '?')}).</p>"
        )
    out.append(
        '<p class="note">The calibration finds how the strap sits turned on the shin (from two slow knee'
        " drives) and the shin's tilt while standing still; every angle below is measured from vertical.</p>"
    )
    return out


def _heel_doubt(r: SideResult) -> str:
    """The best's heel note (issue 18): trials kept out of it, or a best whose heel may have lifted."""
    if r.best_heel_uncertain:
        return "<br><small>uncertain: the heel may have lifted on every trial</small>"
    n = r.heel_uncertain_trials
    return f"<br><small>{n} trial{'s' if n > 1 else ''} not used: the heel may have lifted</small>" if n else ""


def _results(data: ReportData) -> list[str]:
    rows = []
    for side, r in data.current.items():
        trials = " · ".join(num(t) for t in r.trials_deg) or "–"
        unc_deg = f" ± {num(r.uncertainty_deg, 2)}°" if r.uncertainty_deg is not None else ""
        unc_deg += " (SD)" if unc_deg and r.uncertainty_coverage is None else ""  # stored before the 95 % bound
        hint = f"<br><small>{_e(r.uncertainty_hint)}</small>" if r.uncertainty_hint else ""
        unc_cm = f" ± {num(r.uncertainty_cm)}" if r.uncertainty_cm is not None else ""
        rows.append(
            [
                f"<b>{side.title()}</b>",
                f"{trials}°",
                f"<b>{num(r.best_deg)}°</b>{unc_deg}{_heel_doubt(r)}{hint}",
                f"<b>{num(r.toe_to_wall_cm)}</b>{unc_cm} cm",
                _e(r.band or "–"),
                _e(r.band_standards or "–"),
                str(r.partial_trials),
            ]
        )
    head = ["Side", "Trials", "Best angle", "Toe to wall", "Band (first section)", "Band (testing standards)"]
    out = [_table([*head, "Partial"], rows)]
    out.append(
        "<p><b>Best angle</b>: the shin's forward tilt from vertical at the farthest of the trials; ± holds about"
        " 95 % of tests: dorsi's repeatability and the sensor's offset and scale tolerances (its datasheet's, or"
        " what a bench calibration leaves); (SD): a result stored before, ± one standard error."
        " <b>Toe to wall</b>: how far from the wall the toe could stand with the knee still touching, estimated"
        " from the angle and the tibia and foot lengths; ± adds ±1.5 cm (SD) on each self-measured length."
        " <b>Partial</b>: attempts under half the usual range, not counted as trials.</p>"
    )
    src = catalog()["knee-to-wall"].source_title
    scales = "; ".join(f"<i>{name}</i>: {_e(scale_text(scale))}" for name, scale in SCALES)
    out.append(f'<p class="note">Bands, both from article 004 ({_e(src)}): {scales}.</p>')
    return out


def _asymmetry(data: ReportData) -> list[str]:
    left, right = data.current.get("left"), data.current.get("right")
    if not (left and right and left.toe_to_wall_cm is not None and right.toe_to_wall_cm is not None):
        return ["<p>Left–right difference: only one side was tested.</p>"]
    diff_cm = abs(left.toe_to_wall_cm - right.toe_to_wall_cm)
    diff_deg = abs(left.best_deg - right.best_deg)
    lower = "left" if left.best_deg < right.best_deg else "right"
    where = (
        "within the" if round(diff_cm, 1) <= HOCH_NORM_CM else "more than the"
    ) + f" {num(HOCH_NORM_CM)} cm that 68 % of healthy adults are within (Hoch &amp; McKeon 2011)"
    text = (
        f"<p><b>Left–right difference</b>: {num(diff_cm)} cm ({num(diff_deg)}°), the {lower} side reaching less:"
        f" {where}.</p>"
        if round(diff_cm, 1) > 0
        else f"<p><b>Left–right difference</b>: {num(diff_cm)} cm ({num(diff_deg)}°): {where}.</p>"
    )
    return [text]


def _verdict(change: float | None, limit: float) -> str:
    if change is None:
        return "–"
    return "larger" if abs(round(change, 1)) > limit else "within"


def _changes(data: ReportData) -> list[str]:
    if not data.previous:
        return ["<p>This is the person's first stored test: there is no earlier one to compare with.</p>"]
    rows = []
    notes = []
    for side, now in data.current.items():
        before = data.previous.get(side)
        if before is None:
            continue
        d_deg = now.best_deg - before.best_deg
        d_cm = (
            now.toe_to_wall_cm - before.toe_to_wall_cm
            if now.cm_basis == before.cm_basis and now.toe_to_wall_cm is not None and before.toe_to_wall_cm is not None
            else None
        )
        if d_cm is None:
            notes.append(f"{side.title()}: cm not compared: the earlier result used other lengths or another model.")
        rows.append(
            [
                f"<b>{side.title()}</b>",
                f"{num(before.best_deg)}° · {num(before.toe_to_wall_cm)} cm ({day(before.taken_at)})",
                f"{num(now.best_deg)}° · {num(now.toe_to_wall_cm)} cm",
                f"<b>{signed(d_deg)}°</b>" + (f" · <b>{signed(d_cm)} cm</b>" if d_cm is not None else ""),
                _verdict(d_deg, kneewall.OUR_MDC_DEG),
                f"{_verdict(d_deg, POWDEN_MDC_DEG)} · {_verdict(d_cm, POWDEN_MDC_CM)}",
                _verdict(d_cm, CHISHOLM_SRC_CM),
            ]
        )
    out = [
        _table(
            [
                "Side",
                "Previous",
                "Now",
                "Change",
                f"dorsi MDC95 {num(kneewall.OUR_MDC_DEG, 2)}°",
                f"Powden 2015 {num(POWDEN_MDC_DEG)}° · {num(POWDEN_MDC_CM)} cm",
                f"Chisholm 2012 {num(CHISHOLM_SRC_CM)} cm",
            ],
            rows,
        )
    ]
    out += [f"<p>{_e(n)}</p>" for n in notes]
    out.append(
        "<p><b>Change</b>: now minus the side's previous test. A change <i>larger</i> than a minimal detectable"
        " change (MDC95) is unlikely (5 %) to be measurement error alone. dorsi's MDC95 is the sensor's own"
        " repeatability (simulated repeat tests); Powden's (review, between clinicians) and Chisholm's"
        " (smallest real change of one leg) also hold the person's day-to-day variation and the tester's.</p>"
    )
    out += _difference_change(data)
    return out


def _difference_change(data: ReportData) -> list[str]:
    def diff(res: dict[str, SideResult]) -> float | None:
        a, b = res.get("left"), res.get("right")
        if a is None or b is None or a.toe_to_wall_cm is None or b.toe_to_wall_cm is None:
            return None
        return abs(a.toe_to_wall_cm - b.toe_to_wall_cm)

    now, before = diff(data.current), diff(data.previous)
    if now is None or before is None:
        return []
    if len({r.cm_basis for r in (*data.current.values(), *data.previous.values())}) > 1:
        return []
    change = now - before
    verdict = "larger than" if abs(round(change, 1)) > CHISHOLM_SRC_DIFF_CM else "within"
    return [
        f"<p><b>Left–right difference over time</b>: {num(before)} cm then, {num(now)} cm now, a change of"
        f" {signed(change)} cm: {verdict} the {num(CHISHOLM_SRC_DIFF_CM)} cm smallest real change of the"
        " difference (Chisholm 2012).</p>"
    ]


def _trend(data: ReportData, image_src: str, image_width_px: int) -> list[str]:
    out = [f'<p><img src="{_e(image_src)}" width="{image_width_px}"></p>']
    shown = data.tests[-TREND_ROWS:]
    t0 = parse_utc(next(iter(data.tests[0].values())).taken_at)
    rows = []
    for t in shown:
        first = min(r.taken_at for r in t.values())
        week = (parse_utc(first) - t0).days // 7
        cells = [f"week {week}", day(first)]
        for side in SIDES:
            r = t.get(side)
            cells.append("–" if r is None else f"{num(r.best_deg)}° · {num(r.toe_to_wall_cm)} cm")
        rows.append(cells)
    out.append(_table(["Week", "Date", "Left", "Right"], rows))
    earlier = len(data.tests) - len(shown)
    more = f" ({earlier} earlier test{'s' if earlier > 1 else ''} in the plot only)" if earlier else ""
    out.append(
        f"<p class=\"note\">Each point is one test's best toe-to-wall distance; the shading is article 004's first"
        f" scale. Week 0 is the person's first stored test; the program runs {PROGRAM_WEEKS} weeks{more}.</p>"
    )
    return out


def _drills(data: ReportData) -> list[str]:
    if data.drills_since is None:
        return ["<p>The drills done after this test will be summarised in the next test's report.</p>"]
    if not data.drills:
        return [f"<p>No drill was recorded between the previous test ({day(data.drills_since)}) and this one.</p>"]
    rows = [
        [
            _e(d.name),
            str(d.sessions),
            str(d.sets),
            str(d.reps),
            f"{d.holds_reached} of {d.reps} ({num(d.hold_target_s, 0)} s)" if d.hold_target_s > 0 else "–",
            str(d.partial),
        ]
        for d in data.drills
    ]
    out = [_table(["Drill", "Sessions", "Sets", "Reps", "Holds reached (target)", "Partial"], rows)]
    out.append(
        f"<p>Since the previous test ({day(data.drills_since)}). <b>Reps</b>: counted movements to end range;"
        " <b>holds reached</b>: reps held at least the drill's target time; <b>partial</b>: attempts under half"
        " the usual range, not counted.</p>"
    )
    return out


def report_html(data: ReportData, image_src: str, image_width_px: int = 640) -> str:
    """The whole page; ``image_src`` is the trend plot (a data: URL in the .html file, a resource in the PDF)."""
    ids = ", ".join(str(i) for i in data.session_ids)
    parts = [
        '<html><head><meta charset="utf-8"><title>dorsi knee-to-wall test report</title>',
        f"<style>{STYLE}</style></head><body>",
        "<h1>Knee-to-wall test report</h1>",
        f"<p>Test of <b>{when(data.taken_at)}</b> · sessions {ids}</p>",
        *_setup(data),
        "<h2>Result</h2>",
        *_results(data),
        *_asymmetry(data),
        "<h2>Change since the previous test</h2>",
        *_changes(data),
        "<h2>Trend over the program</h2>",
        *_trend(data, image_src, image_width_px),
        "<h2>Drills since the previous test</h2>",
        *_drills(data),
        f'<p class="note">Made by dorsi {_e(__version__)} from the stored sessions {ids}. This page describes'
        " ankle range of motion and its change over time, nothing more.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)
