"""Stream a long session at 208 Hz through the app and print frame time, memory growth and dropped samples.

The samples go through the whole live path (engine: pipeline, ring buffer,
calibration, store writer) and the Knee-to-wall screen's plot repaints on its
own timer. The source is the replay hub (no radio), run ``--speed`` × real
time so a 30-minute session takes minutes; frame time is the plot frame
(copy from the ring + setData) plus a synchronous repaint of the plot.

    python benchmarks/bench_app.py [--minutes 30] [--speed 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--speed", type=float, default=20.0)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="dorsi-bench-app-")
    os.environ["DORSI_DATA_DIR"] = os.path.join(tmp, "data")
    os.environ["DORSI_CONFIG_DIR"] = os.path.join(tmp, "config")

    import numpy as np
    import qasync

    from dorsi.app.qtfix import patch_qasync
    from dorsi.app.run import build, qt_app
    from dorsi.app.sources import ReplayHub

    patch_qasync()
    qapp = qt_app()
    app = build(ReplayHub(args.speed))
    w = app.window
    w.show()
    w.show_screen("Knee-to-wall")
    plot = w.test_view.plot
    frame_s: list[float] = []

    def timed_frame() -> None:
        t0 = time.perf_counter()
        plot.refresh()
        plot.viewport().repaint()
        frame_s.append(time.perf_counter() - t0)

    plot.timer.timeout.disconnect(plot.refresh)
    plot.timer.timeout.connect(timed_frame)
    total_s = args.minutes * 60.0
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    mem: list[tuple[float, float]] = []

    async def run() -> None:
        await app.start()
        await app.controller.connect(app.models.connection.devices[0].key)
        app.engine_start = time.perf_counter()  # type: ignore[attr-defined]
        app.models.test.start_requested.emit("left")  # a session is written to the store throughout
        c = app.models.connection
        warm = False
        while True:
            await asyncio.sleep(0.5)
            done_s = c.samples_received / 208.0
            if not warm and done_s > 60:
                warm = True
                mem.append((done_s, rss_mb()))
            if warm:
                mem.append((done_s, rss_mb()))
            if done_s >= total_s:
                break
        await app.close()

    t0 = time.perf_counter()
    with loop:
        loop.run_until_complete(run())
    wall_s = time.perf_counter() - t0
    c = app.models.connection
    stream = app.hub.streams[0]  # type: ignore[attr-defined]
    produced = stream.produced
    ft = np.array(frame_s[10:]) * 1000.0
    print(
        f"streamed {c.samples_received} samples ({c.samples_received / 208.0 / 60:.1f} min at 208 Hz) in {wall_s:.0f} s"
    )
    print(
        f"frames: {len(ft)}; frame time p50 {np.percentile(ft, 50):.2f} ms, "
        f"p99 {np.percentile(ft, 99):.2f} ms, max {ft.max():.2f} ms (target p99 < 16 ms)"
    )
    growth = mem[-1][1] - mem[0][1] if len(mem) > 1 else float("nan")
    print(
        f"memory (RSS) after warm-up {mem[0][1]:.0f} MB → end {mem[-1][1]:.0f} MB: "
        f"growth {growth:.1f} MB (target < 50 MB)"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")
    dropped = produced - c.samples_received - c.samples_lost
    print(
        f"samples produced {produced}, received {c.samples_received}, gaps {c.samples_lost}, "
        f"dropped in the app {max(0, dropped)} (target 0)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
