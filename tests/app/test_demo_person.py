"""The demo's virtual person follows the app like a person: calibrates when it connects, then stands
until Start, then does the test or drill that was started, with the leg that was chosen."""

from __future__ import annotations

import numpy as np
import qasync
from pytestqt.qtbot import QtBot

from dorsi.app.run import build
from dorsi.app.sources import VirtualHub
from dorsi.ui.models import COL_INCLINATION
from dorsi.virtual.ble.feed import PersonFeed

from .helpers import wait_for

RATE_HZ = 100.0


def segment(code: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Samples that say where they come from: acc x = segment code + row / 1000."""
    acc = np.zeros((n, 3))
    acc[:, 0] = code + np.arange(n) / 1000.0
    acc[:, 2] = 9.81
    return acc, np.zeros((n, 3))


def played(feed: PersonFeed, first: int, stop: int) -> np.ndarray:
    return feed.acc_mps2[feed.rows(first, stop), 0]


def person() -> PersonFeed:
    return PersonFeed.of(RATE_HZ, {"prologue": segment(1.0, 50), "idle": segment(0.0, 20), "act": segment(2.0, 30)})


def test_the_person_stands_until_the_app_connects_and_calibrates_once() -> None:
    feed = person()
    assert np.all(np.floor(played(feed, 0, 100)) == 0.0)  # standing, looped
    feed = feed.restarted(1000)
    got = played(feed, 1000, 1080)
    assert np.allclose(got[:50], 1.0 + np.arange(50) / 1000)  # the whole calibration, in order
    assert np.allclose(got[50:70], np.arange(20) / 1000)  # then standing
    assert np.allclose(got[70:], np.arange(10) / 1000)  # standing goes on, looped


def test_the_act_begins_at_start_and_the_person_stands_again_after_it() -> None:
    feed = person().restarted(0).cued(500, "act")
    assert np.all(np.floor(played(feed, 60, 500)) == 0.0)  # waiting for Start
    got = played(feed, 500, 560)
    assert np.allclose(got[:30], 2.0 + np.arange(30) / 1000)  # the act from its beginning
    assert np.all(np.floor(got[30:]) == 0.0)
    # Stop in the middle of the act: the person stops and stands
    stopped = feed.cued(510, None)
    assert np.allclose(played(stopped, 500, 510), 2.0 + np.arange(10) / 1000)
    assert np.all(np.floor(played(stopped, 510, 600)) == 0.0)


def test_start_during_the_calibration_waits_for_its_end_and_stop_cancels_it() -> None:
    feed = person().restarted(0).cued(20, "act")
    got = played(feed, 0, 100)
    assert np.allclose(got[:50], 1.0 + np.arange(50) / 1000)  # the calibration is finished first
    assert np.allclose(got[50:80], 2.0 + np.arange(30) / 1000)
    cancelled = feed.cued(30, None)
    assert np.all(np.floor(played(cancelled, 50, 100)) == 0.0)


def test_a_new_act_joins_the_table_without_moving_the_others() -> None:
    feed = person().restarted(0)
    grown = feed.with_segment("other", *segment(3.0, 40)).cued(100, "other")
    assert len(grown) == len(feed) + 40
    assert np.allclose(played(grown, 0, 50), played(feed, 0, 50))
    assert np.allclose(played(grown, 100, 140), 3.0 + np.arange(40) / 1000)


def test_the_demo_person_waits_for_start_on_the_virtual_sensor(qtbot: QtBot, qloop: qasync.QEventLoop) -> None:
    app = build(VirtualHub(8.0))
    w, m = app.window, app.models
    qtbot.addWidget(w)
    w.show()
    c = m.connection

    async def scenario() -> None:
        await app.start()
        await app.controller.connect(c.devices[0].key)
        w.show_screen("Calibrate")
        await wait_for(m.calibration.changed, lambda: m.calibration.phase == "done", 30, "calibration")
        rate = c.rate_hz
        # 20 s with nothing started: the person stands (the old demo was at the wall by now)
        wait_until = c.samples_received + 20.0 * rate
        frames = w.calibrate_view.plot.timer.timeout
        await wait_for(frames, lambda: c.samples_received >= wait_until, 30, "20 s of the sensor")
        _t, v = m.live.ring.window(19.0)
        standing = m.live.standing_inclination_deg or 0.0
        assert float(np.max(v[:, COL_INCLINATION])) < standing + 8.0, "the person moved before Start"

        # Start: the person does the test, with the leg chosen, as the app asked
        w.show_screen("Knee-to-wall")
        w.test_view.side_buttons["right"].click()
        w.test_view.run_button.click()
        t = m.test
        await wait_for(t.changed, lambda: not t.state.running, 60, "three right trials")
        assert len(t.state.trials["right"]) == 3
        assert all(v > standing + 15.0 for v in t.state.trials["right"])
        await app.close()

    qloop.run_until_complete(scenario())
