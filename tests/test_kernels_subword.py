"""textembed.kernels.subword_kernels: the training update against a plain numpy reference,
composing vectors, and the start weights."""
import numpy as np

from textembed.kernels.subword_kernels import compose, train_subword_block, uniform_fill
from textembed.kernels.word2vec_kernels import alias_table


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _reference(syn0, syn1, csr, pairs, negatives, alpha):
    """fastText's skip-gram step, window by window, in float64: the centre's input is the
    mean of its rows; each context and each negative updates its output row at once;
    the summed input gradient is added to every row of the centre (duplicates twice)."""
    offsets, rows = csr
    syn0, syn1 = syn0.astype(np.float64), syn1.astype(np.float64)
    loss = 0.0
    for center, contexts in pairs:
        mine = rows[offsets[center]:offsets[center + 1]]
        hidden = syn0[mine].mean(axis=0)
        grad = np.zeros_like(hidden)
        for c, context in enumerate(contexts):
            for target, label in [(context, 1.0)] + [(n, 0.0) for n in negatives]:
                f = hidden @ syn1[target]
                g = (label - _sigmoid(f)) * alpha
                grad += g * syn1[target]
                syn1[target] += g * hidden
                if c == 0:
                    loss -= np.log(_sigmoid(f) if label else _sigmoid(-f))
        for row in mine:
            syn0[row] += grad
    return syn0, syn1, loss


def test_one_block_matches_the_numpy_reference():
    rng = np.random.default_rng(0)
    dim, n_words, bucket = 6, 3, 4
    # word 0: own row and n-grams 3, 4, 4 (a repeated n-gram counts twice); word 1: 1, 6;
    # word 2: only its own row
    offsets = np.array([0, 4, 6, 7], np.int64)
    rows = np.array([0, 3, 4, 4, 1, 6, 2], np.int32)
    syn0 = rng.uniform(-0.5, 0.5, (n_words + bucket, dim)).astype(np.float32)
    syn1 = rng.uniform(-0.5, 0.5, (n_words, dim)).astype(np.float32)
    keep = np.full(n_words, 1 << 32, np.int64)
    accept, alias = alias_table(np.array([0.0, 0.0, 1.0]))  # always draws word 2
    tokens = np.array([0, 1, -1, 1, 0], np.int32)
    alpha = 0.1
    expected = _reference(syn0, syn1, (offsets, rows),
                          [(0, [1]), (1, [0]), (1, [0]), (0, [1])], [2, 2], alpha)
    words, loss, pairs = train_subword_block(tokens, syn0, syn1, offsets, rows, keep, accept,
                                             alias, 1, 2, alpha, alpha, 7, 0, 0, 100)
    assert (words, pairs) == (4, 4)
    np.testing.assert_allclose(syn0, expected[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, expected[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loss, expected[2], rtol=1e-5)
    assert not np.allclose(syn0[5], expected[0][4])  # row 5 untouched, row 4 moved


def test_window_spans_the_line_only_and_skips_unknown_words():
    dim = 4
    offsets = np.array([0, 1, 2], np.int64)
    rows = np.array([0, 1], np.int32)
    syn0 = np.full((2, dim), 0.1, np.float32)
    syn1 = np.zeros((2, dim), np.float32)
    keep = np.full(2, 1 << 32, np.int64)
    accept, alias = alias_table(np.array([1.0, 1.0]))
    # single-word lines and a vocabulary miss (-2): no pair to train
    words, loss, pairs = train_subword_block(np.array([0, -1, 1, -2, -1], np.int32), syn0, syn1,
                                             offsets, rows, keep, accept, alias, 5, 2, 0.1,
                                             0.1, 1, 0, 0, 100)
    assert (words, pairs, loss) == (2, 0, 0.0)
    assert np.all(syn0 == np.float32(0.1)) and np.all(syn1 == 0)


def test_compose_is_the_mean_of_the_rows():
    rng = np.random.default_rng(1)
    syn0 = rng.standard_normal((5, 3)).astype(np.float32)
    offsets = np.array([0, 2, 2, 5], np.int64)
    rows = np.array([0, 4, 1, 1, 3], np.int32)
    out = compose(syn0, offsets, rows, np.full((3, 3), 9.0, np.float32))
    np.testing.assert_allclose(out[0], syn0[[0, 4]].mean(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(out[1], 0)
    np.testing.assert_allclose(out[2], syn0[[1, 1, 3]].mean(axis=0), rtol=1e-6)


def test_uniform_fill_covers_the_range_and_depends_on_the_seed():
    a = uniform_fill(np.empty((1000, 10), np.float32), -0.01, 0.01, np.uint64(3))
    b = uniform_fill(np.empty((1000, 10), np.float32), -0.01, 0.01, np.uint64(3))
    c = uniform_fill(np.empty((1000, 10), np.float32), -0.01, 0.01, np.uint64(4))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= -0.01 and a.max() < 0.01
    assert abs(a.mean()) < 5e-4 and a.std() > 0.005
