"""Kernels behind :mod:`textembed.sequence`: padding, and the couples of Keras'
``skipgrams`` (the word2vec trainer's kernels are in :mod:`.word2vec_kernels`).

Every function here is a pure ``@njit(cache=True)`` function: arrays and
scalars in, arrays out, no module state.  Randomness comes from the
splitmix64 generator of :mod:`.random_kernels`, its state a 1-element
``uint64`` array that the caller owns and passes in; the kernels advance it
in place, so the caller can continue the stream or reseed it.

The Python API in :mod:`textembed.sequence` validates every argument before
calling in here; the kernels assume valid input and do not check bounds
(except ``pad_marshal_int_lists``, which decodes bytes it did not make and
gives up on anything unexpected).
"""
import numpy as np
from numba import njit

from .random_kernels import rng_below, rng_uniform, shuffle_inplace


# --------------------------------------------------------------------------
# pad_sequences
# --------------------------------------------------------------------------

@njit(cache=True)
def pad_place(flat, offsets, lengths, fill, out, pre_padding, pre_truncating):
    """Write ragged sequences, padded and truncated, into the rows of ``out``.

    Parameters
    ----------
    flat : 1-D array, shape (total,)
        All sequences' values; sequence ``r`` is
        ``flat[offsets[r]:offsets[r] + lengths[r]]``.  Same dtype as ``out``
        (callers pass same-itemsize unsigned-integer views, so that one
        compiled kernel serves every dtype of that width).
    offsets, lengths : 1-D int64 arrays, shape (n,)
    fill : 1-D array, shape (1,), same dtype as ``out``
        The padding value.
    out : 2-D array, shape (n, maxlen)
        Written in place, every cell: the kept values and ``fill`` around.
    pre_padding : bool
        True: values go at the end of the row (padding before them).
    pre_truncating : bool
        True: a sequence longer than ``maxlen`` keeps its last ``maxlen``
        values; False: its first ``maxlen`` values.

    Returns
    -------
    out : the same array.
    """
    n = out.shape[0]
    maxlen = out.shape[1]
    pad = fill[0]
    for r in range(n):
        length = lengths[r]
        src = offsets[r]
        if length > maxlen:
            if pre_truncating:
                src += length - maxlen
            length = maxlen
        dst = maxlen - length if pre_padding else 0
        for c in range(dst):
            out[r, c] = pad
        for k in range(length):
            out[r, dst + k] = flat[src + k]
        for c in range(dst + length, maxlen):
            out[r, c] = pad
    return out


@njit(cache=True)
def _read_int32_le(buf, pos):
    """The signed little-endian int32 at ``buf[pos:pos + 4]``, as int64."""
    u = (np.uint32(buf[pos]) | (np.uint32(buf[pos + 1]) << np.uint32(8))
         | (np.uint32(buf[pos + 2]) << np.uint32(16))
         | (np.uint32(buf[pos + 3]) << np.uint32(24)))
    return np.int64(np.int32(u))


@njit(cache=True)
def _marshal_int(buf, pos, n_buf):
    """Decode the marshal int at ``buf[pos]``: (value, next pos, ok).

    TYPE_INT ('i' + int32) or TYPE_LONG ('l' + int32 signed digit count +
    15-bit digits, at most 4 digits, i.e. |v| < 2**60); anything else is
    not ok.
    """
    if pos + 5 > n_buf:
        return np.int64(0), pos, False
    code = buf[pos]
    if code == 105:  # 'i'
        return _read_int32_le(buf, pos + 1), pos + 5, True
    if code == 108:  # 'l': sign(n) * sum(digit[d] << 15 d), |n| digits
        n_digits = _read_int32_le(buf, pos + 1)
        size = abs(n_digits)
        end = pos + 5 + 2 * size
        if size > 4 or end > n_buf:
            return np.int64(0), pos, False
        v = np.int64(0)
        for d in range(size - 1, -1, -1):
            p = pos + 5 + 2 * d
            digit = np.int64(buf[p]) | (np.int64(buf[p + 1]) << 8)
            v = (v << 15) | digit
        return (-v if n_digits < 0 else v), end, True
    return np.int64(0), pos, False


@njit(cache=True)
def _marshal_seq_len(buf, pos, n_buf):
    """Item count of the list/tuple header at ``buf[pos]``, or -1."""
    if pos + 5 > n_buf or (buf[pos] != 91 and buf[pos] != 40):  # '[' '('
        return -1
    return _read_int32_le(buf, pos + 1)


@njit(cache=True)
def marshal_int_lists_maxlen(buf):
    """Longest inner length in ``marshal.dumps(seqs, 2)`` of int lists.

    Returns -1 when ``buf`` is not a list/tuple of lists/tuples of ints
    that :func:`pad_marshal_int_lists` can decode (0 for no sequences).
    """
    n_buf = buf.shape[0]
    n_rows = _marshal_seq_len(buf, 0, n_buf)
    if n_rows < 0:
        return -1
    longest = 0
    pos = 5
    for _ in range(n_rows):
        m = _marshal_seq_len(buf, pos, n_buf)
        if m < 0:
            return -1
        pos += 5
        longest = max(longest, m)
        for _ in range(m):
            if pos + 5 <= n_buf and buf[pos] == 105:  # inline TYPE_INT
                pos += 5
            else:
                _value, pos, ok = _marshal_int(buf, pos, n_buf)
                if not ok:
                    return -1
    if pos != n_buf:
        return -1
    return longest


