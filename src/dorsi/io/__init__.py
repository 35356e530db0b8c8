"""File formats (raw IMU CSV, derived samples). Knows nothing of Qt or BLE."""
