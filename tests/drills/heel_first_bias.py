"""Why a wall test's first trial reads ≈ +0.3 cm more heel rise than its later ones with no sensor errors (issue
18; a test helper, tuning seeds only, 1000–1999).

Each session is simulated without sensor errors (``noise=False``: the accelerometer is not it). For every judged
trial the heel rise is re-estimated on the counter's own windows with one more piece of the truth at a time:

    filter    the counter's estimate on the filter's orientation (replicated: checked against the counter's)
    gyro      on the gyro's carried from the rest
    judged    their mean (what the counter judges)
    true_ori  the true orientation in their place (the counter's inclination, the lever fitted, held to range)
    true_inc  and the true inclination
    true_lev  and the person's true lever
    disp      the sensor's true displacement through the same lever equation (no integration, lever fitted)

and, per trial, the time since the stance change ended (the step into half-kneeling: the ankle last moving),
the rest window's place in that, and the filter's sagittal tilt error (°, + = reads the shin more forward)
at the rest's end and at the hold's start.

    python -m tests.drills.heel_first_bias [--errors] LO HI [PROFILES] [MODELS] [DRILLS]   # saves SAVE

``--errors``: the sessions with the profile's sensor errors (the truth chain then still has the accelerometer's).
``filter_lp`` is a candidate, not in the counter: the filter's earth-frame acceleration with its own low-passed
horizontal part (VQF's tilt reference, τ 3 s) added back, so g × the lean that reference still carries.
    python -m tests.drills.heel_first_bias --from FILE
"""

from __future__ import annotations

import json
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any
from unittest import mock

import numpy as np
from scipy.signal import butter, lfilter

from dorsi.drills import validity
from dorsi.drills.validity import ankle_rise_fit, heel_rise_from_ankle_cm
from dorsi.motion import quat as Q
from dorsi.motion.types import GRAVITY_MPS2
from dorsi.session import LiveSession, SessionSpec
from dorsi.virtual.sim import SimParams, core, simulate
from dorsi.virtual.sim.kinematics import pose_at, sensor_position
from dorsi.virtual.sim.profiles import PROFILES
from tests.drills.heel_profiles import jobs_of

SAVE = "/tmp/heel_first_bias.json"
TAU_ACC_S = 3.0  # VQF's default tilt time constant
TERMS = ("filter", "filter_lp", "gyro", "judged", "true_ori", "true_inc", "true_lev", "disp")


def _rise(t, rot, f, gyr_dps, incl, rest, hold, p, foot_cm, lever_cm=None, add=None):  # type: ignore[no-untyped-def]
    """validity.MotionBuffer.heel_estimate's inner heel(): the heel rise (cm) for the orientation rot (``add``: an
    earth-frame acceleration added, m/s²)."""
    acc = np.einsum("nij,nj->ni", rot, f)
    acc[:, 2] -= GRAVITY_MPS2
    if add is not None:
        acc = acc + add
    axis = rot[hold.start, :2, 1]
    fwd = axis / float(np.hypot(*axis))
    w_earth = np.einsum("nij,nj->ni", rot, np.radians(gyr_dps))
    rate = w_earth[:, :2] @ np.array([-fwd[1], fwd[0]])
    args = (t, acc[:, 2], acc[:, :2] @ fwd, incl, rest, hold, p, rate)
    if lever_cm is not None:
        return heel_rise_from_ankle_cm(ankle_rise_fit(*args, lever_cm)[0], foot_cm)
    ankle, lever = ankle_rise_fit(*args)
    held = min(max(lever, p.lever_min_cm), p.lever_max_cm)
    if math.isfinite(lever) and held != lever:
        ankle = ankle_rise_fit(*args, held)[0]
    return heel_rise_from_ankle_cm(ankle, foot_cm)


