# dorsi sensor protocol v1: the canonical encoder (firmware_protocol/SPEC.md).
#
# This one file runs in two places, byte-identical: on CPython (the app's tests,
# the virtual peripheral) and on CircuitPython in the reference firmware
# (firmware_protocol/reference_firmware/dorsi_encoder.py is a copy checked by a
# test). Keep it CircuitPython-compatible: `struct` only, no numpy, no typing
# imports at run time, no f-strings, no dataclasses, no variable annotations.

import struct

try:  # noqa: SIM105 - CircuitPython has no contextlib nor collections.abc; it ignores annotations
    from collections.abc import Sequence
except ImportError:  # pragma: no cover
    pass

PROTOCOL_VERSION = 1  # major: bits 7..5 of byte 0 of every message
PROTOCOL_MINOR = 1  # reported by GET_VERSION; 1.1: several packets/messages may share a notification
STANDARD_GRAVITY_MPS2 = 9.80665

HEADER_SIZE = 8
SAMPLE_SIZE = 12  # ax ay az gx gy gz, int16 each
MAX_SAMPLES = 31  # the count field has 5 bits
MAX_ATT_VALUE = 512  # longest attribute value BLE allows
BATCH_MAX_MS = 50  # a packet holds at most this much time of samples: the live angle stays fresh

RATES_HZ = (52, 104, 208, 416)  # rate code = index
ACC_RANGES_G = (2, 4, 8, 16)  # acc range code = index
GYR_RANGES_DPS = (125, 250, 500, 1000, 2000)  # gyro range code = index

# status characteristic message types (bits 4..0 of byte 0)
MSG_STATUS = 1
MSG_RESPONSE = 2
MSG_ERROR = 3

# control opcodes
OP_START = 0x01
OP_STOP = 0x02
OP_SET_RATE = 0x03
OP_SET_RANGES = 0x04
OP_IDENTIFY = 0x05
OP_GET_BATTERY = 0x06
OP_GET_VERSION = 0x07
OP_GET_STATUS = 0x08

# response result codes
RESULT_OK = 0
RESULT_UNKNOWN_OPCODE = 1
RESULT_BAD_LENGTH = 2
RESULT_BAD_VALUE = 3
RESULT_BUSY = 4  # not allowed while streaming: STOP first

# asynchronous error codes
ERR_IMU = 1  # the IMU stopped answering
ERR_OVERRUN = 2  # the firmware missed samples; detail = samples skipped
ERR_LOW_BATTERY = 3  # detail = battery mV
ERR_INTERNAL = 4

STATE_IDLE = 0
STATE_STREAMING = 1
BATTERY_UNKNOWN = 255

# argument layout of each opcode (little-endian struct format after opcode+token)
COMMAND_ARGS = {
    OP_START: "",
    OP_STOP: "",
    OP_SET_RATE: "<H",
    OP_SET_RANGES: "<BH",
    OP_IDENTIFY: "<B",
    OP_GET_BATTERY: "",
    OP_GET_VERSION: "",
    OP_GET_STATUS: "",
}

_HEADER = "<BBHI"
_SAMPLE = "<6h"


def _index(table: "Sequence[int]", value: int, what: str) -> int:
    for i in range(len(table)):
        if table[i] == value:
            return i
    raise ValueError("unsupported " + what + ": " + str(value))


def config_byte(rate_hz: int, acc_range_g: int, gyr_range_dps: int) -> int:
    """Byte 1 of a sample packet: bits 1..0 acc range, 4..2 gyro range, 7..5 rate."""
    acc = _index(ACC_RANGES_G, acc_range_g, "accelerometer range (g)")
    gyr = _index(GYR_RANGES_DPS, gyr_range_dps, "gyroscope range (dps)")
    rate = _index(RATES_HZ, rate_hz, "rate (Hz)")
    return acc | (gyr << 2) | (rate << 5)


def max_samples_for_mtu(mtu: int) -> int:
    """Samples per notification for an ATT MTU (23 without an MTU exchange → 1)."""
    payload = min(mtu - 3, MAX_ATT_VALUE)
    n = (payload - HEADER_SIZE) // SAMPLE_SIZE
    if n < 1:
        raise ValueError("MTU too small for one sample: " + str(mtu))
    return min(n, MAX_SAMPLES)


def samples_per_packet(rate_hz: int, mtu: int) -> int:
    """Samples a sensor puts in one packet: what the MTU allows, capped at BATCH_MAX_MS of samples."""
    by_time = rate_hz * BATCH_MAX_MS // 1000
    if by_time < 1:
        by_time = 1
    return min(by_time, max_samples_for_mtu(mtu))


def scale_to_int16(value: float, full_scale: float) -> int:
    """Physical value → wire LSB (full_scale/32768 per LSB), rounded and saturated."""
    raw = int(round(value * 32768.0 / full_scale))  # noqa: RUF046 - int on every Python
    if raw > 32767:
        return 32767
    if raw < -32768:
        return -32768
    return raw


def sample_to_int16(
    acc_mps2: "Sequence[float]", gyr_dps: "Sequence[float]", acc_range_g: int, gyr_range_dps: int
) -> "tuple[int, int, int, int, int, int]":
    """One sample in product axes (m/s², °/s) → the six wire int16 values."""
    g = STANDARD_GRAVITY_MPS2
    return (
        scale_to_int16(acc_mps2[0] / g, acc_range_g),
        scale_to_int16(acc_mps2[1] / g, acc_range_g),
        scale_to_int16(acc_mps2[2] / g, acc_range_g),
        scale_to_int16(gyr_dps[0], gyr_range_dps),
        scale_to_int16(gyr_dps[1], gyr_range_dps),
        scale_to_int16(gyr_dps[2], gyr_range_dps),
    )


