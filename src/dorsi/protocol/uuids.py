"""Bluetooth identifiers of the supported sensors (firmware_protocol/SPEC.md §1–2, §11–12).

The kinds themselves (which UUID is whose data, rates, ranges) are dorsi.protocol.kinds.

Ours are project-owned random 128-bit UUIDs sharing one base; only the 16 bits
after the first four hex digits differ. WitMotion uses the Bluetooth SIG base
(…-0000-1000-8000-00805f9a34fb) with its vendor 16-bit values ffe5/ffe4/ffe9.
"""

from __future__ import annotations

# --- dorsi sensor protocol v1 -------------------------------------------------
DORSI_NAME_PREFIX = "dorsi-"  # complete local name "dorsi-XXXX" (scan response)
DORSI_SERVICE_UUID = "f744fe10-9713-424a-94ea-49d710097611"
DORSI_DATA_UUID = "f744fe11-9713-424a-94ea-49d710097611"  # notify: sample packets
DORSI_CONTROL_UUID = "f744fe12-9713-424a-94ea-49d710097611"  # write: commands
DORSI_STATUS_UUID = "f744fe13-9713-424a-94ea-49d710097611"  # notify + read: status/response/error

# Standard Battery Service, also served by the reference firmware.
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"

# --- WitMotion BWT901BLECL / WT901BLE 5.0 -------------------------------------
# Note the vendor base ends in 9a34fb, not the SIG's 9b34fb.
WITMOTION_NAME_PREFIX = "WT901"
WITMOTION_SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
WITMOTION_NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WITMOTION_WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"

# --- MbientLab MetaMotion (MetaWear firmware) ---------------------------------------
METAMOTION_NAME_PREFIX = "MetaWear"
METAMOTION_SERVICE_UUID = "326a9000-85cb-9195-d9dd-464cfbbae75a"
METAMOTION_COMMAND_UUID = "326a9001-85cb-9195-d9dd-464cfbbae75a"
METAMOTION_NOTIFY_UUID = "326a9006-85cb-9195-d9dd-464cfbbae75a"