def trials(model: str, profile: str, drill: str, seed: int, errors: bool = False) -> list[dict[str, Any]]:
    params = SimParams(
        drill=drill,
        seconds=75.0,
        seed=seed,
        rate_hz=PROFILES[profile].rate_hz,
        sensor_profile=profile,
        model=model,
        noise=errors,
    )
    keep: dict[str, Any] = {}
    real_build = core.build_script

    def build(prm, person, rng, model_rng=None):  # type: ignore[no-untyped-def]
        out = real_build(prm, person, rng, model_rng)
        keep["script"], keep["person"] = out[0], person
        return out

    with mock.patch.object(core, "build_script", build):
        sim = simulate(params)
    script, person = keep["script"], keep["person"]
    rec = sim.recording.chunk
    rec_t = np.asarray(rec.time_s)
    raw_gyr = np.asarray(rec.gyr_dps)
    # the stance's last change: the ankle last moving (> 2 mm/s) before each time
    pose_all = pose_at(script, person, sim.truth_time_s)
    ank_v = np.linalg.norm(np.gradient(pose_all.ankle_m, sim.truth_time_s, axis=0), axis=1)
    moving = ank_v > 0.002

    # the earth-frame linear acceleration low-passed as VQF's tilt reference is (2nd-order Butterworth, τ 3 s):
    # what the filter's tilt is still being pulled by after a motion (m/s², from the truth: no sensor errors)
    rot_all = Q.to_matrix(sim.truth_quat_wxyz[: len(rec_t)])
    lin = np.einsum("nij,nj->ni", rot_all, np.asarray(rec.acc_mps2))
    lin[:, 2] -= GRAVITY_MPS2
    fc_hz = math.sqrt(2.0) / (2.0 * math.pi * TAU_ACC_S)
    b_lp, a_lp = butter(2, fc_hz, fs=params.rate_hz)
    lin_lp = lfilter(b_lp, a_lp, lin, axis=0)
    real_heel = validity.MotionBuffer.heel_estimate
    rows: list[dict[str, Any]] = []
    win: dict[str, Any] = {}
    real_fit = validity.ankle_rise_fit

    def fit_spy(t, up, fwd, incl, rest, hold, p=None, rate=None, lever_cm=None):  # type: ignore[no-untyped-def]
        if "t" not in win:
            win.update(t=np.array(t), rest=rest, hold=hold, incl=np.array(incl))
        return real_fit(t, up, fwd, incl, rest, hold, p, rate, lever_cm)

    def heel(self, start_s, end_s, band_deg, p, foot_cm):  # type: ignore[no-untyped-def]
        win.clear()
        e = real_heel(self, start_s, end_s, band_deg, p, foot_cm)
        if "t" not in win or not math.isfinite(e.rise_cm):
            return e
        r = self.rows
        t, rest, hold, incl = win["t"], win["rest"], win["hold"], win["incl"]
        s0 = int(np.searchsorted(r[:, 0], t[0]))
        seg = slice(s0, s0 + len(t))
        f, q, gyr = r[seg, 7:10], r[seg, 3:7], r[seg, 10:13]
        idx = np.clip(np.searchsorted(rec_t, t - 1e-9), 0, len(rec_t) - 1)
        rot_f = Q.to_matrix(q)
        i0 = rest.stop - 1
        rot_g = validity.gyro_rotations(t, q, gyr, i0)
        rot_t = Q.to_matrix(sim.truth_quat_wxyz[idx])
        inc_t = sim.truth_tibial_inclination_deg[idx]
        lever_t = 100.0 * person.lever_m
        row: dict[str, Any] = {"model": model, "profile": profile, "drill": drill, "seed": seed}
        row["filter"] = _rise(t, rot_f, f, gyr, incl, rest, hold, p, foot_cm)
        row["gyro"] = _rise(t, rot_g, f, gyr, incl, rest, hold, p, foot_cm)
        row["counter_filter"], row["counter_gyro"], row["judged"] = e.filter_cm, e.gyro_cm, e.rise_cm
        # candidate: the filter's earth-frame acceleration with its own low-passed horizontal part added back (VQF's
        # tilt leans toward the low-passed specific force, so g × that lean is −LP(a) in the forward channel)
        allr = r[: s0 + len(t)]
        a_all = np.einsum("nij,nj->ni", Q.to_matrix(allr[:, 3:7]), allr[:, 7:10])
        a_all[:, 2] -= GRAVITY_MPS2
        lp_f = lfilter(b_lp, a_lp, a_all, axis=0)[s0:]
        lp_f[:, 2] = 0.0
        row["filter_lp"] = _rise(t, rot_f, f, gyr, incl, rest, hold, p, foot_cm, add=lp_f)
        row["true_ori"] = _rise(t, rot_t, f, raw_gyr[idx], incl, rest, hold, p, foot_cm)
        row["true_inc"] = _rise(t, rot_t, f, raw_gyr[idx], inc_t, rest, hold, p, foot_cm)
        row["true_lev"] = _rise(t, rot_t, f, raw_gyr[idx], inc_t, rest, hold, p, foot_cm, lever_t)
        # the true displacement through the lever equation (fitted lever, nominal skin)
        tt = sim.truth_time_s[idx]
        pose = pose_at(script, person, tt)
        pos = 100.0 * sensor_position(pose, person)
        ax = pose.r_shin[hold.start, :2, 2]
        ax = ax / np.hypot(*ax)
        th = np.radians(inc_t)
        last = max(hold.start, min(hold.stop, int(np.searchsorted(t, t[hold.start] + p.end_span_s))) - 1)
        ends = np.unique(np.linspace(hold.start, last, p.end_count).round().astype(int)).tolist()
        disp, ank = [], []
        s = validity.SKIN_CM
        for i1 in ends:
            dz = pos[i1, 2] - pos[i0, 2]
            dx = float((pos[i1, :2] - pos[i0, :2]) @ ax)
            ds, dc = math.sin(th[i1]) - math.sin(th[i0]), math.cos(th[i1]) - math.cos(th[i0])
            lev = min(max((dx - s * dc) / ds, p.lever_min_cm), p.lever_max_cm)
            disp.append(dz - lev * dc + s * ds)
            ank.append(100.0 * (pose.ankle_m[i1, 2] - pose.ankle_m[i0, 2]))
        row["disp"] = heel_rise_from_ankle_cm(float(np.median(disp)), foot_cm)
        row["ankle_true_cm"] = float(np.median(ank))
        # timing: since the ankle last moved (the stance change), the rest window, the drive
        it0 = int(np.searchsorted(sim.truth_time_s, tt[rest.start]))
        before = np.flatnonzero(moving[:it0])
        row["since_step_s"] = float(tt[rest.start] - sim.truth_time_s[before[-1]]) if before.size else math.nan
        row["rest_s"] = float(t[i0] - t[rest.start])
        row["drive_s"] = float(t[hold.start] - t[i0])
        row["start_s"] = float(start_s)
        # the filter's tilt error about the horizontal axis the shin turns about (°, + = more forward)
        left = np.array([-ax[1], ax[0], 0.0])

        def tilt(i: int) -> float:
            up_f, up_t = rot_f[i, 2, :], rot_t[i, 2, :]  # earth's up in the sensor frame
            err = np.cross(rot_t[i] @ up_t, rot_t[i] @ up_f)  # in the earth frame (via the truth)
            return float(np.degrees(err @ left))

        row["tilt_rest0"], row["tilt_rest1"], row["tilt_hold"] = tilt(rest.start), tilt(i0), tilt(hold.start)
        row["tilt_hold_end"] = tilt(hold.stop - 1)
        # the tilt error through the drive beyond the line between its ends (the end correction takes that out)
        drive = range(i0, hold.start + 1)
        th_d = np.array([inc_t[i] for i in drive])
        fr = (th_d - th_d[0]) / (th_d[-1] - th_d[0]) if th_d[-1] != th_d[0] else np.zeros_like(th_d)
        tl = np.array([tilt(i) for i in drive])
        row["tilt_bulge"] = float(np.mean(tl - (tl[0] + (tl[-1] - tl[0]) * fr)))
        trace = np.linspace(rest.start, hold.stop - 1, 21).round().astype(int)
        row["tilt_trace"] = [tilt(int(i)) for i in trace]
        row["trace_t"] = [float(t[int(i)] - t[i0]) for i in trace]
        # the filter's gyro-bias estimate at the rest's end (°/s, earth-frame, about the shin's turn axis)
        b = raw_gyr[idx[i0]] - gyr[i0]
        row["bias_left_dps"] = float((rot_t[i0] @ b) @ left)
        row["bias_norm_dps"] = float(np.linalg.norm(b))
        row["lp_rest0"], row["lp_rest1"] = (float(np.linalg.norm(lin_lp[idx[i], :2])) for i in (rest.start, i0))
        row["lp_peak10"] = float(
            np.linalg.norm(lin_lp[max(0, idx[i0] - int(10 * params.rate_hz)) : idx[i0], :2], axis=1).max()
        )
        row["incl_rest_slope_dps"] = float(np.polyfit(t[rest], inc_t[rest], 1)[0]) if rest.stop - rest.start > 3 else 0
        rows.append(row)
        return e

    with (
        mock.patch.object(validity.MotionBuffer, "heel_estimate", heel),
        mock.patch.object(validity, "ankle_rise_fit", fit_spy),
    ):
        session = LiveSession(SessionSpec(rate_hz=sim.params.rate_hz, side=sim.params.side, drill=drill))
        session.feed(rec)
        session.finish()
    truth = [r for r in sim.reps if not r.get("partial")]
    for k, row in enumerate(rows):
        tr = min(truth, key=lambda r: abs(r["start_s"] - row["start_s"])) if truth else None
        row["k"] = k
        row["true"] = float((tr or {}).get("heel_lift_cm", 0.0) or 0.0)
    return rows


