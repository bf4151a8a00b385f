"""The classifier networks' input rows: token ids and hashed word bigrams.

Token-id sequences -> fixed-width int32 rows.

One kernel builds every row: the first ``maxlen`` token ids of a text (the
rest dropped), followed, for the bag-of-words network, by one hashed id per
pair of neighbouring tokens (word bigrams, fastText's ``wordNgrams 2``), then
zeros (index 0 is padding). Bigram ids live after the vocabulary:
``bigram_offset + hash(a, b) % buckets``, computed from the two token ids, so
they depend on the saved tokenizer only. Ids at or above ``bigram_offset``
in the input are words added to the vocabulary after training (from
pretrained vectors); they are kept as tokens but left out of the bigrams.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def feature_rows(flat, offsets, maxlen, buckets, bigram_offset, width):
    """Rows of ids for the network input.

    flat: int32 (total,) token ids of all texts, one after another;
    offsets: int64 (n + 1,), text i is ``flat[offsets[i]:offsets[i + 1]]``;
    maxlen: tokens kept per text (the first ones); buckets: number of bigram
    ids (0: no bigrams); bigram_offset: first bigram id; width: row length
    (maxlen, or 2 * maxlen - 1 with bigrams).
    Returns int32 (n, width): token ids, then bigram ids, then 0 padding.
    """
    n = offsets.size - 1
    out = np.zeros((n, width), dtype=np.int32)
    # Odd 64-bit multipliers (golden ratio, splitmix64) mix the two ids.
    mix1 = np.uint64(0x9E3779B97F4A7C15)
    mix2 = np.uint64(0xBF58476D1CE4E5B9)
    shift = np.uint64(31)
    nb = np.uint64(max(buckets, 1))
    for i in range(n):
        start = offsets[i]
        stop = min(offsets[i + 1], start + maxlen)
        k = 0
        for j in range(start, stop):
            out[i, k] = flat[j]
            k += 1
        if buckets > 0:
            previous = -1
            for j in range(start, stop):
                token = flat[j]
                if token >= bigram_offset:
                    # a word added after training: it pairs with nothing, and its
                    # neighbours pair with each other as they did in training
                    continue
                if previous >= 0:
                    h = (np.uint64(previous) + np.uint64(1)) * mix1
                    h ^= h >> shift
                    h = (h + np.uint64(token)) * mix2
                    h ^= h >> shift
                    out[i, k] = bigram_offset + np.int32(h % nb)
                    k += 1
                previous = token
    return out
