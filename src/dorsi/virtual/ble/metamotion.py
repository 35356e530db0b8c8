"""A virtual MbientLab MetaMotion: MetaWear service 326a9000, command 326a9001, notify 326a9006.

Behaves as dorsi.protocol.metamotion describes the MetaWear firmware: answers
module-info reads (accelerometer and gyroscope of one Bosch chip, BMI160 as on a
MetaMotion RL or BMI270 as on a MetaMotion S; every other module absent), takes
the accelerometer and gyroscope configuration (ODR, range), and streams once both
sensors are subscribed, enabled and powered: packed notifications of three
samples, accelerometer and gyroscope separately, at the configured ODR, with no
counter or clock. Samples come from the feed at the sensor's own sample times.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import numpy as np
from bumble.device import Connection

from dorsi.motion.types import GRAVITY_MPS2
from dorsi.protocol import metamotion as mm
from dorsi.protocol import uuids
from dorsi.virtual.ble.feed import SampleFeed
from dorsi.virtual.ble.peripheral import CommandedPeripheral, FaultPlan

if TYPE_CHECKING:
    from dorsi.virtual.ble.radio import VirtualRadio

# chip → module info (implementation, revision) of the accelerometer and the gyroscope, as MbientLab's
# SDK tests give them for a MetaMotion R (BMI160) and a MetaMotion S (BMI270)
MODULE_INFO = {
    "BMI160": {mm.MODULE_ACC: (1, 1), mm.MODULE_GYRO: (0, 1)},
    "BMI270": {mm.MODULE_ACC: (4, 0), mm.MODULE_GYRO: (1, 0)},
    "MMA8452Q": {mm.MODULE_ACC: (0, 1)},  # a MetaWear R: another accelerometer, no gyroscope
}
_ODR_BY_CODE = {code: rate for rate, code in mm.ODR_CODES.items()}


class VirtualMetaMotion(CommandedPeripheral):
    def __init__(
        self,
        radio: VirtualRadio,
        feed: SampleFeed,
        *,
        chip: str = "BMI160",
        address: str | None = None,
        faults: FaultPlan | None = None,
    ) -> None:
        self.chip = chip
        self.imu = mm.BMI270 if chip == "BMI270" else mm.BMI160  # never streams for another chip
        self.acc_range_g, self.gyr_range_dps = 2, 2000  # power-on ranges
        self.commands: list[bytes] = []  # every write, for tests
        self._on: dict[tuple[int, int], bool] = {}  # (module, register) → subscribed / enabled / powered
        super().__init__(
            radio,
            feed,
            uuids=(uuids.METAMOTION_SERVICE_UUID, uuids.METAMOTION_NOTIFY_UUID, uuids.METAMOTION_COMMAND_UUID),
            power_on_rate_hz=100,
            name=uuids.METAMOTION_NAME_PREFIX,  # what MetaWear firmware advertises until renamed
            address=address,
            faults=faults,
        )

    def on_subscription(self, subscribed: bool) -> None:
        """Streaming follows the commands, not the CCCD (notifications just are not sent without it)."""

    def samples_per_packet(self) -> int:
        return self.imu.samples_per_notification

    def packets(self, first: int, stop: int) -> list[tuple[bytes, int]]:
        rows = self.feed.rows_at(np.array([self.sample_time_s(i) for i in range(first, stop)]))
        to_board = mm.METAMOTION_AXES  # product → board axes (the inverse of metamotion_to_product)
        acc_g = self.feed.acc_mps2[rows] @ to_board / GRAVITY_MPS2
        gyr = self.feed.gyr_dps[rows] @ to_board
        acc_scale, gyr_scale = mm.acc_scale_g(self.acc_range_g), mm.gyr_scale_dps(self.gyr_range_dps)
        per = self.samples_per_packet()
        out: list[tuple[bytes, int]] = []
        for k in range(0, stop - first, per):
            out.append((mm.encode_data(mm.MODULE_ACC, self.imu.acc_data, acc_g[k : k + per], acc_scale), per))
            out.append((mm.encode_data(mm.MODULE_GYRO, self.imu.gyr_data, gyr[k : k + per], gyr_scale), 0))
        return out

    # --- commands ----------------------------------------------------------------
    def on_command(self, connection: Connection, value: bytes) -> None:
        data = bytes(value)
        self.commands.append(data)
        if len(data) < 2:
            return
        module, register = data[0], data[1]
        if register == mm.REG_INFO:
            self._reply(connection, self._info(module))
        elif register == mm.REG_CONFIG and len(data) == 4 and module in (mm.MODULE_ACC, mm.MODULE_GYRO):
            self._configure(module, data[2], data[3])
        elif len(data) >= 3 and module in (mm.MODULE_ACC, mm.MODULE_GYRO):
            self._on[(module, register)] = data[2] != 0
        was, self.streaming = self.streaming, self._all_on()
        if self.streaming and not was:
            self.new_epoch()  # the first sample is taken now

    def _info(self, module: int) -> bytes:
        info = MODULE_INFO[self.chip].get(module)
        return mm.info_reply(module, *info) if info else mm.info_reply(module, None)

    def _configure(self, module: int, odr_byte: int, range_code: int) -> None:
        rate = _ODR_BY_CODE.get(odr_byte & 0x0F)
        if rate is None:
            return
        if module == mm.MODULE_ACC:
            ranges = {code: g for g, code in mm.ACC_RANGE_CODES[self.imu.name].items()}
            self.acc_range_g = ranges.get(range_code, self.acc_range_g)
            self.set_rate(rate)  # the accelerometer's ODR paces the paired stream
        else:
            ranges = {code: dps for dps, code in mm.GYR_RANGE_CODES.items()}
            self.gyr_range_dps = ranges.get(range_code, self.gyr_range_dps)

    def _all_on(self) -> bool:
        wanted = [(mm.MODULE_ACC, self.imu.acc_data), (mm.MODULE_GYRO, self.imu.gyr_data)]
        wanted += [(m, r) for m in (mm.MODULE_ACC, mm.MODULE_GYRO) for r in (mm.REG_DATA_ENABLE, mm.REG_POWER)]
        return all(self._on.get(key, False) for key in wanted)

    def _reply(self, connection: Connection, message: bytes) -> None:
        asyncio.get_running_loop().create_task(self.device.notify_subscriber(connection, self.notify_char, message))