@njit(cache=True)
def pad_marshal_int_lists(buf, fill, out, pre_padding, pre_truncating):
    """Pad straight from ``marshal.dumps(seqs, 2)`` of a list of int lists.

    Decodes an outer list/tuple of ``out.shape[0]`` inner lists/tuples of
    ints (see ``_marshal_int``) and writes row ``r`` of ``out`` exactly as
    :func:`pad_place` would, casting each int64 value to ``out``'s dtype.
    Gives up (``ok`` False, ``out`` partly written) on anything else:
    floats, bools, strings, nested lists, ints of 2**60 or more.

    Parameters
    ----------
    buf : uint8 array, the marshal bytes.
    fill : 1-D array, shape (1,), ``out``'s dtype: the padding value.
    out : 2-D array, shape (n, maxlen), written in place.
    pre_padding, pre_truncating : bool, as in :func:`pad_place`.

    Returns
    -------
    ok : bool
    lo, hi : int64, the smallest and largest value written (``lo > hi``
        when none was): the caller checks they fit ``out``'s dtype.
    """
    n_rows = out.shape[0]
    maxlen = out.shape[1]
    n_buf = buf.shape[0]
    pad = fill[0]
    lo = np.int64(9223372036854775807)
    hi = -lo
    if _marshal_seq_len(buf, 0, n_buf) != n_rows:
        return False, lo, hi
    pos = 5
    for r in range(n_rows):
        m = _marshal_seq_len(buf, pos, n_buf)
        if m < 0:
            return False, lo, hi
        pos += 5
        keep = min(m, maxlen)
        first = m - keep if pre_truncating else 0
        dst = maxlen - keep if pre_padding else 0
        row = out[r]
        for c in range(dst):
            row[c] = pad
        # items [0, first) and [first + keep, m) are decoded, not written
        for t in range(m):
            if pos + 5 <= n_buf and buf[pos] == 105:  # inline TYPE_INT
                v = _read_int32_le(buf, pos + 1)
                pos += 5
            else:
                v, pos, ok = _marshal_int(buf, pos, n_buf)
                if not ok:
                    return False, lo, hi
            k = t - first
            if k >= 0 and k < keep:
                row[dst + k] = v
                lo = min(lo, v)
                hi = max(hi, v)
        for c in range(dst + keep, maxlen):
            row[c] = pad
    if pos != n_buf:
        return False, lo, hi
    return True, lo, hi


# --------------------------------------------------------------------------
# skipgrams
# --------------------------------------------------------------------------

@njit(cache=True)
def skipgram_pairs(sequence, window_size, sampling_table, negative_samples,
                   vocabulary_size, shuffle, state):
    """Skip-gram couples and labels in Keras' order.

    Parameters
    ----------
    sequence : int64 array, shape (n,)
        Word indices, all ``>= 0``; index 0 is padding and never used.
    window_size : int
        Half-window, ``>= 1``.
    sampling_table : float64 array, shape (m,)
        Keep probability per word index, or an empty array for "keep all".
        When non-empty, ``m`` exceeds every index in ``sequence``.
    negative_samples : float
        ``>= 0``; the number of negatives is
        ``int(n_positive * negative_samples)``.
    vocabulary_size : int
        ``>= 2``; negative context words are uniform in [1, vocabulary_size-1].
    shuffle : bool
        Apply one random permutation to couples and labels jointly.
    state : uint64 array, shape (1,)
        RNG state, advanced in place.

    Returns
    -------
    couples : int32 array, shape (N, 2)
        Positives first (centre ``i`` ascending, then context ``j``
        ascending over ``[max(0, i-w), min(n, i+w+1))``, ``j != i``, index 0
        skipped; a centre is dropped when ``sampling_table[w_i] < u``, ``u``
        uniform in [0, 1)), then negatives: the positives' centre words,
        shuffled and cycled, each paired with a uniform random word.
        If ``shuffle``, rows are permuted afterwards.
    labels : int8 array, shape (N,)
        1 for positive couples, 0 for negatives.
    """
    n = sequence.shape[0]
    use_table = sampling_table.shape[0] > 0
    keep = np.zeros(n, dtype=np.bool_)
    n_pos = 0
    for i in range(n):
        wi = sequence[i]
        if wi == 0:
            continue
        if use_table:
            if sampling_table[wi] < rng_uniform(state):
                continue
        keep[i] = True
        lo = max(0, i - window_size)
        hi = min(n, i + window_size + 1)
        for j in range(lo, hi):
            if j != i and sequence[j] != 0:
                n_pos += 1

    n_neg = 0
    if negative_samples > 0.0:
        n_neg = int(n_pos * negative_samples)
    total = n_pos + n_neg
    couples = np.empty((total, 2), dtype=np.int32)
    labels = np.empty(total, dtype=np.int8)

    k = 0
    for i in range(n):
        if not keep[i]:
            continue
        wi = sequence[i]
        lo = max(0, i - window_size)
        hi = min(n, i + window_size + 1)
        for j in range(lo, hi):
            if j != i:
                wj = sequence[j]
                if wj != 0:
                    couples[k, 0] = wi
                    couples[k, 1] = wj
                    labels[k] = 1
                    k += 1

    if n_neg > 0:
        words = couples[:n_pos, 0].copy()
        shuffle_inplace(words, state)
        for m in range(n_neg):
            couples[n_pos + m, 0] = words[m % n_pos]
            couples[n_pos + m, 1] = 1 + rng_below(state, vocabulary_size - 1)
            labels[n_pos + m] = 0

    if shuffle:
        for i in range(total - 1, 0, -1):
            j = rng_below(state, i + 1)
            a = couples[i, 0]
            b = couples[i, 1]
            couples[i, 0] = couples[j, 0]
            couples[i, 1] = couples[j, 1]
            couples[j, 0] = a
            couples[j, 1] = b
            lab = labels[i]
            labels[i] = labels[j]
            labels[j] = lab
    return couples, labels
