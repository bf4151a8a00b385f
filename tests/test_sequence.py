"""textembed.sequence: literal tables, Keras differential, properties."""
import json
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textembed.sequence import (
    TimeseriesGenerator,
    make_sampling_table,
    pad_sequences,
    skipgrams,
    timeseries_generator_from_json,
)

SIDES = ["pre", "post"]


@pytest.fixture(scope="module")
def kseq():
    """keras_preprocessing.sequence, patched for NumPy 2 (np.unicode_)."""
    if not hasattr(np, "unicode_"):
        np.unicode_ = np.str_
    return pytest.importorskip("keras_preprocessing.sequence")


def assert_same_array(ours, ref):
    assert ours.shape == ref.shape
    assert ours.dtype == ref.dtype
    if ref.dtype == object:
        assert ours.tolist() == ref.tolist()
    else:
        np.testing.assert_array_equal(ours, ref)


# ---------------------------------------------------------------------------
# pad_sequences: literal tables (values as keras-preprocessing 1.1.2 gives)
# ---------------------------------------------------------------------------

RAGGED = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]


@pytest.mark.parametrize("padding, truncating, expected", [
    ("pre", "pre", [[1, 2, 3], [0, 0, 4], [0, 0, 0], [7, 8, 9]]),
    ("post", "post", [[1, 2, 3], [4, 0, 0], [0, 0, 0], [5, 6, 7]]),
    ("pre", "post", [[1, 2, 3], [0, 0, 4], [0, 0, 0], [5, 6, 7]]),
    ("post", "pre", [[1, 2, 3], [4, 0, 0], [0, 0, 0], [7, 8, 9]]),
])
def test_pad_table_sides(padding, truncating, expected):
    out = pad_sequences(RAGGED, maxlen=3, padding=padding,
                        truncating=truncating)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, np.array(expected, dtype=np.int32))


def test_pad_table_defaults_pad_to_longest():
    out = pad_sequences(RAGGED)
    np.testing.assert_array_equal(out, [[0, 0, 1, 2, 3],
                                        [0, 0, 0, 0, 4],
                                        [0, 0, 0, 0, 0],
                                        [5, 6, 7, 8, 9]])


def test_pad_table_value_and_float_cast():
    np.testing.assert_array_equal(
        pad_sequences([[1.7, -2.5, 3.2]], maxlen=4), [[0, 1, -2, 3]])
    out = pad_sequences([[1, 2], [3]], maxlen=3, dtype="float32", value=-0.5,
                        padding="post")
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1, 2, -0.5], [3, -0.5, -0.5]])
    np.testing.assert_array_equal(
        pad_sequences([[1, 2], [3]], dtype="bool"),
        [[True, True], [False, True]])


def test_pad_table_strings():
    out = pad_sequences([["a", "b"], ["c", "d", "e"], []], maxlen=2,
                        dtype=object, value="pad")
    assert out.dtype == object
    assert out.tolist() == [["a", "b"], ["d", "e"], ["pad", "pad"]]
    out = pad_sequences([["a", "b"], ["c", "d", "e"]], dtype="<U3", value="x")
    assert out.tolist() == [["x", "a", "b"], ["c", "d", "e"]]


def test_pad_table_vectors():
    out = pad_sequences([[[1, 1]], [[2, 2], [3, 3], [4, 4]]], maxlen=2,
                        padding="post")
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out, [[[1, 1], [0, 0]], [[3, 3], [4, 4]]])
    # the sample shape comes from the first non-empty sequence
    out = pad_sequences([[], [[1, 2, 3]]])
    assert out.shape == (2, 1, 3)
    np.testing.assert_array_equal(out, [[[0, 0, 0]], [[1, 2, 3]]])


