"""The app on a damaged sessions.db: says so once with the path, keeps the file, saves into a fresh one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dorsi.app.feed import demo_feed
from dorsi.app.run import build
from dorsi.app.sources import ReplayHub
from dorsi.store.paths import default_db_path
from tests.app.helpers import feed_engine

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_app_moves_a_damaged_database_aside_and_saves_the_next_test(qtbot: QtBot) -> None:
    db = default_db_path()
    db.parent.mkdir(parents=True)
    garbage = os.urandom(8192)
    db.write_bytes(garbage)

    app = build(ReplayHub(1.0))
    w, m = app.window, app.models
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    QApplication.processEvents()

    # said once, plainly, with the path; the damaged bytes are kept next to it, untouched
    said = w.message_bar.alert_text()
    assert "damaged" in said and str(db) in said, said
    moved = [p for p in db.parent.iterdir() if p.name.startswith("sessions.db.damaged-")]
    assert len(moved) == 1 and moved[0].read_bytes() == garbage
    assert str(moved[0]) in said and "dorsi export --from" in said
    assert app.store is not None and app.store.path == db

    # a completed knee-to-wall test is saved and History shows it
    feed, engine = demo_feed(), app.controller.engine
    engine.begin_stream(feed.rate_hz, "REPLAY")
    t_s = feed_engine(engine, feed, 0.0, feed.segment_start_s[1], until=lambda: m.live.calibrated)
    w.show_screen("Knee-to-wall")
    qtbot.mouseClick(w.test_view.side_buttons["left"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.test_view.run_button, Qt.MouseButton.LeftButton)
    feed_engine(engine, feed, t_s, feed.segment_start_s[1], until=lambda: not m.test.state.running)
    assert len(m.test.state.trials["left"]) == 3
    w.show_screen("History")
    app.controller.refresh_history()
    QApplication.processEvents()
    assert len(m.history.tests) == 1 and m.history.tests[0]["side"] == "left"
    table = w.history_view.table
    headers = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
    drills = [table.item(r, headers.index("Drill")).text().lower() for r in range(table.rowCount())]
    assert table.rowCount() == 1 and any("knee-to-wall" in d for d in drills), drills
    # once: nothing else was said about the database
    assert sum("damaged" in a[2] for a in w.message_bar._alerts) == 1
    app.store.close()


def test_export_from_reads_what_it_can_of_a_moved_database(tmp_path: Path) -> None:
    from dorsi.cli.main import main

    db = tmp_path / "old.db"
    db.write_bytes(os.urandom(8192))
    assert main(["export", "--from", str(db), "--all", "--out", str(tmp_path / "out")]) == 1
    assert db.read_bytes()  # never rewritten


def test_history_of_two_cm_models_says_so(qtbot: QtBot) -> None:
    from dorsi.store import SessionStore

    from .helpers import fake_recording, fake_summary

    with SessionStore.open() as store:
        for seed, model in ((1, "old formula"), (2, "new formula")):
            summary = fake_summary(0)
            summary["test"]["model"] = model
            store.add_recording(fake_recording(200, seed=seed), drill="knee-to-wall", side="left", summary=summary)
    app = build(ReplayHub(1.0))
    qtbot.addWidget(app.window)
    app.controller.refresh_history()
    assert "2 versions of the cm estimate" in app.window.message_bar.alert_text()
    assert app.store is not None
    app.store.close()


def test_export_from_an_older_database_file_reads_every_session(tmp_path: Path) -> None:
    """The moved-aside file may be of an older schema: it is read through a migrated copy, never written."""
    import sqlite3

    from dorsi.cli.main import main
    from dorsi.store import SessionStore
    from dorsi.store.schema import MIGRATIONS, migrate

    from .helpers import fake_recording

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, MIGRATIONS[:2])
    conn.close()
    with SessionStore.open(tmp_path / "new.db") as store:  # the samples, written the current way
        for seed in (1, 2):
            store.add_recording(fake_recording(50, seed=seed), drill="knee-to-wall", side="left")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("ATTACH ? AS new", (str(tmp_path / "new.db"),))
    cols = "id, drill, side, started_at, status, columns, n_samples, first_time_s, last_time_s"
    conn.execute(f"INSERT INTO sessions ({cols}) SELECT {cols} FROM new.sessions")
    conn.execute("INSERT INTO sample_chunks SELECT * FROM new.sample_chunks")
    conn.execute("DETACH new")
    conn.close()
    before = db.read_bytes()
    assert main(["export", "--from", str(db), "--all", "--out", str(tmp_path / "out")]) == 0
    assert len(list((tmp_path / "out").glob("*_samples.csv"))) == 2
    assert db.read_bytes() == before
