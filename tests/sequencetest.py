"""Helpers shared by the tests of textembed.sequence's modules."""
import numpy as np


def assert_same_array(ours, ref):
    assert ours.shape == ref.shape
    assert ours.dtype == ref.dtype
    if ref.dtype == object:
        assert ours.tolist() == ref.tolist()
    else:
        np.testing.assert_array_equal(ours, ref)
