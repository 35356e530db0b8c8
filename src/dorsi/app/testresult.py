"""The knee-to-wall result for the store and the screen, from dorsi.drills.kneewall.

dorsi.drills computes the result (best per side, toe-to-wall cm from the
person's tibia and foot, bands, asymmetry, change against the minimal
detectable change); this module only reshapes it: one stored row per side,
the card's sentences in the chosen unit, and the bands on the live trace's
degree axis for this person's profile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dorsi.drills.kneewall import BANDS, RISK_DEG, Profile, knee_to_wall_result, toe_to_wall_cm
from dorsi.motion.accuracy import UNKNOWN_SENSOR, SensorTolerance
from dorsi.ui.models import Band

TRACE_DEG = (-5.0, 90.0)  # the live trace's angle axis the outer bands extend to


def result(
    trials: dict[str, list[float]],
    profile: Profile,
    previous: dict[str, dict[str, Any]],
    uncertain: dict[str, list[str]] | None = None,
    tolerance: SensorTolerance = UNKNOWN_SENSOR,
) -> dict[str, Any]:
    """dorsi.drills' result for the sides with trials; ``previous`` holds the last stored row per side,
    ``uncertain`` per trial why its heel may have lifted ("" if not: kneewall.side_result), ``tolerance`` the
    session's accelerometer (SessionSpec.sensor_tolerance)."""
    prev_deg = {s: float(r["angle_deg"]) for s, r in previous.items() if r and r.get("angle_deg") is not None}
    doubt = {s: [bool(x) for x in v] for s, v in (uncertain or {}).items() if v and len(v) == len(trials.get(s, []))}
    sides = {s: v for s, v in trials.items() if v}
    return knee_to_wall_result(sides, profile, prev_deg or None, doubt or None, tolerance)


def stored_row(side: str, res: dict[str, Any]) -> dict[str, Any]:
    """One side as the store's test row reads it (side, angle, cm, band) plus dorsi.drills' fields."""
    r = res["sides"][side]
    return {
        "side": side,
        "angle_deg": r["best_deg"],
        "best_tibial_inclination_deg": r["best_deg"],
        **r,
        "model": res.get("model"),
        "profile": res.get("profile"),
        "asymmetry": res.get("asymmetry"),
        "change": res.get("change", {}).get(side),
    }


def card(
    res: dict[str, Any], previous: dict[str, dict[str, Any]], fmt: Callable[[float | None], str]
) -> dict[str, Any]:
    """The card dorsi.ui.views.test shows: per-side lines, asymmetry, comparison, notes."""
    sides = {
        side: {
            "angle_deg": r.get("best_deg"),
            "toe_to_wall_cm": r.get("toe_to_wall_cm"),
            "uncertainty_cm": r.get("uncertainty_cm"),
            "uncertainty_deg": r.get("uncertainty_deg"),
            "uncertainty_hint": r.get("uncertainty_hint", ""),
            "band": r.get("band"),
            "band_detail": f"{r['band_testing_standards']} on the testing-standards scale"
            if r.get("band_testing_standards")
            else "",
            "below_risk": bool(r.get("below_backman_36_5_deg")),
            "heel_uncertain": bool(r.get("best_heel_uncertain")),
        }
        for side, r in res.get("sides", {}).items()
        if r.get("best_deg") is not None
    }
    out: dict[str, Any] = {"sides": sides, "comparison": [], "notes": []}
    asym = res.get("asymmetry")
    if asym:
        d = fmt(asym["difference_cm"])
        if asym["flag"]:
            out["asymmetry"] = f"Asymmetry {d}: the {asym['restricted_side']} side is restricted (> 2 cm)."
        elif asym["noted"]:
            out["asymmetry"] = f"Asymmetry {d}: worth watching (≥ 1.5 cm), not yet a restriction."
        else:
            out["asymmetry"] = f"Sides within {d} of each other: symmetric."
    for side, ch in res.get("change", {}).items():
        when = str((previous.get(side) or {}).get("taken_at", ""))[:10] or "last time"
        deg, cm = ch["change_deg"], ch["change_cm"]
        moved = f"{'better' if deg > 0 else 'worse'} by {abs(deg):.1f}° ({fmt(abs(cm))})"
        if ch["real_change"]:
            verdict = f"{moved} since {when}: a real change (more than the {ch['mdc_deg']:.2f}° we can detect)."
        else:
            delta = f"{deg:+.1f}°" if round(deg, 1) != 0 else "±0.0°"  # not "-0.0°"
            verdict = f"{delta} since {when}: within measurement error ({ch['mdc_deg']:.2f}°)."
        out["comparison"].append(f"{side.title()}: {verdict}")
    for side, r in res.get("sides", {}).items():
        if r.get("heel_note"):  # trials kept out of the best, or a best whose heel may have lifted: said, never silent
            out["notes"].append(f"{side.title()}: {r['heel_note']}.")
    hints = [r["uncertainty_hint"] for r in sides.values() if r["uncertainty_hint"]]
    if hints:  # one plain hint: the sides share the sensor
        out["notes"].append(f"Angle {hints[0]}.")
    risky = [s for s, r in sides.items() if r["below_risk"]]
    if risky:
        out["notes"].append(
            f"{' and '.join(s.title() for s in risky)} below {RISK_DEG}° (Backman 2011 risk threshold)."
        )
    if res.get("model"):
        out["notes"].append(f"cm estimate: {res['model']}")
    return out


def angle_for_cm(cm: float, profile: Profile) -> float:
    """The shin angle whose toe-to-wall distance is ``cm`` (bisection; d(θ) rises on 0–80°)."""
    lo, hi = 0.0, 80.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if toe_to_wall_cm(mid, profile) < cm:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def bands_deg(profile: Profile, fmt: Callable[[float | None], str]) -> list[Band]:
    """The knee-to-wall bands (dorsi.drills.kneewall.BANDS) on the live trace's degree axis, for this person."""
    edges = [angle_for_cm(b.hi_cm, profile) for b in BANDS[:-1]]
    los, his = [TRACE_DEG[0], *edges], [*edges, TRACE_DEG[1]]
    out = []
    for i, (b, lo, hi) in enumerate(zip(BANDS, los, his, strict=True)):
        label = b.label
        if i == 0:
            label += f" < {hi:.0f}° ({fmt(b.hi_cm)})"
        elif i == len(BANDS) - 1:
            label += f" > {lo:.0f}° ({fmt(BANDS[i - 1].hi_cm)})"
        out.append(Band(lo, hi, label, b.color))
    return out
