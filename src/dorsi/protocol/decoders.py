"""Stream decoders: received notifications (host time, bytes) → ordered samples on the host clock.

Pure (no radio): the BLE layer's notify callback only timestamps and enqueues, and
its consumer feeds these. Every kind ends in the same stage, the protocol's
``Timeline`` (order, duplicates, gaps, drift-corrected host times):
- ours (protocol v1) carries a sample counter and a sensor clock;
- WitMotion and MetaMotion carry neither: ``ArrivalClock`` numbers their samples on
  arrival at the configured rate, the Timeline's drift fit corrects that rate against
  the arrival times, and a notification arriving far later than the fitted clock
  expects (a dropped link, a stall) counts the samples it missed.
Bytes that do not decode are counted as garbage and dropped, never raised.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from dorsi.motion.types import F64, Gap
from dorsi.protocol import dorsi_v1, metamotion, witmotion
from dorsi.protocol.dorsi_v1 import Packet
from dorsi.protocol.errors import DecodeError
from dorsi.protocol.timeline import Timeline, TimelineOutput, TimelineParams

LATE_GAP_MIN_S = 0.5  # counterless sensors: arriving this much later than expected, and staying so, is a hole
LATE_CONFIRM_S = 0.5  # a late arrival's successors are watched until their lateness stops shrinking this long
LATE_HOLD_MAX_S = 5.0  # … but no longer than this (the live view waits meanwhile)
COUNTERLESS_MAX_SKEW = 0.02  # their rates are only roughly nominal (a WitMotion 0.8 % off is common)
Arrival = tuple[float, bytes]  # (host receive time s, payload)


@dataclass
class DecodeStats:
    notifications: int = 0
    samples: int = 0
    garbage: int = 0  # notifications that did not decode
    lost_samples: int = 0
    duplicated: int = 0  # packets received twice (dropped)
    reordered: int = 0  # packets received late but put back in order
    late_dropped: int = 0  # packets too late to put back (dropped)
    time_steps_back: int = 0  # host-time mapping stepped back across chunks (held monotonic)
    before_start: int = 0  # samples sent before the start handshake finished (dropped; counterless only)
    unpaired: int = 0  # MetaMotion: accelerometer or gyroscope samples whose partner never came
    gaps: list[Gap] = field(default_factory=list)
    last_garbage: str = ""


@dataclass(frozen=True)
class Decoded:
    """What one decode step produced: samples (columns), and gaps found before them."""

    time_s: F64
    acc_mps2: F64
    gyr_dps: F64
    counter: NDArray[np.int64]
    gaps: tuple[Gap, ...] = ()


class StreamDecoder(ABC):
    """Stateful: feed received notifications in arrival order; one per sensor stream."""

    def __init__(self, rate_hz: int, params: TimelineParams) -> None:
        self.rate_hz = rate_hz
        self.stats = DecodeStats()
        self.timeline = Timeline(params)
        self._last_time_s: float | None = None

    @abstractmethod
    def _arrivals(self, items: list[Arrival]) -> list[tuple[Packet, float]]:
        """Notifications → timeline packets with their receive times (garbage counted, skipped)."""

    def feed(self, items: list[Arrival]) -> Decoded | None:
        """Notifications (host receive time s, payload) → samples now in order, or None."""
        arrivals = self._arrivals(items)
        return self._decoded(self.timeline.update(arrivals)) if arrivals else None

    def started(self) -> None:  # noqa: B027 (a hook: most kinds need nothing)
        """The sensor's start handshake finished (after every connection)."""

    def link_lost(self) -> Decoded | None:
        """The link dropped: release what is held back (nothing will fill the hole)."""
        return self._decoded(self.timeline.flush())

    def _garbage(self, exc: DecodeError) -> None:
        self.stats.garbage += 1
        self.stats.last_garbage = str(exc)

    def _decoded(self, out: TimelineOutput) -> Decoded | None:
        ts = self.timeline.stats
        st = self.stats
        st.samples += len(out)
        st.lost_samples, st.duplicated = ts.lost_samples, ts.duplicated
        st.reordered, st.late_dropped = ts.reordered, ts.late_dropped
        st.gaps.extend(out.gaps)
        if not len(out):
            return None
        c = out.chunk
        return Decoded(self._monotonic(c.time_s), c.acc_mps2, c.gyr_dps, out.sample_index, tuple(out.gaps))

    def _monotonic(self, time_s: F64) -> F64:
        """Guard: consumers (pipeline, raw CSV) need strictly increasing times. If the
        timeline's host mapping steps back across chunks, hold times just above the last
        one until they catch up, and count it."""
        floor_s = self._last_time_s + 1e-6 if self._last_time_s is not None else -np.inf
        # y_k = max(t_k, y_{k-1} + 1 µs), also within the chunk
        step_s = np.arange(len(time_s)) * 1e-6
        lifted = np.maximum.accumulate(np.maximum(time_s - step_s, floor_s)) + step_s
        if np.any(lifted != time_s):
            self.stats.time_steps_back += 1
        self._last_time_s = float(lifted[-1])
        return lifted


