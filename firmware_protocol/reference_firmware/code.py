# dorsi reference firmware (CircuitPython 9.x) for the Seeed XIAO nRF52840 Sense.
#
# Streams the built-in LSM6DS3TR-C over BLE with dorsi sensor protocol v1.1
# (firmware_protocol/SPEC.md). Copy this file as code.py and dorsi_encoder.py
# next to it onto the CIRCUITPY drive; see firmware_protocol/README.md.
#
# How it runs: the IMU samples on its own clock into its FIFO; every POLL_MS the
# loop reads whatever the FIFO holds in one burst, counts every sample (the
# counter runs on across START/STOP and reconnections, so the app sees a lost
# stretch as a gap of the right size), and sends packets of at most BATCH_MAX_MS
# of samples. A pause of the loop (a slow BLE write, garbage collection) costs
# nothing: the FIFO holds 0.8 s at 416 Hz. Errors are caught and reported (ERROR
# messages on STATUS); after a disconnect the packet buffers are made anew.
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
import supervisor
from adafruit_ble import BLERadio
from adafruit_ble.advertising.standard import ProvideServicesAdvertisement, ServiceData, ServiceList
from adafruit_ble.attributes import Attribute
from adafruit_ble.characteristics import Characteristic, ComplexCharacteristic
from adafruit_ble.services import Service
from adafruit_ble.services.standard import BatteryService
from adafruit_ble.uuid import VendorUUID
from adafruit_lsm6ds.lsm6ds3trc import LSM6DS3TRC

FW_VERSION = (1, 1, 0)
SERVICE_UUID = "f744fe10-9713-424a-94ea-49d710097611"
DATA_UUID = "f744fe11-9713-424a-94ea-49d710097611"
CONTROL_UUID = "f744fe12-9713-424a-94ea-49d710097611"
STATUS_UUID = "f744fe13-9713-424a-94ea-49d710097611"

# (chip axis index, sign) for product X, Y, Z. Check it with README "axis check".
AXIS_MAP = ((0, 1), (1, 1), (2, 1))

POLL_MS = 10  # how often the FIFO is read (samples wait at most this long before they are packed)
CONNECTION_INTERVAL_MS = 7.5  # asked of the central (7.5 ms is BLE's minimum; Apple grants 15)
IMU_RETRIES = 3  # re-inits of the IMU after I2C errors before a reload
TICKS_MASK = (1 << 29) - 1  # supervisor.ticks_ms() wraps at 2**29

# LSM6DS3TR-C registers (datasheet §9) the library does not cover: the FIFO
FIFO_CTRL3, FIFO_CTRL5 = 0x08, 0x0A
FIFO_STATUS1, FIFO_DATA_OUT_L = 0x3A, 0x3E
FIFO_CONTINUOUS = 6
FIFO_WORDS_MAX = 2048
ODR_CODE = {52: 3, 104: 4, 208: 5, 416: 6}  # ODR_XL / ODR_G / ODR_FIFO codes
BURST_SAMPLES = 31  # samples read per I2C transfer (31 x 12 = 372 bytes)
BACKLOG_MAX_MS = 100  # a link slower than the rate: older samples are skipped (and counted), not queued
# datasheet sensitivities: mg/LSB per acc range, mdps/LSB per gyro range
ACC_MG_PER_LSB = {2: 0.061, 4: 0.122, 8: 0.244, 16: 0.488}
GYR_MDPS_PER_LSB = {125: 4.375, 250: 8.75, 500: 17.5, 1000: 35.0, 2000: 70.0}


class _PacketChar(ComplexCharacteristic):
    """A characteristic read and written through a _bleio.PacketBuffer (made anew per connection)."""

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
        return Channel(super().bind(service))


class Channel:
    """A PacketBuffer that can be replaced: CircuitPython keeps a buffer's in-flight state across
    a disconnect, so a notification in flight at the drop would block the buffer for good."""

    def __init__(self, characteristic):
        self.characteristic = characteristic
        self.buffer = _bleio.PacketBuffer(characteristic, buffer_size=8)

    def renew(self):
        self.buffer.deinit()
        self.buffer = _bleio.PacketBuffer(self.characteristic, buffer_size=8)

    def packet_length(self):
        """Bytes one notification may carry now, or 0 while the app is not subscribed."""
        try:
            return self.buffer.outgoing_packet_length or 0
        except ValueError:  # no subscription yet: CircuitPython cannot tell the MTU
            return 0


class DorsiService(Service):
    uuid = VendorUUID(SERVICE_UUID)
    data = _PacketChar(DATA_UUID, Characteristic.NOTIFY, enc.MAX_ATT_VALUE)
    control = _PacketChar(CONTROL_UUID, Characteristic.WRITE | Characteristic.WRITE_NO_RESPONSE, 20)
    status = _PacketChar(STATUS_UUID, Characteristic.READ | Characteristic.NOTIFY, 20)


