"""The app with a heel-lift knee-to-wall trial: the trial is shown with its reason, a distinct cue plays,
and the best comes from the valid trials (and from the clean ones: a trial whose heel may have lifted is shown
with its reason, counted, not the best); the drill screen ends a set at its prescription."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from dorsi.app import testresult
from dorsi.app.feed import DemoFeed
from dorsi.app.run import App, build
from dorsi.app.sources import ReplayHub
from dorsi.drills.kneewall import Profile
from dorsi.ui.models import DrillLive
from dorsi.ui.views.drill import count_text
from dorsi.virtual.sim import SimParams, simulate
from dorsi.virtual.sim.profiles import PROFILES
from tests.drills.heel_lift import simulate_heel_lift

from .helpers import feed_engine


def an_app(qtbot: QtBot) -> App:
    app = build(ReplayHub(1.0), use_store=False)
    qtbot.addWidget(app.window)
    app.window.resize(1280, 800)
    app.window.show()
    return app


def heel_lift_feed(seed: int) -> DemoFeed:
    sim = simulate_heel_lift(seed, heel_cm=2.5, extra_deg=4.0, packet_loss=0.0)
    rec = sim.recording
    return DemoFeed(sim.params.rate_hz, rec.acc_mps2, rec.gyr_dps, (0.0,))


def test_heel_lift_trial_is_shown_not_counted_and_not_the_best(qtbot: QtBot) -> None:
    app = an_app(qtbot)
    app.window.show_screen("Knee-to-wall")
    engine, st, view = app.controller.engine, app.models.test.state, app.window.test_view
    feed = heel_lift_feed(20)
    engine.begin_stream(feed.rate_hz, "REPLAY")
    at = feed_engine(engine, feed, 0.0, feed.duration_s, until=lambda: app.models.live.calibrated)
    assert app.models.live.calibrated
    engine.start_test("left")
    feed_engine(engine, feed, at, feed.duration_s)
    assert len(st.invalid["left"]) == 1 and len(st.trials["left"]) == 2
    bad = st.invalid["left"][0]
    assert bad["reason"].startswith("heel lifted") and bad["peak_deg"] > max(st.trials["left"])
    assert "heel lifted" in view.invalid_label.text() and f"{bad['peak_deg']:.1f}°" in view.invalid_label.text()
    assert app.window.beeper.last_cue == "invalid"
    engine.stop_test()
    assert st.result is not None
    best = round(max(st.trials["left"]), 2)
    assert f"{best:.1f}°" in view.card_text.text()
    assert f"{bad['peak_deg']:.1f}°" not in view.card_text.text()


def test_the_count_says_extra_and_set_complete() -> None:
    lv = DrillLive(running=True, phase="moving", reps_in_set=7, target_reps=10, set_index=1)
    assert count_text(lv, 1) == "Reps 7 of 10 · moving"
    lv.reps_in_set, lv.phase, lv.set_done_s, lv.rest_s = 10, "resting", 30.0, 12.0
    assert count_text(lv, 3) == "Set 1 of 3 complete ✓ (10 of 10) · rest 12 s to the next set"
    lv.reps_in_set, lv.phase = 14, "moving"
    assert count_text(lv, 1).startswith("Reps 10 of 10 + 4 extra")
    assert "14 of 10" not in count_text(lv, 1)
    # a counted rep whose heel may have lifted (issue 18): said under the count, as an invalid one is
    lv.last_uncertain = "heel may have lifted 1.9 cm (± 0.6) — not used for the best"
    assert count_text(lv, 1).endswith("\n? heel may have lifted 1.9 cm (± 0.6) — not used for the best")


def test_the_drill_screen_ends_the_set_at_its_prescription(qtbot: QtBot) -> None:
    """Banded mobilization is 1 x 10: the person does 12. The set-complete cue comes at the tenth rep,
    the screen says so, and the last two show as extra."""
    app = an_app(qtbot)
    app.window.show_screen("Drills")
    app.window.drill_view.select("banded-mobilization")
    sim = simulate(
        SimParams(drill="banded-mobilization", seconds=110.0, seed=3, sets=1, reps_per_set=12, packet_loss=0.0)
    )
    feed = DemoFeed(sim.params.rate_hz, sim.recording.acc_mps2, sim.recording.gyr_dps, (0.0,))
    engine, lv, view = app.controller.engine, app.models.drill.live, app.window.drill_view
    completed: list[int] = []
    app.models.drill.set_completed.connect(completed.append)
    engine.begin_stream(feed.rate_hz, "REPLAY")
    at = feed_engine(engine, feed, 0.0, feed.duration_s, until=lambda: app.models.live.calibrated)
    engine.start_drill("banded-mobilization")
    at = feed_engine(engine, feed, at, feed.duration_s, until=lambda: lv.reps_in_set >= 10)
    assert lv.reps_in_set == 10 and completed == [1]
    assert app.window.beeper.last_cue == "set"
    at = feed_engine(engine, feed, at, feed.duration_s, until=lambda: lv.phase == "resting")
    view.refresh()
    assert view.count_label.text().startswith("Left leg · Set 1 complete ✓ (10 of 10)")
    feed_engine(engine, feed, at, feed.duration_s)
    assert lv.reps_in_set == len(sim.counted_reps) == 12 and completed == [1]
    view.refresh()
    assert "10 of 10 + 2 extra" in view.count_label.text()
    assert "12 of 10" not in view.count_label.text()


def test_a_trial_whose_heel_may_have_lifted_is_shown_counted_and_not_the_best(qtbot: QtBot) -> None:
    """Issue 18: tuning seed 1005 (velocity model, reference sensor, no packet lost: the feed has no time stamps;
    tests/drills/test_best_clean.py): the third trial's 2.2 cm late lift reads 2.1 cm, under the lift bar but over
    the clean bar. It is counted, shown with its reason, and not starred; the best (the card) is the heel-down
    trials' (40.4° against 42.6°)."""
    app = an_app(qtbot)
    app.window.show_screen("Knee-to-wall")
    engine, st, view = app.controller.engine, app.models.test.state, app.window.test_view
    rate = PROFILES["reference"].rate_hz
    sim = simulate(
        SimParams(
            drill="knee-to-wall",
            seconds=75.0,
            seed=1005,
            rate_hz=rate,
            sensor_profile="reference",
            model="velocity",
            packet_loss=0.0,
        )
    )
    feed = DemoFeed(rate, sim.recording.acc_mps2, sim.recording.gyr_dps, (0.0,))
    engine.begin_stream(feed.rate_hz, "REPLAY")
    at = feed_engine(engine, feed, 0.0, feed.duration_s, until=lambda: app.models.live.calibrated)
    assert app.models.live.calibrated
    engine.start_test("left")
    feed_engine(engine, feed, at, feed.duration_s, until=lambda: not st.running)
    trials, notes = st.trials["left"], st.uncertain["left"]
    assert len(trials) == 3 and not st.invalid["left"]  # counted: the rule never changes the count
    doubt = [i for i, n in enumerate(notes) if n]
    assert len(doubt) == 1
    i = doubt[0]
    assert notes[i].startswith("heel may have lifted ") and notes[i].endswith(" — not used for the best")
    assert trials[i] > max(t for k, t in enumerate(trials) if k != i)  # it went furthest
    view.refresh()
    labels = [lab.text() for lab in view.trial_labels["left"]]
    assert labels[i].startswith("? ") and sum(t.startswith("★ ") for t in labels) == 1
    best = max(t for k, t in enumerate(trials) if k != i)
    assert labels[trials.index(best)].startswith("★ ")
    assert f"? {trials[i]:.1f}°: {notes[i]}" in view.uncertain_label.text()
    assert st.result is not None  # the test stopped at its third trial
    card = view.card_text.text()
    assert f"{best:.1f}°" in card and f"{trials[i]:.1f}°" not in card
    assert "not used for the best: the heel may have lifted" in card and "(heel uncertain)" not in card
    engine.reset_test()  # a new test starts with no trial in doubt
    assert st.uncertain == {"left": [], "right": []} and not view.uncertain_label.text()


def test_a_best_with_no_clean_trial_says_its_heel_was_uncertain() -> None:
    """Every trial in doubt: the best is the counted trials', and the card says so (never silently)."""
    note = "heel may have lifted 1.9 cm (± 0.6) — not used for the best"
    res = testresult.result({"left": [40.0, 42.0]}, Profile(), {}, {"left": [note, note]})
    card = testresult.card(res, {}, lambda cm: f"{cm} cm")
    assert card["sides"]["left"]["angle_deg"] == 42.0 and card["sides"]["left"]["heel_uncertain"]
    assert any(n.startswith("Left: the heel may have lifted on every trial") for n in card["notes"])
    res = testresult.result({"left": [40.0, 42.0]}, Profile(), {}, {"left": ["", note]})
    card = testresult.card(res, {}, lambda cm: f"{cm} cm")
    assert card["sides"]["left"]["angle_deg"] == 40.0 and not card["sides"]["left"]["heel_uncertain"]
