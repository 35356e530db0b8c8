"""Long fuzz run of every decoder: N inputs, any exception but DecodeError is a crash.

Uses atheris (coverage-guided libFuzzer) when it is installed, else a random and
mutation-based generator. Prints the number of inputs run and of crashes.

    python firmware_protocol/tools/fuzz_decoders.py --runs 1000000 [--random]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import random
import sys
import time
from types import ModuleType

from dorsi.protocol.errors import DecodeError

# the modules under test, imported in main() (instrumented when atheris runs)
dorsi_v1 = witmotion = metamotion = enc = timeline = ModuleType("not loaded")


def _load() -> None:
    global dorsi_v1, witmotion, metamotion, enc, timeline
    dorsi_v1 = importlib.import_module("dorsi.protocol.dorsi_v1")
    witmotion = importlib.import_module("dorsi.protocol.witmotion")
    metamotion = importlib.import_module("dorsi.protocol.metamotion")
    enc = importlib.import_module("dorsi.protocol.encoder")
    timeline = importlib.import_module("dorsi.protocol.timeline")


COUNT = {"inputs": 0, "decoded": 0}


def one_input(data: bytes) -> None:
    """The fuzz target: every decoder on the same bytes; only DecodeError is allowed out."""
    COUNT["inputs"] += 1
    if COUNT["inputs"] % 100_000 == 0:
        print(f"fuzz: {COUNT['inputs']} inputs so far, {COUNT['decoded']} decoded, 0 crashes", flush=True)
    for decode in (dorsi_v1.decode_packet, dorsi_v1.parse_status_message, witmotion.decode_notification):
        try:
            decode(data)
            COUNT["decoded"] += 1
        except DecodeError:
            pass
    with contextlib.suppress(DecodeError):
        metamotion.decode_notification(data, 16, 2000)
        COUNT["decoded"] += 1
    enc.parse_command(data)
    parts = [data[i : i + 20 + (i % 7) * 12] for i in range(0, len(data), 20)]
    with contextlib.suppress(DecodeError):
        dorsi_v1.decode_batch(parts)
    # whatever decodes goes through the timeline, in the order it came
    tl = timeline.Timeline(timeline.TimelineParams(reorder_depth=2))
    for k, part in enumerate(parts):
        with contextlib.suppress(DecodeError):
            tl.feed(dorsi_v1.decode_packet(part), k * 0.01)
    tl.flush()


def _seeds() -> list[bytes]:
    s = [(1, 2, 3, 4, 5, 6), (-32768, 32767, 0, -1, 1, 0)]
    return [
        enc.encode_samples_packet(65530, 2**32 - 10, 416, 16, 2000, s),
        enc.encode_samples_packet(0, 0, 52, 2, 125, s[:1]) * 3,
        enc.encode_status(1, 104, 4, 500, 50),
        enc.encode_response(1, 7, 0, enc.version_payload(1, 0, 0)),
        enc.encode_error(2, 9),
        bytes.fromhex("5561fcffefff110800000000000098ff0d00f831") * 2,
        bytes.fromhex("031c62b7530de9fd16d04d0e57028affa1050a01"),
    ]


def _random_inputs(runs: int, seed: int) -> None:
    rng = random.Random(seed)
    seeds = _seeds()
    for _ in range(runs):
        r = rng.random()
        if r < 0.4:  # pure noise of any length
            data = rng.randbytes(rng.randrange(0, 600))
        else:  # mutate a valid message: flip bytes, cut, extend, splice
            b = bytearray(rng.choice(seeds))
            for _ in range(rng.randrange(1, 4)):
                op = rng.randrange(4)
                if op == 0 and b:
                    b[rng.randrange(len(b))] = rng.randrange(256)
                elif op == 1:
                    del b[rng.randrange(len(b) + 1) :]
                elif op == 2:
                    b += rng.randbytes(rng.randrange(1, 30))
                else:
                    b = b + bytearray(rng.choice(seeds))
            data = bytes(b)
        one_input(data)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--random", action="store_true", help="skip atheris even if it is installed")
    args = ap.parse_args()
    t0 = time.perf_counter()

    def report() -> None:
        dt = time.perf_counter() - t0
        print(f"fuzz: {COUNT['inputs']} inputs, {COUNT['decoded']} decoded, 0 crashes, {dt:.0f} s")

    try:
        if args.random:
            raise ImportError
        import atheris
    except ImportError:
        _load()
        _random_inputs(args.runs, args.seed)
        report()
        return 0
    atexit.register(report)  # libFuzzer may exit without atexit: its "Done N runs" line is the count
    with atheris.instrument_imports(include=["dorsi.protocol"]):
        _load()
    atheris.Setup([sys.argv[0], f"-runs={args.runs}", f"-seed={args.seed}", "-max_len=600"], one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
