"""The heel check on a bench-calibrated unit (issue 18): each judged trial's rise and σ with the session's
samples as recorded (``raw``), after the six-face bench calibration of the same unit (``cal``:
benchmarks/bench_reps.bench_calibrated, what `dorsi analyze --profile` feeds the pipeline) and with no sensor
errors (``clean``), a test helper; tuning seeds only, 1000–1999.

Each session is heel_profiles.trials' (the matrix's drill, profile and model), both models, knee-to-wall and
the wall test by default. The ``cal`` runs tell the counter the unit is calibrated (SessionSpec.unit_calibrated).
Printed: the heel-down spread and the lifts' error per state, the heel-down z = rise / σ quantiles, and σ's
floor and noise gain fitted on the calibrated heel-down trials (Gaussian maximum likelihood of rise ~ N(0, σ²)
with σ = hypot(floor, gain · white), white the trial's white-noise term).

    python -m tests.drills.heel_calibrated LO HI [PROFILES] [MODELS] [DRILLS]   # runs, saves /tmp/heel_calibrated.json
    python -m tests.drills.heel_calibrated --from FILE                          # prints from a saved run
    python -m tests.drills.heel_calibrated --lifts HEEL_CM LO HI                # one lift of HEEL_CM per session

``--lifts``: heel_lift.simulate_heel_lift's knee-to-wall (one trial lifted by HEEL_CM), every profile × model,
bench-calibrated, judged with today's σ (the counter not told) and with the calibrated σ (told).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import numpy as np

from dorsi.drills.params import ValidityParams
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim import SimResult
from dorsi.virtual.sim.heldout import assert_tunable
from dorsi.virtual.sim.profiles import PROFILE_NAMES, PROFILES
from tests.drills import heel_profiles
from tests.drills.heel_lift import simulate_heel_lift
from tests.drills.heel_profiles import jobs_of

SAVE = "/tmp/heel_calibrated.json"
STATES = ("raw", "cal", "clean")
QUANTILES = (0.50, 0.90, 0.95, 0.99, 1.0)
BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_reps.py"


def bench() -> ModuleType:
    """benchmarks/bench_reps.py as a module (its bench_calibrated: the simulated six-face bench)."""
    if "bench_reps" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_reps", BENCH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_reps"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench_reps"]


def white_cm(sigma_cm: float, p: ValidityParams) -> float:
    """The trial's white-noise term (HeelEstimate.sigma_cm before the gain and the floor), from its σ."""
    if not math.isfinite(sigma_cm):
        return math.nan
    return math.sqrt(max(sigma_cm * sigma_cm - p.floor_cm**2, 0.0)) / p.noise_gain


def state_trials(model: str, profile: str, drill: str, seed: int, state: str) -> list[dict[str, Any]]:
    """heel_profiles.trials for one state: raw (the full errors), cal (bench-calibrated) or clean."""
    if state != "cal":
        return heel_profiles.trials(model, profile, drill, seed, "full" if state == "raw" else "clean")
    real = heel_profiles._simulate

    def calibrated(*a: Any) -> SimResult:
        sim = real(*a)
        return dataclasses.replace(sim, recording=bench().bench_calibrated(sim)[0])

    spec = heel_profiles.SessionSpec

    def cal_spec(*a: Any, **k: Any) -> SessionSpec:
        return spec(*a, **k, unit_calibrated=True)

    with (
        mock.patch.object(heel_profiles, "_simulate", calibrated),
        mock.patch.object(heel_profiles, "SessionSpec", cal_spec),
    ):
        return heel_profiles.trials(model, profile, drill, seed, "full")