class DorsiDecoder(StreamDecoder):
    """Protocol v1 packets → samples in counter order.

    ``reorder_depth`` packets are held back so a late packet can be put back in
    place; each adds one packet of latency (up to 50 ms with protocol 1.1's batches;
    4.8 ms at 208 Hz with one sample per packet)."""

    def __init__(self, rate_hz: int = 208, acc_range_g: int = 4, gyr_range_dps: int = 500, reorder_depth: int = 1):
        super().__init__(rate_hz, TimelineParams(reorder_depth=reorder_depth))

    def _arrivals(self, items: list[Arrival]) -> list[tuple[Packet, float]]:
        arrivals: list[tuple[Packet, float]] = []
        for host_s, data in items:
            self.stats.notifications += 1
            try:
                arrivals.extend((packet, host_s) for packet in dorsi_v1.decode_notification(data))
            except DecodeError as exc:
                self._garbage(exc)
        if arrivals:
            self.rate_hz = arrivals[-1][0].rate_hz  # the packets say what the sensor really runs at
        return arrivals


class ArrivalClock:
    """Numbers the samples of a sensor that sends neither counter nor clock, at its configured
    rate, so the Timeline can place them (the Timeline's drift fit then corrects that rate
    against arrival). ``skip(n)`` accounts for samples known to be missing."""

    def __init__(self, rate_hz: int, acc_range_g: int, gyr_range_dps: int) -> None:
        if rate_hz <= 0:
            raise DecodeError(f"a sensor rate must be positive, not {rate_hz}")
        self.rate_hz = rate_hz
        self.acc_range_g = acc_range_g
        self.gyr_range_dps = gyr_range_dps
        self.frames = 0

    def skip(self, n: int) -> None:
        self.frames += n

    def packet(self, raw: NDArray[np.int16]) -> Packet:
        """(n, 6) int16 samples in product axes at range / 32768 → the next Packet."""
        start = self.frames
        self.frames += len(raw)
        t_us = round(start * 1e6 / self.rate_hz)
        return Packet(start % 65536, t_us % (1 << 32), self.rate_hz, self.acc_range_g, self.gyr_range_dps, raw)


class CounterlessDecoder(StreamDecoder):
    """Samples numbered on arrival (ArrivalClock); nothing before the start handshake finished.

    Such a sensor may stream before it is configured (a WitMotion at its power-on
    10 Hz): those samples are dropped and counted, not numbered at the wrong rate.
    A notification arriving more than ``LATE_GAP_MIN_S`` later than the fitted clock
    expects is held with its successors until their lateness has stopped shrinking for
    ``LATE_CONFIRM_S``: a burst that was only delayed catches up (no hole), a hole stays
    late, and the smallest lateness is the time the lost samples would have taken."""

    def __init__(self, rate_hz: int, acc_range_g: int, gyr_range_dps: int, reorder_depth: int = 0) -> None:
        # numbered on arrival, so never out of order: nothing to reorder
        super().__init__(rate_hz, TimelineParams(reorder_depth=0, max_skew=COUNTERLESS_MAX_SKEW))
        self.clock = ArrivalClock(rate_hz, acc_range_g, gyr_range_dps)
        self._accepting = False
        self._late: list[tuple[float, NDArray[np.int16]]] = []  # held since a late arrival
        self._least_late = (np.inf, 0.0)  # smallest lateness of the held ones (s), and when it was seen

    @abstractmethod
    def _samples(self, data: bytes) -> NDArray[np.int16]:
        """One notification → (n, 6) int16 in product axes at the clock's ranges (n may be 0)."""

    def started(self) -> None:
        self._accepting = True

    def link_lost(self) -> Decoded | None:
        self._accepting = False
        held = self._confirm_late()
        before = self._decoded(self.timeline.update(held)) if held else None
        return _join(before, super().link_lost())

    def _arrivals(self, items: list[Arrival]) -> list[tuple[Packet, float]]:
        arrivals: list[tuple[Packet, float]] = []
        for host_s, data in items:
            self.stats.notifications += 1
            try:
                raw = self._samples(data)
            except DecodeError as exc:
                self._garbage(exc)
                continue
            if not self._accepting:
                self.stats.before_start += len(raw)
            elif self._late or self._late_s(host_s, len(raw)) > LATE_GAP_MIN_S:
                arrivals += self._hold(host_s, raw)
            elif len(raw):
                arrivals.append((self.clock.packet(raw), host_s))
        return arrivals

    def _late_s(self, host_s: float, n: int, ahead: int = 0) -> float:
        """How much later than the fitted clock expects these ``n`` samples arrived, numbered with
        ``ahead`` more before them and no hole (0 before the clock has a mapping)."""
        ts = self.timeline.stats
        if not ts.packets_out or not n:
            return 0.0
        last_sensor_s = (self.clock.frames + ahead + n - 1) / self.rate_hz
        return host_s - (ts.offset_s + (1.0 + ts.skew_ppm * 1e-6) * last_sensor_s)

    def _hold(self, host_s: float, raw: NDArray[np.int16]) -> list[tuple[Packet, float]]:
        """Hold a late notification; the held ones once their lateness has settled."""
        ahead = sum(len(r) for _, r in self._late)
        self._late.append((host_s, raw))
        late_s = self._late_s(host_s, len(raw), ahead) if len(raw) else np.inf
        if late_s < self._least_late[0] - 1.0 / self.rate_hz:  # still catching up
            self._least_late = (late_s, host_s)
        settled = host_s - self._least_late[1] >= LATE_CONFIRM_S
        return self._confirm_late() if settled or host_s - self._late[0][0] >= LATE_HOLD_MAX_S else []

    def _confirm_late(self) -> list[tuple[Packet, float]]:
        """Number the held notifications after the hole they show (none if they caught up)."""
        held, self._late = self._late, []
        least_late_s, self._least_late = self._least_late[0], (np.inf, 0.0)
        if least_late_s > LATE_GAP_MIN_S and np.isfinite(least_late_s):
            self.clock.skip(round(least_late_s * self.rate_hz))
        return [(self.clock.packet(raw), host_s) for host_s, raw in held if len(raw)]


