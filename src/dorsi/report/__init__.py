"""The clinician's view: a one-page knee-to-wall test report and reliability studies.

- ``collect(store, session_ids)`` (data.py): one test's stored results, the person's earlier tests
  and the drills in between, checked (unknown id, not a knee-to-wall test, two people, two tests).
- ``write_report(data, path)`` (render.py): the page as PDF (Qt) or HTML; content.py holds the words.
- study.py: sessions marked as repeated tests → ICC, SEM, MDC95, Bland–Altman (dorsi.stats).
"""

from dorsi.report.data import ReportData, collect
from dorsi.report.render import write_report

__all__ = ["ReportData", "collect", "write_report"]
