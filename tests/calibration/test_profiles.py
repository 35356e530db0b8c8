"""Sensor profiles and the six-face bench fit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dorsi.cli.main import main
from dorsi.errors import InputError
from dorsi.io.profiles import SensorProfile, load_profile, save_profile
from dorsi.io.rawcsv import write_raw_csv
from dorsi.motion.sensor_calibration import UnitCalibration, fit_six_face
from dorsi.motion.types import GRAVITY_MPS2, Recording

PROFILES = Path(__file__).resolve().parents[2] / "calibration" / "profiles"

TRUE_OFFSET = np.array([0.05, -0.03, 0.08])
TRUE_SCALE = np.array([1.01, 0.992, 1.005])
TRUE_GYR = np.array([0.7, -1.2, 0.3])


def _six_faces(rate_hz: float = 100.0, hold_s: float = 4.0, skip: int | None = None, seed: int = 0) -> Recording:
    """A sensor with known errors laid on each face, turned by hand between faces."""
    rng = np.random.default_rng(seed)
    faces = [np.array(v, dtype=float) for v in ([1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1])]
    acc, gyr = [], []
    for i, up in enumerate(faces):
        if i == skip:
            continue
        n = int(hold_s * rate_hz)
        acc.append((up * GRAVITY_MPS2) * TRUE_SCALE + TRUE_OFFSET + rng.normal(0, 0.01, (n, 3)))
        gyr.append(TRUE_GYR + rng.normal(0, 0.05, (n, 3)))
        m = int(1.0 * rate_hz)  # turning to the next face
        acc.append(np.tile(up * GRAVITY_MPS2, (m, 1)) + rng.normal(0, 2.0, (m, 3)))
        gyr.append(rng.normal(0, 60.0, (m, 3)))
    a, g = np.concatenate(acc), np.concatenate(gyr)
    return Recording(np.arange(len(a)) / rate_hz, a, g)


def test_six_face_fit_recovers_the_unit_errors() -> None:
    cal, periods = fit_six_face(_six_faces().chunk)
    assert len(periods) == 6
    np.testing.assert_allclose(cal.acc_offset_mps2, TRUE_OFFSET, atol=0.005)
    np.testing.assert_allclose(cal.acc_scale, TRUE_SCALE, atol=0.001)
    np.testing.assert_allclose(cal.gyr_offset_dps, TRUE_GYR, atol=0.02)
    corrected, _ = cal.apply(np.array([TRUE_SCALE * [0, GRAVITY_MPS2, 0] + TRUE_OFFSET]), np.zeros((1, 3)))
    np.testing.assert_allclose(corrected[0], [0, GRAVITY_MPS2, 0], atol=0.01)


def test_missing_face_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "five.csv"
    write_raw_csv(path, _six_faces(skip=3))
    assert main(["sensor-calibrate", str(path), "--out", str(tmp_path / "p.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert "no still period with the sensor's Y axis pointing down" in err and "\n" not in err


def test_cli_writes_a_profile_that_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "six.csv"
    write_raw_csv(path, _six_faces())
    out = tmp_path / "unit.toml"
    base = PROFILES / "xiao-nrf52840-sense.toml"
    assert main(["sensor-calibrate", str(path), "--base", str(base), "--name", "left shin", "--out", str(out)]) == 0
    prof = load_profile(out)
    assert prof.name == "left shin" and prof.kind == "dorsi"
    np.testing.assert_allclose(prof.unit.acc_scale, TRUE_SCALE, atol=0.001)


@pytest.mark.parametrize("path", sorted(PROFILES.glob("*.toml")), ids=lambda p: p.name)
def test_shipped_profiles_load(path: Path) -> None:
    prof = load_profile(path)
    assert prof.mounting
    m = np.asarray(prof.axes)
    np.testing.assert_allclose(m @ m.T, np.eye(3))


def test_sideways_profile_maps_module_axes_to_the_shin() -> None:
    prof = load_profile(PROFILES / "witmotion-bwt901blecl-sideways.toml")
    # standing: gravity-up along the module's +X, which points up the shin
    rec = Recording(np.array([0.0, 0.01]), np.tile([GRAVITY_MPS2, 0, 0], (2, 1)), np.tile([5.0, 0, 0], (2, 1)))
    out = prof.apply(rec)
    np.testing.assert_allclose(out.acc_mps2[0], [0, GRAVITY_MPS2, 0], atol=1e-12)
    np.testing.assert_allclose(out.gyr_dps[0], [0, 5.0, 0], atol=1e-12)


def test_round_trip_and_bad_profiles(tmp_path: Path) -> None:
    prof = SensorProfile(
        name='q"uote', kind="generic", unit=UnitCalibration((0.1, 0, 0), (1.0, 1.0, 1.01), (0, 0, 0.2))
    )
    save_profile(tmp_path / "p.toml", prof, comment="test")
    assert load_profile(tmp_path / "p.toml") == prof
    bad = tmp_path / "bad.toml"
    for text, needle in [
        ("[sensor]\nname = 1\n", "needs a name"),
        ('[sensor]\nname = "x"\n[axes]\nx = [1, 0, 0]\ny = [1, 0, 0]\n', "must be a rotation"),
        ('[sensor]\nname = "x"\n[unit]\nacc_scale = [2, 1, 1]\n', "implausible"),
        ('[sensor\nname = "x"\n', "invalid TOML"),
    ]:
        bad.write_text(text)
        with pytest.raises(InputError, match=needle):
            load_profile(bad)


def test_analyze_with_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n = 600
    rec = Recording(np.arange(n) / 100.0, np.tile([GRAVITY_MPS2, 0, 0], (n, 1)), np.zeros((n, 3)))
    path = tmp_path / "side.csv"
    write_raw_csv(path, rec)
    profile = PROFILES / "witmotion-bwt901blecl-sideways.toml"
    assert main(["analyze", str(path), "--profile", str(profile), "--strap-rotation", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert abs(out["max_tibial_inclination_deg"]) < 0.5  # upright once the axes are mapped
