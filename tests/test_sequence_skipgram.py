"""textembed.sequence.skipgram: make_sampling_table and skipgrams, literal
tables, Keras differential and properties."""
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textembed.sequence import make_sampling_table, skipgrams


# ---------------------------------------------------------------------------
# make_sampling_table
# ---------------------------------------------------------------------------

def test_sampling_table_literal():
    expected = np.array([0.00315225, 0.00315225, 0.00547597, 0.00741556,
                         0.00912817, 0.01068435])
    table = make_sampling_table(6)
    assert table.dtype == np.float64 and table.shape == (6,)
    np.testing.assert_allclose(table, expected, rtol=1e-6)
    assert make_sampling_table(0).shape == (0,)
    assert make_sampling_table(10, sampling_factor=1.0)[5] == 1.0


@pytest.mark.parametrize("size", [1, 2, 7, 1000, 54321])
@pytest.mark.parametrize("factor", [1e-5, 1e-3, 0.25, 2])
def test_sampling_table_bit_identical_to_keras(kseq, size, factor):
    ours = make_sampling_table(size, sampling_factor=factor)
    ref = kseq.make_sampling_table(size, sampling_factor=factor)
    assert ours.dtype == ref.dtype
    assert ours.tobytes() == ref.tobytes()


@pytest.mark.parametrize("args, exc, match", [
    ((-1,), ValueError, "size"),
    ((3.5,), TypeError, "size"),
    ((10, 0), ValueError, "sampling_factor"),
    ((10, -1e-5), ValueError, "sampling_factor"),
    ((10, float("nan")), ValueError, "sampling_factor"),
])
def test_sampling_table_errors(args, exc, match):
    with pytest.raises(exc, match=match):
        make_sampling_table(*args)


# ---------------------------------------------------------------------------
# skipgrams: literal tables and Keras differential
# ---------------------------------------------------------------------------

def test_skipgrams_table():
    couples, labels = skipgrams([1, 2, 0, 3, 4], 5, window_size=2,
                                negative_samples=0, shuffle=False)
    assert couples == [[1, 2], [2, 1], [2, 3], [3, 2], [3, 4], [4, 3]]
    assert labels == [1, 1, 1, 1, 1, 1]
    couples, labels = skipgrams([1, 2, 0, 3], 5, window_size=1,
                                negative_samples=0, shuffle=False,
                                categorical=True)
    assert couples == [[1, 2], [2, 1]]
    assert labels == [[0, 1], [0, 1]]
    assert skipgrams([], 5) == ([], [])
    assert skipgrams([0, 0, 7], 9) == ([], [])


def _random_sentence(rng, vocab, n):
    seq = rng.integers(0, vocab, size=n)
    seq[rng.random(n) < 0.1] = 0
    return seq.tolist()


def test_skipgrams_positives_match_keras(kseq):
    rng = np.random.default_rng(7)
    for trial in range(60):
        vocab = int(rng.integers(2, 40))
        seq = _random_sentence(rng, vocab, int(rng.integers(0, 50)))
        window = int(rng.integers(1, 7))
        for categorical in (False, True):
            kw = dict(window_size=window, negative_samples=0.0, shuffle=False,
                      categorical=categorical)
            assert (skipgrams(seq, vocab, seed=trial, **kw)
                    == kseq.skipgrams(seq, vocab, **kw))
            # a table of ones keeps every centre word
            ones = np.ones(vocab)
            assert (skipgrams(seq, vocab, sampling_table=ones, **kw)
                    == kseq.skipgrams(seq, vocab, sampling_table=ones, **kw))


def test_skipgrams_negatives_like_keras(kseq):
    rng = np.random.default_rng(3)
    seq = _random_sentence(rng, 30, 40)
    for neg in (0.5, 1.0, 2.0, 1.3):
        ours_c, ours_l = skipgrams(seq, 30, negative_samples=neg,
                                   shuffle=False, seed=1)
        ref_c, ref_l = kseq.skipgrams(seq, 30, negative_samples=neg,
                                      shuffle=False)
        assert len(ours_c) == len(ref_c) and ours_l == ref_l
        n_pos = ours_l.count(1)
        assert ours_c[:n_pos] == ref_c[:n_pos]
        # negatives cycle through a permutation of the positives' centres
        centres = sorted(c[0] for c in ours_c[:n_pos])
        negatives = ours_c[n_pos:]
        first_round = sorted(c[0] for c in negatives[:n_pos])
        if len(negatives) >= n_pos:
            assert first_round == centres
        assert all(1 <= c[1] <= 29 for c in negatives)


def test_skipgrams_shuffle_is_one_joint_permutation():
    seq = list(range(1, 30))
    plain_c, plain_l = skipgrams(seq, 40, shuffle=False, seed=5)
    mixed_c, mixed_l = skipgrams(seq, 40, shuffle=True, seed=5)
    assert mixed_c != plain_c
    assert (sorted(zip(map(tuple, mixed_c), mixed_l))
            == sorted(zip(map(tuple, plain_c), plain_l)))


