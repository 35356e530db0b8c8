"""Pure measurement core: orientation, calibration, shin angles. No Qt, BLE or files."""
