"""An LSM6DS3TR-C as the reference firmware and adafruit_lsm6ds see it over I²C.

The register map is the datasheet's (ST DocID030071): WHO_AM_I 0x0F = 0x6A, CTRL1_XL /
CTRL2_G (ODR in bits 7..4, full scale in bits 3..2, FS_125 in bit 1 of CTRL2_G), CTRL3_C
(SW_RESET bit 0, IF_INC bit 2, BDU bit 6), the output registers from OUTX_L_G (0x22, gyro
then accelerometer, 12 bytes) and the FIFO: FIFO_CTRL1..5 (0x06..0x0A; ODR_FIFO in bits
6..3 and FIFO_MODE in bits 2..0 of FIFO_CTRL5, 6 = continuous), FIFO_STATUS1..4
(0x3A..0x3D: unread words, OVER_RUN, FIFO_EMPTY, pattern) and FIFO_DATA_OUT (0x3E, one
16-bit word per read, the address rolling back so a burst read pops consecutive words).
The FIFO holds 2048 words; with gyro and accelerometer both stored, a sample is six
words, gyro first. Continuous mode overwrites the oldest sample when full (OVER_RUN).

Samples are taken on the chip's own clock: slot k of a run at ``start + k / odr``, where
the ODR may be off its nominal value by ``odr_error`` (the oscillator's tolerance).
Values come from a ``SampleFeed`` in product axes (the firmware's AXIS_MAP is the
identity for the reference mounting). With ``tag_slots`` the gyro Z word carries the
chip's running sample number instead, so a test can tell which samples reached the app.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable

import numpy as np

from dorsi.motion.types import GRAVITY_MPS2
from dorsi.virtual.ble.feed import SampleFeed

ADDRESS = 0x6A
CHIP_ID = 0x6A
WHO_AM_I = 0x0F
FIFO_CTRL1, FIFO_CTRL5 = 0x06, 0x0A
CTRL1_XL, CTRL2_G, CTRL3_C = 0x10, 0x11, 0x12
OUTX_L_G = 0x22
FIFO_STATUS1, FIFO_STATUS2, FIFO_STATUS3, FIFO_STATUS4 = 0x3A, 0x3B, 0x3C, 0x3D
FIFO_DATA_OUT_L = 0x3E
FIFO_WORDS = 2048
FIFO_CONTINUOUS = 6
ODR_HZ = {1: 12.5, 2: 26.0, 3: 52.0, 4: 104.0, 5: 208.0, 6: 416.0, 7: 833.0, 8: 1666.0, 9: 3332.0, 10: 6664.0}
ACC_MG_PER_LSB = {0: 0.061, 1: 0.488, 2: 0.122, 3: 0.244}  # FS_XL code: ±2, ±16, ±4, ±8 g
GYR_MDPS_PER_LSB = {0: 8.75, 1: 17.5, 2: 35.0, 3: 70.0}  # FS_G code: 250, 500, 1000, 2000 °/s
GYR_125_MDPS_PER_LSB = 4.375
TAG_MODULO = 28000  # tagged slot numbers stay inside ±500 °/s


def tagged_slots(gyr_z_dps: np.ndarray) -> np.ndarray:
    """The chip's sample number carried in gyro Z (``tag_slots``), back from the app's °/s at the
    ±500 °/s range the app configures (one chip LSB = 17.5 mdps)."""
    return np.round(np.asarray(gyr_z_dps) / (GYR_MDPS_PER_LSB[1] / 1000.0)).astype(np.int64) % TAG_MODULO


class Lsm6ds3trc:
    """The chip's registers and FIFO; every access first catches up on the samples due."""

    def __init__(
        self, feed: SampleFeed, clock: Callable[[], float], *, odr_error: float = 0.0, tag_slots: bool = False
    ) -> None:
        self.feed = feed
        self.clock = clock
        self.odr_error = odr_error
        self.tag_slots = tag_slots
        self.lock = threading.Lock()
        self.powered = False
        self.slot = 0  # samples taken since power-on (over every run)
        self.taken_s: list[float] = []  # clock time at which each slot was sampled (index = slot)
        self._reset()

    def _reset(self) -> None:
        self.regs = bytearray(0x80)
        self.regs[WHO_AM_I] = CHIP_ID
        self.regs[CTRL3_C] = 0x04  # IF_INC
        self.fifo: deque[int] = deque()  # 16-bit words
        self._words_popped = 0
        self._over_run = False
        self._latest = bytes(12)
        self._run_start_s: float | None = None
        self._run_odr_hz = 0.0
        self._run_taken = 0

    def power(self, on: bool) -> None:
        with self.lock:
            if on and not self.powered:
                self._reset()
            self.powered = on

    # --- bus side ------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """One I²C write: register address, then values (auto-increment)."""
        with self.lock:
            self._advance()
            if not data:
                return
            reg = data[0]
            for i, value in enumerate(data[1:]):
                self._write_reg(reg + i, value)

    def read(self, reg: int, n: int) -> bytes:
        with self.lock:
            self._advance()
            if reg == FIFO_DATA_OUT_L:
                return self._pop(n)
            out = bytearray(n)
            for i in range(n):
                out[i] = self._read_reg(reg + i)
            return bytes(out)

    # --- registers -------------------------------------------------------------
    def _write_reg(self, reg: int, value: int) -> None:
        if reg == CTRL3_C and value & 0x01:  # SW_RESET: registers to defaults, bit clears itself
            self._reset()  # (the running sample number and the record of when they were taken stay)
            return
        self.regs[reg & 0x7F] = value
        if reg in (CTRL1_XL, CTRL2_G, FIFO_CTRL5):
            self._restart_run()

    def _read_reg(self, reg: int) -> int:
        words = len(self.fifo)
        if reg == FIFO_STATUS1:
            return words & 0xFF
        if reg == FIFO_STATUS2:
            return (words >> 8) & 0x07 | (0x40 if self._over_run else 0) | (0x10 if words == 0 else 0)
        if reg == FIFO_STATUS3:
            return self._words_popped % 6
        if reg == FIFO_STATUS4:
            return 0
        if OUTX_L_G <= reg < OUTX_L_G + 12:
            return self._latest[reg - OUTX_L_G]
        return self.regs[reg & 0x7F]

    def _odr_hz(self) -> float:
        xl, g = self.regs[CTRL1_XL] >> 4, self.regs[CTRL2_G] >> 4
        if not xl or not g or xl != g:  # the data path samples both at one ODR here
            return 0.0
        return ODR_HZ.get(xl, 0.0)

    def _fifo_on(self) -> bool:
        ctrl5 = self.regs[FIFO_CTRL5]
        return ctrl5 & 0x07 == FIFO_CONTINUOUS and (ctrl5 >> 3) & 0x0F == self.regs[CTRL1_XL] >> 4

    def _restart_run(self) -> None:
        odr = self._odr_hz()
        self._run_start_s = self.clock() if odr else None
        self._run_odr_hz = odr * (1.0 + self.odr_error)
        self._run_taken = 0

    # --- sampling ----------------------------------------------------------------
    def _advance(self) -> None:
        """Take every sample due by now: latest output registers and, in continuous mode, the FIFO."""
        if self._run_start_s is None:
            return
        due = math.floor((self.clock() - self._run_start_s) * self._run_odr_hz)
        n = due - self._run_taken
        if n <= 0:
            return
        k = np.arange(self._run_taken + 1, due + 1)
        self._run_taken = due
        times_s = self._run_start_s + k / self._run_odr_hz
        self.taken_s.extend(times_s.tolist())
        raw = self._raw(times_s, self.slot + np.arange(n))
        fifo = self._fifo_on()
        for row in raw.tolist():
            if fifo:
                if len(self.fifo) + 6 > FIFO_WORDS:
                    for _ in range(6 - self._words_popped % 6 if self._words_popped % 6 else 6):
                        self.fifo.popleft()
                    self._words_popped = 0
                    self._over_run = True
                self.fifo.extend(row)
            self.slot += 1
        last = raw[-1]
        self._latest = np.asarray(last, dtype="<i2").tobytes()

    def _raw(self, times_s: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """(n, 6) int16 chip words: gx gy gz ax ay az at the full scales set in CTRL1_XL / CTRL2_G."""
        acc_mps2, gyr_dps = self.feed.at(times_s)
        ctrl2 = self.regs[CTRL2_G]
        mdps = GYR_125_MDPS_PER_LSB if ctrl2 & 0x02 else GYR_MDPS_PER_LSB[(ctrl2 >> 2) & 0x03]
        mg = ACC_MG_PER_LSB[(self.regs[CTRL1_XL] >> 2) & 0x03]
        gyr = np.round(gyr_dps / (mdps / 1000.0))
        acc = np.round(acc_mps2 / GRAVITY_MPS2 / (mg / 1000.0))
        if self.tag_slots:
            gyr[:, 2] = slots % TAG_MODULO
        return np.clip(np.hstack([gyr, acc]), -32768, 32767).astype(np.int64)

    def _pop(self, n: int) -> bytes:
        out = bytearray(n)
        for i in range(0, n - 1, 2):
            if not self.fifo:
                break  # an empty FIFO reads as zeros
            word = self.fifo.popleft() & 0xFFFF
            out[i], out[i + 1] = word & 0xFF, word >> 8
            self._words_popped += 1
            self._over_run = False
        return bytes(out)
