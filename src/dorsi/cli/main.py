"""`dorsi` command line: wires library objects together, no logic of its own.

Each sub-command lives in its own module exposing ``register(subparsers)``; the
module sets ``func`` on its parser. Errors a user can act on are printed as one
line; bad input exits with status 2, never with a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from dorsi import __version__
from dorsi.errors import DeviceError, DorsiError, InputError, StorageError

# Sub-command modules, in the order `dorsi --help` lists them; a module not
# written yet is skipped, so parts of the product can land independently.
COMMAND_MODULES = (
    "dorsi.cli.simulate",
    "dorsi.cli.analyze",
    "dorsi.cli.demo",
    "dorsi.cli.decode",
    "dorsi.cli.devices",
    "dorsi.cli.record",
    "dorsi.cli.sessions",
    "dorsi.cli.report",
    "dorsi.cli.reliability",
    "dorsi.cli.app",
    "dorsi.cli.calibrate",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dorsi",
        description="Shin-angle companion for a Bluetooth IMU: knee-to-wall test and ankle drills.",
    )
    parser.add_argument("--version", action="version", version=f"dorsi {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def _fail(message: str, status: int) -> int:
    print(f"dorsi: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    # Qt orders a PDF's objects by hash; a fixed seed (set before Qt loads) makes the same report the same file
    os.environ.setdefault("QT_HASH_SEED", "0")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        return _fail(f"error: {exc}", 2)
    except (DeviceError, StorageError) as exc:
        return _fail(f"error: {exc}", 1)
    except DorsiError as exc:
        return _fail(f"error: {exc}", 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last resort: one line, never a traceback for users
        if os.environ.get("DORSI_DEBUG"):
            raise
        return _fail(f"internal error: {type(exc).__name__}: {exc} (set DORSI_DEBUG=1 for details)", 1)
