"""`dorsi analyze FILE.csv`: orientation, calibration, shin angles (and reps) of a raw IMU CSV."""

from __future__ import annotations

import argparse
import math
import sys
import warnings

import numpy as np

from dorsi.analysis import analyze_recording
from dorsi.cli import jsonout
from dorsi.cli.argtypes import finite_float, strap_rotation_deg
from dorsi.drills import DRILL_IDS
from dorsi.drills.kneewall import Profile
from dorsi.errors import InputError
from dorsi.io.rawcsv import format_columns, read_raw_csv, write_text_atomic
from dorsi.motion.calibration import CalibrationParams

MIN_CALIBRATION_S = CalibrationParams().min_standing_s + 2 * CalibrationParams().drive_min_s


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("analyze", help="measure shin angles (and reps) in a raw IMU CSV")
    p.add_argument("file", help="raw IMU CSV (docs/formats.md)")
    p.add_argument("--drill", help=f"drill performed: {', '.join(DRILL_IDS)}")
    p.add_argument("--side", choices=("left", "right"), default="left", help="leg wearing the sensor")
    p.add_argument("--offline", action="store_true", help="acausal orientation (slightly more accurate)")
    p.add_argument("--profile", metavar="PROFILE.toml", help="sensor profile: axis map and unit calibration")
    p.add_argument("--strap-rotation", metavar="DEG", help="known strap rotation, -180 to 180°; skips calibration")
    p.add_argument("--tibia-cm", help="knee joint line to ankle joint (knee-to-wall cm estimate)")
    p.add_argument("--foot-cm", help="heel to longest toe (knee-to-wall cm estimate, calf-raise heel rise)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--samples-out", metavar="OUT.csv", help="write per-sample angles and orientation")
    p.set_defaults(func=run)


def _body_profile(tibia_text: str | None, foot_text: str | None) -> Profile | None:
    tibia_cm = finite_float(tibia_text, "--tibia-cm", -math.inf, math.inf)
    foot_cm = finite_float(foot_text, "--foot-cm", -math.inf, math.inf)
    if tibia_cm is None and foot_cm is None:
        return None
    default = Profile()
    tibia = default.tibia_cm if tibia_cm is None else tibia_cm
    foot = default.foot_cm if foot_cm is None else foot_cm
    if not 25.0 <= tibia <= 60.0:
        raise InputError(f"--tibia-cm {tibia:g} is outside 25–60 cm (knee joint line to ankle joint)")
    if not 15.0 <= foot <= 35.0:
        raise InputError(f"--foot-cm {foot:g} is outside 15–35 cm (heel to longest toe)")
    return Profile(tibia_cm=tibia, foot_cm=foot)


