"""The clinician's requests: test reports and the reliability study, done with dorsi.report on the store.

Reports are written on the Qt thread (one page: a fraction of a second); failures become one
sentence on the error banner, like every other request.
"""

from __future__ import annotations

from datetime import datetime

from dorsi.errors import DorsiError
from dorsi.report import collect, study, write_report
from dorsi.report.chart import image
from dorsi.report.data import test_of, test_rows
from dorsi.store import SessionStore
from dorsi.ui.models import AppModels
from dorsi.ui.study_model import StudySession

PLOT_SIZE_PX = (1000, 420)  # the Bland–Altman image (angle and cm) the screen scales down


class ClinicController:
    def __init__(self, models: AppModels, store: SessionStore | None) -> None:
        self.m = models
        self.store = store
        models.test.report_requested.connect(lambda path: self.report(0, path))
        models.history.report_requested.connect(self.report)
        s = models.study
        s.refresh_requested.connect(self.refresh_study)
        s.mark_requested.connect(self.mark)
        s.unmark_requested.connect(self.unmark)

    def report(self, session_id: int, path: str) -> None:
        """The report of the test this session belongs to (0: the latest test)."""
        if self.store is None:
            self.m.messages.error.emit("No session store: there is nothing to report.")
            return
        try:
            data = collect(self.store, test_of(self.store, session_id) if session_id else ())
            out = write_report(data, path)
        except DorsiError as exc:
            self.m.messages.error.emit(str(exc))
            return
        self.m.messages.info.emit(f"Saved the report of the test of {data.taken_at[:10]} to {out}")

    def mark(self, session_ids: list[int], design: str, raters: list[str]) -> None:
        if self.store is None:
            return
        try:
            gid = study.mark(self.store, session_ids, design, raters or None)
        except DorsiError as exc:
            self.m.study.status = str(exc)
            self.m.study.changed.emit()
            return
        self.refresh_study(f"Marked sessions {', '.join(map(str, session_ids))} as repeat group {gid}.")

    def unmark(self, session_ids: list[int]) -> None:
        if self.store is None:
            return
        try:
            self.store.unmark_repeats(session_ids)
        except DorsiError as exc:
            self.m.study.status = str(exc)
            self.m.study.changed.emit()
            return
        self.refresh_study(f"Unmarked sessions {', '.join(map(str, session_ids))}.")

    def refresh_study(self, done: str = "") -> None:
        """The sessions and groups, and the statistics over every group of the chosen design."""
        s = self.m.study
        s.rows, s.meanings, s.plot, s.status = [], [], None, done
        if self.store is None:
            s.changed.emit()
            return
        try:
            groups = self.store.repeat_groups()
            rows = test_rows(self.store)
            infos = {i.id: i for i in self.store.sessions() if i.id in rows}
            label = {
                m.session_id: f"{g.id} ({g.design})" + (f": {m.rater}" if m.rater else "")
                for g in groups
                for m in g.members
            }
            s.sessions = [
                StudySession(
                    id=sid,
                    started=_local(infos[sid].started_at),
                    side=rows[sid]["side"],
                    angle_deg=float(rows[sid]["angle_deg"]),
                    toe_to_wall_cm=rows[sid].get("toe_to_wall_cm"),
                    group=label.get(sid, ""),
                )
                for sid in sorted(infos, key=lambda i: (infos[i].started_at, i), reverse=True)
            ]
            ids = [sid for g in groups if g.design == s.design for sid in g.session_ids]
            if ids:
                res = study.analyse(study.load(self.store, ids))
                s.rows = study.table_rows(res)
                s.meanings = list(study.meanings(res).values())
                charts = study.bland_altman_charts(res)
                s.plot = image(charts, *PLOT_SIZE_PX) if charts else None
            elif not done:
                s.status = f"No {s.design} group marked yet."
        except DorsiError as exc:
            s.status = " ".join(p for p in (done, str(exc)) if p)
        s.changed.emit()


def _local(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso
