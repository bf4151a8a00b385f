"""Tokenizing, counting and looking up words on UTF-8 bytes.

A batch of texts arrives as one ``uint8`` buffer: the texts, already
lower-cased, joined by a marker byte (0) with one marker after the last text.
A token is a maximal run of bytes that are neither separators nor the marker.
Separators are ASCII bytes only, so a multi-byte UTF-8 character is never cut.
Words are identified by their bytes through an open-addressing hash table.
"""
import numpy as np
from numba import njit

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True)
def scan_tokens(buf, is_sep):
    """Token spans and document boundaries of a marker-joined batch.

    buf: uint8 (n_bytes,), ends with the marker byte 0.
    is_sep: bool (256,), True for bytes that split tokens.
    Returns starts, ends: int64 (n_tokens,), byte spans of the tokens, and
    doc_offsets: int64 (n_docs + 1,), tokens of document d are
    ``doc_offsets[d]:doc_offsets[d + 1]``.
    """
    n = buf.shape[0]
    n_tokens = 0
    n_docs = 0
    inside = False
    for i in range(n):
        b = buf[i]
        if b == 0 or is_sep[b]:
            inside = False
            if b == 0:
                n_docs += 1
        elif not inside:
            inside = True
            n_tokens += 1
    starts = np.empty(n_tokens, np.int64)
    ends = np.empty(n_tokens, np.int64)
    doc_offsets = np.empty(n_docs + 1, np.int64)
    doc_offsets[0] = 0
    t = 0
    d = 0
    inside = False
    for i in range(n):
        b = buf[i]
        if b == 0 or is_sep[b]:
            if inside:
                ends[t] = i
                t += 1
                inside = False
            if b == 0:
                d += 1
                doc_offsets[d] = t
        elif not inside:
            inside = True
            starts[t] = i
    return starts, ends, doc_offsets


@njit(cache=True, inline="always")
def _span_hash(buf, start, end):
    h = _FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(buf[i])) * _FNV_PRIME
    return h


@njit(cache=True, inline="always")
def _same_bytes(buf_a, a0, a1, buf_b, b0, b1):
    if a1 - a0 != b1 - b0:
        return False
    for k in range(a1 - a0):
        if buf_a[a0 + k] != buf_b[b0 + k]:
            return False
    return True


@njit(cache=True)
def _rehash(hashes, n_words, capacity):
    table = np.full(capacity, -1, np.int64)
    mask = np.uint64(capacity - 1)
    for w in range(n_words):
        slot = hashes[w] & mask
        while table[slot] != -1:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = w
    return table


@njit(cache=True)
def _grow(array, size):
    bigger = np.empty(size, array.dtype)
    bigger[:array.shape[0]] = array
    return bigger


@njit(cache=True)
def count_words(buf, starts, ends, doc_offsets):
    """Vocabulary of a batch in order of first appearance, with counts.

    The words' bytes are copied to a compact buffer as they are first seen,
    so comparisons touch a small, cache-resident region.
    Returns
      word_ids: int64 (n_tokens,), vocabulary id of each token;
      words_buf: uint8, the words' bytes; word w is
        ``words_buf[word_starts[w]:word_ends[w]]`` (int64 (n_words,) each);
      counts: int64 (n_words,), occurrences of each word;
      doc_counts: int64 (n_words,), documents that contain each word.
    """
    n_tokens = starts.shape[0]
    capacity = 1024
    table = np.full(capacity, -1, np.int64)
    hashes = np.empty(capacity // 2, np.uint64)
    word_starts = np.empty(capacity // 2, np.int64)
    word_ends = np.empty(capacity // 2, np.int64)
    words_buf = np.empty(8192, np.uint8)
    n_words = 0
    used = 0
    word_ids = np.empty(n_tokens, np.int64)
    for t in range(n_tokens):
        s = starts[t]
        e = ends[t]
        h = _span_hash(buf, s, e)
        mask = np.uint64(capacity - 1)
        slot = h & mask
        while True:
            w = table[slot]
            if w == -1:
                if 2 * (n_words + 1) > capacity:
                    capacity *= 2
                    hashes = _grow(hashes, capacity // 2)
                    word_starts = _grow(word_starts, capacity // 2)
                    word_ends = _grow(word_ends, capacity // 2)
                    table = _rehash(hashes, n_words, capacity)
                    mask = np.uint64(capacity - 1)
                    slot = h & mask
                    while table[slot] != -1:
                        slot = (slot + np.uint64(1)) & mask
                if used + (e - s) > words_buf.shape[0]:
                    words_buf = _grow(words_buf, 2 * (used + (e - s)))
                words_buf[used:used + (e - s)] = buf[s:e]
                w = n_words
                table[slot] = w
                hashes[w] = h
                word_starts[w] = used
                used += e - s
                word_ends[w] = used
                n_words += 1
                break
            if hashes[w] == h and _same_bytes(words_buf, word_starts[w], word_ends[w], buf, s, e):
                break
            slot = (slot + np.uint64(1)) & mask
        word_ids[t] = w
    counts = np.zeros(n_words, np.int64)
    doc_counts = np.zeros(n_words, np.int64)
    last_doc = np.full(n_words, -1, np.int64)
    n_docs = doc_offsets.shape[0] - 1
    for d in range(n_docs):
        for t in range(doc_offsets[d], doc_offsets[d + 1]):
            w = word_ids[t]
            counts[w] += 1
            if last_doc[w] != d:
                last_doc[w] = d
                doc_counts[w] += 1
    return (word_ids, words_buf[:used].copy(), word_starts[:n_words].copy(),
            word_ends[:n_words].copy(), counts, doc_counts)


@njit(cache=True)
def build_lookup(words_buf, word_starts, word_ends):
    """Hash table over a list of words given as byte spans of ``words_buf``.

    Returns (table int64 (capacity,), hashes uint64 (n_words,)); table slots
    hold a word's position in the list, or -1.
    """
    n_words = word_starts.shape[0]
    capacity = 16
    while capacity < 2 * n_words:
        capacity *= 2
    hashes = np.empty(n_words, np.uint64)
    table = np.full(capacity, -1, np.int64)
    mask = np.uint64(capacity - 1)
    for w in range(n_words):
        h = _span_hash(words_buf, word_starts[w], word_ends[w])
        hashes[w] = h
        slot = h & mask
        while table[slot] != -1:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = w
    return table, hashes


@njit(cache=True)
def lookup_tokens(buf, starts, ends, words_buf, word_starts, word_ends,
                  table, hashes, values, missing):
    """Value of each token's word, or ``missing`` for an unknown word.

    values: int64 (n_words,), what each listed word maps to.
    Returns int64 (n_tokens,).
    """
    n_tokens = starts.shape[0]
    out = np.empty(n_tokens, np.int64)
    mask = np.uint64(table.shape[0] - 1)
    for t in range(n_tokens):
        s = starts[t]
        e = ends[t]
        h = _span_hash(buf, s, e)
        slot = h & mask
        result = missing
        while True:
            w = table[slot]
            if w == -1:
                break
            if hashes[w] == h and _same_bytes(words_buf, word_starts[w], word_ends[w], buf, s, e):
                result = values[w]
                break
            slot = (slot + np.uint64(1)) & mask
        out[t] = result
    return out