def _same_file(a: str, b: str) -> bool:
    from pathlib import Path  # only with --samples-out: pathlib (with urllib.parse) costs ~2 ms to import

    pa, pb = Path(a), Path(b)
    try:
        return pa.resolve() == pb.resolve() or (pb.exists() and pa.samefile(pb))
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    # extreme values are screened out (dorsi.motion.sanity); numpy's raw warnings never reach the user
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.drill is not None and args.drill not in DRILL_IDS:
        raise InputError(f"unknown drill {args.drill!r}; choose one of: {', '.join(DRILL_IDS)}")
    rotation_deg = strap_rotation_deg(args.strap_rotation)
    profile = _body_profile(args.tibia_cm, args.foot_cm)
    if args.samples_out and _same_file(args.samples_out, args.file):
        raise InputError(f"--samples-out {args.samples_out} is the input file; choose another path")
    rec = read_raw_csv(args.file, extra_columns=False)  # (the analysis reads none of the extra columns)
    kind: str | None = None
    unit_calibrated = False
    if args.profile:
        from dorsi.io.profiles import GENERIC, load_profile  # TOML and unit calibration: only with --profile

        sensor = load_profile(args.profile)
        rec = sensor.apply(rec)
        kind = None if sensor.kind == GENERIC else sensor.kind
        unit_calibrated = sensor.unit.accel_calibrated
    result = analyze_recording(
        rec,
        drill=args.drill,
        side=args.side,
        offline=args.offline,
        strap_rotation_deg=rotation_deg,
        profile=profile,
        sensor_kind=kind,
        unit_calibrated=unit_calibrated,
    )
    duration_s = result.duration_s
    if rotation_deg is None and duration_s < MIN_CALIBRATION_S:
        raise InputError(
            f"{args.file}: too short to calibrate ({duration_s:.1f} s; the calibration alone takes "
            f"at least {MIN_CALIBRATION_S:.1f} s) — record longer or pass --strap-rotation"
        )
    for warning in result.warnings:
        print(f"dorsi: warning: {args.file}: {warning}", file=sys.stderr)
    if args.samples_out:
        cols = {"time_s": result.recording.time_s, **result.derived_columns(kept_only=True)}
        fmts = {name: "%.4f" for name in cols} | {"time_s": "%.6f"}
        fmts.update({k: "%.7f" for k in ("quat_w", "quat_x", "quat_y", "quat_z")})
        write_text_atomic(args.samples_out, format_columns(cols, fmts))
    summary = result.summary()
    if args.json:
        print(jsonout.dumps(summary))
        return 0
    cal = summary["calibration"]
    gaps = summary["gaps"]
    rate_hz = summary["sample_rate_hz"]
    print(f"{args.file}: {summary['samples']} samples, {summary['duration_s']:.1f} s at {rate_hz:.1f} Hz")
    print(f"  gaps: {gaps['count']} ({gaps['missing_samples']} samples missing, longest {gaps['longest_s']:.3f} s)")
    if gaps["dropped_samples"]:
        print(f"  impossible samples dropped: {gaps['dropped_samples']}")
    if rotation_deg is not None:
        print(f"  calibration: strap rotation {rotation_deg:+.1f}° as given (--strap-rotation)")
    elif cal["found"]:
        print(
            f"  calibration: strap rotation {cal['strap_rotation_deg']:+.1f}°,"
            f" standing {cal['standing_inclination_deg']:.1f}°,"
            f" drive axes agree within {cal['axis_spread_deg']:.1f}°"
        )
    else:
        why = f" ({cal['reason']})" if cal.get("reason") else ""
        print(f"  calibration: not found{why}, strap rotation taken as 0°")
    peak = summary["max_tibial_inclination_deg"]
    print(f"  max tibial inclination: {'–' if peak is None else f'{peak:.1f}°'}")
    if args.drill:
        n, sets = summary["rep_count"], summary["sets"]
        print(f"  {args.drill}: {n} rep{'' if n == 1 else 's'} in {sets} set{'' if sets == 1 else 's'}")
        for rep in summary["reps"]:
            label = (
                "partial"
                if rep.get("partial")
                else "invalid"
                if rep.get("valid") is False
                else f"rep {rep['index']:2d}"
            )
            reasons = "; ".join(rep.get("reasons", []))
            peak_deg = rep["peak_tibial_inclination_deg"]
            print(
                f"    {label} {rep['start_s']:7.1f}–{rep['end_s']:.1f} s  peak {peak_deg:5.1f}°"
                f"  score {rep.get('score', '–')}  {reasons}"
            )
    for side, res in ((summary.get("test") or {}).get("sides") or {}).items():
        if res.get("best_deg") is None:
            print(f"  knee-to-wall {side}: no trial found")
            continue
        print(
            f"  knee-to-wall {side}: best {res['best_deg']:.1f}° ± {res['uncertainty_deg']:.1f}° ≈ "
            f"{res['toe_to_wall_cm']:.1f} ± {res['uncertainty_cm']:.1f} cm toe to wall (~95 %), {res['band']} "
            f"({res['band_testing_standards']})"
        )
        for note in ("heel_note", "uncertainty_hint"):
            if res.get(note):
                print(f"    {res[note]}")
    return 0
