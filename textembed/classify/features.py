"""Token-id lists -> the flat arrays the classifier kernels take (see
:mod:`textembed.kernels.ngram_kernels` for the network input rows)."""
from itertools import chain

import numpy as np


def flatten(sequences):
    """A list of id lists -> (flat int32 (total,), offsets int64 (n + 1,), lengths int64 (n,))."""
    n = len(sequences)
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.fromiter(chain.from_iterable(sequences), dtype=np.int32, count=int(offsets[-1]))
    return flat, offsets, lengths
