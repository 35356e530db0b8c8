"""Valid trials only: a knee-to-wall trial with the heel lifted is listed with its reason and left out
of the count, the trials and the best; prescriptions end sets ("10 of 10 + 4 extra")."""

from __future__ import annotations

import json

import pytest

from dorsi.cli.main import main
from dorsi.drills.types import LiveState
from dorsi.virtual.sim import SimParams, write_simulation

from .heel_lift import simulate_heel_lift
from .helpers import simulate_and_count

# held-out seeds (the threshold was set from heel-down trials: params.ValidityParams). A 4 cm lift is
# resolved in every held-out session (20 of 20), a 2.5 cm one in 12 of 20, seed 20 among them.
HELD_OUT = [(20, 2.5), (21, 4.0), (22, 4.0)]


@pytest.mark.parametrize(("seed", "heel_cm"), HELD_OUT)
def test_heel_lift_trial_is_invalid_and_the_best_is_from_the_valid_ones(
    seed: int, heel_cm: float, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    sim = simulate_heel_lift(seed, heel_cm=heel_cm, extra_deg=4.0)
    lifted = next(r for r in sim.reps if r["heel_lift"])
    valid_truth = [r for r in sim.reps if not r["heel_lift"] and not r["partial"]]
    out = tmp_path / "k2w.csv"
    write_simulation(sim, out)
    assert main(["analyze", str(out), "--drill", "knee-to-wall", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    invalid = [r for r in doc["reps"] if r.get("valid") is False]
    assert len(invalid) == 1
    bad = invalid[0]
    assert lifted["start_s"] - 0.5 <= bad["peak_s"] <= lifted["end_s"]
    assert bad["invalid_reason"].startswith("heel lifted ") and bad["invalid_reason"].endswith(" cm — not counted")
    assert bad["index"] == 0 and bad["reasons"][0] == bad["invalid_reason"]
    counted = [r for r in doc["reps"] if r.get("valid", True) and not r["partial"]]
    assert doc["rep_count"] == len(counted) == len(valid_truth) == 2
    side = doc["test"]["sides"]["left"]
    assert side["best_deg"] == round(max(r["peak_tibial_inclination_deg"] for r in counted), 2)
    assert side["best_deg"] < bad["peak_tibial_inclination_deg"]  # the lifted trial went further
    assert len(side["trials_deg"]) == 2


def test_heel_down_sessions_stay_valid() -> None:
    for seed in (0, 1):
        sim, counter = simulate_and_count(SimParams(drill="knee-to-wall", seconds=70.0, seed=seed))
        assert all(r.valid for r in counter.reps)
        assert counter.rep_count == len(sim.counted_reps)


def test_a_set_ends_at_its_prescription_and_extra_reps_are_extra() -> None:
    # banded mobilization is 1 x 10; the person does 14
    sim, counter = simulate_and_count(
        SimParams(drill="banded-mobilization", seconds=120.0, seed=2, sets=1, reps_per_set=14)
    )
    st = counter.state
    assert st.target_reps == 10 and st.target_sets == 1
    assert counter.rep_count == len(sim.counted_reps) == 14
    assert st.set_complete and st.extra_reps == 4
    assert st.set_progress() == "10 of 10 + 4 extra"


def test_set_progress_before_and_at_the_prescription() -> None:
    st = LiveState(target_reps=10, reps_in_set=7)
    assert st.set_progress() == "7 of 10" and not st.set_complete
    st.reps_in_set = 10
    assert st.set_progress() == "10 of 10" and st.set_complete and st.extra_reps == 0
    assert LiveState(reps_in_set=3).set_progress() == "3"  # no prescription: a plain count
