"""The real bleak API, end to end, against virtual sensors on bumble's host stack."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.ble.scan import scan_sensors
from dorsi.ble.stream import SensorStream, State
from dorsi.virtual.ble import FaultPlan, VirtualDorsiSensor, swing_feed
from dorsi.virtual.ble.witmotion import VirtualWitMotion

RATE_HZ = 208  # our sensor's ODR closest to 200 Hz (protocol v1 rates: 52, 104, 208, 416)


async def test_discovery_by_service_uuid(make_radio, collect) -> None:  # type: ignore[no-untyped-def]
    from bumble import gatt

    from dorsi.virtual.ble.radio import make_device

    radio = make_radio(1.0)
    ours = VirtualDorsiSensor(radio, swing_feed(RATE_HZ, 2.0), battery_pct=64)
    wit = VirtualWitMotion(radio, swing_feed(100.0, 2.0))
    await radio.start()
    # an unrelated peripheral (a heart-rate strap) advertising another service
    _, other = make_device(radio.link, "AA:BB:CC:00:00:09", "HRM")
    other.add_service(gatt.Service("0000180d-0000-1000-8000-00805f9b34fb", []))
    await other.power_on()
    await other.start_advertising(advertising_interval_min=50, advertising_interval_max=50)

    found = await scan_sensors(0.5, backends=radio.backends)

    by_address = {f.address: f for f in found}
    assert set(by_address) == {ours.address, wit.address}
    assert by_address[ours.address].kind.id == "dorsi"
    assert by_address[ours.address].battery_pct == 64
    assert by_address[ours.address].rssi_dbm < 0
    assert by_address[wit.address].kind.id == "witmotion"
    assert by_address[wit.address].name.startswith("WT901")


async def test_208hz_for_60s_nothing_lost_or_doubled(make_radio, collect) -> None:  # type: ignore[no-untyped-def]
    """60 s of sensor time at 208 Hz, run 5× faster than real time on the scaled clock (≈12 s).

    Faster speeds work on an idle machine, but a starved event loop then delays
    arrivals progressively and the timeline reads that as clock drift."""
    radio = make_radio(5.0)
    sensor = VirtualDorsiSensor(radio, swing_feed(RATE_HZ, 30.0))
    await radio.start()
    n_wanted = 60 * RATE_HZ
    async with SensorStream(sensor.address, backends=radio.backends) as stream:
        got = await collect(stream, lambda g: g.samples >= n_wanted)
    counters = got.counters()
    assert len(counters) >= n_wanted
    assert np.all(np.diff(counters) == 1), "a sample was lost, doubled or reordered"
    t = got.times()
    assert np.all(np.diff(t) > 0)
    assert np.median(np.diff(t)) == pytest.approx(1 / RATE_HZ, rel=1e-3)
    stats = stream.decoder.stats  # type: ignore[union-attr]
    assert (stats.lost_samples, stats.duplicated, stats.garbage, stats.late_dropped) == (0, 0, 0, 0)
    assert [s.state for s in got.states[:3]] == [State.SCANNING, State.CONNECTING, State.STREAMING]
    assert not got.gaps
    # values arrive as the sensor measured them (int16 quantisation only)
    feed = sensor.feed
    rows = feed.rows(int(counters[0]), int(counters[0]) + len(counters))
    acc = np.concatenate([c.acc_mps2 for c in got.chunks])
    assert np.max(np.abs(acc - feed.acc_mps2[rows])) < 4 * 9.80665 / 32768 * 0.51
    assert stream.state == State.STOPPED
    assert sensor.connection is None, "the stream did not disconnect on stop"
    assert sensor.streaming is False


async def test_dropped_link_reconnects_within_2s_and_records_gap(make_radio, collect) -> None:  # type: ignore[no-untyped-def]
    """Real-time clock: the sensor vanishes for 1.5 s; reconnection is timed from its return."""
    radio = make_radio(1.0)
    sensor = VirtualDorsiSensor(radio, swing_feed(RATE_HZ, 10.0), faults=FaultPlan(drops=((1.0, 1.5),)))
    await radio.start()
    async with SensorStream(sensor.address, backends=radio.backends) as stream:
        got = await collect(stream, lambda g: bool(g.gaps) and g.samples > 3 * RATE_HZ)
    assert sensor.injected.drops == 1
    returned_s = sensor.injected.returns_s[0]
    streaming_again = [s.at_s for s in got.states if s.state == State.STREAMING and s.at_s > returned_s]
    assert streaming_again, "never streamed again after the sensor returned"
    reconnect_s = streaming_again[0] - returned_s
    assert reconnect_s < 2.0
    assert State.RECONNECTING in [s.state for s in got.states]
    (gap,) = got.gaps
    assert gap.reason == "link lost"
    assert gap.gap.duration_s == pytest.approx(1.5 + reconnect_s, abs=0.5)
    assert gap.gap.missing_samples == pytest.approx(gap.gap.duration_s * RATE_HZ, rel=0.05)
    counters = got.counters()
    assert np.all(np.diff(counters) >= 1)
    assert int(np.sum(np.diff(counters) - 1)) == gap.gap.missing_samples
    assert stream.stats.link_gaps == [gap.gap]


async def test_garbage_duplicates_reordering_are_counted_never_crash(make_radio, collect) -> None:  # type: ignore[no-untyped-def]
    radio = make_radio(5.0)
    faults = FaultPlan(garbage_prob=0.1, duplicate_prob=0.1, reorder_prob=0.1, seed=3)  # ~200 packets of 50 ms
    sensor = VirtualDorsiSensor(radio, swing_feed(RATE_HZ, 10.0), faults=faults)
    await radio.start()
    async with SensorStream(sensor.address, backends=radio.backends) as stream:
        got = await collect(stream, lambda g: g.samples >= 10 * RATE_HZ)
        await sensor.shut_down()  # the sensor stops sending; decode everything it sent
        await stream.stop()
        rest = await collect(stream, lambda g: False)
    inj = sensor.injected
    stats = stream.decoder.stats  # type: ignore[union-attr]
    assert inj.garbage > 10 and inj.duplicated > 10 and inj.reordered > 10
    assert stats.garbage == inj.garbage
    assert stats.duplicated == inj.duplicated
    assert inj.reordered - 1 <= stats.reordered <= inj.reordered  # the last one may never have been sent
    assert stats.late_dropped == 0 and stats.lost_samples == 0
    counters = np.concatenate([got.counters(), rest.counters()])
    assert np.all(np.diff(counters) == 1)
    assert counters[-1] >= inj.last_counter - 2 * sensor.samples_per_packet()


async def test_stall_is_a_gap_of_lost_packets(make_radio, collect) -> None:  # type: ignore[no-untyped-def]
    """2 s into the stream the sensor falls silent for 0.5 s of its clock: exactly the 104 sample
    slots of that half second are missing, and the app reports exactly those, at any machine load
    (the stall is placed on the sensor clock after streaming began, not on the loop's wake-ups)."""
    radio = make_radio(10.0)
    sensor = VirtualDorsiSensor(radio, swing_feed(RATE_HZ, 10.0), faults=FaultPlan(stalls=((2.0, 0.5),)))
    await radio.start()
    async with SensorStream(sensor.address, backends=radio.backends) as stream:
        got = await collect(stream, lambda g: g.samples >= 4 * RATE_HZ and bool(g.gaps))
    (gap,) = got.gaps
    assert gap.reason == "packets lost"
    assert sensor.injected.stalled_samples == round(0.5 * RATE_HZ)
    assert gap.gap.missing_samples == sensor.injected.stalled_samples
    assert gap.gap.duration_s == pytest.approx(0.5, abs=1.5 / RATE_HZ)


async def test_four_sensors_at_once(make_radio, collect) -> None:  # type: ignore[no-untyped-def]
    """Both shins and both feet: three of ours and a WitMotion on one central."""
    radio = make_radio(2.0)
    sensors = [VirtualDorsiSensor(radio, swing_feed(RATE_HZ, 10.0, peak_deg=10 + 5 * i)) for i in range(3)]
    wit = VirtualWitMotion(radio, swing_feed(100.0, 10.0))
    await radio.start()
    import asyncio

    streams = [SensorStream(s.address, backends=radio.backends) for s in [*sensors, wit]]
    for s in streams:
        await s.start()
    try:
        results = await asyncio.gather(
            *[collect(s, lambda g, n=5 * (RATE_HZ if i < 3 else 100): g.samples >= n) for i, s in enumerate(streams)]
        )
    finally:
        for s in streams:
            await s.stop()
    for i, got in enumerate(results):
        counters = got.counters()
        assert np.all(np.diff(counters) == 1), f"sensor {i}: lost or doubled samples"
    assert streams[3].kind is not None and streams[3].kind.id == "witmotion"
    assert wit.rate_hz == 100.0, "the WitMotion handshake (unlock, rate) did not reach the sensor"
    assert all(s.connection is None for s in [*sensors, wit])


def test_host_times_stay_strictly_increasing_when_the_mapping_steps_back() -> None:
    """Consumers need strictly increasing times; a step back across or within chunks is held and counted."""
    from dorsi.protocol.decoders import DorsiDecoder

    dec = DorsiDecoder()
    first = dec._monotonic(np.array([1.000, 1.005, 1.010]))
    second = dec._monotonic(np.array([1.008, 1.009, 1.0085, 1.020]))  # back across, and back within
    t = np.concatenate([first, second])
    assert np.all(np.diff(t) > 0)
    assert second[-1] == 1.020  # caught up: real times again
    assert dec.stats.time_steps_back == 1