class DorsiAdvertisement(ProvideServicesAdvertisement):
    """SPEC §1: the complete list of 128-bit service UUIDs (AD type 0x07) and the battery
    percentage as Battery Service data (AD type 0x16)."""

    services = ServiceList(standard_services=[0x03, 0x02], vendor_services=[0x07, 0x06])
    battery = ServiceData(BatteryService)


class Battery:
    """XIAO nRF52840: VBAT through a 1 MOhm / 510 kOhm divider, enabled by READ_BATT_ENABLE low."""

    def __init__(self):
        self.adc = None
        try:
            self.enable = digitalio.DigitalInOut(board.READ_BATT_ENABLE)
            self.enable.switch_to_output(False)
            self.adc = analogio.AnalogIn(board.VBATT)
        except (AttributeError, ValueError):
            pass

    def read(self):
        """(percent or 255, millivolts or 0): linear 3.3 V = 0 % ... 4.2 V = 100 % (LiPo, rough)."""
        if self.adc is None:
            return enc.BATTERY_UNKNOWN, 0
        mv = self.adc.value * 3300 // 65535 * 1510 // 510
        return max(0, min(100, (mv - 3300) * 100 // 900)), mv


class Imu:
    """The LSM6DS3TR-C: configured through adafruit_lsm6ds, its FIFO read in bursts."""

    def __init__(self):
        self.power = digitalio.DigitalInOut(board.IMU_PWR)
        self.power.switch_to_output(True)
        self.i2c = busio.I2C(board.IMU_SCL, board.IMU_SDA, frequency=400000)
        self.chip = None
        self.buf = bytearray(12 * BURST_SAMPLES)
        self.view = memoryview(self.buf)
        self.status = bytearray(2)
        self.reg = bytearray(1)
        self.rate_hz, self.acc_range_g, self.gyr_range_dps = 104, 4, 500

    def start(self, rate_hz, acc_range_g, gyr_range_dps):
        """(Re)start the IMU with this configuration; the FIFO begins empty."""
        self.rate_hz, self.acc_range_g, self.gyr_range_dps = rate_hz, acc_range_g, gyr_range_dps
        if self.chip is None:
            time.sleep(0.05)  # power-up
            self.chip = LSM6DS3TRC(self.i2c)
        chip = self.chip
        # the library creates its range constants in LSM6DS.__init__: read them only after it
        acc = {2: adafruit_lsm6ds.AccelRange.RANGE_2G, 4: adafruit_lsm6ds.AccelRange.RANGE_4G}
        acc[8], acc[16] = adafruit_lsm6ds.AccelRange.RANGE_8G, adafruit_lsm6ds.AccelRange.RANGE_16G
        gyr = {125: adafruit_lsm6ds.GyroRange.RANGE_125_DPS, 250: adafruit_lsm6ds.GyroRange.RANGE_250_DPS}
        gyr[500], gyr[1000] = adafruit_lsm6ds.GyroRange.RANGE_500_DPS, adafruit_lsm6ds.GyroRange.RANGE_1000_DPS
        gyr[2000] = adafruit_lsm6ds.GyroRange.RANGE_2000_DPS
        self._write(FIFO_CTRL5, 0)  # bypass: empties the FIFO
        chip.accelerometer_range = acc[acc_range_g]
        chip.gyro_range = gyr[gyr_range_dps]
        chip.accelerometer_data_rate = ODR_CODE[rate_hz]
        chip.gyro_data_rate = ODR_CODE[rate_hz]
        self._write(FIFO_CTRL3, 0x09)  # gyro and accelerometer in the FIFO, no decimation
        self._write(FIFO_CTRL5, ODR_CODE[rate_hz] << 3 | FIFO_CONTINUOUS)
        # chip LSB -> wire LSB (full scale / 32768)
        self.acc_k = ACC_MG_PER_LSB[acc_range_g] * 32.768 / acc_range_g
        self.gyr_k = GYR_MDPS_PER_LSB[gyr_range_dps] * 32.768 / gyr_range_dps

    def reset(self):
        """Power-cycle the IMU after an I2C error (its registers and FIFO are lost)."""
        self.chip = None
        self.power.value = False
        time.sleep(0.01)
        self.power.value = True

    def _write(self, reg, value):
        with self.chip.i2c_device as dev:
            dev.write(bytes((reg, value)))

    def available(self):
        """(whole samples in the FIFO, overrun flag)."""
        self.reg[0] = FIFO_STATUS1
        with self.chip.i2c_device as dev:
            dev.write_then_readinto(self.reg, self.status)
        words = self.status[0] | (self.status[1] & 0x07) << 8
        return words // 6, bool(self.status[1] & 0x40)

    def read_into(self, out, n):
        """Pop n (<= BURST_SAMPLES) samples; append each as six wire int16 in product axes."""
        self.reg[0] = FIFO_DATA_OUT_L
        with self.chip.i2c_device as dev:
            dev.write_then_readinto(self.reg, self.view[: 12 * n])
        for i in range(n):
            gx, gy, gz, ax, ay, az = struct.unpack_from("<6h", self.buf, 12 * i)
            out.append(_to_wire((ax, ay, az), (gx, gy, gz), self.acc_k, self.gyr_k))


def _to_wire(acc, gyr, acc_k, gyr_k):
    sample = []
    for chip, k in ((acc, acc_k), (gyr, gyr_k)):
        for axis, sign in AXIS_MAP:
            v = int(round(chip[axis] * k * sign))  # noqa: RUF046 - int on every Python
            sample.append(32767 if v > 32767 else (-32768 if v < -32768 else v))
    return sample


class Identify:
    def __init__(self):
        self.led = digitalio.DigitalInOut(board.LED_BLUE)
        self.led.switch_to_output(True)  # the XIAO LEDs are active-low: True = off
        self.left_ms = 0

    def start(self, seconds):
        self.left_ms = seconds * 1000

    def tick(self, elapsed_ms):
        """250 ms on, 250 ms off, starting on, until the time is up."""
        if self.left_ms <= 0:
            return
        self.left_ms -= elapsed_ms
        on = self.left_ms > 0 and (self.left_ms // 250) % 2 == 1
        if self.led.value == on:  # only touch the pin on a change
            self.led.value = not on


class Stream:
    """The sample counter and clock (SPEC §4), the batch being filled, and the streaming state.

    The counter counts every sample the IMU took, sent or not; t_us follows it on the IMU's
    clock. Both are anchored to the board's clock when the IMU (re)starts, so they run on
    across reconnections, START/STOP, a re-init of the IMU and even a reload."""

    def __init__(self, imu, service):
        self.imu, self.service = imu, service
        self.streaming = False
        self.batch = []
        self.batch_seq = 0
        self.counter = 0  # counter of the next sample out of the FIFO
        self.epoch = (0, 0)  # (counter, t_us) where the IMU's clock was last anchored
        self.read_ms = 0  # supervisor.ticks_ms() of the last FIFO read

    def t_us(self, counter):
        c0, t0 = self.epoch
        return t0 + (counter - c0) * 1000000 // self.imu.rate_hz

    def restart_imu(self, rate_hz, acc_range_g, gyr_range_dps):
        self.flush()
        t_next = self.t_us(self.counter)
        self.imu.start(rate_hz, acc_range_g, gyr_range_dps)
        t0 = max(time.monotonic_ns() // 1000, t_next)
        self.counter = max(t0 * rate_hz // 1000000, self.counter)
        self.epoch = (self.counter, t0)
        self.read_ms = supervisor.ticks_ms()

    def pump(self):
        """Read the FIFO dry: pack and send while streaming to a subscriber, else only count."""
        imu = self.imu
        n, overrun = imu.available()
        now = supervisor.ticks_ms()
        if overrun:  # the FIFO overwrote samples while the loop was away: count them lost
            self.flush()
            lost = max(0, ((now - self.read_ms) & TICKS_MASK) * imu.rate_hz // 1000 - n)
            self.counter += lost
            self._status(enc.encode_error(enc.ERR_OVERRUN, lost))
        self.read_ms = now
        per_packet = self._per_packet() if self.streaming else 0
        if not per_packet:
            self.batch = []  # nobody to send to: the samples are counted, not kept
        skip = n - imu.rate_hz * BACKLOG_MAX_MS // 1000
        if per_packet and skip > 0:  # the link cannot carry the rate: skip the oldest, say how many
            self.flush()
            n -= skip
            self._status(enc.encode_error(enc.ERR_OVERRUN, skip))
            while skip > 0:
                take = min(skip, BURST_SAMPLES)
                imu.read_into([], take)
                self.counter += take
                skip -= take
        while n > 0:
            take = min(n, BURST_SAMPLES)
            n -= take
            if not self.batch:
                self.batch_seq = self.counter
            imu.read_into(self.batch, take)
            self.counter += take
            if not per_packet:
                self.batch = []
            while per_packet and len(self.batch) >= per_packet:
                self._send(per_packet)

    def _per_packet(self):
        length = self.service.data.packet_length()
        return enc.samples_per_packet(self.imu.rate_hz, length + 3) if length else 0

    def _send(self, n):
        imu = self.imu
        head, self.batch = self.batch[:n], self.batch[n:]
        packet = enc.encode_samples_packet(
            self.batch_seq, self.t_us(self.batch_seq), imu.rate_hz, imu.acc_range_g, imu.gyr_range_dps, head
        )
        self.batch_seq += n
        self.service.data.buffer.write(packet)

    def flush(self):
        """Send the partial batch (never drop it); without a subscription it is lost, and counted."""
        if self.batch and self.service.data.packet_length():
            self._send(len(self.batch))
        self.batch = []

    def _status(self, message):
        if self.service.status.packet_length():
            self.service.status.buffer.write(message)


def handle(data, stream, battery, ident):
    """One CONTROL write -> one RESPONSE on STATUS (SPEC §6)."""
    imu = stream.imu
    result, opcode, token, args = enc.parse_command(data)
    payload = b""
    if result == enc.RESULT_OK:
        if opcode == enc.OP_START:
            stream.streaming = True
        elif opcode == enc.OP_STOP:
            stream.flush()
            stream.streaming = False
        elif opcode in (enc.OP_SET_RATE, enc.OP_SET_RANGES) and stream.streaming:
            result = enc.RESULT_BUSY
        elif opcode == enc.OP_SET_RATE and args[0] != imu.rate_hz:
            stream.restart_imu(args[0], imu.acc_range_g, imu.gyr_range_dps)
        elif opcode == enc.OP_SET_RANGES and (args[0], args[1]) != (imu.acc_range_g, imu.gyr_range_dps):
            stream.restart_imu(imu.rate_hz, args[0], args[1])  # (the same configuration: nothing to restart)
        elif opcode == enc.OP_IDENTIFY:
            ident.start(args[0])
        elif opcode == enc.OP_GET_BATTERY:
            payload = enc.battery_payload(*battery.read())
        elif opcode == enc.OP_GET_VERSION:
            payload = enc.version_payload(*FW_VERSION)
        elif opcode == enc.OP_GET_STATUS:
            state = enc.STATE_STREAMING if stream.streaming else enc.STATE_IDLE
            pct = battery.read()[0]
            payload = enc.encode_status(state, imu.rate_hz, imu.acc_range_g, imu.gyr_range_dps, pct)[1:]
    stream._status(enc.encode_response(token, opcode, result, payload))


def connected_loop(radio, service, stream, battery, ident):
    """Serve one connection until it drops."""
    for connection in radio.connections:
        connection.connection_interval = CONNECTION_INTERVAL_MS
    cmd = bytearray(20)
    imu_errors = 0
    last = supervisor.ticks_ms()
    next_ms = last
    while radio.connected:
        n = service.control.buffer.readinto(cmd)
        try:
            if n > 0:
                handle(bytes(cmd[:n]), stream, battery, ident)
            stream.pump()
            imu_errors = 0
        except ConnectionError:  # the link dropped during a write
            break
        except OSError as err:  # I2C: report it, power-cycle the IMU, carry on where the clock says
            imu_errors += 1
            print("dorsi: IMU error", err)
            stream.batch = []
            stream._status(enc.encode_error(enc.ERR_IMU, imu_errors))
            if imu_errors > IMU_RETRIES:
                raise
            stream.imu.reset()
            stream.restart_imu(stream.imu.rate_hz, stream.imu.acc_range_g, stream.imu.gyr_range_dps)
        now = supervisor.ticks_ms()
        ident.tick((now - last) & TICKS_MASK)
        last = now
        next_ms = (next_ms + POLL_MS) & TICKS_MASK
        wait = (next_ms - now) & TICKS_MASK
        if wait > POLL_MS:  # fell behind (a long write): start the schedule again from now
            next_ms, wait = now, 0
        time.sleep(wait / 1000)
    stream.flush()
    stream.streaming = False
    for channel in (service.data, service.control, service.status):
        channel.renew()


def main():
    radio = BLERadio()
    radio.name = "dorsi-" + "".join("%02X" % b for b in radio.address_bytes[1::-1])  # noqa: UP031
    service = DorsiService()
    battery_service = BatteryService()
    battery = Battery()
    ident = Identify()
    stream = Stream(Imu(), service)
    stream.restart_imu(104, 4, 500)
    print("dorsi", "%d.%d.%d" % FW_VERSION, "running as", radio.name)  # noqa: UP031
    while True:
        pct = battery.read()[0]
        battery_service.level = min(pct, 100)
        advert = DorsiAdvertisement(service)
        advert.battery = bytearray((pct,))
        radio.start_advertising(advert)  # the name goes in the scan response
        print("dorsi: advertising, battery", pct, "%")
        while not radio.connected:
            stream.pump()  # keep counting: the counter runs on while nobody listens
            ident.tick(100)
            time.sleep(0.1)
        print("dorsi: connected")
        connected_loop(radio, service, stream, battery, ident)
        print("dorsi: disconnected")


try:
    main()
except Exception as err:  # anything unforeseen: say it on the serial console, then start afresh
    print("dorsi: fatal error:", repr(err))
    time.sleep(1)
    supervisor.reload()
