"""The live trace's decimation, the big number across a theme switch, the knee-to-wall card and bands."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dorsi.app import testresult
from dorsi.app.run import build
from dorsi.app.sources import ReplayHub
from dorsi.drills.kneewall import BANDS, Profile, toe_to_wall_cm
from dorsi.ui.models import LiveModel
from dorsi.ui.ring import RingBuffer
from dorsi.ui.settings import AppSettings
from dorsi.ui.sound import Beeper
from dorsi.ui.theme import apply_theme
from dorsi.ui.views.settings import SettingsView
from dorsi.ui.widgets import BigNumber, LivePlot, peak_decimate


def test_peak_decimate_keeps_every_peak_and_the_newest_sample() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(5200) / 208.0
    v = np.cumsum(rng.normal(size=5200))
    v[1234] = 500.0  # a one-sample spike (a tap) must survive
    v[77] = -500.0
    x, y = peak_decimate(t, v, 200)
    assert len(x) <= 400
    assert y.max() == 500.0 and y.min() == -500.0
    assert x[-1] == t[-1]  # the newest sample is always drawn
    assert np.all(np.diff(x) >= 0)  # still in time order
    # within each bin the envelope is exact: min and max of the samples it covers
    assert set(np.round(y, 9)) <= set(np.round(v, 9))


def test_peak_decimate_leaves_short_windows_alone() -> None:
    t = np.arange(300.0)
    x, y = peak_decimate(t, t * 2, 200)
    assert x is t and len(y) == 300


def test_big_number_keeps_its_size_across_a_theme_switch(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "light")
    number = BigNumber()
    qtbot.addWidget(number)
    number.resize(600, 200)
    number.show()
    number.set_value(33.84)
    assert number.text() == "33.8°"
    before = number.grab().toImage()
    apply_theme(app, "dark")
    apply_theme(app, "light")  # the style sheet is set again: it used to reset the label's font
    after = number.grab().toImage()
    assert after == before
    number.set_value(None)
    assert number.text() == "No sensor connected"  # the placeholder, not a giant dash


def test_card_says_better_or_within_error_against_the_last_test() -> None:
    profile = Profile()
    previous = {
        "left": {"angle_deg": 30.0, "taken_at": "2026-01-05T10:00:00+00:00"},
        "right": {"angle_deg": 38.9, "taken_at": "2026-01-05T10:00:00+00:00"},
    }
    res = testresult.result({"left": [34.0, 36.0, 35.0], "right": [38.5, 39.0, 37.0]}, profile, previous)
    card = testresult.card(res, previous, lambda cm: f"{cm:.1f} cm")
    left, right = card["comparison"]
    assert left.startswith("Left: better by 6.0°") and "a real change" in left and "2026-01-05" in left
    assert right.startswith("Right: +0.1°") and "within measurement error" in right
    assert card["sides"]["left"]["angle_deg"] == 36.0
    assert card["asymmetry"]  # one sentence either way
    # a change that rounds to zero reads as such, not as "-0.0°"
    same = testresult.result({"left": [35.96], "right": [39.0]}, profile, {"left": {"angle_deg": 36.0}})
    (line,) = testresult.card(same, {"left": {"angle_deg": 36.0}}, lambda cm: f"{cm:.1f} cm")["comparison"]
    assert line.startswith("Left: ±0.0° since last time") and "within measurement error" in line


def test_stored_row_is_what_the_store_reads() -> None:
    res = testresult.result({"right": [40.0, 41.5]}, Profile(), {})
    row = testresult.stored_row("right", res)
    assert row["side"] == "right" and row["angle_deg"] == 41.5
    assert row["toe_to_wall_cm"] == res["sides"]["right"]["toe_to_wall_cm"]
    assert row["band"] == res["sides"]["right"]["band"]


def test_bands_follow_the_person_and_the_cm_edges() -> None:
    for profile in (Profile(), Profile(tibia_cm=46.0, foot_cm=29.0)):
        bands = testresult.bands_deg(profile, lambda cm: f"{cm:.0f} cm")
        assert [b.lo_deg for b in bands[1:]] == [b.hi_deg for b in bands[:-1]]  # contiguous
        for cm_band, band in zip(BANDS[:-1], bands[1:], strict=True):  # the one table, on the degree axis
            assert abs(toe_to_wall_cm(band.lo_deg, profile) - cm_band.hi_cm) < 0.01
        assert [b.color for b in bands] == [b.color for b in BANDS]


def test_ring_window_is_the_last_span_across_wraps() -> None:
    ring = RingBuffer(1000, 2)
    t_all = np.arange(2537) * 0.01
    for i in range(0, 2537, 37):
        ring.extend(t_all[i : i + 37], np.column_stack([t_all[i : i + 37], -t_all[i : i + 37]]))
        kept = t_all[max(0, min(i + 37, 2537) - 1000) : i + 37]
        for span_s in (0.001, 0.5, 3.0, 9.99, 50.0):
            t, v = ring.window(span_s)
            ref = kept[kept >= kept[-1] - span_s]
            assert np.array_equal(t, ref)
            assert np.array_equal(v[:, 0], ref) and np.array_equal(v[:, 1], -ref)


def test_ring_columns_path_keeps_what_the_stacked_path_keeps() -> None:
    """extend_columns (the engine's per-notification path) leaves the ring as extend does, wraps included."""
    by_rows, by_columns = RingBuffer(50, 2), RingBuffer(50, 2)
    t_all = np.arange(400) * 0.01
    i, sizes = 0, [1, 3, 7, 20, 1, 49, 50, 61, 2]
    for k in range(40):
        n = sizes[k % len(sizes)]
        t, a, b = t_all[i : i + n], np.sin(t_all[i : i + n]), -t_all[i : i + n]
        by_rows.extend(t, np.column_stack([a, b]))
        by_columns.extend_columns(t, a, b)
        i = (i + n) % 300
        assert by_columns.total_written == by_rows.total_written
        for span_s in (0.0, 0.2, 10.0):
            (t1, v1), (t2, v2) = by_rows.window(span_s), by_columns.window(span_s)
            assert np.array_equal(t1, t2) and np.array_equal(v1, v2)


def test_settings_screen_shows_changes_made_elsewhere_and_writes_its_own(qtbot: QtBot) -> None:
    settings = AppSettings()
    view = SettingsView(settings, Beeper())
    qtbot.addWidget(view)
    settings.units = "in"  # e.g. written by another part of the app
    assert view.units.currentText() == "in"
    view.theme.setCurrentText("dark")
    assert settings.theme == "dark"
    view.tibia.setValue(44.5)
    assert AppSettings().tibia_cm == 44.5  # stored, not only shown


def test_window_fits_a_1024_px_screen_with_long_labels(qtbot: QtBot) -> None:
    app = build(ReplayHub(1.0), use_store=False)
    qtbot.addWidget(app.window)
    m = app.models.drill
    m.side, m.live.running, m.live.rep_count, m.live.phase, m.live.rest_s = "right", True, 12, "resting", 95.0
    app.window.drill_view.refresh()
    assert "rest 95 s" in app.window.drill_view.count_label.text()
    assert app.window.minimumSizeHint().width() <= 1024


def test_band_labels_do_not_overlap_on_the_trace(qtbot: QtBot) -> None:
    """The knee-to-wall bands' labels in a real plot at the app's size: a narrow band (moderate
    restriction, 2.5° tall) once wrote its label over the next band's (both on the left)."""
    plot = LivePlot(LiveModel())
    qtbot.addWidget(plot)
    plot.resize(640, 460)
    plot.show()
    qtbot.waitExposed(plot)
    plot.set_bands(testresult.bands_deg(Profile(), lambda cm: f"{cm:.1f} cm"))
    QApplication.processEvents()
    rects = [label.sceneBoundingRect() for label in plot._band_labels]
    assert len(rects) == len(BANDS) >= 4
    view = plot.getPlotItem().vb.sceneBoundingRect()
    for k, a in enumerate(rects):
        assert view.contains(a.center())  # inside the plot
        assert not any(a.intersects(b) for b in rects[k + 1 :])
