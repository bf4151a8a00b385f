import numpy as np
import pytest


@pytest.fixture(scope="session")
def keras_pre():
    """keras-preprocessing (a test-only reference), patched to run on NumPy 2."""
    if not hasattr(np, "unicode_"):
        np.unicode_ = np.str_
    return pytest.importorskip("keras_preprocessing")
