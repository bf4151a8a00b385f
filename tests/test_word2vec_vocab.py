"""textembed.word2vec.vocab: pruning and order of the vocabulary, the
subsampling thresholds and the negative-sampling table."""
import numpy as np

from textembed.word2vec.vocab import Vocabulary

from word2vectest import alias_distribution


def test_vocabulary_prunes_and_orders():
    words = ["b", "a", "c", "d", "e"]
    counts = [5, 9, 5, 1, 7]
    vocab = Vocabulary(words, counts, min_count=2, max_vocab=3)
    # most frequent first, ties in order of first appearance, then max_vocab
    assert vocab.words == ["a", "e", "b"]
    assert vocab.counts.tolist() == [9, 7, 5]
    assert vocab.pruned == {"c": 5, "d": 1}
    assert vocab.remap.tolist() == [2, 0, -2, -2, 1, -1]
    assert vocab.train_words == 21


def test_keep_thresholds_follow_word2vec_formula():
    vocab = Vocabulary(["x", "y", "z"], [1000, 100, 1], min_count=1)
    sample = 1e-2
    t = sample * 1101
    expected = [min(1.0, (np.sqrt(c / t) + 1) * t / c) for c in (1000, 100, 1)]
    thresholds = vocab.keep_thresholds(sample)
    np.testing.assert_allclose(thresholds / 2.0 ** 32, expected, rtol=1e-9)
    assert thresholds[2] == 2 ** 32  # rare words are always kept
    assert (vocab.keep_thresholds(0) == 2 ** 32).all()


def test_negative_table_uses_power_three_quarters():
    vocab = Vocabulary(list("abcd"), [1000, 100, 10, 1], min_count=1)
    accept, alias = vocab.negative_table()
    weights = np.array([1000, 100, 10, 1], dtype=np.float64) ** 0.75
    np.testing.assert_allclose(alias_distribution(accept, alias), weights / weights.sum(),
                               atol=1e-6)
