"""A live sensor stream: scan, connect, subscribe, stream, survive drop-outs, disconnect cleanly.

``SensorStream`` is the source the app and the CLI both consume::

    async with SensorStream(address, backends=backends) as stream:
        async for item in stream:          # SampleChunk | StateEvent | GapEvent
            ...

A supervisor task finds the sensor by address (scanning filtered by the service
UUIDs of every supported kind), connects through bleak-retry-connector's
``establish_connection``, subscribes and runs the kind's start handshake. The
notify callback only timestamps the bytes and enqueues them; decoding happens
in the consumer (``__anext__``), so a slow consumer never blocks the radio.
After an unrequested disconnect the supervisor rescans for a fresh
advertisement (addresses and GATT handles may change while the sensor was
away), reconnects with back-off and re-subscribes; the decoder sees the
sample-counter jump and the hole is reported as a ``GapEvent`` with reason
"link lost". ``stop()`` (or leaving the ``async with``) stops the sensor,
unsubscribes and disconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections import deque
from dataclasses import dataclass, field

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.exc import BleakError
from bleak_retry_connector import establish_connection

from dorsi.ble.backends import PLATFORM, BleBackends
from dorsi.ble.decode import SampleChunk
from dorsi.ble.errors import UnsupportedSensor, is_unavailable, unavailable_error
from dorsi.ble.kinds import handshake
from dorsi.ble.scan import FoundSensor, find_sensor
from dorsi.errors import DeviceError
from dorsi.motion.types import Gap
from dorsi.protocol.decoders import Decoded, DecodeStats, StreamDecoder
from dorsi.protocol.kinds import SensorKind

log = logging.getLogger(__name__)


class State(enum.StrEnum):
    SCANNING = "scanning"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"
    LOST = "lost"  # gave up (policy.give_up_after_s)
    STOPPED = "stopped"


@dataclass(frozen=True)
class StateEvent:
    address: str
    state: State
    at_s: float  # stream clock
    detail: str = ""


@dataclass(frozen=True)
class GapEvent:
    address: str
    gap: Gap
    reason: str  # "link lost" (a disconnect) or "packets lost" (radio loss while connected)


StreamItem = SampleChunk | StateEvent | GapEvent


@dataclass(frozen=True)
class ReconnectPolicy:
    scan_timeout_s: float = 10.0  # how long one scan for the sensor lasts
    backoff_initial_s: float = 0.1  # after a failed connection attempt
    backoff_max_s: float = 1.0  # kept short: a returning sensor is caught by the next scan
    give_up_after_s: float | None = None  # None: keep trying until stopped
    connect_attempts: int = 2  # establish_connection's own retries per found advertisement
    command_timeout_s: float = 5.0  # stop handshake and disconnect on quit


@dataclass
class StreamStats:
    decode: DecodeStats = field(default_factory=DecodeStats)
    connects: int = 0
    drops: int = 0
    link_gaps: list[Gap] = field(default_factory=list)
    reconnect_s: list[float] = field(default_factory=list)  # drop → streaming again, stream clock


class _LinkDown:
    def __init__(self, at_s: float) -> None:
        self.at_s = at_s


class _Started:
    """The start handshake finished: what arrives from now on is the configured stream."""


@dataclass(frozen=True)
class _Failure:
    error: BaseException


_END = object()
_Raw = tuple[float, bytearray]


class SensorStream:
    def __init__(
        self,
        target: FoundSensor | str,
        *,
        kind: SensorKind | None = None,
        backends: BleBackends = PLATFORM,
        policy: ReconnectPolicy | None = None,
        rate_hz: float | None = None,
        reorder_depth: int = 1,
    ) -> None:
        self._found = target if isinstance(target, FoundSensor) else None
        self.address = target.address if isinstance(target, FoundSensor) else target
        self.kind = kind or (self._found.kind if self._found else None)
        self.name = self._found.name if self._found else self.address
        self.backends = backends
        self.policy = policy or ReconnectPolicy()
        self.rate_hz = rate_hz
        self._reorder_depth = reorder_depth
        self.clock = backends.clock
        self.stats = StreamStats()
        self.state = State.STOPPED
        self._decoder: StreamDecoder | None = None
        self._queue: asyncio.Queue[_Raw | object] = asyncio.Queue()
        self._pending: deque[StreamItem] = deque()
        self._client: BleakClient | None = None
        self._disconnected = asyncio.Event()
        self._stopping = False
        self._ended = False
        self._task: asyncio.Task[None] | None = None
        self._drop_at_s: float | None = None
        self._link_gap_open = False

    # --- public ------------------------------------------------------------------
    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._supervise(), name=f"sensor-stream-{self.address}")

    async def stop(self) -> None:
        """Stop the sensor, unsubscribe, disconnect; the iterator ends after STOPPED."""
        if self._stopping:
            return
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        client, self._client = self._client, None
        if client is not None:
            await self._shutdown_client(client)
        self._set_state(State.STOPPED)
        self._queue.put_nowait(_END)

    async def __aenter__(self) -> SensorStream:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __aiter__(self) -> SensorStream:
        return self

    async def __anext__(self) -> StreamItem:
        while not self._pending:
            if self._ended:
                raise StopAsyncIteration
            item = await self._queue.get()
            self._consume(item)
        return self._pending.popleft()

    @property
    def decoder(self) -> StreamDecoder | None:
        return self._decoder

    @property
    def can_identify(self) -> bool:
        """Connected to a sensor whose kind can blink an LED (IDENTIFY)."""
        return self._client is not None and self.kind is not None and handshake(self.kind).identify is not None

    async def identify(self, seconds: int = 5) -> None:
        """Blink the connected sensor's LED for ``seconds``, to tell which sensor this is."""
        client, kind = self._client, self.kind
        blink = handshake(kind).identify if kind is not None else None
        if client is None or blink is None:
            label = kind.label if kind else "sensor"
            why = "it is not connected" if client is None else f"a {label} has no LED to blink"
            raise DeviceError(f"{self.name} cannot blink now: {why}.")
        try:
            await blink(client, seconds)
        except (BleakError, TimeoutError, OSError) as exc:
            raise DeviceError(f"{self.name} did not take the blink command ({type(exc).__name__}: {exc}).") from None

    # --- consumer side: decoding -------------------------------------------------
    def _consume(self, item: object) -> None:
        if isinstance(item, tuple):
            batch: list[_Raw] = [item]
            after: list[object] = []
            while not self._queue.empty():  # drain what has arrived: one decode per wake-up
                nxt = self._queue.get_nowait()
                if isinstance(nxt, tuple) and not after:
                    batch.append(nxt)
                else:
                    after.append(nxt)
            if self._decoder is not None:
                self._emit(self._decoder.feed([(t, bytes(d)) for t, d in batch]), batch[-1][0])
            for other in after:
                self._consume(other)
        elif isinstance(item, _LinkDown):
            if self._decoder is not None:
                self._emit(self._decoder.link_lost(), item.at_s)
            self._link_gap_open = True
        elif isinstance(item, _Started):
            if self._decoder is not None:
                self._decoder.started()
        elif isinstance(item, _Failure):
            self._ended = True
            raise item.error
        elif item is _END:
            self._ended = True
        elif isinstance(item, StateEvent | GapEvent):
            self._pending.append(item)

    def _emit(self, decoded: Decoded | None, received_s: float) -> None:
        if decoded is None:
            return
        for gap in decoded.gaps:
            reason = "link lost" if self._link_gap_open else "packets lost"
            if self._link_gap_open:
                self.stats.link_gaps.append(gap)
                self._link_gap_open = False
            self._pending.append(GapEvent(self.address, gap, reason))
        self._link_gap_open = False
        self._pending.append(
            SampleChunk(self.address, decoded.time_s, decoded.acc_mps2, decoded.gyr_dps, decoded.counter, received_s)
        )

    # --- radio side ----------------------------------------------------------------
    def _on_notify(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        self._queue.put_nowait((self.clock(), data))  # timestamp and enqueue, nothing else

    def _on_disconnected(self, _client: BleakClient) -> None:
        if not self._disconnected.is_set():
            self._disconnected.set()
            self._queue.put_nowait(_LinkDown(self.clock()))

    def _set_state(self, state: State, detail: str = "") -> None:
        self.state = state
        self._queue.put_nowait(StateEvent(self.address, state, self.clock(), detail))

    async def _find(self, first: bool) -> FoundSensor | None:
        if first and self._found is not None:
            return self._found
        kinds = [self.kind] if self.kind else None
        return await find_sensor(self.address, self.policy.scan_timeout_s, backends=self.backends, kinds=kinds)

    async def _supervise(self) -> None:
        try:
            await self._supervise_inner()
        except asyncio.CancelledError:
            raise
        except DeviceError as exc:
            self._queue.put_nowait(_Failure(exc))
        except Exception as exc:
            self._queue.put_nowait(_Failure(DeviceError(f"{self.name}: {type(exc).__name__}: {exc}")))

    async def _supervise_inner(self) -> None:
        p = self.policy
        backoff_s = p.backoff_initial_s
        first = True
        trying_since_s = self.clock()
        while not self._stopping:
            self._set_state(State.SCANNING if first else State.RECONNECTING)
            found = await self._find(first)
            if found is None or (self.kind is not None and found.kind.id != self.kind.id):
                if p.give_up_after_s is not None and self.clock() - trying_since_s > p.give_up_after_s:
                    self._set_state(State.LOST, f"{self.name} not seen for {p.give_up_after_s:g} s")
                    self._queue.put_nowait(_END)
                    return
                continue
            self.kind, self.name = found.kind, found.name
            if self._decoder is None:
                self._decoder = found.kind.decoder(self.rate_hz, self._reorder_depth)
            self._set_state(State.CONNECTING)
            client = await self._connect(found)
            if client is None:
                await asyncio.sleep(backoff_s)
                backoff_s = min(2 * backoff_s, p.backoff_max_s)
                first = False
                continue
            backoff_s = p.backoff_initial_s
            self._client = client
            self.stats.connects += 1
            if self._drop_at_s is not None:
                self.stats.reconnect_s.append(self.clock() - self._drop_at_s)
                self._drop_at_s = None
            self._set_state(State.STREAMING, found.name)
            first = False
            await self._disconnected.wait()
            self._client = None
            self.stats.drops += 1
            self._drop_at_s = self.clock()
            trying_since_s = self._drop_at_s

    async def _connect(self, found: FoundSensor) -> BleakClient | None:
        assert self.kind is not None
        self._disconnected.clear()
        client: BleakClient | None = None
        try:
            client = await establish_connection(
                BleakClient,
                found.device,
                found.name,
                disconnected_callback=self._on_disconnected,
                max_attempts=self.policy.connect_attempts,
                backend=self.backends.client,
            )
            if client.is_connected:
                self._disconnected.clear()  # forget disconnects of failed attempts
            shake = handshake(self.kind)
            if shake.subscribe_data_first:
                await client.start_notify(self.kind.data_uuid, self._on_notify)
            await shake.start(client, self.kind, self.kind.supported_rate(self.rate_hz))
            self._queue.put_nowait(_Started())
            if not shake.subscribe_data_first:
                await client.start_notify(self.kind.data_uuid, self._on_notify)
            return client
        except (BleakError, TimeoutError, OSError, DeviceError) as exc:
            if is_unavailable(exc) and not isinstance(exc, BleakError | TimeoutError):
                raise unavailable_error(exc) from None
            log.info("%s: connection failed: %s", self.name, exc)
            if client is not None:
                with contextlib.suppress(BleakError, TimeoutError, OSError):
                    await client.disconnect()
            if isinstance(exc, UnsupportedSensor):
                raise
            return None

    async def _shutdown_client(self, client: BleakClient) -> None:
        assert self.kind is not None
        with contextlib.suppress(BleakError, TimeoutError, OSError, DeviceError):
            async with asyncio.timeout(self.policy.command_timeout_s):
                if client.is_connected:
                    await handshake(self.kind).stop(client)
                    await client.stop_notify(self.kind.data_uuid)
        with contextlib.suppress(BleakError, TimeoutError, OSError):
            async with asyncio.timeout(self.policy.command_timeout_s):
                await client.disconnect()
