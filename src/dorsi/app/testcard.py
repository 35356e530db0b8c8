"""The knee-to-wall result card: best per side, cm estimate, band, asymmetry, change since last time.

Uses dorsi.drills' knee-to-wall result when that package provides it; until
then a stand-in converts with the literature's rule of thumb (1 cm ≈ 3.6°,
Bennell 1998) and the article's first band scale, and says so on the card.
"""

from __future__ import annotations

from typing import Any

DEG_PER_CM = 3.6  # Bennell 1998 rule of thumb (stand-in only)
MDC_CM = 1.6  # Powden 2015 between-clinician MDC (stand-in only)
BANDS_CM = ((10.0, "restricted"), (13.0, "adequate"), (float("inf"), "excellent"))


def band_for_cm(cm: float) -> str:
    return next(label for hi, label in BANDS_CM if cm < hi)


def side_result(side: str, trials_deg: list[float], tibia_cm: float, foot_cm: float) -> dict[str, Any]:
    """One side's stored result (the store's test row reads these keys)."""
    best = max(trials_deg)
    try:
        from dorsi.drills import knee_to_wall  # type: ignore[attr-defined,unused-ignore]

        result: dict[str, Any] = knee_to_wall.side_result(side, trials_deg, tibia_cm=tibia_cm, foot_cm=foot_cm)
        return result
    except (ImportError, AttributeError):
        pass
    cm = best / DEG_PER_CM
    return {
        "side": side,
        "best_tibial_inclination_deg": round(best, 2),
        "trials_deg": [round(t, 2) for t in trials_deg],
        "toe_to_wall_cm": round(cm, 1),
        "uncertainty_cm": round(cm * 0.2, 1),
        "band": band_for_cm(cm),
        "model": "rule of thumb 1 cm ≈ 3.6°",
    }


def card(
    results: dict[str, dict[str, Any]], previous: dict[str, dict[str, Any] | None], units_fmt: Any = None
) -> dict[str, Any]:
    """The view's card (see dorsi.ui.views.test) from per-side results and the last stored ones."""
    fmt = units_fmt or (lambda cm: f"{cm:.1f} cm")
    sides = {}
    for side, r in results.items():
        sides[side] = {
            "angle_deg": r.get("best_tibial_inclination_deg"),
            "toe_to_wall_cm": r.get("toe_to_wall_cm"),
            "uncertainty_cm": r.get("uncertainty_cm"),
            "band": r.get("band"),
            "band_detail": r.get("band_detail") or r.get("band_alt"),
        }
    out: dict[str, Any] = {"sides": sides, "comparison": [], "notes": []}
    if "left" in results and "right" in results:
        a, b = results["left"].get("toe_to_wall_cm"), results["right"].get("toe_to_wall_cm")
        if a is not None and b is not None:
            d = abs(a - b)
            worse = "left" if a < b else "right"
            if d > 2.0:
                out["asymmetry"] = (
                    f"Asymmetry {fmt(d)}: the {worse} side is restricted compared with the other (> 2 cm)."
                )
            elif d >= 1.5:
                out["asymmetry"] = f"Asymmetry {fmt(d)}: worth watching (≥ 1.5 cm), not yet a restriction."
            else:
                out["asymmetry"] = f"Sides within {fmt(d)} of each other: symmetric."
    for side, r in results.items():
        prev = previous.get(side)
        cm, pcm = r.get("toe_to_wall_cm"), None if prev is None else prev.get("toe_to_wall_cm")
        if prev is None or cm is None or pcm is None:
            continue
        change = cm - pcm
        mdc = float(r.get("mdc_cm") or MDC_CM)
        when = str(prev.get("taken_at", ""))[:10]
        verdict = "a real change" if abs(change) > mdc else "within measurement error"
        out["comparison"].append(
            f"{side.title()}: {'+' if change >= 0 else '−'}{fmt(abs(change))} since {when} — {verdict} "
            f"(MDC {fmt(mdc)})."
        )
    models = {r.get("model") for r in results.values() if r.get("model")}
    out["notes"] = [f"cm estimate: {m}" for m in models]
    return out
