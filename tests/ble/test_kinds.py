"""Every sensor kind of the registry, end to end: real bleak code against its virtual twin on bumble."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from dorsi.ble.kinds import handshake
from dorsi.ble.scan import scan_sensors
from dorsi.ble.stream import SensorStream, State
from dorsi.errors import DeviceError
from dorsi.io.profiles import load_profile
from dorsi.protocol import metamotion, witmotion
from dorsi.protocol.kinds import DORSI, KINDS, METAMOTION, WITMOTION, SensorKind
from dorsi.virtual.ble import FaultPlan, swing_feed
from dorsi.virtual.ble.metamotion import VirtualMetaMotion
from dorsi.virtual.ble.twins import TWINS, make_twin

PROFILES = Path(__file__).resolve().parents[2] / "calibration" / "profiles"
AXES = {WITMOTION.id: witmotion.WITMOTION_AXES, METAMOTION.id: metamotion.METAMOTION_AXES}


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_every_kind_is_complete(kind: SensorKind) -> None:
    """One registry entry brings a decoder, a handshake, a virtual twin and a documented profile."""
    assert kind.default_rate_hz in kind.rates_hz
    assert kind.decoder().rate_hz == kind.default_rate_hz
    assert handshake(kind).start is not None and kind.id in TWINS
    profile = load_profile(PROFILES / kind.profile)
    assert profile.kind == kind.id
    assert np.array_equal(np.asarray(profile.axes), AXES.get(kind.id, np.eye(3)))  # the decoder's own mapping
    assert tomllib.loads((PROFILES / kind.profile).read_text())["sensor"]["mounting"]


def test_a_rate_a_kind_does_not_offer_becomes_its_nearest() -> None:
    assert WITMOTION.supported_rate(208) == 200  # the app's old default used to fail the handshake
    assert WITMOTION.supported_rate(75) == 100 and WITMOTION.supported_rate(None) == 100
    assert METAMOTION.supported_rate(416) == 200


async def _stream_from_twin(make_radio, collect, kind: SensorKind, rate_hz: int, seconds: float, chip: str = ""):  # type: ignore[no-untyped-def]
    """Stream ``seconds`` of sensor time from the kind's twin (MetaMotion: of this chip), 3× real time."""
    radio = make_radio(3.0)  # counter-less kinds: a host behind the sped-up clock reads as loss
    feed = swing_feed(TWINS[kind.id].feed_rate_hz, 20.0)
    sensor = VirtualMetaMotion(radio, feed, chip=chip) if chip else make_twin(kind, radio, feed)
    await radio.start()
    n_wanted = int(seconds * rate_hz)
    async with SensorStream(sensor.address, backends=radio.backends, rate_hz=rate_hz) as stream:
        got = await collect(stream, lambda g: g.samples >= n_wanted)
    return sensor, stream, got


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
async def test_every_kind_streams_from_its_twin_through_bleak(make_radio, collect, kind: SensorKind) -> None:  # type: ignore[no-untyped-def]
    """Scan finds it by its service; the handshake starts it at its default rate; every sample arrives
    once, in order, with the values its twin measured (int16 quantisation only); stop stops it."""
    radio = make_radio(3.0)  # counter-less kinds: a host behind the sped-up clock reads as loss
    sensor = make_twin(kind, radio, swing_feed(TWINS[kind.id].feed_rate_hz, 20.0))
    await radio.start()
    (found,) = await scan_sensors(0.5, backends=radio.backends)
    assert found.kind is kind
    assert found.name.startswith((kind.name_prefix, kind.label))  # bumble drops scan responses (docs/ble.md)
    n_wanted = 10 * kind.default_rate_hz
    async with SensorStream(found, backends=radio.backends) as stream:
        got = await collect(stream, lambda g: g.samples >= n_wanted)
    counters = got.counters()
    assert np.array_equal(counters, np.arange(counters[0], counters[0] + len(counters)))
    # counter-less kinds are timed from arrivals alone (see the WitMotion rate test)
    rel = 2e-3 if kind is DORSI else 1e-2
    assert np.median(np.diff(got.times())) == pytest.approx(1 / kind.default_rate_hz, rel=rel)
    assert sensor.rate_hz == kind.default_rate_hz
    stats = stream.decoder.stats  # type: ignore[union-attr]
    assert (stats.lost_samples, stats.garbage, stats.unpaired) == (0, 0, 0) and not got.gaps
    acc = np.concatenate([c.acc_mps2 for c in got.chunks])
    feed_acc = sensor.feed.acc_mps2
    quantum = kind.acc_range_g * 9.80665 / 32768
    # the swing spans the feed's rows: each received sample is one of them, to within a quantum
    nearest = np.min(np.linalg.norm(acc[:200, None, :] - feed_acc[None, :, :], axis=2), axis=1)
    assert np.max(nearest) < 0.9 * quantum
    assert [s.state for s in got.states[:3]] == [State.SCANNING, State.CONNECTING, State.STREAMING]
    assert stream.state == State.STOPPED and sensor.connection is None