def test_pad_table_numpy_inputs():
    arr = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(pad_sequences(arr, maxlen=2),
                                  [[2, 3], [6, 7], [10, 11]])
    np.testing.assert_array_equal(
        pad_sequences(arr, maxlen=6, padding="post", value=-1),
        [[0, 1, 2, 3, -1, -1], [4, 5, 6, 7, -1, -1], [8, 9, 10, 11, -1, -1]])
    rows = [np.array([1.9, 2.1]), np.array([], dtype=float), np.array([3.5])]
    np.testing.assert_array_equal(pad_sequences(rows, padding="post"),
                                  [[1, 2], [0, 0], [3, 0]])


def test_pad_table_empty_inputs():
    out = pad_sequences([])
    assert out.shape == (0, 0) and out.dtype == np.int32
    assert pad_sequences([], maxlen=4).shape == (0, 4)
    assert pad_sequences([[], []]).shape == (2, 0)
    np.testing.assert_array_equal(pad_sequences([[], []], maxlen=2),
                                  [[0, 0], [0, 0]])


def test_pad_int_lists_exact_conversions():
    big = [[2 ** 40, -(2 ** 59), 2 ** 31, -(2 ** 31) - 1], (7, -1), []]
    out = pad_sequences(big, dtype="int64", padding="post")
    np.testing.assert_array_equal(out, [[2 ** 40, -(2 ** 59), 2 ** 31,
                                         -(2 ** 31) - 1],
                                        [7, -1, 0, 0], [0, 0, 0, 0]])
    # beyond 2**53 a float dtype rounds as numpy rounds the Python int
    huge = [[2 ** 60 + 1, 3], [2 ** 70]]
    ref = np.array([[2 ** 60 + 1, 3], [0, 2 ** 70]], dtype=object)
    np.testing.assert_array_equal(pad_sequences(huge, dtype="float64"),
                                  ref.astype("float64"))
    # bools, floats and ints mixed in later rows
    np.testing.assert_array_equal(
        pad_sequences([[1, 2], [True, 3.9]], dtype="int16"), [[1, 2], [1, 3]])
    # only the kept part is converted, as in Keras
    np.testing.assert_array_equal(
        pad_sequences([[2 ** 40, 1, 2], [7]], maxlen=2), [[1, 2], [0, 7]])
    np.testing.assert_array_equal(
        pad_sequences([[1, 2, 2 ** 70], [7]], maxlen=2, truncating="post"),
        [[1, 2], [0, 7]])
    # out of range for the dtype raises like np.asarray
    with pytest.raises(OverflowError):
        pad_sequences([[1, 300]], dtype="int8")
    with pytest.raises(OverflowError):
        pad_sequences([[1, -1]], dtype="uint16")


def test_pad_all_item_sizes_use_the_kernel():
    seqs = [[1, 2, 3], [4], []]
    for dtype in ["int8", "uint16", "int32", "int64", "float16", "float32",
                  "float64", "complex64"]:
        out = pad_sequences(seqs, maxlen=2, dtype=dtype, padding="post",
                            value=7)
        assert out.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(out, [[2, 3], [4, 7], [7, 7]])


# ---------------------------------------------------------------------------
# pad_sequences: errors
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, exc, match", [
    ({"padding": "middle"}, ValueError, "padding"),
    ({"truncating": "both"}, ValueError, "truncating"),
    ({"padding": None}, ValueError, "padding"),
    ({"maxlen": 0}, ValueError, "maxlen"),
    ({"maxlen": -3}, ValueError, "maxlen"),
    ({"maxlen": 2.5}, TypeError, "maxlen"),
    ({"dtype": "not-a-dtype"}, TypeError, "dtype"),
    ({"value": "x"}, ValueError, "dtype=object"),
    ({"value": "x", "dtype": "float32"}, ValueError, "dtype=object"),
])
def test_pad_argument_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        pad_sequences([[1, 2]], **kwargs)


def test_pad_bad_side_is_caught_even_without_data():
    with pytest.raises(ValueError, match="padding"):
        pad_sequences([[], []], padding="left")


