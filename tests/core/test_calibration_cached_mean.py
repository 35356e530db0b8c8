"""The calibration detector's standing mean rate, kept until the next sample is added (calibration.py
``_Still.mean_gyr``): the same detections, to the bit, as recomputing it at every read."""

from __future__ import annotations

import pytest

from dorsi.motion.calibration import CalibrationDetector, _Geo, _Still
from dorsi.motion.orientation import OrientationEstimator, OrientationParams
from dorsi.virtual.sim import SimParams, simulate


def _fresh_mean(self: _Still) -> list[float]:  # mean_gyr as it was: recomputed at each read
    k = max(self.n, 1)
    return [v / k for v in self.gyr_sum]


def test_mean_is_dropped_when_a_sample_is_added() -> None:
    s = _Still()
    geo = _Geo(0.0, 0.0, 1.0, 9.81)
    for i, gyr in enumerate(([0.1, -0.2, 0.3], [0.4, 0.0, -0.1], [0.25, 0.5, 0.125])):
        s.add(0.01 * i, 5.0, gyr, [1.0, 0.0, 0.0, 0.0], None, geo)
        assert s.mean_gyr() == _fresh_mean(s)
        assert s.mean_gyr() is s.mean_gyr()  # (kept until the next add)


@pytest.mark.parametrize(("drill", "seed", "rate_hz"), [("knee-to-wall", 1003, 208.0), ("calf-raises", 1004, 100.0)])
def test_cached_mean_gives_the_same_detection(
    monkeypatch: pytest.MonkeyPatch, drill: str, seed: int, rate_hz: float
) -> None:
    sim = simulate(SimParams(drill=drill, seconds=40.0, seed=seed, rate_hz=rate_hz))
    chunk = sim.recording.chunk
    quat = OrientationEstimator(OrientationParams(rate_hz=rate_hz)).update(chunk).quat_wxyz
    gyrs, quats, accs = chunk.gyr_dps.tolist(), quat.tolist(), chunk.acc_mps2.tolist()

    def detect() -> tuple[str, str, int]:
        det = CalibrationDetector()
        for i, t in enumerate(chunk.time_s.tolist()):
            if det.update_one(t, gyrs[i], quats[i], accs[i]):
                break
        return repr(det.result), repr(det.progress), i

    cached = detect()
    monkeypatch.setattr(_Still, "mean_gyr", _fresh_mean)
    assert "strap_rotation_deg" in cached[0]  # (found)
    assert detect() == cached
