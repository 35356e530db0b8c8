"""code.py itself, over the published libraries: it loads, streams, and reports every gap."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import numpy as np
import pytest
from bleak import BleakClient

from dorsi.ble.decode import SampleChunk
from dorsi.ble.stream import SensorStream
from dorsi.protocol import dorsi_v1, uuids
from dorsi.protocol import encoder as enc
from dorsi.virtual.firmware import LinkParams
from dorsi.virtual.firmware.imu import CTRL1_XL, ODR_HZ, tagged_slots
from tests.ble.conftest import Collected, _collect


def _slots(got: Collected) -> np.ndarray:
    """The IMU's own number of each sample the app received (tag_slots)."""
    return np.concatenate([_slots_of(c) for c in got.chunks])


def _slots_of(chunk: SampleChunk) -> np.ndarray:
    return tagged_slots(chunk.gyr_dps[:, 2])


async def _around(stream: SensorStream, fault: Coroutine[Any, Any, None], samples: int) -> Collected:
    """``samples`` samples, then the fault while collecting until a gap and as many samples after it."""
    got = await _collect(stream, lambda g: g.samples >= samples)
    task = asyncio.create_task(fault)
    after = await _collect(stream, lambda g: bool(g.gaps) and g.samples >= samples)
    await task
    got.chunks += after.chunks
    got.gaps += after.gaps
    return got


async def test_code_py_loads_and_streams_every_sample_in_order(firmware) -> None:  # type: ignore[no-untyped-def]
    radio, board = await firmware(104.0)
    assert any("running as dorsi-" in line for line in board.serial)
    async with SensorStream(board.address, backends=radio.backends, rate_hz=104) as stream:
        got = await _collect(stream, lambda g: g.samples >= 300)
    counters, slots = got.counters(), _slots(got)
    assert np.all(np.diff(counters) == 1) and np.all(np.diff(slots) == 1)  # none lost, none doubled
    assert not got.gaps and board.crashed is None
    # the swing reaches the app in m/s² within the chip's and the wire's quantization
    acc = np.concatenate([c.acc_mps2 for c in got.chunks])
    assert np.all(np.abs(np.linalg.norm(acc, axis=1) - 9.80665) < 0.02)


async def test_settings_rate_reaches_the_firmware(firmware) -> None:  # type: ignore[no-untyped-def]
    radio, board = await firmware(104.0)
    async with SensorStream(board.address, backends=radio.backends, rate_hz=52) as stream:
        got = await _collect(stream, lambda g: g.samples >= 60)
        assert stream.decoder is not None and stream.decoder.rate_hz == 52
    assert ODR_HZ[board.imu.regs[CTRL1_XL] >> 4] == 52.0
    dt_s = np.diff(got.times())
    assert np.median(dt_s) == pytest.approx(1 / 52, rel=0.01)


async def test_a_link_drop_is_a_gap_of_exactly_the_samples_lost(firmware) -> None:  # type: ignore[no-untyped-def]
    radio, board = await firmware(104.0)
    async with SensorStream(board.address, backends=radio.backends, rate_hz=104) as stream:
        got = await _around(stream, board.drop_link(1.5), 150)
    counters, slots = got.counters(), _slots(got)
    (gap,) = [g.gap for g in got.gaps if g.reason == "link lost"]
    hole = int(np.flatnonzero(np.diff(counters) > 1)[0])
    # the IMU's own numbering says how many samples it took that the app never got
    lost_on_imu = int(slots[hole + 1] - slots[hole] - 1)
    assert lost_on_imu > 1.0 * 104  # the board was away for 1.5 s
    assert gap.missing_samples == lost_on_imu
    assert np.all(np.diff(counters[hole + 1 :]) == 1) and np.all(np.diff(slots[hole + 1 :]) == 1)


async def test_a_reboot_is_a_gap_of_the_time_away_at_the_right_host_times(firmware) -> None:  # type: ignore[no-untyped-def]
    """The battery is pulled for 1 s: code.py boots afresh, its clock and counter start again near
    zero. The app sees the clock go back, bridges the hole on the host clock and keeps the samples'
    host times on the line they were on, to within the radio latency's own spread."""
    radio, board = await firmware(104.0)
    async with SensorStream(board.address, backends=radio.backends, rate_hz=104) as stream:
        got = await _around(stream, board.power_cycle(1.0), 300)
        assert stream.decoder is not None
        timeline = stream.decoder.timeline  # type: ignore[attr-defined]
    assert timeline.stats.clock_restarts == 1 and board.crashed is None
    assert sum("running as" in line for line in board.serial) == 2
    taken_s = np.asarray(board.imu.taken_s)
    slots = [_slots_of(c) for c in got.chunks]
    # the latency of each notification's newest sample (radio clock = the app's clock here)
    latency_s = np.array([c.received_s - taken_s[s[-1]] for c, s in zip(got.chunks, slots, strict=True)])
    spread_s = float(np.ptp(latency_s))
    times, slot = got.times(), np.concatenate(slots)
    hole = int(np.flatnonzero(np.diff(slot) > 1)[0])
    offset_before = np.median(times[: hole + 1] - taken_s[slot[: hole + 1]])
    offset_after = np.median(times[hole + 1 :] - taken_s[slot[hole + 1 :]])
    assert abs(offset_after - offset_before) <= spread_s + 1 / 104
    (gap,) = [g.gap for g in got.gaps]
    true_missing = round((taken_s[slot[hole + 1]] - taken_s[slot[hole]]) * 104) - 1
    assert true_missing > 104  # the board was off for 1 s
    assert abs(gap.missing_samples - true_missing) <= np.ceil(spread_s * 104) + 1


