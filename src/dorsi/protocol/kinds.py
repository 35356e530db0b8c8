"""The sensor kinds dorsi streams from: one registry entry per brand, pure facts only.

Every list of kinds reads ``KINDS``: scanning (dorsi.ble), the handshakes
(dorsi.ble.kinds, one per entry), the virtual twins (dorsi.virtual.ble.twins),
sensor profiles (dorsi.io.profiles), `dorsi decode`, Settings' rate list.
Adding a kind is an entry here, its decoder (dorsi.protocol.decoders), its
handshake and its virtual twin; tests check that each entry has all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dorsi.errors import InputError
from dorsi.protocol import encoder, inspect, uuids, witmotion
from dorsi.protocol.decoders import DorsiDecoder, MetaMotionDecoder, StreamDecoder, WitMotionDecoder

Inspector = Callable[[bytes, int, int], list[inspect.Row]]
DecoderFactory = Callable[[int, int, int, int], StreamDecoder]  # (rate Hz, acc range g, gyro range °/s, reorder depth)


@dataclass(frozen=True)
class SensorKind:
    id: str
    label: str
    name_prefix: str  # advertised local name starts with this
    service_uuid: str  # advertised; scanning filters on it
    data_uuid: str  # notify: samples
    command_uuid: str  # write: commands
    status_uuid: str | None  # notify: replies, when not on the data characteristic
    rates_hz: tuple[int, ...]  # what the app may ask of it (Settings offers these)
    default_rate_hz: int
    acc_range_g: int  # full scale the app configures: a sample beyond it is not a measurement
    gyr_range_dps: int
    # the accelerometer's datasheet tolerances, ± per axis, before any bench calibration (dorsi.motion.accuracy)
    acc_offset_mg: float  # zero-g offset
    acc_scale_tol: float  # sensitivity error (0.03: ±3 %)
    gyr_scale_tol: float  # the gyroscope's sensitivity error (a bench calibration does not fit it)
    profile: str  # calibration/profiles/<profile>: axes for the documented mounting
    make_decoder: DecoderFactory
    inspect: Inspector  # one notification → rows, for `dorsi decode`

    def supported_rate(self, requested_hz: float | None = None) -> int:
        """The kind's rate nearest the request (its default for None; ties go to the faster)."""
        if requested_hz is None:
            return self.default_rate_hz
        return min(self.rates_hz, key=lambda r: (abs(r - requested_hz), -r))

    def decoder(self, rate_hz: float | None = None, reorder_depth: int = 1) -> StreamDecoder:
        return self.make_decoder(self.supported_rate(rate_hz), self.acc_range_g, self.gyr_range_dps, reorder_depth)


# One entry per brand. Ranges: the full scale the app configures (ours: SPEC §6's power-up
# ranges; WitMotion's are fixed by the module). Rates: what the app may ask (WitMotion's
# 0.2–200 Hz cut to what a shin needs; MetaMotion's acc + gyro above 200 Hz exceed what BLE carries).
DORSI = SensorKind(
    id="dorsi", label="dorsi sensor", name_prefix=uuids.DORSI_NAME_PREFIX,
    service_uuid=uuids.DORSI_SERVICE_UUID, data_uuid=uuids.DORSI_DATA_UUID,
    command_uuid=uuids.DORSI_CONTROL_UUID, status_uuid=uuids.DORSI_STATUS_UUID,
    rates_hz=encoder.RATES_HZ, default_rate_hz=208, acc_range_g=4, gyr_range_dps=500,
    # LSM6DS3TR-C (ST DocID030071, Table 3): LA_TyOff ±40 mg; no sensitivity tolerances given: ±1 % assumed
    # for both (as the simulator's reference); the reference firmware trims nothing
    acc_offset_mg=40.0, acc_scale_tol=0.01, gyr_scale_tol=0.01,
    profile="xiao-nrf52840-sense.toml", make_decoder=DorsiDecoder, inspect=inspect.dorsi_rows,
)  # fmt: skip
WITMOTION = SensorKind(
    id="witmotion", label="WitMotion WT901BLE", name_prefix=uuids.WITMOTION_NAME_PREFIX,
    service_uuid=uuids.WITMOTION_SERVICE_UUID, data_uuid=uuids.WITMOTION_NOTIFY_UUID,
    command_uuid=uuids.WITMOTION_WRITE_UUID, status_uuid=None,
    rates_hz=(50, 100, 200), default_rate_hz=100,
    acc_range_g=int(witmotion.ACC_FULL_SCALE_G), gyr_range_dps=int(witmotion.GYR_FULL_SCALE_DPS),
    # MPU-9250 (InvenSense PS-MPU-9250A-01 rev 1.1, Tables 1-2): accelerometer zero-g initial tolerance ±60 mg
    # (X/Y), sensitivity initial tolerance ±3 %, gyro sensitivity scale factor tolerance ±3 %; what WitMotion's
    # own trim leaves is not published
    acc_offset_mg=60.0, acc_scale_tol=0.03, gyr_scale_tol=0.03,
    profile="witmotion-bwt901blecl.toml", make_decoder=WitMotionDecoder, inspect=inspect.witmotion_rows,
)  # fmt: skip
METAMOTION = SensorKind(
    id="metamotion", label="MbientLab MetaMotion", name_prefix=uuids.METAMOTION_NAME_PREFIX,
    service_uuid=uuids.METAMOTION_SERVICE_UUID, data_uuid=uuids.METAMOTION_NOTIFY_UUID,
    command_uuid=uuids.METAMOTION_COMMAND_UUID, status_uuid=None,
    rates_hz=(25, 50, 100, 200), default_rate_hz=100, acc_range_g=16, gyr_range_dps=2000,
    # BMI160 (Bosch BST-BMI160-DS000, Table 1): zero-g offset ±40 mg, sensitivity tolerance ±1 % (the
    # simulator's metamotion takes the gyro's as ±1 % too)
    acc_offset_mg=40.0, acc_scale_tol=0.01, gyr_scale_tol=0.01,
    profile="metamotion.toml", make_decoder=MetaMotionDecoder, inspect=inspect.metamotion_rows,
)  # fmt: skip

KINDS: dict[str, SensorKind] = {k.id: k for k in (DORSI, WITMOTION, METAMOTION)}
KIND_BY_SERVICE: dict[str, SensorKind] = {k.service_uuid: k for k in KINDS.values()}


def get_kind(kind_id: str) -> SensorKind:
    """The kind with this id; InputError naming the known ones otherwise."""
    if kind_id not in KINDS:
        raise InputError(f"unknown sensor kind {kind_id!r}; choose one of: {', '.join(KINDS)}")
    return KINDS[kind_id]
