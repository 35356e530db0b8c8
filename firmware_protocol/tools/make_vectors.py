"""Regenerate vectors/v1.json from the byte layout in SPEC.md, written out by hand here.

Independent of dorsi.protocol on purpose: the vectors check the encoder and the
decoders, so they must not be produced by them. Run: python firmware_protocol/tools/make_vectors.py
"""

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "vectors" / "v1.json"
G = 9.80665


def i16(v):
    return (v & 0xFFFF).to_bytes(2, "little")


def pkt(b0, cfg, seq, t, samples):
    return (
        bytes([b0, cfg])
        + seq.to_bytes(2, "little")
        + t.to_bytes(4, "little")
        + b"".join(i16(v) for s in samples for v in s)
    )


def entry(name, note, b0, cfg, seq, t, rate, acc, gyr, samples):
    h = pkt(b0, cfg, seq, t, samples).hex()
    return {
        "name": name,
        "note": note,
        "hex": h,
        "expect": {
            "version": 1,
            "seq": seq,
            "sensor_time_us": t,
            "rate_hz": rate,
            "acc_range_g": acc,
            "gyr_range_dps": gyr,
            "n_samples": len(samples),
            "raw": [list(s) for s in samples],
            "acc_mps2": [[v * acc * G / 32768 for v in s[:3]] for s in samples],
            "gyr_dps": [[v * gyr / 32768 for v in s[3:]] for s in samples],
        },
    }


packets = [
    entry(
        "one_sample_at_rest",
        "20 bytes: fits the default 23-byte MTU; shin vertical (+Y = 1 g)",
        0x21,
        0x29,
        0x0102,
        1_000_000,
        104,
        4,
        500,
        [(0, 8192, -64, 65, -100, 0)],
    ),
    entry(
        "extremes_and_wrap",
        "416 Hz, 16 g, 2000 dps; seq and time just before they wrap; saturated values",
        0x23,
        0x73,
        0xFFFF,
        0xFFFFFFF0,
        416,
        16,
        2000,
        [(32767, -32768, 1, -1, 0, 256), (100, 200, 300, -100, -200, -300), (-32768, 32767, 0, 0, 0, 0)],
    ),
    entry(
        "lowest_config",
        "52 Hz, 2 g, 125 dps: every code 0; 1 g on +Z (lying, sensor facing up)",
        0x21,
        0x00,
        0,
        0,
        52,
        2,
        125,
        [(0, 0, 16384, 0, 0, 0)],
    ),
    entry(
        "max_batch",
        "31 samples, the most a packet carries (380 bytes, needs MTU >= 383)",
        0x3F,
        0x6E,
        40000,
        123_456_789,
        416,
        8,
        1000,
        [(i, -i, 2 * i, 100 * i, -100 * i, i * i) for i in range(31)],
    ),
    entry(
        "mtu_247_batch",
        "19 samples = 236 bytes, the most for MTU 247",
        0x33,
        0x4A,
        7,
        3_000_000,
        208,
        8,
        500,
        [(4096, 0, 0, 0, 0, -i) for i in range(19)],
    ),
]
errors = [
    {"name": "empty", "hex": "", "error": "shorter"},
    {"name": "header_only", "hex": "2129020140420f00", "error": "shorter"},
    {"name": "version_2", "hex": "4129020140420f00" + "00" * 12, "error": "version 2"},
    {"name": "zero_samples", "hex": "2029020140420f00" + "00" * 12, "error": "0 samples"},
    {"name": "count_says_two", "hex": "2229020140420f00" + "00" * 12, "error": "says 2 samples"},
    {"name": "one_byte_too_many", "hex": "2129020140420f00" + "00" * 13, "error": "21 bytes"},
    {"name": "truncated", "hex": "2229020140420f00" + "00" * 23, "error": "31 bytes"},
    {"name": "gyro_code_5", "hex": "2114020140420f00" + "00" * 12, "error": "gyroscope range code 5"},
    {"name": "rate_code_4", "hex": "2180020140420f00" + "00" * 12, "error": "rate code 4"},
]
status = [
    {
        "name": "status_streaming",
        "hex": "21017357",
        "expect": {
            "type": "status",
            "streaming": True,
            "rate_hz": 416,
            "acc_range_g": 16,
            "gyr_range_dps": 2000,
            "battery_pct": 87,
        },
    },
    {
        "name": "status_idle_unknown_battery",
        "hex": "210029ff",
        "expect": {
            "type": "status",
            "streaming": False,
            "rate_hz": 104,
            "acc_range_g": 4,
            "gyr_range_dps": 500,
            "battery_pct": None,
        },
    },
    {
        "name": "response_battery",
        "hex": "22090600373c0f",
        "expect": {
            "type": "response",
            "token": 9,
            "opcode": 6,
            "result": 0,
            "payload": "373c0f",
            "battery_pct": 55,
            "battery_mv": 3900,
        },
    },
    {
        "name": "response_version",
        "hex": "2201070001010100" + "02",
        "expect": {
            "type": "response",
            "token": 1,
            "opcode": 7,
            "result": 0,
            "payload": "0101010002",
            "protocol": [1, 1],
            "firmware": [1, 0, 2],
        },
    },
    {
        "name": "response_busy",
        "hex": "22040304",
        "expect": {"type": "response", "token": 4, "opcode": 3, "result": 4, "payload": ""},
    },
    {"name": "error_overrun", "hex": "23020c00", "expect": {"type": "error", "code": 2, "detail": 12}},
]
commands = [
    {"name": "start", "hex": "0101", "opcode": 1, "token": 1, "args": [], "result": 0},
    {"name": "stop", "hex": "0202", "opcode": 2, "token": 2, "args": [], "result": 0},
    {"name": "set_rate_416", "hex": "0303a001", "opcode": 3, "token": 3, "args": [416], "result": 0},
    {"name": "set_ranges_8g_1000dps", "hex": "040408e803", "opcode": 4, "token": 4, "args": [8, 1000], "result": 0},
    {"name": "identify_5s", "hex": "050505", "opcode": 5, "token": 5, "args": [5], "result": 0},
    {"name": "get_battery", "hex": "0606", "opcode": 6, "token": 6, "args": [], "result": 0},
    {"name": "get_version", "hex": "0707", "opcode": 7, "token": 7, "args": [], "result": 0},
    {"name": "get_status", "hex": "0808", "opcode": 8, "token": 8, "args": [], "result": 0},
    {"name": "bad_rate_100", "hex": "03096400", "opcode": 3, "token": 9, "args": [100], "result": 3},
    {"name": "short_args", "hex": "030a10", "opcode": 3, "token": 10, "args": [], "result": 2},
    {"name": "unknown_opcode", "hex": "990b", "opcode": 153, "token": 11, "args": [], "result": 1},
]


