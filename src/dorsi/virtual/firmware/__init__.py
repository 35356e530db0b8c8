"""Firmware in the loop: the reference firmware's code.py on stand-ins of its board and radio (harness.py)."""

from dorsi.virtual.firmware.harness import FirmwareHarness
from dorsi.virtual.firmware.link import LinkParams

__all__ = ["FirmwareHarness", "LinkParams"]
