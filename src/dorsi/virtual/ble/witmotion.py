"""A virtual WitMotion WT901BLE: service ffe5, notify ffe4, write ffe9, 0x55 0x61 frames.

Like the module it imitates it streams as soon as notifications are enabled, at
10 Hz after power-on; the app unlocks it (FF AA 69 88 B5) and sets the output
rate (FF AA 03 xx). Frames are built by dorsi.protocol.witmotion.encode_data_frame;
Euler angles are the roll and pitch of gravity (yaw 0: no magnetometer here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from bumble.device import Connection

from dorsi.motion.types import GRAVITY_MPS2
from dorsi.protocol import uuids, witmotion
from dorsi.virtual.ble.feed import SampleFeed
from dorsi.virtual.ble.peripheral import CommandedPeripheral, FaultPlan

if TYPE_CHECKING:
    from dorsi.virtual.ble.radio import VirtualRadio

POWER_ON_RATE_HZ = 10.0
BATCH_INTERVAL_S = 0.02
_RATE_BY_CODE = {code: float(rate) for rate, code in witmotion.RATE_CODES.items()}
_UNLOCK = witmotion.cmd_unlock()


class VirtualWitMotion(CommandedPeripheral):
    def __init__(
        self,
        radio: VirtualRadio,
        feed: SampleFeed,
        *,
        name: str | None = None,
        address: str | None = None,
        faults: FaultPlan | None = None,
    ) -> None:
        self._unlocked = False
        self.writes: list[bytes] = []
        address = address or radio.next_address()
        super().__init__(
            radio,
            feed,
            uuids=(uuids.WITMOTION_SERVICE_UUID, uuids.WITMOTION_NOTIFY_UUID, uuids.WITMOTION_WRITE_UUID),
            power_on_rate_hz=POWER_ON_RATE_HZ,
            name=name or f"{uuids.WITMOTION_NAME_PREFIX}BLE5.0-{address.replace(':', '')[-4:]}",
            address=address,
            faults=faults,
        )

    def samples_per_packet(self) -> int:
        mtu = self.connection.att_mtu if self.connection is not None else 23
        return max(1, min(round(self._rate_hz * BATCH_INTERVAL_S), (mtu - 3) // witmotion.FRAME_SIZE))

    def packets(self, first: int, stop: int) -> list[tuple[bytes, int]]:
        per = self.samples_per_packet()
        # sample i is taken at sample_time_s(i): play the feed at that time
        rows = self.feed.rows_at(np.array([self.sample_time_s(i) for i in range(first, stop)]))
        acc_g = self.feed.acc_mps2[rows] / GRAVITY_MPS2
        gyr = self.feed.gyr_dps[rows]
        roll = np.degrees(np.arctan2(acc_g[:, 1], acc_g[:, 2]))
        pitch = np.degrees(np.arctan2(-acc_g[:, 0], np.hypot(acc_g[:, 1], acc_g[:, 2])))
        frames = [
            witmotion.encode_data_frame(
                (float(a[0]), float(a[1]), float(a[2])),
                (float(g[0]), float(g[1]), float(g[2])),
                (float(r), float(p), 0.0),
            )
            for a, g, r, p in zip(acc_g, gyr, roll, pitch, strict=True)
        ]
        return [(b"".join(frames[k : k + per]), len(frames[k : k + per])) for k in range(0, len(frames), per)]

    def on_command(self, connection: Connection, value: bytes) -> None:
        data = bytes(value)
        self.writes.append(data)
        if data == _UNLOCK:
            self._unlocked = True
        elif len(data) == 5 and data[:2] == b"\xff\xaa" and self._unlocked:
            register, value16 = data[2], data[3] | (data[4] << 8)
            if register == witmotion.REG_RATE and value16 in _RATE_BY_CODE:
                self.set_rate(_RATE_BY_CODE[value16])
