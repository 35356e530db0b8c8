"""The virtual dorsi sensor behaves as the reference firmware: one model, checked against code.py.

One scripted scenario runs through each on the virtual radio, driven through bleak with the
app's own handshake and decoder: stream at 104 Hz, STOP, START, a link drop of 1 s, back at
208 Hz (a rate change), then a list of commands. On both, the rules SPEC §3–§7 set are checked
(counter on the clock, packets of at most 50 ms, consecutive slots, partial packets only before
a hole, t_us following the counter); then their answers to the commands, their unasked
messages and the gaps the app reports are compared with each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from bleak import BleakClient
from bleak.exc import BleakError

from dorsi.ble.kinds import handshake
from dorsi.motion.types import Gap
from dorsi.protocol import dorsi_v1, uuids
from dorsi.protocol import encoder as enc
from dorsi.protocol.decoders import DorsiDecoder
from dorsi.protocol.kinds import DORSI
from dorsi.virtual.ble import VirtualDorsiSensor, VirtualRadio, swing_feed
from dorsi.virtual.firmware import FirmwareHarness, LinkParams

RATE_1, RATE_2 = 104, 208
MTU = 247
INTERVAL_MS = 7.5
PAUSE_S, AWAY_S, STREAM_S = 0.5, 1.0, 1.0
COMMANDS = (  # after the reconnection, streaming at RATE_2: (what, bytes); the token is byte 1
    ("GET_VERSION", dorsi_v1.cmd_get_version(token=30)),
    ("GET_STATUS", dorsi_v1.cmd_get_status(token=31)),
    ("SET_RATE while streaming", dorsi_v1.cmd_set_rate(52, token=32)),
    ("unknown opcode", bytes((0x7F, 33))),
    ("IDENTIFY", dorsi_v1.cmd_identify(1, token=34)),
    ("too short", bytes((0x01,))),  # answered BAD_LENGTH with token 0
    ("STOP", dorsi_v1.cmd_stop(token=35)),
)


@dataclass
class Run:
    data: list[tuple[float, bytes]] = field(default_factory=list)  # (arrival s, notification)
    status: list[tuple[float, bytes]] = field(default_factory=list)
    latency_s: dict[int, float] = field(default_factory=dict)  # token → command written → answered
    drop_s: float = 0.0  # when the link dropped

    def packets(self) -> list[dorsi_v1.Packet]:
        return [p for _, d in self.data for p in dorsi_v1.decode_notification(d)]

    def messages(self) -> list[dorsi_v1.StatusMessage | dorsi_v1.ResponseMessage | dorsi_v1.ErrorMessage]:
        return [m for _, d in self.status for m in dorsi_v1.parse_status_messages(d)]

    def gaps(self) -> list[Gap]:
        """What the app reports: its decoder, flushed at the drop as SensorStream does."""
        decoder = DorsiDecoder(RATE_1, reorder_depth=1)
        decoder.feed([(t, d) for t, d in self.data if t < self.drop_s])
        decoder.link_lost()
        decoder.feed([(t, d) for t, d in self.data if t >= self.drop_s])
        decoder.link_lost()
        return decoder.stats.gaps

    def holes(self) -> list[int]:
        """The sensor's own holes, in order: counter steps at one rate; at the rate change, the
        time between the last sample before and the first after on its clock, in slots."""
        out = []
        for p, q in itertools.pairwise(self.packets()):
            if p.rate_hz == q.rate_hz:
                step = q.seq - (p.seq + p.n_samples)
            else:
                last_us = p.sensor_time_us + (p.n_samples - 1) * 1e6 / p.rate_hz
                step = round((q.sensor_time_us - last_us) * q.rate_hz / 1e6) - 1
            if step:
                out.append(step)
        return out

    def overruns(self) -> list[int]:
        """Samples the sensor said it skipped (ERROR OVERRUN): a firmware loop starved by this
        machine's load falls more than 100 ms behind and skips, as a board would after a stall."""
        return [m.detail for m in self.messages() if isinstance(m, dorsi_v1.ErrorMessage) and m.code == enc.ERR_OVERRUN]


