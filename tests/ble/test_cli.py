"""`dorsi devices` and `dorsi record`, through dorsi.cli.main.main and as a process (Ctrl-C)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason, BleakDBusError

from dorsi.ble.backends import BleBackends
from dorsi.ble.scan import scan_sensors
from dorsi.cli.main import main
from dorsi.errors import DeviceError
from dorsi.io.rawcsv import read_raw_csv
from dorsi.protocol.kinds import DORSI, KINDS, METAMOTION


def test_devices_virtual_lists_the_virtual_sensors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "--virtual", "--timeout", "0.5", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(r["kind"] for r in rows) == sorted([DORSI.id, *KINDS])  # two shins of ours, one of every kind
    assert all(r["rssi_dbm"] < 0 for r in rows)
    assert {r["battery_pct"] for r in rows if r["kind"] == "dorsi"} == {87, 62}


NO_BLUEZ = not Path("/run/dbus/system_bus_socket").exists() and not os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")


@pytest.mark.skipif(not NO_BLUEZ or sys.platform != "linux", reason="this machine has a Bluetooth stack")
def test_devices_without_bluetooth_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "--timeout", "0.2"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("dorsi: error: Bluetooth is not available: ")
    assert err.endswith("; try --virtual")
    assert "\n" not in err


def _raising_scanner(exc: BaseException) -> type[BaseBleakScanner]:
    class Raising(BaseBleakScanner):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(None, None)

        async def start(self) -> None:
            raise exc

        async def stop(self) -> None:
            return None

    return Raising


@pytest.mark.parametrize(
    ("exc", "why"),
    [
        (FileNotFoundError(2, "No such file or directory"), "no BlueZ/D-Bus"),
        (
            BleakBluetoothNotAvailableError("no adapter", BleakBluetoothNotAvailableReason.NO_BLUETOOTH),
            "no Bluetooth adapter",
        ),
        (
            BleakBluetoothNotAvailableError("off", BleakBluetoothNotAvailableReason.POWERED_OFF),
            "turned off",
        ),
        (BleakDBusError("org.bluez.Error.NotReady", ["Resource Not Ready"]), "org.bluez.Error.NotReady"),
    ],
)
async def test_every_no_bluetooth_error_becomes_one_sentence(exc: BaseException, why: str) -> None:
    with pytest.raises(DeviceError) as info:
        await scan_sensors(0.1, backends=BleBackends(scanner=_raising_scanner(exc)))
    msg = str(info.value)
    assert msg.startswith("Bluetooth is not available: ") and msg.endswith("; try --virtual")
    assert why in msg


def test_record_virtual_writes_csv_json_and_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rec.csv"
    args = ["record", "--virtual", "--drill", "knee-to-wall", "--seconds", "3", "--speed", "3", "--out", str(out)]
    assert main(args) == 0
    rec = read_raw_csv(out)
    counter = rec.extra["sample_counter"]
    assert len(rec) >= 3 * 208
    assert np.all(np.diff(counter) == 1)
    assert rec.rate_hz == pytest.approx(208, rel=1e-3)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["samples"] == len(rec) and meta["gaps"] == [] and meta["interrupted"] is False
    assert meta["sensor"]["kind"] == "dorsi" and meta["link"]["lost_samples"] == 0
    from dorsi.store import SessionStore

    with SessionStore.open() as store:
        (session,) = store.sessions()
        assert session.samples == len(rec)
    assert "recorded" in capsys.readouterr().out
    # the CSV imports on its own later: drill, side and sensor come from the JSON beside it
    from dorsi.store.importer import import_csv

    with SessionStore.open(tmp_path / "other.db") as store:  # the same samples: refused in the first store
        imported = store.session(import_csv(store, out).session_id)
        assert (imported.drill, imported.side) == ("knee-to-wall", meta["side"])
        assert imported.sensor_id == meta["sensor"]["address"] and imported.samples == len(rec)


def test_record_virtual_metamotion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A third brand through the registry alone: its twin performs the drill, bleak records it."""
    out = tmp_path / "mm.csv"
    args = ["record", "--virtual", "--kind", "metamotion", "--drill", "calf-raises", "--seconds", "4"]
    assert main([*args, "--speed", "3", "--out", str(out), "--no-store"]) == 0
    rec = read_raw_csv(out)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["sensor"]["kind"] == "metamotion" and meta["sensor"]["name"] == "MetaWear"
    assert meta["rate_hz"] == METAMOTION.default_rate_hz and meta["link"]["lost_samples"] == 0
    assert len(rec) >= 4 * METAMOTION.default_rate_hz
    assert np.all(np.diff(rec.extra["sample_counter"]) == 1)
    # standing still at the start of the simulated session: gravity along the shin
    assert np.linalg.norm(rec.acc_mps2[:50].mean(axis=0)) == pytest.approx(9.81, abs=0.3)
    assert "from MetaWear" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "status", "text"),
    [
        (["--virtual", "--seconds", "0"], 2, "--seconds"),
        (["--address", "AA:BB", "--kind", "metamotion", "--seconds", "1"], 2, "--kind"),
        (["--virtual", "--kind", "fitbit", "--seconds", "1"], 2, "unknown sensor kind 'fitbit'"),
        (["--address", "AA:BB", "--drill", "squat-rocks", "--seconds", "1"], 2, "--virtual"),
        (["--virtual", "--drill", "moonwalk", "--seconds", "1"], 2, "unknown drill"),
    ],
)
def test_record_bad_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], status: int, text: str
) -> None:
    assert main(["record", *args, "--out", str(tmp_path / "x.csv")]) == status
    err = capsys.readouterr().err
    assert text in err and err.count("\n") == 1


def test_ctrl_c_stops_cleanly_and_keeps_what_was_recorded(tmp_path: Path) -> None:
    """A real process: SIGINT after the first progress line; the files hold what came."""
    out = tmp_path / "cut.csv"
    cmd = [sys.executable, "-m", "dorsi", "record", "--virtual", "--seconds", "600", "--speed", "5"]
    proc = subprocess.Popen(
        [*cmd, "--out", str(out), "--no-store"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # waits on the process's own progress report
        if line.startswith("recording:"):
            break
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stdout
    rec = read_raw_csv(out)
    assert len(rec) >= 5 * 208
    assert np.all(np.diff(rec.extra["sample_counter"]) == 1)
    assert json.loads(out.with_suffix(".json").read_text())["interrupted"] is True
