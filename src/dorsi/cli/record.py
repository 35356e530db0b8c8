"""`dorsi record (--address ADDR | --virtual [--kind KIND] [--drill NAME]) --seconds N --out FILE.csv`.

Writes the raw IMU CSV (with a sample_counter column) as the samples come, so a killed
process leaves a readable file; a sidecar JSON with the sensor, rate, gaps and link
statistics; and the session into the store. The output is checked before connecting.
Ctrl-C stops cleanly and keeps what was recorded. A sensor that vanishes for good, or an
output that cannot be written, ends the recording as interrupted with its reason (stored
with the session, said on stderr) and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from dorsi import __version__
from dorsi.ble.backends import PLATFORM, BleBackends
from dorsi.ble.decode import SampleChunk
from dorsi.ble.recorder import Recorded, record
from dorsi.ble.stream import GapEvent, ReconnectPolicy, SensorStream, StateEvent
from dorsi.errors import DeviceError, InputError, StorageError
from dorsi.io.files import open_private_append, write_error, write_private_atomic
from dorsi.io.rawcsv import RAW_FORMATS, REQUIRED_COLUMNS
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
    # tests: the virtual sensor vanishes for good this many seconds after it first streamed
    p.add_argument("--vanish-after", type=float, default=None, help=argparse.SUPPRESS)
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
    if not 0 < args.speed <= 100:
        raise InputError("--speed must be in (0, 100]")
    if args.vanish_after is not None and not (args.virtual and args.vanish_after >= 0):
        raise InputError("--vanish-after is for a virtual sensor, in seconds ≥ 0")
    check_writable(args.out)


def check_writable(out: Path) -> None:
    """Before connecting: the CSV and its JSON can be created in their folder (a probe file, removed)."""
    folder = out.parent
    if not folder.resolve().is_dir():
        raise StorageError(f"{out}: cannot write: the folder {folder} does not exist")
    for target in (out, out.with_suffix(".json")):
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise StorageError(f"cannot write {target}: it exists and is not a regular file")
        if target.exists() and not os.access(target, os.W_OK):
            raise StorageError(f"cannot write {target}: permission denied; choose a file you can write (--out)")
    probe = folder / f".{out.name}.probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise write_error(out, exc) from None


class LiveCsv:
    """The raw CSV written as the samples come: each chunk is one os.write (no buffer in this process),
    so a SIGKILL leaves every line of every chunk received; times from 0 at the first sample."""

    FORMATS: ClassVar[list[str]] = [*(RAW_FORMATS[c] for c in REQUIRED_COLUMNS), "%d"]

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._t0: float | None = None
        self.samples = 0

    def append(self, c: SampleChunk) -> None:
        if not len(c):
            return
        buf = io.StringIO()
        if self._fd is None:
            self._fd = open_private_append(self.path)
            self._t0 = float(c.time_s[0])
            buf.write(",".join((*REQUIRED_COLUMNS, "sample_counter")) + "\n")
        assert self._t0 is not None
        rows = np.column_stack((c.time_s - self._t0, c.acc_mps2, c.gyr_dps, c.sample_counter.astype(np.float64)))
        np.savetxt(buf, rows, fmt=self.FORMATS, delimiter=",")
        data = memoryview(buf.getvalue().encode("ascii"))
        try:
            while data:
                data = data[os.write(self._fd, data) :]
        except OSError as exc:  # what was written before stays: say so rather than "nothing was written"
            raise StorageError(f"cannot write {self.path}: {(exc.strerror or str(exc)).lower()}") from None
        self.samples += len(c)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None


def _say(item: StateEvent | GapEvent) -> None:
    if isinstance(item, GapEvent):
        g = item.gap
        print(f"gap: {g.missing_samples} samples ({g.duration_s:.2f} s), {item.reason}", file=sys.stderr)
    else:
        print(f"{item.state.value}{': ' + item.detail if item.detail else ''}", file=sys.stderr, flush=True)


class Outcome:
    """How the recording ended beyond its samples: why it was cut short, if it was."""

    def __init__(self) -> None:
        self.reason: str | None = None  # stored with the session as its interrupted_reason
        self.error: StorageError | None = None  # writing the output failed
        self.session_id: int | None = None


async def _record(args: argparse.Namespace, csv: LiveCsv, outcome: Outcome) -> tuple[Recorded, SensorStream]:
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
        from dorsi.virtual.ble import FaultPlan

        faults = None if args.vanish_after is None else FaultPlan(drops=((args.vanish_after, 1e9),))
        world = await start_virtual_world(
            args.drill or "knee-to-wall",
            args.seconds + 30.0,
            speed=args.speed,
            simulate=(args.side,),
            kind=kind,
            faults=faults,
        )
        backends = world.radio.backends
        address = world.sensor(kind, args.side).address
    policy = ReconnectPolicy(scan_timeout_s=args.timeout, give_up_after_s=max(30.0, args.timeout))
    stream = SensorStream(address, backends=backends, policy=policy)
    writer = None

    def on_chunk(c: SampleChunk) -> None:
        nonlocal writer
        if outcome.error is not None:
            return
        if writer is None and not args.no_store:  # the session starts with its first sample
            writer = _open_writer(args, address, stream)
            outcome.session_id = writer.session_id
        try:
            first = csv.samples == 0
            csv.append(c)
            if first:  # a sidecar from the start: a file cut off by a kill still says what it is
                _write_sidecar(args, _started_sidecar(args, stream, outcome.session_id))
        except StorageError as exc:
            outcome.error = exc
            outcome.reason = f"the output could not be written ({exc})"
            stop.set()
        if writer is not None:
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
        if outcome.reason is None and rec.lost:
            got = f"after {rec.duration_s(stream.decoder.rate_hz):.1f} s" if rec.samples and stream.decoder else ""
            outcome.reason = (
                f"the sensor vanished {got} and did not come back within {policy.give_up_after_s:g} s".replace(
                    "  ", " "
                )
            )
        elif outcome.reason is None and rec.interrupted:
            outcome.reason = "stopped before the requested duration (Ctrl-C)"
        if writer is not None:
            writer.finish(interrupted=rec.interrupted or outcome.reason is not None, reason=outcome.reason)
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


def _sidecar_head(args: argparse.Namespace, stream: SensorStream, started_at_utc: str) -> dict[str, Any]:
    """What the sidecar says first, the same while recording and at the end: format, sensor, drill, start."""
    return {
        "format": RECORDING_FORMAT,
        "dorsi_version": __version__,
        "source": "virtual" if args.virtual else "ble",
        "sensor": {"address": stream.address, "name": stream.name, "kind": stream.kind.id if stream.kind else None},
        "drill": args.drill or ("knee-to-wall" if args.virtual else None),
        "side": args.side,
        "started_at_utc": started_at_utc,
        "requested_seconds": args.seconds,
    }


def _started_sidecar(args: argparse.Namespace, stream: SensorStream, session_id: int | None) -> dict[str, Any]:
    """The sidecar while recording: rewritten at the end; left as it is if the process is killed."""
    rate = stream.decoder.rate_hz if stream.decoder else None
    return {
        **_sidecar_head(args, stream, datetime.now(UTC).isoformat(timespec="seconds")),
        "rate_hz": rate if rate is not None and np.isfinite(rate) else None,
        "interrupted": True,
        "interrupted_reason": "the recording did not finish (the program was killed or crashed)",
        "session_id": session_id,
    }


def _write_sidecar(args: argparse.Namespace, doc: dict[str, Any]) -> Path:
    meta = args.out.with_suffix(".json")
    write_private_atomic(meta, [json.dumps(doc, indent=2, allow_nan=False) + "\n"])
    return meta


def _metadata(
    args: argparse.Namespace, rec: Recorded, stream: SensorStream, rate_hz: float, outcome: Outcome
) -> dict[str, Any]:
    st = stream.stats
    dec = stream.decoder.stats if stream.decoder else None
    t0 = float(rec.time_s[0]) if rec.samples else 0.0
    return {
        **_sidecar_head(args, stream, rec.started_at_utc),
        "recorded_seconds": rec.duration_s(rate_hz) if rec.samples else 0.0,
        "rate_hz": rate_hz if np.isfinite(rate_hz) else None,
        "session_id": outcome.session_id,  # its copy in the session store (None with --no-store)
        "samples": rec.samples,
        "interrupted": rec.interrupted or outcome.reason is not None,
        "interrupted_reason": outcome.reason,
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
    csv, outcome = LiveCsv(args.out), Outcome()
    try:
        rec, stream = asyncio.run(_record(args, csv, outcome))
    finally:
        csv.close()
    if rec.samples == 0:
        if rec.lost:
            raise DeviceError(f"{stream.address}: the sensor was not found or was lost before any sample came")
        print("nothing recorded", file=sys.stderr)
        return 130 if rec.interrupted else 1
    rate = stream.decoder.rate_hz if stream.decoder else float("nan")
    if outcome.error is None:
        try:
            meta = _write_sidecar(args, _metadata(args, rec, stream, rate, outcome))
        except StorageError as exc:
            outcome.error = exc
    kept = f"{csv.samples} samples ({rec.duration_s(rate):.1f} s at {rate:g} Hz) from {stream.name}"
    stored = "" if outcome.session_id is None else f"; stored as session {outcome.session_id}"
    stored += ", interrupted" if stored and outcome.reason is not None else ""
    if outcome.error is not None:
        raise StorageError(f"{outcome.error}; recorded {kept} before that{stored}")
    if rec.lost:
        raise DeviceError(f"{outcome.reason}; kept {kept} → {args.out} (+ {meta.name}){stored}")
    lost = stream.decoder.stats.lost_samples if stream.decoder else 0
    print(
        f"recorded {kept}: {lost} lost, {len(rec.gaps)} gap(s){', interrupted' if rec.interrupted else ''} "
        f"→ {args.out} (+ {meta.name})"
    )
    return 0
