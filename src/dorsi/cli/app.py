"""`dorsi app [--virtual] [--profile PROFILE.toml]`: the desktop app (PySide6 + pyqtgraph)."""

from __future__ import annotations

import argparse

from dorsi.errors import DorsiError, InputError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("app", help="start the desktop app", description="Start the desktop app.")
    p.add_argument("--virtual", action="store_true", help="use the virtual BLE sensor (no hardware needed)")
    p.add_argument(
        "--speed", type=float, default=1.0, help="virtual sensor speed, × real time (default 1; for demos and tests)"
    )
    p.add_argument(
        "--profile",
        metavar="PROFILE.toml",
        help="per-unit sensor profile (dorsi sensor-calibrate) applied live; kept as the Settings choice",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0.1 <= args.speed <= 50.0:
        raise InputError(f"--speed must be within 0.1–50, got {args.speed:g}")
    if args.speed != 1.0 and not args.virtual:
        raise InputError("--speed only applies to the virtual sensor (--virtual)")
    unit_profile = None
    if args.profile:
        from pathlib import Path

        from dorsi.io.profiles import load_profile

        load_profile(args.profile)  # a file that cannot be used: one line, exit 2 (as analyze --profile)
        unit_profile = str(Path(args.profile).resolve())
    from dorsi.app.run import display_available, run_app

    if not display_available():
        raise DorsiError("no display available (DISPLAY/WAYLAND_DISPLAY unset); `dorsi demo` shows a text readout")
    return run_app(virtual=args.virtual, speed=args.speed, unit_profile=unit_profile)
