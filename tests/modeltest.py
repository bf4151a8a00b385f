"""Helpers shared by the tests of Sequential (test_models.py) and of saving it
(test_saving.py)."""
import numpy as np


def separable_ids(n=600, seed=0):
    """Sequences of 6 ids; the class is which third of the vocabulary the first id is in."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 31, size=(n, 6))
    return x, (x[:, 0] - 1) // 10
