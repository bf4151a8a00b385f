"""textembed.kernels.cbow_kernels: one CBOW update against a finite difference,
and a whole block against a plain numpy implementation of word2vec.c's CBOW."""
import numpy as np
import pytest

from textembed.kernels import cbow_kernels

KEEP_ALL = 2 ** 32


def _log_sigmoid(x):
    return -np.log1p(np.exp(-x))


def _cbow_loss(context_rows, positive, negatives):
    """float64 loss of one centre word: h = mean(context_rows) against its targets."""
    h = np.mean(context_rows, axis=0)
    return -(_log_sigmoid(h @ positive) + sum(_log_sigmoid(-(h @ v)) for v in negatives))


def _reference_update(syn0, syn1, contexts, targets, alpha):
    """word2vec.c's CBOW step in numpy (float64 in place): mean of the contexts,
    output rows updated in turn (a pair with |h . v| >= 6 left alone, as gensim does),
    each context row gets the whole summed gradient."""
    h = syn0[contexts].mean(axis=0)
    grad = np.zeros_like(h)
    loss = 0.0
    for a, t in enumerate(targets):
        f = h @ syn1[t]
        label = 1.0 if a == 0 else 0.0
        g = (label - 1 / (1 + np.exp(-f))) * alpha
        loss -= _log_sigmoid(f) if a == 0 else _log_sigmoid(-f)
        if abs(f) >= 6:  # saturated: no update (gensim's rule)
            continue
        grad += g * syn1[t]
        syn1[t] += g * h
    for c in contexts:
        syn0[c] += grad
    return loss


