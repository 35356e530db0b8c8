"""Drills: catalogue, rep segmentation, quality scores. Pure: no Qt, BLE or files.

Public API (the app and analyze_recording use these):
- ``catalog()`` / ``get_drill(id)`` → ``Drill`` (source, prescription, targets, cues).
- ``RepCounter(drill, side).update(frames) -> list[RepEvent]``, ``.state`` (LiveState),
  ``.finish()``, ``.reps``, ``.sets`` (dorsi.session.LiveSession drives it).
- The segmenters behind it: one per catalogue signal (``segmenters.SEGMENTERS``), each following
  the ``segment.Segmenter`` protocol; every tuned value in ``params``.
- ``knee_to_wall_result(...)`` (dorsi.drills.kneewall): best per side, cm, bands, asymmetry, MDC.
"""

from typing import TYPE_CHECKING, Any

from dorsi.drills.catalog import DRILL_IDS, Drill, catalog, get_drill
from dorsi.drills.types import LiveState, Rep, RepEvent

if TYPE_CHECKING:
    from dorsi.drills.counter import RepCounter
    from dorsi.drills.params import CounterParams


def __getattr__(name: str) -> Any:
    """The counter and its parameters on first use: the segmenters cost 60–70 ms to import, which a
    command that runs no drill (``dorsi analyze`` without ``--drill``) never pays."""
    if name == "RepCounter":
        from dorsi.drills.counter import RepCounter

        return RepCounter
    if name == "CounterParams":
        from dorsi.drills.params import CounterParams

        return CounterParams
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
