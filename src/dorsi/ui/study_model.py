"""The reliability study's view-model: knee-to-wall sessions, their repeat groups, the statistics.

The Reliability screen (dorsi.ui.views.reliability) emits the requests; the app (dorsi.app.clinic)
marks sessions in the store and fills the statistics and the Bland–Altman plot.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

DESIGNS = (("test-retest", "test–retest"), ("inter-rater", "inter-rater"))


@dataclass(frozen=True)
class StudySession:
    id: int
    started: str  # local time, as shown
    side: str
    angle_deg: float
    toe_to_wall_cm: float | None
    group: str  # "" or "3 (test-retest)", "4: Ana"


class StudyModel(QObject):
    changed = Signal()
    refresh_requested = Signal()
    mark_requested = Signal(list, str, list)  # session ids, design, raters ([] for test-retest)
    unmark_requested = Signal(list)  # session ids

    def __init__(self) -> None:
        super().__init__()
        self.design = "test-retest"  # the design whose statistics are shown
        self.sessions: list[StudySession] = []
        self.rows: list[tuple[str, str, str]] = []  # statistic, angle, cm
        self.meanings: list[str] = []
        self.plot: QImage | None = None  # Bland–Altman, angle and cm
        self.status = ""  # why there are no statistics yet, or what was just done
