"""Plays the app's hold-done cue into a virtual audio sink, records it and measures the tone that came out.

    python tools/beep_check.py [--wav OUT.wav]

Starts a private PulseAudio daemon (its own runtime folder; a null sink as the
only output; no hardware, no D-Bus, nothing of the user's touched) and records
the sink's monitor with parec, then builds the app's window offscreen and fires
the Drills screen's hold-done signal, the one the engine emits when a hold is
reached: the view flashes its ring and plays the tone through dorsi.ui.sound
(PortAudio → ALSA → PulseAudio, as on a desktop). It prints the output the app
found, the tone's frequency (FFT peak, interpolated) and its length (from the
first to the last millisecond within 40 dB of its peak).

A developer tool (like tools/screenshots.py): it needs Debian's pulseaudio,
pulseaudio-utils (parec), libportaudio2 and libasound2-plugins (ALSA's
PulseAudio plugin). Exit status 0: heard as designed (frequency within 1 %,
length within 10 ms); 1: not; 2: a tool it needs is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

RATE_HZ = 48000
SINK = "dorsi_check"
NEEDED = ("pulseaudio", "pactl", "parec")


@contextlib.contextmanager
def null_sink(folder: Path) -> Iterator[str]:
    """A PulseAudio daemon of our own with a null sink; yields its server address."""
    env = {**os.environ, "XDG_RUNTIME_DIR": str(folder), "HOME": str(folder)}
    env["PULSE_RUNTIME_PATH"] = str(folder / "pulse")
    env["PULSE_STATE_PATH"] = str(folder / "state")
    server = f"unix:{folder / 'pulse' / 'native'}"
    daemon = subprocess.Popen(
        [
            "pulseaudio",
            "-n",  # no default script: only the modules below
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--disable-shm=yes",
            "--log-target=stderr",
            "-L",
            f"module-null-sink sink_name={SINK} rate={RATE_HZ} channels=1",
            "-L",
            "module-native-protocol-unix",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["pactl", "-s", server, "info"], capture_output=True, env=env).returncode != 0:
            if daemon.poll() is not None or time.monotonic() > deadline:
                err = daemon.stderr.read().decode(errors="replace") if daemon.stderr else ""
                raise SystemExit(f"PulseAudio did not start: {(err.strip().splitlines() or ['?'])[-1]}")
            time.sleep(0.05)
        yield server
    finally:
        daemon.terminate()
        try:
            daemon.wait(5)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(5)


@contextlib.contextmanager
def recording(server: str, raw: Path) -> Iterator[None]:
    """parec on the sink's monitor into ``raw`` (s16le mono) while the block runs."""
    with raw.open("wb") as out:
        rec = subprocess.Popen(
            [
                "parec",
                *("-s", server, "-d", f"{SINK}.monitor", "--latency-msec=20"),
                *("--format=s16le", f"--rate={RATE_HZ}", "--channels=1"),
            ],
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        started_s = time.monotonic()
        try:
            deadline = time.monotonic() + 5
            while raw.stat().st_size < RATE_HZ // 10:  # 50 ms of the monitor: the recorder runs
                if rec.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("parec did not record from the null sink's monitor")
                time.sleep(0.02)
            yield
            # everything played is in the file: the recorder has caught up with the wall clock
            deadline = time.monotonic() + 5
            while raw.stat().st_size < 2 * RATE_HZ * (time.monotonic() - started_s - 0.1):
                if rec.poll() is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        finally:
            rec.terminate()
            rec.wait(5)


def open_app(server: str) -> Any:
    """The app's window, offscreen, with PortAudio pointed at our PulseAudio (read when the app starts it)."""
    os.environ["PULSE_SERVER"] = server  # ALSA's PulseAudio plugin reads it
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from dorsi.app.run import build
    from dorsi.app.sources import ReplayHub

    app = build(ReplayHub(1.0), use_store=False)
    app.window.show()
    return app


def play_cue(app: Any, settle_s: float = 1.0) -> bool:
    """Fire the hold-done signal on the app's window; whether the ring flashed with it."""
    from PySide6.QtCore import QCoreApplication

    app.models.drill.hold_reached.emit()  # what the engine emits when a hold reaches its target
    flashed = bool(app.window.drill_view.ring.flashing)
    end = time.monotonic() + settle_s
    while time.monotonic() < end:  # the tone plays on PortAudio's thread; let it finish
        QCoreApplication.processEvents()
        time.sleep(0.01)
    return flashed


def measure(samples: np.ndarray, rate_hz: int) -> dict[str, float] | None:
    """The tone in a recording: frequency (Hz), length (s, within 40 dB of the peak), start (s), peak (dBFS)."""
    x = samples.astype(np.float64) / 32768.0
    win = rate_hz // 1000  # 1 ms
    n = len(x) // win
    if n == 0:
        return None
    rms = np.sqrt(np.mean(x[: n * win].reshape(n, win) ** 2, axis=1))
    peak = float(rms.max())
    if peak < 1e-4:  # below -80 dBFS: silence
        return None
    loud = np.flatnonzero(rms >= peak * 10 ** (-40 / 20))
    first, last = int(loud[0]), int(loud[-1])
    steady = np.flatnonzero(rms >= peak * 0.5)  # the part between the fades
    seg = x[int(steady[0]) * win : (int(steady[-1]) + 1) * win]
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), 16 * len(seg)))
    k = int(np.argmax(spectrum[1:-1])) + 1
    a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-300)
    shift = 0.5 * (a - c) / (a - 2 * b + c)  # parabolic interpolation of the log spectrum
    return {
        "frequency_hz": (k + shift) * rate_hz / (16 * len(seg)),
        "length_s": (last - first + 1) / 1000.0,
        "start_s": first / 1000.0,
        "peak_dbfs": 20 * np.log10(float(np.max(np.abs(x[first * win : (last + 1) * win])))),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wav", type=Path, help="also save the recording as a WAV file")
    args = ap.parse_args()
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if missing:
        print(f"beep_check: {', '.join(missing)} not found (apt-get install pulseaudio pulseaudio-utils)")  # noqa: T201
        return 2
    from dorsi.ui.sound import TONE_HZ, TONE_S

    tmp = Path(tempfile.mkdtemp(prefix="dorsi-beep-"))
    os.environ["DORSI_DATA_DIR"] = str(tmp / "data")
    os.environ["DORSI_CONFIG_DIR"] = str(tmp / "config")
    raw = tmp / "monitor.raw"
    try:
        with null_sink(tmp) as server:
            app = open_app(server)
            with recording(server, raw):
                cue_at_s = raw.stat().st_size / 2 / RATE_HZ
                flashed = play_cue(app)
            backend = app.window.beeper.backend
            app.window.close()
        samples = np.frombuffer(raw.read_bytes(), dtype="<i2")
        if args.wav:
            with wave.open(str(args.wav), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(RATE_HZ)
                w.writeframes(samples.tobytes())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"audio path: the app played through {backend} into PulseAudio's null sink {SINK!r}")  # noqa: T201
    print(f"recorded {len(samples) / RATE_HZ:.2f} s of the sink's monitor ({RATE_HZ} Hz, mono)")  # noqa: T201
    print(f"visual cue: the hold ring {'flashed' if flashed else 'did NOT flash'}")  # noqa: T201
    tone = measure(samples, RATE_HZ)
    if tone is None:
        print("tone: none — the recording is silent")  # noqa: T201
        return 1
    print(  # noqa: T201
        f"tone: {tone['frequency_hz']:.1f} Hz (designed {TONE_HZ:.0f} Hz), {tone['length_s']:.3f} s long "
        f"(designed {TONE_S:.3f} s; from the first to the last ms within 40 dB of the peak), "
        f"peak {tone['peak_dbfs']:.1f} dBFS, heard {tone['start_s'] - cue_at_s:.3f} s after the cue"
    )
    ok = abs(tone["frequency_hz"] - TONE_HZ) <= 0.01 * TONE_HZ and abs(tone["length_s"] - TONE_S) <= 0.01
    print(f"heard as designed: {'yes' if ok else 'NO'}")  # noqa: T201
    return 0 if ok and flashed else 1


if __name__ == "__main__":
    sys.exit(main())
