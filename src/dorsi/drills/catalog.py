"""The drill catalogue: one TOML file of package data (catalog.toml), read once.

Each drill carries its source article, rep scheme, targets, the signal it is
detected on, the detection thresholds and the cues shown to the person.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from dorsi.errors import InputError

Signal = Literal["inclination", "oscillation", "circle", "vertical", "matrix"]
SIGNALS: tuple[str, ...] = ("inclination", "oscillation", "circle", "vertical", "matrix")


@dataclass(frozen=True)
class Drill:
    id: str
    name: str
    kind: Literal["test", "drill"]
    source: str  # article key, e.g. "004"
    source_title: str
    prescription: str
    signal: Signal
    sets: int
    reps_min: int
    reps_max: int
    cues: tuple[str, ...]
    per_side: bool = False
    hold_s: float = 0.0  # target hold at end range (0: none)
    final_hold_s: float = 0.0  # banded distraction: the closing hold
    eccentric_s: float = 0.0  # calf raises: target lowering time
    duration_s: float = 0.0  # timed drills (banded distraction: 120 s)
    peak_deg: float = 0.0  # tibial-inclination goal (0: none; the person's best is used)
    start_deg: float = 6.0  # rise above the rest level that opens a rep
    min_range_deg: float = 8.0  # smallest counted excursion (below: ignored)
    min_rise_cm: float = 2.0  # calf raises: smallest counted rise
    min_tilt_deg: float = 2.0  # ankle matrix: smallest counted frontal tilt
    min_rotation_deg: float = 3.0  # ankle matrix: smallest counted axial rotation
    min_straight_deg: float = 3.0  # ankle matrix: smallest counted straight-leg forward excursion
    set_gap_s: float = 19.0  # a rest at least this long between reps starts a new set
    heel_down: bool = False  # a drive with the heel lifted is not a valid trial (validity.py)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "source": self.source,
            "source_title": self.source_title,
            "prescription": self.prescription,
            "signal": self.signal,
            "sets": self.sets,
            "reps": [self.reps_min, self.reps_max],
            "per_side": self.per_side,
            "hold_s": self.hold_s,
            "final_hold_s": self.final_hold_s,
            "eccentric_s": self.eccentric_s,
            "duration_s": self.duration_s,
            "peak_deg": self.peak_deg,
            "cues": list(self.cues),
        }


def _parse(doc: dict[str, Any]) -> dict[str, Drill]:
    sources: dict[str, str] = doc.get("sources", {})
    out: dict[str, Drill] = {}
    optional = {f for f in Drill.__dataclass_fields__} - {
        "id",
        "name",
        "kind",
        "source",
        "source_title",
        "prescription",
        "signal",
        "sets",
        "reps_min",
        "reps_max",
        "cues",
    }
    for entry in doc["drill"]:
        if entry["signal"] not in SIGNALS:
            raise ValueError(f"catalog: drill {entry['id']!r} has unknown signal {entry['signal']!r}")
        lo, hi = entry["reps"]
        extra = {k: v for k, v in entry.items() if k in optional}
        out[entry["id"]] = Drill(
            id=entry["id"],
            name=entry["name"],
            kind=entry["kind"],
            source=entry["source"],
            source_title=sources[entry["source"]],
            prescription=entry["prescription"],
            signal=entry["signal"],
            sets=int(entry["sets"]),
            reps_min=int(lo),
            reps_max=int(hi),
            cues=tuple(entry["cues"]),
            **extra,
        )
    return out


@cache
def catalog() -> dict[str, Drill]:
    """All drills by id, in catalogue order."""
    return _parse(tomllib.loads(_catalog_text()))


def _catalog_text() -> str:
    """catalog.toml beside this module; through importlib.resources only when the package is not plain
    files (a zip): that machinery (zipfile, tempfile, …) costs ~4 ms to import on every start."""
    try:
        with open(os.path.join(os.path.dirname(__file__), "catalog.toml"), encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        from importlib import resources

        return resources.files("dorsi.drills").joinpath("catalog.toml").read_text(encoding="utf-8")


DRILL_IDS: tuple[str, ...] = tuple(catalog())  # the drills the product knows: catalog.toml's, in its order


def get_drill(drill_id: str) -> Drill:
    """The drill with this id; InputError naming the valid ids otherwise."""
    drills = catalog()
    if drill_id not in drills:
        raise InputError(f"unknown drill {drill_id!r}; choose one of: {', '.join(drills)}")
    return drills[drill_id]
