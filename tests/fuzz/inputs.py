"""Malformed inputs for the fuzz test (hypothesis strategies) and benchmarks/bench_fuzz.py (seeded random).

Both draw from the same pieces: CSV tokens that are almost right (headers, numbers at the edge of
float64, CR-only line ends, BOMs, NaN), sidecar fields set to values of the wrong type or range,
and number-like texts for every numeric CLI argument.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import random
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

HEADER = "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_dps,gyr_y_dps,gyr_z_dps"
COLUMNS = HEADER.split(",")
NUMBER_TEXTS = (
    "nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1e999", "1e300", "-1e300", "1e9", "-1", "0", "-0",
    "1e-320", "99999999999999999999999", "-99999999999999999999999", "0x10", "1_000", " 1", "", "abc",
    "1,5", "١", "5e", "--1", "2.5", "3", "60",
)  # fmt: skip
CELLS = (*NUMBER_TEXTS, "0.1", "9.81", "-9.81", "200", "0.005", '"1"', "1;2", "\t", " ")
LINE_ENDS = ("\n", "\r\n", "\r", "\n\n")
JSON_ODDITIES: tuple[Any, ...] = (
    None, True, False, 0, -1, 1.5, 1e308, -1e308, 10**30, "", "abc", "1970-01-01T00:00:00+00:00",
    "2999-01-01T00:00:00+00:00", "2026-01-01T00:00:00", "left", "right", "knee-to-wall", "x" * 500,
    [], [1, "a"], {}, {"a": 1}, "NaN", "\u0000",
)  # fmt: skip

_SIM_CSV: Path | None = None
_EXPORT: tuple[bytes, bytes, str] | None = None


# -- CSV text ----------------------------------------------------------------------------
def csv_texts() -> st.SearchStrategy[str]:
    header = st.one_of(
        st.just(HEADER),
        st.permutations(COLUMNS).map(",".join),
        st.lists(st.sampled_from([*COLUMNS, "sample_counter", "x", "", "time_s"]), max_size=10).map(",".join),
        st.text(max_size=40),
    )
    row = st.lists(st.sampled_from(CELLS), min_size=0, max_size=9).map(",".join)
    body = st.lists(row, max_size=12)
    return st.builds(
        lambda bom, h, rows, end: ("\ufeff" if bom else "") + end.join([h, *rows]) + end,
        st.booleans(),
        header,
        body,
        st.sampled_from(LINE_ENDS),
    )


def random_csv(rng: random.Random) -> str:
    """The same shapes as csv_texts, from a seeded generator (the long benchmark): three in a hundred are a
    simulated 25 s knee-to-wall recording with a few cells broken, so the analysis runs too."""
    kind = rng.random()
    if kind < 0.03:
        return _mutated_recording(rng)
    if kind < 0.5:
        header = HEADER
    elif kind < 0.7:
        header = ",".join(rng.sample(COLUMNS, len(COLUMNS)))
    elif kind < 0.9:
        header = ",".join(rng.choice([*COLUMNS, "sample_counter", "x", ""]) for _ in range(rng.randint(0, 10)))
    else:
        header = "".join(chr(rng.randint(1, 0x2FF)) for _ in range(rng.randint(0, 30)))
    rows = []
    good = rng.random() < 0.5  # mostly plausible samples with a few broken cells
    for i in range(rng.randint(0, 400 if good else 12)):
        if good and rng.random() < 0.97:
            cells = [f"{i / 100:.6f}", *(f"{rng.gauss(0, 1):.5f}" for _ in range(2)), f"{rng.gauss(9.81, 0.1):.5f}"]
            cells += [f"{rng.gauss(0, 5):.4f}" for _ in range(3)]
            if rng.random() < 0.05:
                cells[rng.randrange(7)] = rng.choice(NUMBER_TEXTS)
        else:
            cells = [rng.choice(CELLS) for _ in range(rng.randint(0, 9))]
        rows.append(",".join(cells))
    end = rng.choice(LINE_ENDS)
    return ("\ufeff" if rng.random() < 0.05 else "") + end.join([header, *rows]) + end


def _mutated_recording(rng: random.Random) -> str:
    lines = Path(sim_csv()).read_text().splitlines()
    if rng.random() < 0.3:  # cut short, or an empty tail
        lines = lines[: rng.randint(1, len(lines))]
    for _ in range(rng.choice((0, 1, 1, 2, 5))):
        row = rng.randrange(1, len(lines)) if len(lines) > 1 else 0
        cells = lines[row].split(",")
        cells[rng.randrange(len(cells))] = rng.choice(NUMBER_TEXTS)
        lines[row] = ",".join(cells)
    return rng.choice(LINE_ENDS).join(lines) + "\n"


# -- sidecars ------------------------------------------------------------------------------
def exported_session(folder: Path) -> tuple[Path, Path]:
    """A real export (samples CSV + summary JSON) copied into folder; built once per process."""
    global _EXPORT
    if _EXPORT is None:
        from dorsi.store import SessionStore
        from dorsi.store.export import export_session
        from tests.store.helpers import fake_recording, fake_summary

        work = Path(tempfile.mkdtemp(prefix="dorsi-fuzz-"))
        rec = fake_recording(400, seed=11, t0_s=5.0)
        with SessionStore.open(work / "s.db") as store:
            with store.begin_session(drill="knee-to-wall", side="left", sensor_id="FUZZ", threaded=False) as w:
                w.append(rec.time_s, rec.acc_mps2, rec.gyr_dps, rec.extra["sample_counter"])
                w.finish(fake_summary(2))
            e = export_session(store, w.session_id, work / "out")
        _EXPORT = (e.samples_csv.read_bytes(), e.summary_json.read_bytes(), e.samples_csv.name)
        shutil.rmtree(work, ignore_errors=True)
    samples_bytes, summary_bytes, name = _EXPORT
    folder.mkdir(parents=True, exist_ok=True)
    samples = folder / name
    summary = folder / name.replace("_samples.csv", "_summary.json")
    samples.write_bytes(samples_bytes)
    summary.write_bytes(summary_bytes)
    return samples, summary


def leaf_paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document (objects' keys, lists' items), the document itself first."""
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaf_paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from leaf_paths(v, (*prefix, i))