def test_errors_start_with_keras_wording():
    # Users' tests match on Keras' messages: textembed's hint comes after them.
    with pytest.raises(ValueError, match=r"^`sequences` must be iterable\."):
        pad_sequences(iter([[1], [2]]))
    with pytest.raises(ValueError, match=r"^`sequences` must be a list of iterables\. "
                                         r"Found non-iterable: 3"):
        pad_sequences([[1], 3])
    with pytest.raises(ValueError, match=r"^`dtype` int32 is not compatible with "
                                         r"`value`'s type: <class 'str'>"):
        pad_sequences([["1"], ["1", "2"]], maxlen=2, value="pad")
    with pytest.raises(ValueError, match=r'^Truncating type "middle" not understood'):
        pad_sequences([[1, 2]], maxlen=1, truncating="middle")
    with pytest.raises(ValueError, match=r'^Padding type "left" not understood'):
        pad_sequences([[1]], maxlen=2, padding="left")
    with pytest.raises(ValueError, match=r"^Shape of sample \(3,\) of sequence at position 1 "
                                         r"is different from expected shape \(2,\)"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])
    with pytest.raises(ValueError, match=r"^Data and targets have to be of same length\. "
                                         r"Data length is 3 while target length is 2"):
        TimeseriesGenerator(np.arange(3), np.arange(2), length=1)
    with pytest.raises(ValueError, match=r"^`start_index\+length=50 > end_index=49` is "
                                         r"disallowed, as no part of the sequence would be "
                                         r"left to be used as current step"):
        TimeseriesGenerator(np.arange(100), np.arange(100), length=50, end_index=49)
    with pytest.raises(TypeError, match=r"^Data not JSON Serializable"):
        TimeseriesGenerator(np.array([object()] * 3), np.arange(3), length=1).to_json()


def test_pad_sequence_errors():
    with pytest.raises(ValueError, match="sized"):
        pad_sequences(iter([[1], [2]]))
    with pytest.raises(ValueError, match="Found non-iterable: 3"):
        pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="position 1"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])
    with pytest.raises(ValueError, match="position 1"):
        pad_sequences([[1, 2], [[1, 2]]])
    with pytest.raises(OverflowError):  # as np.asarray([2**40], 'int32')
        pad_sequences([[1], [2 ** 40]])


# ---------------------------------------------------------------------------
# pad_sequences: differential against keras-preprocessing
# ---------------------------------------------------------------------------

def _random_int_lists(rng, n, max_len, p_empty=0.15):
    seqs = []
    for _ in range(n):
        length = 0 if rng.random() < p_empty else int(rng.integers(1, max_len))
        seqs.append(rng.integers(-5, 1000, size=length).tolist())
    return seqs