def wframe(kind, vals):
    return bytes([0x55, kind]) + b"".join(i16(v) for v in vals)


def wexp(vals):
    return {
        "acc_g": [v * 16 / 32768 for v in vals[0:3]],
        "gyr_dps": [v * 2000 / 32768 for v in vals[3:6]],
        "angle_deg": [v * 180 / 32768 for v in vals[6:9]],
    }


cap = [-4, -17, 2065, 0, 0, 0, -104, 13, 12792]
f2 = [2048, -2048, 0, 1638, -1638, 16384, 0, 16384, -32768]
witmotion = [
    {
        "name": "captured_at_rest",
        "note": "from a real BWT901BLECL: az ≈ 1.008 g, roll ≈ -0.57°, yaw ≈ 70.27°",
        "hex": wframe(0x61, cap).hex(),
        "frames": [wexp(cap)],
        "registers": [],
    },
    {
        "name": "two_frames_one_notification",
        "hex": (wframe(0x61, cap) + wframe(0x61, f2)).hex(),
        "frames": [wexp(cap), wexp(f2)],
        "registers": [],
    },
    {
        "name": "register_reply_then_data",
        "hex": (wframe(0x71, [0x64, 1, 2, 3, 4, 5, 6, 7, 8]) + wframe(0x61, f2)).hex(),
        "frames": [wexp(f2)],
        "registers": [[0x64, [1, 2, 3, 4, 5, 6, 7, 8]]],
    },
]
wit_errors = [
    {"name": "empty", "hex": "", "error": "not a whole number"},
    {"name": "truncated_frame", "hex": wframe(0x61, cap).hex()[:-2], "error": "not a whole number"},
    {"name": "bad_header", "hex": "54" + wframe(0x61, cap).hex()[2:], "error": "not 0x55"},
    {"name": "unknown_type", "hex": "5562" + wframe(0x61, cap).hex()[4:], "error": "unknown type 0x62"},
]
wit_commands = [
    {"name": "unlock", "hex": "ffaa6988b5"},
    {"name": "rate_100hz", "rate_hz": 100, "hex": "ffaa030900"},
    {"name": "rate_200hz", "rate_hz": 200, "hex": "ffaa030b00"},
    {"name": "save", "hex": "ffaa000000"},
]
doc = {
    "protocol": "dorsi sensor protocol v1 (firmware_protocol/SPEC.md)",
    "float_tolerance": "abs 1e-9 on physical values",
    "dorsi_packets": packets,
    "dorsi_packet_errors": errors,
    "dorsi_status": status,
    "dorsi_commands": commands,
    "witmotion_notifications": witmotion,
    "witmotion_errors": wit_errors,
    "witmotion_commands": wit_commands,
}
OUT.write_text(json.dumps(doc, indent=1) + "\n")
