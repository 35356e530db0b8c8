"""The ankle matrix's rest with channels leaving their anchors' bands on a still shin (the plain rest,
``ExcursionSegmenter._rest_plain``, hands those samples to the rest loop's settle runs): the same reps and the
same end state, bit for bit, as the whole rest loop, for any chunking."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dorsi.drills.excursion import Channel, ExcursionSegmenter, Segment
from dorsi.drills.params import CounterParams
from tests.drills.helpers import drill_frames

RATE_HZ = 200.0


def _session() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """90 s still with sensor noise (0.05°), steps on a still shin: frontal +0.7° (leaves its anchor's band,
    within a quarter of its start threshold), inclination −1.5° (a settled run below the rest level: a new
    stance), axial +0.6°, frontal +1.2° with inclination −1.5° at once, then axial +1.2° (past the quarter on
    the sample that leaves the band); then one 4 s forward drive 10° → 30° → 10° and 10 s still."""
    rng = np.random.default_rng(1200)
    t = np.arange(int(104 * RATE_HZ)) / RATE_HZ
    values = np.column_stack([np.full_like(t, 10.0), np.zeros_like(t), 0.01 * t])  # (axial: a slow bias drift)
    values += 0.05 * rng.standard_normal(values.shape)
    for at_s, step in ((20.0, (0.0, 0.7, 0.0)), (35.0, (-1.5, 0.0, 0.0)), (50.0, (0.0, 0.0, 0.6))):
        values[t >= at_s] += step
    values[t >= 65.0] += (-1.5, 1.2, 0.0)
    values[t >= 80.0] += (0.0, 0.0, 1.2)
    u = np.clip((t - 90.0) / 4.0, 0.0, 1.0)
    values[:, 0] += 10.0 * (1 - np.cos(2 * np.pi * u))
    speed = np.where((t >= 90.0) & (t <= 94.0), 30.0, 0.0)
    return t, values, speed


def _run(chunk: int) -> tuple[list[Segment], list[str]]:
    chans = [
        Channel("incl", 5.0, 4.0, 6.0, True),
        Channel("frontal", 5.0, 4.0, 2.0, False),
        Channel("axial", 5.0, 4.0, 3.0, False, True),
    ]
    seg = ExcursionSegmenter(chans, CounterParams())
    t, values, speed = _session()
    frames = drill_frames(t, values[:, 0], values[:, 1], speed, values[:, 2])
    out: list[Segment] = []
    states = []  # after each chunk (the rest levels forget a difference within seconds)
    for a in range(0, len(t), chunk):
        seg.detect(frames.slice(a, a + chunk), out.append)
        states.append(repr(vars(seg.state)))
    return out, states


def _key(segs: list[Segment]) -> list[tuple[Any, ...]]:
    return [(s.channel, s.sign, s.start_s, s.end_s, s.base, s.values.tobytes()) for s in segs]


@pytest.mark.parametrize("chunk", [20_800, 4096, 300])
def test_plain_rest_through_band_exits_matches_the_whole_loop(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    taken: list[int] = []
    plain = ExcursionSegmenter._rest_plain

    def spy(self: ExcursionSegmenter, *args: Any) -> Any:
        out = plain(self, *args)
        taken.append(out[0] - args[1])
        return out

    monkeypatch.setattr(ExcursionSegmenter, "_rest_plain", spy)
    fast, fast_states = _run(chunk)
    monkeypatch.setattr(ExcursionSegmenter, "plain_rest", False)
    whole, whole_states = _run(chunk)
    assert [s.channel for s in fast] == [0]  # the drive; no step on a still shin is a rep
    assert _key(fast) == _key(whole)
    assert fast_states == whole_states  # (repr: exact floats, nan included)
    # the steps are taken inside the plain rest: a few calls, most of the still samples
    assert sum(taken) > 0.7 * 90.0 * RATE_HZ
