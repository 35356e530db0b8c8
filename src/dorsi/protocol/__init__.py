"""Sensor protocols, pure (no I/O, no radio): firmware_protocol/SPEC.md.

uuids      service/characteristic UUIDs and name prefixes (ours, WitMotion)
encoder    the canonical v1 encoder, shared byte-for-byte with the CircuitPython firmware
dorsi_v1   decode_packet / decode_batch, status messages, command builders
witmotion  WitMotion BWT901BLECL / WT901BLE 5.0 frames, commands, WitClock
metamotion MbientLab MetaMotion (BMI160) acc/gyro notifications, commands
timeline   packets → ordered samples on the host clock; loss/duplicate/reorder counts
errors     DecodeError (an InputError)
"""
