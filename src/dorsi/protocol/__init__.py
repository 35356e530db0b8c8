"""Sensor protocols, pure (no I/O, no radio): firmware_protocol/SPEC.md.

kinds      the sensor-kind registry: one entry per brand (UUIDs, rates, ranges, profile, decoder)
uuids      service/characteristic UUIDs and name prefixes (ours, WitMotion, MetaMotion)
encoder    the canonical v1 encoder, shared byte-for-byte with the CircuitPython firmware
dorsi_v1   decode_packet / decode_batch, status messages, command builders
witmotion  WitMotion BWT901BLECL / WT901BLE 5.0 frames, commands
metamotion MbientLab MetaMotion (BMI160 / BMI270) module info, acc/gyro notifications, commands
decoders   notifications → ordered samples per kind (ArrivalClock for counterless sensors)
timeline   packets → ordered samples on the host clock; loss/duplicate/reorder counts
inspect    one notification → rows for `dorsi decode`
errors     DecodeError (an InputError)
"""
