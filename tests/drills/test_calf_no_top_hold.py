"""Calf raises whose top hold the quiet test never sees (a 0.2-0.6 s top in noise): their lowering is timed
from the height's peak, where the shin's velocity is zero as a top hold's is, by the same fit at the judging
(was the speed pulse's half-width at the close, which the close at halfway down often cuts before it halves)."""

from __future__ import annotations

import math

from dorsi.virtual.sim import SimParams
from dorsi.virtual.sim.profiles import PROFILES
from tests.drills.helpers import counted, simulate_and_count


def _errors(profile: str, model: str, seed: int) -> list[float]:
    params = SimParams(
        drill="calf-raises",
        seconds=420.0,
        seed=seed,
        rate_hz=PROFILES[profile].rate_hz,
        sensor_profile=profile,
        model=model,
    )
    sim, counter = simulate_and_count(params)
    got = counted(counter)
    assert len(got) == len(sim.counted_reps) == 45
    return [g.extra["down_s"] - t["down_s"] for t, g in zip(sim.counted_reps, got, strict=True)]


def test_a_lowering_without_a_seen_top_hold_is_timed_by_the_fit() -> None:
    # tuning seed 1108, MetaMotion noise, key-frame model: the rep at 297.6 s has no top hold seen;
    # measured: its error +0.60 → +0.00 s, the session's largest |error| 0.60 → 0.12 s
    errors = _errors("metamotion", "keyframe", 1108)
    assert max(abs(e) for e in errors) <= 0.35, errors


def test_a_lowering_without_a_seen_top_hold_gets_a_time() -> None:
    # tuning seed 1103, WitMotion noise (300 µg/√Hz, 50 Hz), velocity model: the rep at 85.3 s (a 0.37 s top)
    # had no down_s (nan: its lowering's speed had not halved at the close); measured: −0.65 s, from a trace whose
    # integrated velocity reads −2.5 cm/s through the top (the session's largest |error|: 0.86 s, rep 1)
    errors = _errors("witmotion", "velocity", 1103)
    assert all(math.isfinite(e) for e in errors), errors
    assert max(abs(e) for e in errors) <= 1.0, errors