def sidecar_paths(doc: Any) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.sampled_from(list(leaf_paths(doc)))


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.sampled_from(JSON_ODDITIES),
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(),
        st.text(max_size=12),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=6,
    )


def mutate(doc: Any, path: Sequence[Any], value: Any) -> Any:
    """A copy of doc with the value at path replaced (the whole document when path is empty)."""
    if not path:
        return value
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def random_json_value(rng: random.Random, depth: int = 0) -> Any:
    r = rng.random()
    if r < 0.6 or depth > 2:
        return copy.deepcopy(rng.choice(JSON_ODDITIES))  # a fresh copy: a shared list could end up inside itself
    if r < 0.75:
        return rng.uniform(-1e6, 1e6)
    if r < 0.85:
        return [random_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["a", "side", "test", "reps", "sides"]): random_json_value(rng, depth + 1) for _ in range(2)}


def random_sidecar(rng: random.Random, doc: Any) -> Any:
    """One to three fields of a real summary set to odd values, or a field removed."""
    out = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        paths = list(leaf_paths(out))
        path = rng.choice(paths[1:]) if len(paths) > 1 else ()
        if not path:
            return random_json_value(rng)
        node = out
        for key in path[:-1]:
            node = node[key]
        if isinstance(node, dict) and rng.random() < 0.15:
            del node[path[-1]]
        else:
            node[path[-1]] = random_json_value(rng)
    return out


# -- CLI arguments -------------------------------------------------------------------------
def number_texts() -> st.SearchStrategy[str]:
    """Texts for a numeric argument: edge cases, and numbers small or huge (never a valid long run)."""
    return st.one_of(
        st.sampled_from(NUMBER_TEXTS),
        st.floats(min_value=-10, max_value=10).map(repr),
        st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not abs(x) < 1e6).map(repr),
        st.integers(min_value=-(10**30), max_value=10**30).filter(lambda x: not 10 < abs(x) < 10**6).map(str),
        st.text(max_size=6),
    )


