"""The virtual dorsi sensor: protocol v1 GATT service served by bumble, packets from the reference encoder.

Behaves as the reference firmware does (checked against it run in the loop,
tests/firmware): advertises the dorsi service (name ``dorsi-XXXX`` in the scan
response, battery as service data), serves the data (notify), control (write) and
status (notify + read) characteristics and the standard Battery Service, answers
commands with RESPONSE messages, streams only after START and sends its partial
packet at STOP, counts samples on across START/STOP and reconnections (a hole is a
gap of the samples missed), re-anchors its counter on its clock (counter ≈ time ×
rate) when a rate or range change restarts the IMU, blinks at IDENTIFY, and packs
``encoder.samples_per_packet`` samples per notification (the MTU's room, capped at
50 ms of samples). tests/firmware/test_twin.py runs one scenario through both.
Every data notification is built by ``dorsi.protocol.encoder.encode_samples_packet``,
the file the firmware runs.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import numpy as np
from bumble import gatt
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection

from dorsi.protocol import encoder as enc
from dorsi.protocol import uuids
from dorsi.virtual.ble.feed import SampleFeed
from dorsi.virtual.ble.peripheral import FaultPlan, VirtualPeripheral, advertising_payload

if TYPE_CHECKING:
    from dorsi.virtual.ble.radio import VirtualRadio

FIRMWARE_VERSION = (1, 1, 0)
BLINK_ON_S = 0.25  # the reference firmware's identify blink: 250 ms on, 250 ms off


class VirtualDorsiSensor(VirtualPeripheral):
    def __init__(
        self,
        radio: VirtualRadio,
        feed: SampleFeed,
        *,
        name: str | None = None,
        address: str | None = None,
        faults: FaultPlan | None = None,
        samples_per_packet: int | None = None,
        acc_range_g: int = 4,
        gyr_range_dps: int = 500,
        battery_pct: int = 87,
        protocol_version: tuple[int, int] = (enc.PROTOCOL_VERSION, enc.PROTOCOL_MINOR),
    ) -> None:
        rate = round(feed.rate_hz)
        if rate not in enc.RATES_HZ:
            raise ValueError(f"our sensor starts at its feed's rate, one of {enc.RATES_HZ} Hz, not {feed.rate_hz} Hz")
        self.sensor_rate_hz = rate
        self.acc_range_g = acc_range_g
        self.gyr_range_dps = gyr_range_dps
        self.fixed_samples_per_packet = samples_per_packet
        self.protocol_version = protocol_version  # what GET_VERSION says (another major: an app must refuse it)
        self._wire = feed.quantized(acc_range_g, gyr_range_dps)
        self.blink: tuple[float, float] | None = None  # IDENTIFY: (clock time s, seconds)
        self.commands: list[int] = []  # opcodes received, for tests
        self._build_characteristics()
        address = address or radio.next_address()
        super().__init__(
            radio,
            feed,
            name=name or f"{uuids.DORSI_NAME_PREFIX}{address.replace(':', '')[-4:]}",
            address=address,
            faults=faults,
            battery_pct=battery_pct,
        )

    def _build_characteristics(self) -> None:
        P = gatt.Characteristic.Properties
        self._data: gatt.Characteristic[bytes] = gatt.Characteristic(
            uuids.DORSI_DATA_UUID, P.NOTIFY, gatt.Characteristic.READABLE, b""
        )
        self._control: gatt.Characteristic[bytes] = gatt.Characteristic(
            uuids.DORSI_CONTROL_UUID,
            P.WRITE | P.WRITE_WITHOUT_RESPONSE,
            gatt.Characteristic.WRITEABLE,
            gatt.CharacteristicValue(write=self._on_control_write),
        )
        self._status: gatt.Characteristic[bytes] = gatt.Characteristic(
            uuids.DORSI_STATUS_UUID,
            P.READ | P.NOTIFY,
            gatt.Characteristic.READABLE,
            gatt.CharacteristicValue(read=lambda _conn: self._status_bytes()),
        )
        self._battery: gatt.Characteristic[bytes] = gatt.Characteristic(
            uuids.BATTERY_LEVEL_UUID,
            P.READ | P.NOTIFY,
            gatt.Characteristic.READABLE,
            gatt.CharacteristicValue(read=lambda _conn: bytes([self.battery_pct])),
        )

    def services(self) -> list[gatt.Service]:
        return [
            gatt.Service(uuids.DORSI_SERVICE_UUID, [self._data, self._control, self._status]),
            gatt.Service(uuids.BATTERY_SERVICE_UUID, [self._battery]),
        ]

    def advertising_data(self) -> bytes:
        T = AdvertisingData.Type
        return advertising_payload(
            [
                (T.FLAGS, bytes([0x06])),
                (T.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, UUID(uuids.DORSI_SERVICE_UUID).to_bytes()),
                (T.SERVICE_DATA_16_BIT_UUID, UUID.from_16_bits(0x180F).to_bytes() + bytes([self.battery_pct])),
            ]
        )

    def scan_response_data(self) -> bytes:
        # Note: bumble's emulated controller answers scans with the advertising data
        # again, so scanners on the virtual radio do not see this name.
        return advertising_payload([(AdvertisingData.Type.COMPLETE_LOCAL_NAME, self.name.encode())])

    @property
    def data_characteristic(self) -> gatt.Characteristic[Any]:
        return self._data

    def set_feed(self, feed: SampleFeed) -> None:
        super().set_feed(feed)
        self._wire = feed.quantized(self.acc_range_g, self.gyr_range_dps)

    @property
    def rate_hz(self) -> float:
        return float(self.sensor_rate_hz)

    def on_subscription(self, subscribed: bool) -> None:
        if not subscribed:
            self.streaming = False  # our firmware waits for START

    def samples_per_packet(self) -> int:
        if self.fixed_samples_per_packet:
            return self.fixed_samples_per_packet
        mtu = self.connection.att_mtu if self.connection is not None else 23
        return enc.samples_per_packet(self.sensor_rate_hz, mtu)

    def _rows(self, first: int, stop: int) -> np.ndarray:
        """Feed rows of samples [first, stop): the feed's own when the rates agree, else the
        nearest in time (the feed plays row k at k / feed rate)."""
        if self.sensor_rate_hz == round(self.feed.rate_hz):
            return self.feed.rows(first, stop)
        times_s = self.sample_time_s(first) + np.arange(stop - first) / self.sensor_rate_hz
        k = np.round(times_s * self.feed.rate_hz).astype(np.intp)
        return self.feed.rows(int(k[0]), int(k[-1]) + 1)[k - k[0]]

    def packets(self, first: int, stop: int) -> list[tuple[bytes, int]]:
        per = self.samples_per_packet()
        wire = self._wire[self._rows(first, stop)].tolist()
        out: list[tuple[bytes, int]] = []
        for k in range(0, stop - first, per):
            counter = first + k
            t_us = round(self.sample_time_s(counter) * 1e6)
            chunk = wire[k : k + per]
            out.append(
                (
                    enc.encode_samples_packet(
                        counter, t_us, self.sensor_rate_hz, self.acc_range_g, self.gyr_range_dps, chunk
                    ),
                    len(chunk),
                )
            )
        return out

    def led_on(self, at_s: float | None = None) -> bool:
        """The identify LED at this clock time (now by default), driven as the firmware drives it:
        on for BLINK_ON_S, off as long, for the seconds IDENTIFY asked."""
        if self.blink is None:
            return False
        t_s = (self.clock.now_s() if at_s is None else at_s) - self.blink[0]
        return 0.0 <= t_s < self.blink[1] and t_s % (2 * BLINK_ON_S) < BLINK_ON_S

    # --- control ---------------------------------------------------------------
    def _status_bytes(self) -> bytes:
        state = enc.STATE_STREAMING if self.streaming else enc.STATE_IDLE
        return enc.encode_status(state, self.sensor_rate_hz, self.acc_range_g, self.gyr_range_dps, self.battery_pct)

    def _on_control_write(self, connection: Connection, value: bytes) -> None:
        result, opcode, token, args = enc.parse_command(bytes(value))
        self.commands.append(opcode)
        payload = b""
        if result == enc.RESULT_OK:
            if opcode == enc.OP_START:
                self.start_streaming()
            elif opcode == enc.OP_STOP:
                self.stop_streaming()
            elif opcode in (enc.OP_SET_RATE, enc.OP_SET_RANGES) and self.streaming:
                result = enc.RESULT_BUSY
            elif opcode == enc.OP_SET_RATE and args[0] != self.sensor_rate_hz:
                self.new_epoch(args[0])  # the IMU restarts: counter re-anchored on the clock, a new segment
                self.sensor_rate_hz = int(args[0])
            elif opcode == enc.OP_SET_RANGES and (args[0], args[1]) != (self.acc_range_g, self.gyr_range_dps):
                self.new_epoch(self.sensor_rate_hz)
                self.acc_range_g, self.gyr_range_dps = int(args[0]), int(args[1])
                self._wire = self.feed.quantized(self.acc_range_g, self.gyr_range_dps)
            elif opcode == enc.OP_IDENTIFY:
                self.blink = (self.clock.now_s(), float(args[0]))
            elif opcode == enc.OP_GET_BATTERY:
                payload = enc.battery_payload(self.battery_pct, 3700 + 5 * self.battery_pct)
            elif opcode == enc.OP_GET_VERSION:
                payload = bytes(self.protocol_version) + bytes(FIRMWARE_VERSION)
            elif opcode == enc.OP_GET_STATUS:
                payload = self._status_bytes()[1:]
        response = enc.encode_response(token, opcode, result, payload)
        asyncio.get_running_loop().create_task(self._notify_status(connection, response))

    async def _notify_status(self, connection: Connection, message: bytes) -> None:
        await self.device.notify_subscriber(connection, self._status, message)
