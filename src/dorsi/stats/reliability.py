"""Reliability of repeated tests: ICC(2,1), ICC(3,1), SEM, MDC95, Bland–Altman.

The data are an (n, k) table: n subjects (here: one person's one side), each measured k times
(k occasions for test–retest, k raters for inter-rater). Two-way analysis of variance without
replication (Shrout & Fleiss 1979; McGraw & Wong 1996):

    MSR  between subjects,          df n − 1
    MSC  between occasions/raters,  df k − 1
    MSE  residual,                  df (n − 1)(k − 1)

- ICC(2,1) = McGraw & Wong's ICC(A,1), two-way random effects, absolute agreement, one test:
  (MSR − MSE) / (MSR + (k − 1)·MSE + k·(MSC − MSE)/n). A systematic shift between occasions
  (learning, a rater who pushes further) counts as error.
- ICC(3,1) = ICC(C,1), two-way mixed effects, consistency, one test:
  (MSR − MSE) / (MSR + (k − 1)·MSE). A systematic shift does not count.
- 95 % confidence intervals: McGraw & Wong 1996 (Table 7), from the F distribution; for ICC(A,1)
  with Satterthwaite's approximate degrees of freedom.
- SEM = √MSE (Weir 2005): the within-subject error of one test after removing the occasions'
  means, in the measurement's unit. Not SD·√(1 − ICC): that one borrows the sample's spread between
  people twice (once in SD, once in the ICC), so it changes with who was recruited, while the error
  of the instrument does not; √MSE comes straight from the repeated tests. A systematic shift is
  reported apart, as the Bland–Altman bias.
- MDC95 = 1.96·√2·SEM: the smallest change between two tests of one person that measurement error
  alone would exceed in only 5 % of cases (the √2: both tests carry the error).
- Bland–Altman (k = 2): d = second − first; bias = mean d with its t-based 95 % CI; limits of
  agreement = bias ± 1.96·SD(d) (Bland & Altman 1986).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as sps

from dorsi.errors import InputError

Z95 = 1.96  # two-sided 95 % normal quantile, as the MDC95 and the limits of agreement are defined


@dataclass(frozen=True)
class Estimate:
    """A value with its 95 % confidence interval (NaN bounds where the interval is undefined)."""

    value: float
    lo: float
    hi: float


@dataclass(frozen=True)
class Anova:
    n: int
    k: int
    ms_subjects: float
    ms_occasions: float
    ms_error: float


@dataclass(frozen=True)
class BlandAltman:
    n: int
    bias: Estimate  # mean of second − first, with its 95 % CI
    sd: float  # SD of the differences
    lower: float  # limits of agreement: bias ± 1.96·SD
    upper: float
    means: tuple[float, ...]  # per subject: mean of the two tests (the plot's x)
    differences: tuple[float, ...]  # per subject: second − first (the plot's y)


@dataclass(frozen=True)
class Reliability:
    n: int
    k: int
    icc2_1: Estimate
    icc3_1: Estimate
    sem: float
    mdc95: float
    anova: Anova
    bland_altman: BlandAltman | None  # k = 2 only


def _table(x: ArrayLike) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise InputError("reliability needs a table: one row per subject, one column per occasion or rater")
    n, k = a.shape
    if n < 2:
        raise InputError(f"reliability needs at least 2 subjects (people's sides), not {n}")
    if k < 2:
        raise InputError(f"reliability needs at least 2 tests of each subject, not {k}")
    if not np.all(np.isfinite(a)):
        raise InputError("reliability: a measurement is missing (not a number)")
    return a


def anova(x: ArrayLike) -> Anova:
    """Two-way ANOVA without replication of an (n, k) table."""
    a = _table(x)
    n, k = a.shape
    grand = float(a.mean())
    ss_total = float(((a - grand) ** 2).sum())
    ss_subjects = k * float(((a.mean(axis=1) - grand) ** 2).sum())
    ss_occasions = n * float(((a.mean(axis=0) - grand) ** 2).sum())
    ss_error = max(ss_total - ss_subjects - ss_occasions, 0.0)  # rounding can leave −1e-15
    if ss_total <= 0.0:
        raise InputError("the measurements do not vary at all: reliability is undefined")
    return Anova(
        n=n,
        k=k,
        ms_subjects=ss_subjects / (n - 1),
        ms_occasions=ss_occasions / (k - 1),
        ms_error=ss_error / ((n - 1) * (k - 1)),
    )


def icc_agreement(av: Anova, alpha: float = 0.05) -> Estimate:
    """ICC(2,1) = ICC(A,1) with McGraw & Wong's (1996) confidence interval."""
    n, k, msr, msc, mse = av.n, av.k, av.ms_subjects, av.ms_occasions, av.ms_error
    icc = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    lo = hi = math.nan
    if mse > 0.0 and icc < 1.0:
        a = k * icc / (n * (1.0 - icc))
        b = 1.0 + k * icc * (n - 1) / (n * (1.0 - icc))
        v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
        if math.isfinite(v) and v > 0.0:
            f_lo = float(sps.f.ppf(1.0 - alpha / 2.0, n - 1, v))
            f_hi = float(sps.f.ppf(1.0 - alpha / 2.0, v, n - 1))
            c = k * msc + (k * n - k - n) * mse
            lo = n * (msr - f_lo * mse) / (f_lo * c + n * msr)
            hi = n * (f_hi * msr - mse) / (c + n * f_hi * msr)
    return Estimate(icc, lo, hi)


def icc_consistency(av: Anova, alpha: float = 0.05) -> Estimate:
    """ICC(3,1) = ICC(C,1) with McGraw & Wong's (1996) confidence interval."""
    n, k, msr, mse = av.n, av.k, av.ms_subjects, av.ms_error
    icc = (msr - mse) / (msr + (k - 1) * mse)
    lo = hi = math.nan
    if mse > 0.0:
        df_r, df_e = n - 1, (n - 1) * (k - 1)
        f_obs = msr / mse
        f_l = f_obs / float(sps.f.ppf(1.0 - alpha / 2.0, df_r, df_e))
        f_u = f_obs * float(sps.f.ppf(1.0 - alpha / 2.0, df_e, df_r))
        lo, hi = (f_l - 1.0) / (f_l + k - 1.0), (f_u - 1.0) / (f_u + k - 1.0)
    return Estimate(icc, lo, hi)


def bland_altman(first: ArrayLike, second: ArrayLike) -> BlandAltman:
    """Bias (second − first) with its 95 % CI and the 95 % limits of agreement."""
    a = _table(np.column_stack([np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)]))
    d = a[:, 1] - a[:, 0]
    n = len(d)
    bias = float(d.mean())
    sd = float(d.std(ddof=1))
    half = float(sps.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return BlandAltman(
        n=n,
        bias=Estimate(bias, bias - half, bias + half),
        sd=sd,
        lower=bias - Z95 * sd,
        upper=bias + Z95 * sd,
        means=tuple(float(v) for v in a.mean(axis=1)),
        differences=tuple(float(v) for v in d),
    )


def reliability(x: ArrayLike) -> Reliability:
    """Every statistic of an (n subjects × k tests) table; see the module's docstring."""
    a = _table(x)
    av = anova(a)
    sem = math.sqrt(av.ms_error)
    return Reliability(
        n=av.n,
        k=av.k,
        icc2_1=icc_agreement(av),
        icc3_1=icc_consistency(av),
        sem=sem,
        mdc95=Z95 * math.sqrt(2.0) * sem,
        anova=av,
        bland_altman=bland_altman(a[:, 0], a[:, 1]) if av.k == 2 else None,
    )
