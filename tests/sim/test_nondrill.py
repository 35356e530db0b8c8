"""Non-drill movement in the simulator: plausible gait of the shin, same output types as a drill session."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dorsi.cli.main import main
from dorsi.motion.types import GRAVITY_MPS2, Recording
from dorsi.virtual.sim import write_simulation
from dorsi.virtual.sim.nondrill import MOVEMENTS, NEVER_CALIBRATES, simulate_movement


def _gait(res):  # type: ignore[no-untyped-def]
    return [e for e in res.events if e["name"] == "gait"]


@pytest.mark.parametrize("kind", MOVEMENTS)
def test_every_movement_is_a_recording_with_truth(kind: str) -> None:
    res = simulate_movement(kind, 3)
    assert isinstance(res.recording, Recording) and len(res.recording) == len(res.truth_time_s)
    assert np.all(np.isfinite(res.recording.acc_mps2)) and np.all(np.isfinite(res.truth_tibial_inclination_deg))
    assert res.person["movement"] == kind and res.recording.source.startswith(f"simulated:{kind}:")


def test_deterministic_per_seed() -> None:
    a, b = simulate_movement("walk", 5), simulate_movement("walk", 5)
    assert np.array_equal(a.recording.acc_mps2, b.recording.acc_mps2)
    assert not np.array_equal(a.recording.acc_mps2[:100], simulate_movement("walk", 6).recording.acc_mps2[:100])


@pytest.mark.parametrize(
    ("kind", "cadence", "pitch"), [("walk", (90, 130), (-22, 47)), ("jogging", (150, 180), (-14, 90))]
)
def test_gait_cadence_and_shin_pitch(kind: str, cadence: tuple[float, float], pitch: tuple[float, float]) -> None:
    for seed in range(4):
        res = simulate_movement(kind, seed)
        assert all(cadence[0] <= g["cadence_spm"] <= cadence[1] for g in _gait(res))
        incl = res.truth_tibial_inclination_deg
        # the shin swings behind vertical at heel strike and well forward at toe-off, within the ranges
        assert pitch[0] <= incl.min() <= -4.0 and 30.0 <= incl.max() <= pitch[1]


def test_foot_leaves_the_floor_and_heel_strikes_jolt() -> None:
    for kind, lift in (("walk", 0.08), ("jogging", 0.2), ("stepping", 0.08)):
        res = simulate_movement(kind, 1)
        assert res.person["ankle_lift_max_m"] >= lift - 0.005
        g = np.linalg.norm(res.recording.acc_mps2, axis=1) / GRAVITY_MPS2
        assert g.max() > 2.0  # heel strikes
    quiet = simulate_movement("stand-then-walk", 1)
    first = quiet.recording.time_s < 2.5  # still standing
    g = np.linalg.norm(quiet.recording.acc_mps2[first], axis=1) / GRAVITY_MPS2
    assert abs(float(np.median(g)) - 1.0) < 0.02 and g.max() < 1.1


def test_strap_rotation_spans_the_full_circle() -> None:
    straps = [simulate_movement("turning", s).calibration["strap_rotation_deg"] for s in range(12)]
    assert min(straps) < -90.0 and max(straps) > 90.0


def test_analyze_reads_a_walk_and_says_why_not_calibrated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "stand-then-walk" in NEVER_CALIBRATES
    out = tmp_path / "walk.csv"
    write_simulation(simulate_movement("stand-then-walk", 2), out)
    assert main(["analyze", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["calibration"]["found"] is False
    reason = doc["calibration"]["reason"]
    assert reason and "\n" not in reason
    assert main(["analyze", str(out)]) == 0
    assert f"not found ({reason})" in capsys.readouterr().out
