"""`dorsi reliability`: mark repeated knee-to-wall tests, then ICC, SEM, MDC95 and Bland–Altman of a study."""

from __future__ import annotations

import argparse

from dorsi.cli import jsonout
from dorsi.errors import InputError
from dorsi.store import SessionStore


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "reliability",
        help="reliability study: mark repeated tests, then ICC, SEM, MDC95, Bland-Altman",
        description="Mark sessions as repeated knee-to-wall tests of one person's side (--mark), then give every"
        " session of the study to get ICC(2,1) and ICC(3,1) with 95%% CIs, SEM, MDC95 and the Bland-Altman"
        " bias and limits of agreement, for the angle and the toe-to-wall cm.",
    )
    p.add_argument("sessions", nargs="*", type=int, metavar="SESSION", help="session ids from `dorsi sessions`")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--mark", action="store_true", help="mark SESSIONs as repeated tests of one person's side")
    what.add_argument("--unmark", action="store_true", help="take SESSIONs out of their repeat groups")
    what.add_argument("--groups", action="store_true", help="list the marked repeat groups")
    p.add_argument(
        "--design",
        choices=("test-retest", "inter-rater"),
        default="test-retest",
        help="with --mark (default test-retest)",
    )
    p.add_argument(
        "--raters", metavar="A,B,…", help="with --mark --design inter-rater: who tested each SESSION, in order"
    )
    p.add_argument("--json", action="store_true", help="print the statistics as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="write the Bland-Altman plot (angle and cm) as a PNG")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dorsi.report import study

    if args.raters and not (args.mark and args.design == "inter-rater"):
        raise InputError("--raters goes with --mark --design inter-rater")
    with SessionStore.open() as store:
        if args.groups:
            for g in store.repeat_groups():
                who = ", ".join(f"{m.session_id}" + (f" ({m.rater})" if m.rater else "") for m in g.members)
                print(f"group {g.id}: {g.design}, sessions {who}")
            return 0
        if args.mark:
            raters = [r.strip() for r in args.raters.split(",")] if args.raters else None
            gid = study.mark(store, args.sessions, args.design, raters)
            print(f"marked sessions {', '.join(map(str, args.sessions))} as {args.design} group {gid}")
            return 0
        if args.unmark:
            if not args.sessions:
                raise InputError("--unmark needs the sessions to take out")
            changed = store.unmark_repeats(args.sessions)
            print(f"unmarked sessions {', '.join(map(str, args.sessions))} (groups {', '.join(map(str, changed))})")
            return 0
        res = study.analyse(study.load(store, args.sessions))
    if args.plot:
        study.write_plot(res, args.plot)
    print(jsonout.dumps(study.as_json(res), indent=2) if args.json else study.as_text(res))
    return 0
