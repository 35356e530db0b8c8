"""The hold-done cue: a real tone through the sound output, a visual flash always, said once when silent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from dorsi.ui.settings import AppSettings
from dorsi.ui.sound import NO_OUTPUT, TONE_HZ, TONE_S, Beeper, find_output, tone
from dorsi.ui.views.settings import SettingsView


def test_the_tone_is_the_cue_frequency_and_length() -> None:
    rate_hz = 48000
    samples = tone(rate_hz)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) == round(TONE_S * rate_hz)
    assert 0.3 < float(np.max(np.abs(samples))) <= 1.0
    spectrum = np.abs(np.fft.rfft(samples, 8 * len(samples)))
    peak_hz = float(np.argmax(spectrum)) * rate_hz / (8 * len(samples))
    assert abs(peak_hz - TONE_HZ) < 2.0, peak_hz
    assert samples[0] == 0.0 and abs(samples[-1]) < 1e-3  # faded in and out: no click


def test_finding_the_output_never_raises() -> None:
    output, why = find_output()
    if output is None:
        assert why  # one plain reason
    else:
        assert output.name and not why


def test_without_an_audio_output_the_cue_is_visual_and_said_once(qtbot: QtBot) -> None:
    beeper = Beeper(find=lambda: (None, "no output device"))
    assert beeper.backend == NO_OUTPUT
    notices: list[str] = []
    cues: list[bool] = []
    beeper.notice.connect(notices.append)
    beeper.beeped.connect(lambda: cues.append(True))
    for _ in range(3):
        assert beeper.beep() == NO_OUTPUT
    assert cues == [True, True, True]  # the views flash every time
    assert len(notices) == 1 and "visual" in notices[0] and "no output device" in notices[0]


def test_test_sound_shows_what_it_played_through(qtbot: QtBot) -> None:
    beeper = Beeper(find=lambda: (None, "no output device"))
    view = SettingsView(AppSettings(), beeper)
    qtbot.addWidget(view)
    view.show()
    assert not view.sound_lamp.lit
    qtbot.mouseClick(view.test_sound, Qt.MouseButton.LeftButton)
    assert view.sound_lamp.lit  # seen, heard or not
    assert view.sound_status.text() == f"Played the cue: {NO_OUTPUT}"
    assert beeper.played == 1


TOOLS = ("pulseaudio", "pactl", "parec")


@pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS) or find_output()[1].startswith("PortAudio"),
    reason="needs PulseAudio (pulseaudio, pulseaudio-utils) and libportaudio2: tools/beep_check.py's virtual sink",
)
def test_the_cue_is_heard_through_a_real_audio_path() -> None:
    """tools/beep_check.py: the app's cue through PortAudio → ALSA → a PulseAudio null sink, recorded."""
    tool = Path(__file__).resolve().parents[2] / "tools" / "beep_check.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE")}
    done = subprocess.run([sys.executable, str(tool)], capture_output=True, text=True, timeout=90, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "heard as designed: yes" in done.stdout
    assert "the hold ring flashed" in done.stdout
