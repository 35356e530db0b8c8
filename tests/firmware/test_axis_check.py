"""The README's axis check (firmware_protocol/README.md §4) run on code.py in the loop.

Each step holds the board in one pose and names the axis that must read what. The first
three steps (flat, on its end, turned on the table) pin Y and Z but not X: a signed
permutation with X's sign flipped passes them and gives a left-handed frame. The steps
that tilt the board about X and stand it on its side test X; the check as a whole
accepts the right AXIS_MAP and rejects that one.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dorsi.ble.decode import SampleChunk
from dorsi.ble.stream import SensorStream
from dorsi.motion.types import GRAVITY_MPS2
from dorsi.virtual.ble import VirtualRadio, swing_feed
from dorsi.virtual.ble.feed import SampleFeed
from dorsi.virtual.firmware import FirmwareHarness
from dorsi.virtual.firmware.harness import FIRMWARE_DIR

RATE_HZ = 104
TURN_DPS = 60.0  # a slow turn by hand
SETTLE_S = 0.1  # samples this long after a pose change are surely of the new pose (≫ the least latency)
FLAT = (0.0, 0.0, GRAVITY_MPS2)


@dataclass(frozen=True)
class Step:
    what: str  # as README §4 says it
    acc_mps2: tuple[float, float, float]  # product axes: what the board feels
    gyr_dps: tuple[float, float, float]
    sensor: str  # "acc" or "gyr": which reading the step checks
    axis: int  # the product axis that must read +1 g or a positive turn rate; the others ≈ 0
    new: bool  # added so that X is tested


STEPS = (
    Step("flat on the table, components up", FLAT, (0, 0, 0), "acc", 2, new=False),
    Step("standing on its end, USB-C connector up", (0, GRAVITY_MPS2, 0), (0, 0, 0), "acc", 1, new=False),
    Step("on its left long edge, components facing left", (GRAVITY_MPS2, 0, 0), (0, 0, 0), "acc", 0, new=True),
    Step("flat, turned counter-clockwise seen from above", FLAT, (0, 0, TURN_DPS), "gyr", 2, new=False),
    Step("flat, USB-C end lifted", FLAT, (TURN_DPS, 0, 0), "gyr", 0, new=True),
    Step("flat, left long edge lifted", FLAT, (0, TURN_DPS, 0), "gyr", 1, new=True),
)


def _passes(step: Step, acc_mps2: np.ndarray, gyr_dps: np.ndarray) -> bool:
    """The reading a person looks for: the named axis at +1 g (or turning positive), the others near 0."""
    if step.sensor == "acc":
        want = np.zeros(3)
        want[step.axis] = GRAVITY_MPS2
        return bool(np.all(np.abs(acc_mps2 - want) < 0.1 * GRAVITY_MPS2))
    others = np.delete(gyr_dps, step.axis)
    return bool(gyr_dps[step.axis] > 0.5 * TURN_DPS and np.all(np.abs(others) < 0.1 * TURN_DPS))


def _pose(step: Step) -> SampleFeed:
    return SampleFeed(float(RATE_HZ), np.array([step.acc_mps2], float), np.array([step.gyr_dps], float))


async def _run_check(firmware_dir: Path) -> dict[str, bool]:
    """Every step through code.py and the app's real BLE code: step → passed."""
    radio = VirtualRadio()
    board = FirmwareHarness(radio, swing_feed(RATE_HZ, 10.0), firmware_dir=firmware_dir)
    await board.start()
    results: dict[str, bool] = {}
    try:
        async with SensorStream(board.address, backends=radio.backends, rate_hz=RATE_HZ) as stream:
            for step in STEPS:
                board.imu.feed = _pose(step)  # the person puts the board in the pose
                since_s = radio.clock.now_s() + SETTLE_S
                acc, gyr = [], []
                async for item in stream:
                    if isinstance(item, SampleChunk):
                        new = item.time_s >= since_s  # app time of taking, on the same clock
                        acc.append(item.acc_mps2[new])
                        gyr.append(item.gyr_dps[new])
                        if sum(len(a) for a in acc) >= 20:
                            break
                results[step.what] = _passes(step, np.concatenate(acc).mean(0), np.concatenate(gyr).mean(0))
    finally:
        await board.stop()
        await radio.close()
    return results


def _firmware_with_axis_map(tmp_path: Path, axis_map: str) -> Path:
    folder = tmp_path / "firmware"
    shutil.copytree(FIRMWARE_DIR, folder)
    code = folder / "code.py"
    text, n = re.subn(r"^AXIS_MAP = .*$", f"AXIS_MAP = {axis_map}", code.read_text(), flags=re.M)
    assert n == 1
    code.write_text(text)
    return folder


async def test_the_reference_firmware_passes_every_step() -> None:
    results = await _run_check(FIRMWARE_DIR)
    assert all(results.values()), results


async def test_a_flipped_x_passes_the_old_steps_and_fails_the_new_ones(tmp_path: Path) -> None:
    x_flipped = "((0, -1), (1, 1), (2, 1))"  # a left-handed frame: the frontal tilt's sign turns
    results = await _run_check(_firmware_with_axis_map(tmp_path, x_flipped))
    old = {s.what: results[s.what] for s in STEPS if not s.new}
    new = {s.what: results[s.what] for s in STEPS if s.new}
    assert all(old.values()), old  # the check as it was could not see it
    # standing on its side and lifting the USB-C end read X; lifting the left edge (gyro Y) does not
    assert new == {STEPS[2].what: False, STEPS[4].what: False, STEPS[5].what: True}
