"""`dorsi decode`: JSON lines out, one-line reason and exit 2 for bytes that do not decode."""

from __future__ import annotations

import io
import json

import pytest

from dorsi.cli.main import main
from dorsi.protocol import encoder as enc

ONE = "2129020140420f0000000020c0ff41009cff0000"  # vector one_sample_at_rest


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_decode_dorsi_prints_one_json_line_per_sample(capsys: pytest.CaptureFixture[str]) -> None:
    two = enc.encode_samples_packet(9, 77, 52, 2, 125, [(1, 2, 3, 4, 5, 6), (-1, -2, -3, -4, -5, -6)]).hex()
    assert main(["decode", "--format", "dorsi", ONE, two]) == 0
    rows = _lines(capsys.readouterr().out)
    assert [(r["packet"], r["sample"]) for r in rows] == [(1, 0), (2, 0), (2, 1)]
    assert rows[0]["seq"] == 258 and rows[0]["rate_hz"] == 104 and rows[0]["raw"] == [0, 8192, -64, 65, -100, 0]
    assert rows[0]["acc_mps2"] == [0.0, 9.80665, -0.076614]
    assert rows[2]["raw"] == [-1, -2, -3, -4, -5, -6]


def test_decode_witmotion_capture(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--format", "witmotion", "55:61:fc:ff:ef:ff:11:08:00:00:00:00:00:00:98:ff:0d:00:f8:31"]) == 0
    (row,) = _lines(capsys.readouterr().out)
    assert row["acc_g"][2] == pytest.approx(1.008, abs=1e-3)
    assert row["angle_deg"][0] == pytest.approx(-0.571, abs=1e-3) and row["angle_deg"][2] == pytest.approx(
        70.27, abs=1e-2
    )


def test_decode_status_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("21017357\n23020c00\n"))
    assert main(["decode", "--format", "dorsi-status", "-"]) == 0
    rows = _lines(capsys.readouterr().out)
    assert rows[0]["type"] == "status" and rows[0]["rate_hz"] == 416 and rows[0]["battery_pct"] == 87
    assert rows[1] == {"packet": 2, "type": "error", "code": 2, "name": "sample overrun", "detail": 12}


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        (["decode", ONE, ONE[:-2]], "HEX 2: packet of 19 bytes"),
        (["decode", "zz"], "HEX 1 is not hexadecimal"),
        (["decode", "--format", "witmotion", "5562" + "00" * 18], "unknown type 0x62"),
        (["decode", "--format", "dorsi-status", "41"], "protocol version 2"),
    ],
)
def test_bad_bytes_exit_2_with_one_line(argv: list[str], why: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing half-printed
    assert why in captured.err and captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_decode_metamotion_with_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--format", "metamotion", "--acc-range-g", "4", "030416c494a22ad0"]) == 0
    (row,) = _lines(capsys.readouterr().out)
    assert row["acc_g"] == pytest.approx([-1.872, -2.919, -1.495], abs=1e-3)
