"""The report buttons (knee-to-wall result, History) and the Reliability screen, in a real window on a real store."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtCore import QItemSelectionModel
from pytestqt.qtbot import QtBot

from dorsi.app.clinic import ClinicController
from dorsi.store import SessionStore
from dorsi.ui.models import AppModels
from dorsi.ui.settings import AppSettings
from dorsi.ui.window import MainWindow

from .helpers import Program, seed_program


@pytest.fixture
def app(qtbot: QtBot) -> Iterator[tuple[MainWindow, AppModels, SessionStore, Program, list[str]]]:
    store = SessionStore.open()
    prog = seed_program(store)
    models = AppModels()
    window = MainWindow(models, AppSettings())
    qtbot.addWidget(window)
    clinic = ClinicController(models, store)
    messages: list[str] = []
    models.messages.info.connect(messages.append)
    models.messages.error.connect(lambda m: messages.append("error: " + m))
    yield window, models, store, prog, messages
    del clinic
    store.close()


def pdf_text(path: Path) -> str:
    return pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages[0].extract_text()


def test_the_result_card_saves_the_latest_test_as_a_report(app: Any, tmp_path: Path) -> None:
    window, models, _store, _prog, messages = app
    view = window.test_view
    window.show_screen("Knee-to-wall")
    assert not view.report_button.isEnabled()  # no result on the screen yet
    models.test.state.result = {"sides": {}, "comparison": [], "notes": []}
    models.test.changed.emit()
    assert view.report_button.isEnabled()
    out = tmp_path / "latest.pdf"
    view.ask_report_file = lambda: str(out)
    view.report_button.click()
    assert "2026-04-13" in pdf_text(out)
    assert messages[-1] == f"Saved the report of the test of 2026-04-13 to {out}"


def test_history_reports_the_selected_sessions_whole_test(app: Any, tmp_path: Path) -> None:
    window, models, store, prog, messages = app
    models.history.sessions = [s.to_json() for s in store.sessions()]
    models.history.changed.emit()
    view = window.history_view
    row = next(r for r in range(view.table.rowCount()) if view.table.item(r, 0).text() == str(prog.tests[1]["right"]))
    view.table.selectRow(row)
    out = tmp_path / "week3.html"
    view.ask_report_file = lambda: str(out)
    view.report_button.click()
    html = out.read_text()
    assert "Test of <b>2026-03-23 09:00 UTC</b>" in html
    assert f"sessions {prog.tests[1]['left']}, {prog.tests[1]['right']}" in html  # both sides of that test
    view.table.clearSelection()
    view.ask_report_file = lambda: str(tmp_path / "nowhere" / "x.pdf")
    view.report_button.click()
    assert messages[-1].startswith("error: cannot write") and "does not exist" in messages[-1]


def select(view: Any, session_ids: list[int]) -> None:
    view.table.clearSelection()
    sel = view.table.selectionModel()
    for r in range(view.table.rowCount()):
        if int(view.table.item(r, 0).text()) in session_ids:
            flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
            sel.select(view.table.model().index(r, 0), flags)


def test_reliability_screen_marks_repeats_and_shows_the_statistics(app: Any) -> None:
    window, models, _store, prog, _messages = app
    view = window.reliability_view
    window.show_screen("Reliability")
    assert view.table.rowCount() == 9  # every knee-to-wall session with a result
    assert "No test-retest group marked yet." in view.status.text()
    t = prog.tests
    select(view, [t[0]["left"], t[1]["right"]])
    view.mark_button.click()
    assert "different sides" in view.status.text()
    select(view, [t[0]["left"], t[1]["left"]])
    view.mark_button.click()
    assert "reliability compares people" in view.status.text()  # one person's side is not a study yet
    select(view, [t[0]["right"], t[1]["right"]])
    view.mark_button.click()
    assert view.status.text() == f"Marked sessions {t[0]['right']}, {t[1]['right']} as repeat group 2."
    labels = [view.stats.item(r, 0).text() for r in range(view.stats.rowCount())]
    assert labels[:4] == ["ICC(2,1) [95 % CI]", "ICC(3,1) [95 % CI]", "SEM (√MSE)", "MDC95 (1.96·√2·SEM)"]
    assert "Koo & Li 2016" in view.meaning.text()
    assert models.study.plot is not None and not view.plot.pixmap().isNull()
    groups = {view.table.item(r, 0).text(): view.table.item(r, 5).text() for r in range(view.table.rowCount())}
    assert groups[str(t[0]["left"])] == "1 (test-retest)"
    view.design.setCurrentIndex(1)  # inter-rater: none marked
    assert models.study.rows == [] and "No inter-rater group" in view.status.text()
