"""The hold-done beep: a generated tone through QtMultimedia when present, else the system beep.

PySide6-Essentials ships without QtMultimedia, so the fallback is
QApplication.beep(). Muting is honoured before anything is played; ``played``
counts beeps so tests can check them without an audio device.
"""

from __future__ import annotations

import io
import math
import struct
import tempfile
import wave
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtWidgets import QApplication

TONE_HZ = 880.0
TONE_S = 0.18
RATE_HZ = 22050


def tone_wav(freq_hz: float = TONE_HZ, duration_s: float = TONE_S, rate_hz: int = RATE_HZ) -> bytes:
    """A short sine tone with 10 ms fades, 16-bit mono WAV."""
    n = int(duration_s * rate_hz)
    fade = int(0.01 * rate_hz)
    frames = bytearray()
    for i in range(n):
        env = min(1.0, i / fade, (n - 1 - i) / fade)
        frames += struct.pack("<h", int(0.5 * 32767 * env * math.sin(2 * math.pi * freq_hz * i / rate_hz)))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate_hz)
        w.writeframes(bytes(frames))
    return buf.getvalue()


class Beeper(QObject):
    beeped = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.muted = False
        self.played = 0
        self._effect: Any = None
        self._wav_dir: tempfile.TemporaryDirectory[str] | None = None
        self.backend = "system beep"
        try:
            from PySide6.QtMultimedia import QSoundEffect  # type: ignore[attr-defined,unused-ignore]
        except ImportError:
            return
        self._wav_dir = tempfile.TemporaryDirectory(prefix="dorsi-beep-")
        path = Path(self._wav_dir.name) / "beep.wav"
        path.write_bytes(tone_wav())
        self._effect = QSoundEffect(self)
        self._effect.setSource(QUrl.fromLocalFile(str(path)))
        self.backend = "QSoundEffect"

    def beep(self) -> None:
        if self.muted:
            return
        self.played += 1
        if self._effect is not None:
            self._effect.play()
        else:
            QApplication.beep()
        self.beeped.emit()
