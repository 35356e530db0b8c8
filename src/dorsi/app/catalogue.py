"""The drill list the Drills screen shows, from dorsi.drills' catalogue."""

from __future__ import annotations

from dorsi.drills import catalog
from dorsi.ui.models import DrillInfo


def load_catalogue() -> list[DrillInfo]:
    """Every drill with its cues and source; tests (kind "test") belong to the Knee-to-wall screen."""
    return [
        DrillInfo(
            id=d.id,
            title=d.name,
            source=f"{d.source_title} (article {d.source})",
            prescription=d.prescription,
            cues=d.cues,
            target_hold_s=d.hold_s or d.final_hold_s,
            reps_per_set=d.reps_max,
            sets=d.sets,
        )
        for d in catalog().values()
        if d.kind != "test"
    ]
