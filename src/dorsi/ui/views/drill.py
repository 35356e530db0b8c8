"""Drills: pick one, read its cues, watch the trace; reps counted, holds timed (ring + beep), scored."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dorsi.ui.models import DrillLive, DrillModel, LiveModel
from dorsi.ui.sound import Beeper
from dorsi.ui.views.common import Card, LiveScreen, fmt_deg, read_only_table, text_label
from dorsi.ui.widgets import BigNumber, ElidedLabel, HoldRing, LivePlot


class DrillView(LiveScreen):
    COLUMNS = ("Rep", "Set", "Peak", "Hold", "Score", "Why")

    def __init__(self, model: DrillModel, live: LiveModel, beeper: Beeper, parent: QWidget | None = None) -> None:
        super().__init__(live, "Drills", model.side_requested.emit, "Start (space)", parent)
        self.model = model
        self.beeper = beeper
        layout = self.screen_layout
        self.picker = QComboBox()
        self.picker.setMinimumHeight(40)
        self.picker.setMinimumWidth(260)
        self.picker.currentIndexChanged.connect(self._picked)
        self.top_row.insertWidget(2, self.picker)  # after the heading and its stretch, before the leg

        middle = QHBoxLayout()
        self.cues = Card("How")
        self.cues_text = text_label("", 15)
        self.cues.body.addWidget(self.cues_text)
        self.cues.body.addStretch(1)
        self.cues.setMinimumWidth(300)
        middle.addWidget(self.cues, 2)
        centre = QVBoxLayout()
        self.number = BigNumber()
        self.number.setMinimumHeight(130)
        centre.addWidget(self.number, 3)
        self.count_label = text_label("", 28, bold=True)  # wraps: a long line must not widen the window
        centre.addWidget(self.count_label, 1)
        middle.addLayout(centre, 3)
        self.ring = HoldRing()
        middle.addWidget(self.ring, 2)
        layout.addLayout(middle, 3)

        bottom = QHBoxLayout()
        self.plot = LivePlot(live, span_s=20.0)
        self.plot.setMinimumHeight(180)
        bottom.addWidget(self.plot, 3)
        self.table = read_only_table(self.COLUMNS)
        self.table.setWordWrap(True)
        reps_box = QVBoxLayout()
        self.set_caption = ElidedLabel(mode=Qt.TextElideMode.ElideRight)  # which set the table holds
        font = QFont(self.set_caption.font())
        font.setPixelSize(15)
        font.setBold(True)
        self.set_caption.setFont(font)
        reps_box.addWidget(self.set_caption)
        reps_box.addWidget(self.table, 1)
        bottom.addLayout(reps_box, 3)
        layout.addLayout(bottom, 4)
        self._table_for: list[dict[str, Any]] | None = None  # the set (reps list) the table shows

        self.plot.timer.timeout.connect(self._frame)
        model.changed.connect(self.refresh)
        model.rep_added.connect(lambda _rep: self._sync_table())
        model.rep_revised.connect(self._revise_row)
        model.hold_reached.connect(self._hold_done)
        model.set_completed.connect(self._set_done)
        model.rep_invalid.connect(lambda _why: self.beeper.beep(cue="invalid"))
        self.set_catalogue()

    def set_catalogue(self) -> None:
        self.picker.blockSignals(True)
        self.picker.clear()
        for d in self.model.catalogue:
            self.picker.addItem(d.title, d.id)
        if self.model.selected:
            i = self.picker.findData(self.model.selected)
            if i >= 0:
                self.picker.setCurrentIndex(i)
        elif self.model.catalogue:
            self.model.selected = self.model.catalogue[0].id
        self.picker.blockSignals(False)
        self.refresh()

    def _picked(self, index: int) -> None:
        if index >= 0:
            self.model.selected = str(self.picker.itemData(index))
            self.refresh()

    def select(self, drill_id: str) -> None:
        i = self.picker.findData(drill_id)
        if i >= 0:
            self.picker.setCurrentIndex(i)

    def toggle_running(self) -> None:
        if self.model.live.running:
            self.model.stop_requested.emit()
        elif self.model.selected:
            self.model.start_requested.emit(self.model.selected)

    def _frame(self) -> None:
        self.number.set_value(self.live.current_inclination_deg())
        lv = self.model.live
        if lv.running:
            self.ring.set_hold(lv.hold_s, lv.target_hold_s)

    def _hold_done(self) -> None:
        """The hold-done cue: the ring flashes (always) and the tone plays (unless muted)."""
        self.ring.flash()
        self.beeper.beep()

    def _set_done(self, _set_index: int) -> None:
        """The set-complete cue: the ring flashes, the two-note tone plays; the label says it (refresh)."""
        self.ring.flash()
        self.beeper.beep(cue="set")

    def _sync_table(self) -> None:
        """The table shows the current set, or the last one until Start begins a new set (a new list)."""
        reps = self.model.live.reps
        if reps is not self._table_for or self.table.rowCount() > len(reps):
            self.table.setRowCount(0)
            self._table_for = reps
        for rep in reps[self.table.rowCount() :]:
            self._add_rep(rep)

    def _add_rep(self, rep: dict[str, Any]) -> None:
        """One row per rep (counted from 1 by dorsi.drills; partial attempts shown, not numbered)."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._fill_row(row, rep)
        self.table.scrollToBottom()

    def _revise_row(self, index: int) -> None:
        """A shown rep's figures revised (a calf raise's eccentric, and its score, once its landing was seen)."""
        reps = self.model.live.reps
        if reps is self._table_for and 0 <= index < self.table.rowCount():
            self._fill_row(index, reps[index])

    def _fill_row(self, row: int, rep: dict[str, Any]) -> None:
        hold = rep.get("hold_s")
        reasons = [str(r) for r in rep.get("reasons") or []]
        invalid = rep.get("valid") is False
        partial = bool(rep.get("partial")) or invalid
        cells = (
            "✗" if invalid else "–" if partial else str(rep.get("index", row + 1)),
            str(rep.get("set", 1)),
            fmt_deg(rep.get("peak_tibial_inclination_deg")),
            "–" if hold is None else f"{hold:.1f} s",
            "–" if partial or rep.get("score") is None else f"{rep['score']:.0f}",
            "; ".join(reasons) if reasons else "good",
        )
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if partial:
                item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
            self.table.setItem(row, col, item)
        self.table.resizeRowToContents(row)

    def refresh(self) -> None:
        m = self.model
        info = m.info(m.selected)
        lv = m.live
        self.picker.setEnabled(not lv.running)
        for side, b in self.side_buttons.items():
            b.setChecked(side == m.side)
            b.setEnabled(not lv.running)  # a set is done with one leg
        self.run_button.setText("Stop (space)" if lv.running else "Start (space)")
        if info is not None:
            cues = "".join(f"<li>{c}</li>" for c in info.cues)
            src = f"<br><i>Source: {info.source}</i>" if info.source else ""
            self.cues_text.setText(f"<b>{info.prescription}</b><ul>{cues}</ul>{src}")
        self._sync_table()
        caption, style = self._caption()
        self.set_caption.setText(caption, f"{caption}\nStart begins a new set." if style else caption)
        self.set_caption.setStyleSheet(style)
        side = f"{m.side.title()} leg · " if m.side else ""
        if not lv.running:  # the leg for the next set; the last set's count is on the table's caption
            self.count_label.setText(f"{side}ready")
            self.ring.set_hold(0.0, info.target_hold_s if info is not None else 0.0)
            return
        self.count_label.setText(side + count_text(lv, info.sets if info is not None else 0))

    def _caption(self) -> tuple[str, str]:
        """The line above the table (most important first: it is elided at the end) and its style."""
        lv = self.model.live
        info = self.model.info(lv.drill_id)
        title = info.title if info else lv.drill_id
        if lv.running:
            return f"This set · {lv.side} leg · {title}", ""
        if lv.reps:
            # the finished set stays as the result until Start, marked so it is not taken for a live set
            text = f"✓ Last set: {lv.rep_count} reps · {lv.side} leg · {title}"
            return text, "QLabel { color: white; background: #5d6d7e; border-radius: 4px; padding: 1px 8px; }"
        return "Reps appear here as you do them.", ""


