"""Skip-gram couples for word2vec, as Keras makes them: ``make_sampling_table``
(keep probabilities by word rank) and ``skipgrams`` (positive and negative
couples, drawn by a numba kernel from a private random state).
"""
import gc
import math
import numbers

import numpy as np

from ._common import as_int, load_kernels

# Largest word index an int32 couple can hold.
_MAX_INDEX = np.iinfo(np.int32).max


def _rng_state(seed):
    """A fresh splitmix64 state (uint64 array of shape (1,)) from ``seed``.

    ``None`` draws fresh OS entropy through ``np.random.SeedSequence``; an
    int gives a reproducible state.  Neither touches ``random`` or
    ``np.random``'s global state.
    """
    if seed is not None:
        seed = as_int("seed", seed)
        if seed < 0:
            raise ValueError(
                f"`seed` must be a non-negative int or None, got {seed}."
            )
    return np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)


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
    size = as_int("size", size)
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
    vocabulary_size = as_int("vocabulary_size", vocabulary_size)
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
    window_size = as_int("window_size", window_size)
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
    couples, labels = load_kernels().skipgram_pairs(
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
