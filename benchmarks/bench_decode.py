"""Decode throughput: protocol v1 batch decoding (target ≥ 1 M samples/s), single packets, timeline.

.venv/bin/python benchmarks/bench_decode.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from dorsi.protocol import dorsi_v1, witmotion
from dorsi.protocol import encoder as enc
from dorsi.protocol.timeline import Timeline

TARGET_SAMPLES_PER_S = 1_000_000


def _packets(n_packets: int, per_packet: int) -> list[bytes]:
    rng = np.random.default_rng(0)
    base = rng.integers(-32768, 32767, size=(per_packet, 6)).tolist()
    return [
        enc.encode_samples_packet(k * per_packet, k * per_packet * 4808, 208, 4, 500, base) for k in range(n_packets)
    ]


def _best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    print(f"protocol v1 decode_batch (incl. conversion to m/s² and °/s), target ≥ {TARGET_SAMPLES_PER_S:,} samples/s")
    worst = float("inf")
    for per_packet, label in ((1, "20 B, MTU 23"), (19, "236 B, MTU 247"), (31, "380 B, max batch")):
        n_packets = max(2000, 1_000_000 // per_packet)
        pkts = _packets(n_packets, per_packet)

        def run(pkts: list[bytes] = pkts) -> None:
            b = dorsi_v1.decode_batch(pkts)
            _ = b.acc_mps2, b.gyr_dps

        dt = _best_of(run)
        rate = n_packets * per_packet / dt
        worst = min(worst, rate)
        print(f"  {per_packet:2d} samples/packet ({label}): {n_packets:>8,} packets, {rate / 1e6:6.2f} M samples/s")
    mixed = _packets(50_000, 1) + _packets(50_000, 19)
    np.random.default_rng(1).shuffle(mixed)  # type: ignore[arg-type]
    dt = _best_of(lambda: dorsi_v1.decode_batch(mixed))
    n = 50_000 * 20
    print(f"  mixed 1/19 samples, shuffled: {n / dt / 1e6:6.2f} M samples/s")

    pkts = _packets(100_000, 1)
    dt = _best_of(lambda: [dorsi_v1.decode_packet(p) for p in pkts])
    print(f"decode_packet one at a time (1 sample): {len(pkts) / dt / 1e3:,.0f} k packets/s")

    frame = bytes.fromhex("5561fcffefff110800000000000098ff0d00f831")
    notes = [frame * 5] * 50_000
    dt = _best_of(lambda: [witmotion.decode_notification(x) for x in notes])
    print(f"WitMotion decode_notification (5 frames each): {len(notes) * 5 / dt / 1e6:.2f} M frames/s")

    arrivals = [(dorsi_v1.decode_packet(p), i * 19 / 208 + 0.01) for i, p in enumerate(_packets(20_000, 19))]

    def timeline() -> None:
        tl = Timeline()
        tl.update(arrivals)
        tl.flush()

    dt = _best_of(timeline)
    print(f"Timeline (19 samples/packet): {len(arrivals) * 19 / dt / 1e6:.2f} M samples/s")
    verdict = "meets" if worst >= TARGET_SAMPLES_PER_S else "MISSES"
    print(f"batch decoding worst case {worst / 1e6:.2f} M samples/s: {verdict} the {TARGET_SAMPLES_PER_S:,}/s target")
    return 0 if worst >= TARGET_SAMPLES_PER_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
