# dorsi reference firmware (CircuitPython 9) for the Seeed XIAO nRF52840 Sense.
#
# Streams the built-in LSM6DS3TR-C over BLE with dorsi sensor protocol v1
# (firmware_protocol/SPEC.md). Copy this file as code.py and dorsi_encoder.py
# next to it onto the CIRCUITPY drive; see firmware_protocol/README.md.
#
# Mounting (SPEC §5): board flat on the front of the shin, IMU/component side
# away from the skin, USB-C connector pointing up toward the knee. AXIS_MAP
# turns chip axes into product axes (+Y toward the knee, +Z out of the skin).

import struct
import time

import _bleio
import adafruit_lsm6ds
import analogio
import board
import busio
import digitalio
import dorsi_encoder as enc
from adafruit_ble import BLERadio
from adafruit_ble.advertising.standard import ProvideServicesAdvertisement
from adafruit_ble.attributes import Attribute
from adafruit_ble.characteristics import Characteristic, ComplexCharacteristic
from adafruit_ble.services import Service
from adafruit_ble.uuid import VendorUUID
from adafruit_lsm6ds.lsm6ds3trc import LSM6DS3TRC

FW_VERSION = (1, 0, 0)
SERVICE_UUID = "f744fe10-9713-424a-94ea-49d710097611"
DATA_UUID = "f744fe11-9713-424a-94ea-49d710097611"
CONTROL_UUID = "f744fe12-9713-424a-94ea-49d710097611"
STATUS_UUID = "f744fe13-9713-424a-94ea-49d710097611"

# (chip axis index, sign) for product X, Y, Z. Check it with README "axis check".
AXIS_MAP = ((0, 1), (1, 1), (2, 1))

# LSM6DS3TR-C datasheet sensitivities: mg/LSB per acc range, mdps/LSB per gyro range
ACC_MG_PER_LSB = {2: 0.061, 4: 0.122, 8: 0.244, 16: 0.488}
GYR_MDPS_PER_LSB = {125: 4.375, 250: 8.75, 500: 17.5, 1000: 35.0, 2000: 70.0}
ACC_RANGE_CONST = {
    2: adafruit_lsm6ds.AccelRange.RANGE_2G,
    4: adafruit_lsm6ds.AccelRange.RANGE_4G,
    8: adafruit_lsm6ds.AccelRange.RANGE_8G,
    16: adafruit_lsm6ds.AccelRange.RANGE_16G,
}
GYR_RANGE_CONST = {
    125: adafruit_lsm6ds.GyroRange.RANGE_125_DPS,
    250: adafruit_lsm6ds.GyroRange.RANGE_250_DPS,
    500: adafruit_lsm6ds.GyroRange.RANGE_500_DPS,
    1000: adafruit_lsm6ds.GyroRange.RANGE_1000_DPS,
    2000: adafruit_lsm6ds.GyroRange.RANGE_2000_DPS,
}
# the sensor runs one step above the stream rate so a fresh sample is always ready
ODR_CONST = {
    52: adafruit_lsm6ds.Rate.RATE_104_HZ,
    104: adafruit_lsm6ds.Rate.RATE_208_HZ,
    208: adafruit_lsm6ds.Rate.RATE_416_HZ,
    416: adafruit_lsm6ds.Rate.RATE_833_HZ,
}
OUTX_L_G = 0x22  # gyro x,y,z then accel x,y,z: 12 bytes in one read


class _PacketChar(ComplexCharacteristic):
    """A characteristic bound to a _bleio.PacketBuffer (whole writes in, notifications out)."""

    def __init__(self, uuid, properties, max_length):
        super().__init__(
            uuid=VendorUUID(uuid),
            properties=properties,
            read_perm=Attribute.OPEN,
            write_perm=Attribute.OPEN,
            max_length=max_length,
            fixed_length=False,
        )

    def bind(self, service):
        return _bleio.PacketBuffer(super().bind(service), buffer_size=8)


class DorsiService(Service):
    uuid = VendorUUID(SERVICE_UUID)
    data = _PacketChar(DATA_UUID, Characteristic.NOTIFY, enc.MAX_ATT_VALUE)
    control = _PacketChar(CONTROL_UUID, Characteristic.WRITE | Characteristic.WRITE_NO_RESPONSE, 20)
    status = _PacketChar(STATUS_UUID, Characteristic.READ | Characteristic.NOTIFY, 20)


