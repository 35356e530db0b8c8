"""Screenshots of every screen of the app, from the demo on the virtual BLE sensor, under a real X server.

    python tools/screenshots.py [--out docs/screenshots] [--speed 8]

Starts Xvfb (1280×800×24) unless DISPLAY is set, runs the app on the xcb
platform with the virtual dorsi sensor (bumble LocalLink through bleak, the
demo person: calibration, knee-to-wall left and right, banded mobilization),
walks the screens as a person would (the demo person begins each test or drill
when Start is clicked) and grabs the X server's framebuffer for each. Two
earlier knee-to-wall tests (6 and 3 weeks ago) are put into the store first,
so History and the comparison on the result card have something to show: they
are simulated sessions of the same kind, analysed by dorsi.analysis and stored
with back-dated start times. Data and settings go to a temporary folder, never
the user's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SIZE = (1280, 800)


@contextlib.contextmanager
def x_server() -> Iterator[None]:
    """Xvfb on a free display number unless a display is already there."""
    if os.environ.get("DISPLAY"):
        yield
        return
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb is not installed (apt-get install xvfb)")
    for n in range(90, 110):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("Xvfb did not start")
        time.sleep(0.05)
    os.environ["DISPLAY"] = f":{n}"
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# Earlier tests: (weeks ago, simulator seed). The demo person (seed 7) measures ≈ 33.7°; these seeds give
# people within a degree of that, so the card compares like with like ("within measurement error").
EARLIER_TESTS = ((6, 11), (3, 1))


def seed_history() -> None:
    """Earlier knee-to-wall tests in the store: simulated, analysed, stored with their old dates."""
    from dorsi.analysis import analyze_recording
    from dorsi.app import testresult
    from dorsi.drills.kneewall import Profile
    from dorsi.store import SessionStore
    from dorsi.virtual.sim import SimParams, simulate

    now = dt.datetime.now(dt.UTC)
    with SessionStore.open() as store:
        for weeks, seed in EARLIER_TESTS:
            when = (now - dt.timedelta(weeks=weeks)).isoformat(timespec="seconds")
            trials: dict[str, list[float]] = {}
            for side in ("left", "right"):
                params = SimParams(drill="knee-to-wall", seconds=56.0, seed=seed, rate_hz=208.0, side=side)
                rec = simulate(params).recording  # type: ignore[arg-type]
                analysis = analyze_recording(rec, drill="knee-to-wall", side=side)
                trials[side] = [r["peak_tibial_inclination_deg"] for r in analysis.reps if not r.get("partial")]
                res = testresult.result(trials, Profile(), {})
                summary = {"drill": "knee-to-wall", "side": side, "test": testresult.stored_row(side, res)}
                summary["reps"] = analysis.reps
                store.add_recording(rec, drill="knee-to-wall", side=side, started_at=when, summary=summary)


def grab(window: Any, path: Path) -> None:
    """The X server's pixels of the window (what a person sees), as a PNG."""
    screen = window.screen()
    pixmap = screen.grabWindow(window.winId())
    if pixmap.isNull():
        pixmap = window.grab()
    pixmap.save(str(path), "PNG", 0)  # 0 = smallest file
    print(f"{path} ({path.stat().st_size // 1024} KB)")  # noqa: T201


