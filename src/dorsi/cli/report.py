"""`dorsi report [SESSION…] --out FILE.pdf|FILE.html`: the one-page knee-to-wall test report."""

from __future__ import annotations

import argparse

from dorsi.store import SessionStore


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="one-page knee-to-wall test report (PDF or HTML)",
        description="A one-page report of one knee-to-wall test: both sides' trials and best, bands, the"
        " left-right difference, the change since the previous test, the trend and the drills in between.",
    )
    p.add_argument(
        "sessions",
        nargs="*",
        type=int,
        metavar="SESSION",
        help="the test's sessions (one per side); default: the latest test",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.pdf or FILE.html")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dorsi.report import collect, write_report
    from dorsi.report.render import output_kind

    output_kind(Path(args.out))  # a bad file name fails before anything is read
    with SessionStore.open() as store:
        data = collect(store, args.sessions)
    path = write_report(data, args.out)
    ids = ", ".join(str(i) for i in data.session_ids)
    print(f"wrote {path} (test of {data.taken_at[:10]}, sessions {ids})")
    return 0
