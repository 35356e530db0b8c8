"""Drills: catalogue, rep segmentation, quality scores. Pure: no Qt, BLE or files.

Public API (the app and analyze_recording use these):
- ``catalog()`` / ``get_drill(id)`` → ``Drill`` (source, prescription, targets, cues).
- ``RepCounter(drill, side).update(frames) -> list[RepEvent]``, ``.state`` (LiveState),
  ``.finish()``, ``.reps``, ``.sets`` (dorsi.session.LiveSession drives it).
- The segmenters behind it: one per catalogue signal (``segmenters.SEGMENTERS``), each following
  the ``segment.Segmenter`` protocol; every tuned value in ``params``.
- ``knee_to_wall_result(...)`` (dorsi.drills.kneewall): best per side, cm, bands, asymmetry, MDC.
"""

from dorsi.drills.catalog import DRILL_IDS, Drill, catalog, get_drill
from dorsi.drills.counter import RepCounter
from dorsi.drills.params import CounterParams
from dorsi.drills.types import LiveState, Rep, RepEvent

__all__ = [
    "DRILL_IDS",
    "CounterParams",
    "Drill",
    "LiveState",
    "Rep",
    "RepCounter",
    "RepEvent",
    "catalog",
    "get_drill",
]