def report(rows: list[dict[str, Any]]) -> None:
    out = sys.stdout.write
    chk = np.array([abs(r["filter"] - r["counter_filter"]) for r in rows if math.isfinite(r["counter_filter"])])
    out(f"replication: |filter − counter's| max {np.nanmax(chk):.2e} cm over {chk.size}\n")
    for d in sorted({r["drill"] for r in rows}):
        for first in (True, False):
            sel = [r for r in rows if r["drill"] == d and (r["k"] == 0) == first and r["true"] == 0.0]
            sel = [r for r in sel if all(math.isfinite(r[k]) for k in TERMS)]
            if not sel:
                continue
            out(f"{d} {'first' if first else 'later'} (n={len(sel)}), heel cm mean ± SD:\n")
            for k in TERMS:
                v = np.array([r[k] for r in sel])
                out(f"  {k:9s} {v.mean():+.3f} ± {v.std():.3f}\n")
            for k in (
                *("since_step_s", "rest_s", "drive_s", "tilt_rest1", "tilt_hold", "tilt_hold_end", "tilt_bulge"),
                *("bias_left_dps", "bias_norm_dps", "lp_rest0", "lp_rest1", "lp_peak10"),
            ):
                v = np.array([r[k] for r in sel], dtype=float)
                v = 1000.0 * v if k.startswith("lp_") else v  # (mm/s²)
                out(f"  {k:13s} {np.nanmean(v):+.2f} ± {np.nanstd(v):.2f} [{np.nanmin(v):+.2f}, {np.nanmax(v):+.2f}]\n")
            th = np.array([r["tilt_hold"] - r["tilt_rest1"] for r in sel])
            out(f"  tilt moved rest→hold {th.mean():+.3f} ± {th.std():.3f}°\n")
            tr, tt = np.array([r["tilt_trace"] for r in sel]), np.array([r["trace_t"] for r in sel])
            out("  tilt error trace (s from the rest's end: °) ")
            out(" ".join(f"{a:+.1f}:{b:+.3f}" for a, b in zip(tt.mean(0)[::2], tr.mean(0)[::2], strict=True)) + "\n")
    # the filter's over-read against the low-passed linear acceleration it still carries (VQF's tilt reference)
    sel = [r for r in rows if r["true"] == 0.0 and all(math.isfinite(r[k]) for k in ("filter", "true_ori"))]
    lp = 1000.0 * np.array([r["lp_peak10"] for r in sel])
    ex = np.array([r["filter"] - r["true_ori"] for r in sel])
    slope, icpt = np.polyfit(lp, ex, 1)
    out(
        f"filter − true orientation = {icpt:+.2f} + {slope:.3f} cm per mm/s² of the low-passed horizontal linear"
        f" acceleration's peak over the 10 s before the rest's end (r = {np.corrcoef(lp, ex)[0, 1]:.2f})\n"
    )
    for d in sorted({r["drill"] for r in sel}):
        for first in (True, False):
            m = np.array([r["drill"] == d and (r["k"] == 0) == first for r in sel])
            if m.any():
                res = ex[m] - (icpt + slope * lp[m])
                out(
                    f"  {d} {'first' if first else 'later'}: low-passed peak {lp[m].mean():.1f} ± {lp[m].std():.1f}"
                    f" mm/s², over-read {ex[m].mean():+.2f}, left by the line {res.mean():+.2f} cm\n"
                )
    wall = [r for r in sel if r["drill"] == "wall-test-half-kneeling"]
    for lo, hi in ((0, 0.5), (0.5, 1), (1, 1.5), (1.5, 6), (6, 10), (10, 15), (15, 60)):
        b = [r["filter"] - r["true_ori"] for r in wall if lo <= r["since_step_s"] < hi]
        if b:
            out(f"  wall test, rest {lo}–{hi} s after the step: filter − true {np.mean(b):+.2f} (n={len(b)})\n")


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--from":
        with open(argv[1]) as fh:
            report(json.load(fh))
        return
    errors = bool(argv) and argv[0] == "--errors"
    argv = argv[1:] if errors else argv
    jobs = jobs_of(argv, ["keyframe", "velocity"], ["wall-test-half-kneeling", "knee-to-wall"])
    rows: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=2) as pool:
        for r in pool.map(_job, [(*j, errors) for j in jobs]):
            rows += r
    with open(SAVE, "w") as fh:
        json.dump(rows, fh)
    report(rows)


def _job(args: tuple[str, str, str, int, bool]) -> list[dict[str, Any]]:
    return trials(*args)


if __name__ == "__main__":
    main(sys.argv[1:])
