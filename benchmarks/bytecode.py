"""Compile dorsi's byte-code before a timed run, as installing a wheel does.

An editable install leaves no byte-code; Python writes it on the first import, unless
PYTHONDONTWRITEBYTECODE is set (as on this project's CI and build hosts), when every run
would compile ~50 modules again (≈ 80 ms of CPU) — a cost no installed copy pays, while
the baseline's numpy and vqf come compiled from site-packages.
"""

from __future__ import annotations

import compileall
import os

import dorsi


def ensure_compiled() -> str:
    """Byte-code for every dorsi module (a no-op when it is current); returns a line for the report."""
    root = os.path.dirname(dorsi.__file__)
    ok = compileall.compile_dir(root, quiet=1)
    return "dorsi's byte-code compiled first, as an install does" if ok else "dorsi's byte-code: compile FAILED"
