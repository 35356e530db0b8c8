"""Reference tables for the reliability statistics, and their values from a maintained package.

SHROUT_FLEISS: Shrout & Fleiss (1979), Table 2 — 6 targets rated by 4 judges; the paper's Table 4
gives ICC(2,1) = 0.29 and ICC(3,1) = 0.71.
TEST_RETEST: a knee-to-wall-like test–retest table (12 sides × 2 occasions, best angle in °), drawn
once from N(38°, 5°) people with a 1.2° day-to-day error and a +0.4° learning shift, rounded to 0.1°.

REFERENCE: pingouin 0.7.0's intraclass_corr (ICC(A,1) = ICC(2,1), ICC(C,1) = ICC(3,1), with its
CI95 unrounded: options["round.column.CI95"] = None), printed by tools/reliability_reference.py.
"""

SHROUT_FLEISS = (
    (9, 2, 5, 8),
    (6, 1, 3, 2),
    (8, 4, 6, 8),
    (7, 1, 2, 6),
    (10, 5, 6, 9),
    (6, 2, 4, 7),
)
TEST_RETEST = (
    (33.6, 30.6),
    (33.1, 31.5),
    (33.4, 34.3),
    (34.3, 35.5),
    (44.2, 44.6),
    (27.9, 29.2),
    (41.3, 45.3),
    (43.9, 44.0),
    (36.5, 38.0),
    (32.9, 36.6),
    (41.3, 38.0),
    (43.9, 46.1),
)
DATASETS = {"shrout_fleiss": SHROUT_FLEISS, "test_retest": TEST_RETEST}
