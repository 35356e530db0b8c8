"""Store benchmark: seconds and bytes per sample to store and export a 1 h, 200 Hz session.

Prints, for one hour at 200 Hz (720 000 samples, 7 raw columns + sample_counter, 7 derived):
  * layout comparison (rows vs blobs) on 10 minutes, each committed every 0.5 s with fsync;
  * the real SessionWriter: write-through at the live cadence (a commit per 0.5 s of samples),
    the cost of one append() call on the caller's thread, database bytes per sample;
  * export of the session (samples CSV + reps CSV + summary JSON): seconds, bytes per sample;
  * import of that export back into the store.
Run: .venv/bin/python benchmarks/bench_store.py [--minutes 60]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np

RATE_HZ = 200.0
COMMIT_SAMPLES = 100  # 0.5 s at 200 Hz: the writer's live commit cadence
PACKET_SAMPLES = 10  # samples per append() call, like a BLE notification


def make_session(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    t = np.round(np.arange(n) / RATE_HZ, 6)
    acc = np.round(np.array([0.3, 0.1, 9.8]) + np.cumsum(rng.normal(0, 0.02, (n, 3)), axis=0) * 0.01, 5)
    acc += np.round(rng.normal(0, 0.05, (n, 3)), 5)  # sensor noise: what limits compression
    gyr = np.round(20 * np.sin(2 * np.pi * 0.2 * t)[:, None] + rng.normal(0, 0.3, (n, 3)), 4)
    return {"t": t, "acc": acc, "gyr": gyr, "counter": np.arange(n, dtype=np.float64)}


def db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def bench_layouts(minutes: float, folder: Path) -> None:
    from dorsi.store.codec import CODEC_RAW, CODEC_SHUFFLE, encode

    n = int(minutes * 60 * RATE_HZ)
    s = make_session(n)
    matrix = np.column_stack([s["t"], s["acc"], s["gyr"], s["counter"]])
    print(f"-- layouts, {minutes:g} min at 200 Hz ({n} samples), one fsync'ed commit per 0.5 s")
    for label in ("row per sample", "blob, raw float64", "blob, shuffle+zlib"):
        path = folder / f"layout-{label.split()[0]}-{label[-4:]}.db"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("CREATE TABLE r (sid INT, t REAL, ax REAL, ay REAL, az REAL, gx REAL, gy REAL, gz REAL, c INT)")
        conn.execute("CREATE TABLE b (sid INT, seq INT, n INT, data BLOB, PRIMARY KEY (sid, seq)) WITHOUT ROWID")
        t0 = time.perf_counter()
        for seq, a in enumerate(range(0, n, COMMIT_SAMPLES)):
            part = matrix[a : a + COMMIT_SAMPLES]
            conn.execute("BEGIN")
            if label.startswith("row"):
                conn.executemany("INSERT INTO r VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)", part.tolist())
            else:
                codec = CODEC_RAW if "raw" in label else CODEC_SHUFFLE
                conn.execute("INSERT INTO b VALUES (1, ?, ?, ?)", (seq, len(part), encode(part, codec)))
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - t0
        t1 = time.perf_counter()
        if label.startswith("row"):
            got = conn.execute("SELECT * FROM r ORDER BY rowid").fetchall()
        else:
            got = conn.execute("SELECT data FROM b ORDER BY seq").fetchall()
        read_s = time.perf_counter() - t1
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        size = db_bytes(path)
        print(
            f"  {label:20s} write {elapsed:6.2f} s ({elapsed / n * 1e6:5.2f} µs/sample)  "
            f"read {read_s:5.2f} s  size {size / n:5.1f} B/sample  ({len(got)} records)"
        )


def bench_writer(minutes: float, folder: Path) -> None:
    from dorsi.store import SessionStore
    from dorsi.store.export import export_session
    from dorsi.store.importer import import_csv

    n = int(minutes * 60 * RATE_HZ)
    s = make_session(n)
    derived = {
        "tibial_inclination_deg": 20 * np.sin(s["t"] / 3),
        "frontal_tilt_deg": 2 * np.cos(s["t"]),
        "medial_tilt_deg": -2 * np.cos(s["t"]),
        "quat_w": np.cos(s["t"] / 7),
        "quat_x": np.sin(s["t"] / 7),
        "quat_y": np.zeros(n),
        "quat_z": np.zeros(n),
    }
    summary = {"drill": "knee-to-wall", "rep_count": 0, "reps": [], "test": None}
    print(f"-- SessionWriter, {minutes:g} min at 200 Hz ({n} samples)")
    db = folder / "sessions.db"
    store = SessionStore.open(db)
    sizes = [db_bytes(db)]
    for threaded in (False, True):
        w = store.begin_session(drill="knee-to-wall", side="left", rate_hz=RATE_HZ, threaded=threaded)
        lat = np.empty(n // PACKET_SAMPLES)
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        for i, a in enumerate(range(0, n, PACKET_SAMPLES)):
            b = a + PACKET_SAMPLES
            ta = time.perf_counter()
            w.append(s["t"][a:b], s["acc"][a:b], s["gyr"][a:b], s["counter"][a:b])
            lat[i] = time.perf_counter() - ta
        w.finish(summary, derived)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        mode = "threaded (app)" if threaded else "inline, commit per 0.5 s"
        print(
            f"  {mode:26s} store {elapsed:6.2f} s wall, {cpu:6.2f} s CPU = {elapsed / n * 1e6:5.2f} µs/sample; "
            f"append() of {PACKET_SAMPLES} samples p50 {np.median(lat) * 1e6:6.1f} µs p99 "
            f"{np.percentile(lat, 99) * 1e6:7.1f} µs max {lat.max() * 1e3:6.2f} ms"
        )
        sid = w.session_id
        store.close()  # the last connection closed: WAL checkpointed into the file
        sizes.append(db_bytes(db))
        grown = sizes[-1] - sizes[-2]
        print(f"  {'':26s} database grew {grown / n:5.1f} B/sample ({grown / 1e6:.1f} MB, raw + 7 derived columns)")
        store = SessionStore.open(db)
    store.close()

    store = SessionStore.open(folder / "sessions.db")
    t0 = time.perf_counter()
    files = export_session(store, sid, folder / "export")
    export_s = time.perf_counter() - t0
    out_bytes = sum(p.stat().st_size for p in (files.samples_csv, files.reps_csv, files.summary_json))
    print(
        f"-- export: {export_s:6.2f} s ({export_s / n * 1e6:5.2f} µs/sample), {out_bytes / n:5.1f} B/sample "
        f"({out_bytes / 1e6:.0f} MB)"
    )
    t0 = time.perf_counter()
    result = import_csv(store, files.samples_csv)
    import_s = time.perf_counter() - t0
    assert result.samples == n
    print(f"-- import of that export: {import_s:6.2f} s ({import_s / n * 1e6:5.2f} µs/sample)")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=60.0, help="session length (default 60)")
    parser.add_argument("--layout-minutes", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dorsi-bench-") as tmp:
        os.environ["DORSI_DATA_DIR"] = tmp
        bench_layouts(args.layout_minutes, Path(tmp))
        bench_writer(args.minutes, Path(tmp))


if __name__ == "__main__":
    main()
