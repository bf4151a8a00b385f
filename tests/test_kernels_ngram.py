"""The classifier networks' input rows (kernels.ngram_kernels): token ids, hashed word bigrams, padding."""
import numpy as np


def _reference_bigram(a, b, offset, buckets):
    """The bigram id of token ids a, b (splitmix-style mixing, in Python integers)."""
    mask = (1 << 64) - 1
    h = ((a + 1) * 0x9E3779B97F4A7C15) & mask
    h ^= h >> 31
    h = ((h + b) * 0xBF58476D1CE4E5B9) & mask
    h ^= h >> 31
    return offset + h % buckets


def test_feature_rows_bigrams_skip_words_added_after_training():
    from textembed.classify.features import flatten
    from textembed.kernels.ngram_kernels import feature_rows
    offset, buckets = 10, 8
    flat, offsets, _ = flatten([[3, 5, 7], [3, 20, 5], [4]])
    rows = feature_rows(flat, offsets, 5, buckets, offset, 9)
    b35 = _reference_bigram(3, 5, offset, buckets)
    b57 = _reference_bigram(5, 7, offset, buckets)
    # token ids, then bigram ids, then padding
    np.testing.assert_array_equal(rows, [[3, 5, 7, b35, b57, 0, 0, 0, 0],
                                         [3, 20, 5, b35, 0, 0, 0, 0, 0],
                                         [4, 0, 0, 0, 0, 0, 0, 0, 0]])
