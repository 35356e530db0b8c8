"""`dorsi app [--virtual]`: the desktop app (PySide6 + pyqtgraph)."""

from __future__ import annotations

import argparse

from dorsi.errors import DorsiError, InputError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("app", help="start the desktop app", description="Start the desktop app.")
    p.add_argument("--virtual", action="store_true", help="use the virtual BLE sensor (no hardware needed)")
    p.add_argument(
        "--speed", type=float, default=1.0, help="virtual sensor speed, × real time (default 1; for demos and tests)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0.1 <= args.speed <= 50.0:
        raise InputError(f"--speed must be within 0.1–50, got {args.speed:g}")
    if args.speed != 1.0 and not args.virtual:
        raise InputError("--speed only applies to the virtual sensor (--virtual)")
    from dorsi.app.run import display_available, run_app

    if not display_available():
        raise DorsiError("no display available (DISPLAY/WAYLAND_DISPLAY unset); `dorsi demo` shows a text readout")
    return run_app(virtual=args.virtual, speed=args.speed)
