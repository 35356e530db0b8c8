"""Statistics of measurement: reliability of repeated tests. Pure: numpy and scipy only.

- ``reliability(x)`` (dorsi.stats.reliability): ICC(2,1) and ICC(3,1) with McGraw & Wong's 95 %
  confidence intervals, SEM, MDC95 and Bland–Altman bias and limits of agreement.
"""

from dorsi.stats.reliability import BlandAltman, Estimate, Reliability, bland_altman, reliability

__all__ = ["BlandAltman", "Estimate", "Reliability", "bland_altman", "reliability"]
