"""Knee-to-wall test: the live angle, big; three trials per side, best kept; the result card.

The result card reads ``TestState.result``, which the app fills in this shape::

    {"sides": {"left": {"angle_deg", "uncertainty_deg", "toe_to_wall_cm", "uncertainty_cm", "band", …}, …},
     "asymmetry": "one sentence", "comparison": ["one sentence per side", …], "notes": [...]}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QWidget

from dorsi.drills import kneewall
from dorsi.ui.models import Band, LiveModel, TestModel
from dorsi.ui.settings import AppSettings
from dorsi.ui.views.common import (
    SIDE_LABEL,
    Card,
    LiveScreen,
    ask_report_file,
    fmt_deg,
    row_button,
    text_label,
)
from dorsi.ui.widgets import BigNumber, LivePlot


class TestView(LiveScreen):
    def __init__(self, model: TestModel, live: LiveModel, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(live, "Knee-to-wall test", model.side_requested.emit, "Start trials (space)", parent)
        self.model = model
        self.settings = settings
        layout = self.screen_layout
        self.reset_button = row_button(self.top_row, "New test", model.reset_requested.emit)
        self.instructions = text_label("", 15)
        layout.addWidget(self.instructions)

        middle = QHBoxLayout()
        self.number = BigNumber()
        self.number.setMinimumHeight(170)
        middle.addWidget(self.number, 3)
        trials = Card("Trials (best kept)")
        grid = QGridLayout()
        self.trial_labels: dict[str, list[Any]] = {}
        for col, side in enumerate(("left", "right")):
            grid.addWidget(text_label(SIDE_LABEL[side], 15, bold=True, wrap=False), 0, col)
            labels = []
            for row in range(model.TRIALS_PER_SIDE):
                lab = text_label("–", 20, wrap=False)
                grid.addWidget(lab, row + 1, col)
                labels.append(lab)
            self.trial_labels[side] = labels
        trials.body.addLayout(grid)
        self.peak_label = text_label("", 14)
        trials.body.addWidget(self.peak_label)
        self.invalid_label = text_label("", 14)  # trials not counted, with their reason
        self.invalid_label.setStyleSheet("QLabel { color: #c0392b; }")
        trials.body.addWidget(self.invalid_label)
        self.uncertain_label = text_label("", 14)  # trials counted but not used for the best, with their reason
        self.uncertain_label.setStyleSheet("QLabel { color: #b7791f; }")
        trials.body.addWidget(self.uncertain_label)
        middle.addWidget(trials, 2)
        layout.addLayout(middle, 3)

        bottom = QHBoxLayout()
        self.plot = LivePlot(live, span_s=25.0)
        self.plot.setMinimumHeight(200)
        bottom.addWidget(self.plot, 3)
        self.card = Card("Result")
        self.card_text = text_label("Do three trials on each side.", 15)
        self.card.body.addWidget(self.card_text)
        self.card.body.addStretch(1)
        self.report_button = QPushButton("Report (PDF)…")
        self.report_button.setToolTip("A one-page report of this test for the clinic: PDF or HTML")
        self.report_button.clicked.connect(self.save_report)
        self.card.body.addWidget(self.report_button)
        # asks where to save the report; tests replace it
        self.ask_report_file: Callable[[], str] = lambda: ask_report_file(self)
        self.card.setMinimumWidth(320)
        bottom.addWidget(self.card, 2)
        layout.addLayout(bottom, 4)
        self._bands: list[Band] = []
        self.plot.timer.timeout.connect(self._frame)
        model.changed.connect(self.refresh)
        settings.changed.connect(self.refresh)
        self.refresh()

    def save_report(self) -> None:
        path = self.ask_report_file()
        if path:
            self.model.report_requested.emit(path)

    def toggle_running(self) -> None:
        if self.model.state.running:
            self.model.stop_requested.emit()
        else:
            self.model.start_requested.emit(self.model.state.side)

    def _frame(self) -> None:
        self.number.set_value(self.live.current_inclination_deg())
        peak = self.model.state.current_peak_deg
        text = "" if peak is None else f"This trial so far: {peak:.1f}°"
        if text != self.peak_label.text():
            self.peak_label.setText(text)

    def refresh(self) -> None:
        st = self.model.state
        if self.model.bands != self._bands:
            self._bands = list(self.model.bands)
            self.plot.set_bands(self._bands)
        for side, b in self.side_buttons.items():
            b.setChecked(side == st.side)
        self.run_button.setText("Stop (space)" if st.running else "Start trials (space)")
        n = len(st.trials[st.side])
        if st.running:
            self.instructions.setText(
                f"{SIDE_LABEL[st.side]} foot pointing at the wall, heel down: drive the knee to the wall, touch, "
                f"come back. Trial {min(n + 1, self.model.TRIALS_PER_SIDE)} of {self.model.TRIALS_PER_SIDE}."
            )
        else:
            self.instructions.setText(
                f"Side: {SIDE_LABEL[st.side]}. Press space to start; L / R switch sides. "
                "Move the foot back from the wall until the knee only just touches."
            )
        for side, labels in self.trial_labels.items():
            values = st.trials[side]
            doubt = _notes(st.uncertain[side], len(values))
            clean = [v for v, d in zip(values, doubt, strict=True) if not d]
            best = max(clean or values) if values else None  # kneewall.side_result's best
            for i, lab in enumerate(labels):
                v = values[i] if i < len(values) else None
                mark = "★ " if v is not None and v == best else ("? " if i < len(values) and doubt[i] else "")
                lab.setText(mark + fmt_deg(v))
        rejected = [f"✗ {t['peak_deg']:.1f}°: {t['reason']}" for t in st.invalid[st.side]]
        self.invalid_label.setText("\n".join(rejected))
        values = st.trials[st.side]
        doubted = zip(values, _notes(st.uncertain[st.side], len(values)), strict=True)
        self.uncertain_label.setText("\n".join(f"? {v:.1f}°: {d}" for v, d in doubted if d))
        self.card_text.setText(self._card_text(st.result))
        self.report_button.setEnabled(st.result is not None and not st.running)

    def _card_text(self, result: dict[str, Any] | None) -> str:
        if not result:
            return "Do three trials on each side; the best of each side is kept."
        parts = []
        for side in ("left", "right"):
            r = result.get("sides", {}).get(side)
            if not r:
                continue
            cm, unc = r.get("toe_to_wall_cm"), r.get("uncertainty_cm")
            dist = self.settings.format_length(cm)
            if unc is not None and cm is not None:
                dist += f" ± {self.settings.format_length(unc).split()[0]}"
            band = str(r.get("band") or "–")
            detail = f"<br><small>{r['band_detail']}</small>" if r.get("band_detail") else ""
            doubt = " <small>(heel uncertain)</small>" if r.get("heel_uncertain") else ""
            unc_deg = r.get("uncertainty_deg")
            pm = f" ± {unc_deg:.1f}°" if unc_deg is not None else ""  # ~95 % (kneewall.uncertainty)
            parts.append(
                f"<p><span style='font-size:20px'><b>{SIDE_LABEL[side]} {fmt_deg(r.get('angle_deg'))}</b>{pm}</span>"
                f"{doubt}"
                f" · toe to wall ≈ {dist} · <b style='color:{band_color(band)}'>{band}</b>{detail}</p>"
            )
        if result.get("asymmetry"):
            parts.append(f"<p>{result['asymmetry']}</p>")
        parts.extend(f"<p>{s}</p>" for s in result.get("comparison", []))
        parts.extend(f"<p><small><i>{s}</i></small></p>" for s in result.get("notes", []))
        return "".join(parts)


def _notes(notes: list[str], n: int) -> list[str]:
    """One note per trial ("" for a clean one), as many as there are trials."""
    return (list(notes) + [""] * n)[:n]


def band_color(band: str) -> str:
    """The band's colour from dorsi.drills.kneewall's table (the text colour for no band)."""
    return kneewall.band_color(band) or "palette(text)"
