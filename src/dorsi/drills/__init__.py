"""Drills: catalogue, rep segmentation, quality scores. Pure: no Qt, BLE or files.

Public API (the app and analyze_recording use these):
- ``catalog()`` / ``get_drill(id)`` → ``Drill`` (source, prescription, targets, cues).
- ``RepCounter(drill, side).update(chunk, frames) -> list[RepEvent]``, ``.state`` (LiveState),
  ``.finish()``, ``.reps``, ``.sets``.
- ``knee_to_wall_result(...)`` (dorsi.drills.kneewall): best per side, cm, bands, asymmetry, MDC.
"""

# Drill ids the product knows (the catalogue in dorsi.drills.catalog carries their details).
DRILL_IDS: tuple[str, ...] = (
    "knee-to-wall",
    "wall-test-half-kneeling",
    "banded-mobilization",
    "banded-distraction",
    "knee-circles",
    "squat-rocks",
    "calf-raises",
    "reverse-lunge",
    "clamshell",
    "ankle-matrix",
    "rocking-mobilization",
)

from dorsi.drills.catalog import Drill, catalog, get_drill  # noqa: E402
from dorsi.drills.counter import RepCounter  # noqa: E402
from dorsi.drills.types import CounterParams, LiveState, Rep, RepEvent  # noqa: E402

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
