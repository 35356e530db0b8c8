"""`dorsi decode`: a protocol inspector. Hex notifications in, one JSON line per sample out."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dorsi.cli import jsonout
from dorsi.errors import InputError
from dorsi.protocol.inspect import dorsi_status_rows
from dorsi.protocol.kinds import DORSI, KINDS

STATUS_FORMAT = "dorsi-status"  # our sensor's status characteristic (replies, errors)
FORMATS = (*KINDS, STATUS_FORMAT)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "decode",
        help="decode sensor notifications given in hex (protocol inspector)",
        description="Decode BLE notifications given as hex and print one JSON object per sample "
        f"(per message for {STATUS_FORMAT}). Separators ':', '-' and spaces inside a HEX are ignored; "
        "'-' reads HEX values from standard input, one per line. Bytes that do not decode: exit 2.",
    )
    p.add_argument("--format", choices=FORMATS, default=DORSI.id, help=f"protocol of the bytes (default: {DORSI.id})")
    ranges = "configured range, for data that do not carry it (default: the kind's)"
    p.add_argument("--acc-range-g", type=int, help=ranges)
    p.add_argument("--gyr-range-dps", type=int, help=ranges)
    p.add_argument("hex", nargs="+", metavar="HEX", help="one notification's bytes in hex, or '-'")
    p.set_defaults(func=run)


def _parse_hex(values: list[str]) -> list[bytes]:
    items: list[str] = []
    for v in values:
        if v == "-":
            items.extend(sys.stdin.read().split())
        else:
            items.append(v)
    out = []
    for i, text in enumerate(items, start=1):
        clean = text.replace(":", "").replace("-", "").replace(" ", "").removeprefix("0x")
        try:
            out.append(bytes.fromhex(clean))
        except ValueError:
            shown = text if len(text) <= 24 else text[:24] + "…"
            raise InputError(f"HEX {i} is not hexadecimal bytes: {shown!r}") from None
    return out


def run(args: argparse.Namespace) -> int:
    kind = KINDS.get(args.format, DORSI)
    inspect = dorsi_status_rows if args.format == STATUS_FORMAT else kind.inspect
    acc_range_g = args.acc_range_g if args.acc_range_g is not None else kind.acc_range_g
    gyr_range_dps = args.gyr_range_dps if args.gyr_range_dps is not None else kind.gyr_range_dps
    rows: list[dict[str, Any]] = []
    for i, data in enumerate(_parse_hex(args.hex), start=1):
        try:
            rows.extend({"packet": i, **row} for row in inspect(data, acc_range_g, gyr_range_dps))
        except InputError as exc:
            raise InputError(f"HEX {i}: {exc}") from None
    for row in rows:  # print only once everything decoded: no half output before an error
        print(jsonout.dumps(row))
    return 0
