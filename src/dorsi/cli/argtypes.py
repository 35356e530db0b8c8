"""Checked command-line values: a bad one is one line naming the option, exit 2 (an InputError).

Options are declared ``type=str`` and converted in ``run`` (an argparse type error would print the
usage block too, not one line):

    rotation = strap_rotation_deg(args.strap_rotation)   # None stays None
"""

from __future__ import annotations

import math

from dorsi.errors import InputError

STRAP_ROTATION_MAX_DEG = 180.0  # the strap may sit anywhere around the shin: ±180° names each rotation once


def finite_float(text: str | None, option: str, lo: float, hi: float, unit: str = "") -> float | None:
    """A finite number within [lo, hi] (None for None); nan, inf and out-of-range values are refused."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{option} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{option} {text} is not a finite number")
    if not lo <= value <= hi:
        raise InputError(f"{option} {text} is outside {lo:g} to {hi:g}{unit}")
    return value


def int_in(text: str | None, option: str, lo: int, hi: int) -> int | None:
    """A whole number within [lo, hi] (None for None)."""
    if text is None:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        raise InputError(f"{option} {text!r} is not a whole number") from None
    if not lo <= value <= hi:
        raise InputError(f"{option} {text} is outside {lo} to {hi}")
    return value


def strap_rotation_deg(text: str | None, option: str = "--strap-rotation") -> float | None:
    return finite_float(text, option, -STRAP_ROTATION_MAX_DEG, STRAP_ROTATION_MAX_DEG, "°")


def seed(text: str | None, option: str = "--seed") -> int | None:
    return int_in(text, option, 0, 2**63 - 1)
