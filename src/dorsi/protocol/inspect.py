"""One notification → JSON-ready rows (one per sample or message): the protocol inspector's view.

`dorsi decode` prints these; each sensor kind names its own in dorsi.protocol.kinds.
The ranges are the configured ones, used only by formats whose data do not carry them.
"""

from __future__ import annotations

from typing import Any

from dorsi.protocol import dorsi_v1, metamotion, witmotion

Row = dict[str, Any]


def _round(values: Any) -> list[float]:
    return [round(float(v), 6) for v in values]


def dorsi_rows(data: bytes, acc_range_g: int, gyr_range_dps: int) -> list[Row]:
    p = dorsi_v1.decode_packet(data)
    acc, gyr = p.acc_mps2, p.gyr_dps
    return [
        {
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


def dorsi_status_rows(data: bytes, acc_range_g: int = 0, gyr_range_dps: int = 0) -> list[Row]:
    m = dorsi_v1.parse_status_message(data)
    if isinstance(m, dorsi_v1.StatusMessage):
        row: Row = {"type": "status", "streaming": m.streaming, "battery_pct": m.battery_pct}
        row.update(vars(m.config))
    elif isinstance(m, dorsi_v1.ResponseMessage):
        row = {"type": "response", "token": m.token, "opcode": m.opcode, "result": m.result}
        row.update(result_name=dorsi_v1.RESULT_NAMES.get(m.result, "unknown"), payload=m.payload.hex())
    else:
        row = {"type": "error", "code": m.code, "name": dorsi_v1.ERROR_NAMES.get(m.code, "unknown"), "detail": m.detail}
    return [row]


def witmotion_rows(data: bytes, acc_range_g: int, gyr_range_dps: int) -> list[Row]:
    f = witmotion.decode_notification(data)
    rows: list[Row] = [
        {"frame": j, "acc_g": _round(f.acc_g[j]), "gyr_dps": _round(f.gyr_dps[j]), "angle_deg": _round(f.angle_deg[j])}
        for j in range(len(f))
    ]
    rows += [{"register": reg, "values": list(vals)} for reg, vals in f.registers]
    return rows


def metamotion_rows(data: bytes, acc_range_g: int, gyr_range_dps: int) -> list[Row]:
    m = metamotion.decode_notification(data, acc_range_g, gyr_range_dps)
    unit = "acc_g" if m.kind == "acc" else "gyr_dps"
    return [{"sample": j, unit: _round(v)} for j, v in enumerate(m.values)]
