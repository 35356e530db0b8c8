"""`dorsi sensor-calibrate`: fit a per-unit profile from a six-face bench recording."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dorsi.errors import InputError
from dorsi.io.profiles import SensorProfile, load_profile, save_profile
from dorsi.io.rawcsv import read_raw_csv
from dorsi.motion.sanity import SampleLimits, screen_samples
from dorsi.motion.sensor_calibration import SixFaceError, fit_six_face
from dorsi.motion.types import ImuChunk


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sensor-calibrate",
        help="fit gyro offset and accelerometer offset/scale from a six-face bench recording",
        description="Lay the sensor still for 4 s on each of its six faces while recording "
        "(dorsi record), then fit a per-unit profile (calibration/README.md).",
    )
    p.add_argument("file", help="raw IMU CSV of the six still faces")
    p.add_argument("--base", metavar="PROFILE.toml", help="sensor-type profile to start from (axes, mounting)")
    p.add_argument("--name", help="name of this unit, e.g. 'left shin XIAO'")
    p.add_argument("--out", required=True, metavar="PROFILE.toml", help="where to write the unit profile")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rec = read_raw_csv(args.file)
    for warning in rec.warnings:
        print(f"dorsi: warning: {args.file}: {warning}", file=sys.stderr)
    base = load_profile(args.base) if args.base else SensorProfile(name="generic IMU")
    # impossible samples (a corrupt packet) never reach the fit; raw values: the widest full scale
    kept, report = screen_samples(rec.chunk, SampleLimits.unknown(), rec.rate_hz)
    if report.dropped:
        print(f"dorsi: warning: {args.file}: {report.warning()}", file=sys.stderr)
    chunk = ImuChunk(rec.time_s[kept], rec.acc_mps2[kept], rec.gyr_dps[kept])
    try:
        unit, periods = fit_six_face(chunk)
    except SixFaceError as exc:
        raise InputError(f"{args.file}: {exc}") from None
    profile = SensorProfile(
        name=args.name or f"{base.name} (unit from {Path(args.file).name})",
        kind=base.kind,
        mounting=base.mounting,
        axes=base.axes,
        unit=unit,
    )
    save_profile(
        args.out, profile, comment=f"dorsi sensor-calibrate {Path(args.file).name}: {len(periods)} still periods"
    )
    off, scale, gyr = unit.acc_offset_mps2, unit.acc_scale, unit.gyr_offset_dps
    print(f"{args.out}: {len(periods)} still periods")
    print("  accelerometer offset m/s²: " + ", ".join(f"{v:+.3f}" for v in off))
    print("  accelerometer scale:       " + ", ".join(f"{v:.4f}" for v in scale))
    print("  gyro offset °/s:           " + ", ".join(f"{v:+.3f}" for v in gyr))
    return 0
