"""Virtual BLE sensors on a real BLE host stack (bumble), reachable through bleak.

Used by the demo and the tests, never by a measurement. See radio.py.
"""

from dorsi.virtual.ble.clock import ScaledClock
from dorsi.virtual.ble.dorsi_sensor import VirtualDorsiSensor
from dorsi.virtual.ble.feed import SampleFeed, simulated_feed, swing_feed
from dorsi.virtual.ble.peripheral import FaultPlan, Injected, VirtualPeripheral
from dorsi.virtual.ble.radio import VirtualRadio

__all__ = [
    "FaultPlan",
    "Injected",
    "SampleFeed",
    "ScaledClock",
    "VirtualDorsiSensor",
    "VirtualPeripheral",
    "VirtualRadio",
    "simulated_feed",
    "swing_feed",
]
