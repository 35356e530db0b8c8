"""Golden vectors (firmware_protocol/vectors/v1.json): every implementation must pass them.

Run against the app's decoders, the package encoder, and the reference firmware's
copy of the encoder (which must also be byte-identical to the package's).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from dorsi.protocol import dorsi_v1 as v1
from dorsi.protocol import encoder as package_encoder
from dorsi.protocol import witmotion as wit
from dorsi.protocol.errors import DecodeError
from tests.script_module import load_script

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "firmware_protocol" / "vectors" / "v1.json").read_text())
FIRMWARE_ENCODER = ROOT / "firmware_protocol" / "reference_firmware" / "dorsi_encoder.py"
ATOL = 1e-9


def _load_firmware_encoder() -> ModuleType:
    return load_script(FIRMWARE_ENCODER, "firmware_dorsi_encoder")


ENCODERS = {"package": package_encoder, "firmware": _load_firmware_encoder()}


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["name"] for item in items]


def test_firmware_encoder_is_byte_identical_to_package() -> None:
    assert FIRMWARE_ENCODER.read_bytes() == Path(package_encoder.__file__).read_bytes()


@pytest.mark.parametrize("vec", VECTORS["dorsi_packets"], ids=_ids(VECTORS["dorsi_packets"]))
def test_decoder_passes_packet_vectors(vec: dict[str, Any]) -> None:
    exp = vec["expect"]
    data = bytes.fromhex(vec["hex"])
    for p in (v1.decode_packet(data), v1.decode_batch([data]).packet(0)):
        got = (p.version, p.seq, p.sensor_time_us, p.rate_hz, p.acc_range_g, p.gyr_range_dps, p.n_samples)
        assert got == tuple(
            exp[k] for k in ("version", "seq", "sensor_time_us", "rate_hz", "acc_range_g", "gyr_range_dps", "n_samples")
        )
        np.testing.assert_array_equal(p.raw, exp["raw"])
        np.testing.assert_allclose(p.acc_mps2, exp["acc_mps2"], rtol=0, atol=ATOL)
        np.testing.assert_allclose(p.gyr_dps, exp["gyr_dps"], rtol=0, atol=ATOL)


@pytest.mark.parametrize("which", sorted(ENCODERS))
@pytest.mark.parametrize("vec", VECTORS["dorsi_packets"], ids=_ids(VECTORS["dorsi_packets"]))
def test_encoders_pass_packet_vectors(vec: dict[str, Any], which: str) -> None:
    e = vec["expect"]
    enc = ENCODERS[which]
    data = enc.encode_samples_packet(
        e["seq"], e["sensor_time_us"], e["rate_hz"], e["acc_range_g"], e["gyr_range_dps"], e["raw"]
    )
    assert data.hex() == vec["hex"]


@pytest.mark.parametrize("vec", VECTORS["dorsi_packet_errors"], ids=_ids(VECTORS["dorsi_packet_errors"]))
def test_decoder_rejects_error_vectors(vec: dict[str, Any]) -> None:
    with pytest.raises(DecodeError, match=vec["error"]):
        v1.decode_packet(bytes.fromhex(vec["hex"]))
    with pytest.raises(DecodeError, match=vec["error"]):
        v1.decode_batch([bytes.fromhex(vec["hex"])])


@pytest.mark.parametrize("which", sorted(ENCODERS))
@pytest.mark.parametrize("vec", VECTORS["dorsi_status"], ids=_ids(VECTORS["dorsi_status"]))
def test_status_vectors_both_ways(vec: dict[str, Any], which: str) -> None:
    e, enc = vec["expect"], ENCODERS[which]
    msg = v1.parse_status_message(bytes.fromhex(vec["hex"]))
    if e["type"] == "status":
        assert isinstance(msg, v1.StatusMessage)
        assert (msg.streaming, msg.config.rate_hz, msg.config.acc_range_g, msg.config.gyr_range_dps) == (
            e["streaming"],
            e["rate_hz"],
            e["acc_range_g"],
            e["gyr_range_dps"],
        )
        assert msg.battery_pct == e["battery_pct"]
        state = enc.STATE_STREAMING if e["streaming"] else enc.STATE_IDLE
        pct = enc.BATTERY_UNKNOWN if e["battery_pct"] is None else e["battery_pct"]
        built = enc.encode_status(state, e["rate_hz"], e["acc_range_g"], e["gyr_range_dps"], pct)
    elif e["type"] == "response":
        assert isinstance(msg, v1.ResponseMessage)
        assert (msg.token, msg.opcode, msg.result, msg.payload.hex()) == (
            e["token"],
            e["opcode"],
            e["result"],
            e["payload"],
        )
        if "battery_pct" in e:
            assert v1.parse_battery(msg.payload) == (e["battery_pct"], e["battery_mv"])
            payload = enc.battery_payload(e["battery_pct"], e["battery_mv"])
        elif "firmware" in e:
            assert v1.parse_version(msg.payload) == (tuple(e["protocol"]), tuple(e["firmware"]))
            payload = enc.version_payload(*e["firmware"])
        else:
            payload = b""
        built = enc.encode_response(e["token"], e["opcode"], e["result"], payload)
    else:
        assert msg == v1.ErrorMessage(e["code"], e["detail"])
        built = enc.encode_error(e["code"], e["detail"])
    assert built.hex() == vec["hex"]


@pytest.mark.parametrize("which", sorted(ENCODERS))
@pytest.mark.parametrize("vec", VECTORS["dorsi_commands"], ids=_ids(VECTORS["dorsi_commands"]))
def test_command_vectors(vec: dict[str, Any], which: str) -> None:
    enc = ENCODERS[which]
    result, opcode, token, args = enc.parse_command(bytes.fromhex(vec["hex"]))
    assert (result, opcode, token) == (vec["result"], vec["opcode"], vec["token"])
    if result == enc.RESULT_OK:
        assert list(args) == vec["args"]
        assert enc.encode_command(opcode, token, args).hex() == vec["hex"]


@pytest.mark.parametrize("vec", VECTORS["witmotion_notifications"], ids=_ids(VECTORS["witmotion_notifications"]))
def test_witmotion_vectors(vec: dict[str, Any]) -> None:
    frames = wit.decode_notification(bytes.fromhex(vec["hex"]))
    assert len(frames) == len(vec["frames"])
    for i, exp in enumerate(vec["frames"]):
        np.testing.assert_allclose(frames.acc_g[i], exp["acc_g"], rtol=0, atol=ATOL)
        np.testing.assert_allclose(frames.gyr_dps[i], exp["gyr_dps"], rtol=0, atol=ATOL)
        np.testing.assert_allclose(frames.angle_deg[i], exp["angle_deg"], rtol=0, atol=ATOL)
        rebuilt = wit.encode_data_frame(tuple(exp["acc_g"]), tuple(exp["gyr_dps"]), tuple(exp["angle_deg"]))
        assert rebuilt.hex() in vec["hex"]
    assert [[r, list(v)] for r, v in frames.registers] == vec["registers"]


def test_witmotion_capture_matches_the_issue() -> None:
    frames = wit.decode_notification(bytes.fromhex("5561fcffefff110800000000000098ff0d00f831"))
    assert frames.acc_g[0, 2] == pytest.approx(1.008, abs=1e-3)
    assert frames.angle_deg[0, 0] == pytest.approx(-0.57, abs=5e-3)
    assert frames.angle_deg[0, 2] == pytest.approx(70.27, abs=5e-3)


@pytest.mark.parametrize("vec", VECTORS["witmotion_errors"], ids=_ids(VECTORS["witmotion_errors"]))
def test_witmotion_error_vectors(vec: dict[str, Any]) -> None:
    with pytest.raises(DecodeError, match=vec["error"]):
        wit.decode_notification(bytes.fromhex(vec["hex"]))


@pytest.mark.parametrize("vec", VECTORS["witmotion_commands"], ids=_ids(VECTORS["witmotion_commands"]))
def test_witmotion_command_vectors(vec: dict[str, Any]) -> None:
    built = {"unlock": wit.cmd_unlock, "save": wit.cmd_save}.get(vec["name"])
    data = built() if built else wit.cmd_set_rate(vec["rate_hz"])
    assert data.hex() == vec["hex"]


def test_reference_firmware_uses_only_what_the_encoder_and_spec_define() -> None:
    """code.py runs only on a board; check on the host that it parses and agrees with the package."""
    import ast

    from dorsi.protocol import uuids

    source = (FIRMWARE_ENCODER.parent / "code.py").read_text()
    tree = ast.parse(source)
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and getattr(n.value, "id", "") == "enc"}
    missing = sorted(name for name in used if not hasattr(package_encoder, name))
    assert used and not missing
    for name in ("SERVICE_UUID", "DATA_UUID", "CONTROL_UUID", "STATUS_UUID"):
        assert f'{name} = "{getattr(uuids, "DORSI_" + name)}"' in source
    assert '"dorsi-"' in source and uuids.DORSI_NAME_PREFIX == "dorsi-"
    compile(source, "code.py", "exec")
