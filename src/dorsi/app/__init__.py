"""The composition root: wires device sources, the pipeline, the rep counter and the store to the UI's models.

dorsi.ui never sees a device; this package owns the sensors (real BLE through
dorsi.ble, the virtual BLE sensor on bumble, or a replay), runs the
measurement on the shared asyncio loop (qasync) and writes into the models.
"""
