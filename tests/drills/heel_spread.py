"""The heel check's spread per sensor profile, the full session only (a test helper; tuning seeds only):
for each profile × model, the lifted trials' estimate − truth (mean ± SD) and how many were caught, the
heel-down trials' spread and how many were rejected (heel_profiles.trials on the matrix's sessions).

    python -m tests.drills.heel_spread LO HI [PROFILES] [MODELS] [DRILLS]
"""

from __future__ import annotations

import math
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from tests.drills.heel_profiles import jobs_of, trials


def _job(args: tuple[str, str, str, int]) -> tuple[tuple[str, str, str, int], list[dict[str, Any]]]:
    model, profile, drill, seed = args
    return args, trials(model, profile, drill, seed, "full")


def _sd(x: list[float]) -> str:
    a = np.array([v for v in x if math.isfinite(v)])
    return f"{a.mean():+.2f} ± {a.std():.2f} (n={a.size})" if a.size else "—"


def main(argv: list[str]) -> None:
    jobs = jobs_of(argv, ["velocity"], ["knee-to-wall"])
    res: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        for (m, p, _d, _s), rows in pool.map(_job, jobs):
            res.setdefault((p, m), []).extend(rows)
    out = sys.stdout.write
    for (p, m), rows in res.items():
        down = [r for r in rows if r["true"] == 0.0]
        up = [r for r in rows if r["true"] > 0.0]
        out(
            f"{p} {m}: lifted est − true {_sd([r['est'] - r['true'] for r in up])},"
            f" caught {sum(r['called'] for r in up)} of {len(up)};"
            f" heel-down {_sd([r['est'] for r in down])}, rejected {sum(r['called'] for r in down)} of {len(down)}\n"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