class Battery:
    """XIAO nRF52840: VBAT through a 1 MΩ / 510 kΩ divider on P0.31, enabled by P0.14 low."""

    def __init__(self):
        self.adc = None
        try:
            self.enable = digitalio.DigitalInOut(board.READ_BATT_ENABLE)
            self.enable.switch_to_output(False)
            self.adc = analogio.AnalogIn(board.VBATT)
        except (AttributeError, ValueError):
            pass

    def read(self):
        """(percent or 255, millivolts or 0): linear 3.3 V = 0 % … 4.2 V = 100 % (LiPo, rough)."""
        if self.adc is None:
            return enc.BATTERY_UNKNOWN, 0
        mv = int(self.adc.value * 3300 / 65535 * 1510 / 510)
        pct = max(0, min(100, (mv - 3300) * 100 // 900))
        return pct, mv


class Sensor:
    def __init__(self):
        power = digitalio.DigitalInOut(board.IMU_PWR)
        power.switch_to_output(True)
        time.sleep(0.05)
        self.imu = LSM6DS3TRC(busio.I2C(board.IMU_SCL, board.IMU_SDA, frequency=400000))
        self.buf = bytearray(12)
        self.configure(104, 4, 500)

    def configure(self, rate_hz, acc_range_g, gyr_range_dps):
        self.rate_hz, self.acc_range_g, self.gyr_range_dps = rate_hz, acc_range_g, gyr_range_dps
        self.imu.accelerometer_range = ACC_RANGE_CONST[acc_range_g]
        self.imu.gyro_range = GYR_RANGE_CONST[gyr_range_dps]
        self.imu.accelerometer_data_rate = ODR_CONST[rate_hz]
        self.imu.gyro_data_rate = ODR_CONST[rate_hz]
        # chip LSB → wire LSB (full scale / 32768)
        self.acc_k = ACC_MG_PER_LSB[acc_range_g] * 32.768 / acc_range_g
        self.gyr_k = GYR_MDPS_PER_LSB[gyr_range_dps] * 32.768 / gyr_range_dps

    def read(self):
        """One sample as six wire int16 values in product axes."""
        with self.imu.i2c_device as i2c:
            i2c.write_then_readinto(bytes((OUTX_L_G,)), self.buf)
        gx, gy, gz, ax, ay, az = struct.unpack("<6h", self.buf)
        acc, gyr = (ax, ay, az), (gx, gy, gz)
        out = []
        for chip, k in ((acc, self.acc_k), (gyr, self.gyr_k)):
            for axis, sign in AXIS_MAP:
                v = int(round(chip[axis] * k * sign))  # noqa: RUF046 - int on every Python
                out.append(32767 if v > 32767 else (-32768 if v < -32768 else v))
        return out


class Identify:
    def __init__(self):
        self.led = digitalio.DigitalInOut(board.LED_BLUE)
        self.led.switch_to_output(True)  # the XIAO LEDs are active-low: True = off
        self.until_ns = 0

    def start(self, seconds):
        self.until_ns = time.monotonic_ns() + seconds * 1_000_000_000

    def tick(self, now_ns):
        on = now_ns < self.until_ns and (now_ns // 250_000_000) % 2 == 0
        self.led.value = not on


def main():
    radio = BLERadio()
    radio.name = "dorsi-" + "".join("%02X" % b for b in radio.address_bytes[1::-1])  # noqa: UP031
    service = DorsiService()
    advert = ProvideServicesAdvertisement(service)
    sensor = Sensor()
    battery = Battery()
    ident = Identify()
    cmd = bytearray(20)
    while True:
        radio.start_advertising(advert)  # name goes in the scan response
        while not radio.connected:
            ident.tick(time.monotonic_ns())
        radio.stop_advertising()
        streaming = False
        counter = 0
        batch = []
        batch_seq = batch_t_us = 0
        next_ns = 0
        period_ns = 0
        while radio.connected:
            now = time.monotonic_ns()
            ident.tick(now)
            n = service.control.readinto(cmd)
            if n:
                streaming, counter, next_ns, period_ns = handle(
                    bytes(cmd[:n]), service, sensor, battery, ident, streaming, counter, next_ns, period_ns
                )
                batch = []
            if not streaming or now < next_ns:
                continue
            late = (now - next_ns) // period_ns
            if late:  # the loop fell behind: skip the missed slots, the app counts them lost
                counter += late
                next_ns += late * period_ns
                batch = []
                service.status.write(enc.encode_error(enc.ERR_OVERRUN, late))
            if not batch:
                batch_seq, batch_t_us = counter, now // 1000
            batch.append(sensor.read())
            counter += 1
            next_ns += period_ns
            size = service.data.outgoing_packet_length or 20
            if len(batch) >= enc.max_samples_for_mtu(size + 3):
                service.data.write(
                    enc.encode_samples_packet(
                        batch_seq, batch_t_us, sensor.rate_hz, sensor.acc_range_g, sensor.gyr_range_dps, batch
                    )
                )
                batch = []


def handle(data, service, sensor, battery, ident, streaming, counter, next_ns, period_ns):
    result, opcode, token, args = enc.parse_command(data)
    payload = b""
    if result == enc.RESULT_OK:
        if opcode == enc.OP_START:
            streaming, counter = True, 0
            period_ns = 1_000_000_000 // sensor.rate_hz
            next_ns = time.monotonic_ns()
        elif opcode == enc.OP_STOP:
            streaming = False
        # (START/STOP are answered by the response; the app reads STATUS when it wants the state)
        elif opcode in (enc.OP_SET_RATE, enc.OP_SET_RANGES) and streaming:
            result = enc.RESULT_BUSY
        elif opcode == enc.OP_SET_RATE:
            sensor.configure(args[0], sensor.acc_range_g, sensor.gyr_range_dps)
        elif opcode == enc.OP_SET_RANGES:
            sensor.configure(sensor.rate_hz, args[0], args[1])
        elif opcode == enc.OP_IDENTIFY:
            ident.start(args[0])
        elif opcode == enc.OP_GET_BATTERY:
            payload = enc.battery_payload(*battery.read())
        elif opcode == enc.OP_GET_VERSION:
            payload = enc.version_payload(*FW_VERSION)
    if opcode == enc.OP_GET_STATUS and result == enc.RESULT_OK:
        state = enc.STATE_STREAMING if streaming else enc.STATE_IDLE
        status = enc.encode_status(state, sensor.rate_hz, sensor.acc_range_g, sensor.gyr_range_dps, battery.read()[0])
        payload = status[1:]
    service.status.write(enc.encode_response(token, opcode, result, payload))
    return streaming, counter, next_ns, period_ns


main()
