"""`dorsi simulate`: write a simulated recording (raw CSV) and its ground truth beside it."""

from __future__ import annotations

import argparse
from pathlib import Path

from dorsi.cli.argtypes import seed, strap_rotation_deg
from dorsi.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    from dorsi.virtual.sim import DRILLS, EVENTS

    p = subparsers.add_parser(
        "simulate",
        help="simulate a shin-IMU recording of a drill, with ground truth",
        description="Simulate a recording (calibration sequence + drill) and write FILE.csv, "
        "FILE.truth.csv and FILE.truth.json.",
    )
    p.add_argument("--drill", required=True, help="one of: " + ", ".join(DRILLS))
    p.add_argument("--seconds", required=True, type=float, help="length of the recording")
    p.add_argument("--seed", default="0", help="random seed, 0 or more (default 0)")
    p.add_argument("--rate", type=float, default=200.0, help="sample rate in Hz (25–1000)")
    p.add_argument("--side", default="left", help="left or right")
    p.add_argument("--strap-rotation", default=None, help="degrees, -180 to 180; default: seeded in ±45°")
    p.add_argument("--packet-loss", type=float, default=0.01, help="probability a packet is lost")
    p.add_argument("--events", default="", help="comma-separated: " + ",".join(EVENTS))
    p.add_argument("--sets", type=int, default=None)
    p.add_argument("--reps-per-set", type=int, default=None)
    p.add_argument("--no-noise", action="store_true", help="ideal sensor (no bias, noise, quantization)")
    p.add_argument("--out", required=True, type=Path, help="output raw CSV path")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dorsi.virtual.sim import SimParams, simulate, write_simulation

    events = tuple(e.strip() for e in args.events.split(",") if e.strip())
    if args.side not in ("left", "right"):
        raise InputError(f"--side must be left or right, got {args.side!r}")
    params = SimParams(
        drill=args.drill,
        seconds=args.seconds,
        seed=seed(args.seed) or 0,
        rate_hz=args.rate,
        side=args.side,
        strap_rotation_deg=strap_rotation_deg(args.strap_rotation),
        packet_loss=args.packet_loss,
        events=events,
        sets=args.sets,
        reps_per_set=args.reps_per_set,
        noise=not args.no_noise,
    )
    params.validate()  # before any work: bad input is a one-line error
    result = simulate(params)
    write_simulation(result, args.out)
    n = result.sensor["total_samples"]
    lost = result.sensor["lost_samples"]
    print(
        f"{args.out}: {len(result.recording)} samples of {n} ({lost} lost, {100.0 * lost / n:.1f} %), "
        f"{len(result.counted_reps)} reps ({len(result.truncated_reps)} truncated), "
        f"strap rotation {result.calibration['strap_rotation_deg']:+.1f}°"
    )
    return 0
