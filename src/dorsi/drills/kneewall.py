"""The knee-to-wall (weight-bearing lunge) test result: best angle per side, cm, bands, asymmetry, MDC.

Geometric model (docs/drills.md): the foot is flat with its toe ``d`` from the
wall; the ankle joint sits ``0.75 × foot`` behind the toe; the tibia pivots
about it, and the front of the patella — ``tibia + 4 cm`` along the shin (it sits
above the joint line), ``5 cm`` in front of the tibia's axis — touches the wall:

    d(θ) = (tibia + 4) · sin θ + 5 · cos θ − 0.75 · foot

so a degree is worth ``((tibia + 4) · cos θ − 5 · sin θ) · π/180`` cm (≈ 0.6 cm at
35–45° for a 40 cm tibia). With the default profile the article's 10 cm
boundary falls at ≈ 35°, next to the literature's 36.5° (Backman 2011).

Uncertainty (``uncertainty_deg`` / ``uncertainty_cm``, ~95 %: 1.96 SD, ``uncertainty_coverage``): the
angle's SD is our repeatability (OUR_SEM_DEG) and the sensor's share at the best's inclination (its
accelerometer's offset and scale and its gyro's scale tolerance: dorsi.motion.accuracy) in quadrature; the
cm add ±1.5 cm SD on each length. Rows stored before it carry no ``uncertainty_coverage``: their ± was one
SD, the repeatability alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dorsi.motion.accuracy import COVERAGE_K, UNKNOWN_SENSOR, SensorTolerance, angle_sd_deg

KNEE_DEPTH_CM = 5.0  # front of the patella ahead of the tibia's axis
PATELLA_ABOVE_CM = 4.0  # contact point above the knee joint line, along the shin
ANKLE_FROM_TOE_FRAC = 0.75  # ankle joint behind the toe tip, × foot length
LENGTH_SD_CM = 1.5  # uncertainty of a self-measured tibia or foot length

# Our repeatability, measured on simulated repeated tests (benchmarks/bench_reps.py, docs/drills.md):
# SD of (measured best − true best) over many simulated people, sensors and strap rotations.
OUR_SEM_DEG = 0.27  # bench_reps.py (full): 72 people, bias −0.08°, SD 0.27°
OUR_MDC_DEG = 1.96 * math.sqrt(2.0) * OUR_SEM_DEG  # ≈ 0.75°
ANGLE_TARGET_DEG = 1.5  # issue 18: a peak within ±1.5° of the truth; a wider bound gets the calibration hint
CALIBRATE_HINT = "bench-calibrate this sensor once (calibration/README.md) to narrow it"
LITERATURE_MDC_DEG = 4.6  # Powden 2015 (between clinicians); 4.7° within one
LITERATURE_MDC_CM = 1.6  # Powden 2015 (1.9 cm within one clinician)

RISK_DEG = 36.5  # Backman & Danielson 2011: below → 18–29 % one-year risk of patellar tendinopathy
RUNNING_RISK_DEG = (35.0, 36.0)  # article 004: below 35–36° the running injury risk rises 2–3×
ASYMMETRY_FLAG_CM = 2.0  # article 004: > 2 cm between sides = unilateral restriction
ASYMMETRY_NOTE_CM = 1.5  # Hoch & McKeon 2011: 68 % of healthy adults within 1.5 cm


@dataclass(frozen=True)
class Profile:
    tibia_cm: float = 40.0  # knee joint line to the ankle joint
    foot_cm: float = 26.0  # heel to the longest toe


def toe_to_wall_cm(incl_deg: float, profile: Profile | None = None) -> float:
    p = profile or Profile()
    th = math.radians(incl_deg)
    return (
        (p.tibia_cm + PATELLA_ABOVE_CM) * math.sin(th) + KNEE_DEPTH_CM * math.cos(th) - ANKLE_FROM_TOE_FRAC * p.foot_cm
    )


def cm_uncertainty(incl_deg: float, profile: Profile | None = None, angle_sd_deg: float = OUR_SEM_DEG) -> float:
    p = profile or Profile()
    th = math.radians(incl_deg)
    d_angle = ((p.tibia_cm + PATELLA_ABOVE_CM) * math.cos(th) - KNEE_DEPTH_CM * math.sin(th)) * math.radians(
        angle_sd_deg
    )
    d_tibia = math.sin(th) * LENGTH_SD_CM
    d_foot = ANKLE_FROM_TOE_FRAC * LENGTH_SD_CM
    return math.sqrt(d_angle**2 + d_tibia**2 + d_foot**2)


@dataclass(frozen=True)
class CmBand:
    """One band of a toe-to-wall scale: the cm up to ``hi_cm`` (from the band before it)."""

    label: str
    hi_cm: float
    color: str  # "#rrggbb": how the app shows it (trace, card, history)
    hi_inclusive: bool = False  # the article's "10–13 cm" includes 13; "> 13" starts after it


RED, ORANGE, AMBER, GREEN = "#c0392b", "#e67e22", "#d8a02f", "#2e9d4f"
# Article 004, first section: < 9 significant restriction, 9–10 moderate, 10–13 adequate, > 13 excellent.
# The one table the result, the app's trace, card and history, the report and the CLI read.
BANDS = (
    CmBand("significant restriction", 9.0, RED),
    CmBand("moderate restriction", 10.0, ORANGE),
    CmBand("adequate", 13.0, AMBER, hi_inclusive=True),
    CmBand("excellent", math.inf, GREEN),
)
# Article 004, "testing standards": < 10 restricted, 10–12 functional, 13–15 good, > 15 excellent
# (the article leaves 12–13 open; split at the middle)
TESTING_STANDARDS_BANDS = (
    CmBand("restricted", 10.0, RED),
    CmBand("functional", 12.5, AMBER),
    CmBand("good", 15.0, GREEN, hi_inclusive=True),
    CmBand("excellent", math.inf, GREEN),
)


def band_of(cm: float, bands: tuple[CmBand, ...] = BANDS) -> CmBand:
    return next(b for b in bands if cm < b.hi_cm or (b.hi_inclusive and cm == b.hi_cm))


def band_first_section(cm: float) -> str:
    return band_of(cm, BANDS).label


def band_testing_standards(cm: float) -> str:
    return band_of(cm, TESTING_STANDARDS_BANDS).label


def band_color(label: str) -> str | None:
    """The colour of a band by its label, on either scale (None for an unknown label)."""
    return next((b.color for b in (*BANDS, *TESTING_STANDARDS_BANDS) if b.label == label), None)


def uncertainty(best_deg: float, profile: Profile | None, tol: SensorTolerance) -> dict[str, Any]:
    """The best's ~95 % uncertainty in ° and cm for a sensor of tolerance ``tol`` (module docstring), and the
    hint when the angle's is wider than the 1.5° target."""
    sd_deg = angle_sd_deg(best_deg, tol, OUR_SEM_DEG)
    unc_deg = COVERAGE_K * sd_deg
    hint = ""
    if unc_deg > ANGLE_TARGET_DEG:
        hint = f"± {unc_deg:.1f}° ({tol.source}) is wider than the {ANGLE_TARGET_DEG}° target: {CALIBRATE_HINT}"
    return {
        "uncertainty_cm": round(COVERAGE_K * cm_uncertainty(best_deg, profile, sd_deg), 1),
        "uncertainty_deg": round(unc_deg, 2),
        "uncertainty_coverage": 0.95,
        "uncertainty_source": tol.source,
        "uncertainty_hint": hint,
    }


