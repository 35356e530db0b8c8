"""Screenshots of the knee-to-wall screen after a trial with the heel lifted, and after one whose heel may
have lifted, under a real X server.

    python tools/screenshot_heel_lift.py [--out docs/screenshots] [--seed 20] [--uncertain-seed 1005]

The simulated person (tests/drills/heel_lift.py: the heel comes up 2.5 cm on the second trial and the
knee gets 4° further) is fed to the app's engine sample by sample (the real pipeline, counter, models
and window; no radio); the screen then shows the two trials counted, the lifted one listed with its
reason, and the result card's best from the valid trials. The second screenshot is a tuning seed of the
second movement model (reference sensor) whose late 2.2 cm lift reads under the lift bar but over the
clean bar: counted, marked "?" with its reason, and not the best. Settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--uncertain-seed", type=int, default=1005)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="dorsi-screenshot-")
    os.environ["DORSI_DATA_DIR"] = os.path.join(tmp, "data")
    os.environ["DORSI_CONFIG_DIR"] = os.path.join(tmp, "config")
    from screenshots import SIZE, grab, x_server

    with x_server():
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        from tests.app.helpers import feed_engine
        from tests.drills.heel_lift import simulate_heel_lift

        from dorsi.app.feed import DemoFeed
        from dorsi.app.run import build, qt_app
        from dorsi.app.sources import ReplayHub
        from dorsi.virtual.sim import SimParams, simulate
        from dorsi.virtual.sim.profiles import PROFILES

        qapp = qt_app()
        rate = PROFILES["reference"].rate_hz
        velocity = SimParams(
            drill="knee-to-wall",
            seconds=75.0,
            seed=args.uncertain_seed,
            rate_hz=rate,
            sensor_profile="reference",
            model="velocity",
            packet_loss=0.0,
        )
        shots = [
            (
                simulate_heel_lift(args.seed, heel_cm=2.5, extra_deg=4.0, packet_loss=0.0),
                "14-knee-to-wall-heel-lifted.png",
            ),
            (simulate(velocity), "15-knee-to-wall-heel-uncertain.png"),
        ]
        for sim, name in shots:
            app = build(ReplayHub(1.0), use_store=False)
            app.window.setGeometry(0, 0, *SIZE)
            app.window.show()
            app.window.show_screen("Knee-to-wall")
            feed = DemoFeed(sim.params.rate_hz, sim.recording.acc_mps2, sim.recording.gyr_dps, (0.0,))
            engine = app.controller.engine
            engine.begin_stream(feed.rate_hz, "REPLAY")
            at = feed_engine(engine, feed, 0.0, feed.duration_s, until=lambda app=app: app.models.live.calibrated)
            engine.start_test("left")
            feed_engine(engine, feed, at, feed.duration_s - 2.0)
            engine.stop_test()
            for _ in range(20):
                qapp.processEvents()
            grab(app.window, args.out / name)
            app.window.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
