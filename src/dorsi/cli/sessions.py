"""`dorsi sessions`, `dorsi export`, `dorsi import`: list, export and import stored sessions."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from dorsi.errors import InputError
from dorsi.store import SessionInfo, SessionStore


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sessions", help="list the stored sessions")
    p.add_argument("--json", action="store_true", help="print a JSON list of sessions")
    p.set_defaults(func=run_sessions)

    p = sub.add_parser("export", help="export sessions as CSV and JSON files")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("session_id", nargs="?", type=int, metavar="SESSION_ID", help="id from `dorsi sessions`")
    which.add_argument("--all", action="store_true", help="every session, plus the test history CSV")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created if missing)")
    p.set_defaults(func=run_export)

    p = sub.add_parser("import", help="store a raw IMU CSV file as a session")
    p.add_argument("file", metavar="FILE.csv", help="raw IMU CSV (ours or another app's)")
    p.add_argument("--drill", metavar="NAME", help="drill performed (taken from a dorsi export if omitted)")
    p.add_argument("--side", choices=("left", "right"), help="leg wearing the sensor")
    p.add_argument("--no-analysis", action="store_true", help="store the raw samples only")
    p.set_defaults(func=run_import)


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def _result_text(s: SessionInfo) -> str:
    summary = s.summary or {}
    test = summary.get("test")
    if isinstance(test, dict) and test.get("toe_to_wall_cm") is not None:
        return f"{test['toe_to_wall_cm']:.1f} cm {test.get('band') or ''}".strip()
    if summary.get("rep_count"):
        return f"{summary['rep_count']} reps"
    return "" if s.summary is not None else "not analysed"


def run_sessions(args: argparse.Namespace) -> int:
    with SessionStore.open() as store:
        sessions = store.sessions()
        recovered = store.recovered
    if args.json:
        print(json.dumps([s.to_json() for s in sessions], indent=None))
        return 0
    for sid in recovered:
        print(f"dorsi: session {sid} was cut off (crash or power loss); kept as interrupted", file=sys.stderr)
    if not sessions:
        print(f"no sessions stored yet ({store.path})")
        return 0
    print(f"{'id':>4}  {'started':16}  {'drill':24}  {'side':5}  {'duration':>8}  {'samples':>8}  result")
    for s in sessions:
        flag = "  [interrupted]" if s.interrupted else ("  [recording]" if s.status == "recording" else "")
        print(
            f"{s.id:>4}  {_local_time(s.started_at):16}  {s.drill[:24]:24}  {s.side:5}  "
            f"{s.duration_s:>7.1f}s  {s.samples:>8}  {_result_text(s)}{flag}"
        )
    return 0


def run_export(args: argparse.Namespace) -> int:
    from dorsi.store.export import export_all, export_session

    with SessionStore.open() as store:
        if args.all:
            done, history = export_all(store, args.out)
            for e in done:
                print(e.samples_csv)
            print(history)
            print(f"exported {len(done)} session(s) to {args.out}", file=sys.stderr)
        else:
            e = export_session(store, args.session_id, args.out)
            for path in (e.samples_csv, e.reps_csv, e.summary_json):
                print(path)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from dorsi.store.importer import import_csv

    if args.drill is not None:
        _check_drill(args.drill)
    with SessionStore.open() as store:
        result = import_csv(store, args.file, drill=args.drill, side=args.side, analyze=not args.no_analysis)
    print(f"imported {args.file} as session {result.session_id} ({result.samples} samples)")
    if result.note and not args.no_analysis:
        print(f"dorsi: warning: {result.note}", file=sys.stderr)
    return 0


def _check_drill(drill: str) -> None:
    try:
        from dorsi.drills import DRILL_IDS
    except ImportError:  # the drill catalogue is optional for storing samples
        return
    if drill not in DRILL_IDS:
        raise InputError(f"unknown drill {drill!r}; choose one of: {', '.join(DRILL_IDS)}")