def test_one_update_steps_against_the_finite_difference_gradient():
    rng = np.random.default_rng(3)
    dim = 6
    syn0 = rng.normal(0, 0.5, (5, dim)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (5, dim)).astype(np.float32)
    before0, before1 = syn0.astype(np.float64), syn1.astype(np.float64)
    contexts = np.array([1, 2, 3], np.int64)
    targets = np.array([0, 4], np.int64)  # centre word 0, one negative: word 4
    alpha = 0.01
    mean, grad = np.empty(dim, np.float32), np.empty(dim, np.float32)
    loss = cbow_kernels.cbow_update(syn0, syn1, contexts, 3, targets, 2, np.float32(alpha),
                                    mean, grad, True)
    ctx = before0[contexts]
    assert loss == pytest.approx(_cbow_loss(ctx, before1[0], [before1[4]]), rel=1e-5)
    eps = 1e-6
    eye = np.eye(dim)

    def numeric(f):
        return np.array([(f(eps * e) - f(-eps * e)) / (2 * eps) for e in eye])

    grad_pos = numeric(lambda d: _cbow_loss(ctx, before1[0] + d, [before1[4]]))
    grad_neg = numeric(lambda d: _cbow_loss(ctx, before1[0], [before1[4] + d]))
    grad_ctx = numeric(lambda d: _cbow_loss(ctx + np.array([d, 0 * d, 0 * d]), before1[0],
                                            [before1[4]]))
    # output rows: plain gradient steps (the negative sees the positive's step: none shared)
    np.testing.assert_allclose(syn1[0] - before1[0], -alpha * grad_pos, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(syn1[4] - before1[4], -alpha * grad_neg, rtol=1e-4, atol=1e-7)
    # every context row moves by the gradient with respect to the mean, i.e. the
    # gradient with respect to that row times the context size (word2vec.c, gensim)
    for c in contexts:
        np.testing.assert_allclose(syn0[c] - before0[c], -alpha * 3 * grad_ctx, rtol=1e-4,
                                   atol=1e-7)
    untouched = [r for r in range(5) if r not in (1, 2, 3)]
    np.testing.assert_array_equal(syn0[untouched], before0[untouched].astype(np.float32))


def test_a_block_matches_the_numpy_reference():
    """window 1 (the shrunk window is always 1) and a negative table that only
    draws word 5: every draw is known, so the numpy reference replays the block."""
    rng = np.random.default_rng(4)
    vocab, dim = 6, 5
    syn0 = rng.normal(0, 0.3, (vocab, dim)).astype(np.float32)
    syn1 = rng.normal(0, 0.3, (vocab, dim)).astype(np.float32)
    ref0, ref1 = syn0.astype(np.float64), syn1.astype(np.float64)
    keep = np.full(vocab, KEEP_ALL, np.int64)
    accept = np.array([0, 0, 0, 0, 0, 1], np.float32)
    alias = np.full(vocab, 5, np.int32)
    tokens = np.array([0, 1, 2, -2, 3, -1, 4, -1, 1, 3, 5, 0, -1] * 3, np.int32)
    alpha = 0.05
    words, loss_sum, pairs = cbow_kernels.train_block_cbow(
        tokens, syn0, syn1, keep, accept, alias, 1, 2, alpha, alpha, 7, 0, 0, 100)
    loss = 0.0
    centres = 0
    for sentence in ([0, 1, 2, 3], [4], [1, 3, 5, 0]) * 3:
        if len(sentence) < 2:
            continue
        for i, centre in enumerate(sentence):
            contexts = [sentence[j] for j in (i - 1, i + 1) if 0 <= j < len(sentence)]
            # two draws of word 5, dropped when it is the centre word
            targets = [centre] + [5, 5] * (centre != 5)
            centre_loss = _reference_update(ref0, ref1, contexts, targets, alpha)
            if centres % cbow_kernels.LOSS_EVERY == 0:  # the loss is sampled
                loss += centre_loss
            centres += 1
    assert words == 27  # the -2 (out of vocabulary) is not a word
    assert centres == 24  # the one-word line trains nothing
    assert pairs == 3  # centres 0, 8 and 16
    np.testing.assert_allclose(syn0, ref0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, ref1, rtol=1e-5, atol=1e-6)
    assert loss_sum == pytest.approx(loss, rel=1e-5)


def test_subsampling_and_the_shrunk_window_draw_as_skipgram_does():
    """With the same seed, CBOW and skip-gram see the same kept words, so the
    words read and the centre words trained agree."""
    from textembed.kernels import word2vec_kernels

    rng = np.random.default_rng(5)
    vocab, dim = 50, 8
    tokens = rng.integers(0, vocab, 5000).astype(np.int32)
    tokens[::37] = -1
    keep = np.full(vocab, KEEP_ALL // 2, np.int64)  # keep about half
    accept, alias = word2vec_kernels.alias_table(np.ones(vocab))
    results = []
    for kernel in (word2vec_kernels.train_block, cbow_kernels.train_block_cbow):
        syn0 = np.zeros((vocab, dim), np.float32)
        syn1 = np.zeros((vocab, dim), np.float32)
        words, _, pairs = kernel(tokens, syn0, syn1, keep, accept, alias, 3, 2, 0.01, 0.01,
                                 1, 0, 0, 1000)
        results.append((words, pairs))
    # skip-gram counts every centre word with a context, CBOW samples one in LOSS_EVERY
    (words, centres), (cbow_words, cbow_sampled) = results
    assert cbow_words == words
    assert cbow_sampled == -(-centres // cbow_kernels.LOSS_EVERY)
    assert 0.4 * words < centres < 0.6 * words


def test_a_saturated_pair_moves_nothing():
    """|h . v| >= 6: gensim leaves the pair alone; a pair below it still moves."""
    from textembed.kernels.cbow_kernels import cbow_update
    syn0 = np.full((3, 4), 2.0, np.float32)            # h = (2, 2, 2, 2)
    syn1 = np.array([[1, 1, 1, 1], [0.1, 0, 0, 0], [0, 0, 0, 0]], np.float32)  # h.v = 8, 0.2
    before0, before1 = syn0.copy(), syn1.copy()
    targets = np.array([0, 1], np.int64)
    cbow_update(syn0, syn1, np.array([2], np.int64), 1, targets, 2, np.float32(0.1),
                np.zeros(4, np.float32), np.zeros(4, np.float32), False)
    np.testing.assert_array_equal(syn1[0], before1[0])  # saturated positive: unchanged
    assert not np.array_equal(syn1[1], before1[1])      # the negative moved
    assert not np.array_equal(syn0[2], before0[2])      # and pushed the context back
