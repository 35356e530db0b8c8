"""Valid trials only: a knee-to-wall trial with the heel lifted is listed with its reason and left out
of the count, the trials and the best; prescriptions end sets ("10 of 10 + 4 extra")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dorsi.cli.main import main
from dorsi.drills.params import ValidityParams
from dorsi.drills.types import LiveState
from dorsi.drills.validity import HeelEstimate, HeelVerdict, judge_heel
from dorsi.virtual.sim import SimParams, write_simulation

from .heel_lift import judged_trials, simulate_heel_lift
from .helpers import simulate_and_count

# held-out seeds (the threshold was set from heel-down trials: params.ValidityParams). A 4 cm lift is
# resolved in every held-out session (20 of 20), a 2.5 cm one in 17 of 20 (12 of 20 before issue 18's
# error budget), seed 20 among them.
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


def _exact_drive(ankle_up_cm: float, rate_hz: float = 200.0) -> float:
    """validity.ankle_rise_fit on exact kinematics (_exact_args)."""
    from dorsi.drills.validity import ankle_rise_fit

    return ankle_rise_fit(*_exact_args(ankle_up_cm, rate_hz))[0]


def _exact_args(ankle_up_cm: float, rate_hz: float = 200.0):  # type: ignore[no-untyped-def]
    """validity.ankle_rise_fit's arguments on exact kinematics: a shin turning 5° → 40° in 3 s (minimum jerk)
    about an ankle that rises by ankle_up_cm in the drive's last 30 %, a 20 cm lever, a constant sensor-frame
    offset of the accelerometer; the hold starts at the first sample turning under 2.5 °/s (the drive's tail)."""
    import numpy as np

    from dorsi.drills.params import ValidityParams

    t = np.arange(0.0, 7.0, 1.0 / rate_hz)
    u = np.clip((t - 1.2) / 3.0, 0.0, 1.0)
    th = np.radians(5.0 + 35.0 * (10 * u**3 - 15 * u**4 + 6 * u**5))
    v = np.clip((u - 0.7) / 0.3, 0.0, 1.0)
    x = 0.20 * np.sin(th) + 0.025 * np.cos(th)
    z = 0.20 * np.cos(th) - 0.025 * np.sin(th) + 0.01 * ankle_up_cm * v * v * (3 - 2 * v)
    dt = 1.0 / rate_hz
    bx, bz = 0.03, -0.04
    up = np.gradient(np.gradient(z, dt), dt) + bz * np.cos(th) - bx * np.sin(th)
    fwd = np.gradient(np.gradient(x, dt), dt) + bz * np.sin(th) + bx * np.cos(th)
    turning = np.abs(np.degrees(np.gradient(th, dt)))
    h0 = int(np.flatnonzero((t > 2.7) & (turning < 2.5))[0])
    rest, hold = slice(int(0.1 * rate_hz), int(1.2 * rate_hz)), slice(h0, int(6.8 * rate_hz))
    return t, up, fwd, np.degrees(th), rest, hold, ValidityParams()


def test_the_drive_tail_into_the_hold_is_the_shins_turn_not_the_sensors_error() -> None:
    # the still ends' reading is the accelerometer's offset plus the shin's own deceleration (its rate still
    # 2.5 °/s at the hold's first quiet sample); that part is the turn's, not an error to take out. Before:
    # a heel-down drive read 0.13 cm, a late 1.5 cm ankle rise 0.61 cm
    assert abs(_exact_drive(0.0)) < 0.05
    assert abs(_exact_drive(1.5) - 1.5) < 0.1


def _matrix_session(model: str, profile: str, drill: str, seed: int):  # type: ignore[no-untyped-def]
    """The bench matrix's session (75 s at the profile's rate): the sim and its counter."""
    from dorsi.virtual.sim.profiles import PROFILES

    return simulate_and_count(
        SimParams(
            drill=drill, seconds=75.0, seed=seed, rate_hz=PROFILES[profile].rate_hz, sensor_profile=profile, model=model
        )
    )


def test_heel_down_trials_on_a_noisy_sensor_are_counted() -> None:
    # consumer-mpu (500 µg/√Hz, ±30 mg bias, 3 % scale), tuning seed 1010: the three heel-down trials read
    # 4.4, 5.0 and 2.7 cm against the fixed 2.5 cm bar and were all rejected; the bar is now 3 σ of the
    # estimate's error, from the noise measured on each trial's rest (over 3 cm on this sensor)
    sim, counter = _matrix_session("keyframe", "consumer-mpu", "knee-to-wall", 1010)
    assert not any(r.invalid_reason for r in counter.reps)
    assert counter.rep_count == len(sim.counted_reps) == 3


def test_a_lift_beyond_the_noise_is_still_called() -> None:
    # reference sensor, velocity model, tuning seed 1002: its one lifted trial is called, the rest counted
    sim, counter = _matrix_session("velocity", "reference", "knee-to-wall", 1002)
    bad = [r for r in counter.reps if r.invalid_reason]
    assert len(bad) == 1 and bad[0].invalid_reason.startswith("heel lifted ")
    truth = next(r for r in sim.invalid_reps if "heel_lift_cm" in r)
    assert truth["start_s"] - 0.5 <= bad[0].peak_s <= truth["end_s"]
    assert counter.rep_count == len(sim.counted_reps)


def _heel_estimates(model: str, profile: str, drill: str, seed: int) -> list[HeelEstimate]:
    """Every HeelEstimate the counter made in the matrix session, in order."""
    from unittest import mock

    from dorsi.drills import validity

    got: list[HeelEstimate] = []
    real = validity.MotionBuffer.heel_estimate

    def spy(self, *a):  # type: ignore[no-untyped-def]
        got.append(real(self, *a))
        return got[-1]

    with mock.patch.object(validity.MotionBuffer, "heel_estimate", spy):
        _matrix_session(model, profile, drill, seed)
    return got


@pytest.mark.parametrize(("profile", "ug_rthz"), [("reference", 150.0), ("consumer-mpu", 500.0)])
def test_each_trials_rest_measures_the_accelerometer_noise(profile: str, ug_rthz: float) -> None:
    # the estimate's error is computed from the white noise measured on the trial's own rest (second
    # differences: sway does not reach them, where the session's noise tracker read it inflated at low rates)
    got = _heel_estimates("keyframe", profile, "wall-test-half-kneeling", 1001)
    dens = [e.density_mps2_rthz / 9.80665e-6 for e in got]
    assert len(dens) == 3
    assert all(0.85 * ug_rthz < d < 1.15 * ug_rthz for d in dens)


def test_the_gyro_carries_the_orientation_through_the_drive() -> None:
    # witmotion (±20 mg bias, 3 % scale, 50 Hz), tuning seed 1004, wall test: the filter's tilt follows its
    # biased accelerometer with a ≈ 3 s lag, so as the shin turns it trails through the drive and the hold,
    # and g × that lag read the first heel-down trial as a 3.9 cm rise; from the rest the gyro's orientation
    # reads it within 0.5 cm. The decision reads the two orientations' mean. (The lag reads as forward
    # displacement, a lever of 34 cm: at the longest a shin allows, 29.5 cm, the filter's reads 2.4 cm.)
    got = _heel_estimates("keyframe", "witmotion", "wall-test-half-kneeling", 1004)
    first = got[0]
    assert first.filter_cm > 2.0 and first.filter_lever_cm > ValidityParams().lever_max_cm
    assert abs(first.gyro_cm) < 0.5
    assert first.rise_cm == pytest.approx(0.5 * (first.filter_cm + first.gyro_cm))


def test_a_lift_late_in_the_drive_is_caught() -> None:
    # velocity model, tuning seed 1004: the fourth trial's heel lifts 2.5 cm in the drive's last 30 %. The
    # shin's rate at the integration's ends was a line through ±0.1 s of inclination, which averages across
    # the bend where the drive runs into its hold: it read 1.04 cm and was counted. The gyro's rate about the
    # horizontal axis the shin turns about is read at the sample itself: 2.65 cm, called
    sim = simulate_heel_lift(1004, heel_cm=2.5, model="velocity")
    truth = [r["heel_lift"] for r in sim.reps if not r["partial"]]
    judged = judged_trials(sim)
    assert len(judged) == len(truth) == 4 and truth[3]
    rise, called = judged[3]
    assert called and rise > 2.0
    assert not any(c for (_, c), lifted in zip(judged, truth, strict=True) if not lifted)


def test_a_late_lift_reads_its_height_on_an_exact_sensor() -> None:
    # the same session on a sensor without errors (noise=False): the late 2.5 cm lift read 0.95 cm with the
    # inclination's line-fit rate, 2.66 cm with the gyro's (velocity seeds 1000-1039, every late 2.5 cm lift:
    # 3.08 ± 0.77 cm, min 0.95 → 3.09 ± 0.46, min 2.22)
    sim = simulate_heel_lift(1004, heel_cm=2.5, model="velocity", noise=False)
    rise, called = judged_trials(sim)[3]
    assert called and abs(rise - 2.5) < 0.5


def test_the_first_wall_test_trial_after_the_step_into_half_kneeling_is_not_a_lift() -> None:
    # metamotion, velocity model, tuning seed 1103: the first heel-down trial after the step into half-kneeling
    # read 5.7 cm (bar 2.3 cm) and was rejected. No rest window had closed yet (the calibration stand's lasted
    # 0.86 s): the filter had not measured its gyro bias (VQF's σ still 0.50 °/s, its estimate 0.8 °/s off; with
    # no gyro bias the trial reads 1.2 cm). Until the bias is measured (51.3 s here) the check cannot tell: the
    # trials are counted, uncertain (not used for the best), and say why
    sim, counter = _matrix_session("velocity", "metamotion", "wall-test-half-kneeling", 1103)
    assert not any(r.invalid_reason for r in counter.reps)
    assert counter.rep_count == len(sim.counted_reps) == 3
    first = counter.reps[0]
    assert first.heel_uncertain and first.heel_rise_cm > 2.3
    assert first.reasons[0].startswith("heel check unsure: ") and "not been still long enough" in first.reasons[0]


def test_a_heel_told_before_the_bias_is_measured_is_unsure_never_a_lift() -> None:
    # the same drive judged with the bias measured before it, and not: only the latter is uncertain for the
    # bias, and never a lift
    est = HeelEstimate(6.0, 5.4, 1.0e-3, 3.0, 1.0, 2.0)
    p = ValidityParams()
    known = judge_heel(est, p)
    assert known.lifted and not known.bias_unknown
    unknown = judge_heel(est, p, bias_known=False)
    assert not unknown.lifted and unknown.uncertain and unknown.bias_unknown
    # the reading is not shown in the reason (it is not to be trusted there); it stays in the rep's heel_rise_cm
    assert unknown.reason.startswith("heel check unsure: ") and "5.7" not in unknown.reason
    assert unknown.rise_cm == pytest.approx(5.7)
    assert judge_heel(HeelEstimate(), p, bias_known=False) == HeelVerdict()  # not told: nothing to be unsure of


# issue 18 (tuning seeds): an orientation's error reaches the rise through the forward channel, that is through the
# lever it fits, by −Δcos θ per cm. Each orientation's lever is held to where a strap can sit (15.5–29.5 cm)


@pytest.mark.parametrize(
    ("profile", "model", "seed"),
    [("witmotion", "velocity", 1004), ("consumer-mpu", "keyframe", 1004), ("consumer-mpu", "velocity", 1003)],
)
def test_a_first_wall_test_trial_read_on_an_unplaceable_lever_is_counted(profile: str, model: str, seed: int) -> None:
    # the first heel-down trial after the step into half-kneeling, the filter's tilt still settling: its forward
    # displacement gave a lever of 35–48 cm on the filter's orientation (true 19–22) and the heel read 3.0, 3.6 and
    # 7.7 cm, rejected as lifts. At the longest lever a shin allows they are counted
    sim, counter = _matrix_session(model, profile, "wall-test-half-kneeling", seed)
    assert not any(r.invalid_reason for r in counter.reps)
    assert counter.rep_count == len(sim.counted_reps) == 3
    first = _heel_estimates(model, profile, "wall-test-half-kneeling", seed)[0]
    assert first.filter_lever_cm > ValidityParams().lever_max_cm


def test_the_lever_fit_on_exact_kinematics_and_the_rise_on_a_given_lever() -> None:
    # the exact drive (a 20 cm lever, 2.5 cm skin, a constant accelerometer offset): the fit finds the lever, and
    # the rise on a given lever moves by −Δcos θ per cm of it (5° → 40°: Δcos θ = −0.230)
    import math

    import numpy as np

    from dorsi.drills.validity import ankle_rise_fit

    args = _exact_args(1.0)
    rise, lever = ankle_rise_fit(*args)
    assert abs(lever - 20.0) < 0.1 and abs(rise - 1.0) < 0.1
    on_25, _ = ankle_rise_fit(*args, lever_cm=25.0)
    dcos = math.cos(math.radians(40.0)) - math.cos(math.radians(5.0))
    assert on_25 - rise == pytest.approx(-(25.0 - lever) * dcos, abs=0.02)
    assert np.isfinite(on_25)


def test_the_held_lever_is_the_same_for_any_chunking() -> None:
    # the trial whose filter lever is held (witmotion, velocity, tuning seed 1004, wall test: the first trial, a
    # 35 cm lever) read live in 1-, 3- and 7-sample notifications: every trial's verdict as the whole file's, its
    # rise to the ulps a 1-sample notification's angles differ by (math.atan2 on floats, numpy's on arrays)
    from dorsi.session import LiveSession, SessionSpec
    from dorsi.virtual.sim import simulate
    from dorsi.virtual.sim.profiles import PROFILES

    profile = "witmotion"
    sim = simulate(
        SimParams(
            drill="wall-test-half-kneeling",
            seconds=75.0,
            seed=1004,
            rate_hz=PROFILES[profile].rate_hz,
            sensor_profile=profile,
            model="velocity",
        )
    )
    chunk = sim.recording.chunk
    spec = SessionSpec(rate_hz=sim.params.rate_hz, side=sim.params.side, drill="wall-test-half-kneeling")

    def heels(n: int) -> list[tuple[float, bool, str]]:
        live = LiveSession(spec)
        for i in range(0, len(chunk), n):
            live.feed(chunk.slice(i, i + n))
        live.finish()
        assert live.counter is not None
        return [(r.heel_rise_cm, r.heel_uncertain, r.invalid_reason) for r in live.counter.reps]

    whole = heels(len(chunk))
    assert len(whole) == 3 and not any(reason for _, _, reason in whole)
    for n in (1, 3, 7):
        got = heels(n)
        assert [g[1:] for g in got] == [w[1:] for w in whole], n
        assert [g[0] for g in got] == pytest.approx([w[0] for w in whole], rel=1e-12, abs=1e-12), n


def _table_buffer() -> Any:
    """A MotionBuffer whose rows are a table the test writes (columns: MotionBuffer.COLS)."""
    import numpy as np

    from dorsi.drills.validity import MotionBuffer

    class Rows(MotionBuffer):
        table = np.zeros((0, len(MotionBuffer.COLS)))

        @property
        def rows(self) -> np.ndarray:  # type: ignore[override]
            return self.table

    return Rows(keep_s=10.0)


def test_a_drive_not_judged_says_why() -> None:
    # heel_estimate's early returns name their reason (the heel_misses tool and a user's "not judged" read it)
    import numpy as np

    from dorsi.drills.validity import MotionBuffer

    p, n, rate_hz = ValidityParams(), 400, 100.0
    t = np.arange(n) / rate_hz
    incl = np.clip((t - 2.0) * 15.0, 0.0, 30.0)  # rest to 2 s, a 2 s drive to 30°, held
    table = np.zeros((n, len(MotionBuffer.COLS)))
    table[:, 0], table[:, 1], table[:, 3], table[:, 9] = t, incl, 1.0, 9.81
    buf = _table_buffer()
    buf.table = table.copy()  # never quiet: no still rest before the drive
    assert buf.heel_estimate(2.0, 4.0, 1.0, p, 26.0).unjudged == "no rest"
    assert buf.heel_estimate(0.0, 4.0, 1.0, p, 26.0).unjudged == "short"  # opens at the buffer's first sample
    table[:, 2] = (t < 2.0).astype(float)  # still before the drive only: no still hold at the peak
    buf.table = table
    assert buf.heel_estimate(2.0, 4.0, 1.0, p, 26.0).unjudged == "no hold"


def test_a_short_rest_nearer_the_drive_is_read_when_the_long_one_ended_too_early() -> None:
    # a 1 s rest, a shuffle, a 0.5 s rest, then a 3.3 s drive: from the long rest's end the drive would be
    # 4.3 s (over max_drive_s, not judged); the short rest nearer it is read instead (its noise is in σ)
    import numpy as np

    from dorsi.drills.validity import MotionBuffer

    p, rate_hz = ValidityParams(), 100.0
    t = np.arange(int(8.0 * rate_hz)) / rate_hz
    incl = np.clip((t - 2.2) * (30.0 / 3.3), 0.0, 30.0)  # the drive from 2.2 s to its 30° hold at 5.5 s
    incl[(t >= 1.2) & (t < 1.6)] = 2.0  # the shuffle between the two rests
    table = np.zeros((len(t), len(MotionBuffer.COLS)))
    table[:, 0], table[:, 1], table[:, 3], table[:, 9] = t, incl, 1.0, 9.81
    table[:, 2] = ((t < 1.2) | ((t >= 1.6) & (t < 2.2)) | (t >= 5.5)).astype(float)  # still: rests and hold
    buf = _table_buffer()
    buf.table = table
    assert p.max_drive_s < 5.5 - 1.2 and p.min_rest_s <= 0.55 < p.rest_s
    est = buf.heel_estimate(2.2, 7.5, 1.0, p, 26.0)
    assert est.unjudged == ""
    assert est.rest_s == pytest.approx(p.min_rest_s, abs=0.02)  # the short rest, ending at the drive
    assert est.drive_s == pytest.approx(5.5 - 2.19, abs=0.03)
    assert np.isfinite(est.filter_cm) and np.isfinite(est.gyro_cm)
