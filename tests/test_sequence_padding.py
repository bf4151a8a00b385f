"""textembed.sequence.padding: pad_sequences' literal tables, errors, Keras
differential and properties."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textembed.sequence import pad_sequences

from sequencetest import assert_same_array

SIDES = ["pre", "post"]


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


def test_pad_errors_start_with_keras_wording():
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
# pad_sequences: properties
# ---------------------------------------------------------------------------

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
