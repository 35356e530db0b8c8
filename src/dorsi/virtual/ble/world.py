"""A ready-made virtual world: the radio and the sensors ``--virtual`` and the demo use.

Two of our sensors (left and right shin) and a WitMotion (on the foot), fed by
the simulator performing a drill. The radio runs in real time unless ``speed``
says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorsi.virtual.ble.dorsi_sensor import VirtualDorsiSensor
from dorsi.virtual.ble.feed import SampleFeed, simulated_feed, swing_feed
from dorsi.virtual.ble.peripheral import FaultPlan, VirtualPeripheral
from dorsi.virtual.ble.radio import VirtualRadio
from dorsi.virtual.ble.witmotion import VirtualWitMotion

SHIN_RATE_HZ = 208.0  # protocol v1 rate closest to 200 Hz
FOOT_RATE_HZ = 100.0
LEFT_SHIN = "D0:5E:00:00:00:01"
RIGHT_SHIN = "D0:5E:00:00:00:02"
FOOT = "D0:5E:00:00:00:03"


@dataclass
class VirtualWorld:
    radio: VirtualRadio
    left: VirtualDorsiSensor
    right: VirtualDorsiSensor
    foot: VirtualWitMotion

    @property
    def sensors(self) -> list[VirtualPeripheral]:
        return [self.left, self.right, self.foot]

    async def close(self) -> None:
        await self.radio.close()


def _feed(drill: str | None, seconds: float, rate_hz: float, seed: int, side: str) -> SampleFeed:
    if drill is None:
        return swing_feed(rate_hz, min(seconds, 30.0))
    return simulated_feed(drill, seconds, rate_hz, seed=seed, side=side)


async def start_virtual_world(
    drill: str | None = "knee-to-wall",
    seconds: float = 120.0,
    *,
    seed: int = 0,
    speed: float = 1.0,
    faults: FaultPlan | None = None,
    simulate: tuple[str, ...] = ("left", "right"),
) -> VirtualWorld:
    """Build and power on the world. Shins listed in ``simulate`` perform ``drill`` (the
    simulator runs for them); the others, and all when ``drill`` is None, swing plainly."""
    radio = VirtualRadio(speed=speed)
    left = VirtualDorsiSensor(
        radio,
        _feed(drill if "left" in simulate else None, seconds, SHIN_RATE_HZ, seed, "left"),
        address=LEFT_SHIN,
        faults=faults,
        battery_pct=87,
    )
    right = VirtualDorsiSensor(
        radio,
        _feed(drill if "right" in simulate else None, seconds, SHIN_RATE_HZ, seed + 1, "right"),
        address=RIGHT_SHIN,
        battery_pct=62,
    )
    foot = VirtualWitMotion(radio, _feed(None, seconds, FOOT_RATE_HZ, seed, "left"), address=FOOT)
    await radio.start()
    return VirtualWorld(radio, left, right, foot)