def test_pad_matches_keras_random_int_lists(kseq):
    rng = np.random.default_rng(1234)
    for trial in range(120):
        seqs = _random_int_lists(rng, int(rng.integers(1, 25)), 15)
        longest = max(map(len, seqs))
        maxlen = [None, max(1, longest // 2), longest + 3, 1][trial % 4]
        dtype = ["int32", "int64", "float32", "float64", "int16"][trial % 5]
        value = [0.0, -1, 2.5, 7][trial % 4]
        for padding in SIDES:
            for truncating in SIDES:
                kw = dict(maxlen=maxlen, dtype=dtype, padding=padding,
                          truncating=truncating, value=value)
                assert_same_array(pad_sequences(seqs, **kw),
                                  kseq.pad_sequences(seqs, **kw))


def test_pad_matches_keras_other_inputs(kseq):
    rng = np.random.default_rng(99)
    for trial in range(40):
        n = int(rng.integers(1, 12))
        maxlen = [None, 3, 9][trial % 3]
        sides = dict(padding=SIDES[trial % 2],
                     truncating=SIDES[trial // 2 % 2])
        cases = []
        # vectors: lists of (length, 3) lists
        cases.append(([rng.normal(size=(int(rng.integers(0, 6)), 3)).tolist()
                       for _ in range(n)], dict(dtype="float32")))
        # list of 1-D numpy arrays, float values into int32
        cases.append(([rng.normal(scale=50, size=int(rng.integers(0, 8)))
                       for _ in range(n)], dict(dtype="int32")))
        # 2-D and 3-D numpy arrays
        cases.append((rng.integers(0, 9, size=(n, int(rng.integers(1, 7)))),
                      dict(dtype="int64")))
        cases.append((rng.normal(size=(n, 4, 2)), dict(dtype="float64")))
        # strings with object dtype
        words = np.array(["a", "bb", "ccc", "dddd"])
        cases.append(([rng.choice(words, size=int(rng.integers(0, 6))).tolist()
                       for _ in range(n)], dict(dtype=object, value="PAD")))
        # mixed ints and floats
        cases.append(([[1, 2.5, -3], [], [4.75]] * 2, dict(dtype="float16")))
        # tuples and big ints, into several dtypes
        ints = [tuple(rng.integers(-2 ** 62, 2 ** 62,
                                   size=int(rng.integers(0, 6))).tolist())
                for _ in range(n)]
        cases.append((ints, dict(dtype="int64")))
        cases.append((ints, dict(dtype="float32")))
        cases.append(([[int(v) % 2 for v in t] for t in ints],
                      dict(dtype="bool")))
        for seqs, kw in cases:
            kw = dict(kw, maxlen=maxlen, **sides)
            assert_same_array(pad_sequences(seqs, **kw),
                              kseq.pad_sequences(seqs, **kw))


def test_pad_keras_error_on_shape_mismatch_too(kseq):
    seqs = [[[1, 2]], [[1, 2, 3]]]
    with pytest.raises(ValueError):
        kseq.pad_sequences(seqs)
    with pytest.raises(ValueError, match="shape"):
        pad_sequences(seqs)


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
# property tests
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


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.integers(-1000, 1000), max_size=12), max_size=15),
       st.integers(1, 10), st.sampled_from(SIDES), st.sampled_from(SIDES),
       st.integers(-3, 3))
def test_pad_properties(seqs, maxlen, padding, truncating, value):
    out = pad_sequences(seqs, maxlen=maxlen, padding=padding,
                        truncating=truncating, value=value)
    assert out.shape == (len(seqs), maxlen)
    for row, seq in zip(out.tolist(), seqs):
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        fill = [value] * (maxlen - len(kept))
        assert row == (fill + kept if padding == "pre" else kept + fill)


# ---------------------------------------------------------------------------
# TimeseriesGenerator
# ---------------------------------------------------------------------------

TS_CONFIGS = [
    dict(length=10, sampling_rate=2, batch_size=2),
    dict(length=5, stride=3, batch_size=4),
    dict(length=3, sampling_rate=2, stride=2, start_index=4, end_index=40,
         batch_size=5, reverse=True),
    dict(length=1, batch_size=128),
    dict(length=7, sampling_rate=3, stride=1, start_index=2, batch_size=9),
]


def test_timeseries_literal_keras_example():
    data = np.array([[i] for i in range(50)])
    gen = TimeseriesGenerator(data, data, length=10, sampling_rate=2,
                              batch_size=2)
    assert len(gen) == 20
    x, y = gen[0]
    np.testing.assert_array_equal(x, [[[0], [2], [4], [6], [8]],
                                      [[1], [3], [5], [7], [9]]])
    np.testing.assert_array_equal(y, [[10], [11]])
    x, y = gen[-1]
    np.testing.assert_array_equal(y, [[48], [49]])


@pytest.mark.parametrize("config", TS_CONFIGS)
@pytest.mark.parametrize("kind", ["2d", "1d", "list"])
def test_timeseries_matches_keras(kseq, config, kind):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(60, 3))
    targets = rng.integers(0, 100, size=(60, 2))
    if kind == "1d":
        data = data[:, 0]
        targets = targets[:, 0]
    elif kind == "list":
        data = data.tolist()
        targets = targets.tolist()
    ours = TimeseriesGenerator(data, targets, **config)
    ref = kseq.TimeseriesGenerator(data, targets, **config)
    assert len(ours) == len(ref)
    for i in range(len(ref)):
        for a, b in zip(ours[i], ref[i]):
            assert_same_array(a, b)


