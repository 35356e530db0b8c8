"""dorsi: shin-angle companion for a Bluetooth IMU strapped to the shin."""

__version__ = "0.1.0"