async def _scenario(radio: VirtualRadio, address: str, drop: Callable[[float], Awaitable[None]]) -> Run:
    run = Run()
    clock = radio.clock
    answered: dict[int, asyncio.Event] = {}

    def on_status(_c: object, data: bytearray) -> None:
        run.status.append((clock.now_s(), bytes(data)))
        for msg in dorsi_v1.parse_status_messages(data):
            if isinstance(msg, dorsi_v1.ResponseMessage):
                answered.setdefault(msg.token, asyncio.Event()).set()

    async def connect(rate_hz: int) -> BleakClient:
        for _ in range(50):  # the sensor may not advertise yet
            client = BleakClient(address, backend=radio.client_backend, timeout=2.0)
            with contextlib.suppress(BleakError, TimeoutError):
                await client.connect()
                break
            await clock.sleep(0.1)
        await client.start_notify(uuids.DORSI_DATA_UUID, lambda _c, d: run.data.append((clock.now_s(), bytes(d))))
        await handshake(DORSI).start(client, DORSI, rate_hz)  # the app's handshake: GET_VERSION … START
        await client.stop_notify(uuids.DORSI_STATUS_UUID)  # from here on, every message is kept
        await client.start_notify(uuids.DORSI_STATUS_UUID, on_status)
        return client

    async def command(client: BleakClient, data: bytes) -> None:
        token = data[1] if len(data) > 1 else 0
        answered[token] = asyncio.Event()
        sent_s = clock.now_s()
        await client.write_gatt_char(uuids.DORSI_CONTROL_UUID, data, response=True)
        async with asyncio.timeout(3.0):
            await answered[token].wait()
        run.latency_s[token] = clock.now_s() - sent_s

    client = await connect(RATE_1)
    await clock.sleep(STREAM_S)
    await command(client, dorsi_v1.cmd_stop(token=20))
    await clock.sleep(PAUSE_S)
    await command(client, dorsi_v1.cmd_start(token=21))
    await clock.sleep(STREAM_S)
    run.drop_s = clock.now_s()
    await drop(AWAY_S)  # returns when the sensor is back, advertising
    client = await connect(RATE_2)
    await clock.sleep(STREAM_S)
    for _, data in COMMANDS:
        await command(client, data)
    await clock.sleep(0.2)
    await client.disconnect()
    return run


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    """The scenario through the virtual sensor and through code.py (each on its own radio)."""

    async def virtual() -> Run:
        radio = VirtualRadio()
        sensor = VirtualDorsiSensor(radio, swing_feed(RATE_1, 30.0))
        await radio.start()
        try:
            return await _scenario(radio, sensor.address, sensor.drop_link)
        finally:
            await radio.close()

    async def firmware() -> Run:
        radio = VirtualRadio()
        board = FirmwareHarness(radio, swing_feed(RATE_1, 30.0), link=LinkParams(mtu=MTU, min_interval_ms=INTERVAL_MS))
        await board.start()
        try:
            return await _scenario(radio, board.address, board.drop_link)
        finally:
            await board.stop()
            await radio.close()

    return {"virtual": asyncio.run(virtual()), "firmware": asyncio.run(firmware())}


@pytest.mark.parametrize("who", ["virtual", "firmware"])
def test_both_keep_the_rules_of_counter_clock_and_batches(runs: dict[str, Run], who: str) -> None:
    packets = runs[who].packets()
    assert {p.rate_hz for p in packets} == {RATE_1, RATE_2}
    for p in packets:
        # the counter is anchored on the sensor clock (SPEC §4: seq ≈ t_us · rate)
        assert abs(p.seq - p.sensor_time_us * p.rate_hz / 1e6) < 1.0, (p.seq, p.sensor_time_us)
        # at most 50 ms of samples; a full packet is what the MTU and the 50 ms allow
        assert p.n_samples <= enc.samples_per_packet(p.rate_hz, MTU)
    for p, q in itertools.pairwise(packets):
        if p.rate_hz != q.rate_hz:
            continue
        step = q.seq - (p.seq + p.n_samples)
        assert step >= 0  # consecutive slots, or a hole: never back, never doubled
        if p.n_samples < enc.samples_per_packet(p.rate_hz, MTU):
            assert step > 0  # a partial packet only goes out before a hole (STOP, drop)
        # t_us follows the counter across holes (the clock runs on)
        assert abs(q.sensor_time_us - p.sensor_time_us - (q.seq - p.seq) * 1e6 / p.rate_hz) <= 2


def test_both_answer_every_command_alike(runs: dict[str, Run]) -> None:
    def answers(run: Run) -> dict[int, tuple[int, int, bytes]]:
        out = {}
        for m in run.messages():
            if isinstance(m, dorsi_v1.ResponseMessage):
                payload = m.payload[:2] if m.opcode == enc.OP_GET_STATUS else m.payload  # not the battery
                out[m.token] = (m.opcode, m.result, payload)
        return out

    v, f = answers(runs["virtual"]), answers(runs["firmware"])
    assert v == f
    assert v[32][1] == enc.RESULT_BUSY and v[33][1] == enc.RESULT_UNKNOWN_OPCODE and v[0][1] == enc.RESULT_BAD_LENGTH
    assert dorsi_v1.parse_version(v[30][2])[0] == (enc.PROTOCOL_VERSION, enc.PROTOCOL_MINOR)
    assert v[31][2] == enc.encode_status(enc.STATE_STREAMING, RATE_2, 4, 500, 0)[1:3]
    # nothing unasked but what a starved loop says it skipped; the virtual sensor never skips
    for run in runs.values():
        unasked = [m for m in run.messages() if not isinstance(m, dorsi_v1.ResponseMessage)]
        assert len(unasked) == len(run.overruns())
    assert runs["virtual"].overruns() == []


def test_the_app_reports_the_same_gaps_from_both(runs: dict[str, Run]) -> None:
    pauses = {}
    for who, run in runs.items():
        gaps, holes = run.gaps(), run.holes()
        # every hole the sensor left is reported, exactly (the counter runs on through STOP/START
        # and the drop; at the rate change the clock measures it)
        assert [g.missing_samples for g in gaps] == holes, who
        # and, besides what the sensor said it skipped, there are exactly two: the pause, the drop
        scripted = [(g, h) for g, h in zip(gaps, holes, strict=True)]
        for skipped in run.overruns():
            scripted.remove(next(x for x in scripted if x[1] == skipped))
        (pause, _), (drop, _) = scripted
        assert drop.duration_s > AWAY_S
        pauses[who] = pause.duration_s
    # the two pauses differ only by when each sensor acted on STOP and START: the virtual one at
    # once, code.py at its next FIFO read, both answering at a connection event
    acting_s = sum(run.latency_s[t] for run in runs.values() for t in (20, 21)) + 2 / RATE_1
    assert abs(pauses["virtual"] - pauses["firmware"]) <= acting_s, (pauses, acting_s)
    assert all(abs(d - PAUSE_S) <= acting_s for d in pauses.values())
