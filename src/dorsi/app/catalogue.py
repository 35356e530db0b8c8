"""The drill list the Drills screen shows, from dorsi.drills' catalogue data (catalog.toml)."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from dorsi.drills import DRILL_IDS
from dorsi.ui.models import DrillInfo


def _as_int(value: Any) -> int:
    if isinstance(value, list | tuple):
        return int(max(value)) if value else 0
    return int(value or 0)


def load_catalogue() -> list[DrillInfo]:
    """Every drill with its cues and source; tests (kind = "test") are left to the test screen."""
    try:
        text = resources.files("dorsi.drills").joinpath("catalog.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (FileNotFoundError, tomllib.TOMLDecodeError, ModuleNotFoundError):
        return [DrillInfo(id=d, title=d.replace("-", " ").capitalize()) for d in DRILL_IDS if d != "knee-to-wall"]
    sources = data.get("sources", {})
    out = []
    for d in data.get("drill", []):
        if d.get("kind") == "test":
            continue
        out.append(
            DrillInfo(
                id=str(d["id"]),
                title=str(d.get("name", d["id"])),
                source=str(sources.get(str(d.get("source", "")), d.get("source", ""))),
                prescription=str(d.get("prescription", "")),
                cues=tuple(str(c) for c in d.get("cues", ())),
                target_hold_s=float(d.get("hold_s", 0.0) or 0.0),
                reps_per_set=_as_int(d.get("reps")),
                sets=_as_int(d.get("sets")),
            )
        )
    return out