def side_result(
    trials_deg: list[float],
    profile: Profile | None = None,
    heel_uncertain: list[bool] | None = None,
    tolerance: SensorTolerance = UNKNOWN_SENSOR,
) -> dict[str, Any]:
    """Best of the trials (up to 3) for one side. A trial whose heel may have lifted (``heel_uncertain``, the
    counter's verdict: counted, not confidently heel-down) is not the best while another trial is clean; when
    none is, the best is the counted trials' and says so (``best_heel_uncertain`` and ``heel_note``).
    ``tolerance``: the sensor's accelerometer (SessionSpec.sensor_tolerance), behind the uncertainty."""
    if not trials_deg:
        return {"trials_deg": [], "best_deg": None}
    doubt = list(heel_uncertain) if heel_uncertain is not None else [False] * len(trials_deg)
    clean = [x for x, u in zip(trials_deg, doubt, strict=True) if not u]
    best = max(clean or trials_deg)
    cm = toe_to_wall_cm(best, profile)
    n_doubt = len(trials_deg) - len(clean)
    note = ""
    if not clean:
        note = "the heel may have lifted on every trial: this best is uncertain — redo the test with the heel down"
    elif n_doubt:
        note = f"{n_doubt} trial{'s' if n_doubt > 1 else ''} not used for the best: the heel may have lifted"
    return {
        "trials_deg": [round(x, 2) for x in trials_deg],
        "trials_heel_uncertain": doubt,
        "best_deg": round(best, 2),
        "best_heel_uncertain": not clean,
        "heel_note": note,
        "toe_to_wall_cm": round(cm, 1),
        **uncertainty(best, profile, tolerance),
        "band": band_first_section(cm),
        "band_testing_standards": band_testing_standards(cm),
        "below_backman_36_5_deg": best < RISK_DEG,
        "below_running_35_deg": best < RUNNING_RISK_DEG[0],
    }


