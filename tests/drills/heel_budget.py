"""The heel check's error budget: each trial's estimate against the simulator's truth, term by term.

For every trial the counter judges (its rest and hold windows as validity.MotionBuffer chose them),
the ankle's rise is re-estimated with one more piece of the truth swapped in at each step:

    est       the counter's own estimate (the session as simulated: sensor errors, estimated orientation)
    incl      est with the true inclination (the lever equations' θ)
    orient_n  the same samples rotated to the earth frame by the true orientation, the true inclination
    noise     orient_n with the accelerometer's white noise and quantization only (no bias, no scale error)
    orient    orient_n without sensor errors (``noise=False``)
    tissue    orient with the soft-tissue wobble off (velocity model only; the same otherwise)
    disp      the true displacement of the sensor (no integration: the error model, window, end velocities out)
    lever     the true displacement and the true lever / skin (the lever fit out)
    ankle     the ankle's true rise over the same window

Every step's error is printed as the change it makes, so the dominant term is the largest change. The
same chain with the true lever (``v_…``: the vertical channel alone, integrated here with the error model
as it was before issue 18's fix: each still end's mean reading taken for the sensor's error; ``v_raw``:
exact accelerations integrated with nothing taken out) splits the integration step into that error
model and the rest; the
heel's rise through the foot model from the true ankle rise is printed against the true heel, and the
rise with the session's lever (the median of its trials' fits: ``sess``; of the trials so far: ``causal``).

``python -m tests.drills.heel_budget LO HI HEEL_CM MODEL`` (tuning seeds only: 1000–1999).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import sys
from dataclasses import dataclass
from typing import Any
from unittest import mock

import numpy as np

from dorsi.drills import validity
from dorsi.drills.validity import heel_rise_from_ankle_cm
from dorsi.motion import quat as Q
from dorsi.motion.types import GRAVITY_MPS2
from dorsi.virtual.sim import core
from dorsi.virtual.sim.kinematics import pose_at, sensor_position
from tests.drills.heel_lift import judged_trials, simulate_heel_lift

STEPS = ("est", "incl", "orient_n", "noise", "orient", "tissue", "disp", "lever", "ankle")


@dataclass
class Window:
    t: np.ndarray
    rest: slice
    hold: slice
    est: float  # the counter's ankle rise (cm)
    up: np.ndarray
    fwd: np.ndarray
    incl: np.ndarray


def _capture(sim: Any) -> tuple[list[Window], list[tuple[float, bool]]]:
    """Run the counter on sim, keeping every window the heel check integrated over."""
    got: list[Window] = []
    real = validity.ankle_rise_fit

    def spy(t, up, fwd, incl, rest, hold, p=None, rate=None, lever_cm=None):  # type: ignore[no-untyped-def]
        r = real(t, up, fwd, incl, rest, hold, p, rate, lever_cm)
        if lever_cm is None:  # (a second call: the rise at the lever held to the shin's range)
            got.append(Window(np.array(t), rest, hold, r[0], np.array(up), np.array(fwd), np.array(incl)))
        return r

    with mock.patch.object(validity, "ankle_rise_fit", spy):
        judged = judged_trials(sim)
    return got, judged


def _simulate(seed: int, heel_cm: float, model: str, **kw: Any) -> tuple[Any, Any, Any]:
    """The simulation with its script and person (captured from core.build_script)."""
    keep: dict[str, Any] = {}
    real = core.build_script

    def build(params, person, rng, model_rng=None):  # type: ignore[no-untyped-def]
        out = real(params, person, rng, model_rng)
        keep["script"], keep["person"] = out[0], person
        return out

    with mock.patch.object(core, "build_script", build):
        sim = simulate_heel_lift(seed, heel_cm=heel_cm, model=model, **kw)
    return sim, keep["script"], keep["person"]


def _rise(t, up, fwd, th, rest, hold, lever=None, skin=validity.SKIN_CM, raw=False):  # type: ignore[no-untyped-def]
    """validity.ankle_rise_fit with the lever (and skin) optionally given (cm)."""
    saved = validity.SKIN_CM
    validity.SKIN_CM = skin
    try:
        if lever is None:
            return validity.ankle_rise_fit(t, up, fwd, np.degrees(th), rest, hold)[0]
        p = validity.ValidityParams()
        th_rest, th_hold = float(th[rest].mean()), float(th[hold].mean())
        frac = (th - th_rest) / (th_hold - th_rest)
        acc = []
        for a in (up, fwd):
            e0, e1 = float(a[rest].mean()), float(a[hold].mean())
            acc.append(a if raw else a - (e0 + (e1 - e0) * frac))
        i0 = rest.stop - 1
        last = max(hold.start, min(hold.stop, int(np.searchsorted(t, t[hold.start] + p.end_span_s))) - 1)
        ends = np.unique(np.linspace(hold.start, last, p.end_count).round().astype(int)).tolist()
        out = []
        for i1 in ends:
            th0, th1 = float(th[i0]), float(th[i1])
            dz0 = 100.0 * validity._displacement(t[i0 : i1 + 1], acc[0][i0 : i1 + 1])
            half_t = 0.5 * float(t[i1] - t[i0])
            w0, w1 = validity._rate(t, th, i0), validity._rate(t, th, i1)
            dz = dz0 - half_t * (
                w0 * (lever * math.sin(th0) + skin * math.cos(th0))
                + w1 * (lever * math.sin(th1) + skin * math.cos(th1))
            )
            out.append(dz - lever * (math.cos(th1) - math.cos(th0)) + skin * (math.sin(th1) - math.sin(th0)))
        return float(np.median(out))
    finally:
        validity.SKIN_CM = saved


def _fit(t, up, fwd, th, rest, hold, lever=None):  # type: ignore[no-untyped-def]
    """(ankle rise, lever) as validity.ankle_rise_fit fits them (medians over the ends), or the rise for
    a given lever."""
    validity.ValidityParams()
    th_rest, th_hold = float(th[rest].mean()), float(th[hold].mean())
    frac = (th - th_rest) / (th_hold - th_rest)
    acc = []
    for a in (up, fwd):
        e0, e1 = float(a[rest].mean()), float(a[hold].mean())
        acc.append(a - (e0 + (e1 - e0) * frac))
    i0, ends = _ends(t, rest, hold)
    s = validity.SKIN_CM
    rises, levers, fres = [], [], []
    for i1 in ends:
        th0, th1 = float(th[i0]), float(th[i1])
        dsin, dcos = math.sin(th1) - math.sin(th0), math.cos(th1) - math.cos(th0)
        dz0, dx0 = (100.0 * validity._displacement(t[i0 : i1 + 1], a[i0 : i1 + 1]) for a in acc)
        half_t = 0.5 * float(t[i1] - t[i0])
        w0, w1 = validity._rate(t, th, i0), validity._rate(t, th, i1)
        c0, s0, c1, s1 = math.cos(th0), math.sin(th0), math.cos(th1), math.sin(th1)
        k_lever = dsin - half_t * (w0 * c0 + w1 * c1)
        fit = (dx0 - s * dcos - half_t * s * (w0 * s0 + w1 * s1)) / k_lever
        L = fit if lever is None else lever
        dz = dz0 - half_t * (w0 * (L * s0 + s * c0) + w1 * (L * s1 + s * c1))
        rises.append(dz - L * dcos + s * dsin)
        levers.append(fit)
        fres.append((fit - L) * k_lever)  # the forward displacement the lever does not explain
    return float(np.median(rises)), float(np.median(levers)), float(np.median(fres))


def _ends(t: np.ndarray, rest: slice, hold: slice) -> tuple[int, list[int]]:
    p = validity.ValidityParams()
    last = max(hold.start, min(hold.stop, int(np.searchsorted(t, t[hold.start] + p.end_span_s))) - 1)
    return rest.stop - 1, np.unique(np.linspace(hold.start, last, p.end_count).round().astype(int)).tolist()


def budget(seed: int, heel_cm: float, model: str) -> list[dict[str, Any]]:
    sim, script, person = _simulate(seed, heel_cm, model)
    wins, _judged = _capture(sim)
    clean, _, _ = _simulate(seed, heel_cm, model, noise=False)
    cwins, _ = _capture(clean)
    real_draw = core.SensorErrors.draw

    def unbiased(*a, **k):  # type: ignore[no-untyped-def]
        e = real_draw(*a, **k)
        return dataclasses.replace(e, accel_bias_mps2=0.0 * e.accel_bias_mps2, accel_scale=1.0 + 0.0 * e.accel_scale)

    with mock.patch.object(core.SensorErrors, "draw", unbiased):
        noisy, _, _ = _simulate(seed, heel_cm, model)
    with mock.patch.object(core, "wobble", lambda acc, gyr, *a: (acc, gyr)):
        still, _, _ = _simulate(seed, heel_cm, model, noise=False)
    reps = [r for r in sim.reps if not r["partial"]]
    rows = []
    for w in wins:
        rep = next((r for r in reps if r["start_s"] - 1.0 <= w.t[-1] <= r["end_s"] + 0.5), None)
        if rep is None:
            continue
        cw = min(cwins, key=lambda c: abs(c.t[-1] - w.t[-1]))
        row: dict[str, Any] = {"lifted": bool(rep["heel_lift"]), "est": w.est, "clean": cw.est}
        idx = np.searchsorted(sim.recording.time_s, w.t)
        th_true = np.radians(sim.truth_tibial_inclination_deg[idx])
        row["incl"] = _rise(w.t, w.up, w.fwd, th_true, w.rest, w.hold)
        Lt, St = 100.0 * person.lever_m, 100.0 * person.skin_m
        row["v_est"] = _rise(w.t, w.up, w.fwd, np.radians(w.incl), w.rest, w.hold, Lt, St)
        row["v_incl"] = _rise(w.t, w.up, w.fwd, th_true, w.rest, w.hold, Lt, St)
        for name, s in (("orient_n", sim), ("noise", noisy), ("orient", clean), ("tissue", still)):
            idx = np.searchsorted(s.recording.time_s, w.t)
            rot = Q.to_matrix(s.truth_quat_wxyz[idx])
            acc = np.einsum("nij,nj->ni", rot, s.recording.acc_mps2[idx])
            acc[:, 2] -= GRAVITY_MPS2
            h0 = w.hold.start
            axis = rot[h0, :2, 1] / np.hypot(*rot[h0, :2, 1])
            th = np.radians(s.truth_tibial_inclination_deg[idx])
            row[name] = _rise(w.t, acc[:, 2], acc[:, :2] @ axis, th, w.rest, w.hold)
            row["v_" + name] = _rise(w.t, acc[:, 2], acc[:, :2] @ axis, th, w.rest, w.hold, Lt, St)
            if name == "tissue":
                row["v_raw"] = _rise(w.t, acc[:, 2], acc[:, :2] @ axis, th, w.rest, w.hold, Lt, St, raw=True)
                e0, e1 = float(acc[w.rest, 2].mean()), float(acc[w.hold, 2].mean())
                row["e0"], row["e1"] = e0, e1
        tt = sim.truth_time_s[np.searchsorted(sim.recording.time_s, w.t)]
        pose = pose_at(script, person, tt)
        pos = 100.0 * sensor_position(pose, person)
        th = np.radians(sim.truth_tibial_inclination_deg[np.searchsorted(sim.recording.time_s, w.t)])
        axis = pose.r_shin[w.hold.start, :2, 2]
        axis = axis / np.hypot(*axis)
        i0, ends = _ends(w.t, w.rest, w.hold)
        L, s = 100.0 * person.lever_m, 100.0 * person.skin_m
        disp, lev, ank, fwd_ank, lev_fit = [], [], [], [], []
        for i1 in ends:
            dz = pos[i1, 2] - pos[i0, 2]
            dx = float((pos[i1, :2] - pos[i0, :2]) @ axis)
            ds, dc = math.sin(th[i1]) - math.sin(th[i0]), math.cos(th[i1]) - math.cos(th[i0])
            fit = (dx - validity.SKIN_CM * dc) / ds
            disp.append(dz - fit * dc + validity.SKIN_CM * ds)
            lev_fit.append(fit)
            lev.append(dz - L * dc + s * ds)
            ank.append(100.0 * (pose.ankle_m[i1, 2] - pose.ankle_m[i0, 2]))
            fwd_ank.append(100.0 * float((pose.ankle_m[i1, :2] - pose.ankle_m[i0, :2]) @ axis))
        row.update(
            disp=float(np.median(disp)),
            lever=float(np.median(lev)),
            ankle=float(np.median(ank)),
            ankle_fwd=float(np.median(fwd_ank)),
            lever_true=L,
            lever_fit=float(np.median(lev_fit)),
            heel_true=100.0 * float(sim.truth_heel_rise_m[np.searchsorted(sim.recording.time_s, w.t[ends[-1]])]),
            heel_est=heel_rise_from_ankle_cm(w.est, 26.0),
            heel_foot=heel_rise_from_ankle_cm(float(np.median(ank)), 26.0),
            seed=seed,
        )
        row["_w"] = w
        rows.append(row)
    # the session's lever: the median of its trials' fits (all of them: an upper bound for a live count)
    fits = [
        _fit(r["_w"].t, r["_w"].up, r["_w"].fwd, np.radians(r["_w"].incl), r["_w"].rest, r["_w"].hold) for r in rows
    ]
    known = [f[1] for f in fits if math.isfinite(f[1])]
    sess = float(np.median(known)) if known else math.nan
    for k, (r, f) in enumerate(zip(rows, fits, strict=True)):
        w = r.pop("_w")
        r["own"], r["lever_est"] = f[0], f[1]
        r["sess"], _, r["fres"] = _fit(w.t, w.up, w.fwd, np.radians(w.incl), w.rest, w.hold, sess)
        so_far = [g[1] for g in fits[: k + 1] if math.isfinite(g[1])]
        r["causal"], _, r["fres_c"] = _fit(
            w.t, w.up, w.fwd, np.radians(w.incl), w.rest, w.hold, float(np.median(so_far))
        )
    return rows


def main(argv: list[str]) -> None:
    lo, hi = int(argv[0]), int(argv[1])
    heel_cm = float(argv[2]) if len(argv) > 2 else 2.5
    model = argv[3] if len(argv) > 3 else "keyframe"
    rows: list[dict[str, Any]] = []
    for seed in range(lo, hi):
        rows += budget(seed, heel_cm, model)
    out = sys.stdout.write
    out(f"{model} seeds {lo}-{hi - 1}, lift {heel_cm} cm: ankle rise (cm), each step's change, mean ± SD [RMS]\n")
    for lifted in (False, True):
        sel = [r for r in rows if r["lifted"] == lifted and all(math.isfinite(r[k]) for k in STEPS)]
        if not sel:
            continue
        out(f"{'lifted' if lifted else 'heel down'} (n={len(sel)}):\n")
        for a, b in itertools.pairwise(STEPS):
            d = np.array([r[a] - r[b] for r in sel])
            out(f"  {a:>6} − {b:<6} {d.mean():+.2f} ± {d.std():.2f} [{math.sqrt(np.mean(d * d)):.2f}]\n")
        vs = ("v_est", "v_incl", "v_orient_n", "v_noise", "v_orient", "v_tissue", "v_raw", "lever")
        for k in ("e0", "e1"):
            v = np.array([r[k] for r in sel])
            out(f"  {k}: {v.mean() * 1000:.2f} ± {v.std() * 1000:.2f} mm/s²\n")
        out("  with the true lever (the vertical alone):\n")
        for a, b in itertools.pairwise(vs):
            d = np.array([r[a] - r[b] for r in sel])
            out(f"  {a:>10} − {b:<10} {d.mean():+.2f} ± {d.std():.2f} [{math.sqrt(np.mean(d * d)):.2f}]\n")
        d = np.array([r["clean"] - r["orient"] for r in sel if math.isfinite(r["clean"])])
        out(f"  (no sensor errors: estimated − true orientation {d.mean():+.2f} ± {d.std():.2f})\n")
        tot = np.array([r["est"] - r["ankle"] for r in sel])
        out(f"  total est − ankle {tot.mean():+.2f} ± {tot.std():.2f}\n")
        for k in ("ankle", "ankle_fwd", "heel_true", "heel_foot", "heel_est"):
            v = np.array([r[k] for r in sel])
            out(f"  {k:>9}: {v.mean():.2f} ± {v.std():.2f}\n")
        err = {}
        for r in sel:
            err.setdefault(r["seed"], []).append(r["est"] - r["ankle"])
        if not lifted:
            dev = [x - np.mean(v) for v in err.values() if len(v) > 1 for x in v]
            dof = sum(len(v) - 1 for v in err.values() if len(v) > 1)
            out(f"  within a session: SD {math.sqrt(sum(d * d for d in dev) / max(dof, 1)):.2f} (dof {dof})\n")
        for k in ("own", "sess", "causal", "fres", "fres_c"):
            v = np.array([r[k] for r in sel])
            out(
                f"  {k:>9}: {np.nanmean(v):.2f} ± {np.nanstd(v):.2f} (max {np.nanmax(v):.2f}, min {np.nanmin(v):.2f})\n"
            )
        le = np.array([r["lever_fit"] - r["lever_true"] for r in sel])
        out(f"  lever fit − true (true displacement): {le.mean():+.2f} ± {le.std():.2f}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
