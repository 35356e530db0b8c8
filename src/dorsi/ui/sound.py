"""The hold-done cue: a short tone through the sound output; the views flash as well.

PySide6-Essentials has no QtMultimedia, and ``QApplication.beep()`` is silent
on most Linux desktops, so the tone goes through PortAudio (python-sounddevice):
ALSA, and through it PulseAudio or PipeWire, on Linux; CoreAudio on macOS;
WASAPI/MME on Windows. Where there is no output (no device, no PortAudio
library, a headless CI machine) the cue is visual only, and that is said once.
Muting is honoured before anything is played; ``played`` counts the tones asked
for, heard or not, so tests can check them without an audio device.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

TONE_HZ = 880.0
TONE_S = 0.18
# the other cues, told apart by ear: a set done rises (two notes), a rep not counted falls, low and long
SET_TONES_HZ = (660.0, 990.0)
INVALID_HZ = 330.0
INVALID_S = 0.4
FADE_S = 0.01  # in and out: no click
TONE_LEVEL = 0.5  # of full scale
TAIL_S = 0.05  # silence played after the tone, beyond twice the output latency
# output buffer: the cue may come this late, unnoticed; a 35 ms buffer underran mid-tone on a loaded machine
MIN_LATENCY_S = 0.1
NO_OUTPUT = "no audio output found — visual cue only"


def tone(rate_hz: int, freq_hz: float = TONE_HZ, duration_s: float = TONE_S) -> NDArray[np.float32]:
    """The cue: a sine with linear fades, float32 mono at ``rate_hz``."""
    n = round(duration_s * rate_hz)
    i = np.arange(n)
    fade = max(1.0, FADE_S * rate_hz)
    envelope = np.minimum(1.0, np.minimum(i / fade, (n - 1 - i) / fade))
    return (TONE_LEVEL * envelope * np.sin(2 * np.pi * freq_hz * i / rate_hz)).astype(np.float32)


@dataclass
class AudioOutput:
    """The default output device, through PortAudio."""

    name: str  # device (host API), e.g. "default (ALSA)"
    rate_hz: int
    latency_s: float  # the output buffer: a busy machine must not starve it mid-tone
    backend: Any  # the sounddevice module

    def play(self, samples: NDArray[np.float32]) -> None:
        # Silence around the tone: a stream's first and last buffers may be dropped unplayed (through
        # ALSA's PulseAudio plugin the first 19 ms or the last 33 ms of the tone went missing, measured by
        # tools/beep_check.py); what is dropped is then silence, and the tone keeps both its fades.
        head = np.zeros(round(self.latency_s * self.rate_hz), dtype=np.float32)
        tail = np.zeros(round((2 * self.latency_s + TAIL_S) * self.rate_hz), dtype=np.float32)
        # returns at once: PortAudio plays it on its own thread
        self.backend.play(np.concatenate([head, samples, tail]), self.rate_hz, latency=self.latency_s)

    def stop(self) -> None:
        self.backend.stop()


def find_output() -> tuple[AudioOutput | None, str]:
    """The default output, or None and one plain reason. Never raises."""
    try:
        import sounddevice
    except ImportError:
        return None, "the sounddevice package is not installed"
    except Exception as exc:  # OSError: no PortAudio library (Linux: apt install libportaudio2)
        return None, f"PortAudio is not available: {exc}"
    try:
        device = sounddevice.query_devices(kind="output")
        api = sounddevice.query_hostapis(device["hostapi"])["name"]
        rate_hz = int(device["default_samplerate"])
        latency_s = max(MIN_LATENCY_S, float(device["default_high_output_latency"]))
    except Exception as exc:  # PortAudioError: no default output device
        log.debug("no audio output: %s", exc)
        return None, "no output device"
    return AudioOutput(f"{device['name']} ({api})", rate_hz, latency_s, sounddevice), ""


class Beeper(QObject):
    beeped = Signal()  # a tone was asked for (heard or not)
    notice = Signal(str)  # said once: there is no sound, the cue is visual only

    def __init__(
        self, parent: QObject | None = None, find: Callable[[], tuple[AudioOutput | None, str]] = find_output
    ) -> None:
        super().__init__(parent)
        self.muted = False
        self.played = 0
        self.output, self._why = find()
        self._tone = tone(self.output.rate_hz) if self.output is not None else None
        self._cues: dict[str, NDArray[np.float32]] = {}
        if self.output is not None:
            r = self.output.rate_hz
            self._cues = {
                "hold": tone(r),
                "set": np.concatenate([tone(r, f, TONE_S) for f in SET_TONES_HZ]),
                "invalid": tone(r, INVALID_HZ, INVALID_S),
            }
        self._told = False
        self.last_cue = ""

    @property
    def backend(self) -> str:
        """What the cue plays through, for the person."""
        return self.output.name if self.output is not None else NO_OUTPUT

    def beep(self, force: bool = False, cue: str = "hold") -> str:
        """Play a cue — "hold" (the hold is done), "set" (the set is complete), "invalid" (a rep not counted)
        — (``force``: even when muted, for "Test sound"); what it played through."""
        if self.muted and not force:
            return "muted"
        self.played += 1
        self.last_cue = cue
        self.beeped.emit()
        if self.output is not None and self._tone is not None:
            try:
                self.output.play(self._cues.get(cue, self._tone))
                return f"{TONE_HZ:.0f} Hz for {TONE_S:.2f} s through {self.output.name}"
            except Exception as exc:  # the device went away (unplugged, the sound server stopped)
                log.debug("audio output failed", exc_info=exc)
                self.output, self._why = None, f"the output failed: {exc}"
        if not self._told:
            self._told = True
            self.notice.emit(f"No sound output ({self._why}): the hold-done cue is visual only.")
        return NO_OUTPUT

    def stop(self) -> None:
        if self.output is not None:
            try:
                self.output.stop()
            except Exception as exc:
                log.debug("audio stop failed", exc_info=exc)
