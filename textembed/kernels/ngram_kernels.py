"""The classifiers' inputs: hashed n-gram features and the networks' id rows.

**N-gram features** (:func:`ngram_hashes`): each text of a tokenized byte
batch (see :class:`textembed.byte_batch.ByteBatch`) becomes the sorted set of the
64-bit hashes of its word n-grams (1 to ``word_ngrams`` words) and of the
character n-grams of its words (``minn`` to ``maxn`` UTF-8 characters of the
word framed by two boundary marks, as fastText's subwords). Hashes of the
three kinds live in separate spaces (each finalized with its own tag), so a
word and a character n-gram of the same bytes differ.

**Network rows** (:func:`feature_rows`): one kernel builds every row: the first ``maxlen`` token ids of a text (the
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

from .random_kernels import mix64

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_TAG_WORD = np.uint64(0x5752440000000000)    # "WRD"
_TAG_CHAR = np.uint64(0x4348520000000000)    # "CHR"
_WORD_START = np.uint64(0x02)                # boundary marks around a word's characters
_WORD_END = np.uint64(0x03)


@njit(cache=True, inline="always")
def _is_char_start(byte):
    return (byte & 0xC0) != 0x80


@njit(cache=True)
def _word_hashes(buf, starts, ends):
    """uint64 (n_tokens,): FNV-1a of each token's bytes."""
    out = np.empty(starts.size, np.uint64)
    for t in range(starts.size):
        h = _FNV_OFFSET
        for i in range(starts[t], ends[t]):
            h = (h ^ np.uint64(buf[i])) * _FNV_PRIME
        out[t] = h
    return out


@njit(cache=True)
def _char_count(buf, start, end):
    n = 0
    for i in range(start, end):
        if _is_char_start(buf[i]):
            n += 1
    return n


@njit(cache=True)
def _emit_char_ngrams(buf, start, end, minn, maxn, out, k):
    """Write the hashes of the character n-grams of ``buf[start:end]`` into
    ``out[k:]``; returns the new k. Characters are UTF-8 sequences; the word is
    framed by the two boundary marks, which count as one character each."""
    n_chars = _char_count(buf, start, end) + 2
    # the byte offset where each framed character starts (the marks: -1, -2)
    offsets = np.empty(n_chars + 1, np.int64)
    offsets[0] = -1
    c = 1
    for i in range(start, end):
        if _is_char_start(buf[i]):
            offsets[c] = i
            c += 1
    offsets[n_chars - 1] = -2
    offsets[n_chars] = end
    for first in range(n_chars):
        h = _FNV_OFFSET
        for last in range(first, min(first + maxn, n_chars)):
            at = offsets[last]
            if at == -1:
                h = (h ^ _WORD_START) * _FNV_PRIME
            elif at == -2:
                h = (h ^ _WORD_END) * _FNV_PRIME
            else:
                stop = offsets[last + 1] if offsets[last + 1] >= 0 else end
                for i in range(at, stop):
                    h = (h ^ np.uint64(buf[i])) * _FNV_PRIME
            if last - first + 1 >= minn:
                out[k] = np.int64(mix64(h ^ _TAG_CHAR ^ np.uint64(last - first + 1)))
                k += 1
    return k


@njit(cache=True)
def ngram_hashes(buf, starts, ends, doc_offsets, word_ngrams, minn, maxn):
    """The distinct n-gram hashes of every text of a byte batch.

    buf: uint8 (n_bytes,) the batch; starts, ends: int64 (n_tokens,) token
    byte spans; doc_offsets: int64 (n_docs + 1,) token boundaries of each
    text; word_ngrams: longest word n-gram (1: words only); minn, maxn:
    character n-gram lengths (maxn 0: none).
    Returns (hashes int64 (total,), offsets int64 (n_docs + 1,)): text d's
    features are ``hashes[offsets[d]:offsets[d + 1]]``, sorted, no repeats.
    """
    n_docs = doc_offsets.size - 1
    words = _word_hashes(buf, starts, ends)
    # an upper bound of every text's count, to size the output once
    bound = np.zeros(n_docs + 1, np.int64)
    for d in range(n_docs):
        n = doc_offsets[d + 1] - doc_offsets[d]
        total = 0
        for length in range(1, word_ngrams + 1):
            total += max(n - length + 1, 0)
        if maxn > 0:
            for t in range(doc_offsets[d], doc_offsets[d + 1]):
                chars = _char_count(buf, starts[t], ends[t]) + 2
                for length in range(minn, maxn + 1):
                    total += max(chars - length + 1, 0)
        bound[d + 1] = bound[d] + total
    out = np.empty(bound[n_docs], np.int64)  # the hashes' bits, signed: sorted as numpy sorts
    offsets = np.zeros(n_docs + 1, np.int64)
    kept = 0
    for d in range(n_docs):
        first, last = doc_offsets[d], doc_offsets[d + 1]
        k = bound[d]
        for t in range(first, last):
            h = words[t]
            out[k] = np.int64(mix64(h ^ _TAG_WORD ^ np.uint64(1)))
            k += 1
            for length in range(2, word_ngrams + 1):
                if t + length > last:
                    break
                h = h * _GOLDEN + words[t + length - 1]
                out[k] = np.int64(mix64(h ^ _TAG_WORD ^ np.uint64(length)))
                k += 1
            if maxn > 0:
                k = _emit_char_ngrams(buf, starts[t], ends[t], minn, maxn, out, k)
        segment = out[bound[d]:k]
        segment.sort()
        previous = np.int64(0)
        for i in range(segment.size):
            if i == 0 or segment[i] != previous:
                out[kept] = segment[i]
                kept += 1
            previous = segment[i]
        offsets[d + 1] = kept
    return out[:kept], offsets


@njit(cache=True)
def key_table(keys):
    """An open-addressing table of the distinct int64 ``keys`` (already mixed
    hashes): (slots int64 (size,), columns int32 (size,)), size a power of two
    at least twice the keys; an empty slot has column -1."""
    size = 1
    while size < 2 * keys.size + 2:
        size *= 2
    slots = np.zeros(size, np.int64)
    columns = np.full(size, -1, np.int32)
    mask = size - 1
    for k in range(keys.size):
        at = keys[k] & mask
        while columns[at] >= 0:
            at = (at + 1) & mask
        slots[at] = keys[k]
        columns[at] = k
    return slots, columns


@njit(cache=True)
def lookup_columns(slots, columns, hashes):
    """int32 (n,): the column of each hash in the table, -1 where it is absent."""
    mask = slots.size - 1
    out = np.empty(hashes.size, np.int32)
    for i in range(hashes.size):
        at = hashes[i] & mask
        found = -1
        while columns[at] >= 0:
            if slots[at] == hashes[i]:
                found = columns[at]
                break
            at = (at + 1) & mask
        out[i] = found
    return out


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
