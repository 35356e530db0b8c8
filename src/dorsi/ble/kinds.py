"""The sensors dorsi can stream from: how to find them, start them, and decode them.

Each ``SensorKind`` names its advertised service UUID (scanning filters on
it), its characteristics, the handshake that starts streaming over a bleak
client, and a factory for its ``StreamDecoder``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np
from bleak import BleakClient

from dorsi.ble.decode import Decoded, StreamDecoder, concat
from dorsi.errors import DeviceError
from dorsi.motion.types import F64, Gap
from dorsi.protocol import dorsi_v1, uuids, witmotion
from dorsi.protocol import encoder as enc
from dorsi.protocol.errors import DecodeError
from dorsi.protocol.timeline import Timeline, TimelineOutput, TimelineParams

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 3.0
WIT_GAP_MIN_S = 0.5  # WitMotion: arrival this late after the expected time counts as lost frames


class DorsiDecoder(StreamDecoder):
    """Protocol v1 packets → samples in counter order, through the protocol's Timeline
    (unwrapping, duplicates, reordering, gaps, drift-corrected host times).

    ``reorder_depth`` packets are held back so a late packet can be put back in
    place; each adds one notification interval of latency (≈ 20 ms at 208 Hz in
    batches of 4; 4.8 ms with one sample per packet)."""

    def __init__(self, rate_hz: float = 208.0, reorder_depth: int = 1) -> None:
        super().__init__()
        self.rate_hz = rate_hz
        self.timeline = Timeline(TimelineParams(reorder_depth=reorder_depth))
        self._last_time_s: float | None = None

    def feed(self, items: list[tuple[float, bytes]]) -> Decoded | None:
        arrivals: list[tuple[dorsi_v1.Packet, float]] = []
        for host_s, data in items:
            self.stats.notifications += 1
            try:
                arrivals.append((dorsi_v1.decode_packet(data), host_s))
            except DecodeError as exc:
                self._garbage(exc)
        if not arrivals:
            return None
        self.rate_hz = float(arrivals[-1][0].rate_hz)
        return self._decoded(self.timeline.update(arrivals))

    def flush(self) -> Decoded | None:
        """Release held-back packets now (the link dropped: nothing will fill the hole)."""
        return self._decoded(self.timeline.flush())

    def _decoded(self, out: TimelineOutput) -> Decoded | None:
        ts = self.timeline.stats
        st = self.stats
        st.samples += len(out)
        st.lost_samples, st.duplicated = ts.lost_samples, ts.duplicated
        st.reordered, st.late_dropped = ts.reordered, ts.late_dropped
        st.gaps.extend(out.gaps)
        if not len(out):
            return None
        c = out.chunk
        return Decoded(self._monotonic(c.time_s), c.acc_mps2, c.gyr_dps, out.sample_index, tuple(out.gaps))

    def _monotonic(self, time_s: F64) -> F64:
        """Guard: consumers (pipeline, raw CSV) need strictly increasing times. If the
        timeline's host mapping steps back across chunks, hold times just above the last
        one until they catch up, and count it."""
        floor_s = self._last_time_s + 1e-6 if self._last_time_s is not None else -np.inf
        # y_k = max(t_k, y_{k-1} + 1 µs), also within the chunk
        step_s = np.arange(len(time_s)) * 1e-6
        lifted = np.maximum.accumulate(np.maximum(time_s - step_s, floor_s)) + step_s
        if np.any(lifted != time_s):
            self.stats.time_steps_back += 1
        self._last_time_s = float(lifted[-1])
        return lifted


class WitMotionDecoder(StreamDecoder):
    """WitMotion frames → samples; counter and times rebuilt from the rate and arrivals."""

    def __init__(self, rate_hz: float = 100.0) -> None:
        super().__init__()
        self.rate_hz = rate_hz
        self._counter = 0
        self._t0_s: float | None = None
        self._last_time_s: float | None = None

    def feed(self, items: list[tuple[float, bytes]]) -> Decoded | None:
        parts: list[Decoded] = []
        period_s = 1.0 / self.rate_hz
        for host_s, data in items:
            self.stats.notifications += 1
            try:
                frames = witmotion.decode_notification(data)
            except DecodeError as exc:
                self._garbage(exc)
                continue
            n = len(frames)
            if n == 0:
                continue
            if self._t0_s is None:
                self._t0_s = host_s - (n - 1) * period_s
            # frames carry no counter: a hole shows only as arrival much later than the
            # rate allows (a late burst of frames that all arrived is not a hole)
            expected_last_s = self._t0_s + (self._counter + n - 1) * period_s
            late_s = host_s - expected_last_s
            missing = int(np.floor(late_s / period_s + 0.5)) if late_s > WIT_GAP_MIN_S else 0
            gaps: tuple[Gap, ...] = ()
            if missing > 0:
                self._counter += missing
                if self._last_time_s is not None:
                    gap = Gap(self._last_time_s, self._t0_s + self._counter * period_s, missing)
                    gaps = (gap,)
                    self.stats.gaps.append(gap)
                self.stats.lost_samples += missing
            counter = np.arange(self._counter, self._counter + n, dtype=np.int64)
            times = np.asarray(self._t0_s + counter * period_s, dtype=np.float64)
            acc = witmotion.witmotion_to_product(frames.acc_mps2)
            gyr = witmotion.witmotion_to_product(frames.gyr_dps)
            parts.append(Decoded(times, acc, gyr, counter, gaps))
            self._counter += n
            self._last_time_s = float(times[-1])
            self.stats.samples += n
        return concat(parts)


Handshake = Callable[[BleakClient, "SensorKind", float], Awaitable[None]]


async def _dorsi_start(client: BleakClient, kind: SensorKind, rate_hz: float) -> None:
    """Subscribe to status, ask for START and wait for its RESPONSE."""
    responses: asyncio.Queue[dorsi_v1.ResponseMessage] = asyncio.Queue()

    def on_status(_char: object, data: bytearray) -> None:
        try:
            msg = dorsi_v1.parse_status_message(data)
        except DecodeError:
            return
        if isinstance(msg, dorsi_v1.ResponseMessage):
            responses.put_nowait(msg)
        elif isinstance(msg, dorsi_v1.ErrorMessage):
            log.warning("sensor error: %s (detail %d)", dorsi_v1.ERROR_NAMES.get(msg.code, msg.code), msg.detail)

    await client.start_notify(uuids.DORSI_STATUS_UUID, on_status)
    await client.write_gatt_char(uuids.DORSI_CONTROL_UUID, dorsi_v1.cmd_start(token=1), response=True)
    async with asyncio.timeout(COMMAND_TIMEOUT_S):
        while True:
            msg = await responses.get()
            if msg.opcode == enc.OP_START:
                break
    if not msg.ok:
        raise DeviceError(f"the sensor refused START: {dorsi_v1.RESULT_NAMES.get(msg.result, msg.result)}")


async def _dorsi_stop(client: BleakClient) -> None:
    await client.write_gatt_char(uuids.DORSI_CONTROL_UUID, dorsi_v1.cmd_stop(token=2), response=True)


async def _witmotion_start(client: BleakClient, kind: SensorKind, rate_hz: float) -> None:
    await client.write_gatt_char(uuids.WITMOTION_WRITE_UUID, witmotion.cmd_unlock(), response=False)
    await client.write_gatt_char(uuids.WITMOTION_WRITE_UUID, witmotion.cmd_set_rate(rate_hz), response=False)


async def _no_stop(client: BleakClient) -> None:
    return None


@dataclass(frozen=True)
class SensorKind:
    id: str
    label: str
    service_uuid: str
    data_uuid: str
    name_prefix: str
    default_rate_hz: float
    start: Handshake
    stop: Callable[[BleakClient], Awaitable[None]]

    def decoder(self, rate_hz: float | None = None) -> StreamDecoder:
        rate = rate_hz or self.default_rate_hz
        return DorsiDecoder(rate) if self.id == "dorsi" else WitMotionDecoder(rate)


DORSI = SensorKind(
    "dorsi", "dorsi sensor", uuids.DORSI_SERVICE_UUID, uuids.DORSI_DATA_UUID, uuids.DORSI_NAME_PREFIX,
    208.0, _dorsi_start, _dorsi_stop,
)  # fmt: skip
WITMOTION = SensorKind(
    "witmotion", "WitMotion WT901BLE", uuids.WITMOTION_SERVICE_UUID, uuids.WITMOTION_NOTIFY_UUID,
    uuids.WITMOTION_NAME_PREFIX, 100.0, _witmotion_start, _no_stop,
)  # fmt: skip
KINDS: dict[str, SensorKind] = {k.id: k for k in (DORSI, WITMOTION)}
KIND_BY_SERVICE = {k.service_uuid: k for k in KINDS.values()}
