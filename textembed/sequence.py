"""Sequence preprocessing with Keras semantics: padding, skip-grams, series.

Drop-in replacements for ``keras_preprocessing.sequence`` (1.1.2):
:func:`pad_sequences`, :func:`make_sampling_table`, :func:`skipgrams`,
:class:`TimeseriesGenerator` and :func:`timeseries_generator_from_json`.
Outputs match Keras for the same inputs; the deliberate differences are
listed in each docstring (clearer errors up front, randomness that never
touches the global ``random`` / ``np.random`` state, an exact JSON round trip
for :class:`TimeseriesGenerator`).

By convention index 0 is reserved for padding and is never a word.

Numba is imported on the first call that needs a kernel, not at import time,
so ``import textembed`` stays fast.
"""
import gc
import itertools
import json
import marshal
import math
import numbers
import operator

import numpy as np

__all__ = [
    "pad_sequences",
    "make_sampling_table",
    "skipgrams",
    "TimeseriesGenerator",
    "timeseries_generator_from_json",
]

# Largest word index an int32 couple can hold.
_MAX_INDEX = np.iinfo(np.int32).max


def _kernels():
    """The numba kernels module, imported (and numba with it) on first use."""
    from .kernels import sequence_kernels
    return sequence_kernels


# --------------------------------------------------------------------------
# argument checking
# --------------------------------------------------------------------------

