"""Firmware in the loop: the reference firmware's code.py on stand-ins of its board and radio (harness.py)."""

from dorsi.virtual.firmware.bleio import LinkParams
from dorsi.virtual.firmware.harness import FirmwareHarness

__all__ = ["FirmwareHarness", "LinkParams"]