def sim_csv() -> str:
    """A short simulated knee-to-wall recording for `analyze` (built once per process)."""
    global _SIM_CSV
    if _SIM_CSV is None:
        from dorsi.virtual.sim import SimParams, simulate, write_simulation

        _SIM_CSV = Path(tempfile.mkdtemp(prefix="dorsi-fuzz-sim-")) / "ktw.csv"
        write_simulation(simulate(SimParams(drill="knee-to-wall", seconds=25.0, seed=2, rate_hz=100.0)), _SIM_CSV)
    return str(_SIM_CSV)


V = "{value}"
SIM = "{sim}"
# (argv, index of the fuzzed value): every numeric argument of every command that returns at once
# (`app` and `demo` open a window; `devices --timeout` scans for as long as it is told).
_TEMPLATES: list[list[str]] = [
    ["simulate", "--drill", "knee-to-wall", "--seconds", V, "--out", "{tmp}/s.csv"],
    *(
        ["simulate", "--drill", "knee-to-wall", "--seconds", "3", opt, V, "--out", "{tmp}/s.csv"]
        for opt in ("--seed", "--rate", "--strap-rotation", "--packet-loss", "--sets", "--reps-per-set")
    ),
    *(["analyze", SIM, "--json", opt, V] for opt in ("--strap-rotation", "--tibia-cm", "--foot-cm")),
    *(["decode", opt, V, "0011223344"] for opt in ("--acc-range-g", "--gyr-range-dps")),
    ["record", "--virtual", "--seconds", V, "--out", "{tmp}/missing/x.csv"],
    *(
        ["record", "--virtual", "--seconds", "1", opt, V, "--out", "{tmp}/missing/x.csv"]
        for opt in ("--timeout", "--speed", "--vanish-after")
    ),
    ["export", V, "--out", "{tmp}/e"],
    ["report", V, "--out", "{tmp}/r.pdf"],
    ["reliability", V, "--json"],
]
NUMERIC_ARGUMENTS: list[tuple[list[str], int]] = [(t, t.index(V)) for t in _TEMPLATES]


def fill(argv: Sequence[str], value: str, tmp: Path) -> list[str]:
    out = [a.replace("{tmp}", str(tmp)) for a in argv]
    out = [sim_csv() if a == SIM else a for a in out]
    out[list(argv).index(V)] = value
    return out


# -- running the CLI in-process --------------------------------------------------------------
@contextlib.contextmanager
def data_dir(path: Path) -> Iterator[None]:
    old = os.environ.get("DORSI_DATA_DIR")
    os.environ["DORSI_DATA_DIR"] = str(path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("DORSI_DATA_DIR", None)
        else:
            os.environ["DORSI_DATA_DIR"] = old


def cli_run(argv: Sequence[str]) -> tuple[int, str, str]:
    """main(argv) with its output captured; argparse's own refusal (SystemExit 2) counts as exit 2.

    Fails the test on an internal error, a traceback, or a failure said in more than one line.
    """
    from dorsi.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(argv))
        except SystemExit as exc:
            rc = int(exc.code) if isinstance(exc.code, int) else 2
    text = err.getvalue()
    assert "internal error" not in text and "Traceback" not in text, (list(argv), text)
    problems = [line for line in text.splitlines() if line.startswith("dorsi: error") or "error:" in line]
    assert len(problems) <= 1, (list(argv), text)
    return rc, out.getvalue(), text


def strict_json(text: str) -> Any:
    """The document (or, for JSON lines, the list of them); NaN and Infinity refused."""

    def refuse(c: str) -> Any:
        raise ValueError(f"{c} is not JSON")

    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].lstrip().startswith("{") and lines[0].rstrip().endswith("}"):
        with contextlib.suppress(ValueError):
            return [json.loads(line, parse_constant=refuse) for line in lines]
    return json.loads(text, parse_constant=refuse)