def compare(current_deg: float, previous_deg: float, profile: Profile | None = None) -> dict[str, Any]:
    """Is the change since the last test larger than the minimal detectable change?"""
    delta = current_deg - previous_deg
    delta_cm = toe_to_wall_cm(current_deg, profile) - toe_to_wall_cm(previous_deg, profile)
    return {
        "previous_deg": round(previous_deg, 2),
        "change_deg": round(delta, 2),
        "change_cm": round(delta_cm, 1),
        "mdc_deg": round(OUR_MDC_DEG, 2),
        "literature_mdc_deg": LITERATURE_MDC_DEG,
        "real_change": abs(delta) > OUR_MDC_DEG,
        "beyond_literature_mdc": abs(delta) > LITERATURE_MDC_DEG,
        "verdict": (
            ("improved" if delta > 0 else "worse") + f" by {abs(delta):.1f}° — more than our {OUR_MDC_DEG:.2f}° MDC"
            if abs(delta) > OUR_MDC_DEG
            else f"change of {delta:+.1f}° is within measurement error ({OUR_MDC_DEG:.2f}°)"
        ),
    }


def knee_to_wall_result(
    trials: dict[str, list[float]],
    profile: Profile | None = None,
    previous_best_deg: dict[str, float] | None = None,
    heel_uncertain: dict[str, list[bool]] | None = None,
    tolerance: SensorTolerance = UNKNOWN_SENSOR,
) -> dict[str, Any]:
    """Result for the sides tested: ``trials`` maps "left"/"right" to the trials' peak inclinations (°),
    ``heel_uncertain`` (optional) to whether each trial's heel may have lifted (side_result), ``tolerance``
    the sensor's accelerometer tolerance (SessionSpec.sensor_tolerance)."""
    doubt = heel_uncertain or {}
    sides = {s: side_result(v, profile, doubt.get(s), tolerance) for s, v in trials.items() if s in ("left", "right")}
    out: dict[str, Any] = {
        "sides": sides,
        "profile": {"tibia_cm": (profile or Profile()).tibia_cm, "foot_cm": (profile or Profile()).foot_cm},
        "model": "d = (tibia + 4 cm)·sinθ + 5 cm·cosθ − 0.75·foot (docs/drills.md)",
        "thresholds_deg": {"backman_2011": RISK_DEG, "running_004": list(RUNNING_RISK_DEG)},
        "asymmetry": None,
        "change": {},
    }
    left, right = sides.get("left", {}), sides.get("right", {})
    if left.get("best_deg") is not None and right.get("best_deg") is not None:
        diff_cm = abs(left["toe_to_wall_cm"] - right["toe_to_wall_cm"])
        out["asymmetry"] = {
            "difference_cm": round(diff_cm, 1),
            "difference_deg": round(abs(left["best_deg"] - right["best_deg"]), 2),
            "flag": diff_cm > ASYMMETRY_FLAG_CM,
            "noted": diff_cm >= ASYMMETRY_NOTE_CM,
            "restricted_side": ("left" if left["best_deg"] < right["best_deg"] else "right")
            if diff_cm >= ASYMMETRY_NOTE_CM
            else None,
        }
    for s, res in sides.items():
        if previous_best_deg and s in previous_best_deg and res.get("best_deg") is not None:
            out["change"][s] = compare(res["best_deg"], previous_best_deg[s], profile)
    return out
