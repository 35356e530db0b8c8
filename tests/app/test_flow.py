"""The whole flow on the virtual BLE sensor (bumble + bleak), driven through the window like a person.

connect → calibrate → knee-to-wall left and right (three trials each, via space/L/R)
→ a drill with reps counted and the hold beep → history shows both results → CSV exported.
The virtual sensor runs 8× faster than real time (its radio clock is scaled, so
every time stamp stays consistent); the demo person begins each test or drill when
Start is pressed, so a faster sensor than the app can follow on a loaded machine
would only add waiting (the samples queue up in the virtual link, none is lost).
"""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from dorsi.app.feed import DEMO_STRAP_ROTATION_DEG
from dorsi.app.run import build
from dorsi.app.sources import VirtualHub
from dorsi.protocol.kinds import KINDS

from .helpers import wait_for

SPEED = 8.0


@pytest.mark.timeout(240)  # the whole routine; on a loaded 2-core machine the app follows the sensor at ~5×
def test_whole_flow_on_virtual_ble_sensor(qtbot: QtBot, qloop: qasync.QEventLoop, tmp_path: Path) -> None:
    app = build(VirtualHub(SPEED))
    w, m = app.window, app.models
    qtbot.addWidget(w)
    w.show()
    export_dir = tmp_path / "export"
    export_dir.mkdir()

    async def scenario() -> None:
        await app.start()
        c = m.connection
        assert [d.kind for d in c.devices] == [f"virtual {k}" for k in KINDS]  # ours first: connected below
        assert c.devices[0].rssi_dbm is not None and c.devices[0].battery_pct is not None

        # connect from the Connect screen
        w.connect_view.table.selectRow(0)
        qtbot.mouseClick(w.connect_view.connect_button, Qt.MouseButton.LeftButton)
        await wait_for(c.changed, lambda: c.state == "streaming", 20, "streaming")
        assert "streaming" in w.badge.text()

        # guided calibration: quiet standing, two knee drives
        w.show_screen("Calibrate")
        cal = m.calibration
        await wait_for(cal.changed, lambda: cal.phase == "done", 30, "calibration")
        assert cal.drives_seen == 2
        assert cal.strap_rotation_deg is not None
        assert abs(cal.strap_rotation_deg - DEMO_STRAP_ROTATION_DEG) < 5.0
        assert "Strap rotation" in w.calibrate_view.result_label.text()

        # knee-to-wall, left then right, with the keyboard
        w.show_screen("Knee-to-wall")
        t = m.test
        qtbot.keyClick(w, Qt.Key.Key_L)
        qtbot.keyClick(w, Qt.Key.Key_Space)
        assert t.state.running and t.state.side == "left"
        await wait_for(t.changed, lambda: not t.state.running, 60, "three left trials")
        assert len(t.state.trials["left"]) == 3
        qtbot.keyClick(w, Qt.Key.Key_R)
        qtbot.keyClick(w, Qt.Key.Key_Space)
        assert t.state.running and t.state.side == "right"
        await wait_for(t.changed, lambda: not t.state.running, 60, "three right trials")
        assert len(t.state.trials["right"]) == 3
        result = t.state.result
        assert result is not None and set(result["sides"]) == {"left", "right"}
        for side in ("left", "right"):
            angle = result["sides"][side]["angle_deg"]
            assert 25.0 < angle < 60.0, angle
            assert result["sides"][side]["toe_to_wall_cm"] > 0
        assert result.get("asymmetry")
        card = w.test_view.card_text.text()
        for side in ("left", "right"):
            assert f"{side.title()} {result['sides'][side]['angle_deg']:.1f}°" in card
            assert result["sides"][side]["band"] in card

        # a drill: banded mobilization, 2 s holds
        w.show_screen("Drills")
        w.drill_view.select("banded-mobilization")
        d = m.drill
        beeps = app.window.beeper.played
        qtbot.keyClick(w, Qt.Key.Key_Space)
        assert d.live.running
        await wait_for(d.changed, lambda: d.live.rep_count >= 3, 60, "three drill reps")
        qtbot.keyClick(w, Qt.Key.Key_Space)
        assert not d.live.running
        assert w.drill_view.table.rowCount() >= 3
        assert w.drill_view.count_label.text().startswith("Right leg")  # the side chosen last (R)
        assert "right leg" in w.drill_view.set_caption.text()
        assert app.window.beeper.played > beeps, "the hold ring never filled"

        # history shows both sides' results; export a session and the history
        w.show_screen("History")
        h = m.history
        await wait_for(h.changed, lambda: len(h.tests) >= 2, 10, "history")
        assert {r["side"] for r in h.tests} == {"left", "right"}
        assert len(h.sessions) >= 3
        w.history_view.ask_folder = lambda: str(export_dir)
        w.history_view.table.selectRow(0)
        qtbot.mouseClick(w.history_view.export_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(w.history_view.export_history_button, Qt.MouseButton.LeftButton)
        await app.close()
        # nothing left running: the virtual sensor's re-advertising after the disconnect included
        left = [t.get_coro() for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert left == [], left

    qloop.run_until_complete(scenario())
    files = sorted(p.name for p in export_dir.iterdir())
    assert any(f.endswith(".csv") for f in files), files
    history = export_dir / "dorsi_history.csv"
    with history.open() as f:
        rows = list(csv.DictReader(f))
    assert {r["side"] for r in rows} == {"left", "right"}
    samples = [p for p in export_dir.iterdir() if p.name.endswith("samples.csv")]
    assert samples
    with samples[0].open() as f:
        assert sum(1 for _ in f) > 100
