"""One module per screen; each view takes models (and settings), never a device."""
