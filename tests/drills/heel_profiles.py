"""The heel check per sensor profile: each judged trial's estimate against the simulator's truth, and
which sensor error moves it (a test helper; tuning seeds only, 1000–1999).

Every (model, profile, drill, seed) is the bench matrix's session (bench_reps.simulate_matrix_job), run
four times with less of the sensor's error each time:

    full     the session as the matrix simulates it
    white    no accelerometer bias, bias walk or scale error (white noise, quantization, gyro errors kept)
    gyro     no accelerometer error at all (the gyro's errors kept: the filter's tilt from them)
    clean    no sensor errors (``noise=False``): the filter's own tilt error, the lever fit, sway, foot model

so full − white is the bias / scale term, white − gyro the accelerometer's white noise, gyro − clean the
gyro's, clean − truth the rest. Each trial also prints the integration time T, the rest and the hold's
late part, and the white-noise density measured on the rest.

    python -m tests.drills.heel_profiles LO HI [PROFILES] [MODELS] [DRILLS]
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
from dorsi.virtual.sim import SimParams, SimResult, core, simulate
from dorsi.virtual.sim.heldout import assert_tunable
from dorsi.virtual.sim.profiles import PROFILE_NAMES, PROFILES

SECONDS = 75.0
VARIANTS = ("full", "white", "gyro", "clean")


def simulate_variant(model: str, profile: str, drill: str, seed: int, variant: str) -> SimResult:
    p = SimParams(
        drill=drill,
        seconds=SECONDS,
        seed=seed,
        rate_hz=PROFILES[profile].rate_hz,
        sensor_profile=profile,
        model=model,
        noise=variant != "clean",
    )
    if variant in ("full", "clean"):
        return simulate(p)
    real = core.SensorErrors.draw

    def draw(*a: Any, **k: Any) -> Any:
        e = real(*a, **k)
        prof = dataclasses.replace(e.profile, name=e.profile.name + "*", accel_bias_walk_mps2_rts=0.0)
        if variant == "gyro":
            prof = dataclasses.replace(prof, accel_noise_ug_rthz=0.0)
        return dataclasses.replace(
            e, accel_bias_mps2=0.0 * e.accel_bias_mps2, accel_scale=1.0 + 0.0 * e.accel_scale, profile=prof
        )

    with mock.patch.object(core.SensorErrors, "draw", draw):
        return simulate(p)


def trials(model: str, profile: str, drill: str, seed: int, variant: str) -> list[dict[str, Any]]:
    """Every full drive the counter judged (or tried to): truth heel, estimate, window figures."""
    sim = simulate_variant(model, profile, drill, seed, variant)
    got: list[dict[str, Any]] = []
    real_ankle = validity.ankle_rise_fit
    real_heel = validity.MotionBuffer.heel_estimate
    win: dict[str, Any] = {}

    def ankle_spy(t, up, fwd, incl, rest, hold, p=None, rate=None, lever_cm=None):  # type: ignore[no-untyped-def]
        r = real_ankle(t, up, fwd, incl, rest, hold, p, rate, lever_cm)
        if lever_cm is not None:
            return r  # the rise at the lever held to the shin's range: the window is the first call's
        dt = float(np.median(np.diff(t)))
        rest_up = np.asarray(up[rest])
        # the white density from the rest's second differences (sway does not reach them)
        d2 = np.diff(rest_up, 2)
        i0, h0 = rest.stop - 1, hold.start
        th0, th1 = math.radians(float(incl[i0])), math.radians(float(incl[h0]))
        late = slice(hold.start + (hold.stop - hold.start) // 2, hold.stop)
        win.update(
            de_up=float(np.mean(up[late]) - np.mean(up[rest])),
            de_fwd=float(np.mean(fwd[hold]) - np.mean(fwd[rest])),
            dsin=math.sin(th1) - math.sin(th0),
            dcos=math.cos(th1) - math.cos(th0),
            dens_fwd=float(np.std(np.diff(np.asarray(fwd[rest]), 2)) / math.sqrt(6.0) / math.sqrt(0.5 / dt)),
            T=float(t[hold.start] - t[rest.stop - 1]),
            rest_s=float(t[rest.stop - 1] - t[rest.start]),
            hold_s=float(t[hold.stop - 1] - t[hold.start]),
            dens=float(np.std(d2) / math.sqrt(6.0) / math.sqrt(0.5 / dt)) if d2.size > 3 else math.nan,
        )
        return r

    def heel_spy(self, start_s, end_s, band_deg, p, foot_cm):  # type: ignore[no-untyped-def]
        win.clear()
        r = real_heel(self, start_s, end_s, band_deg, p, foot_cm)
        got.append({"start_s": start_s, "end_s": end_s, **dataclasses.asdict(r), "sigma_cm": r.sigma_cm(p), **win})
        return r

    with (
        mock.patch.object(validity, "ankle_rise_fit", ankle_spy),
        mock.patch.object(validity.MotionBuffer, "heel_estimate", heel_spy),
    ):
        session = LiveSession(SessionSpec(rate_hz=sim.params.rate_hz, side=sim.params.side, drill=drill))
        session.feed(sim.recording.chunk)
        session.finish()
    assert session.counter is not None
    calls = {round(g["start_s"], 3): g for g in got}
    out = []
    for r in sim.reps:
        if r.get("partial") or r.get("kind") not in ("drive", None):
            continue
        mid = r["start_s"]
        det = min(
            (c for c in session.counter.reps if not c.partial),
            key=lambda c: abs(c.start_s - mid),
            default=None,
        )
        if det is None or abs(det.start_s - mid) > 2.0:
            continue
        g = calls.get(round(det.start_s, 3), {})
        out.append(
            {
                "seed": seed,
                "true": float(r.get("heel_lift_cm", 0.0) or 0.0),
                "est": det.heel_rise_cm,
                "called": det.invalid_reason.startswith("heel lifted"),
                "peak_deg": det.peak_tibial_inclination_deg,
                "true_peak_deg": float(r["peak_tibial_inclination_deg"]),
                **{
                    k: g.get(k, math.nan)
                    for k in (
                        *("T", "rest_s", "hold_s", "dens", "dens_fwd", "de_up", "de_fwd", "dsin", "dcos"),
                        *("filter_cm", "gyro_cm", "density_mps2_rthz", "drive_s", "sigma_cm"),
                    )
                },
            }
        )
    return out


def _job(args: tuple[str, str, str, int]) -> tuple[tuple[str, str, str, int], dict[str, list[dict[str, Any]]]]:
    model, profile, drill, seed = args
    return args, {v: trials(model, profile, drill, seed, v) for v in VARIANTS}


def _stats(x: list[float]) -> str:
    a = np.array([v for v in x if math.isfinite(v)])
    if not a.size:
        return "—"
    return f"{a.mean():+.2f} ± {a.std():.2f} (max |{np.abs(a).max():.2f}|)"


def jobs_of(argv: list[str], models: list[str], drills: list[str]) -> list[tuple[str, str, str, int]]:
    """The (model, profile, drill, seed) jobs of a command line LO HI [PROFILES] [MODELS] [DRILLS]
    (tuning seeds only; the defaults: every profile, and these models and drills)."""
    lo, hi = int(argv[0]), int(argv[1])
    profiles = argv[2].split(",") if len(argv) > 2 else list(PROFILE_NAMES)
    models = argv[3].split(",") if len(argv) > 3 else models
    drills = argv[4].split(",") if len(argv) > 4 else drills
    for s in range(lo, hi):
        assert_tunable(s)
    return [(m, p, d, s) for p in profiles for m in models for d in drills for s in range(lo, hi)]


def main(argv: list[str]) -> None:
    jobs = jobs_of(argv, ["keyframe", "velocity"], ["knee-to-wall", "wall-test-half-kneeling"])
    res: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        for (m, p, _d, _s), by in pool.map(_job, jobs):
            # one row per trial found in the full run; each variant's estimate matched by the trial's order
            full = by["full"]
            for k, row in enumerate(full):
                for v in VARIANTS[1:]:
                    row[v] = by[v][k]["est"] if len(by[v]) == len(full) else math.nan
                res.setdefault((p, m), []).append(row)
    out = sys.stdout.write
    thr = ValidityParams().heel_rise_max_cm
    for (p, m), rows in res.items():
        down = [r for r in rows if r["true"] == 0.0]
        up = [r for r in rows if r["true"] > 0.0]
        judged = [r for r in down if math.isfinite(r["est"])]
        out(
            f"{p} {m}: heel-down n={len(down)} judged={len(judged)} rejected={sum(r['called'] for r in down)}"
            f" (> {thr} cm); lifted n={len(up)} caught={sum(r['called'] for r in up)}\n"
        )
        for name, sel in (("down", down), ("lifted", up)):
            if not sel:
                continue
            out(f"  {name}: est − true {_stats([r['est'] - r['true'] for r in sel])}\n")
            out(f"    bias/scale (full − white) {_stats([r['est'] - r['white'] for r in sel])}\n")
            out(f"    accel white (white − gyro) {_stats([r['white'] - r['gyro'] for r in sel])}\n")
            out(f"    gyro (gyro − clean)        {_stats([r['gyro'] - r['clean'] for r in sel])}\n")
            out(f"    clean − true               {_stats([r['clean'] - r['true'] for r in sel])}\n")
        t = np.array([r["T"] for r in rows if math.isfinite(r["T"])])
        rs = np.array([r["rest_s"] for r in rows if math.isfinite(r["rest_s"])])
        hs = np.array([r["hold_s"] for r in rows if math.isfinite(r["hold_s"])])
        dn = np.array([r["dens"] for r in rows if math.isfinite(r["dens"])])
        if t.size:
            out(
                f"  T {t.mean():.2f} s [{t.min():.2f}-{t.max():.2f}], rest {rs.mean():.2f} s, hold {hs.mean():.2f} s,"
                f" density on the rest {1e6 * dn.mean() / 9.80665:.0f} µg/√Hz"
                f" (profile {PROFILES[p].accel_noise_ug_rthz:.0f})\n"
            )
        if up:
            out("  lifted: " + ", ".join(f"{r['true']:.2f}→{r['est']:.2f}" for r in up) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
