"""Decoder of dorsi sensor protocol v1 (firmware_protocol/SPEC.md): pure, no I/O.

decode_packet() turns one packet into a Packet; decode_notification() splits a data
notification that holds several packets back to back (protocol 1.1: CircuitPython's
packet buffer merges queued writes); decode_batch() decodes many at once with numpy.
Status-characteristic messages are parsed by parse_status_message(), a notification
of several merged messages by parse_status_messages(); commands
are built with the helpers at the bottom (the bytes come from encoder.py, the
same file the reference firmware runs).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dorsi.protocol import encoder as enc
from dorsi.protocol.errors import DecodeError

_HEADER = struct.Struct("<BBHI")
_STATUS = struct.Struct("<BBBB")
_RESPONSE = struct.Struct("<BBBB")
_ERROR = struct.Struct("<BBH")
G_MPS2 = enc.STANDARD_GRAVITY_MPS2
Bytes = bytes | bytearray | memoryview


@dataclass(frozen=True)
class Config:
    rate_hz: int
    acc_range_g: int
    gyr_range_dps: int


def _config(cfg: int) -> Config:
    acc, gyr, rate = cfg & 0x03, (cfg >> 2) & 0x07, cfg >> 5
    if gyr >= len(enc.GYR_RANGES_DPS):
        raise DecodeError(f"gyroscope range code {gyr} is not defined in protocol v1")
    if rate >= len(enc.RATES_HZ):
        raise DecodeError(f"rate code {rate} is not defined in protocol v1")
    return Config(enc.RATES_HZ[rate], enc.ACC_RANGES_G[acc], enc.GYR_RANGES_DPS[gyr])


@dataclass(frozen=True)
class Packet:
    """One data notification. raw is (n, 6) int16: ax ay az gx gy gz in product axes."""

    seq: int  # sensor sample counter of the first sample, mod 2**16
    sensor_time_us: int  # sensor clock at the first sample, mod 2**32
    rate_hz: int
    acc_range_g: int
    gyr_range_dps: int
    raw: NDArray[np.int16]
    version: int = enc.PROTOCOL_VERSION

    @property
    def n_samples(self) -> int:
        return int(self.raw.shape[0])

    @property
    def acc_mps2(self) -> NDArray[np.float64]:
        return self.raw[:, :3].astype(np.float64) * (self.acc_range_g * G_MPS2 / 32768.0)

    @property
    def gyr_dps(self) -> NDArray[np.float64]:
        return self.raw[:, 3:].astype(np.float64) * (self.gyr_range_dps / 32768.0)


def _as_bytes(data: object) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise DecodeError(f"expected bytes, got {type(data).__name__}")


def decode_packet(data: Bytes) -> Packet:
    """One data notification → Packet; DecodeError (one line) if it is not a valid v1 packet."""
    b = _as_bytes(data)
    if len(b) < enc.HEADER_SIZE + enc.SAMPLE_SIZE:
        raise DecodeError(f"packet of {len(b)} bytes is shorter than a header and one sample (20 bytes)")
    first, cfg_byte, seq, t_us = _HEADER.unpack_from(b)
    version, n = first >> 5, first & 0x1F
    if version != enc.PROTOCOL_VERSION:
        raise DecodeError(f"protocol version {version} is not supported (this decoder reads version 1)")
    if n == 0:
        raise DecodeError("packet header says 0 samples")
    expected = enc.HEADER_SIZE + enc.SAMPLE_SIZE * n
    if len(b) != expected:
        raise DecodeError(f"packet of {len(b)} bytes, but its header says {n} samples ({expected} bytes)")
    cfg = _config(cfg_byte)
    raw = np.frombuffer(b, dtype="<i2", offset=enc.HEADER_SIZE).reshape(n, 6).astype(np.int16)
    return Packet(seq, t_us, cfg.rate_hz, cfg.acc_range_g, cfg.gyr_range_dps, raw)


def decode_notification(data: Bytes) -> list[Packet]:
    """A data notification → its packets (one, or several back to back); DecodeError if any
    part is not a whole valid packet."""
    b = _as_bytes(data)
    packets: list[Packet] = []
    offset = 0
    while True:
        remaining = len(b) - offset
        size = enc.HEADER_SIZE + enc.SAMPLE_SIZE * (b[offset] & 0x1F) if remaining else 0
        if packets and remaining < enc.HEADER_SIZE + enc.SAMPLE_SIZE:
            raise DecodeError(f"{remaining} bytes after {len(packets)} packet(s) are not a whole packet")
        if size <= enc.HEADER_SIZE or size >= remaining:  # the last (or only) packet: its own checks
            packets.append(decode_packet(b[offset:]))
            return packets
        packets.append(decode_packet(b[offset : offset + size]))
        offset += size


@dataclass(frozen=True)
class PacketBatch:
    """Many packets decoded at once: per-packet arrays (length P) and samples (length N)."""

    seq: NDArray[np.int64]
    sensor_time_us: NDArray[np.int64]
    rate_hz: NDArray[np.int64]
    acc_range_g: NDArray[np.int64]
    gyr_range_dps: NDArray[np.int64]
    n_samples: NDArray[np.int64]
    raw: NDArray[np.int16]  # (N, 6)

    def __len__(self) -> int:
        return len(self.seq)

    @property
    def sample_packet(self) -> NDArray[np.int64]:
        """Index of the packet each sample came from."""
        return np.repeat(np.arange(len(self.seq)), self.n_samples)

    def _scaled(self, cols: slice, full_scale: NDArray[np.int64], unit: float) -> NDArray[np.float64]:
        out = self.raw[:, cols].astype(np.float64)
        if len(full_scale) and int(full_scale.min()) == int(full_scale.max()):  # one range: a scalar
            out *= float(full_scale[0]) * unit / 32768.0
        else:
            out *= np.repeat(full_scale * (unit / 32768.0), self.n_samples)[:, None]
        return out

    @property
    def acc_mps2(self) -> NDArray[np.float64]:
        return self._scaled(slice(0, 3), self.acc_range_g, G_MPS2)

    @property
    def gyr_dps(self) -> NDArray[np.float64]:
        return self._scaled(slice(3, 6), self.gyr_range_dps, 1.0)

    def packet(self, i: int) -> Packet:
        start = int(self.n_samples[:i].sum())
        return Packet(
            int(self.seq[i]),
            int(self.sensor_time_us[i]),
            int(self.rate_hz[i]),
            int(self.acc_range_g[i]),
            int(self.gyr_range_dps[i]),
            self.raw[start : start + int(self.n_samples[i])],
        )


# lookup tables indexed by the config byte: physical value, or 0 for an invalid code
_CFG = np.arange(256)
_gyr_code, _rate_code = (_CFG >> 2) & 0x07, _CFG >> 5
_CFG_BAD = (_gyr_code >= len(enc.GYR_RANGES_DPS)) | (_rate_code >= len(enc.RATES_HZ))
_RATE_LUT = np.where(_CFG_BAD, 0, np.array(enc.RATES_HZ + (0,) * 4)[_rate_code]).astype(np.int64)
_ACC_LUT = np.where(_CFG_BAD, 0, np.array(enc.ACC_RANGES_G)[_CFG & 0x03]).astype(np.int64)
_GYR_LUT = np.where(_CFG_BAD, 0, np.array(enc.GYR_RANGES_DPS + (0,) * 3)[_gyr_code]).astype(np.int64)


def _first_bad(packets: Sequence[Bytes], idx: NDArray[np.intp], bad: NDArray[np.bool_]) -> DecodeError:
    i = int(idx[np.flatnonzero(bad)[0]])
    try:
        decode_packet(packets[i])
    except DecodeError as exc:
        return DecodeError(f"packet {i}: {exc}")
    return DecodeError(f"packet {i}: invalid")  # pragma: no cover - vector and scalar checks agree


def _join(packets: Sequence[Bytes]) -> bytes:
    try:
        return b"".join(packets)
    except TypeError:
        raise DecodeError("decode_batch expects a sequence of bytes objects") from None


def _rows(joined: bytes, n: int) -> NDArray[np.void]:
    """Packets of n samples, back to back → a structured view (no copy)."""
    dtype = np.dtype([("first", "u1"), ("cfg", "u1"), ("seq", "<u2"), ("t_us", "<u4"), ("s", "<i2", (n, 6))])
    return np.frombuffer(joined, dtype=dtype)


def decode_batch(packets: Sequence[Bytes]) -> PacketBatch:
    """Decode many data notifications (in the order given); DecodeError names the first bad one."""
    p = len(packets)
    if p == 0:
        e = np.zeros(0, np.int64)
        return PacketBatch(e, e, e, e, e, e, np.zeros((0, 6), np.int16))
    try:
        lengths = np.fromiter(map(len, packets), dtype=np.int64, count=p)
    except TypeError:
        raise DecodeError("decode_batch expects a sequence of bytes objects") from None
    counts = (lengths - enc.HEADER_SIZE) // enc.SAMPLE_SIZE
    if int(lengths.min()) == int(lengths.max()):  # the usual case: one MTU, one batch size
        n = int(counts[0])
        if lengths[0] < 20 or (lengths[0] - enc.HEADER_SIZE) % enc.SAMPLE_SIZE or n > enc.MAX_SAMPLES:
            raise _first_bad(packets, np.arange(p), np.ones(p, bool))
        rec = _rows(_join(packets), n)
        first, cfg = rec["first"], rec["cfg"]
        raw = np.ascontiguousarray(rec["s"]).reshape(p * n, 6)
        seq, t_us = rec["seq"].astype(np.int64), rec["t_us"].astype(np.int64)
    else:
        ok_len = (lengths >= 20) & ((lengths - enc.HEADER_SIZE) % enc.SAMPLE_SIZE == 0)
        ok_len &= counts <= enc.MAX_SAMPLES
        if not ok_len.all():
            raise _first_bad(packets, np.arange(p), ~ok_len)
        sample_start = np.zeros(p + 1, np.int64)
        np.cumsum(counts, out=sample_start[1:])
        first, cfg = np.empty(p, np.uint8), np.empty(p, np.uint8)
        seq, t_us = np.empty(p, np.int64), np.empty(p, np.int64)
        raw = np.empty((int(sample_start[-1]), 6), np.int16)
        for length in np.unique(lengths):
            idx = np.flatnonzero(lengths == length)
            n = int(length - enc.HEADER_SIZE) // enc.SAMPLE_SIZE
            rec = _rows(_join([packets[i] for i in idx.tolist()]), n)
            first[idx], cfg[idx], seq[idx], t_us[idx] = rec["first"], rec["cfg"], rec["seq"], rec["t_us"]
            pos = (sample_start[idx][:, None] + np.arange(n)[None, :]).ravel()
            raw[pos] = rec["s"].reshape(len(idx) * n, 6)
    bad = (first >> 5 != enc.PROTOCOL_VERSION) | ((first & 0x1F) != counts) | _CFG_BAD[cfg]
    if bad.any():
        raise _first_bad(packets, np.arange(p), bad)
    return PacketBatch(seq, t_us, _RATE_LUT[cfg], _ACC_LUT[cfg], _GYR_LUT[cfg], counts, raw)


# --- status characteristic ----------------------------------------------------


@dataclass(frozen=True)
class StatusMessage:
    streaming: bool
    config: Config
    battery_pct: int | None


@dataclass(frozen=True)
class ResponseMessage:
    token: int
    opcode: int
    result: int
    payload: bytes

    @property
    def ok(self) -> bool:
        return self.result == enc.RESULT_OK


@dataclass(frozen=True)
class ErrorMessage:
    code: int
    detail: int


RESULT_NAMES = {
    enc.RESULT_OK: "ok",
    enc.RESULT_UNKNOWN_OPCODE: "unknown opcode",
    enc.RESULT_BAD_LENGTH: "bad length",
    enc.RESULT_BAD_VALUE: "bad value",
    enc.RESULT_BUSY: "busy (stop streaming first)",
}
ERROR_NAMES = {
    enc.ERR_IMU: "IMU not responding",
    enc.ERR_OVERRUN: "sample overrun",
    enc.ERR_LOW_BATTERY: "low battery",
    enc.ERR_INTERNAL: "internal firmware error",
}


def parse_status_message(data: Bytes) -> StatusMessage | ResponseMessage | ErrorMessage:
    """One status-characteristic message (notification or read) → its dataclass."""
    b = _as_bytes(data)
    if not b:
        raise DecodeError("empty status message")
    version, kind = b[0] >> 5, b[0] & 0x1F
    if version != enc.PROTOCOL_VERSION:
        raise DecodeError(f"status message of protocol version {version}; this decoder reads version 1")
    if kind == enc.MSG_STATUS:
        if len(b) < _STATUS.size:  # v1.x may append fields: longer is fine
            raise DecodeError(f"status message of {len(b)} bytes is shorter than {_STATUS.size}")
        _, state, cfg, battery = _STATUS.unpack_from(b)
        if state not in (enc.STATE_IDLE, enc.STATE_STREAMING):
            raise DecodeError(f"status message has unknown state {state}")
        pct = None if battery == enc.BATTERY_UNKNOWN else battery
        if pct is not None and pct > 100:
            raise DecodeError(f"status message has battery {pct} %")
        return StatusMessage(state == enc.STATE_STREAMING, _config(cfg), pct)
    if kind == enc.MSG_RESPONSE:
        if len(b) < _RESPONSE.size:
            raise DecodeError(f"response of {len(b)} bytes is shorter than {_RESPONSE.size}")
        _, token, opcode, result = _RESPONSE.unpack_from(b)
        return ResponseMessage(token, opcode, result, b[_RESPONSE.size :])
    if kind == enc.MSG_ERROR:
        if len(b) < _ERROR.size:
            raise DecodeError(f"error message of {len(b)} bytes is shorter than {_ERROR.size}")
        _, code, detail = _ERROR.unpack_from(b)
        return ErrorMessage(code, detail)
    raise DecodeError(f"unknown status message type {kind}")


def _status_size(b: bytes, offset: int) -> int:
    kind = b[offset] & 0x1F
    if kind == enc.MSG_RESPONSE and len(b) - offset >= _RESPONSE.size:
        _, _, opcode, result = _RESPONSE.unpack_from(b, offset)
        return _RESPONSE.size + (enc.response_payload_size(opcode) if result == enc.RESULT_OK else 0)
    return _STATUS.size  # STATUS and ERROR are 4 bytes; anything else fails in the parser


def parse_status_messages(data: Bytes) -> list[StatusMessage | ResponseMessage | ErrorMessage]:
    """A status notification → every message in it, in order (a sensor's BLE stack may merge
    several queued messages into one notification; each message's length follows from its type)."""
    b = _as_bytes(data)
    if not b:
        raise DecodeError("empty status message")
    out: list[StatusMessage | ResponseMessage | ErrorMessage] = []
    offset = 0
    while offset < len(b):
        end = min(len(b), offset + _status_size(b, offset))
        out.append(parse_status_message(b[offset:end]))
        offset = end
    return out


def _require_bytes(payload: object, what: str) -> None:
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise DecodeError(f"{what} payload must be bytes, not {type(payload).__name__}")


def parse_battery(payload: bytes) -> tuple[int | None, int]:
    """GET_BATTERY response payload → (percent or None, millivolts)."""
    _require_bytes(payload, "battery response")
    if len(payload) < 3:
        raise DecodeError("battery response payload is shorter than 3 bytes")
    pct, mv = struct.unpack_from("<BH", payload)
    return (None if pct == enc.BATTERY_UNKNOWN else pct), mv


def parse_version(payload: bytes) -> tuple[tuple[int, int], tuple[int, int, int]]:
    """GET_VERSION response payload → ((protocol major, minor), (firmware major, minor, patch))."""
    _require_bytes(payload, "version response")
    if len(payload) < 5:
        raise DecodeError("version response payload is shorter than 5 bytes")
    pmaj, pmin, fmaj, fmin, fpat = struct.unpack_from("<5B", payload)
    return (pmaj, pmin), (fmaj, fmin, fpat)


# --- command builders (app → sensor) -------------------------------------------


def cmd_start(token: int = 0) -> bytes:
    return enc.encode_command(enc.OP_START, token)


def cmd_stop(token: int = 0) -> bytes:
    return enc.encode_command(enc.OP_STOP, token)


def cmd_set_rate(rate_hz: int, token: int = 0) -> bytes:
    if rate_hz not in enc.RATES_HZ:
        raise DecodeError(f"rate {rate_hz} Hz is not one of {enc.RATES_HZ}")
    return enc.encode_command(enc.OP_SET_RATE, token, (rate_hz,))


def cmd_set_ranges(acc_range_g: int, gyr_range_dps: int, token: int = 0) -> bytes:
    if acc_range_g not in enc.ACC_RANGES_G or gyr_range_dps not in enc.GYR_RANGES_DPS:
        raise DecodeError(f"ranges must be in {enc.ACC_RANGES_G} g and {enc.GYR_RANGES_DPS} dps")
    return enc.encode_command(enc.OP_SET_RANGES, token, (acc_range_g, gyr_range_dps))


def cmd_identify(seconds: int = 5, token: int = 0) -> bytes:
    return enc.encode_command(enc.OP_IDENTIFY, token, (max(1, min(60, seconds)),))


def cmd_get_battery(token: int = 0) -> bytes:
    return enc.encode_command(enc.OP_GET_BATTERY, token)


def cmd_get_version(token: int = 0) -> bytes:
    return enc.encode_command(enc.OP_GET_VERSION, token)


def cmd_get_status(token: int = 0) -> bytes:
    return enc.encode_command(enc.OP_GET_STATUS, token)