async def wait_for(signal: Any, predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    if predicate():
        return
    done = asyncio.get_running_loop().create_future()

    def check(*_args: object) -> None:
        if not done.done() and predicate():
            done.set_result(None)

    signal.connect(check)
    try:
        async with asyncio.timeout(timeout_s):
            await done
    except TimeoutError:
        raise SystemExit(f"timed out after {timeout_s:g} s waiting for {what}") from None
    finally:
        signal.disconnect(check)


async def settle(seconds: float = 0.4) -> None:
    """Let a few frames paint."""
    await asyncio.sleep(seconds)


async def walk(app: Any, out: Path) -> None:
    w, m = app.window, app.models
    w.show_screen("Drills")  # before connecting: the readout says there is no sensor
    w.drill_view.select("banded-mobilization")
    await settle(0.6)
    grab(w, out / "00-drill-no-sensor.png")
    await app.start()
    c = m.connection
    w.show_screen("Connect")
    w.connect_view.table.selectRow(0)
    w.connect_view.connect_button.click()
    await wait_for(c.changed, lambda: c.state == "streaming", 30, "streaming")
    await settle(1.0)
    grab(w, out / "01-connect.png")

    w.show_screen("Calibrate")
    cal = m.calibration
    await wait_for(cal.changed, lambda: cal.phase == "drives" and cal.drives_seen >= 1, 60, "the first knee drive")
    await settle(0.6)
    grab(w, out / "02-calibrate-live.png")
    await wait_for(cal.changed, lambda: cal.phase == "done", 60, "calibration")
    await settle(0.6)
    grab(w, out / "03-calibrate-done.png")

    w.show_screen("Knee-to-wall")
    t = m.test
    for side in ("left", "right"):  # buttons: without a window manager the window never gets key focus
        w.test_view.side_buttons[side].click()
        w.test_view.run_button.click()
        if side == "right":
            await wait_for(t.changed, lambda: len(t.state.trials["right"]) >= 1, 60, "a right trial")
            await wait_for(
                w.test_view.plot.timer.timeout, lambda: (t.state.current_peak_deg or 0) > 30, 60, "a trial in progress"
            )
            await settle(0.1)
            grab(w, out / "04-knee-to-wall-trial.png")
        await wait_for(t.changed, lambda: not t.state.running, 90, f"three {side} trials")
    await settle(0.6)
    grab(w, out / "05-knee-to-wall-result.png")

    w.show_screen("Drills")
    w.drill_view.select("banded-mobilization")
    d = m.drill
    w.drill_view.run_button.click()
    await wait_for(d.changed, lambda: d.live.rep_count >= 3, 90, "three reps")
    # mid-hold: the ring half full, read on the frame timer that draws it
    await wait_for(w.drill_view.plot.timer.timeout, lambda: d.live.hold_s >= 1.1, 90, "a hold")
    grab(w, out / "06-drill.png")
    await wait_for(d.changed, lambda: d.live.rep_count >= 5, 90, "five reps")
    w.drill_view.run_button.click()
    await settle(0.6)
    grab(w, out / "06b-drill-last-set.png")  # stopped: the finished set stays, marked as the last one

    w.show_screen("History")
    await wait_for(m.history.changed, lambda: len(m.history.tests) >= 6, 10, "history")
    exports = Path(os.environ["DORSI_DATA_DIR"]).parent / "exports"
    w.history_view.ask_folder = lambda: str(exports)  # the dialog a person would answer
    w.history_view.table.selectRow(0)
    w.history_view.export_button.click()  # its status stays one line: the table keeps its height
    await settle(0.6)
    grab(w, out / "07-history.png")
    w.show_screen("Settings")
    w.settings_view.test_sound.click()  # the lamp lights and the line says what the cue played through
    await settle(0.2)
    grab(w, out / "08-settings.png")

    w.settings_view.theme.setCurrentText("dark")  # as a person would, on the Settings screen
    await settle(0.6)
    grab(w, out / "09-settings-dark.png")
    w.show_screen("History")
    await settle(0.6)
    grab(w, out / "10-history-dark.png")
    w.show_screen("Knee-to-wall")
    await settle(0.8)
    grab(w, out / "11-knee-to-wall-dark.png")
    w.show_screen("Drills")
    await settle(0.8)
    grab(w, out / "12-drill-dark.png")
    w.settings_view.theme.setCurrentText("light")

    # a per-unit bench calibration chosen in Settings: applied from the next connection, named in the badge
    profile = Path(os.environ["DORSI_CONFIG_DIR"]) / "left-shin.toml"
    write_unit_profile(profile)
    w.show_screen("Settings")
    w.settings_view.set_unit_profile(str(profile))  # the file dialog's choice
    await app.controller.connect(c.devices[0].key)
    await wait_for(c.changed, lambda: c.state == "streaming", 30, "streaming with the unit calibration")
    await settle(1.0)
    grab(w, out / "16-settings-unit-calibration.png")
    await app.close()


def write_unit_profile(path: Path) -> None:
    """What `dorsi sensor-calibrate` writes for a unit: the reference profile with this unit's fit."""
    from dataclasses import replace

    from dorsi.io.profiles import load_profile, save_profile
    from dorsi.motion.sensor_calibration import UnitCalibration

    base = load_profile(Path(__file__).resolve().parents[1] / "calibration" / "profiles" / "xiao-nrf52840-sense.toml")
    unit = UnitCalibration((0.031, -0.024, 0.018), (1.004, 0.997, 1.002), (0.41, -0.22, 0.13))
    save_profile(path, replace(base, name="left shin", unit=unit), comment="dorsi sensor-calibrate sixface.csv")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    ap.add_argument("--speed", type=float, default=6.0, help="virtual sensor speed, × real time")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="dorsi-screenshots-")
    os.environ["DORSI_DATA_DIR"] = os.path.join(tmp, "data")
    os.environ["DORSI_CONFIG_DIR"] = os.path.join(tmp, "config")
    with x_server():
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        seed_history()
        import qasync

        from dorsi.app.run import build, qt_app
        from dorsi.app.sources import VirtualHub

        qapp = qt_app()
        app = build(VirtualHub(args.speed))
        app.window.setGeometry(0, 0, *SIZE)
        app.window.show()
        loop = qasync.QEventLoop(qapp)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_until_complete(walk(app, args.out))
        app.window.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
