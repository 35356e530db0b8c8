"""The Drills screen as a person uses it: the leg chosen on the screen, the last set kept and marked,
the hold-done cue seen as well as heard, and a readout that says when there is no sensor.

The engine gets the demo person's samples directly (``feed_engine``): the real pipeline, counter,
models and window, without the radio, so every rep lands at the same sample every run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dorsi.app.feed import demo_feed
from dorsi.app.run import App, build
from dorsi.app.sources import ReplayHub
from dorsi.ui.theme import apply_theme

from .helpers import feed_engine

DRILL = "banded-mobilization"


def drills_app(qtbot: QtBot) -> App:
    app = build(ReplayHub(1.0), use_store=False)
    qtbot.addWidget(app.window)
    app.window.resize(1280, 800)
    with qtbot.waitActive(app.window):  # keys go to the active window, as on a desktop
        app.window.show()
    app.window.show_screen("Drills")
    app.window.drill_view.select(DRILL)
    return app


def calibrated(app: App) -> float:
    """Stream the demo person's calibration (and their first knee-to-wall trials); where it stopped (s)."""
    feed = demo_feed()
    engine = app.controller.engine
    engine.begin_stream(feed.rate_hz, "REPLAY")
    feed_engine(engine, feed, 0.0, feed.segment_start_s[1], until=lambda: app.models.live.calibrated)
    assert app.models.live.calibrated
    return feed.segment_start_s[2]  # the banded mobilization begins here


def test_the_leg_is_chosen_on_the_drills_screen_by_button_or_key(qtbot: QtBot) -> None:
    app = drills_app(qtbot)
    w, view, m = app.window, app.window.drill_view, app.models.drill
    left, right = view.side_buttons["left"], view.side_buttons["right"]
    assert left.isVisible() and right.isVisible()
    assert "(L)" in left.text() and "(R)" in right.text()  # the keys are written on the buttons
    qtbot.mouseClick(right, Qt.MouseButton.LeftButton)
    assert m.side == "right" and right.isChecked() and not left.isChecked()
    assert view.count_label.text().startswith("Right leg")
    assert app.models.test.state.side == "right"  # one side for the person, on both screens
    qtbot.keyClick(w, Qt.Key.Key_L)
    assert m.side == "left" and left.isChecked()
    assert view.count_label.text().startswith("Left leg")

    # a set is done with one leg: the choice is locked while it runs
    calibrated(app)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert m.live.running
    assert not left.isEnabled() and not right.isEnabled()
    qtbot.keyClick(w, Qt.Key.Key_R)
    assert m.side == "left"
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert left.isEnabled() and right.isEnabled()


def test_the_finished_set_stays_as_the_last_set_until_start(qtbot: QtBot) -> None:
    app = drills_app(qtbot)
    view, m = app.window.drill_view, app.models.drill
    start_s = calibrated(app)
    feed = demo_feed()
    assert view.table.rowCount() == 0
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert "This set" in view.set_caption.text()
    feed_engine(app.controller.engine, feed, start_s, start_s + 80.0, until=lambda: m.live.rep_count >= 3)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)  # stop
    assert not m.live.running
    reps = len(m.live.reps)
    assert reps >= 3
    # the result of the set stays on screen, marked as the finished set it is
    assert view.table.rowCount() == reps
    caption = view.set_caption.text()
    assert (
        "Last set" in caption
        and "Banded" in caption
        and "left leg" in caption
        and f"{m.live.rep_count} reps" in caption
    )
    # another drill picked: the table still says which drill its set was
    view.select("knee-circles")
    assert view.table.rowCount() == reps and "Banded" in view.set_caption.text()
    # Start begins a new set on an empty table
    view.select(DRILL)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert m.live.running
    assert view.table.rowCount() == 0
    assert "This set" in view.set_caption.text()


def test_a_finished_hold_flashes_the_ring_and_sounds_the_cue(qtbot: QtBot) -> None:
    app = drills_app(qtbot)
    view, m = app.window.drill_view, app.models.drill
    start_s = calibrated(app)
    cues: list[bool] = []
    app.window.beeper.beeped.connect(lambda: cues.append(view.ring.flashing))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    feed_engine(app.controller.engine, demo_feed(), start_s, start_s + 80.0, until=lambda: bool(cues))
    assert cues == [True], "the hold never completed, or the ring did not flash with the cue"
    # muted: no sound, the flash all the same
    app.settings.sound = False
    view.ring.stop_flash()
    played = app.window.beeper.played
    m.hold_reached.emit()
    assert view.ring.flashing and app.window.beeper.played == played


def test_without_a_sensor_the_readout_says_so_instead_of_a_black_bar(qtbot: QtBot) -> None:
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    apply_theme(qapp, "light")
    app = drills_app(qtbot)
    number = app.window.drill_view.number
    number.resize(600, 220)
    assert number.text() == "No sensor connected"
    image = number.grab().toImage()
    # the old "–" was a bar of near-black pixels across a third of the box; text in the muted colour has none
    darkest = min(
        QColor(image.pixel(x, y)).lightness() for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
    )
    assert darkest > 60, darkest
    start_s = calibrated(app)
    assert start_s > 0
    app.window.drill_view._frame()
    assert number.text().endswith("°")


def test_a_calf_raise_whose_eccentric_is_revised_updates_its_row(qtbot: QtBot) -> None:
    """A calf raise is shown when it is judged; its eccentric is revised once its landing was seen (the fit runs
    at the counter's finish, dorsi.drills.vertical): the engine replaces the set's row and the table shows the
    new figures."""
    import dataclasses

    from dorsi.drills import Rep, RepEvent

    app = drills_app(qtbot)
    view, m = app.window.drill_view, app.models.drill
    calibrated(app)
    view.select("calf-raises")
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    engine = app.controller.engine
    assert m.live.running and engine.session is not None and engine.session.counter is not None
    shown = Rep(
        index=1, set=1, start_s=10.0, end_s=14.0, peak_s=11.0, peak_tibial_inclination_deg=3.0, range_deg=1.0,
        hold_s=0.4, emitted_s=14.3, kind="calf-raise", score=80, reasons=["lowered in 2.3 s of 3 s"],
        extra={"down_s": 2.3},
    )  # fmt: skip
    engine._drill_step([RepEvent("rep", 14.3, shown)])
    assert view.table.rowCount() == 1 and view.table.item(0, 4).text() == "80"
    revised = dataclasses.replace(shown, score=95, reasons=["lowered in 3.0 s of 3 s"], extra={"down_s": 3.0})
    engine.session.counter.revised.append(revised)
    engine._drill_step([])
    assert view.table.rowCount() == 1
    assert view.table.item(0, 4).text() == "95" and "lowered in 3.0 s" in view.table.item(0, 5).text()
    assert m.live.reps[0]["down_s"] == 3.0 and not engine.session.counter.revised