def test_timeseries_shuffle():
    data = np.arange(100)
    gen = TimeseriesGenerator(data, data * 2, length=4, start_index=10,
                              end_index=80, shuffle=True, batch_size=16,
                              seed=3)
    x, y = gen[0]
    assert x.shape == (16, 4) and y.shape == (16,)
    assert y.min() >= 2 * 14 and y.max() <= 2 * 80
    np.testing.assert_array_equal(x[:, -1] + 1, y // 2)
    again = TimeseriesGenerator(data, data * 2, length=4, start_index=10,
                                end_index=80, shuffle=True, batch_size=16,
                                seed=3)
    np.testing.assert_array_equal(again[0][0], x)


@pytest.mark.parametrize("config", TS_CONFIGS)
def test_timeseries_json_round_trip(config):
    data = np.arange(120, dtype=float).reshape(60, 2)
    targets = np.arange(60)
    gen = TimeseriesGenerator(data, targets, **config)
    conf = gen.get_config()
    assert conf["start_index"] == config.get("start_index", 0)
    text = gen.to_json(indent=1)
    assert json.loads(text)["class_name"] == "TimeseriesGenerator"
    back = timeseries_generator_from_json(text)
    assert back.get_config() == conf
    assert len(back) == len(gen)
    for i in range(len(gen)):
        for a, b in zip(back[i], gen[i]):
            np.testing.assert_array_equal(a, b)


def test_timeseries_start_index_config_fixes_keras_shift(kseq):
    data = np.arange(30)
    kw = dict(length=4, start_index=3, batch_size=5)
    ref = kseq.TimeseriesGenerator(data, data, **kw)
    assert ref.get_config()["start_index"] == 7  # Keras stores start + length
    ours = TimeseriesGenerator(data, data, **kw)
    assert ours.get_config()["start_index"] == 3
    back = timeseries_generator_from_json(ours.to_json())
    np.testing.assert_array_equal(back[0][1], ref[0][1])  # no shift


def test_timeseries_seed_round_trip():
    data = np.arange(50)
    gen = TimeseriesGenerator(data, data, length=3, shuffle=True, seed=12,
                              batch_size=8)
    assert gen.get_config()["seed"] == 12
    back = timeseries_generator_from_json(gen.to_json())
    np.testing.assert_array_equal(back[0][0], gen[0][0])
    assert "seed" not in TimeseriesGenerator(data, data, 3).get_config()


def test_timeseries_errors():
    data = np.arange(20)
    with pytest.raises(ValueError, match="same length"):
        TimeseriesGenerator(data, data[:-1], length=3)
    with pytest.raises(ValueError, match="end_index"):
        TimeseriesGenerator(data, data, length=10, start_index=5,
                            end_index=14)
    with pytest.raises(ValueError, match="past the last row"):
        TimeseriesGenerator(data, data, length=3, end_index=20)
    for name in ("length", "sampling_rate", "stride", "batch_size"):
        kw = {"length": 3, name: 0}
        with pytest.raises(ValueError, match=name):
            TimeseriesGenerator(data, data, **kw)
    with pytest.raises(ValueError, match="start_index"):
        TimeseriesGenerator(data, data, length=3, start_index=-1)
    with pytest.raises(TypeError, match="length"):
        TimeseriesGenerator(data, data, length=2.5)
    gen = TimeseriesGenerator(data, data, length=3, batch_size=4)
    assert len(gen) == 5
    with pytest.raises(IndexError):
        gen[5]
    with pytest.raises(IndexError):
        gen[-6]
    assert len(list(gen)) == 5  # iteration stops
    bad = TimeseriesGenerator([{1}] * 10, data[:10], length=2)
    with pytest.raises(TypeError, match="data"):
        bad.to_json()
    with pytest.raises(ValueError, match="TimeseriesGenerator"):
        timeseries_generator_from_json("{not json")
    with pytest.raises(ValueError, match="class_name"):
        timeseries_generator_from_json(json.dumps(
            {"class_name": "Tokenizer", "config": gen.get_config()}))
