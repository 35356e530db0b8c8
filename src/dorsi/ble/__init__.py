"""Live BLE sensors on bleak: scanning, streaming with reconnection, decoding off the radio path.

No UI here. The app and the CLI both consume ``SensorStream`` (see stream.py);
``BleBackends`` selects the platform's Bluetooth or a virtual radio.
"""

from dorsi.ble.backends import PLATFORM, BleBackends
from dorsi.ble.decode import SampleChunk
from dorsi.ble.scan import FoundSensor, find_sensor, scan_sensors
from dorsi.ble.stream import GapEvent, ReconnectPolicy, SensorStream, State, StateEvent, StreamItem
from dorsi.protocol.kinds import KINDS, SensorKind

__all__ = [
    "KINDS",
    "PLATFORM",
    "BleBackends",
    "FoundSensor",
    "GapEvent",
    "ReconnectPolicy",
    "SampleChunk",
    "SensorKind",
    "SensorStream",
    "State",
    "StateEvent",
    "StreamItem",
    "find_sensor",
    "scan_sensors",
]