def count_text(lv: DrillLive, sets: int) -> str:
    """The count against the prescription: "Reps 7 of 10", "Reps 10 of 10 + 4 extra" (never "14 of 10"),
    "Set 1 of 3 complete ✓ · rest 42 s"; a rep not counted says why."""
    if lv.target_reps:
        done = min(lv.reps_in_set, lv.target_reps)
        extra = lv.reps_in_set - done
        count = f"Reps {done} of {lv.target_reps}" + (f" + {extra} extra" if extra else "")
    else:
        count = f"Reps {lv.reps_in_set}"
    set_no = max(1, lv.set_index)
    set_text = f" · set {set_no} of {sets}" if sets > 1 else ""
    phase = {"holding": "hold…", "moving": "moving", "waiting": "stand still to begin"}.get(lv.phase, "")
    if lv.set_done_s is not None and lv.phase == "resting":
        of = f" of {sets}" if sets > 1 else ""
        nxt = " to the next set" if sets > set_no else ""
        count = f"Set {set_no}{of} complete ✓ ({count.removeprefix('Reps ')}) · rest {lv.rest_s:.0f} s{nxt}"
        set_text, phase = "", ""
    elif lv.phase == "resting" and lv.rest_s >= 5:
        phase = f"rest {lv.rest_s:.0f} s"
    text = count + set_text + (f" · {phase}" if phase else "")
    if lv.last_invalid:
        return f"{text}\n✗ {lv.last_invalid}"
    return f"{text}\n? {lv.last_uncertain}" if lv.last_uncertain else text
