"""The lift check's windows and floors (drills/gait.py: ``lift_margin``, ``lift_floor``).

Each window of the ankle's speed is less its straight line, which keeps only part of a rise that fills it;
the floor is what the check reads of the smallest lift worth calling one (2 cm over 3/4 of the window), a
slow lift is read by the long window, and a span shorter than it is read whole.
Seeds from the TUNING set (dorsi.virtual.sim.heldout).
"""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.drills.gait import FOOT_LIFTED, GaitWatch, lift_floor
from dorsi.drills.params import GaitParams, NoiseParams
from tests.drills.helpers import count_movement, counted, drill_frames


def _watch(rise_m: float, rise_s: float, rate_hz: float = 200.0) -> GaitWatch:
    """An upright, still shin whose ankle rises rise_m over rise_s (minimum jerk) from 3 s on."""
    t = np.arange(0.0, 6.0, 1.0 / rate_hz)
    u = np.clip((t - 3.0) / rise_s, 0.0, 1.0)
    rise = rise_m * (10 * u**3 - 15 * u**4 + 6 * u**5)
    acc = np.gradient(np.gradient(rise, t), t)
    frames = drill_frames(t, np.zeros_like(t))
    frames.acc_mps2 = frames.acc_mps2 + np.outer(acc, [0.0, 0.0, 1.0])
    w = GaitWatch(GaitParams())
    w.extend(frames)
    return w


def test_the_floor_is_what_a_window_reads_of_the_reference_lift() -> None:
    p = GaitParams()
    # 2 cm over 0.3 s peaks at 0.125 m/s; a 0.4 s window less its line reads 0.08-0.09 of it, 0.8 s reads
    # 2 cm over 0.6 s (peak 0.0625) as 0.044
    for rate_hz in (50.0, 100.0, 200.0):
        assert 0.075 < lift_floor(p, 0.4, 1.0 / rate_hz) < 0.095
        assert 0.040 < lift_floor(p, 0.8, 1.0 / rate_hz) < 0.048
    # fed through the watch (the shin still: only the noise allowance, k × the prior density × √window), the
    # reference lift reads its own floor
    w = _watch(p.lift_ref_m, p.lift_ref_frac * 0.4)
    allowance = p.lift_noise_k * NoiseParams().prior_acc_mps2_rthz * np.sqrt(0.4)
    assert w.ankle_speed(2.5, 4.0, 0.4) + allowance == pytest.approx(lift_floor(p, 0.4, 0.005), abs=0.005)


@pytest.mark.parametrize("rate_hz", [50.0, 104.0, 200.0])
def test_lifts_over_the_reference_are_lifted_under_it_not(rate_hz: float) -> None:
    assert _watch(0.03, 0.3, rate_hz).lifted(2.5, 4.0) == FOOT_LIFTED
    assert _watch(0.01, 0.3, rate_hz).lifted(2.5, 4.0) == ""
    assert _watch(0.0, 0.3, rate_hz).lifted(2.5, 4.0) == ""


def test_a_slow_lift_is_read_by_the_long_window() -> None:
    # a small step's foot rising 4 cm over 0.7 s: the 0.4 s window keeps too little of it to pass its floor
    # (a single 0.4 s window at a 0.1 m/s floor missed every such lift), the 0.8 s window reads it
    p = GaitParams()
    w = _watch(0.04, 0.7)
    assert w.ankle_speed(2.5, 4.5, 0.4) < lift_floor(p, 0.4, 0.005)
    assert w.ankle_speed(2.5, 4.5, 0.8) > lift_floor(p, 0.8, 0.005)
    assert w.lifted(2.5, 4.5) == FOOT_LIFTED
    assert w.lifted(4.5, 5.9) == ""  # after it: planted again


def test_a_span_shorter_than_the_long_window_is_read_whole() -> None:
    # a short rep (a turning step's 0.5 s heel-off): the ankle 4 cm up over its 0.5 s, read with the look-back
    # as one 0.75 s window with that length's floor; a calf raise's landing (slow=False) by the first window alone
    p = GaitParams()
    w = _watch(0.04, 0.5)
    a, b = 3.0, 3.5
    whole = w.ankle_speed(a, b, 0.75) - lift_floor(p, 0.75, 0.005)
    short = w.ankle_speed(a, b, 0.4) - lift_floor(p, 0.4, 0.005)
    assert short < 0.0 < whole
    assert w.lift_margin(a, b) == pytest.approx(whole, abs=2e-3)
    assert w.lift_margin(a, b, slow=False) == pytest.approx(short)
    assert w.lifted(a, b) == FOOT_LIFTED and w.lifted(a, b, slow=False) == ""


@pytest.mark.parametrize(
    ("kind", "seed", "profile", "drills"),
    [
        # the first knee lift of a stepping bout: the shin 2° → 18.6° → 2° while the ankle rises 4.7 cm in
        # 0.35 s and 8.4 cm by 0.8 s, the foot landing 0.34 s after the close (no impact yet): read 0.088 in
        # 0.4 s windows, under the 0.1 floor, and counted on 8 drills (every profile)
        ("stepping", 1039, "metamotion", ("knee-to-wall", "banded-mobilization", "clamshell")),
        # the heel-off of a turning bout's first small step: the shin 3.9° → 7.2° and back as the ankle rises
        # 3-8 cm over 0.75 s (read 0.086 in 0.4 s windows); counted as banded distraction and rocking
        ("turning", 1072, "reference", ("banded-distraction", "rocking-mobilization")),
        # a turning step's 0.5 s heel-off (consumer MPU): 0.74 s read, under the 0.8 s window; read whole
        ("turning", 1368, "consumer-mpu", ("banded-distraction", "rocking-mobilization")),
    ],
)
def test_a_bouts_first_slow_lift_is_not_counted(kind: str, seed: int, profile: str, drills: tuple[str, ...]) -> None:
    for drill in drills:
        c = count_movement(kind, seed, drill, strap_known=True, sensor_profile=profile)
        assert c.rep_count == 0, drill
        assert FOOT_LIFTED in {r.invalid_reason for r in counted(c)}, drill
