"""Token-id lists to flat arrays for the classifier kernels."""
import numpy as np

from textembed.classify.features import flatten


def test_flatten_gives_ids_offsets_and_lengths():
    flat, offsets, lengths = flatten([[3, 5], [], [7, 8, 9]])
    assert flat.dtype == np.int32 and offsets.dtype == np.int64
    np.testing.assert_array_equal(flat, [3, 5, 7, 8, 9])
    np.testing.assert_array_equal(offsets, [0, 2, 2, 5])
    np.testing.assert_array_equal(lengths, [2, 0, 3])
    flat, offsets, lengths = flatten([])
    assert flat.size == 0 and offsets.tolist() == [0] and lengths.size == 0
