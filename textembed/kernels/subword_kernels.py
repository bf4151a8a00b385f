"""Kernels of the subword (fastText-style) skip-gram: character n-gram hashing and training.

A word is framed as ``<word>`` and cut into its character n-grams of minn to
maxn characters, over its UTF-8 bytes (a character is a lead byte and the
continuation bytes ``10xxxxxx`` after it), exactly as fastText does. Each
n-gram is hashed with 32-bit FNV-1a, where every byte is first widened as a
*signed* char (fastText's quirk: a byte >= 0x80 enters the hash as
``0xFFFFFF00 | byte``), and taken modulo the number of buckets. The input row
of an n-gram is ``n_words + hash % bucket``; a vocabulary word also has its own
row (its id).

The training kernel is skip-gram with negative sampling where the input
vector of a centre word is the mean of its rows (word row and n-gram rows):
it is composed once per centre word, predicts each context word of the
(shrunk) window against fresh negatives, and the summed gradient is added
to each of its rows once the window is done (fastText adds it to each row
too, without dividing by their number).
"""
import numpy as np
from numba import njit

from .random_kernels import splitmix64
from .word2vec_kernels import (_draw, _log_sigmoid, known_words, read_sentence, seed_for,
                               shrunk_window)

FNV_OFFSET = 2166136261
FNV_PRIME = 16777619


@njit(cache=True, inline="always")
def _fnv_step(h, byte):
    if byte >= 128:
        h ^= np.uint32(0xFFFFFF00) | np.uint32(byte)
    else:
        h ^= np.uint32(byte)
    return np.uint32(h * np.uint32(FNV_PRIME))


@njit(cache=True)
def fnv1a_signed(data, start, end):
    """fastText's hash of the bytes data[start:end] (uint8): uint32."""
    h = np.uint32(FNV_OFFSET)
    for k in range(start, end):
        h = _fnv_step(h, data[k])
    return h


@njit(cache=True)
def _ngram_walk(data, start, end, minn, maxn, bucket, out, at):
    """Hash the n-grams of the framed word data[start:end]; write ``hash % bucket``
    to out[at:] when ``out`` is long enough (else only count). Returns the count."""
    count = 0
    for i in range(start, end):
        if (data[i] & 0xC0) == 0x80:
            continue
        h = np.uint32(FNV_OFFSET)
        j = i
        n = 1
        while j < end and n <= maxn:
            h = _fnv_step(h, data[j])
            j += 1
            while j < end and (data[j] & 0xC0) == 0x80:
                h = _fnv_step(h, data[j])
                j += 1
            if n >= minn and not (n == 1 and (i == start or j == end)):
                if at + count < out.shape[0]:
                    out[at + count] = np.int64(h % np.uint32(bucket))
                count += 1
            n += 1
    return count


@njit(cache=True)
def subword_rows(data, offsets, word_ids, n_words, minn, maxn, bucket):
    """Input rows of framed words, as CSR arrays.

    data: uint8, the framed words' UTF-8 bytes (``<word>``) one after the other;
    offsets: int64 (n + 1,), word k is data[offsets[k]:offsets[k + 1]];
    word_ids: int64 (n,), the word's own row, or -1 for a word without one
      (not in the vocabulary; it then has only its n-gram rows);
    n_words: first n-gram row (rows n_words + hash % bucket).
    Returns (row_offsets int64 (n + 1,), rows int32): word k's rows are
    rows[row_offsets[k]:row_offsets[k + 1]], its own row first, then its
    n-grams in fastText's order (duplicates kept, as fastText keeps them).
    """
    n = offsets.shape[0] - 1
    empty = np.empty(0, np.int64)
    row_offsets = np.zeros(n + 1, np.int64)
    if maxn > 0:
        for k in range(n):
            extra = 1 if word_ids[k] >= 0 else 0
            row_offsets[k + 1] = row_offsets[k] + extra + _ngram_walk(
                data, offsets[k], offsets[k + 1], minn, maxn, bucket, empty, 0)
    else:
        for k in range(n):
            row_offsets[k + 1] = row_offsets[k] + (1 if word_ids[k] >= 0 else 0)
    hashes = np.empty(row_offsets[n], np.int64)
    rows = np.empty(row_offsets[n], np.int32)
    for k in range(n):
        at = row_offsets[k]
        if word_ids[k] >= 0:
            rows[at] = word_ids[k]
            at += 1
        if maxn > 0:
            m = _ngram_walk(data, offsets[k], offsets[k + 1], minn, maxn, bucket, hashes, at)
            for q in range(at, at + m):
                rows[q] = np.int32(n_words + hashes[q])
    return row_offsets, rows


