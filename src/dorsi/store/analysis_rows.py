"""Turn an analysis summary (Analysis.summary()) into rep and test-result rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dorsi.store.models import to_json_text

UNVERSIONED_CM_MODEL = "unversioned"  # a stored cm whose result does not name its model


def _num(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def rep_rows(summary: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """(idx, start_s, end_s, peak_deg, hold_s, score, json) per rep."""
    rows = []
    for i, rep in enumerate(summary.get("reps") or []):
        index = rep.get("index")  # a null index, as the sidecar check allows, is one not given
        rows.append(
            (
                int(i if index is None else index),
                _num(rep.get("start_s")),
                _num(rep.get("end_s")),
                _num(rep.get("peak_tibial_inclination_deg")),
                _num(rep.get("hold_s")),
                _num(rep.get("score")),
                to_json_text(rep),
            )
        )
    return rows


def result_rows(summary: Mapping[str, Any], session_side: str) -> list[tuple[Any, ...]]:
    """(side, angle_deg, toe_to_wall_cm, band, json, cm_model) per knee-to-wall result (one or a list).

    cm_model: the cm formula the result names ("model"), so results of different models are never
    compared as one series; None when the result has no cm."""
    test = summary.get("test")
    if not test:
        return []
    results = test if isinstance(test, list) else [test]
    # dorsi.drills' knee_to_wall_result nests one result per side under "sides"
    flat: list[Mapping[str, Any]] = []
    for t in results:
        sides = t.get("sides")
        if isinstance(sides, Mapping):
            shared = {k: v for k, v in t.items() if k != "sides"}
            flat += [{**shared, **res, "side": side, "angle_deg": res.get("best_deg")} for side, res in sides.items()]
        else:
            flat.append(t)
    rows = []
    for t in flat:
        angle = t.get("best_tibial_inclination_deg", t.get("angle_deg"))
        band = t.get("band")
        cm = _num(t.get("toe_to_wall_cm"))
        model = t.get("model")
        rows.append(
            (
                str(t.get("side") or session_side),
                _num(angle),
                cm,
                None if band is None else str(band),
                to_json_text(t),
                None if cm is None else (str(model) if model else UNVERSIONED_CM_MODEL),
            )
        )
    return rows
