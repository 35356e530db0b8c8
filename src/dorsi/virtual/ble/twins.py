"""One virtual twin per sensor kind (dorsi.protocol.kinds): the same GATT service, served by bumble."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dorsi.protocol.kinds import DORSI, METAMOTION, WITMOTION, SensorKind
from dorsi.virtual.ble.dorsi_sensor import VirtualDorsiSensor
from dorsi.virtual.ble.feed import SampleFeed
from dorsi.virtual.ble.metamotion import VirtualMetaMotion
from dorsi.virtual.ble.peripheral import FaultPlan, VirtualPeripheral
from dorsi.virtual.ble.witmotion import VirtualWitMotion

if TYPE_CHECKING:
    from dorsi.virtual.ble.radio import VirtualRadio


@dataclass(frozen=True)
class Twin:
    make: Callable[..., VirtualPeripheral]  # (radio, feed, *, address=…, faults=…)
    feed_rate_hz: int  # the rate to simulate its feed at (ours plays the feed at its rate; the others sample it)


TWINS: dict[str, Twin] = {
    DORSI.id: Twin(VirtualDorsiSensor, DORSI.default_rate_hz),
    WITMOTION.id: Twin(VirtualWitMotion, max(WITMOTION.rates_hz)),
    METAMOTION.id: Twin(VirtualMetaMotion, max(METAMOTION.rates_hz)),
}


def make_twin(
    kind: SensorKind,
    radio: VirtualRadio,
    feed: SampleFeed,
    *,
    address: str | None = None,
    faults: FaultPlan | None = None,
) -> VirtualPeripheral:
    """The kind's virtual sensor on ``radio``, playing ``feed`` (every registered kind has one)."""
    return TWINS[kind.id].make(radio, feed, address=address, faults=faults)