def _as_int(name, value):
    """``value`` as a Python int, or TypeError naming the argument."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be an int, got the bool {value!r}.")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"`{name}` must be an int, got {value!r} "
            f"({type(value).__name__})."
        ) from None


def _check_side(name, value):
    if not (isinstance(value, str) and value in ("pre", "post")):
        raise ValueError(
            f'{name.capitalize()} type "{value}" not understood; '
            f"`{name}` must be 'pre' or 'post', got {value!r}."
        )
    return value == "pre"


def _rng_state(seed):
    """A fresh splitmix64 state (uint64 array of shape (1,)) from ``seed``.

    ``None`` draws fresh OS entropy through ``np.random.SeedSequence``; an
    int gives a reproducible state.  Neither touches ``random`` or
    ``np.random``'s global state.
    """
    if seed is not None:
        seed = _as_int("seed", seed)
        if seed < 0:
            raise ValueError(
                f"`seed` must be a non-negative int or None, got {seed}."
            )
    return np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)


# --------------------------------------------------------------------------
# pad_sequences
# --------------------------------------------------------------------------

def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre",
                  truncating="pre", value=0.0):
    """Pad (and truncate) sequences to one length, as Keras does.

    Parameters
    ----------
    sequences : sized iterable of sequences
        A list (or tuple, or array) of ``num_samples`` sequences.  Each is a
        list / tuple / array of scalars, or of equally shaped elements
        (e.g. vectors); the element shape ``sample_shape`` is taken from
        the first non-empty sequence and every other sequence must agree.
        A numpy array of shape ``(num_samples, num_timesteps, *sample_shape)``
        is accepted too.
    maxlen : int or None
        Length of the output rows, ``>= 1``.  None: the length of the longest
        sequence.
    dtype : numpy dtype or str, default 'int32'
        Output dtype.  Use ``object`` (or a str dtype) for strings.
    padding : {'pre', 'post'}
        Pad before or after each sequence.
    truncating : {'pre', 'post'}
        For sequences longer than ``maxlen``, drop values from the start
        ('pre', keep the last ``maxlen``) or from the end ('post').
    value : scalar or str, default 0.0
        Padding value, cast to ``dtype``.  A str value needs ``dtype=object``
        or a str dtype.

    Returns
    -------
    numpy.ndarray of ``dtype``, shape ``(num_samples, maxlen, *sample_shape)``
        Row ``i`` holds (the kept part of) ``sequences[i]``, cast to ``dtype``
        like ``np.asarray(part, dtype=dtype)``, at the end of the row
        (``padding='pre'``) or at its start (``'post'``); every other cell is
        ``value``.  Empty sequences give rows of ``value``.

    Raises
    ------
    ValueError
        ``padding`` / ``truncating`` not 'pre' or 'post'; ``maxlen < 1``;
        ``sequences`` not sized or holding a non-iterable; a sequence whose
        elements differ in shape from the first non-empty one; a str
        ``value`` with a non-string ``dtype``.
    TypeError
        ``maxlen`` not an int; ``dtype`` not a numpy dtype.

    Notes
    -----
    Differences from Keras, all deliberate:

    * ``padding`` and ``truncating`` are checked before anything else (Keras
      only notices a bad value when it meets a non-empty sequence).
    * ``maxlen <= 0`` raises ValueError (Keras fails with a broadcasting
      error or returns a silently wrong array).
    * An empty ``sequences`` with ``maxlen=None`` returns an array of shape
      ``(0, 0)`` (Keras crashes in ``np.max``).
    * A str ``value`` is accepted with any object dtype, including the
      spelling ``dtype='O'`` (Keras accepts only ``dtype=object``).

    Speed: the common case (numbers, numeric ``dtype``, no
    ``sample_shape``) avoids the per-sequence numpy calls.  A list of lists
    of Python ints is serialised with ``marshal`` (C speed) and a numba
    kernel decodes it straight into the output; lists of numpy arrays are
    joined by ``np.concatenate``, anything else by ``np.fromiter``, and a
    numba kernel places the rows.  Whenever a value would not convert
    exactly as ``np.asarray(row, dtype)`` converts it, the function falls
    back to a sequence-by-sequence loop that reproduces Keras' answer or
    error.  A numeric 2-D (or n-D) array is padded by slicing.  The first
    call in a process pays for importing numba (and, once per install,
    compiling the kernels, cached on disk afterwards).
    """
    pre_padding = _check_side("padding", padding)
    pre_truncating = _check_side("truncating", truncating)
    if maxlen is not None:
        maxlen = _as_int("maxlen", maxlen)
        if maxlen < 1:
            raise ValueError(
                f"`maxlen` must be a positive int, got {maxlen}; pass "
                "maxlen=None to pad to the longest sequence."
            )
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"`dtype` must be a numpy dtype (e.g. 'int32', 'float32', "
            f"object), got {dtype!r}."
        ) from None
    if isinstance(value, str) and dt.kind not in "OU":
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: "
            f"{type(value)}; `dtype` {dt} cannot hold the str padding value "
            f"{value!r}: use dtype=object for variable-length strings."
        )
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            "`sequences` must be iterable. It must be a sized collection "
            f"(list, tuple or array) of sequences, got "
            f"{type(sequences).__name__}; wrap a generator in list() first."
        )
    try:
        num_samples = len(sequences)
    except TypeError:
        raise ValueError(
            "`sequences` must be iterable. It must be a list of sequences, "
            f"got the unsized {sequences!r}."
        ) from None

    if (isinstance(sequences, np.ndarray) and sequences.ndim >= 2
            and sequences.dtype.kind != "O"):
        return _pad_array(sequences, maxlen, dtype, pre_padding,
                          pre_truncating, value)
    placeable = dt.kind in "biufc" and dt.itemsize in (1, 2, 4, 8)

    if (placeable and dt != np.float16
            and _looks_like_int_lists(sequences)):
        out = _pad_int_lists(sequences, maxlen, dtype, dt, pre_padding,
                             pre_truncating, value)
        if out is not None:
            return out

    try:
        lengths = np.fromiter(map(len, sequences), dtype=np.int64,
                              count=num_samples)
    except TypeError:
        for item in sequences:
            if not hasattr(item, "__len__"):
                break
        else:  # pragma: no cover - len() failed for another reason
            raise
        raise ValueError(
            "`sequences` must be a list of iterables. Found non-iterable: "
            f"{item}; each item must be a sequence (list or array)."
        ) from None

    if maxlen is None:
        maxlen = int(lengths.max()) if num_samples else 0

    sample_shape = ()
    first = None
    nonempty = np.flatnonzero(lengths)
    if nonempty.size:
        first = next(itertools.islice(sequences, int(nonempty[0]), None))
        sample_shape = np.asarray(first).shape[1:]

    if placeable and not sample_shape:
        flat = _flatten(sequences, lengths, dt, first)
        if flat is not None:
            return _place(flat, lengths, maxlen, dtype, dt, pre_padding,
                          pre_truncating, value)
    return _pad_loop(sequences, maxlen, sample_shape, dtype, pre_padding,
                     pre_truncating, value)


def _place(flat, lengths, maxlen, dtype, dt, pre_padding, pre_truncating,
           value):
    """The padded array from all values ``flat`` (``dt``) and row lengths."""
    # np.full casts the padding value exactly as Keras' np.full does.
    fill = np.full(1, value, dtype=dtype)
    out = np.empty((lengths.shape[0], maxlen), dtype=dtype)
    offsets = np.zeros_like(lengths)
    np.cumsum(lengths[:-1], out=offsets[1:])
    # One compiled kernel per item size: place through unsigned views.
    view = np.dtype(f"u{dt.itemsize}")
    _kernels().pad_place(flat.view(view), offsets, lengths, fill.view(view),
                         out.view(view), pre_padding, pre_truncating)
    return out


def _looks_like_int_lists(sequences):
    """True if ``sequences`` is a list/tuple whose first item is an int.

    A cheap gate for :func:`_pad_int_lists`: it looks only at the leading
    sequences up to the first non-empty one.
    """
    if type(sequences) not in (list, tuple):
        return False
    for seq in sequences:
        if type(seq) not in (list, tuple):
            return False
        if seq:
            return type(seq[0]) is int
    return False


def _pad_int_lists(sequences, maxlen, dtype, dt, pre_padding,
                   pre_truncating, value):
    """pad_sequences for a list of lists of Python ints, or None.

    ``marshal`` serialises exact lists, tuples and ints in C at a fraction
    of the cost of converting each int through numpy, and its format is
    simple enough for a numba kernel to decode straight into the output.
    Returns None (the caller then converts element by element) when
    anything else is inside, or when a kept value would not convert to
    ``dt`` exactly as ``np.asarray(row, dtype=dt)`` converts it: integers
    out of ``dt``'s range (numpy raises), or beyond 2**53 for float dtypes.
    """
    try:
        buf = np.frombuffer(marshal.dumps(sequences, 2), dtype=np.uint8)
    except ValueError:  # an unmarshallable object inside
        return None
    kernels = _kernels()
    if maxlen is None:
        maxlen = kernels.marshal_int_lists_maxlen(buf)
        if maxlen < 0:
            return None
    # np.full casts the padding value exactly as Keras' np.full does.
    fill = np.full(1, value, dtype=dtype)
    out = np.empty((len(sequences), maxlen), dtype=dtype)
    ok, lo, hi = kernels.pad_marshal_int_lists(buf, fill, out, pre_padding,
                                               pre_truncating)
    if not ok:
        return None
    if lo <= hi:  # some value was written
        if dt.kind in "iu":
            info = np.iinfo(dt)
            if lo < info.min or hi > info.max:
                return None
        elif dt.kind in "fc" and max(-lo, hi) > 2 ** 53:
            return None
    return out


def _flatten(sequences, lengths, dt, first):
    """All values of ``sequences`` in one 1-D array of ``dt``, or None.

    Rows that are all numpy arrays are joined by ``np.concatenate`` with the
    same unsafe cast ``np.asarray(row, dtype)`` applies; anything else goes
    through ``np.fromiter``, which converts each Python scalar exactly as
    ``np.asarray(list, dtype)`` does (and raises where it raises).
    """
    try:
        if (isinstance(first, np.ndarray)
                and all(isinstance(s, np.ndarray) for s in sequences)):
            flat = np.concatenate(list(sequences), dtype=dt,
                                  casting="unsafe")
            return flat if flat.shape == (int(lengths.sum()),) else None
        return np.fromiter(itertools.chain.from_iterable(sequences),
                           dtype=dt, count=int(lengths.sum()))
    except (TypeError, ValueError, OverflowError):
        return None


def _pad_array(arr, maxlen, dtype, pre_padding, pre_truncating, value):
    """pad_sequences for a numeric array ``(num_samples, timesteps, ...)``."""
    num_samples, timesteps = arr.shape[:2]
    # Keras reads the sample shape from the first non-empty row.
    sample_shape = arr.shape[2:] if num_samples and timesteps else ()
    if maxlen is None:
        maxlen = timesteps if num_samples else 0
    out = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    keep = min(timesteps, maxlen)
    if keep and num_samples:
        part = arr[:, timesteps - keep:] if pre_truncating else arr[:, :keep]
        part = part.astype(dtype, copy=False)
        if pre_padding:
            out[:, maxlen - keep:] = part
        else:
            out[:, :keep] = part
    return out


def _pad_loop(sequences, maxlen, sample_shape, dtype, pre_padding,
              pre_truncating, value):
    """pad_sequences one sequence at a time (vectors, strings, objects)."""
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for idx, seq in enumerate(sequences):
        n = len(seq)
        if not n:
            continue
        part = seq[-maxlen:] if pre_truncating else seq[:maxlen]
        part = np.asarray(part, dtype=dtype)
        if part.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {part.shape[1:]} of sequence at position "
                f"{idx} is different from expected shape {sample_shape}; the "
                "elements of every sequence must share the shape of the "
                "first non-empty sequence's."
            )
        k = len(part)
        if pre_padding:
            out[idx, maxlen - k:] = part
        else:
            out[idx, :k] = part
    return out


# --------------------------------------------------------------------------
# make_sampling_table
# --------------------------------------------------------------------------

def make_sampling_table(size, sampling_factor=1e-5):
    """Word2vec keep probabilities by word rank, assuming Zipf's law.

    Word2vec keeps a word of frequency ``f`` with probability
    ``min(1, sqrt(sampling_factor / f))``.  With Zipf frequencies
    ``f(r) ~ 1 / (r * (log r + gamma) + 1/2 - 1/(12 r))`` for rank ``r``
    (``gamma`` ~ Euler's constant, 0.577), that is a function of rank alone.
    The values are bit-identical to ``keras_preprocessing``'s.

    Parameters
    ----------
    size : int
        Number of ranks (the vocabulary size, index 0 included), ``>= 0``.
    sampling_factor : float
        The word2vec sub-sampling threshold, ``> 0``.

    Returns
    -------
    numpy.ndarray, float64, shape ``(size,)``
        Entry ``r`` is the keep probability of the word of rank ``r`` (index
        ``r`` when indices are frequency ranks, as Tokenizer assigns them);
        entry 0 is computed as for rank 1.  ``size=0`` gives an empty array.

    Raises
    ------
    TypeError
        ``size`` not an int.
    ValueError
        ``size < 0`` or ``sampling_factor`` not a positive finite number.
    """
    size = _as_int("size", size)
    if size < 0:
        raise ValueError(f"`size` must be >= 0, got {size}.")
    if not (isinstance(sampling_factor, numbers.Real)
            and math.isfinite(sampling_factor) and sampling_factor > 0):
        raise ValueError(
            "`sampling_factor` must be a positive finite number, got "
            f"{sampling_factor!r}."
        )
    if size == 0:
        return np.zeros(0, dtype=np.float64)
    euler_gamma = 0.577
    ranks = np.arange(size)
    ranks[0] = 1
    inverse_freq = (ranks * (np.log(ranks) + euler_gamma)
                    + 0.5 - 1.0 / (12.0 * ranks))
    scaled = sampling_factor * inverse_freq
    return np.minimum(1.0, scaled / np.sqrt(scaled))


# --------------------------------------------------------------------------
# skipgrams
# --------------------------------------------------------------------------

def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0,
              shuffle=True, categorical=False, sampling_table=None, seed=None,
              as_arrays=False):
    """Skip-gram couples ``(word, context)`` with labels, as Keras makes them.

    Positives: for each position ``i`` with word ``w_i != 0`` (and, with a
    ``sampling_table``, kept with probability ``sampling_table[w_i]``), every
    ``j`` in ``[max(0, i - window_size), min(n, i + window_size + 1))``,
    ``j != i``, ``w_j != 0`` gives ``[w_i, w_j]`` with label 1, in order of
    ``i`` then ``j``.  Negatives: ``int(n_positive * negative_samples)``
    couples ``[c, r]`` with label 0, where ``c`` cycles through the
    positives' centre words in a random order and ``r`` is uniform in
    ``[1, vocabulary_size - 1]``.  Then, if ``shuffle``, one random
    permutation is applied to couples and labels together.

    Parameters
    ----------
    sequence : 1-D sequence of int
        Word indices ``>= 0`` (0 = padding, skipped).  With a sampling table,
        indices should be frequency ranks.
    vocabulary_size : int
        Largest word index + 1, ``>= 2``; bounds the negative words.
    window_size : int
        Half-window, ``>= 1``.
    negative_samples : float
        Negatives per positive, ``>= 0`` (0: none).
    shuffle : bool
        Shuffle couples and labels (jointly) before returning.
    categorical : bool
        Labels as one-hot pairs: ``[0, 1]`` positive, ``[1, 0]`` negative.
    sampling_table : 1-D array of float or None
        Keep probability per word index, e.g. :func:`make_sampling_table`;
        at least ``vocabulary_size`` long and longer than the largest index
        in ``sequence``.
    seed : int >= 0 or None
        Seeds everything random here (sub-sampling, negatives, shuffle), so
        the whole result is reproducible.  None: fresh OS entropy.  The
        global ``random`` and ``np.random`` states are never read or changed.
    as_arrays : bool
        Return numpy arrays instead of lists (much faster for big inputs).

    Returns
    -------
    couples, labels
        Lists (default): ``couples`` is ``[[w_i, w_j], ...]`` of Python ints;
        ``labels`` is ``[1, 0, ...]`` or, if ``categorical``,
        ``[[0, 1], [1, 0], ...]``.
        With ``as_arrays=True``: ``couples`` int32 of shape ``(N, 2)``;
        ``labels`` int8 of shape ``(N,)``, or ``(N, 2)`` if ``categorical``.

    Raises
    ------
    TypeError
        Non-integer ``sequence``, ``vocabulary_size``, ``window_size`` or
        ``seed``; non-numeric ``negative_samples``.
    ValueError
        ``vocabulary_size < 2`` (or above 2**31); ``window_size < 1``;
        ``negative_samples`` negative or not finite; ``sequence`` not 1-D
        or holding a negative index; ``sampling_table`` not 1-D, shorter than
        ``vocabulary_size`` or not longer than the largest index; negative
        ``seed``.

    Notes
    -----
    With ``shuffle=False``, ``negative_samples=0`` and no sampling table (or
    one of all ones) the result equals Keras' exactly.  Otherwise it has the
    same structure and distribution but other random draws: Keras draws from
    the global ``random`` module and only its final shuffle obeys ``seed``.
    Indices ``>= vocabulary_size`` in ``sequence`` are accepted (as in Keras).
    """
    vocabulary_size = _as_int("vocabulary_size", vocabulary_size)
    if vocabulary_size < 2:
        raise ValueError(
            f"`vocabulary_size` must be >= 2 (index 0 is padding), got "
            f"{vocabulary_size}."
        )
    if vocabulary_size - 1 > _MAX_INDEX:
        raise ValueError(
            f"`vocabulary_size` must be at most {_MAX_INDEX + 1}, got "
            f"{vocabulary_size}."
        )
    window_size = _as_int("window_size", window_size)
    if window_size < 1:
        raise ValueError(f"`window_size` must be >= 1, got {window_size}.")
    if (not isinstance(negative_samples, numbers.Real)
            or isinstance(negative_samples, (bool, np.bool_))):
        raise TypeError(
            f"`negative_samples` must be a number, got {negative_samples!r}."
        )
    if not (math.isfinite(negative_samples) and negative_samples >= 0):
        raise ValueError(
            "`negative_samples` must be a finite number >= 0, got "
            f"{negative_samples!r}."
        )

    seq = np.asarray(sequence)
    if seq.size == 0:
        seq = np.zeros(0, dtype=np.int64)
    if seq.ndim != 1:
        raise ValueError(
            f"`sequence` must be one sequence of word indices (1-D), got an "
            f"array of shape {seq.shape}; call skipgrams once per sentence."
        )
    if seq.dtype.kind not in "iu":
        raise TypeError(
            "`sequence` must hold integer word indices, got values of dtype "
            f"{seq.dtype}."
        )
    largest = int(seq.max()) if seq.size else 0
    if seq.size and int(seq.min()) < 0:
        raise ValueError(
            f"`sequence` holds the negative index {int(seq.min())}; word "
            "indices must be >= 0 (0 is padding)."
        )
    if largest > _MAX_INDEX:
        raise ValueError(
            f"`sequence` holds the index {largest}, above the int32 limit "
            f"{_MAX_INDEX}."
        )
    seq = seq.astype(np.int64, copy=False)

    if sampling_table is None:
        table = np.zeros(0, dtype=np.float64)
    else:
        table = np.asarray(sampling_table, dtype=np.float64)
        if table.ndim != 1:
            raise ValueError(
                "`sampling_table` must be 1-D (one keep probability per "
                f"word index), got shape {table.shape}."
            )
        if table.shape[0] < vocabulary_size:
            raise ValueError(
                f"`sampling_table` has {table.shape[0]} entries but "
                f"vocabulary_size is {vocabulary_size}; build it with "
                "make_sampling_table(vocabulary_size)."
            )
        if table.shape[0] <= largest:
            raise ValueError(
                f"`sampling_table` has {table.shape[0]} entries but "
                f"`sequence` holds the index {largest}; the table needs at "
                "least largest index + 1 entries."
            )

    state = _rng_state(seed)
    window_size = min(window_size, max(seq.shape[0], 1))
    couples, labels = _kernels().skipgram_pairs(
        seq, window_size, table, float(negative_samples), vocabulary_size,
        bool(shuffle), state)

    if categorical:
        onehot = np.empty((labels.shape[0], 2), dtype=np.int8)
        onehot[:, 0] = 1 - labels
        onehot[:, 1] = labels
        labels = onehot
    if as_arrays:
        return couples, labels
    return _tolist_without_gc(couples, labels)


def _tolist_without_gc(*arrays):
    """``[a.tolist() for a in arrays]`` with the cyclic GC paused.

    Building millions of small lists triggers repeated collections that cost
    ~4x the conversion itself; lists of ints cannot form cycles, so pausing
    the collector loses nothing.  It is re-enabled only if it was enabled.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return tuple(a.tolist() for a in arrays)
    finally:
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------
# TimeseriesGenerator
# --------------------------------------------------------------------------

class TimeseriesGenerator:
    """Batches of sliding windows over a time series, as Keras makes them.

    Sample ``k`` of the series ends just before row ``t_k`` and holds
    ``data[t_k - length : t_k : sampling_rate]``; its target is
    ``targets[t_k]``.  The rows ``t_k`` run from ``start_index + length`` to
    ``end_index`` (inclusive) in steps of ``stride``; batch ``b`` holds
    rows ``b * batch_size`` ... of that list.

    Parameters
    ----------
    data : array-like, shape ``(n_steps, ...)``
        The series; axis 0 is time.  A numpy array is windowed by fancy
        indexing; other indexables (lists) slice by slice as Keras does.
    targets : array-like, shape ``(n_steps, ...)``
        One target per time step, same length as ``data``.
    length : int
        Span of each sample in time steps, ``>= 1``.
    sampling_rate : int
        Step between the time steps inside a sample, ``>= 1``; a sample has
        ``ceil(length / sampling_rate)`` steps.
    stride : int
        Step between the end rows of consecutive samples, ``>= 1``.
    start_index : int
        Steps before ``start_index`` are never used, ``>= 0``; the first
        target row is ``start_index + length``.
    end_index : int or None
        Last row (inclusive) used as a target; None: ``n_steps - 1``.
    shuffle : bool
        Draw each batch's end rows uniformly (with replacement) from
        ``[start_index + length, end_index]``, ignoring the batch index,
        instead of chronologically.
    reverse : bool
        Return each sample's steps in reverse chronological order.
    batch_size : int
        Samples per batch (the last chronological batch may be shorter).
    seed : int or None
        Seed of the ``np.random.default_rng`` generator used by
        ``shuffle`` (not a Keras argument).

    Indexing ``gen[b]`` returns ``(samples, targets)``: ``samples`` has
    shape ``(batch, ceil(length / sampling_rate), *data.shape[1:])`` and
    ``data``'s dtype; ``targets`` has shape ``(batch, *targets.shape[1:])``.

    Differences from Keras, all deliberate:

    * ``get_config()['start_index']`` is the constructor's ``start_index``,
      and so is the attribute ``start_index``.  Keras stores
      ``start_index + length`` there, so a Keras JSON round trip shifts the
      windows by ``length``; here ``timeseries_generator_from_json(
      gen.to_json())`` rebuilds exactly the same generator.
    * Shuffled batches come from a private ``np.random.default_rng(seed)``,
      not the global ``np.random`` state (Keras calls
      ``np.random.randint``): same distribution, other draws.
    * ``gen[b]`` with ``b`` outside ``[-len(gen), len(gen))`` raises
      IndexError (Keras returns empty or wrong batches, so ``for batch in
      gen`` never ended); negative ``b`` counts from the end.
    * Arguments are checked up front: ``length``, ``sampling_rate``,
      ``stride``, ``batch_size`` must be ``>= 1``, ``start_index >= 0``, and
      ``end_index`` a valid row of ``data``.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1,
                 start_index=0, end_index=None, shuffle=False, reverse=False,
                 batch_size=128, seed=None):
        if len(data) != len(targets):
            raise ValueError(
                "Data and targets have to be of same length. Data length is "
                f"{len(data)} while target length is {len(targets)}; "
                "`data` and `targets` must have the same length."
            )
        self.data = data
        self.targets = targets
        self.length = self._positive("length", length)
        self.sampling_rate = self._positive("sampling_rate", sampling_rate)
        self.stride = self._positive("stride", stride)
        self.batch_size = self._positive("batch_size", batch_size)
        self.start_index = _as_int("start_index", start_index)
        if self.start_index < 0:
            raise ValueError(
                f"`start_index` must be >= 0, got {self.start_index}."
            )
        last = len(data) - 1
        self.end_index = last if end_index is None else _as_int(
            "end_index", end_index)
        if self.end_index > last:
            raise ValueError(
                f"`end_index`={self.end_index} is past the last row of "
                f"`data` ({last}); use end_index=None for the last row."
            )
        self._first_row = self.start_index + self.length
        if self._first_row > self.end_index:
            raise ValueError(
                f"`start_index+length={self._first_row} > "
                f"end_index={self.end_index}` is disallowed, as no part of the "
                "sequence would be left to be used as current step; lower "
                "`length` or `start_index`, or raise `end_index`."
            )
        self.shuffle = bool(shuffle)
        self.reverse = bool(reverse)
        self.seed = None if seed is None else _as_int("seed", seed)
        self._rng = np.random.default_rng(self.seed)

    @staticmethod
    def _positive(name, value):
        value = _as_int(name, value)
        if value < 1:
            raise ValueError(f"`{name}` must be >= 1, got {value}.")
        return value

    def __len__(self):
        """Number of batches."""
        step = self.batch_size * self.stride
        return (self.end_index - self._first_row + step) // step

    def __getitem__(self, index):
        """Batch ``index``: ``(samples, targets)`` numpy arrays (see class)."""
        index = _as_int("index", index)
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(
                f"batch index {index} is out of range for {n} batches."
            )
        if self.shuffle:
            rows = self._rng.integers(self._first_row, self.end_index + 1,
                                      size=self.batch_size)
        else:
            step = self.batch_size * self.stride
            first = self._first_row + step * index
            rows = np.arange(first, min(first + step, self.end_index + 1),
                             self.stride)

        if isinstance(self.data, np.ndarray):
            offsets = np.arange(-self.length, 0, self.sampling_rate)
            samples = self.data[rows[:, None] + offsets]
        else:
            samples = np.array([
                self.data[row - self.length:row:self.sampling_rate]
                for row in rows
            ])
        if isinstance(self.targets, np.ndarray):
            targets = self.targets[rows]
        else:
            targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    @staticmethod
    def _json_field(name, values):
        if isinstance(values, (np.ndarray, np.generic)):
            values = values.tolist()
        try:
            return json.dumps(values)
        except TypeError as exc:
            raise TypeError(
                f"{name.capitalize()} not JSON Serializable: {exc}; `{name}` "
                "must be a numpy array or nested lists of numbers."
            ) from None

    def get_config(self):
        """The constructor arguments as a dict (``data``, ``targets`` as JSON).

        ``start_index`` is the constructor's value (Keras stores
        ``start_index + length``; see the class docstring).  ``seed`` is
        included only when set, so the config stays loadable by Keras.
        """
        config = {
            "data": self._json_field("data", self.data),
            "targets": self._json_field("targets", self.targets),
            "length": self.length,
            "sampling_rate": self.sampling_rate,
            "stride": self.stride,
            "start_index": self.start_index,
            "end_index": self.end_index,
            "shuffle": self.shuffle,
            "reverse": self.reverse,
            "batch_size": self.batch_size,
        }
        if self.seed is not None:
            config["seed"] = self.seed
        return config

    def to_json(self, **kwargs):
        """JSON string ``{"class_name": ..., "config": get_config()}``.

        ``kwargs`` go to ``json.dumps``.  Load it back with
        :func:`timeseries_generator_from_json`.
        """
        return json.dumps({"class_name": type(self).__name__,
                           "config": self.get_config()}, **kwargs)


def timeseries_generator_from_json(json_string):
    """Rebuild a :class:`TimeseriesGenerator` from ``to_json()`` output.

    ``data`` and ``targets`` come back as nested Python lists (as in Keras);
    the batches equal the original generator's.

    Raises
    ------
    ValueError
        The string is not JSON or not a TimeseriesGenerator configuration.
    """
    try:
        full = json.loads(json_string)
        config = dict(full["config"])
        name = full.get("class_name", "TimeseriesGenerator")
        config["data"] = json.loads(config["data"])
        config["targets"] = json.loads(config["targets"])
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise ValueError(
            "not a TimeseriesGenerator JSON configuration (expected the "
            f"output of TimeseriesGenerator.to_json()): {exc}"
        ) from None
    if name != "TimeseriesGenerator":
        raise ValueError(
            f"expected a TimeseriesGenerator configuration, got class_name "
            f"{name!r}."
        )
    return TimeseriesGenerator(**config)
