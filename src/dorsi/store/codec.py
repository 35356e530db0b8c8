"""Sample blobs: an (n, columns) float64 matrix stored column by column.

Codecs (the id is stored with every blob, so old blobs stay readable if the default changes):
  1 RAW      little-endian float64, column-major: fastest, 8 bytes per value.
  2 SHUFFLE  the same bytes split into 8 byte planes, then zlib level 1: smaller,
             lossless (every float64 comes back bit for bit).
docs/storage.md has the measured sizes and speeds behind the default.
"""

from __future__ import annotations

import zlib

import numpy as np
from numpy.typing import NDArray

CODEC_RAW = 1
CODEC_SHUFFLE = 2
DEFAULT_CODEC = CODEC_SHUFFLE

_LE_F64 = np.dtype("<f8")


class CodecError(ValueError):
    """A blob that does not decode: the database is damaged."""


def encode(matrix: NDArray[np.float64], codec: int = DEFAULT_CODEC) -> bytes:
    """Encode an (n, k) matrix; column-major so each column's values sit together."""
    m = np.asarray(matrix, dtype=_LE_F64)
    if m.ndim == 1:
        m = m[:, None]
    raw = np.ascontiguousarray(m.T)
    if codec == CODEC_RAW:
        return raw.tobytes()
    if codec == CODEC_SHUFFLE:
        planes = raw.reshape(-1).view(np.uint8).reshape(-1, 8).T
        return zlib.compress(np.ascontiguousarray(planes).tobytes(), 1)
    raise ValueError(f"unknown codec {codec}")


def decode(blob: bytes, n: int, k: int, codec: int) -> NDArray[np.float64]:
    """Inverse of encode: an (n, k) float64 matrix."""
    if codec == CODEC_RAW:
        data = blob
    elif codec == CODEC_SHUFFLE:
        try:
            planes = zlib.decompress(blob)
        except zlib.error as exc:
            raise CodecError(f"damaged sample block ({exc})") from None
        if len(planes) != n * k * 8:
            raise CodecError("damaged sample block (wrong length)")
        data = np.frombuffer(planes, dtype=np.uint8).reshape(8, -1).T.copy().tobytes()
    else:
        raise CodecError(f"sample block written with an unknown codec {codec}")
    if len(data) != n * k * 8:
        raise CodecError("damaged sample block (wrong length)")
    cols = np.frombuffer(data, dtype=_LE_F64).reshape(k, n)
    return np.ascontiguousarray(cols.T, dtype=np.float64)
