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
from types import ModuleType

from dorsi import __version__
from dorsi.errors import DeviceError, DorsiError, InputError, StorageError

# Sub-commands, in the order `dorsi --help` lists them: name, module, one-line help. Only the module of
# the command given is imported (the simulator, bleak and Qt cost a start-up each command would pay);
# the others are listed from here. A module not written yet is skipped, so parts can land independently.
COMMANDS = (
    ("simulate", "dorsi.cli.simulate", "simulate a shin-IMU recording of a drill, with ground truth"),
    ("analyze", "dorsi.cli.analyze", "measure shin angles (and reps) in a raw IMU CSV"),
    ("demo", "dorsi.cli.demo", "the app on a virtual sensor (text readout without a display)"),
    ("decode", "dorsi.cli.decode", "decode sensor notifications given in hex (protocol inspector)"),
    ("devices", "dorsi.cli.devices", "scan for sensors and list them with signal strength and battery"),
    (
        "record",
        "dorsi.cli.record",
        "record raw IMU samples from a sensor to CSV (+ JSON metadata) and the session store",
    ),
    ("sessions", "dorsi.cli.sessions", "list the stored sessions"),
    ("export", "dorsi.cli.sessions", "export sessions as CSV and JSON files"),
    ("import", "dorsi.cli.sessions", "store a raw IMU CSV file as a session"),
    ("report", "dorsi.cli.report", "one-page knee-to-wall test report (PDF or HTML)"),
    (
        "reliability",
        "dorsi.cli.reliability",
        "reliability study: mark repeated tests, then ICC, SEM, MDC95, Bland-Altman",
    ),
    ("app", "dorsi.cli.app", "start the desktop app"),
    (
        "sensor-calibrate",
        "dorsi.cli.calibrate",
        "fit gyro offset and accelerometer offset/scale from a six-face bench recording",
    ),
)


def _import(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def _command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named in argv: the first word that is not an option (top-level options take no value)."""
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for argv: the module of the command given registers its own parser(s); the other
    commands are listed by name and help only. Without argv every module registers (full parser)."""
    parser = argparse.ArgumentParser(
        prog="dorsi",
        description="Shin-angle companion for a Bluetooth IMU: knee-to-wall test and ankle drills.",
    )
    parser.add_argument("--version", action="version", version=f"dorsi {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    given = None if argv is None else _command_of(argv)
    wanted = {module for name, module, _ in COMMANDS if argv is None or name == given}
    registered: set[str] = set()
    for name, module_name, help_text in COMMANDS:
        if name in sub.choices:
            continue  # registered by its module, with a sibling command
        if module_name in wanted and module_name not in registered:
            registered.add(module_name)
            module = _import(module_name)
            if module is not None:
                module.register(sub)
                continue
        if argv is not None:
            sub.add_parser(name, help=help_text)
    return parser


def _fail(message: str, status: int) -> int:
    print(f"dorsi: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    # Qt orders a PDF's objects by hash; a fixed seed (set before Qt loads) makes the same report the same file
    os.environ.setdefault("QT_HASH_SEED", "0")
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
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
