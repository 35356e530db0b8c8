"""The analysis the CLI and the app lend the store: it never imports dorsi.analysis itself.

``analyse_for_import`` runs on an imported raw CSV; ``ExportWithAngles`` gives an export the
per-sample angles of a session stored without them (sessions recorded live store the summary
only) and the cm of each knee-to-wall trial.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorsi.drills import DRILL_IDS
from dorsi.drills.kneewall import Profile, toe_to_wall_cm
from dorsi.motion.types import Recording
from dorsi.store.models import SessionInfo

RECORDING_DRILL = "recording"  # what `dorsi record` stores for a real sensor: no drill named
KNOWN_DRILLS: tuple[str, ...] = (*DRILL_IDS, RECORDING_DRILL)


def analyse_for_import(
    rec: Recording, drill: str, side: str
) -> tuple[dict[str, Any] | None, dict[str, NDArray[np.float64]]]:
    from dorsi.analysis import analyze_recording

    analysis = analyze_recording(
        rec, drill=drill if drill in DRILL_IDS else None, side="right" if side == "right" else "left"
    )
    return analysis.summary(), dict(analysis.derived_columns())


class ExportWithAngles:
    """dorsi.store.export.ExportAnalysis backed by dorsi.analysis and the knee-to-wall cm model."""

    def derived_columns(self, rec: Recording, info: SessionInfo) -> Mapping[str, NDArray[np.float64]]:
        from dorsi.analysis import analyze_recording

        cal = info.calibration or {}
        rotation = cal.get("strap_rotation_deg") if isinstance(cal, dict) else None
        unit = cal.get("unit_calibration") if isinstance(cal, dict) else None
        unit_calibrated = False
        if unit is not None:  # the profile the live session applied (its samples are stored raw): the same angles
            from dorsi.io.profiles import stored_profile

            sensor = stored_profile(f"session {info.id}: calibration.unit_calibration", unit)
            rec = sensor.apply(rec)
            unit_calibrated = sensor.unit.accel_calibrated
        analysis = analyze_recording(
            rec,
            drill=info.drill if info.drill in DRILL_IDS else None,
            side="right" if info.side == "right" else "left",
            strap_rotation_deg=float(rotation) if isinstance(rotation, int | float) else None,
            unit_calibrated=unit_calibrated,
        )
        return analysis.derived_columns()

    def toe_to_wall_cm(self, peak_deg: float, info: SessionInfo) -> float | None:
        """With the tibia and foot lengths the session's own result used (the defaults if none)."""
        test = (info.summary or {}).get("test")
        lengths = test.get("profile") if isinstance(test, dict) else None
        profile = Profile()
        if isinstance(lengths, dict):
            tibia, foot = lengths.get("tibia_cm"), lengths.get("foot_cm")
            if isinstance(tibia, int | float) and isinstance(foot, int | float):
                profile = Profile(tibia_cm=float(tibia), foot_cm=float(foot))
        return toe_to_wall_cm(peak_deg, profile)
