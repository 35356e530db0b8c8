"""Every ``--json`` output the suite produces is parsed with a strict JSON parser (issue 17).

An autouse fixture (imported by tests/conftest.py): whenever a test runs ``dorsi.cli.main.main``
with ``--json``, what the command prints goes to the test as before and is also parsed — as one
document, or one document per line — refusing NaN, Infinity and -Infinity; an output that is not
strict JSON fails the test (at its teardown: main's own error handling never hides it).
``SEEN`` counts the outputs checked.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

SEEN: list[int] = [0]  # --json outputs parsed so far in this run


def _refuse(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def strict_loads(text: str) -> Any:
    return json.loads(text, parse_constant=_refuse)


def check_json_output(text: str) -> None:
    """One JSON document, or JSON lines; strict either way (AssertionError naming the problem)."""
    text = text.strip()
    if not text:
        return
    try:
        strict_loads(text)
    except ValueError:
        for n, line in enumerate(text.splitlines(), start=1):
            try:
                strict_loads(line)
            except ValueError as exc:
                raise AssertionError(f"--json output line {n} is not strict JSON ({exc}): {line[:200]}") from None
    SEEN[0] += 1


class _Tee(io.TextIOBase):
    def __init__(self, target: Any) -> None:
        self.target, self.copy = target, io.StringIO()

    def write(self, s: str) -> int:
        self.copy.write(s)
        return int(self.target.write(s))

    def flush(self) -> None:
        self.target.flush()


@pytest.fixture(autouse=True)
def strict_json_outputs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    try:
        from dorsi.cli import main as cli_main
    except ImportError:
        yield
        return
    build = cli_main.build_parser
    problems: list[str] = []

    def checked_parser(*b: Any, **kb: Any) -> argparse.ArgumentParser:
        parser = build(*b, **kb)  # main() builds the parser for its argv (only that command's module)
        parse = parser.parse_args

        def parse_args(*a: Any, **k: Any) -> argparse.Namespace:
            args = parse(*a, **k)
            func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
            if getattr(args, "json", False) and func is not None:

                def run(ns: argparse.Namespace) -> int:
                    tee = _Tee(sys.stdout)
                    with contextlib.redirect_stdout(tee):
                        rc = func(ns)
                    try:
                        check_json_output(tee.copy.getvalue())
                    except AssertionError as exc:
                        problems.append(f"dorsi {' '.join(map(str, a[0] if a else []))}: {exc}")
                    return rc

                args.func = run
            return args

        parser.parse_args = parse_args  # type: ignore[method-assign]
        return parser

    monkeypatch.setattr(cli_main, "build_parser", checked_parser)
    yield
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