@pytest.mark.parametrize("rate_hz", WITMOTION.rates_hz)
async def test_witmotion_streams_at_every_rate_settings_offers(make_radio, collect, rate_hz: int) -> None:  # type: ignore[no-untyped-def]
    """Settings offers WITMOTION.rates_hz for a WitMotion (tests/app/test_settings_rates.py)."""
    sensor, stream, got = await _stream_from_twin(make_radio, collect, WITMOTION, rate_hz, 8.0)
    assert sensor.rate_hz == rate_hz, "the rate command did not reach the module"
    assert stream.decoder is not None and stream.decoder.rate_hz == rate_hz
    assert np.all(np.diff(got.counters()) == 1) and stream.decoder.stats.lost_samples == 0
    # no counter or clock on the wire: times come from the drift fit to 8 s of arrivals, whose
    # jitter the 3× clock multiplies by 3 (1 % here; within 0.2 % over minutes: test_witmotion.py)
    assert np.median(np.diff(got.times())) == pytest.approx(1 / rate_hz, rel=1e-2)


@pytest.mark.parametrize("rate_hz", METAMOTION.rates_hz)
async def test_metamotion_streams_at_each_of_its_rates(make_radio, collect, rate_hz: int) -> None:  # type: ignore[no-untyped-def]
    sensor, _stream, got = await _stream_from_twin(make_radio, collect, METAMOTION, rate_hz, 6.0)
    assert sensor.rate_hz == rate_hz
    assert np.all(np.diff(got.counters()) == 1)
    assert np.median(np.diff(got.times())) == pytest.approx(1 / rate_hz, rel=1e-2)  # as for WitMotion


async def test_metamotion_s_bmi270_is_driven_by_its_own_registers(make_radio, collect) -> None:  # type: ignore[no-untyped-def]
    sensor, stream, got = await _stream_from_twin(make_radio, collect, METAMOTION, 100, 4.0, chip="BMI270")
    assert bytes([0x03, 0x05, 0x01]) in sensor.commands  # BMI270 packed accelerometer
    assert bytes([0x03, 0x03, 0xA8, 0x03]) in sensor.commands  # 100 Hz, performance mode, ±16 g
    assert np.all(np.diff(got.counters()) == 1) and stream.decoder.stats.garbage == 0  # type: ignore[union-attr]
    assert bytes([0x03, 0x01, 0x00]) in sensor.commands and not sensor.streaming  # stopped on the way out


async def test_a_metawear_r_is_refused_in_one_line_not_retried(make_radio) -> None:  # type: ignore[no-untyped-def]
    radio = make_radio(3.0)  # counter-less kinds: a host behind the sped-up clock reads as loss
    sensor = VirtualMetaMotion(radio, swing_feed(200, 5.0), chip="MMA8452Q")
    await radio.start()
    stream = SensorStream(sensor.address, backends=radio.backends)
    await stream.start()
    with pytest.raises(DeviceError, match="no BMI160/BMI270 accelerometer") as err:
        async for _item in stream:
            pass
    await stream.stop()
    assert "\n" not in str(err.value) and stream.stats.connects == 0
    assert sum(c == metamotion.cmd_read_info(metamotion.MODULE_ACC) for c in sensor.commands) == 1  # asked once


@pytest.mark.parametrize("kind", [WITMOTION, METAMOTION], ids=["witmotion", "metamotion"])
async def test_a_counterless_sensor_that_vanishes_leaves_a_counted_gap(make_radio, collect, kind: SensorKind) -> None:  # type: ignore[no-untyped-def]
    """No counter on the wire: the hole is measured from the arrival clock (samples the twin took
    while away), reported as "link lost", and the numbering goes on past it."""
    radio = make_radio(2.0)
    feed = swing_feed(TWINS[kind.id].feed_rate_hz, 20.0)
    sensor = make_twin(kind, radio, feed, faults=FaultPlan(drops=((2.0, 2.0),)))
    await radio.start()
    rate = kind.default_rate_hz
    async with SensorStream(sensor.address, backends=radio.backends) as stream:
        got = await collect(stream, lambda g: bool(g.gaps) and g.samples > 6 * rate)
    (gap,) = got.gaps
    assert gap.reason == "link lost"
    # away 2 s, plus reconnection and the handshake: the twin kept sampling all that time
    away_s = gap.gap.duration_s
    assert 2.0 <= away_s < 5.0
    assert gap.gap.missing_samples == pytest.approx(away_s * rate, abs=0.1 * rate)
    counters = got.counters()
    jumps = np.flatnonzero(np.diff(counters) != 1)
    assert len(jumps) == 1 and counters[jumps[0] + 1] - counters[jumps[0]] - 1 == gap.gap.missing_samples
