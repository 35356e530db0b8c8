"""`dorsi demo`: the app on the virtual BLE sensor; a live text readout when there is no display."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from dorsi.errors import InputError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "demo",
        help="the app on a virtual sensor (text readout without a display)",
        description="Start the app on the virtual BLE sensor (a simulated person who calibrates, then does "
        "the test or drill you start). Without a display, print a live readout of a left knee-to-wall test.",
    )
    p.add_argument("--speed", type=float, default=1.0, help="× real time (default 1)")
    p.add_argument("--text", action="store_true", help="the text readout even when a display is available")
    p.add_argument("--seconds", type=float, default=60.0, help="text readout: stop after this many seconds")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0.1 <= args.speed <= 50.0:
        raise InputError(f"--speed must be within 0.1–50, got {args.speed:g}")
    if not args.seconds > 0:
        raise InputError(f"--seconds must be positive, got {args.seconds:g}")
    from dorsi.app.run import display_available

    if display_available() and not args.text:
        from dorsi.app.run import run_app

        return run_app(virtual=True, speed=args.speed, connect_first=True)
    if not args.text:
        print("dorsi demo: no display available, showing a live text readout instead (Ctrl-C stops).")
    return asyncio.run(text_readout(args.speed, args.seconds))


async def text_readout(speed: float, seconds: float) -> int:
    """Connect to the virtual sensor through the BLE stack and print the shin angle a few times a second."""
    from dorsi.app.sources import VirtualHub
    from dorsi.ble.decode import SampleChunk
    from dorsi.ble.stream import GapEvent, StateEvent
    from dorsi.session import LiveSession, SessionSpec

    hub = VirtualHub(speed)
    await hub.start()
    try:
        found = await hub.scan(2.0)
        if not found:
            print("dorsi demo: the virtual sensor did not advertise", file=sys.stderr)
            return 1
        sensor = found[0]
        print(f"found {sensor.kind} {sensor.name} ({sensor.rssi_dbm} dBm, battery {sensor.battery_pct} %)")
        rate = float(hub.sensor.rate_hz)
        session = LiveSession(SessionSpec(rate_hz=rate))
        stream = hub.open(sensor.key, rate)
        await stream.start()
        t_end = time.monotonic() + seconds
        next_print = 0.0
        calibrated = False
        try:
            async for item in stream:
                if isinstance(item, StateEvent):
                    print(f"[{item.state}] {item.detail}".rstrip())
                elif isinstance(item, GapEvent):
                    print(f"gap: {item.gap.missing_samples} samples ({item.reason})")
                elif isinstance(item, SampleChunk):
                    frames, _ = session.feed(item.imu)
                    cal = session.calibration
                    if cal is not None and not calibrated:
                        calibrated = True
                        print(f"calibrated: strap rotation {cal.strap_rotation_deg:+.1f}°")
                        print("the virtual person starts a knee-to-wall test (left)")
                        await hub.cue_person("knee-to-wall", "left")
                    now = time.monotonic()
                    if now >= next_print and len(frames):
                        next_print = now + 0.25
                        angle = frames.tibial_inclination_deg[-1]
                        bar = "█" * max(0, min(50, int(angle)))
                        state = "" if calibrated else " (calibrating: stand still, then two knee drives)"
                        print(f"t={item.time_s[-1]:7.2f} s  shin {angle:5.1f}°  {bar}{state}", flush=True)
                if time.monotonic() > t_end:
                    break
        finally:
            await stream.stop()
    finally:
        await hub.close()
    return 0
