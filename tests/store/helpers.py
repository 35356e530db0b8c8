"""Deterministic IMU-like samples and analysis summaries for store tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from dorsi.motion.types import Recording


def fake_recording(n: int, rate_hz: float = 200.0, seed: int = 1, t0_s: float = 0.0) -> Recording:
    """Samples already rounded to the CSV precision (time 1 µs, acc 1e-5, gyr 1e-4)."""
    rng = np.random.default_rng(seed)
    t = np.round(t0_s + np.arange(n) / rate_hz, 6)
    acc = np.round(np.array([0.0, 0.0, 9.81]) + rng.normal(0, 0.3, (n, 3)), 5)
    gyr = np.round(rng.normal(0, 5.0, (n, 3)), 4)
    return Recording(t, acc, gyr, extra={"sample_counter": np.arange(n, dtype=np.float64)})


def fake_summary(n_reps: int = 2, side: str = "left", with_test: bool = True) -> dict[str, Any]:
    reps = [
        {
            "index": i,
            "start_s": 1.0 + 3 * i,
            "end_s": 3.0 + 3 * i,
            "peak_tibial_inclination_deg": 38.5 + i,
            "hold_s": 1.25,
            "score": 0.75 + 0.1 * i,
        }
        for i in range(n_reps)
    ]
    test = (
        {"side": side, "best_tibial_inclination_deg": 40.5, "toe_to_wall_cm": 11.2, "band": "adequate"}
        if with_test
        else None
    )
    return {
        "drill": "knee_to_wall",
        "side": side,
        "calibration": {"strap_rotation_deg": 3.5, "standing_inclination_deg": 1.0},
        "rep_count": n_reps,
        "reps": reps,
        "test": test,
    }
