"""write_simulation(): raw IMU CSV + <stem>.truth.csv + <stem>.truth.json, each written atomically."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from dorsi.errors import StorageError
from dorsi.io.rawcsv import format_columns, write_raw_csv, write_text_atomic
from dorsi.virtual.sim.params import SimResult

TRUTH_FORMATS = {
    "time_s": "%.6f",
    "tibial_inclination_deg": "%.5f",
    "frontal_tilt_deg": "%.5f",
    "quat_w": "%.8f",
    "quat_x": "%.8f",
    "quat_y": "%.8f",
    "quat_z": "%.8f",
    "heel_rise_m": "%.6f",
}


def truth_paths(out_csv: Path) -> tuple[Path, Path]:
    out = Path(out_csv)
    return out.with_name(out.stem + ".truth.csv"), out.with_name(out.stem + ".truth.json")


def _clean(x: Any) -> Any:
    """JSON-safe: NaN/inf become null, tuples lists."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    return x


def truth_document(result: SimResult) -> dict[str, Any]:
    return _clean(
        {
            "params": dataclasses.asdict(result.params),
            "calibration": result.calibration,
            "reps": result.reps,
            "truncated_reps": result.truncated_reps,
            "events": result.events,
            "sensor": result.sensor,
            "person": result.person,
        }
    )


def write_simulation(result: SimResult, out_csv: Path) -> None:
    """Write the raw CSV at out_csv and the truth files beside it. StorageError if not writable."""
    out = Path(out_csv)
    if not out.parent.is_dir():
        raise StorageError(f"{out}: cannot write: no such directory {out.parent}")
    if out.is_dir():
        raise StorageError(f"{out}: cannot write: is a directory")
    truth_csv, truth_json = truth_paths(out)
    write_raw_csv(out, result.recording, {"sample_counter": "%d"})
    write_text_atomic(truth_csv, format_columns(result.truth_arrays(), TRUTH_FORMATS))
    write_text_atomic(truth_json, json.dumps(truth_document(result), indent=1, allow_nan=False) + "\n")
