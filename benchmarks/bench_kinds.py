"""The same simulated person through every sensor kind's path: twin → bleak → decoder → analysis.

For each kind of the registry and each seed, the simulator performs a drill
(one person, one strap, its ground truth); that kind's virtual twin plays it
(from the moment the app subscribes) at the kind's default rate, the app's
bleak code records it through the kind's handshake and decoder, and
``analyze_recording`` finds the calibration and the reps. Printed per kind:
reps counted against the truth, the worst peak-inclination error against the
truth, the strap rotation found against the true one, samples lost.
Usage: python benchmarks/bench_kinds.py [--seeds N] [--drill NAME] [--seconds S] [--speed X]

Counter-less kinds are timed from arrivals: when the machine cannot keep up with
the sped-up clock, arrivals fall steadily behind and read as lost samples
(docs/ble.md); run at --speed 1 for figures that measure the path, not the host.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

import numpy as np

from dorsi.analysis import analyze_recording
from dorsi.app.sources import DemoPerson, PersonFeed
from dorsi.ble.decode import SampleChunk
from dorsi.ble.stream import SensorStream
from dorsi.motion.types import Recording
from dorsi.protocol.kinds import KINDS, SensorKind
from dorsi.virtual.ble import VirtualRadio
from dorsi.virtual.ble.twins import TWINS, make_twin
from dorsi.virtual.sim import SimParams, simulate


async def record(kind: SensorKind, feed: PersonFeed, seconds: float, speed: float) -> tuple[Recording, int]:
    radio = VirtualRadio(speed=speed)
    sensor = make_twin(kind, radio, feed)
    DemoPerson(sensor, feed)  # the person starts when the app subscribes
    await radio.start()
    chunks: list[SampleChunk] = []
    async with SensorStream(sensor.address, backends=radio.backends) as stream:
        async for item in stream:
            if isinstance(item, SampleChunk):
                chunks.append(item)
                if item.time_s[-1] - chunks[0].time_s[0] >= seconds:
                    break
        lost = stream.decoder.stats.lost_samples if stream.decoder else 0
    await radio.close()
    t = np.concatenate([c.time_s for c in chunks])
    acc = np.concatenate([c.acc_mps2 for c in chunks])
    gyr = np.concatenate([c.gyr_dps for c in chunks])
    return Recording(t - t[0], acc, gyr, {}), lost


async def main(a: argparse.Namespace) -> None:
    print(f"{a.drill}, {a.seconds:g} s, seeds 0–{a.seeds - 1}, virtual clock × {a.speed:g} (shared 2-core machine)")
    print(f"{'kind':<11} {'rate':>5} {'reps (truth)':>13} {'worst peak err':>15} {'strap err':>10} {'lost':>5}")
    for kind in KINDS.values():
        counted = truth = lost_all = 0
        peak_err: list[float] = []
        strap_err: list[float] = []
        for seed in range(a.seeds):
            params = SimParams(a.drill, a.seconds + 5, seed=seed, rate_hz=TWINS[kind.id].feed_rate_hz, packet_loss=0.0)
            sim = simulate(params)
            r = sim.recording
            feed = PersonFeed(params.rate_hz, r.acc_mps2, r.gyr_dps)
            rec, lost = await record(kind, feed, a.seconds, a.speed)
            res = analyze_recording(rec, drill=a.drill, side="left")
            true_peaks = [p["peak_tibial_inclination_deg"] for p in sim.counted_reps]
            peaks = [p["peak_tibial_inclination_deg"] for p in res.reps]
            counted, truth, lost_all = counted + len(peaks), truth + len(true_peaks), lost_all + lost
            if len(peaks) == len(true_peaks):
                peak_err += [abs(p - q) for p, q in zip(peaks, true_peaks, strict=True)]
            if res.calibration is not None:
                diff = res.calibration.strap_rotation_deg - sim.calibration["strap_rotation_deg"]
                strap_err.append(abs((diff + 180.0) % 360.0 - 180.0))
        worst = f"{max(peak_err):.2f}°" if peak_err else "–"
        strap = f"{max(strap_err):.2f}°" if strap_err else "none"
        reps = f"{counted} ({truth})"
        print(f"{kind.id:<11} {kind.default_rate_hz:>5} {reps:>13} {worst:>15} {strap:>10} {lost_all:>5}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--drill", default="knee-to-wall")
    p.add_argument("--seconds", type=float, default=80.0)
    p.add_argument("--speed", type=float, default=4.0, help="virtual clock × real time")
    args = p.parse_args()
    logging.getLogger("bumble").setLevel(logging.ERROR)  # closing a radio right after a stream: harmless noise
    if args.seeds < 1 or not 0 < args.speed <= 20 or args.seconds <= 0:
        p.error("--seeds ≥ 1, 0 < --speed ≤ 20 and --seconds > 0")
    asyncio.run(main(args))
