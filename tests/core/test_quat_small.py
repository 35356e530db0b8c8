"""to_matrix's float path for a few quaternions gives numpy's result bit for bit."""

import numpy as np

from dorsi.motion import quat as Q


def _numpy_to_matrix(q: np.ndarray) -> np.ndarray:
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], axis=-1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], axis=-1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=-1),
        ],
        axis=-2,
    )


def test_small_to_matrix_is_numpys() -> None:
    rng = np.random.default_rng(1)
    for n in range(Q.SMALL_ROWS + 2):
        for _ in range(200):
            q = rng.normal(size=(n, 4)) * rng.choice([1e-3, 1.0, 1e3])
            q[rng.random(q.shape) < 0.01] = np.nan
            got = Q.to_matrix(q)
            want = _numpy_to_matrix(q)
            assert got.shape == want.shape == (n, 3, 3)
            assert np.array_equal(got, want, equal_nan=True)


def test_up_rows_are_to_matrix_third_rows() -> None:
    # the vertical acceleration and the lift check read only the third rows (up_rows): the same bits as the matrix's
    rng = np.random.default_rng(2)
    for n in (1, Q.SMALL_ROWS + 1, 500):
        q = rng.normal(size=(n, 4)) * rng.choice([1e-3, 1.0, 1e3])
        q[rng.random(q.shape) < 0.01] = np.nan
        assert np.array_equal(Q.up_rows(q), _numpy_to_matrix(q)[:, 2, :], equal_nan=True)
        assert np.array_equal(Q.up_rows(q), Q.to_matrix(q)[:, 2, :], equal_nan=True)
