"""A corrupt sample in a six-face bench recording is dropped before the fit (issue 17)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dorsi.cli.main import main
from dorsi.io.profiles import load_profile
from dorsi.io.rawcsv import write_raw_csv
from tests.calibration.test_profiles import TRUE_OFFSET, TRUE_SCALE, _six_faces


def test_a_corrupt_value_on_a_still_face_does_not_reach_the_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = _six_faces()
    rec.acc_mps2[200, 0] = 1e300  # mid-way through the first still face
    rec.gyr_dps[900, 1] = 1e9
    path = tmp_path / "six.csv"
    write_raw_csv(path, rec)
    out = tmp_path / "unit.toml"
    assert main(["sensor-calibrate", str(path), "--out", str(out)]) == 0
    assert "dropped 2 impossible samples" in capsys.readouterr().err
    unit = load_profile(out).unit
    np.testing.assert_allclose(unit.acc_offset_mps2, TRUE_OFFSET, atol=0.005)
    np.testing.assert_allclose(unit.acc_scale, TRUE_SCALE, atol=0.001)