def _job(args: tuple[str, str, str, int]) -> list[dict[str, Any]]:
    model, profile, drill, seed = args
    p = ValidityParams()
    rows = []
    for state in STATES:
        pp = p.for_unit(calibrated=state == "cal")
        for k, r in enumerate(state_trials(model, profile, drill, seed, state)):
            rows.append(
                {
                    "model": model,
                    "profile": profile,
                    "drill": drill,
                    "seed": seed,
                    "state": state,
                    "k": k,
                    "true": r["true"],
                    "est": r["est"],
                    "sigma_cm": r["sigma_cm"],
                    "white_cm": white_cm(r["sigma_cm"], pp),
                    "called": r["called"],
                }
            )
    return rows


def _ok(r: dict[str, Any]) -> bool:
    return math.isfinite(r["est"]) and math.isfinite(r["white_cm"])


def fit_sigma(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """(floor_cm, noise_gain) maximising the Gaussian likelihood of the heel-down rises, σ per trial."""
    e = np.array([r["est"] for r in rows])
    w = np.array([r["white_cm"] for r in rows])
    best = (math.inf, 0.0, 0.0)
    for floor in np.arange(0.05, 1.0001, 0.01):
        for gain in np.arange(0.5, 3.0001, 0.02):
            s2 = floor * floor + (gain * w) ** 2
            nll = float(np.sum(np.log(s2) + e * e / s2))
            if nll < best[0]:
                best = (nll, float(floor), float(gain))
    return best[1], best[2]


def _sd(x: list[float]) -> str:
    a = np.array([v for v in x if math.isfinite(v)])
    return f"{a.mean():+.2f} ± {a.std():.2f} (max |{np.abs(a).max():.2f}|, n={a.size})" if a.size else "—"


def report(res: list[dict[str, Any]], floor_cm: float | None = None, gain: float | None = None) -> None:
    out = sys.stdout.write
    p = ValidityParams()
    down = [r for r in res if r["true"] == 0.0 and _ok(r)]
    up = [r for r in res if r["true"] > 0.0]
    profiles = sorted({r["profile"] for r in res})
    models = sorted({r["model"] for r in res})
    out("heel-down rise (cm) and the lifts' rise − truth, per profile × model: raw | cal | clean\n")
    for prof in profiles:
        for m in models:
            cell = [(s, [r for r in down if (r["profile"], r["model"], r["state"]) == (prof, m, s)]) for s in STATES]
            out(f"  {prof:13s} {m:8s} down  " + " | ".join(_sd([r["est"] for r in c]) for _, c in cell) + "\n")
            lifts = [[r for r in up if (r["profile"], r["model"], r["state"]) == (prof, m, s)] for s in STATES]
            if any(lifts):
                out(
                    f"  {'':13s} {'':8s} lifts "
                    + " | ".join(
                        _sd([r["est"] - r["true"] for r in c]) + f" caught {sum(r['called'] for r in c)}" for c in lifts
                    )
                    + "\n"
                )
    cal = [r for r in down if r["state"] == "cal"]
    if floor_cm is None or gain is None:
        floor_cm, gain = fit_sigma(cal)
    raw_fit = fit_sigma([r for r in down if r["state"] == "raw"])
    out(
        f"σ fitted (Gaussian ML, heel-down): raw {raw_fit[0]:.2f} cm, gain {raw_fit[1]:.2f}"
        f" (today {p.floor_cm}, {p.noise_gain}); cal {floor_cm:.2f} cm, gain {gain:.2f}\n"
    )

    def z(r: dict[str, Any], floor: float, g: float) -> float:
        return r["est"] / math.hypot(floor, g * r["white_cm"])

    ways = (
        ("raw, today's σ", "raw", p.floor_cm, p.noise_gain),
        ("cal, today's σ", "cal", p.floor_cm, p.noise_gain),
        ("cal, fitted σ", "cal", floor_cm, gain),
    )
    out("heel-down z = rise / σ quantiles (" + ", ".join(f"{q:.2f}" for q in QUANTILES) + "), SD; bar per profile\n")
    for name, s, fl, g in ways:
        for prof in ("all", *profiles):
            sel = [r for r in down if r["state"] == s and prof in ("all", r["profile"])]
            zs = np.array([z(r, fl, g) for r in sel])
            bars = np.array([max(p.heel_down_max_cm, p.sigma_z * math.hypot(fl, g * r["white_cm"])) for r in sel])
            rej = int(sum(r["est"] > b for r, b in zip(sel, bars, strict=True)))
            lifts = [r for r in up if r["state"] == s and prof in ("all", r["profile"]) and _ok(r)]
            caught = sum(
                r["est"] > max(p.heel_down_max_cm, p.sigma_z * math.hypot(fl, g * r["white_cm"])) for r in lifts
            )
            out(
                f"  {name:15s} {prof:13s} n={zs.size} z "
                + " ".join(f"{np.quantile(zs, q):+.2f}" for q in QUANTILES)
                + f" SD {zs.std():.2f}; bar {np.mean(bars):.2f} cm (min {np.min(bars):.2f}); heel-down over 3σ {rej},"
                f" lifts caught {caught} of {len(lifts)}\n"
            )


def _lift_job(args: tuple[float, str, str, int]) -> dict[str, Any]:
    heel_cm, model, profile, seed = args
    sim = simulate_heel_lift(
        seed, heel_cm=heel_cm, model=model, sensor_profile=profile, rate_hz=PROFILES[profile].rate_hz
    )
    rec = bench().bench_calibrated(sim)[0]
    truth = [bool(r["heel_lift"]) for r in sim.reps if not r["partial"]]
    out: dict[str, Any] = {"model": model, "profile": profile, "seed": seed, "found": {}}
    for told in (False, True):
        spec = SessionSpec(rate_hz=sim.params.rate_hz, side=sim.params.side, drill="knee-to-wall", unit_calibrated=told)
        session = LiveSession(spec)
        session.feed(rec.chunk)
        session.finish()
        assert session.counter is not None
        got = [r.invalid_reason.startswith("heel lifted") for r in session.counter.reps if not r.partial]
        if len(got) != len(truth):
            out["found"][told] = None  # trials not all found: left out
            continue
        out["found"][told] = (
            sum(g for g, t in zip(got, truth, strict=True) if t),
            sum(truth),
            sum(g for g, t in zip(got, truth, strict=True) if not t),
            len(truth) - sum(truth),
        )
    return out


def lifts(heel_cm: float, lo: int, hi: int) -> None:
    for s in range(lo, hi):
        assert_tunable(s)
    jobs = [(heel_cm, m, p, s) for p in PROFILE_NAMES for m in ("keyframe", "velocity") for s in range(lo, hi)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        res = list(pool.map(_lift_job, jobs))
    out = sys.stdout.write
    out(
        f"lift {heel_cm} cm, seeds {lo}-{hi - 1}, bench-calibrated: caught / lifted, heel-down rejected / judged;"
        " today's σ → calibrated σ\n"
    )
    for p in PROFILE_NAMES:
        for m in ("keyframe", "velocity"):
            cells = []
            for told in (False, True):
                rows = [r["found"][told] for r in res if (r["profile"], r["model"]) == (p, m) and r["found"][told]]
                t = [sum(x[i] for x in rows) for i in range(4)]
                cells.append(f"caught {t[0]}/{t[1]}, rejected {t[2]}/{t[3]}")
            out(f"  {p:13s} {m:8s} " + " → ".join(cells) + "\n")


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--lifts":
        lifts(float(argv[1]), int(argv[2]), int(argv[3]))
        return
    if argv and argv[0] == "--from":
        with open(argv[1]) as f:
            res = json.load(f)
        report(res, *(float(x) for x in argv[2:4]))
        return
    jobs = jobs_of(argv, ["keyframe", "velocity"], ["knee-to-wall", "wall-test-half-kneeling"])
    res: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=2) as pool:
        for rows in pool.map(_job, jobs):
            res += rows
    with open(SAVE, "w") as f:
        json.dump(res, f)
    report(res)


if __name__ == "__main__":
    main(sys.argv[1:])
