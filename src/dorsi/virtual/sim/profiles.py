"""Sensor profiles: the error model of each sensor class the simulator can play (one registry).

Each profile's figures come from its datasheet (typical values, the mode the product runs in); where
a datasheet gives no figure (bias random walk, accelerometer bias walk) the value is marked as an
assumption with its basis. ``reference`` is the simulator's historical LSM6DS3 model, unchanged (the
440-session corpus and its byte-identical snapshot run on it).

Noise is white with σ = density·√(rate/2) per sample (the output filter's bandwidth taken as the
Nyquist frequency), then rounded to the output register's LSB and saturated at its full scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorsi.errors import InputError
from dorsi.motion.types import GRAVITY_MPS2

UG_MPS2 = 1e-6 * GRAVITY_MPS2  # one µg in m/s²


@dataclass(frozen=True)
class SensorProfile:
    """One sensor class's error model (names carry units; densities per √Hz, walks per √s)."""

    name: str
    accel_noise_ug_rthz: float  # accelerometer noise density
    gyro_noise_dps_rthz: float  # gyroscope rate noise density
    gyro_bias_walk_dps_rts: float  # rate random walk of the gyro bias
    accel_bias_walk_mps2_rts: float  # random walk of the accelerometer bias (0: none)
    accel_bias_max_mps2: float  # residual zero-g offset after the sensor's own trim, uniform ±
    scale_error_max: float  # sensitivity error, uniform ±
    accel_range_g: float  # configured full scale, ±
    gyro_range_dps: float
    accel_lsb_mps2: float  # resolution of the output register at that full scale
    gyro_lsb_dps: float
    rate_hz: float  # the rate the product streams at (bench_reps --matrix runs each profile at it)
    source: str

    @property
    def accel_noise_mps2_rthz(self) -> float:
        return self.accel_noise_ug_rthz * UG_MPS2

    @property
    def accel_clip_mps2(self) -> float:
        return self.accel_range_g * GRAVITY_MPS2


