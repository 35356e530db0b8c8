"""MetaMotion (BMI160 / BMI270): decoder and commands against the bytes and values in MbientLab's
own SDK tests (mbientlab/MetaWear-SDK-Cpp test/test_accelerometer_bmi160.py, _bmi270.py,
test_gyro_bmi160.py, common.py's module-info replies), which state values to 0.001; and the
stream decoder's pairing of accelerometer and gyroscope notifications."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.protocol import metamotion as mm
from dorsi.protocol.decoders import MetaMotionDecoder
from dorsi.protocol.errors import DecodeError
from dorsi.protocol.kinds import METAMOTION

CASES = [
    ("0304 16c494a22ad0", 4, 500, "acc", [[-1.872, -2.919, -1.495]]),
    (
        "031c 62b7530de9fd16d04d0e57028aff a1050a01",  # BMI160 packed
        8,
        500,
        "acc",
        [[-4.539, 0.833, -0.131], [-2.995, 0.894, 0.146], [-0.029, 0.352, 0.065]],
    ),
    (
        "0305 62b7530de9fd16d04d0e57028aff a1050a01",  # BMI270 packed
        8,
        500,
        "acc",
        [[-4.539, 0.833, -0.131], [-2.995, 0.894, 0.146], [-0.029, 0.352, 0.065]],
    ),
    ("1305 3e43ff7f0080", 2, 500, "gyr", [[262.409, 499.497, -499.512]]),
    (
        "1307 0915ad2608de8a1a0d2665e48d20ac2773ec",
        2,
        1000,
        "gyr",
        [[164.177, 301.860, -265.122], [207.134, 296.982, -215.457], [254.055, 309.634, -152.591]],
    ),
]


@pytest.mark.parametrize(("hexdata", "acc_g", "gyr_dps", "kind", "expected"), CASES)
def test_sdk_vectors(hexdata: str, acc_g: int, gyr_dps: int, kind: str, expected: list[list[float]]) -> None:
    out = mm.decode_notification(bytes.fromhex(hexdata.replace(" ", "")), acc_g, gyr_dps)
    assert out.kind == kind
    np.testing.assert_allclose(out.values, expected, atol=0.0015)


def test_commands_match_the_sdk() -> None:
    assert mm.BMI160.acc_config(200, 8) == bytes([0x03, 0x03, 0x29, 0x08])
    assert mm.BMI160.acc_config(100, 16) == bytes([0x03, 0x03, 0x28, 0x0C])
    assert mm.BMI270.acc_config(200, 8) == bytes([0x03, 0x03, 0xA9, 0x02])  # test_set_odr_and_range
    assert mm.BMI270.acc_config(100, 16) == bytes([0x03, 0x03, 0xA8, 0x03])  # test_set_range
    assert mm.BMI160.gyr_config(50, 125) == bytes([0x13, 0x03, 0x27, 0x04])
    assert mm.BMI160.gyr_config(100, 250) == bytes([0x13, 0x03, 0x28, 0x03])
    start = mm.BMI160.start_commands(100, 16, 2000)
    assert bytes([0x03, 0x1C, 0x01]) in start and bytes([0x13, 0x07, 0x01]) in start  # packed subscriptions
    assert bytes([0x03, 0x02, 0x01, 0x00]) in start and bytes([0x13, 0x01, 0x01]) in start
    assert bytes([0x03, 0x05, 0x01]) in mm.BMI270.start_commands(100, 16, 2000)
    assert bytes([0x03, 0x02, 0x00, 0x01]) in mm.BMI160.stop_commands()
    assert mm.cmd_connection_parameters(7.5, 0, 6000) == bytes([0x11, 0x09, 6, 0, 6, 0, 0, 0, 0x58, 0x02])
    with pytest.raises(DecodeError, match="not one of"):
        mm.BMI160.acc_config(104, 8)


@pytest.mark.parametrize(
    ("acc", "gyr", "chip"),
    [
        ("03800101", "13800001", mm.BMI160),  # MetaMotion R
        ("03800102", "13800001", mm.BMI160),  # MetaMotion RL
        ("03800400", "13800100", mm.BMI270),  # MetaMotion S: revision 0 still packs
        ("03800100", "13800000", mm.BMI160_UNPACKED),  # firmware before packed data
    ],
)
def test_module_info_picks_the_chip(acc: str, gyr: str, chip: mm.Imu) -> None:
    info = [mm.parse_module_info(bytes.fromhex(h)) for h in (acc, gyr)]
    assert mm.imu_from_info(*info) is chip


@pytest.mark.parametrize(
    ("acc", "gyr", "why"),
    [("0380", "13800001", "no BMI160/BMI270 accelerometer"), ("03800101", "1380", "no gyroscope")],
)
def test_boards_without_the_imu_are_refused_in_one_line(acc: str, gyr: str, why: str) -> None:
    info = [mm.parse_module_info(bytes.fromhex(h)) for h in (acc, gyr)]
    with pytest.raises(DecodeError, match=why):
        mm.imu_from_info(*info)


@pytest.mark.parametrize(
    ("hexdata", "why"),
    [
        ("", "no module"),
        ("0304", "0 bytes"),
        ("0304" + "00" * 7, "7 bytes"),
        ("031c" + "00" * 6, "6 bytes"),  # a packed register with one sample's bytes
        ("0a0b0000", "not IMU data"),
        ("03800101", "not IMU data"),  # a module-info reply
    ],
)
def test_bad_notifications(hexdata: str, why: str) -> None:
    with pytest.raises(DecodeError, match=why):
        mm.decode_notification(bytes.fromhex(hexdata), 4, 500)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_arbitrary_bytes_only_raise_decode_error(data: bytes) -> None:
    try:
        out = mm.decode_notification(data, 16, 2000)
    except DecodeError:
        return
    assert out.values.shape[1] == 3


def _notifications(acc_g: np.ndarray, gyr_dps: np.ndarray, chip: mm.Imu, order: list[bool]) -> list[bytes]:
    """Packed notifications of both sensors, interleaved as ``order`` says (True: an accelerometer one next)."""
    per = chip.samples_per_notification
    acc = [
        mm.encode_data(mm.MODULE_ACC, chip.acc_data, acc_g[k : k + per], mm.acc_scale_g(16))
        for k in range(0, len(acc_g), per)
    ]
    gyr = [
        mm.encode_data(mm.MODULE_GYRO, chip.gyr_data, gyr_dps[k : k + per], mm.gyr_scale_dps(2000))
        for k in range(0, len(gyr_dps), per)
    ]
    out = []
    for take_acc in order:
        if acc or gyr:
            side = acc if (take_acc and acc) or not gyr else gyr
            out.append(side.pop(0))
    return out + acc + gyr


@settings(max_examples=60, deadline=None)
@given(
    n_packets=st.integers(1, 16),  # one side at most 48 samples ahead: within max_unpaired
    seed=st.integers(0, 2**16),
    order=st.lists(st.booleans(), max_size=60),
    chip=st.sampled_from([mm.BMI160, mm.BMI270, mm.BMI160_UNPACKED]),
    split=st.integers(1, 7),
)
def test_decoder_pairs_acc_and_gyro_in_any_interleaving(
    n_packets: int, seed: int, order: list[bool], chip: mm.Imu, split: int
) -> None:
    """However the two streams interleave (and however the notifications are batched), the k-th
    accelerometer sample is paired with the k-th gyroscope one, numbered without a hole."""
    rng = np.random.default_rng(seed)
    n = n_packets * chip.samples_per_notification
    acc_g = rng.uniform(-15.9, 15.9, (n, 3))
    gyr_dps = rng.uniform(-1990, 1990, (n, 3))
    notes = _notifications(acc_g, gyr_dps, chip, order)
    dec = METAMOTION.decoder(100)
    dec.started()
    items = [(0.1 + 0.01 * i, b) for i, b in enumerate(notes)]
    outs = [dec.feed(items[k : k + split]) for k in range(0, len(items), split)]
    outs.append(dec.link_lost())
    got = [o for o in outs if o is not None]
    counter = np.concatenate([o.counter for o in got]) if got else np.zeros(0, np.int64)
    assert len(counter) == n  # link_lost() releases what the timeline held
    assert np.array_equal(counter, np.arange(len(counter)))
    acc = np.concatenate([o.acc_mps2 for o in got]) / 9.80665
    gyr = np.concatenate([o.gyr_dps for o in got])
    np.testing.assert_allclose(acc, acc_g[: len(acc)], atol=16 / 32768)
    np.testing.assert_allclose(gyr, gyr_dps[: len(gyr)], atol=2000 / 32768 + 1 / 16.4)
    assert dec.stats.garbage == 0 and dec.stats.unpaired == 0


def test_a_lost_partner_is_dropped_and_counted_not_paired_forever() -> None:
    """One side far ahead means its partner was lost: beyond half a second the oldest go."""
    dec = MetaMotionDecoder(100, 16, 2000)
    dec.started()
    acc = [mm.encode_data(mm.MODULE_ACC, 0x1C, np.zeros((3, 3)), mm.acc_scale_g(16)) for _ in range(30)]
    dec.feed([(0.03 * i, b) for i, b in enumerate(acc)])  # 90 accelerometer samples, no gyroscope
    assert dec.stats.unpaired == 90 - dec.max_unpaired
