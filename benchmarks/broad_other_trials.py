"""Offline VQF on the BROAD trials that are NOT among the ten in ../shared (a development set).

Why offline orientation stops near 0.6° on the ten, measured without choosing anything on them:
a grid of offline VQF's parameters, a gyro-scale sweep, and the IMU read half a sample later.
Prints the dev-set mean inclination RMSE of each, and the ten trials' figure for the grid's best.

    python benchmarks/broad_other_trials.py DATA_HDF5_DIR [SHARED_NPZ_DIR]

DATA_HDF5_DIR is data_hdf5/ of github.com/dlaidig/broad (CC-BY-4.0). Needs h5py (not a dorsi
dependency: `pip install h5py`). Skips cleanly when either is missing.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
from vqf import offlineVQF

from dorsi.motion.quat import inclination_error_deg

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "broad"
Trial = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]  # gyr rad/s, acc, ref quat, movement, rate


def load_dev(folder: Path, shared: Path) -> dict[str, Trial]:
    import h5py  # type: ignore[import-not-found]

    skip = {p.stem for p in shared.glob("*.npz")}
    out: dict[str, Trial] = {}
    for p in sorted(folder.glob("*.hdf5")):
        if p.stem in skip or p.stat().st_size == 0:
            continue
        with h5py.File(p) as f:
            out[p.stem] = (
                np.ascontiguousarray(f["imu_gyr"][:]),
                np.ascontiguousarray(f["imu_acc"][:]),
                np.asarray(f["opt_quat"][:]),
                np.asarray(f["movement"][:], dtype=bool),
                float(f.attrs["sampling_rate"]),
            )
    return out


def load_shared(folder: Path) -> dict[str, Trial]:
    out: dict[str, Trial] = {}
    for p in sorted(folder.glob("*.npz")):
        with np.load(p) as d:
            out[p.stem] = (
                np.ascontiguousarray(d["gyr_rad_s"], dtype=np.float64),
                np.ascontiguousarray(d["acc_mps2"], dtype=np.float64),
                np.asarray(d["opt_quat_wxyz"], dtype=np.float64),
                np.asarray(d["movement"], dtype=bool),
                float(d["sampling_rate_hz"]),
            )
    return out


def later(x: np.ndarray, samples: float) -> np.ndarray:
    n = len(x)
    return np.ascontiguousarray(
        np.stack([np.interp(np.arange(n) + samples, np.arange(n), x[:, i]) for i in range(3)], axis=1)
    )


def mean_rmse(trials: dict[str, Trial], params: dict[str, float], gyr_scale: float = 1.0, shift: float = 0.0) -> float:
    out = []
    for gyr, acc, ref, movement, rate in trials.values():
        g, a = gyr * gyr_scale, acc
        if shift:
            g, a = later(g, shift), later(a, shift)
        q = offlineVQF(np.ascontiguousarray(g), np.ascontiguousarray(a), None, 1.0 / rate, params)["quat6D"]
        ok = movement & np.all(np.isfinite(ref), axis=1)
        out.append(float(np.sqrt(np.mean(inclination_error_deg(q[ok], ref[ok]) ** 2))))
    return float(np.mean(out))


def main(argv: list[str]) -> int:
    if len(argv) < 2 or not Path(argv[1]).is_dir():
        print("usage: broad_other_trials.py DATA_HDF5_DIR [SHARED_NPZ_DIR]: no data folder given, skipped")
        return 0
    shared = Path(argv[2]) if len(argv) > 2 else SHARED_DIR
    try:
        dev = load_dev(Path(argv[1]), shared)
    except ImportError:
        print("h5py is not installed (pip install h5py): skipped")
        return 0
    print(f"development set: {len(dev)} BROAD trials not among the {len(list(shared.glob('*.npz')))} in {shared}")
    print(f"offline VQF defaults: {mean_rmse(dev, {}):.4f} deg")
    grid = []
    for tau, th_gyr, sigma in itertools.product([1.5, 2, 3, 4, 5, 7], [1.0, 2.0, 3.0], [0.05, 0.1, 0.2]):
        params = {"tauAcc": tau, "restThGyr": th_gyr, "biasSigmaMotion": sigma}
        grid.append((mean_rmse(dev, params), params))
    grid.sort(key=lambda r: r[0])
    for value, params in grid[:3]:
        print(f"grid best {value:.4f} deg at {params}")
    for scale in (0.99, 0.995, 1.005, 1.01):
        print(f"gyro x {scale}: {mean_rmse(dev, {}, gyr_scale=scale):.4f} deg")
    for shift in (-0.5, 0.5, 1.0):
        print(f"IMU read {shift:+.1f} sample later: {mean_rmse(dev, {}, shift=shift):.4f} deg")
    ten = load_shared(shared)
    if ten:
        print(f"the ten: defaults {mean_rmse(ten, {}):.4f} deg, grid best {mean_rmse(ten, grid[0][1]):.4f} deg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