PROFILES: dict[str, SensorProfile] = {
    p.name: p
    for p in (
        # The simulator's historical model (kept bit-identical). LSM6DS3TR-C datasheet (DocID030071):
        # An 90 µg/√Hz and Rn 5 mdps/√Hz typical in high-performance mode; the model has always used the
        # more conservative 150 µg/√Hz and 10 mdps/√Hz (board, strap and the real part's spread), ±4 g
        # (0.122 mg/LSB), ±500 °/s (17.5 mdps/LSB), 104 Hz ODR as the firmware streams it.
        SensorProfile(
            name="reference",
            accel_noise_ug_rthz=150.0,
            gyro_noise_dps_rthz=0.01,
            gyro_bias_walk_dps_rts=0.002,  # assumption: not on the datasheet
            accel_bias_walk_mps2_rts=0.0,
            accel_bias_max_mps2=0.04,
            scale_error_max=0.01,
            accel_range_g=4.0,
            gyro_range_dps=500.0,
            accel_lsb_mps2=0.122e-3 * GRAVITY_MPS2,
            gyro_lsb_dps=17.5e-3,
            rate_hz=104.0,
            source="LSM6DS3TR-C datasheet DocID030071 (An, Rn, So, FS); densities set conservative (see above)",
        ),
        # WitMotion WT901 / BWT901 class: an MPU-9250 (InvenSense PS-MPU-9250A-01 rev 1.1, Table 2/3):
        # accelerometer noise power spectral density 300 µg/√Hz, gyro rate noise 0.01 °/s/√Hz, zero-g
        # initial tolerance ±60 mg (X/Y) before WitMotion's own calibration — ±20 mg residual assumed,
        # sensitivity ±3 %; ±16 g (2048 LSB/g) and ±2000 °/s (16.4 LSB/(°/s)) as WitMotion ships it;
        # streams at 50 Hz over BLE by default (WitMotion BWT901BLECL manual).
        SensorProfile(
            name="witmotion",
            accel_noise_ug_rthz=300.0,
            gyro_noise_dps_rthz=0.01,
            gyro_bias_walk_dps_rts=0.004,  # assumption: MPU-class Allan deviation, 2× the reference
            accel_bias_walk_mps2_rts=2e-4,  # assumption: ~0.3 mg drift over 10 min
            accel_bias_max_mps2=20e-3 * GRAVITY_MPS2,
            scale_error_max=0.03,
            accel_range_g=16.0,
            gyro_range_dps=2000.0,
            accel_lsb_mps2=GRAVITY_MPS2 / 2048.0,
            gyro_lsb_dps=1.0 / 16.4,
            rate_hz=50.0,
            source="InvenSense PS-MPU-9250A-01 rev 1.1 (noise, FS, sensitivity); WitMotion BWT901BLECL manual",
        ),
        # MbientLab MetaMotionR / C: a Bosch BMI160 (BST-BMI160-DS000, Table 1): accelerometer output noise
        # density 180 µg/√Hz, gyro 0.007 °/s/√Hz, zero-g offset ±40 mg (±15 mg residual after the fast
        # offset compensation MetaBase runs, assumed), sensitivity error ±1 %; ±4 g (8192 LSB/g),
        # ±500 °/s (65.6 LSB/(°/s)); MetaBase streams accelerometer and gyro at 100 Hz.
        SensorProfile(
            name="metamotion",
            accel_noise_ug_rthz=180.0,
            gyro_noise_dps_rthz=0.007,
            gyro_bias_walk_dps_rts=0.003,  # assumption: not on the datasheet
            accel_bias_walk_mps2_rts=1e-4,  # assumption
            accel_bias_max_mps2=15e-3 * GRAVITY_MPS2,
            scale_error_max=0.01,
            accel_range_g=4.0,
            gyro_range_dps=500.0,
            accel_lsb_mps2=GRAVITY_MPS2 / 8192.0,
            gyro_lsb_dps=1.0 / 65.6,
            rate_hz=100.0,
            source="Bosch BST-BMI160-DS000 (noise density, offset, FS); MbientLab MetaMotion streaming rates",
        ),
        # A noisy consumer MPU-6050 board (GY-521 class): the datasheet's 400 µg/√Hz (InvenSense
        # PS-MPU-6000A-00 rev 3.4, accelerometer noise power spectral density) is measured at ±2 g in a
        # quiet lab; cheap boards on a strap measure 400–580 µg/√Hz (issue 18): 500 µg/√Hz taken here.
        # Gyro 0.005 °/s/√Hz (datasheet), zero-g offset ±50 mg (±30 mg residual assumed), ±8 g
        # (4096 LSB/g), ±500 °/s (65.5 LSB/(°/s)), 100 Hz.
        SensorProfile(
            name="consumer-mpu",
            accel_noise_ug_rthz=500.0,
            gyro_noise_dps_rthz=0.005,
            gyro_bias_walk_dps_rts=0.006,  # assumption: 3× the reference (no temperature compensation)
            accel_bias_walk_mps2_rts=4e-4,  # assumption
            accel_bias_max_mps2=30e-3 * GRAVITY_MPS2,
            scale_error_max=0.03,
            accel_range_g=8.0,
            gyro_range_dps=500.0,
            accel_lsb_mps2=GRAVITY_MPS2 / 4096.0,
            gyro_lsb_dps=1.0 / 65.5,
            rate_hz=100.0,
            source="InvenSense PS-MPU-6000A-00 rev 3.4 (noise, FS); 400–580 µg/√Hz on consumer boards (issue 18)",
        ),
    )
}
PROFILE_NAMES: tuple[str, ...] = tuple(PROFILES)
DEFAULT_PROFILE = "reference"


def profile(name: str) -> SensorProfile:
    """The named profile; InputError naming the valid ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise InputError(f"unknown sensor profile {name!r}; valid profiles: {', '.join(PROFILE_NAMES)}") from None
