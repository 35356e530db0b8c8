"""`dorsi decode`: a protocol inspector. Hex notifications in, one JSON line per sample out."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from dorsi.errors import InputError
from dorsi.protocol import dorsi_v1, metamotion, witmotion

FORMATS = ("dorsi", "witmotion", "dorsi-status", "metamotion")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "decode",
        help="decode sensor notifications given in hex (protocol inspector)",
        description="Decode BLE notifications given as hex and print one JSON object per sample "
        "(per message for dorsi-status). Separators ':', '-' and spaces inside a HEX are ignored; "
        "'-' reads HEX values from standard input, one per line. Bytes that do not decode: exit 2.",
    )
    p.add_argument("--format", choices=FORMATS, default="dorsi", help="protocol of the bytes (default: dorsi)")
    p.add_argument("--acc-range-g", type=int, default=16, help="metamotion only: configured range (default 16)")
    p.add_argument("--gyr-range-dps", type=int, default=2000, help="metamotion only: configured range (default 2000)")
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


def _round(values: Any) -> list[float]:
    return [round(float(v), 6) for v in values]


def _dorsi(i: int, data: bytes) -> list[dict[str, Any]]:
    p = dorsi_v1.decode_packet(data)
    acc, gyr = p.acc_mps2, p.gyr_dps
    return [
        {
            "packet": i,
            "seq": p.seq,
            "sample": j,
            "sensor_time_us": p.sensor_time_us,
            "rate_hz": p.rate_hz,
            "acc_range_g": p.acc_range_g,
            "gyr_range_dps": p.gyr_range_dps,
            "raw": [int(v) for v in p.raw[j]],
            "acc_mps2": _round(acc[j]),
            "gyr_dps": _round(gyr[j]),
        }
        for j in range(p.n_samples)
    ]


def _witmotion(i: int, data: bytes) -> list[dict[str, Any]]:
    f = witmotion.decode_notification(data)
    rows: list[dict[str, Any]] = [
        {
            "packet": i,
            "frame": j,
            "acc_g": _round(f.acc_g[j]),
            "gyr_dps": _round(f.gyr_dps[j]),
            "angle_deg": _round(f.angle_deg[j]),
        }
        for j in range(len(f))
    ]
    rows += [{"packet": i, "register": reg, "values": list(vals)} for reg, vals in f.registers]
    return rows


def _status(i: int, data: bytes) -> list[dict[str, Any]]:
    m = dorsi_v1.parse_status_message(data)
    if isinstance(m, dorsi_v1.StatusMessage):
        row: dict[str, Any] = {"type": "status", "streaming": m.streaming, "battery_pct": m.battery_pct}
        row.update(vars(m.config))
    elif isinstance(m, dorsi_v1.ResponseMessage):
        row = {"type": "response", "token": m.token, "opcode": m.opcode, "result": m.result}
        row.update(result_name=dorsi_v1.RESULT_NAMES.get(m.result, "unknown"), payload=m.payload.hex())
    else:
        row = {"type": "error", "code": m.code, "name": dorsi_v1.ERROR_NAMES.get(m.code, "unknown"), "detail": m.detail}
    return [{"packet": i, **row}]


def _metamotion(i: int, data: bytes, acc_range_g: int, gyr_range_dps: int) -> list[dict[str, Any]]:
    m = metamotion.decode_notification(data, acc_range_g, gyr_range_dps)
    unit = "acc_g" if m.kind == "acc" else "gyr_dps"
    return [{"packet": i, "sample": j, unit: _round(m.values[j])} for j in range(len(m.values))]


DECODERS = {"dorsi": _dorsi, "witmotion": _witmotion, "dorsi-status": _status}


def run(args: argparse.Namespace) -> int:
    if args.format == "metamotion":

        def decode(i: int, data: bytes) -> list[dict[str, Any]]:
            return _metamotion(i, data, args.acc_range_g, args.gyr_range_dps)

    else:
        decode = DECODERS[args.format]
    rows: list[dict[str, Any]] = []
    for i, data in enumerate(_parse_hex(args.hex), start=1):
        try:
            rows.extend(decode(i, data))
        except InputError as exc:
            raise InputError(f"HEX {i}: {exc}") from None
    for row in rows:  # print only once everything decoded: no half output before an error
        print(json.dumps(row))
    return 0
