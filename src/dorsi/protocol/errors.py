"""The one error decoders raise on bytes they cannot use."""

from __future__ import annotations

from dorsi.errors import InputError


class DecodeError(InputError):
    """Bytes that are not a valid message: the message says why in one line."""
