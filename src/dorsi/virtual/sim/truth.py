"""Rep truth from the true (noise-free, loss-free) angles at the sensor rate."""

from __future__ import annotations

from typing import Any

import numpy as np

from dorsi.motion.types import F64
from dorsi.virtual.sim.script import CH, Script

HOLD_BAND_DEG = 2.0  # a hold is the contiguous time within this band of the rep's peak
HOLD_BAND_RISE_M = 0.005  # calf raises: the top hold, within 0.5 cm of the highest heel rise


def contiguous_run(signal: F64, i_peak: int, band: float) -> tuple[int, int]:
    """First and last index of the run around i_peak where |signal − signal[i_peak]| ≤ band."""
    inside = np.abs(signal - signal[i_peak]) <= band
    outside = np.flatnonzero(~inside)
    before = outside[outside < i_peak]
    after = outside[outside > i_peak]
    first = int(before[-1]) + 1 if before.size else 0
    last = int(after[0]) - 1 if after.size else len(signal) - 1
    return first, last


def fill_rep_truth(
    reps: list[dict[str, Any]], script: Script, t: F64, incl: F64, frontal: F64, rise: F64
) -> list[dict[str, Any]]:
    """Add peak_s, peak_tibial_inclination_deg, hold_s (and kind-specific fields) to scripted reps."""
    out = []
    for rep in reps:
        i0 = int(np.searchsorted(t, rep["start_s"], side="left"))
        i1 = int(np.searchsorted(t, rep["end_s"], side="right"))
        r = dict(rep)
        if i1 - i0 < 2:
            r.update(peak_s=rep["start_s"], peak_tibial_inclination_deg=float("nan"), hold_s=0.0)
            out.append(r)
            continue
        tt, inc = t[i0:i1], incl[i0:i1]
        kind = rep.get("kind", "drive")
        if kind == "calf-raise":
            signal, band = rise[i0:i1], HOLD_BAND_RISE_M
            k = int(np.argmax(signal))
            r["rise_cm"] = round(float(signal[k]) * 100.0, 3)
        elif kind == "tilt":
            signal, band = frontal[i0:i1], HOLD_BAND_DEG
            k = int(np.argmax(np.abs(signal - signal[0])))
            r["peak_frontal_tilt_deg"] = float(signal[k])
        elif kind == "rotate":
            values, _ = script.evaluate(tt)
            signal, band = values[:, CH["gamma_deg"]], HOLD_BAND_DEG
            k = int(np.argmax(np.abs(signal - signal[0])))
            r["peak_axial_rotation_deg"] = float(signal[k] - signal[0])
        else:  # drive, rock, circle, hold: the highest true tibial inclination
            signal, band = inc, HOLD_BAND_DEG
            k = int(np.argmax(signal))
        first, last = contiguous_run(signal, k, band)
        r["peak_s"] = float(tt[k])
        r["peak_tibial_inclination_deg"] = float(inc[k])
        r["peak_frontal_tilt_at_peak_deg"] = float(frontal[i0 + k])
        r["hold_s"] = float(tt[last] - tt[first])
        out.append(r)
    return out
