"""``pad_sequences``: pad and truncate sequences to one length, as Keras does.

A fast path for numbers (a ``marshal`` decoder or one flat array, placed by
numba kernels) and a sequence-by-sequence loop for the rest; both give
Keras' answers.
"""
import itertools
import marshal

import numpy as np

from ._common import as_int, load_kernels


def _check_side(name, value):
    if not (isinstance(value, str) and value in ("pre", "post")):
        raise ValueError(
            f'{name.capitalize()} type "{value}" not understood; '
            f"`{name}` must be 'pre' or 'post', got {value!r}."
        )
    return value == "pre"


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
        maxlen = as_int("maxlen", maxlen)
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
    load_kernels().pad_place(flat.view(view), offsets, lengths,
                             fill.view(view), out.view(view), pre_padding,
                             pre_truncating)
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
    kernels = load_kernels()
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
