"""`dorsi devices [--virtual] [--timeout S] [--json]`: list the sensors in range."""

from __future__ import annotations

import argparse
import asyncio

from dorsi.ble.scan import FoundSensor, scan_sensors
from dorsi.cli import jsonout
from dorsi.errors import InputError
from dorsi.protocol.kinds import KINDS


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "devices",
        help="scan for sensors and list them with signal strength and battery",
        description="Scan for supported sensors by their advertised service and list them. Kinds: "
        + ", ".join(f"{k.id} ({k.label})" for k in KINDS.values())
        + ". --virtual: two of ours (left and right shin) and one of every other kind.",
    )
    p.add_argument("--virtual", action="store_true", help="scan the built-in virtual sensors instead of Bluetooth")
    p.add_argument("--timeout", type=float, default=5.0, metavar="S", help="seconds to scan (default 5)")
    p.add_argument("--json", action="store_true", help="one JSON object per sensor")
    p.set_defaults(func=run)


async def _scan(virtual: bool, timeout_s: float) -> list[FoundSensor]:
    if not virtual:
        return await scan_sensors(timeout_s)
    from dorsi.virtual.ble.world import start_virtual_world

    world = await start_virtual_world(drill=None)
    try:
        return await scan_sensors(timeout_s, backends=world.radio.backends)
    finally:
        await world.close()


def run(args: argparse.Namespace) -> int:
    if not 0 < args.timeout <= 600:
        raise InputError(f"--timeout must be between 0 and 600 seconds, not {args.timeout:g}")
    found = asyncio.run(_scan(args.virtual, args.timeout))
    if args.json:
        for s in found:
            print(jsonout.dumps(s.as_dict()))
        return 0
    if not found:
        print(f"no sensors found in {args.timeout:g} s" + ("" if args.virtual else " (is the sensor on and near?)"))
        return 0
    print(f"{'ADDRESS':<18} {'KIND':<10} {'RSSI':>5} {'BATT':>5}  NAME")
    for s in found:
        batt = f"{s.battery_pct}%" if s.battery_pct is not None else "?"
        print(f"{s.address:<18} {s.kind.id:<10} {s.rssi_dbm:>5} {batt:>5}  {s.name}")
    return 0