async def test_start_before_subscribing_does_not_kill_the_firmware(firmware) -> None:  # type: ignore[no-untyped-def]
    radio, board = await firmware(104.0)
    packets: list[bytes] = []
    async with BleakClient(board.address, backend=radio.client_backend) as client:
        await client.write_gatt_char(uuids.DORSI_CONTROL_UUID, dorsi_v1.cmd_start(token=1), response=True)
        await radio.clock.sleep(0.3)
        await client.start_notify(uuids.DORSI_DATA_UUID, lambda _c, d: packets.append(bytes(d)))
        while len(packets) < 10:
            await radio.clock.sleep(0.05)
    assert board.crashed is None and board.reloads == 0
    assert all(dorsi_v1.decode_notification(p) for p in packets)


async def test_an_i2c_error_is_reported_and_the_stream_goes_on(firmware, caplog) -> None:  # type: ignore[no-untyped-def]
    radio, board = await firmware(104.0)
    caplog.set_level(logging.WARNING, logger="dorsi.ble.kinds")
    async with SensorStream(board.address, backends=radio.backends, rate_hz=104) as stream:
        await _collect(stream, lambda g: g.samples >= 100)
        board.board.fail_i2c(1)
        after = await _collect(stream, lambda g: g.samples >= 200)
    assert "IMU not responding" in caplog.text
    assert any("IMU error" in line for line in board.serial) and board.crashed is None
    assert after.gaps and after.gaps[0].gap.missing_samples > 0  # the IMU's restart is a measured gap


async def test_a_drop_with_a_status_in_flight_does_not_block_the_next_connection(firmware) -> None:  # type: ignore[no-untyped-def]
    radio, board = await firmware(104.0)
    async with BleakClient(board.address, backend=radio.client_backend) as client:
        await client.start_notify(uuids.DORSI_STATUS_UUID, lambda _c, _d: None)
        board.drop_when_status_in_flight()
        await client.write_gatt_char(uuids.DORSI_CONTROL_UUID, dorsi_v1.cmd_get_status(token=1), response=True)
        while client.is_connected:
            await radio.clock.sleep(0.05)
    async with SensorStream(board.address, backends=radio.backends, rate_hz=104) as stream:  # the full handshake
        got = await _collect(stream, lambda g: g.samples >= 50)
    assert got.samples >= 50 and board.crashed is None


@pytest.mark.parametrize(("mtu", "rate_hz", "all_delivered"), [(23, 104, True), (23, 416, False), (247, 416, True)])
async def test_delivery_per_mtu_is_complete_or_every_loss_is_a_gap(firmware, mtu, rate_hz, all_delivered) -> None:  # type: ignore[no-untyped-def]
    """One notification per connection event per buffer: at MTU 23 (one sample a packet) and a
    7.5 ms interval 133 packets/s go out, so 416 Hz cannot be sent whole; what is not sent is
    counted, never hidden."""
    radio, board = await firmware(float(rate_hz), link=LinkParams(mtu=mtu, min_interval_ms=7.5))
    async with SensorStream(board.address, backends=radio.backends, rate_hz=rate_hz) as stream:
        got = await _collect(stream, lambda g: g.samples >= 300 and g.chunks[-1].time_s[-1] - g.chunks[0].time_s[0] > 2)
    counters, slots = got.counters(), _slots(got)
    missing = sum(g.gap.missing_samples for g in got.gaps)
    assert counters[-1] - counters[0] + 1 == len(counters) + missing  # every hole is reported
    assert slots[-1] - slots[0] == counters[-1] - counters[0]  # and is the IMU's own count
    assert (missing == 0) == all_delivered
    per_packet = enc.samples_per_packet(rate_hz, mtu)
    assert per_packet == (1 if mtu == 23 else min(rate_hz * enc.BATCH_MAX_MS // 1000, 19))


async def test_blink_through_the_app_blinks_the_board_led(firmware) -> None:  # type: ignore[no-untyped-def]
    """SensorStream.identify (what the Connect screen's Blink button calls) → IDENTIFY → code.py
    drives its blue LED (active-low): on, off, on, off, 250 ms each, then off for good."""
    radio, board = await firmware(104.0)
    async with SensorStream(board.address, backends=radio.backends, rate_hz=104) as stream:
        await _collect(stream, lambda g: g.samples >= 20)
        assert stream.can_identify
        asked_s = radio.clock.now_s()
        await stream.identify(1)
        await radio.clock.sleep_until(asked_s + 1.5)
    changes = [(t, value) for t, pin, value in board.board.led_changes if pin == "LED_BLUE" and t >= asked_s]
    assert [value for _, value in changes] == [False, True, False, True]  # False = lit
    times = np.array([t for t, _ in changes])
    assert times[0] - asked_s < 0.1  # lit at once
    assert np.all(np.abs(np.diff(times) - 0.25) < 0.05), np.diff(times)
