"""The skip-gram trainer: kernel pieces, a finite-difference check of one
update, determinism, and a corpus with planted structure."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from textembed.kernels import word2vec_kernels as K
from textembed.word2vec.vocab import Vocabulary

ROOT = Path(__file__).resolve().parents[1]


def _load_sample_generator():
    spec = importlib.util.spec_from_file_location("make_sample_data",
                                                  ROOT / "scripts" / "make_sample_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- vocabulary, subsampling, negatives -----------------------------------------

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


def _alias_distribution(accept, alias):
    n = len(accept)
    p = accept.astype(np.float64) / n
    np.add.at(p, alias, (1.0 - accept.astype(np.float64)) / n)
    return p


def test_alias_table_is_exact():
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 1000):
        weights = rng.random(n) ** 4 + (rng.random(n) < 0.1) * 50
        accept, alias = K.alias_table(weights)
        np.testing.assert_allclose(_alias_distribution(accept, alias), weights / weights.sum(),
                                   atol=1e-6)


def test_negative_table_uses_power_three_quarters():
    vocab = Vocabulary(list("abcd"), [1000, 100, 10, 1], min_count=1)
    accept, alias = vocab.negative_table()
    weights = np.array([1000, 100, 10, 1], dtype=np.float64) ** 0.75
    np.testing.assert_allclose(_alias_distribution(accept, alias), weights / weights.sum(),
                               atol=1e-6)


@njit
def _windows(n, window):
    state = np.uint64(12345)
    out = np.empty(n, np.int64)
    for i in range(n):
        state, r = K.splitmix64(state)
        out[i] = K.shrunk_window(r, window)
    return out


def test_shrunk_window_is_uniform():
    window = 5
    seen = np.bincount(_windows(50000, window), minlength=window + 2)
    assert seen[0] == 0 and seen[window + 1:].sum() == 0
    freq = seen[1:window + 1] / seen.sum()
    np.testing.assert_allclose(freq, 1 / window, atol=0.01)


# -- one update against a finite difference ------------------------------------

def _pair_loss(u, v_pos, v_neg):
    """Negative log-likelihood of one (context u, centre v_pos) pair and one negative."""
    def log_sigmoid(x):
        return -np.log1p(np.exp(-x))
    return -(log_sigmoid(u @ v_pos) + log_sigmoid(-(u @ v_neg)))


def test_one_update_matches_finite_difference_gradient():
    rng = np.random.default_rng(1)
    dim = 6
    syn0 = rng.normal(0, 0.5, (3, dim)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (3, dim)).astype(np.float32)
    before0, before1 = syn0.copy(), syn1.copy()
    keep = np.full(3, 2 ** 32, np.int64)
    # the negative is always word 2: accept nothing but word 2, alias to it
    accept = np.array([0, 0, 1], np.float32)
    alias = np.array([2, 2, 2], np.int32)
    alpha = 0.01
    tokens = np.array([0, 1, -1], np.int32)  # one line: word 0 then word 1
    words, loss_sum, loss_pairs = K.train_block(tokens, syn0, syn1, keep, accept, alias,
                                                1, 1, alpha, alpha, 0, 0, 0, 100)
    assert words == 2 and loss_pairs == 2
    # centre 0, context 1: the first step, computed from the initial weights
    u, v_pos, v_neg = (before0[1].astype(np.float64), before1[0].astype(np.float64),
                       before1[2].astype(np.float64))
    eps = 1e-6
    grad_u = np.array([(_pair_loss(u + eps * e, v_pos, v_neg) - _pair_loss(u - eps * e, v_pos, v_neg))
                       / (2 * eps) for e in np.eye(dim)])
    grad_v = np.array([(_pair_loss(u, v_pos + eps * e, v_neg) - _pair_loss(u, v_pos - eps * e, v_neg))
                       / (2 * eps) for e in np.eye(dim)])
    # the kernel steps against the gradient of the loss
    np.testing.assert_allclose(syn0[1] - before0[1], -alpha * grad_u, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(syn1[0] - before1[0], -alpha * grad_v, rtol=1e-4, atol=1e-7)
    # the second pair (context 0, centre 1) sees the negative row after the
    # first step; with a small learning rate the initial weights are close
    second = _pair_loss(before0[0].astype(np.float64), before1[1].astype(np.float64), v_neg)
    assert loss_sum == pytest.approx(_pair_loss(u, v_pos, v_neg) + second, rel=1e-2)


def test_long_lines_are_split_not_truncated():
    dim = 4
    syn0 = np.zeros((2, dim), np.float32)
    syn1 = np.zeros((2, dim), np.float32)
    keep = np.full(2, 2 ** 32, np.int64)
    accept, alias = K.alias_table(np.ones(2))
    tokens = np.array([0, 1] * 12_345 + [-1], np.int32)
    words, _, pairs = K.train_block(tokens, syn0, syn1, keep, accept, alias,
                                    2, 1, 0.01, 0.01, 0, 0, 0, 1000)
    assert words == 24_690
    assert pairs == 24_690  # every word was a centre: nothing was cut off


# -- the trainer --------------------------------------------------------------

@pytest.fixture(scope="module")
def planted_corpus(tmp_path_factory):
    generator = _load_sample_generator()
    import random

    rng = random.Random(7)
    path = tmp_path_factory.mktemp("corpus") / "planted.txt"
    path.write_text("\n".join(generator.sentence(rng) for _ in range(6000)) + "\n")
    return path, generator.FAMILIES


def test_training_recovers_planted_families(planted_corpus):
    from textembed.word2vec import train

    path, families = planted_corpus
    vectors = train(str(path), dim=32, epochs=5, threads=2, seed=0, min_count=1)
    family_of = {w: name for name, members in families.items() for w in members}
    unit = vectors.vectors / np.linalg.norm(vectors.vectors, axis=1, keepdims=True)
    hits = total = 0
    for word, family in family_of.items():
        if family == "verb" or word not in vectors:
            continue
        sims = unit @ unit[vectors.index[word]]
        neighbours = [vectors.words[i] for i in np.argsort(-sims)[1:6]]
        hits += sum(family_of.get(n) == family for n in neighbours)
        total += 5
    assert total >= 150
    assert hits / total > 0.9
    assert vectors.stats.vocab_size == len(vectors.words)


def test_one_thread_with_seed_is_bit_for_bit_reproducible(planted_corpus):
    from textembed.word2vec import train

    path, _ = planted_corpus
    a = train(str(path), dim=16, epochs=2, threads=1, seed=5, min_count=1)
    b = train(str(path), dim=16, epochs=2, threads=1, seed=5, min_count=1)
    c = train(str(path), dim=16, epochs=2, threads=1, seed=6, min_count=1)
    assert a.words == b.words
    assert np.array_equal(a.vectors, b.vectors)
    assert not np.array_equal(a.vectors, c.vectors)


def test_train_from_token_lists_and_oov_reasons():
    from textembed.word2vec import train

    sentences = [["alpha", "beta", "gamma", "delta"]] * 50 + [["rare", "alpha"]] * 2
    vectors = train(sentences, dim=8, epochs=1, min_count=5, seed=0, threads=1)
    assert set(vectors.words) == {"alpha", "beta", "gamma", "delta"}
    with pytest.raises(KeyError, match="min_count"):
        vectors["rare"]
    with pytest.raises(KeyError, match="never seen"):
        vectors["unknown"]


def test_byte_order_mark_opening_the_corpus_is_dropped(tmp_path):
    from textembed.word2vec import train

    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + b"alpha beta gamma delta\n" * 20)
    vectors = train(path, dim=8, epochs=1, min_count=1, seed=0, threads=1)
    assert set(vectors.words) == {"alpha", "beta", "gamma", "delta"}


@pytest.mark.parametrize("options, message", [
    ({"dim": 0}, "dim"), ({"window": 0}, "window"), ({"negative": 0}, "negative"),
    ({"sample": -1.0}, "sample"), ({"epochs": 0}, "epochs"), ({"min_count": 0}, "min_count"),
    ({"alpha": 0.01, "min_alpha": 0.1}, "min_alpha"), ({"threads": 0}, "threads"),
])
def test_bad_options_raise_value_error(options, message):
    from textembed.word2vec import train

    with pytest.raises(ValueError, match=message):
        train([["a", "b"]] * 10, **options)


def test_too_few_words_is_a_clear_error():
    from textembed.word2vec import train

    with pytest.raises(ValueError, match="min_count=5"):
        train([["a", "b", "c"]] * 3)
