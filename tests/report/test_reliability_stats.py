"""dorsi.stats.reliability against Shrout & Fleiss (1979) and pingouin's intraclass_corr, to 3 decimals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dorsi.errors import InputError
from dorsi.stats import bland_altman, reliability
from dorsi.stats.reliability import anova

from .reliability_data import DATASETS, SHROUT_FLEISS, TEST_RETEST

# tools/reliability_reference.py (pingouin 0.7.0): (ICC, CI low, CI high)
PINGOUIN = {
    ("shrout_fleiss", "icc2_1"): (0.289764, 0.018787, 0.761084),
    ("shrout_fleiss", "icc3_1"): (0.714841, 0.342465, 0.945858),
    ("test_retest", "icc2_1"): (0.919820, 0.755819, 0.975956),
    ("test_retest", "icc3_1"): (0.918913, 0.744002, 0.975963),
}


@pytest.mark.parametrize(("name", "key"), sorted(PINGOUIN))
def test_icc_and_its_interval_match_pingouin_to_3_decimals(name: str, key: str) -> None:
    est = getattr(reliability(DATASETS[name]), key)
    value, lo, hi = PINGOUIN[(name, key)]
    assert round(est.value, 3) == round(value, 3)
    assert round(est.lo, 3) == round(lo, 3)
    assert round(est.hi, 3) == round(hi, 3)


def test_shrout_fleiss_published_anova_and_iccs() -> None:
    # Table 3: BMS 11.24, JMS 32.49, EMS 1.02; Table 4: ICC(2,1) .29, ICC(3,1) .71
    av = anova(SHROUT_FLEISS)
    assert (round(av.ms_subjects, 2), round(av.ms_occasions, 2), round(av.ms_error, 2)) == (11.24, 32.49, 1.02)
    r = reliability(SHROUT_FLEISS)
    assert (round(r.icc2_1.value, 2), round(r.icc3_1.value, 2)) == (0.29, 0.71)
    assert r.sem == pytest.approx(math.sqrt(av.ms_error))
    assert r.mdc95 == pytest.approx(1.96 * math.sqrt(2.0) * math.sqrt(av.ms_error))
    assert r.bland_altman is None  # four judges: no pairs


def test_two_tests_sem_mdc_and_bland_altman_agree_with_their_definitions() -> None:
    x = np.array(TEST_RETEST)
    r = reliability(x)
    d = x[:, 1] - x[:, 0]
    sd = d.std(ddof=1)
    assert r.sem == pytest.approx(sd / math.sqrt(2.0))  # k = 2: MSE = var(d) / 2
    ba = r.bland_altman
    assert ba is not None
    assert ba.bias.value == pytest.approx(d.mean())
    assert (ba.lower, ba.upper) == pytest.approx((d.mean() - 1.96 * sd, d.mean() + 1.96 * sd))
    # the half-width of the limits of agreement is the MDC95 when there are two tests
    assert ba.upper - ba.bias.value == pytest.approx(r.mdc95)
    t = 2.200985160082949  # t(0.975, 11)
    assert (ba.bias.lo, ba.bias.hi) == pytest.approx(
        (d.mean() - t * sd / math.sqrt(12), d.mean() + t * sd / math.sqrt(12))
    )
    assert ba.means == pytest.approx(tuple(x.mean(axis=1)))


def test_a_systematic_shift_lowers_agreement_not_consistency() -> None:
    x = np.array(TEST_RETEST)
    shifted = np.column_stack([x[:, 0], x[:, 1] + 3.0])
    before, after = reliability(x), reliability(shifted)
    assert after.icc3_1.value == pytest.approx(before.icc3_1.value)
    assert after.icc2_1.value < before.icc2_1.value - 0.05
    assert after.sem == pytest.approx(before.sem)  # √MSE: the shift is the bias, not error
    assert after.bland_altman is not None and before.bland_altman is not None
    assert after.bland_altman.bias.value == pytest.approx(before.bland_altman.bias.value + 3.0)


def test_perfect_agreement_has_no_interval_rather_than_a_wrong_one() -> None:
    r = reliability([[30.0, 30.0], [35.0, 35.0], [40.0, 40.0]])
    assert r.icc2_1.value == 1.0 and r.icc3_1.value == 1.0 and r.sem == 0.0
    assert math.isnan(r.icc2_1.lo) and math.isnan(r.icc3_1.hi)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([[1.0, 2.0]], "at least 2 subjects"),
        ([[1.0], [2.0]], "at least 2 tests"),
        ([1.0, 2.0, 3.0], "one row per subject"),
        ([[1.0, float("nan")], [2.0, 3.0]], "missing"),
        ([[5.0, 5.0], [5.0, 5.0]], "do not vary"),
    ],
)
def test_tables_that_are_not_a_study_are_refused(table: list, message: str) -> None:
    with pytest.raises(InputError, match=message):
        reliability(table)


def test_bland_altman_needs_pairs_of_the_same_length() -> None:
    with pytest.raises((InputError, ValueError)):
        bland_altman([1.0, 2.0, 3.0], [1.0, 2.0])
