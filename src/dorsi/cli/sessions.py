"""`dorsi sessions`, `dorsi export`, `dorsi import`: list, export and import stored sessions."""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import datetime

from dorsi.errors import InputError
from dorsi.store import SessionInfo, SessionStore
from dorsi.store.store import MAX_SESSION_ID


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sessions", help="list the stored sessions")
    p.add_argument("--json", action="store_true", help="print a JSON list of sessions")
    p.set_defaults(func=run_sessions)

    p = sub.add_parser("export", help="export sessions as CSV and JSON files")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("session_id", nargs="?", metavar="SESSION_ID", help="id from `dorsi sessions`")
    which.add_argument("--all", action="store_true", help="every session, plus the test history CSV")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created if missing)")
    p.add_argument(
        "--from",
        dest="from_db",
        metavar="FILE",
        help="read from this database file (e.g. a damaged one the app moved aside) instead of yours; never written",
    )
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
    except (ValueError, OverflowError, OSError):
        return iso[:16]


def _result_text(s: SessionInfo) -> str:
    """The result column; reads whatever is stored without trusting its types (old or odd data)."""
    summary = s.summary if isinstance(s.summary, dict) else {}
    test = summary.get("test")
    cm = test.get("toe_to_wall_cm") if isinstance(test, dict) else None
    if isinstance(cm, int | float) and not isinstance(cm, bool) and math.isfinite(cm):
        band = test.get("band") if isinstance(test, dict) else None
        return f"{cm:.1f} cm {band if isinstance(band, str) else ''}".strip()
    reps = summary.get("rep_count")
    if isinstance(reps, int) and not isinstance(reps, bool) and reps > 0:
        return f"{reps} reps"
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
        why = f": {s.interrupted_reason[:60]}" if s.interrupted and isinstance(s.interrupted_reason, str) else ""
        flag = f"  [interrupted{why}]" if s.interrupted else ("  [recording]" if s.status == "recording" else "")
        print(
            f"{s.id:>4}  {_local_time(str(s.started_at)):16}  {str(s.drill)[:24]:24}  {s.side!s:5}  "
            f"{s.duration_s:>7.1f}s  {s.samples:>8}  {_result_text(s)}{flag}"
        )
    return 0


def session_id_arg(text: str) -> int:
    """A session id: a whole number SQLite can hold, else InputError (one line, exit 2)."""
    try:
        value = int(text.strip())
    except ValueError:
        raise InputError(f"a session id is a whole number from `dorsi sessions`, not {text[:40]!r}") from None
    if not 1 <= value <= MAX_SESSION_ID:
        raise InputError(f"there is no session {text[:40]}; `dorsi sessions` lists them")
    return value


def run_export(args: argparse.Namespace) -> int:
    from dorsi.store.export import export_all, export_session

    if args.session_id is not None:
        args.session_id = session_id_arg(args.session_id)
    if args.from_db is not None:
        return _export_from(args)
    from dorsi.stored_analysis import ExportWithAngles

    with SessionStore.open() as store:
        if args.all:
            done, history = export_all(store, args.out, ExportWithAngles())
            for e in done:
                for path in (e.samples_csv, e.reps_csv, e.summary_json):
                    print(path)
            print(history)
            print(f"exported {len(done)} session(s) to {args.out}", file=sys.stderr)
        else:
            e = export_session(store, session_id_arg(str(args.session_id)), args.out, ExportWithAngles())
            for path in (e.samples_csv, e.reps_csv, e.summary_json):
                print(path)
    return 0


def _export_from(args: argparse.Namespace) -> int:
    """Export from another database file, session by session: what can be read is written."""
    from dorsi.store.export import export_session
    from dorsi.store.recovery import open_readonly, salvage
    from dorsi.stored_analysis import ExportWithAngles

    if not args.all:
        store = open_readonly(args.from_db)
        try:
            e = export_session(store, int(args.session_id), args.out, ExportWithAngles())
        finally:
            store.close()
        for path in (e.samples_csv, e.reps_csv, e.summary_json):
            print(path)
        return 0
    result = salvage(args.from_db, args.out, ExportWithAngles())
    for path in result.files:
        print(path)
    for sid, why in result.failed:
        print(f"dorsi: session {sid} could not be read: {why}", file=sys.stderr)
    print(
        f"exported {len(result.exported)} session(s) from {args.from_db} to {args.out}"
        f"{f'; {len(result.failed)} could not be read' if result.failed else ''}",
        file=sys.stderr,
    )
    return 0 if not result.failed else 1


def run_import(args: argparse.Namespace) -> int:
    from dorsi.store.importer import import_csv
    from dorsi.stored_analysis import KNOWN_DRILLS, analyse_for_import

    with SessionStore.open() as store:
        result = import_csv(
            store,
            args.file,
            drill=args.drill,
            side=args.side,
            analyse=None if args.no_analysis else analyse_for_import,
            known_drills=KNOWN_DRILLS,
        )
    print(f"imported {args.file} as session {result.session_id} ({result.samples} samples)")
    for warning in result.warnings:
        print(f"dorsi: warning: {args.file}: {warning}", file=sys.stderr)
    if result.note and not args.no_analysis:
        print(f"dorsi: warning: {result.note}", file=sys.stderr)
    return 0
