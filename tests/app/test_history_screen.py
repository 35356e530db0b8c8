"""History: every session with its result, and an export status that never squeezes the table."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dorsi.app.feed import demo_feed
from dorsi.app.run import build
from dorsi.app.sources import ReplayHub

from .helpers import feed_engine


def test_history_lists_each_sessions_result_and_a_one_line_export_status(qtbot: QtBot, tmp_path: Path) -> None:
    app = build(ReplayHub(1.0))  # a real session store in the test's data folder
    w, m = app.window, app.models
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    feed, engine = demo_feed(), app.controller.engine
    engine.begin_stream(feed.rate_hz, "REPLAY")
    t_s = feed_engine(engine, feed, 0.0, feed.segment_start_s[1], until=lambda: m.live.calibrated)

    # the demo person's left knee-to-wall trials, then a set of banded mobilization
    w.show_screen("Knee-to-wall")
    qtbot.mouseClick(w.test_view.side_buttons["left"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.test_view.run_button, Qt.MouseButton.LeftButton)
    t_s = feed_engine(engine, feed, t_s, feed.segment_start_s[1], until=lambda: not m.test.state.running)
    assert len(m.test.state.trials["left"]) == 3
    t_s = feed_engine(engine, feed, t_s, feed.segment_start_s[2])
    w.show_screen("Drills")
    w.drill_view.select("banded-mobilization")
    qtbot.mouseClick(w.drill_view.run_button, Qt.MouseButton.LeftButton)
    feed_engine(engine, feed, t_s, t_s + 80.0, until=lambda: m.drill.live.rep_count >= 3)
    qtbot.mouseClick(w.drill_view.run_button, Qt.MouseButton.LeftButton)

    w.show_screen("History")
    view = w.history_view
    table = view.table
    headers = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
    assert "Result" in headers
    drill_col, result_col = headers.index("Drill"), headers.index("Result")
    results = {table.item(r, drill_col).text(): table.item(r, result_col).text() for r in range(table.rowCount())}
    assert len(results) == 2, results
    test_result = next(text for drill, text in results.items() if "knee-to-wall" in drill.lower())
    left = m.test.state.result["sides"]["left"]  # type: ignore[index]
    assert f"{left['angle_deg']:.1f}°" in test_result
    assert app.settings.format_length(left["toe_to_wall_cm"]) in test_result
    assert left["band"] in test_result
    drill_result = next(text for drill, text in results.items() if "banded" in drill.lower())
    best = max(r["peak_tibial_inclination_deg"] for r in m.drill.live.reps if not r.get("partial"))
    assert f"{m.drill.live.rep_count} reps" in drill_result and f"best {best:.1f}°" in drill_result

    # an export names its files on one line (all of them in the tooltip); the table keeps its size
    QApplication.processEvents()
    sizes = table.height(), view.status.height()
    view.ask_folder = lambda: str(tmp_path / "exports")
    table.selectRow(0)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert m.history.last_export, "nothing was exported"
    assert (table.height(), view.status.height()) == sizes
    assert view.status.text().startswith("Exported")
    for path in m.history.last_export:
        assert path in view.status.toolTip()
    app.store.close()  # type: ignore[union-attr]