@njit(cache=True)
def compose(syn0, row_offsets, rows, out):
    """out[k] = mean of syn0's rows of word k (zeros for a word without rows).

    syn0: float32 (R, D); row_offsets int64 (n + 1,), rows int32: CSR as from
    ``subword_rows``; out: float32 (n, D), written.
    """
    dim = syn0.shape[1]
    for k in range(row_offsets.shape[0] - 1):
        a, b = row_offsets[k], row_offsets[k + 1]
        for d in range(dim):
            out[k, d] = 0.0
        for q in range(a, b):
            row = rows[q]
            for d in range(dim):
                out[k, d] += syn0[row, d]
        if b > a:
            scale = np.float32(1.0) / np.float32(b - a)
            for d in range(dim):
                out[k, d] *= scale
    return out


@njit(cache=True)
def uniform_fill(out, low, high, seed):
    """Fill float32 out (R, D) with uniform values in [low, high), from splitmix64(seed)."""
    state = np.uint64(seed)
    span = np.float32(high - low)
    flat = out.reshape(-1)
    for k in range(flat.shape[0]):
        state, r = splitmix64(state)
        u = np.float32(r >> np.uint64(40)) * np.float32(1.0 / (1 << 24))
        flat[k] = np.float32(low) + span * u
    return out


# Reassociation lets the dot products vectorize; NaN/inf semantics and exact
# exp/log are kept (no 'nnan', 'ninf', 'afn').
@njit(nogil=True, cache=True, fastmath={'reassoc', 'contract', 'nsz', 'arcp'})
def train_subword_block(tokens, syn0, syn1, row_offsets, rows, keep, accept, alias, window,
                        negative, alpha_start, alpha_end, seed, epoch, block, max_sentence):
    """Train subword skip-gram with negative sampling on one block of the corpus.

    tokens: int32 (n,), word ids; -1 ends a line, -2 is a word not in the
      vocabulary (skipped, not counted).
    syn0: float32 (V + bucket, D), input rows (words, then n-gram buckets);
    syn1: float32 (V, D), output rows; both updated in place.
    row_offsets: int64 (V + 1,), rows: int32: word w's input rows are
      rows[row_offsets[w]:row_offsets[w + 1]] (see ``subword_rows``).
    keep, accept, alias, window, negative, alpha_*, seed, epoch, block,
    max_sentence: as in ``word2vec_kernels.train_block``.
    Returns (words, loss_sum, loss_pairs): in-vocabulary words read, and the
    negative log-likelihood summed over the pairs whose loss was sampled (the
    first context word of each window).
    """
    n = tokens.shape[0]
    dim = syn0.shape[1]
    state = seed_for(seed, epoch, block)
    sentence = np.empty(max_sentence, np.int32)
    hidden = np.empty(dim, np.float32)
    grad = np.empty(dim, np.float32)
    total = known_words(tokens)
    words = 0
    loss_sum = 0.0
    loss_pairs = 0
    pos = 0
    while pos < n:
        pos, length, read, state = read_sentence(tokens, pos, keep, state, sentence)
        words += read
        if length < 2:
            continue
        progress = words / max(total, 1)
        alpha = np.float32(alpha_start + (alpha_end - alpha_start) * progress)
        for i in range(length):
            center = sentence[i]
            state, r = splitmix64(state)
            reach = shrunk_window(r, window)
            lo = max(0, i - reach)
            hi = min(length, i + reach + 1)
            if hi - lo < 2:
                continue
            first_row = row_offsets[center]
            last_row = row_offsets[center + 1]
            row = rows[first_row]
            for d in range(dim):
                hidden[d] = syn0[row, d]
            for q in range(first_row + 1, last_row):
                row = rows[q]
                for d in range(dim):
                    hidden[d] += syn0[row, d]
            scale = np.float32(1.0) / np.float32(last_row - first_row)
            for d in range(dim):
                hidden[d] *= scale
                grad[d] = 0.0
            sampled = False
            for j in range(lo, hi):
                if j == i:
                    continue
                context = sentence[j]
                for a in range(negative + 1):
                    if a == 0:
                        target = np.int64(context)
                    else:
                        state, target = _draw(state, accept, alias)
                        if target == context:
                            continue
                    f = np.float32(0.0)
                    for d in range(dim):
                        f += hidden[d] * syn1[target, d]
                    label = np.float32(1.0) if a == 0 else np.float32(0.0)
                    g = (label - np.float32(1.0) / (np.float32(1.0) + np.exp(-f))) * alpha
                    for d in range(dim):
                        grad[d] += g * syn1[target, d]
                        syn1[target, d] += g * hidden[d]
                    if not sampled:
                        loss_sum -= _log_sigmoid(f) if a == 0 else _log_sigmoid(-f)
                sampled = True
            loss_pairs += 1
            for q in range(first_row, last_row):
                row = rows[q]
                for d in range(dim):
                    syn0[row, d] += grad[d]
    return words, loss_sum, loss_pairs
