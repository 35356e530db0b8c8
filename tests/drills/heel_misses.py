"""Every heel-down drill's count miss on the bench matrix's sessions, explained (a test helper; issue 18).

For each (model, profile, drill, seed) session (bench_reps.simulate_matrix_job's: 75 s, the profile's rate)
it runs the counter as the matrix does and, for every scripted trial, prints what the check saw: the heel
drawn (0: heel down), the rise judged (the two orientations' mean), each orientation's, σ, the bar, the
verdict, and why a trial was not judged (no rest / no hold / too slow / the gyro bias not yet measured / not
a full drive). ``--clean`` re-runs each session without sensor errors (the estimate's own bias there).

    python -m tests.drills.heel_misses LO HI [PROFILES] [MODELS] [DRILLS] [--clean] [--all]

Without ``--all`` only the sessions whose count is not exact are printed, then per profile: the heel-down
trials' rise quantiles and the smallest rise 3 σ / the 99th percentile lets through.
Held-out seeds are allowed (``--held-out``) for the once-only report at the end; never tune on them.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any
from unittest import mock

import numpy as np

from dorsi.drills import validity
from dorsi.drills.params import ValidityParams
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim.heldout import assert_tunable
from dorsi.virtual.sim.profiles import PROFILE_NAMES
from tests.drills.heel_profiles import simulate_variant


def session(model: str, profile: str, drill: str, seed: int, noise: bool = True) -> dict[str, Any]:
    sim = simulate_variant(model, profile, drill, seed, "full" if noise else "clean")
    got: dict[float, dict[str, Any]] = {}
    real_heel = validity.MotionBuffer.heel_estimate

    def heel_spy(self, start_s, end_s, band_deg, p, foot_cm):  # type: ignore[no-untyped-def]
        r = real_heel(self, start_s, end_s, band_deg, p, foot_cm)
        why = "" if math.isfinite(r.rise_cm) else (r.unjudged or "lever")
        got[round(start_s, 3)] = {**dataclasses.asdict(r), "sigma": r.sigma_cm(p), "why": why, "p": p}
        return r

    with mock.patch.object(validity.MotionBuffer, "heel_estimate", heel_spy):
        s = LiveSession(SessionSpec(rate_hz=sim.params.rate_hz, side=sim.params.side, drill=drill))
        s.feed(sim.recording.chunk)
        s.finish()
    c = s.counter
    assert c is not None
    truth = [r for r in sim.reps if not r.get("partial")]
    want = sum(1 for r in truth if r.get("valid", True))
    counted = [r for r in c.reps if not r.partial and not r.invalid_reason]
    rows = []
    for r in truth:
        det = min(c.reps, key=lambda d: abs(d.start_s - r["start_s"]), default=None)
        if det is None or abs(det.start_s - r["start_s"]) > 2.0:
            rows.append({"heel": float(r.get("heel_lift_cm", 0.0) or 0.0), "found": False})
            continue
        g = got.get(round(det.start_s, 3), {})
        p: ValidityParams = g.get("p", ValidityParams())
        sigma = g.get("sigma", math.nan)
        bar = max(p.heel_down_max_cm, p.sigma_z * sigma) if math.isfinite(sigma) else p.heel_rise_max_cm
        known = c.bias_measured_s is not None and c.bias_measured_s <= det.start_s
        rows.append(
            {
                "heel": float(r.get("heel_lift_cm", 0.0) or 0.0),
                "found": True,
                "start_s": det.start_s,
                "partial": det.partial,
                "invalid": det.invalid_reason,
                "uncertain": det.heel_uncertain,
                "rise": det.heel_rise_cm,
                "filter": g.get("filter_cm", math.nan),
                "gyro": g.get("gyro_cm", math.nan),
                "lev_f": g.get("filter_lever_cm", math.nan),
                "lev_g": g.get("gyro_lever_cm", math.nan),
                "sigma": sigma,
                "bar": bar,
                "T": g.get("drive_s", math.nan),
                "dens_ug": 1e6 * g.get("density_mps2_rthz", math.nan) / 9.80665,
                "rest_s": g.get("rest_s", math.nan),
                "hold_s": g.get("hold_s", math.nan),
                "why": g.get("why", "not judged") if g else "not judged",
                "bias_known": known,
                "peak": det.peak_tibial_inclination_deg,
            }
        )
    return {
        "key": (model, profile, drill, seed),
        "want": want,
        "got": len(counted),
        "n_found": len(c.reps),
        "rows": rows,
    }


def _job(a: tuple[str, str, str, int, bool]) -> dict[str, Any]:
    return session(*a)


def _fmt(x: float) -> str:
    return f"{x:5.2f}" if math.isfinite(x) else "  nan"


def main(argv: list[str]) -> None:
    flags = {a for a in argv if a.startswith("--")}
    args = [a for a in argv if not a.startswith("--")]
    lo, hi = int(args[0]), int(args[1])
    if "--held-out" not in flags:
        for sd in range(lo, hi):
            assert_tunable(sd)
    profiles = args[2].split(",") if len(args) > 2 else list(PROFILE_NAMES)
    models = args[3].split(",") if len(args) > 3 else ["velocity"]
    drills = args[4].split(",") if len(args) > 4 else ["knee-to-wall", "wall-test-half-kneeling"]
    noise = "--clean" not in flags
    jobs = [(m, p, d, s, noise) for p in profiles for m in models for d in drills for s in range(lo, hi)]
    out = sys.stdout.write
    down: dict[str, list[float]] = {}
    zs: dict[str, list[float]] = {}
    exact: dict[tuple[str, str, str], list[int]] = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        for res in pool.map(_job, jobs):
            m, p, d, s = res["key"]
            ok = res["want"] == res["got"]
            exact.setdefault((p, m, d), []).append(int(ok))
            for r in res["rows"]:
                if r["found"] and r["heel"] == 0.0 and math.isfinite(r.get("rise", math.nan)):
                    down.setdefault(p, []).append(r["rise"])
                    zs.setdefault(p, []).append(r["rise"] / r["sigma"])
            if ok and "--all" not in flags:
                continue
            out(f"{p} {m} {d} {s}: counted {res['got']} of {res['want']}\n")
            for r in res["rows"]:
                if not r["found"]:
                    out(f"   heel {r['heel']:.2f}  NOT FOUND\n")
                    continue
                verdict = "partial" if r["partial"] else r["invalid"] or ("uncertain" if r["uncertain"] else "counted")
                out(
                    f"   heel {r['heel']:.2f} t {r['start_s']:5.1f} rise {_fmt(r['rise'])} (f {_fmt(r['filter'])}"
                    f" g {_fmt(r['gyro'])}; lever f {_fmt(r['lev_f'])} g {_fmt(r['lev_g'])}) σ {_fmt(r['sigma'])}"
                    f" bar {_fmt(r['bar'])} T {_fmt(r['T'])} rest {_fmt(r['rest_s'])} hold {_fmt(r['hold_s'])}"
                    f" bias {'known' if r['bias_known'] else 'UNKNOWN'} {r['why']} → {verdict}\n"
                )
    for (p, m, d), v in exact.items():
        out(f"exact {p} {m} {d}: {sum(v)}/{len(v)}\n")
    for p, v in down.items():
        a, z = np.array(v), np.array(zs[p])
        out(
            f"heel-down {p}: n={a.size} rise mean {a.mean():+.2f} SD {a.std():.2f} q95 {np.quantile(a, 0.95):.2f}"
            f" q99 {np.quantile(a, 0.99):.2f} max {a.max():.2f}; z q99 {np.quantile(z, 0.99):.2f} max {z.max():.2f}\n"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
