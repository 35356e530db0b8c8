"""`dorsi record (--address ADDR | --virtual [--kind KIND] [--drill NAME]) --seconds N --out FILE.csv`.

Writes the raw IMU CSV (with a sample_counter column), a sidecar JSON with the
sensor, rate, gaps and link statistics, and the session into the store.
Ctrl-C stops cleanly and keeps what was recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any

import numpy as np

from dorsi import __version__
from dorsi.ble.backends import PLATFORM, BleBackends
from dorsi.ble.recorder import Recorded, record
from dorsi.ble.stream import GapEvent, ReconnectPolicy, SensorStream, StateEvent
from dorsi.errors import DeviceError, InputError, StorageError
from dorsi.io.rawcsv import write_raw_csv, write_text_atomic
from dorsi.motion.types import Recording
from dorsi.protocol.kinds import DORSI, KINDS, get_kind
from dorsi.store.importer import RECORDING_FORMAT

MAX_SECONDS = 4 * 3600
PROGRESS_EVERY_S = 5.0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "record",
        help="record raw IMU samples from a sensor to CSV (+ JSON metadata) and the session store",
        description="Stream from a sensor and record it. Ctrl-C stops and keeps what was recorded.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--address", metavar="ADDR", help="sensor address (from `dorsi devices`)")
    src.add_argument("--virtual", action="store_true", help="record a built-in virtual sensor (default: ours)")
    p.add_argument(
        "--kind",
        default=None,
        help=f"which virtual sensor to record: {', '.join(KINDS)} (default {DORSI.id}); "
        "a real sensor's kind comes from its advertisement",
    )
    p.add_argument("--drill", default=None, help="drill the virtual sensor performs (default knee-to-wall)")
    p.add_argument("--side", choices=("left", "right"), default="left")
    p.add_argument("--seconds", type=float, required=True, metavar="N", help="how long to record")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.csv")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S", help="seconds to look for the sensor")
    p.add_argument("--speed", type=float, default=1.0, help=argparse.SUPPRESS)  # virtual clock speed-up (tests)
    p.add_argument("--no-store", action="store_true", help="write the files only, not the session store")
    p.set_defaults(func=run)


def _check(args: argparse.Namespace) -> None:
    if not 0 < args.seconds <= MAX_SECONDS:
        raise InputError(f"--seconds must be between 0 and {MAX_SECONDS}, not {args.seconds:g}")
    if not 0 < args.timeout <= 600:
        raise InputError(f"--timeout must be between 0 and 600 seconds, not {args.timeout:g}")
    if args.drill is not None and not args.virtual:
        raise InputError("--drill chooses what the virtual sensor performs; use it with --virtual")
    if args.kind is not None and not args.virtual:
        raise InputError("--kind chooses the virtual sensor; a real sensor's kind comes from its advertisement")
    if args.kind is not None:
        get_kind(args.kind)
    if args.drill is not None:
        from dorsi.virtual.sim import DRILLS

        if args.drill not in DRILLS:
            raise InputError(f"unknown drill {args.drill!r}; choose one of {', '.join(DRILLS)}")
    if args.out.suffix.lower() != ".csv":
        raise InputError(f"{args.out}: the output must be a .csv file")
    if not args.out.parent.resolve().is_dir():
        raise StorageError(f"{args.out}: cannot write: the folder {args.out.parent} does not exist")
    if not 0 < args.speed <= 100:
        raise InputError("--speed must be in (0, 100]")


def _say(item: StateEvent | GapEvent) -> None:
    if isinstance(item, GapEvent):
        g = item.gap
        print(f"gap: {g.missing_samples} samples ({g.duration_s:.2f} s), {item.reason}", file=sys.stderr)
    else:
        print(f"{item.state.value}{': ' + item.detail if item.detail else ''}", file=sys.stderr, flush=True)


async def _record(args: argparse.Namespace) -> tuple[Recorded, SensorStream]:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: KeyboardInterrupt instead
        loop.add_signal_handler(signal.SIGINT, stop.set)
    world = None
    backends: BleBackends = PLATFORM
    address = args.address
    if args.virtual:
        from dorsi.virtual.ble.world import start_virtual_world

        kind = get_kind(args.kind or DORSI.id)
        world = await start_virtual_world(
            args.drill or "knee-to-wall", args.seconds + 30.0, speed=args.speed, simulate=(args.side,), kind=kind
        )
        backends = world.radio.backends
        address = world.sensor(kind, args.side).address
    policy = ReconnectPolicy(scan_timeout_s=args.timeout, give_up_after_s=max(30.0, args.timeout))
    stream = SensorStream(address, backends=backends, policy=policy)
    writer = None

    def on_chunk(c: Any) -> None:
        nonlocal writer
        if args.no_store:
            return
        if writer is None:  # the session starts with its first sample
            writer = _open_writer(args, address, stream)
        writer.append(c.time_s, c.acc_mps2, c.gyr_dps, c.sample_counter)

    first_s: list[float] = []
    next_report_s = [PROGRESS_EVERY_S]

    def on_chunk_and_progress(c: Any) -> None:
        on_chunk(c)
        if not first_s:
            first_s.append(float(c.time_s[0]))
        done_s = float(c.time_s[-1]) - first_s[0]
        if done_s >= next_report_s[0]:
            print(f"recording: {done_s:.0f} s", file=sys.stderr, flush=True)
            next_report_s[0] += PROGRESS_EVERY_S

    try:
        await stream.start()

        try:
            rec = await record(stream, args.seconds, stop, on_chunk=on_chunk_and_progress, on_event=_say)
        except asyncio.CancelledError:  # Ctrl-C where signal handlers are not available
            rec = Recorded(address, "", interrupted=True)
        await stream.stop()
        if writer is not None:
            writer.finish(interrupted=rec.interrupted)
        return rec, stream
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
        if writer is not None:
            writer.abort()
        await stream.stop()
        if world is not None:
            await world.close()


def _open_writer(args: argparse.Namespace, address: str, stream: SensorStream) -> Any:
    from dorsi.store import SessionStore

    store = SessionStore.open()
    return store.begin_session(
        drill=args.drill or ("knee-to-wall" if args.virtual else "recording"),
        side=args.side,
        sensor_id=address,
        rate_hz=stream.decoder.rate_hz if stream.decoder else None,
    )


def _metadata(args: argparse.Namespace, rec: Recorded, stream: SensorStream, rate_hz: float) -> dict[str, Any]:
    st = stream.stats
    dec = stream.decoder.stats if stream.decoder else None
    t0 = float(rec.time_s[0]) if rec.samples else 0.0
    return {
        "format": RECORDING_FORMAT,
        "dorsi_version": __version__,
        "source": "virtual" if args.virtual else "ble",
        "sensor": {"address": stream.address, "name": stream.name, "kind": stream.kind.id if stream.kind else None},
        "drill": args.drill or ("knee-to-wall" if args.virtual else None),
        "side": args.side,
        "started_at_utc": rec.started_at_utc,
        "requested_seconds": args.seconds,
        "recorded_seconds": rec.duration_s(rate_hz) if rec.samples else 0.0,
        "rate_hz": rate_hz,
        "samples": rec.samples,
        "interrupted": rec.interrupted,
        "sensor_lost": rec.lost,
        "gaps": [
            {
                "start_s": g.gap.start_s - t0,
                "end_s": g.gap.end_s - t0,
                "missing_samples": g.gap.missing_samples,
                "reason": g.reason,
            }
            for g in rec.gaps
        ],
        "link": {
            "connects": st.connects,
            "drops": st.drops,
            "reconnect_s": st.reconnect_s,
            "notifications": dec.notifications if dec else 0,
            "garbage": dec.garbage if dec else 0,
            "duplicated": dec.duplicated if dec else 0,
            "reordered": dec.reordered if dec else 0,
            "late_dropped": dec.late_dropped if dec else 0,
            "lost_samples": dec.lost_samples if dec else 0,
            "time_steps_back": dec.time_steps_back if dec else 0,
        },
        "columns": {"time_s": "s from the first sample, rebuilt from the sensor clock", "sample_counter": "sensor"},
    }


def run(args: argparse.Namespace) -> int:
    _check(args)
    rec, stream = asyncio.run(_record(args))
    if rec.samples == 0:
        if rec.lost:
            raise DeviceError(f"{stream.address}: the sensor was not found or was lost before any sample came")
        print("nothing recorded", file=sys.stderr)
        return 130 if rec.interrupted else 1
    rate = stream.decoder.rate_hz if stream.decoder else float("nan")
    t = rec.time_s
    recording = Recording(
        t - t[0], rec.acc_mps2, rec.gyr_dps, {"sample_counter": rec.sample_counter.astype(np.float64)}
    )
    write_raw_csv(args.out, recording, {"sample_counter": "%d"})
    meta = args.out.with_suffix(".json")
    write_text_atomic(meta, json.dumps(_metadata(args, rec, stream, rate), indent=2) + "\n")
    lost = stream.decoder.stats.lost_samples if stream.decoder else 0
    print(
        f"recorded {rec.samples} samples ({rec.duration_s(rate):.1f} s at {rate:g} Hz) from {stream.name}: "
        f"{lost} lost, {len(rec.gaps)} gap(s){', interrupted' if rec.interrupted else ''} → {args.out} (+ {meta.name})"
    )
    return 0
