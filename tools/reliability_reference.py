"""Reference values for tests/report/test_reliability_stats.py from pingouin's intraclass_corr.

    python -m venv /tmp/ref && /tmp/ref/bin/pip install pingouin
    /tmp/ref/bin/python tools/reliability_reference.py

pingouin is not a dependency of dorsi (it brings pandas, statsmodels, scikit-learn, matplotlib and
seaborn for one check of fixed numbers); its values are kept in the test as literals with this
script to regenerate them. Prints ICC(A,1) (= ICC(2,1)) and ICC(C,1) (= ICC(3,1)) with their 95 %
intervals, unrounded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd  # type: ignore[import-not-found]
import pingouin as pg  # type: ignore[import-not-found]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.report.reliability_data import DATASETS


def main() -> int:
    pg.options["round.column.CI95"] = None
    print(f"# pingouin {pg.__version__}")  # noqa: T201
    for name, table in DATASETS.items():
        rows = [(i, j, float(v)) for i, row in enumerate(table) for j, v in enumerate(row)]
        df = pd.DataFrame(rows, columns=["subject", "test", "value"])
        icc = pg.intraclass_corr(df, targets="subject", raters="test", ratings="value").set_index("Type")
        for kind, key in (("ICC(A,1)", "icc2_1"), ("ICC(C,1)", "icc3_1")):
            lo, hi = icc.at[kind, "CI95"]
            print(f'    ("{name}", "{key}"): ({icc.at[kind, "ICC"]:.6f}, {lo:.6f}, {hi:.6f}),')  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
