"""One shin recording of the RealWorld (HAR) data set, University of Mannheim, as dorsi's raw IMU CSV.

    python tools/realworld_to_csv.py acc_walking_shin.csv Gyroscope_walking_shin.csv OUT.csv

The data set (Sztyler & Stuckenschmidt 2016; 15 people, a phone strapped to the shin among other places,
walking, running, stairs, jumping; https://www.uni-mannheim.de/dws/research/projects/activity-recognition/
dataset/dataset-realworld/) is not redistributed here. Its files: ``id,attr_time,attr_x,attr_y,attr_z``,
the time in ms on the phone's clock, the accelerometer in m/s², the gyroscope in rad/s, each sensor on its
own clock at about 50 Hz. The gyroscope is interpolated onto the accelerometer's times (in °/s), and times
that do not move forward are dropped. The phone's axes (x to the screen's right, y up it, z out of it) are
taken as the sensor's: the phone upright on the shin reads +9.8 m/s² along y (+Y up the shin); facing
the skin or not is a turn about that axis, which the strap rotation takes up. Pass ``benchmarks/
bench_realdata.py --nondrill`` the folder it writes to.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def read(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(time in s, (n, 3) values) of one RealWorld sensor file, in time order, times strictly increasing."""
    try:
        with path.open() as f:
            header = f.readline().strip().split(",")
        cols = [header.index(name) for name in ("attr_time", "attr_x", "attr_y", "attr_z")]
        data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=cols, ndmin=2)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"realworld_to_csv: {path}: not a RealWorld sensor file ({exc})\n")
        raise SystemExit(2) from None
    data = data[np.argsort(data[:, 0], kind="stable")]
    keep = np.concatenate([[True], np.diff(data[:, 0]) > 0])
    return data[keep, 0] / 1000.0, data[keep, 1:]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    (t_acc, acc), (t_gyr, gyr) = read(Path(argv[0])), read(Path(argv[1]))
    inside = (t_acc >= t_gyr[0]) & (t_acc <= t_gyr[-1])  # no gyroscope to interpolate outside its own span
    t, acc = t_acc[inside], acc[inside]
    if len(t) < 2:
        sys.stderr.write("realworld_to_csv: the two files share no stretch of time\n")
        return 2
    gyr_dps = np.degrees(np.column_stack([np.interp(t, t_gyr, gyr[:, k]) for k in range(3)]))
    out = np.column_stack([t - t[0], acc, gyr_dps])
    header = "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_dps,gyr_y_dps,gyr_z_dps"
    np.savetxt(argv[2], out, delimiter=",", fmt="%.6f", header=header, comments="")
    sys.stdout.write(f"{argv[2]}: {len(out)} samples, {out[-1, 0]:.1f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