def _join(a: Decoded | None, b: Decoded | None) -> Decoded | None:
    if a is None or b is None:
        return a or b
    return Decoded(
        np.concatenate([a.time_s, b.time_s]),
        np.concatenate([a.acc_mps2, b.acc_mps2]),
        np.concatenate([a.gyr_dps, b.gyr_dps]),
        np.concatenate([a.counter, b.counter]),
        a.gaps + b.gaps,
    )


class WitMotionDecoder(CounterlessDecoder):
    """WitMotion 0x55 0x61 frames (already range / 32768 at ±16 g, ±2000 °/s)."""

    def _samples(self, data: bytes) -> NDArray[np.int16]:
        return witmotion.raw_samples(data)


class MetaMotionDecoder(CounterlessDecoder):
    """MetaWear accelerometer and gyroscope notifications, paired in order into 6-axis samples.

    Both sample at one ODR on one chip, so the k-th accelerometer sample belongs with
    the k-th gyroscope one. If one side runs ahead by more than ``max_unpaired``
    samples its partner was lost: the oldest are dropped and counted."""

    def __init__(self, rate_hz: int, acc_range_g: int, gyr_range_dps: int, reorder_depth: int = 0) -> None:
        super().__init__(rate_hz, acc_range_g, gyr_range_dps)
        self.max_unpaired = max(6, rate_hz // 2)  # 0.5 s
        self._acc: deque[NDArray[np.float64]] = deque()
        self._gyr: deque[NDArray[np.float64]] = deque()
        self._gyr_to_wire = 32768.0 / gyr_range_dps  # °/s → the clock's range / 32768 LSB

    def link_lost(self) -> Decoded | None:
        self._acc.clear()
        self._gyr.clear()
        return super().link_lost()

    def _samples(self, data: bytes) -> NDArray[np.int16]:
        m = metamotion.decode_notification(data, self.clock.acc_range_g, self.clock.gyr_range_dps)
        side = self._acc if m.kind == "acc" else self._gyr
        side.extend(metamotion.metamotion_to_product(m.values))
        n = min(len(self._acc), len(self._gyr))
        rows = [(self._acc.popleft(), self._gyr.popleft()) for _ in range(n)]
        for fifo in (self._acc, self._gyr):
            while len(fifo) > self.max_unpaired:
                fifo.popleft()
                self.stats.unpaired += 1
        if not rows:
            return np.zeros((0, 6), np.int16)
        acc_g = np.array([a for a, _ in rows])
        gyr_dps = np.array([g for _, g in rows])
        wire = np.hstack([acc_g * (32768.0 / self.clock.acc_range_g), gyr_dps * self._gyr_to_wire])
        return np.clip(np.rint(wire), -32768, 32767).astype(np.int16)
