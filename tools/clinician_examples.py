"""The examples in docs/report.md: a test report and a reliability study, from simulated sessions.

    python tools/clinician_examples.py [--out docs/screenshots] [--people 15]

Everything goes through the real path: simulated recordings (dorsi.virtual.sim) analysed by
dorsi.analysis, stored as the app stores them, then the `dorsi report` and `dorsi reliability`
commands. Data go to a temporary folder, never the user's.

- The report: one person over a 12-week program, tests at weeks 0, 3 and 6 (both sides), drills
  between them. Simulated people do not change, so each test is a simulated person whose
  weight-bearing maximum is the week's target (the seed found for it); their page is a picture
  of the layout and its arithmetic, not of anyone's progress.
- The reliability study: --people simulated people (left side), each tested twice, the retest
  with the strap put on again 30° round the shin from where it was. The person and the trials are the same
  both times, so the statistics show the instrument's repeatability only; a person's
  day-to-day variation (Powden 2015: MDC 4.6°) is not in them.

Writes report-page1.png (the PDF's first page, by pdftoppm from Debian's poppler-utils),
reliability-bland-altman.png and 13-reliability.png (the app's Reliability screen, drawn offscreen
at 1280×800) into --out, and prints the commands' output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TARGETS_DEG = {0: {"left": 33.0, "right": 34.5}, 3: {"left": 35.0, "right": 36.0}, 6: {"left": 37.5, "right": 38.5}}
DRILLS = ((1, "banded-mobilization", 80.0), (3, "banded-mobilization", 80.0), (5, "calf-raises", 90.0))


def person(seed: int) -> Any:
    """The simulated person a seed draws (dorsi.virtual.sim.core: the first of the seed's four streams)."""
    from dorsi.virtual.sim.kinematics import Person

    return Person.draw(np.random.default_rng(np.random.SeedSequence(seed).spawn(4)[0]), "left", None)


def seed_for(target_deg: float, taken: set[int]) -> int:
    """The simulator seed whose person's weight-bearing maximum is nearest the target."""
    return min((s for s in range(400) if s not in taken), key=lambda s: abs(person(s).max_theta_deg - target_deg))


def store_session(store: Any, drill: str, side: str, seed: int, seconds: float, when: dt.datetime, **sim: Any) -> int:
    from dorsi.analysis import analyze_recording
    from dorsi.app import testresult
    from dorsi.drills.kneewall import Profile
    from dorsi.virtual.sim import SimParams, simulate

    lengths = Profile(tibia_cm=41.0, foot_cm=26.5)
    rec = simulate(SimParams(drill=drill, seconds=seconds, seed=seed, rate_hz=208.0, side=side, **sim)).recording
    a = analyze_recording(rec, drill=drill, side=side, profile=lengths)  # type: ignore[arg-type]
    summary: dict[str, Any] = a.summary()
    if drill == "knee-to-wall":
        trials = [r["peak_tibial_inclination_deg"] for r in a.reps if not r.get("partial")]
        summary["test"] = testresult.stored_row(side, testresult.result({side: trials}, lengths, {}))
    return int(
        store.add_recording(
            rec,
            drill=drill,
            side=side,
            source="live",
            started_at=when.isoformat(timespec="milliseconds"),
            sensor_id="virtual dorsi",
            firmware="sim",
            summary=summary,
            derived=a.derived_columns(),
        )
    )


def build_program(store: Any) -> list[int]:
    """The program's tests and drills; returns the last test's sessions."""
    taken: set[int] = set()
    last: list[int] = []
    for week, targets in TARGETS_DEG.items():
        last = []
        for k, (side, target) in enumerate(targets.items()):
            seed = seed_for(target, taken)
            taken.add(seed)
            when = START + dt.timedelta(weeks=week, minutes=4 * k)
            last.append(store_session(store, "knee-to-wall", side, seed, 56.0, when))
    for days, drill, seconds in DRILLS:
        store_session(store, drill, "left", 500 + days, seconds, START + dt.timedelta(weeks=3, days=days))
    return last


def build_study(store: Any, people: int) -> list[int]:
    ids = []
    for i in range(people):
        seed = 700 + i
        first = store_session(store, "knee-to-wall", "left", seed, 56.0, START + dt.timedelta(days=60 + i))
        strap = person(seed).strap_rotation_deg
        again = strap + 30.0 if strap <= 15.0 else strap - 30.0  # put on again 30° round the shin
        when = START + dt.timedelta(days=67 + i)
        second = store_session(store, "knee-to-wall", "left", seed, 56.0, when, strap_rotation_deg=again)
        store.mark_repeats([first, second], "test-retest")
        ids += [first, second]
    return ids


def grab_screen(out: Path) -> None:
    """The Reliability screen over the study, as the app draws it (offscreen: no window manager frame)."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from dorsi.app.clinic import ClinicController
    from dorsi.app.run import qt_app
    from dorsi.store import SessionStore
    from dorsi.ui.models import AppModels
    from dorsi.ui.settings import AppSettings
    from dorsi.ui.window import MainWindow

    app = qt_app()
    with SessionStore.open() as store:
        models = AppModels()
        window = MainWindow(models, AppSettings())
        clinic = ClinicController(models, store)
        window.resize(1280, 800)
        window.show()
        window.show_screen("Reliability")
        app.processEvents()
        window.grab().save(str(out), "PNG")
        window.close()
        del clinic


def dorsi(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "dorsi", *args], capture_output=True, text=True, check=True)
    return done.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    ap.add_argument("--people", type=int, default=15, help="people in the reliability study (at least 2)")
    args = ap.parse_args()
    if args.people < 2:
        ap.error("--people must be at least 2")
    if shutil.which("pdftoppm") is None:
        ap.error("pdftoppm is not installed (apt-get install poppler-utils)")
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="dorsi-examples-"))
    os.environ["DORSI_DATA_DIR"] = str(tmp / "data")
    os.environ["DORSI_CONFIG_DIR"] = str(tmp / "config")
    try:
        from dorsi.store import SessionStore

        with SessionStore.open() as store:
            test = [str(i) for i in build_program(store)]
            study = build_study(store, args.people)
        print(f"$ dorsi report {' '.join(test)} --out report.pdf")  # noqa: T201
        print(dorsi("report", *test, "--out", str(tmp / "report.pdf")).replace(str(tmp) + "/", ""))  # noqa: T201
        subprocess.run(
            ["pdftoppm", "-r", "110", "-png", "-singlefile", str(tmp / "report.pdf"), str(args.out / "report-page1")],
            check=True,
        )
        plot = args.out / "reliability-bland-altman.png"
        print(f"$ dorsi reliability {study[0]} {study[1]} … {study[-1]} --plot reliability-bland-altman.png")  # noqa: T201
        print(dorsi("reliability", *map(str, study), "--plot", str(plot)))  # noqa: T201
        grab_screen(args.out / "13-reliability.png")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
