"""The heel check's "clean" bar (ValidityParams.heel_clean_z): the standardized rise z = rise / σ of every judged
trial per sensor profile (a test helper; tuning seeds only, 1000–1999), heel-down trials against the lifted ones
the 3 σ bar misses, and what the best of each knee-to-wall session would read with the trials over a bar kept
out of it.

    python -m tests.drills.heel_clean LO HI [PROFILES] [MODELS] [DRILLS]     # runs, saves /tmp/heel_clean.json
    python -m tests.drills.heel_clean --from FILE [BAR ...]                  # prints from a saved run

Each session is the bench matrix's (heel_profiles.trials, the full sensor errors), both models, knee-to-wall and
the wall test by default.
"""

from __future__ import annotations

import json
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from dorsi.drills.params import ValidityParams
from tests.drills.heel_profiles import jobs_of, trials

SAVE = "/tmp/heel_clean.json"
BARS = (1.5, 1.75, 2.0, 2.25, 2.5)
QUANTILES = (0.90, 0.95, 0.97, 0.98, 0.99)


def _job(args: tuple[str, str, str, int]) -> tuple[tuple[str, str, str, int], list[dict[str, Any]]]:
    model, profile, drill, seed = args
    return args, trials(model, profile, drill, seed, "full")


def _z(r: dict[str, Any]) -> float:
    est, sig = r["est"], r["sigma_cm"]
    return est / sig if math.isfinite(est) and math.isfinite(sig) and sig > 0 else math.nan


def _best_err(rows: list[dict[str, Any]], bar: float | None) -> float | None:
    """A session's reported best − true best over its heel-down trials: the best of the counted trials, those
    under the clean bar only when one is (``None``: no bar)."""
    counted = [r for r in rows if not r["called"]]
    true = [r["true_peak_deg"] for r in rows if r["true"] == 0.0]
    if not counted or not true:
        return None
    clean = [r for r in counted if bar is None or not _z(r) > bar]
    return max(r["peak_deg"] for r in (clean or counted)) - max(true)


def report(res: list[dict[str, Any]], bars: tuple[float, ...]) -> None:
    out = sys.stdout.write
    p = ValidityParams()
    down = [r for r in res if r["true"] == 0.0 and math.isfinite(_z(r))]
    missed = [r for r in res if r["true"] > 0.0 and not r["called"] and math.isfinite(_z(r))]
    zd = np.array([_z(r) for r in down])
    rejected = sum(r["called"] for r in down)
    out(f"heel-down judged {len(down)} (rejected {rejected}), lifted missed by 3 σ {len(missed)}\n")
    out("pooled heel-down z quantiles: " + ", ".join(f"{q:.2f}: {np.quantile(zd, q):.2f}" for q in QUANTILES) + "\n")
    profiles = sorted({r["profile"] for r in res})
    for prof in profiles:
        for m in ("keyframe", "velocity"):
            d = np.array([_z(r) for r in down if r["profile"] == prof and r["model"] == m])
            mz = np.array([_z(r) for r in missed if r["profile"] == prof and r["model"] == m])
            if not d.size:
                continue
            out(
                f"  {prof:13s} {m:8s} heel-down n={d.size} z {d.mean():+.2f} ± {d.std():.2f},"
                f" q95 {np.quantile(d, 0.95):.2f}, max {d.max():.2f}; missed lifts n={mz.size} z "
                + " ".join(f"{z:.1f}" for z in np.sort(mz))
                + "\n"
            )
    out(f"bar: heel-down kept out (pooled, per profile) · missed lifts kept out · (3 σ lift bar {p.sigma_z})\n")
    for bar in bars:
        per = ", ".join(
            f"{prof} {np.mean([_z(r) > bar for r in down if r['profile'] == prof]):.1%}" for prof in profiles
        )
        out(
            f"  z > {bar:.2f}: {np.mean(zd > bar):.1%} of heel-down ({int(np.sum(zd > bar))}; {per});"
            f" missed lifts {sum(_z(r) > bar for r in missed)} of {len(missed)}\n"
        )
    for bar in bars:
        kept = [r for r in down if not r["called"] and _z(r) > bar]
        sess: dict[tuple[str, str, str, int], list[dict[str, Any]]] = {}
        for r in res:
            sess.setdefault((r["profile"], r["model"], r["drill"], r["seed"]), []).append(r)
        none_clean = sum(
            1 for v in sess.values() if (c := [r for r in v if not r["called"]]) and all(_z(r) > bar for r in c)
        )
        out(
            f"z > {bar:.2f}: heel-down trials counted but kept out of the best {len(kept)} of {len(down)};"
            f" sessions with no clean trial {none_clean} of {len(sess)}\n"
        )
    # the knee-to-wall best error per profile × model, sessions grouped by (model, profile, seed)
    out(
        "knee-to-wall best − true best (°), worst |·| / mean / sessions over +1°, per profile × model:"
        " no bar → each bar\n"
    )
    for prof in profiles:
        for m in ("keyframe", "velocity"):
            sess: dict[int, list[dict[str, Any]]] = {}
            for r in res:
                if r["profile"] == prof and r["model"] == m and r["drill"] == "knee-to-wall":
                    sess.setdefault(r["seed"], []).append(r)
            cells = []
            for bar in (None, *bars):
                e = [x for x in (_best_err(v, bar) for v in sess.values()) if x is not None]
                if e:
                    over = sum(x > 1.0 for x in e)
                    cells.append(f"{max(e, key=abs):+.2f}/{np.mean(e):+.2f}/{over}")
            out(f"  {prof:13s} {m:8s} n={len(sess)}: " + "  ".join(cells) + "\n")


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--from":
        with open(argv[1]) as f:
            res = json.load(f)
        report(res, tuple(float(b) for b in argv[2:]) or BARS)
        return
    jobs = jobs_of(argv, ["keyframe", "velocity"], ["knee-to-wall", "wall-test-half-kneeling"])
    res: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=2) as pool:
        for (m, p, d, _s), rows in pool.map(_job, jobs):
            res += [{"model": m, "profile": p, "drill": d, **r} for r in rows]
    with open(SAVE, "w") as f:
        json.dump(res, f)
    report(res, BARS)


if __name__ == "__main__":
    main(sys.argv[1:])
