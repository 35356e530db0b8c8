"""Rate and latency of the reference firmware (code.py, run in the loop) per ATT MTU and rate.

Each run streams through the app's real bleak code for a few seconds and prints the
samples delivered per second, the share lost (every loss reported as a gap) and the
latency from the IMU taking a sample to the app's consumer receiving it (median, 95th
percentile; the IMU model's record of when it took each sample is the truth).
Figures come from the harness's model of CircuitPython's packet buffer (one notification
in flight) and of the connection interval the central grants, not from hardware.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os

import numpy as np

from dorsi.ble.decode import SampleChunk
from dorsi.ble.stream import SensorStream
from dorsi.protocol import encoder as enc
from dorsi.virtual.ble import VirtualRadio, swing_feed
from dorsi.virtual.firmware import FirmwareHarness, LinkParams
from dorsi.virtual.firmware.imu import tagged_slots


async def run(mtu: int, rate_hz: int, interval_ms: float, seconds: float) -> tuple[float, float, float, float]:
    radio = VirtualRadio()
    link = LinkParams(mtu=mtu, min_interval_ms=interval_ms)
    board = FirmwareHarness(radio, swing_feed(rate_hz, 30.0), link=link, tag_slots=True)
    await board.start()
    got, lat, t0 = 0, [], None
    try:
        async with SensorStream(board.address, backends=radio.backends, rate_hz=rate_hz) as stream:
            async for item in stream:
                if not isinstance(item, SampleChunk):
                    continue
                t0 = item.received_s if t0 is None else t0
                got += len(item)
                # the IMU's own sample number (tag_slots) says when it took each sample, on the
                # clock the app stamps arrivals with
                lat.extend(item.received_s - np.asarray(board.imu.taken_s)[tagged_slots(item.gyr_dps[:, 2])])
                if item.received_s - t0 > seconds:
                    break
            assert stream.decoder is not None
            lost = stream.decoder.stats.lost_samples
            span_s = item.received_s - t0
    finally:
        await board.stop()
        await radio.close()
    lat_ms = np.asarray(lat) * 1000
    return got / span_s, lost / max(1, got + lost), float(np.median(lat_ms)), float(np.percentile(lat_ms, 95))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--interval-ms", type=float, nargs="+", default=[7.5, 15.0])
    args = ap.parse_args()
    logging.getLogger("dorsi.ble.kinds").setLevel(logging.ERROR)  # overrun warnings: the lost column counts them
    logging.getLogger("bumble").setLevel(logging.ERROR)
    print("harness figures (CircuitPython packet buffer and connection interval modelled; not hardware)")
    print(f"machine load average at start {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    head = ("interval", "MTU", "rate", "per pkt", "delivered/s", "lost", "lat p50", "p95")
    print(" ".join(f"{h:>{w}}" for h, w in zip(head, (9, 4, 5, 7, 11, 6, 8, 7), strict=True)))
    for interval_ms in args.interval_ms:
        for mtu in (23, 247):
            for rate in enc.RATES_HZ:
                per_s, lost, p50, p95 = asyncio.run(run(mtu, rate, interval_ms, args.seconds))
                per = enc.samples_per_packet(rate, mtu)
                print(
                    f"{interval_ms:>7.1f}ms {mtu:>4} {rate:>5} {per:>7} {per_s:>11.0f} {lost:>6.1%} "
                    f"{p50:>6.0f}ms {p95:>5.0f}ms"
                )
    print(f"machine load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