def encode_samples_packet(
    seq: int,
    sensor_time_us: int,
    rate_hz: int,
    acc_range_g: int,
    gyr_range_dps: int,
    samples_int16: "Sequence[Sequence[int]]",
) -> bytes:
    """A data notification: 8-byte header + n × 12-byte samples (SPEC §3).

    seq is the sensor's running sample counter of the first sample (mod 2**16),
    sensor_time_us the sensor clock at the first sample (mod 2**32).
    """
    n = len(samples_int16)
    if n < 1 or n > MAX_SAMPLES:
        raise ValueError("a packet carries 1.." + str(MAX_SAMPLES) + " samples, not " + str(n))
    buf = bytearray(HEADER_SIZE + SAMPLE_SIZE * n)
    first = (PROTOCOL_VERSION << 5) | n
    cfg = config_byte(rate_hz, acc_range_g, gyr_range_dps)
    struct.pack_into(_HEADER, buf, 0, first, cfg, seq & 0xFFFF, sensor_time_us & 0xFFFFFFFF)
    off = HEADER_SIZE
    for s in samples_int16:
        if len(s) != 6:
            raise ValueError("a sample has 6 values (ax ay az gx gy gz)")
        for v in s:
            if v < -32768 or v > 32767:
                raise ValueError("sample value out of int16 range: " + str(v))
        struct.pack_into(_SAMPLE, buf, off, int(s[0]), int(s[1]), int(s[2]), int(s[3]), int(s[4]), int(s[5]))
        off += SAMPLE_SIZE
    return bytes(buf)


def _status_header(msg_type: int) -> int:
    return (PROTOCOL_VERSION << 5) | msg_type


def encode_status(state: int, rate_hz: int, acc_range_g: int, gyr_range_dps: int, battery_pct: int) -> bytes:
    """STATUS message: state, configuration byte, battery % (255 = unknown)."""
    return struct.pack(
        "<BBBB",
        _status_header(MSG_STATUS),
        state,
        config_byte(rate_hz, acc_range_g, gyr_range_dps),
        battery_pct & 0xFF,
    )


def encode_response(token: int, opcode: int, result: int, payload: bytes = b"") -> bytes:
    """RESPONSE message: the command's token and opcode, a result code, then any payload."""
    return struct.pack("<BBBB", _status_header(MSG_RESPONSE), token & 0xFF, opcode & 0xFF, result) + payload


def response_payload_size(opcode: int) -> int:
    """Bytes after the 4-byte RESPONSE header for a successful answer to this opcode."""
    if opcode in (OP_GET_BATTERY, OP_GET_STATUS):
        return 3
    if opcode == OP_GET_VERSION:
        return 5
    return 0


def encode_error(code: int, detail: int = 0) -> bytes:
    """ERROR message, sent unasked: an error code and a 16-bit detail."""
    return struct.pack("<BBH", _status_header(MSG_ERROR), code, detail & 0xFFFF)


def battery_payload(battery_pct: int, battery_mv: int) -> bytes:
    return struct.pack("<BH", battery_pct & 0xFF, battery_mv & 0xFFFF)


def version_payload(fw_major: int, fw_minor: int, fw_patch: int) -> bytes:
    return struct.pack("<BBBBB", PROTOCOL_VERSION, PROTOCOL_MINOR, fw_major, fw_minor, fw_patch)


def encode_command(opcode: int, token: int, args: "Sequence[int]" = ()) -> bytes:
    """A control write: opcode, token (echoed in the response), arguments."""
    if opcode not in COMMAND_ARGS:
        raise ValueError("unknown opcode: " + str(opcode))
    fmt = COMMAND_ARGS[opcode]
    head = struct.pack("<BB", opcode, token & 0xFF)
    return head + (struct.pack(fmt, *args) if fmt else b"")


def parse_command(data: bytes) -> "tuple[int, int, int, tuple[int, ...]]":
    """Control write → (result, opcode, token, args). Never raises on bad bytes.

    result is RESULT_OK or the code the firmware answers with; values are
    range-checked here so the firmware only acts on valid commands.
    """
    if len(data) < 2:
        return (RESULT_BAD_LENGTH, data[0] if len(data) else 0, 0, ())
    opcode = data[0]
    token = data[1]
    if opcode not in COMMAND_ARGS:
        return (RESULT_UNKNOWN_OPCODE, opcode, token, ())
    fmt = COMMAND_ARGS[opcode]
    size = struct.calcsize(fmt) if fmt else 0
    if len(data) != 2 + size:
        return (RESULT_BAD_LENGTH, opcode, token, ())
    args = tuple(struct.unpack(fmt, bytes(data[2:]))) if fmt else ()
    ok = True
    if opcode == OP_SET_RATE:
        ok = args[0] in RATES_HZ
    elif opcode == OP_SET_RANGES:
        ok = args[0] in ACC_RANGES_G and args[1] in GYR_RANGES_DPS
    elif opcode == OP_IDENTIFY:
        ok = 1 <= args[0] <= 60
    return (RESULT_OK if ok else RESULT_BAD_VALUE, opcode, token, args)