def test_skipgrams_array_form():
    seq = np.array([3, 1, 0, 2, 5, 4], dtype=np.int16)
    couples, labels = skipgrams(seq, 6, seed=11, as_arrays=True)
    assert couples.dtype == np.int32 and couples.shape[1] == 2
    assert labels.dtype == np.int8 and labels.shape == (couples.shape[0],)
    ref_c, ref_l = skipgrams(seq.tolist(), 6, seed=11)
    assert couples.tolist() == ref_c and labels.tolist() == ref_l
    couples2, onehot = skipgrams(seq, 6, seed=11, as_arrays=True,
                                 categorical=True)
    assert onehot.shape == (couples.shape[0], 2) and onehot.dtype == np.int8
    np.testing.assert_array_equal(onehot[:, 1], labels)
    np.testing.assert_array_equal(onehot.sum(axis=1), 1)
    np.testing.assert_array_equal(couples2, couples)


def test_skipgrams_sampling_table_subsamples():
    seq = [1] * 2000 + [50] * 2000
    table = np.zeros(60)
    table[1] = 0.1
    table[50] = 1.0
    couples, _ = skipgrams(seq, 60, window_size=1, negative_samples=0,
                           shuffle=False, sampling_table=table, seed=0,
                           as_arrays=True)
    centres = couples[:, 0]
    kept_ones = np.count_nonzero(centres == 1)
    assert np.count_nonzero(centres == 50) >= 3998  # every centre kept
    assert 200 < kept_ones < 600  # ~10% of ~4000 pairs
    none = skipgrams(seq, 60, sampling_table=np.zeros(60), seed=0)
    assert none == ([], [])


@pytest.mark.parametrize("args, kwargs, exc, match", [
    (([1, 2], 1), {}, ValueError, "vocabulary_size"),
    (([1, 2], 2.0), {}, TypeError, "vocabulary_size"),
    (([1, 2], 2 ** 40), {}, ValueError, "vocabulary_size"),
    (([1, 2], 5), {"window_size": 0}, ValueError, "window_size"),
    (([1, 2], 5), {"negative_samples": -0.5}, ValueError, "negative_samples"),
    (([1, 2], 5), {"negative_samples": float("inf")}, ValueError,
     "negative_samples"),
    (([1, 2], 5), {"negative_samples": "1"}, TypeError, "negative_samples"),
    (([[1, 2], [3, 4]], 5), {}, ValueError, "1-D"),
    (([1.0, 2.0], 5), {}, TypeError, "integer"),
    (([1, -2], 5), {}, ValueError, "negative index"),
    (([1, 2], 5), {"sampling_table": np.ones(4)}, ValueError,
     "vocabulary_size is 5"),
    (([1, 9], 5), {"sampling_table": np.ones(6)}, ValueError, "index 9"),
    (([1, 2], 5), {"sampling_table": np.ones((5, 1))}, ValueError, "1-D"),
    (([1, 2], 5), {"seed": -1}, ValueError, "seed"),
    (([1, 2], 5), {"seed": 1.5}, TypeError, "seed"),
])
def test_skipgrams_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        skipgrams(*args, **kwargs)


# ---------------------------------------------------------------------------
# skipgrams: properties
# ---------------------------------------------------------------------------

@st.composite
def skipgram_cases(draw):
    vocab = draw(st.integers(2, 30))
    seq = draw(st.lists(st.integers(0, vocab - 1), max_size=40))
    window = draw(st.integers(1, 6))
    neg = draw(st.sampled_from([0.0, 0.5, 1.0, 1.7, 3]))
    use_table = draw(st.booleans())
    seed = draw(st.integers(0, 2 ** 63))
    return vocab, seq, window, neg, use_table, seed


@settings(max_examples=50, deadline=None)
@given(skipgram_cases(), st.booleans())
def test_skipgram_properties(case, shuffle):
    vocab, seq, window, neg, use_table, seed = case
    table = make_sampling_table(vocab, 0.05) if use_table else None
    py_state = random.getstate()
    np_state = np.random.get_state()
    kw = dict(window_size=window, negative_samples=neg, shuffle=shuffle,
              sampling_table=table, seed=seed)
    couples, labels = skipgrams(seq, vocab, **kw)

    # the global random states are untouched
    assert random.getstate() == py_state
    after = np.random.get_state()
    assert after[0] == np_state[0] and after[2:] == np_state[2:]
    np.testing.assert_array_equal(after[1], np_state[1])
    # the seed fixes the whole result
    assert skipgrams(seq, vocab, **kw) == (couples, labels)

    windows = {(seq[i], seq[j])
               for i in range(len(seq))
               for j in range(max(0, i - window),
                              min(len(seq), i + window + 1))
               if j != i}
    positives = [c for c, lab in zip(couples, labels) if lab == 1]
    negatives = [c for c, lab in zip(couples, labels) if lab == 0]
    assert len(couples) == len(labels)
    assert all(tuple(c) in windows for c in positives)
    assert all(0 not in c for c in couples)
    assert all(1 <= c[1] <= vocab - 1 for c in negatives)
    centres = {c[0] for c in positives}
    assert all(c[0] in centres for c in negatives)
    assert len(negatives) == int(len(positives) * neg)
    if table is None:
        n_expected = sum(1 for i, wi in enumerate(seq) if wi
                         for j in range(max(0, i - window),
                                        min(len(seq), i + window + 1))
                         if j != i and seq[j])
        assert len(positives) == n_expected
