"""tools/realworld_to_csv.py: a RealWorld (HAR) shin recording → dorsi's raw CSV, read back by the reader."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from dorsi.io.rawcsv import read_raw_csv
from tests.script_module import load_script

TOOL = Path(__file__).resolve().parents[2] / "tools" / "realworld_to_csv.py"


def _tool() -> ModuleType:
    return load_script(TOOL, "realworld_to_csv")


def _write(path: Path, t_ms: list[int], xyz: list[tuple[float, float, float]]) -> None:
    rows = [f"{i + 1},{t},{x},{y},{z}" for i, (t, (x, y, z)) in enumerate(zip(t_ms, xyz, strict=True))]
    path.write_text("id,attr_time,attr_x,attr_y,attr_z\n" + "\n".join(rows) + "\n")


def test_gyro_onto_the_accelerometer_times_in_degrees(tmp_path: Path) -> None:
    t_acc = [1000 + 20 * k for k in range(60)]
    t_acc.insert(10, t_acc[9])  # a repeated time: dropped
    _write(tmp_path / "acc.csv", t_acc, [(0.1, 9.8, 0.2)] * len(t_acc))
    t_gyr = [1010 + 20 * k for k in range(60)]
    _write(tmp_path / "gyr.csv", t_gyr, [(0.001 * t, 0.0, -0.5) for t in t_gyr])
    out = tmp_path / "out.csv"
    assert _tool().main([str(tmp_path / "acc.csv"), str(tmp_path / "gyr.csv"), str(out)]) == 0
    rec = read_raw_csv(out)
    assert np.all(np.diff(rec.time_s) > 0) and rec.time_s[0] == 0.0
    assert len(rec) == 59  # inside the gyro's span (1010 ms on), the repeat dropped
    np.testing.assert_allclose(rec.acc_mps2, np.tile([0.1, 9.8, 0.2], (59, 1)))
    t_s = 1.02 + rec.time_s  # the accelerometer's clock
    np.testing.assert_allclose(rec.gyr_dps[:, 0], np.degrees(t_s), atol=1e-4)  # linear: interpolated exactly
    np.testing.assert_allclose(rec.gyr_dps[:, 2], np.degrees(-0.5), atol=1e-6)


def test_a_file_that_is_no_sensor_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,x\n1,2\n")
    with pytest.raises(SystemExit) as exc:
        _tool().main([str(bad), str(bad), str(tmp_path / "out.csv")])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a RealWorld sensor file" in err[0]
