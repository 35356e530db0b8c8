"""Knee-to-wall result: best per side, cm model, bands on both scales, asymmetry, MDC; and the CLI output."""

from __future__ import annotations

import json
import math

import pytest

from dorsi.cli.main import main
from dorsi.drills.kneewall import (
    Profile,
    band_first_section,
    band_testing_standards,
    knee_to_wall_result,
    toe_to_wall_cm,
)
from dorsi.virtual.sim import SimParams, simulate, write_simulation


def test_cm_grows_with_angle_and_with_a_longer_tibia() -> None:
    assert toe_to_wall_cm(40.0) > toe_to_wall_cm(35.0)
    assert toe_to_wall_cm(40.0, Profile(tibia_cm=45.0)) > toe_to_wall_cm(40.0)
    assert toe_to_wall_cm(40.0, Profile(foot_cm=28.0)) < toe_to_wall_cm(40.0)
    # a degree is worth about half a centimetre at the usual angles (docs/drills.md)
    per_deg = toe_to_wall_cm(41.0) - toe_to_wall_cm(40.0)
    assert 0.4 < per_deg < 0.8


@pytest.mark.parametrize(
    ("cm", "first", "standards"),
    [
        (8.0, "significant restriction", "restricted"),
        (9.5, "moderate restriction", "restricted"),
        (11.0, "adequate", "functional"),
        (14.0, "excellent", "good"),
        (16.0, "excellent", "excellent"),
    ],
)
def test_bands_on_both_scales(cm: float, first: str, standards: str) -> None:
    assert band_first_section(cm) == first
    assert band_testing_standards(cm) == standards


def test_best_of_three_asymmetry_and_change() -> None:
    res = knee_to_wall_result(
        {"left": [38.0, 41.0, 40.2], "right": [36.0, 36.5, 35.0]}, previous_best_deg={"left": 37.0, "right": 36.2}
    )
    assert res["sides"]["left"]["best_deg"] == 41.0
    assert res["sides"]["right"]["below_backman_36_5_deg"] is False
    asym = res["asymmetry"]
    assert asym["flag"] and asym["restricted_side"] == "right"
    assert math.isclose(asym["difference_deg"], 4.5)
    assert res["change"]["left"]["real_change"] is True
    assert res["change"]["right"]["real_change"] is False  # 0.3° < our MDC
    assert "within measurement error" in res["change"]["right"]["verdict"]


def test_analyze_cli_reports_reps_and_test(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    sim = simulate(SimParams(drill="knee-to-wall", seconds=70.0, seed=8))
    out = tmp_path / "k2w.csv"
    write_simulation(sim, out)
    assert main(["analyze", str(out), "--drill", "knee-to-wall", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rep_count"] == len(sim.counted_reps) == 3
    assert doc["sets"] == 1
    rep = doc["reps"][0]
    for key in ("index", "start_s", "end_s", "peak_tibial_inclination_deg", "hold_s", "score", "reasons"):
        assert key in rep
    best = max(r["peak_tibial_inclination_deg"] for r in sim.counted_reps)
    assert abs(doc["test"]["sides"]["left"]["best_deg"] - best) <= 1.5
    assert doc["test"]["sides"]["left"]["band"]


def test_analyze_cli_calf_raises_report_tempo(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    sim = simulate(SimParams(drill="calf-raises", seconds=60.0, seed=2, sets=1, reps_per_set=3))
    out = tmp_path / "calf.csv"
    write_simulation(sim, out)
    assert main(["analyze", str(out), "--drill", "calf-raises", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rep_count"] == 3
    assert all({"up_s", "down_s", "rise_cm"} <= set(r) for r in doc["reps"])
