"""The named seed sets: TUNING (detection may be tuned on it) and HELD_OUT (never tuned on, only reported).

One place for every model × sensor profile: a session is (model, profile, drill, seed), and the same
seed draws the same person and movement under every profile, so profiles compare like for like.
The key-frame corpus's historical seeds (0–3 corpus, 6–41 fresh checks, 100–159 MDC people) lie
outside both sets. Whoever tunes a rule calls ``assert_tunable(seed)`` on what they tune on.

    from dorsi.virtual.sim.heldout import HELD_OUT, MODELS, PROFILE_NAMES, TUNING, seeds
"""

from __future__ import annotations

from typing import Literal

from dorsi.virtual.sim.params import MODELS
from dorsi.virtual.sim.profiles import PROFILE_NAMES

TUNING = range(1000, 2000)  # detection rules may be tuned on these
HELD_OUT = range(7000, 8000)  # never used to tune anything: reported beside TUNING

Split = Literal["tuning", "held-out"]
SPLITS: dict[Split, range] = {"tuning": TUNING, "held-out": HELD_OUT}

__all__ = ["HELD_OUT", "MODELS", "PROFILE_NAMES", "SPLITS", "TUNING", "assert_tunable", "seeds", "split_of"]


def seeds(split: Split, n: int) -> list[int]:
    """The first n seeds of a split (the same n seeds every time: a fixed, reproducible set)."""
    rng = SPLITS[split]
    if not 1 <= n <= len(rng):
        raise ValueError(f"n must be within 1–{len(rng)}, got {n}")
    return list(rng[:n])


def split_of(seed: int) -> Split | None:
    """Which named set a seed belongs to (None: neither)."""
    for name, rng in SPLITS.items():
        if seed in rng:
            return name
    return None


def assert_tunable(seed: int) -> None:
    """Raise if a seed is held out: a rule tuned on it would make the held-out figures meaningless."""
    if seed in HELD_OUT:
        raise ValueError(f"seed {seed} is held out (HELD_OUT {HELD_OUT.start}–{HELD_OUT.stop - 1}): never tune on it")
