"""Timeline stage: packets in arrival order → samples in sensor order on the host clock.

A pure, stateful stage (firmware_protocol/SPEC.md §4). feed(packet, host_receive_s) or update(pairs):
- unwraps the 16-bit sample counter and the 32-bit µs clock (each resolved with the other);
- starts a segment once two packets agree, drops packets whose counter and clock contradict
  it (stray bytes that happen to look valid), starts a new segment after a counter restart or a
  rate change, the hole between the two measured on the sensor clock; when the sensor clock
  itself started again (a reboot: it disagrees with the host clock), the hole is measured on the
  host clock and the new clock is shifted onto the old one, so host times stay right;
- drops duplicates, puts packets that arrive out of order back in order through a
  small reorder buffer (reorder_depth packets), drops packets that come too late;
- counts lost samples/packets and reports each hole as a Gap;
- rebuilds every sample's time from the sensor clock (the packet time plus the
  sample period measured on the sensor clock itself), never from arrival time;
- maps sensor time to host time with drift correction: host ≈ a + b·sensor, fitted to
  the lower envelope of (receive time − sensor time), since radio latency only adds.
Feeding packets one by one or in any grouping gives the same output.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from dorsi.motion.types import Gap, ImuChunk
from dorsi.protocol.dorsi_v1 import Packet

F64 = NDArray[np.float64]
_SEQ_MOD = 1 << 16
_TIME_MOD = 1 << 32


@dataclass(frozen=True)
class TimelineParams:
    reorder_depth: int = 4  # packets held back to restore order (latency = depth packets)
    drift_block_s: float = 2.0  # sensor-time block over which the minimum delay is taken
    drift_window_blocks: int = 30  # blocks in the drift fit (≈ 60 s)
    max_slew: float = 0.005  # mapping corrections are slewed at ≤ 5 ms per s of stream: time stays smooth
    max_skew: float = 2e-3  # |clock rate error| accepted (a crystal is ±50 ppm, an RC far worse)
    period_baseline_s: float = 1.0  # sensor span before the measured period replaces the nominal one
    plausible_tolerance_s: float = 0.05  # counter vs clock disagreement that marks a stray packet


@dataclass
class TimelineStats:
    packets_in: int = 0
    packets_out: int = 0
    duplicated: int = 0
    reordered: int = 0  # arrived after a packet that follows them
    late_dropped: int = 0  # reordered, but too late to be put back (their hole is a gap)
    implausible: int = 0  # valid bytes whose counter and clock contradict the stream (dropped)
    clock_restarts: int = 0  # the sensor clock started again (a reboot): the host clock bridged the hole
    lost_samples: int = 0
    lost_packets: int = 0  # estimated: missing samples / samples per packet, rounded up
    gaps: list[Gap] = field(default_factory=list)
    skew_ppm: float = 0.0  # sensor clock rate error relative to the host clock
    offset_s: float = 0.0  # host time of sensor time 0 (includes the minimum radio latency)


@dataclass(frozen=True)
class TimelineOutput:
    chunk: ImuChunk  # time_s on the host clock, drift-corrected
    sensor_time_s: F64  # rebuilt sensor clock, unwrapped, from the first packet
    sample_index: NDArray[np.int64]  # unwrapped sample counter
    gaps: list[Gap]

    def __len__(self) -> int:
        return len(self.chunk)


@dataclass
class _Held:
    index: int  # unwrapped counter of the first sample
    time_us: int  # unwrapped sensor time of the first sample
    period_s: float  # sample spacing inside the packet, as known on arrival
    packet: Packet


_MAX_CANDIDATES = 8  # packets kept while waiting for two that agree on a new segment
_MAX_BACK_US = 10_000_000  # a packet older than this behind the newest one is not a late arrival


def _wrap_delta(value: int, ref: int, mod: int) -> int:
    return ((value - ref + mod // 2) % mod) - mod // 2


def _consistent(a: Packet, b: Packet, tolerance_s: float) -> bool:
    """b follows a within 10 s, and their counters and clocks agree (same rate)."""
    if a.rate_hz != b.rate_hz:
        return False
    dt_us = _wrap_delta(b.sensor_time_us, a.sensor_time_us, _TIME_MOD)
    dseq = (b.seq - a.seq) % _SEQ_MOD
    if not 0 < dt_us <= 10_000_000:
        return False
    return abs(dt_us - dseq * 1e6 / a.rate_hz) <= max(tolerance_s * 1e6, 0.02 * dt_us)


class Timeline:
    """State is explicit: see reset(). One Timeline per connected sensor stream."""

    def __init__(self, params: TimelineParams | None = None) -> None:
        self.params = params or TimelineParams()
        self.reset()

    def reset(self) -> None:
        self.stats = TimelineStats()
        self._ref: tuple[int, int] | None = None  # (unwrapped index, unwrapped time µs) of newest packet
        self._origin_us: int | None = None  # sensor time of the first packet: sensor_time_s = 0
        self._segment: tuple[int, int] | None = None  # first packet since (re)start: (index, time µs)
        self._index_base = 0
        self._time_hint_us: int | None = None  # unwrapped sensor time near the next segment's start
        self._shift_us = 0  # added to the sensor clock since it last restarted (a reboot)
        self._delay_range_s: tuple[float, float] | None = None  # (min, max) of receive − sensor time
        self._relinked = False  # flushed (the link dropped): the next packet's clock is checked on the host's
        self._candidates: list[tuple[Packet, float]] = []  # packets proposing a new segment
        self._accepted_end = 0  # index after the last sample of any accepted packet
        self._rate_hz = 0
        self._held: dict[int, _Held] = {}
        self._emitted_end: int | None = None  # index after the last emitted sample
        self._last_host_s: float | None = None  # host time of the last emitted sample
        self._recent_starts: deque[int] = deque()  # emitted packet starts, to spot late duplicates
        self._recent_set: set[int] = set()
        self._map: tuple[float, float] | None = None  # host = a + b * sensor_s, as applied
        self._target: tuple[float, float] | None = None  # latest fit, approached by slewing
        self._adjusted_s = 0.0  # sensor time of the last slew step
        self._init_d: list[float] = []
        self._block: tuple[int, float, float] | None = None  # (block number, sensor s, min d)
        self._minima: deque[tuple[float, float]] = deque(maxlen=self.params.drift_window_blocks)

    # -- public ------------------------------------------------------------------

    def feed(self, packet: Packet, host_receive_s: float) -> TimelineOutput:
        """One packet as it arrived; returns the samples now in order (maybe none)."""
        out = _Out()
        self._accept(packet, host_receive_s, out)
        return out.result()

    def update(self, arrivals: Iterable[tuple[Packet, float]]) -> TimelineOutput:
        """Many (packet, host receive time s) pairs; same result as feeding them one by one."""
        out = _Out()
        for packet, host_s in arrivals:
            self._accept(packet, host_s, out)
        return out.result()

    def flush(self) -> TimelineOutput:
        """Release every held packet (end of stream, disconnect).

        A lone packet still waiting for a second one to confirm the first segment is
        released too; candidates for a new segment after an existing one are dropped.
        The next packet continues the segment only if the host clock agrees with its sensor
        clock: across a disconnect the sensor may have rebooted, and a rebooted sensor's
        counter and clock, re-anchored together, can look like a late packet of the old run.
        """
        out = _Out()
        if self._ref is None and self._candidates:
            cands, self._candidates = self._candidates, []
            self._start_segment(cands, out)
        self._drop_candidates()
        self._release_all(out)
        self._relinked = self._ref is not None
        return out.result()

    @property
    def rate_hz(self) -> int:
        return self._rate_hz

    # -- arrival ----------------------------------------------------------------

    def _unwrap(self, packet: Packet) -> tuple[int, int]:
        raw_us = packet.sensor_time_us + self._shift_us
        if self._ref is None:
            hint = self._time_hint_us if self._time_hint_us is not None else self._origin_us
            if hint is None:
                return self._index_base + packet.seq, raw_us
            time_us = hint + _wrap_delta(raw_us, hint, _TIME_MOD)
            return self._index_base + packet.seq, time_us
        ref_index, ref_time = self._ref
        time_us = ref_time + _wrap_delta(raw_us, ref_time, _TIME_MOD)
        d = _wrap_delta(packet.seq, (ref_index - self._index_base) % _SEQ_MOD, _SEQ_MOD)
        expected = (time_us - ref_time) * packet.rate_hz / 1e6  # counter step the clock implies
        k = round((expected - d) / _SEQ_MOD)  # whole counter wraps hidden in a long hole
        return ref_index + d + k * _SEQ_MOD, time_us

    def _accept(self, packet: Packet, host_s: float, out: _Out) -> None:
        self.stats.packets_in += 1
        if self._ref is not None and packet.rate_hz == self._rate_hz:
            index, time_us = self._unwrap(packet)
            if self._plausible(index, time_us) and (not self._relinked or self._host_agrees(packet, time_us, host_s)):
                self._relinked = False
                self._drop_candidates()
                self._place(packet, index, time_us, host_s, out)
                return
        self._candidate(packet, host_s, out)

    def _plausible(self, index: int, time_us: int) -> bool:
        """Counter and clock agree with the stream so far: both come from the sensor, so only
        jitter separates them, while a stray packet of valid-looking random bytes disagrees.
        Host time is not used: a simulated sensor may run faster than real time."""
        assert self._ref is not None
        dt_us = time_us - self._ref[1]
        if dt_us < -_MAX_BACK_US:
            return False
        residual_us = dt_us - (index - self._ref[0]) * 1e6 * self._period_s()
        return abs(residual_us) <= self.params.plausible_tolerance_s * 1e6 + 1e-4 * abs(dt_us)

    def _candidate(self, packet: Packet, host_s: float, out: _Out) -> None:
        """A packet that does not fit the current segment: a new segment once two of them agree."""
        for cand, _ in self._candidates:
            if (cand.seq, cand.sensor_time_us) == (packet.seq, packet.sensor_time_us):
                self.stats.duplicated += 1
                return
        tol_s = self.params.plausible_tolerance_s
        match = [c for c in self._candidates if _consistent(c[0], packet, tol_s)]
        if not match:
            if len(self._candidates) == _MAX_CANDIDATES:
                self.stats.implausible += 1
                self._candidates.pop(0)
            self._candidates.append((packet, host_s))
            return
        self.stats.implausible += len(self._candidates) - 1  # the others were strays
        self._candidates = []
        self._start_segment([match[-1], (packet, host_s)], out)

    def _drop_candidates(self) -> None:
        self.stats.implausible += len(self._candidates)
        self._candidates = []

    def _start_segment(self, arrivals: list[tuple[Packet, float]], out: _Out) -> None:
        first = arrivals[0][0]
        if self._ref is not None:  # a restart (re-anchored counter, rate change, reboot): release the old segment
            prev_index, prev_time_us = self._ref
            last_us = prev_time_us + (self._accepted_end - 1 - prev_index) * 1e6 * self._period_s()
            self._release_all(out)
            self._ref = None
            start_us = self._restart_time_us(arrivals, prev_time_us)
            self._time_hint_us = start_us
            # the time between the segments says how many sample slots were missed, so the hole
            # is a measured gap, not a seam
            missing = round((start_us - last_us) * first.rate_hz / 1e6) - 1
            self._index_base = self._accepted_end + max(0, missing) - first.seq
        self._segment = None
        self._rate_hz = first.rate_hz
        for packet, host_s in arrivals:
            index, time_us = self._unwrap(packet)
            self._place(packet, index, time_us, host_s, out)

    def _restart_time_us(self, arrivals: list[tuple[Packet, float]], prev_time_us: int) -> int:
        """Sensor time (unwrapped, µs) of a new segment's first sample.

        The sensor clock runs on across STOP/START, reconnections and rate changes (SPEC §4),
        so it measures the hole; the host clock checks it and resolves the clock wraps a long
        hole hides. A sensor clock that disagrees with the host's bound has started again (a
        reboot): the bound takes its place and the new clock is shifted onto the old one."""
        first = arrivals[0][0]
        raw_us = first.sensor_time_us + self._shift_us
        expected_us = self._host_bound_us(arrivals)
        if expected_us is None:
            return prev_time_us + _wrap_delta(raw_us, prev_time_us, _TIME_MOD)
        claimed_us = expected_us + _wrap_delta(raw_us, expected_us, _TIME_MOD)
        if abs(claimed_us - expected_us) <= self._host_tolerance_us(expected_us - prev_time_us):
            return claimed_us
        self.stats.clock_restarts += 1
        self._shift_us += expected_us - claimed_us
        self._minima.clear()  # delay minima of the old clock: the fit starts afresh on the new one
        self._block = None
        return expected_us

    def _host_agrees(self, packet: Packet, time_us: int, host_s: float) -> bool:
        expected_us = self._host_bound_us([(packet, host_s)])
        if expected_us is None or self._ref is None:
            return True
        return abs(time_us - expected_us) <= self._host_tolerance_us(expected_us - self._ref[1])

    def _host_bound_us(self, arrivals: list[tuple[Packet, float]]) -> int | None:
        """The first packet's sensor time (unwrapped, µs) as the host clock dates it: the arrival
        times mapped back through host = a + b·sensor. Radio latency only adds, so this is an
        upper bound, as tight as the least delayed of the packets; None before any mapping."""
        if self._map is None or self._origin_us is None:
            return None
        a, b = self._map
        first = arrivals[0][0]
        bound_s = min(
            (host_s - a) / b - (((p.seq - first.seq) % _SEQ_MOD) + p.n_samples - 1) / p.rate_hz
            for p, host_s in arrivals
        )
        return self._origin_us + round(bound_s * 1e6)

    def _host_tolerance_us(self, elapsed_us: float) -> float:
        """How far a sensor clock that ran on may differ from the host's bound: the spread of
        the delays seen so far, the stray-packet tolerance, and the clocks' skew over the hole."""
        lo_s, hi_s = self._delay_range_s or (0.0, 0.0)
        spread_s = self.params.plausible_tolerance_s + hi_s - lo_s
        return spread_s * 1e6 + self.params.max_skew * abs(elapsed_us)

    def _place(self, packet: Packet, index: int, time_us: int, host_s: float, out: _Out) -> None:
        st = self.stats
        if self._origin_us is None:
            self._origin_us = time_us
        if self._segment is None:
            self._segment = (index, time_us)
        newest = self._ref is None or index > self._ref[0]
        if index in self._held or index in self._recent_set:
            st.duplicated += 1
            return
        if not newest:
            st.reordered += 1
            if self._emitted_end is not None and index < self._emitted_end:
                st.late_dropped += 1
                return
        else:
            self._ref = (index, time_us)
        self._observe_delay(packet, time_us, host_s)
        self._accepted_end = max(self._accepted_end, index + packet.n_samples)
        self._held[index] = _Held(index, time_us, self._period_s(), packet)
        while len(self._held) > self.params.reorder_depth:
            self._release(self._held.pop(min(self._held)), out)

    def _release_all(self, out: _Out) -> None:
        while self._held:
            self._release(self._held.pop(min(self._held)), out)

    # -- clocks -------------------------------------------------------------------

    def _sensor_s(self, time_us: int) -> float:
        assert self._origin_us is not None
        return (time_us - self._origin_us) / 1e6

    def _period_s(self) -> float:
        """Sample period measured on the sensor clock (nominal until the baseline is long)."""
        if self._segment is None or self._ref is None:
            return 1.0 / self._rate_hz
        span_n = self._ref[0] - self._segment[0]
        span_us = self._ref[1] - self._segment[1]
        nominal = 1.0 / self._rate_hz
        if span_n > 0 and span_us / 1e6 >= self.params.period_baseline_s:
            measured = span_us / 1e6 / span_n
            if abs(measured / nominal - 1.0) < 0.2:  # a restart mid-stream would break this
                return measured
        return nominal

    def _observe_delay(self, packet: Packet, time_us: int, host_s: float) -> None:
        """Track the lower envelope of host receive − sensor time of the packet's last sample."""
        last_s = self._sensor_s(time_us) + (packet.n_samples - 1) / packet.rate_hz
        d = host_s - last_s
        lo, hi = self._delay_range_s or (d, d)
        self._delay_range_s = (min(lo, d), max(hi, d))
        p = self.params
        if self._map is None:
            self._init_d.append(d)
            return
        block = math.floor(last_s / p.drift_block_s)
        if self._block is None or block != self._block[0]:
            if self._block is not None:
                self._minima.append((self._block[1], self._block[2]))
                self._refit(last_s)
            self._block = (block, last_s, d)
        elif d < self._block[2]:
            self._block = (block, last_s, d)

    def _refit(self, now_s: float) -> None:
        p = self.params
        xs = np.array([m[0] for m in self._minima])
        ds = np.array([m[1] for m in self._minima])
        skew = 0.0 if self._target is None else self._target[1] - 1.0
        if len(xs) >= 3 and np.ptp(xs) > 0:
            skew = float(np.clip(np.polyfit(xs, ds, 1)[0], -p.max_skew, p.max_skew))
            base = float(np.mean(ds - skew * xs))
        else:
            base = float(np.min(ds - skew * xs))
        self._target = (base, 1.0 + skew)
        self.stats.skew_ppm = skew * 1e6

    def _host_times(self, sensor_s: F64) -> F64:
        now_s = float(sensor_s[0])
        if self._map is None:  # first release: anchor on the smallest delay seen so far
            self._map = (min(self._init_d), 1.0)
            self._adjusted_s = now_s
        elif self._target is not None:  # slew toward the latest fit
            a, b = self._map
            current = a + b * now_s
            target = self._target[0] + self._target[1] * now_s
            limit = self.params.max_slew * max(0.0, now_s - self._adjusted_s)
            step = min(max(target - current, -limit), limit)
            b = self._target[1]
            self._map = (current + step - b * now_s, b)
            self._adjusted_s = max(self._adjusted_s, now_s)
        a, b = self._map
        self.stats.offset_s = a
        return a + b * sensor_s

    # -- emission -----------------------------------------------------------------

    def _release(self, h: _Held, out: _Out) -> None:
        """A packet leaves the reorder buffer: give its samples host times, account for holes."""
        st = self.stats
        n = h.packet.n_samples
        s = (self._sensor_s(h.time_us) + np.arange(n) * h.period_s).astype(np.float64)
        t = self._host_times(s)
        if self._emitted_end is not None and h.index > self._emitted_end and self._last_host_s is not None:
            missing = h.index - self._emitted_end
            st.lost_samples += missing
            st.lost_packets += -(-missing // n)
            gap = Gap(self._last_host_s, float(t[0]), missing)
            out.gaps.append(gap)
            st.gaps.append(gap)
        self._emitted_end = h.index + n
        self._recent_starts.append(h.index)
        self._recent_set.add(h.index)
        if len(self._recent_starts) > 256:
            self._recent_set.discard(self._recent_starts.popleft())
        self._last_host_s = float(t[-1])
        st.packets_out += 1
        out.times.append(t)
        out.sensor.append(s)
        out.index.append(h.index + np.arange(n, dtype=np.int64))
        out.acc.append(h.packet.acc_mps2)
        out.gyr.append(h.packet.gyr_dps)


@dataclass
class _Out:
    """Samples released during one call, concatenated at the end."""

    times: list[F64] = field(default_factory=list)
    sensor: list[F64] = field(default_factory=list)
    index: list[NDArray[np.int64]] = field(default_factory=list)
    acc: list[F64] = field(default_factory=list)
    gyr: list[F64] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    def result(self) -> TimelineOutput:
        if not self.times:
            empty = np.zeros(0)
            chunk = ImuChunk(empty, np.zeros((0, 3)), np.zeros((0, 3)))
            return TimelineOutput(chunk, empty, np.zeros(0, np.int64), self.gaps)
        chunk = ImuChunk(np.concatenate(self.times), np.concatenate(self.acc), np.concatenate(self.gyr))
        return TimelineOutput(chunk, np.concatenate(self.sensor), np.concatenate(self.index), self.gaps)
