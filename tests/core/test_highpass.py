"""The calibration check's high-pass (calibration_checks) is scipy.signal's, bit for bit, without importing it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from dorsi.motion.calibration_checks import HIGHPASS_HZ, highpass2_sos, sosfilt1


@pytest.mark.parametrize("seed", range(3))
def test_coefficients_and_output_are_scipys(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rates = np.concatenate([[50.0, 52.0, 104.0, 200.0, 208.0, 416.0, 1.05], rng.uniform(2.0, 1000.0, 200)])
    for rate_hz in rates:
        cutoff = min(HIGHPASS_HZ, 0.45 * rate_hz)
        ref = butter(2, cutoff, btype="highpass", fs=rate_hz, output="sos")
        got = highpass2_sos(cutoff, rate_hz)
        assert list(got) == ref[0].tolist(), rate_hz
        x = np.cumsum(np.cumsum(rng.normal(size=int(rng.integers(9, 2000))))) * rng.uniform(1e-6, 10.0)
        assert np.array_equal(sosfilt1(got, x), sosfilt(ref, x)), rate_hz


def test_analysis_imports_no_scipy_signal() -> None:
    import subprocess
    import sys

    code = "import sys, dorsi.analysis; print('scipy.signal' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
