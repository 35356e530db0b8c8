"""A ready-made virtual world: the radio and the sensors ``--virtual`` and the demo use.

Two of our sensors (left and right shin) and one twin of every other sensor kind,
fed by the simulator performing a drill. The sensor of the chosen ``kind`` on the
sides listed in ``simulate`` performs it; the others swing plainly. The radio runs
in real time unless ``speed`` says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dorsi.protocol.kinds import DORSI, KINDS, SensorKind
from dorsi.virtual.ble.dorsi_sensor import VirtualDorsiSensor
from dorsi.virtual.ble.feed import SampleFeed, simulated_feed, swing_feed
from dorsi.virtual.ble.peripheral import FaultPlan, VirtualPeripheral
from dorsi.virtual.ble.radio import VirtualRadio
from dorsi.virtual.ble.twins import TWINS, make_twin

SHIN_RATE_HZ = TWINS[DORSI.id].feed_rate_hz
LEFT_SHIN = "D0:5E:00:00:00:01"
RIGHT_SHIN = "D0:5E:00:00:00:02"


@dataclass
class VirtualWorld:
    radio: VirtualRadio
    left: VirtualDorsiSensor
    right: VirtualDorsiSensor
    others: dict[str, VirtualPeripheral] = field(default_factory=dict)  # one per other kind, by kind id

    @property
    def sensors(self) -> list[VirtualPeripheral]:
        return [self.left, self.right, *self.others.values()]

    def sensor(self, kind: SensorKind, side: str) -> VirtualPeripheral:
        """The sensor of this kind (ours: on this side)."""
        if kind.id == DORSI.id:
            return self.left if side == "left" else self.right
        return self.others[kind.id]

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
    kind: SensorKind = DORSI,
) -> VirtualWorld:
    """Build and power on the world. The ``kind`` sensors on the sides in ``simulate`` perform
    ``drill`` (the simulator runs for them; a twin of another kind takes the first side listed);
    the others, and all when ``drill`` is None, swing plainly."""

    def performs(k: SensorKind, side: str) -> str | None:
        return drill if k.id == kind.id and side in simulate else None

    radio = VirtualRadio(speed=speed)
    left = VirtualDorsiSensor(
        radio,
        _feed(performs(DORSI, "left"), seconds, SHIN_RATE_HZ, seed, "left"),
        address=LEFT_SHIN,
        faults=faults,
        battery_pct=87,
    )
    right = VirtualDorsiSensor(
        radio,
        _feed(performs(DORSI, "right"), seconds, SHIN_RATE_HZ, seed + 1, "right"),
        address=RIGHT_SHIN,
        battery_pct=62,
    )
    others: dict[str, VirtualPeripheral] = {}
    side = simulate[0] if simulate else "left"
    for i, other in enumerate(k for k in KINDS.values() if k.id != DORSI.id):
        feed = _feed(performs(other, side), seconds, TWINS[other.id].feed_rate_hz, seed, side)
        others[other.id] = make_twin(other, radio, feed, address=f"D0:5E:00:00:00:{3 + i:02X}")
    await radio.start()
    return VirtualWorld(radio, left, right, others)
