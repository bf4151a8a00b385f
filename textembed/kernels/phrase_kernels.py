"""Phrase detection: counting words and word pairs, scoring pairs, joining them.

A corpus arrives as int32 word ids >= 0 with -1 after every line (the stream
of :mod:`textembed.word2vec.corpus`), in blocks that may cut a line anywhere:
the kernels carry what they need across blocks in a small int64 ``state``.

Word counts live in an int64 array indexed by word id. The pair (a, b) is the
int64 key ``a << 32 | b``, counted in an open-addressing table (linear
probing): keys int64 (capacity,) with EMPTY for a free slot, counts int64
(capacity,), capacity a power of two, at most 70% full.
"""
import numpy as np
from numba import njit

EMPTY = -1
DEFAULT = 0  # word2vec.c / gensim original_scorer
NPMI = 1  # gensim npmi_scorer

# count_block's state: the previous word of the line (-1 at a line start); the
# distinct pairs and words held; gensim's min_reduce; the table limit; the
# entries pruned, the prunings and the tokens read so far.
S_PREV, S_PAIRS, S_WORDS, S_MIN_REDUCE, S_MAX_TABLE, S_PRUNED, S_PRUNINGS, S_TOKENS = range(8)
COUNT_STATE_SIZE = 8

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_LOW32 = np.int64(0xFFFFFFFF)


@njit(cache=True, inline="always")
def _slot(key, mask):
    return np.int64((np.uint64(key) * _GOLDEN) >> np.uint64(32)) & mask


@njit(cache=True, inline="always")
def pair_key(a, b):
    return (np.int64(a) << 32) | np.int64(b)


@njit(cache=True)
def _insert(keys, counts, key, amount):
    """Add ``amount`` to the count of ``key``; 1 if the key is new, else 0."""
    mask = keys.shape[0] - 1
    i = _slot(key, mask)
    while True:
        k = keys[i]
        if k == key:
            counts[i] += amount
            return 0
        if k == EMPTY:
            keys[i] = key
            counts[i] = amount
            return 1
        i = (i + 1) & mask


@njit(cache=True)
def find_slots(keys, wanted):
    """int64 (n,): the slot of each key of ``wanted`` int64 (n,) in the table, -1 if absent."""
    mask = keys.shape[0] - 1
    out = np.full(wanted.shape[0], -1, np.int64)
    for j in range(wanted.shape[0]):
        key = wanted[j]
        i = _slot(key, mask)
        while keys[i] != EMPTY:
            if keys[i] == key:
                out[j] = i
                break
            i = (i + 1) & mask
    return out


@njit(cache=True)
def _grown(keys, counts, capacity):
    """The entries of a table in a new table of ``capacity`` slots."""
    new_keys = np.full(capacity, EMPTY, np.int64)
    new_counts = np.zeros(capacity, np.int64)
    kept = 0
    for i in range(keys.shape[0]):
        if keys[i] != EMPTY:
            kept += _insert(new_keys, new_counts, keys[i], counts[i])
    return new_keys, new_counts, kept


@njit(cache=True)
def _prune_pairs(keys, counts, min_count):
    """Drop the entries counted fewer than ``min_count`` times, in place (the
    survivors are set aside and inserted again); returns how many are kept."""
    kept = 0
    for i in range(keys.shape[0]):
        if keys[i] != EMPTY and counts[i] >= min_count:
            kept += 1
    kept_keys = np.empty(kept, np.int64)
    kept_counts = np.empty(kept, np.int64)
    j = 0
    for i in range(keys.shape[0]):
        if keys[i] != EMPTY and counts[i] >= min_count:
            kept_keys[j] = keys[i]
            kept_counts[j] = counts[i]
            j += 1
    keys[:] = EMPTY
    counts[:] = 0
    for j in range(kept):
        _insert(keys, counts, kept_keys[j], kept_counts[j])
    return kept


@njit(cache=True)
def count_block(stream, unigrams, keys, counts, state):
    """Count the words and the pairs of adjacent words of a block.

    stream: int32 (n,), ids and -1 line ends; unigrams: int64 (n_words,),
    updated in place; keys, counts: the pair table; state: int64
    (COUNT_STATE_SIZE,). After every line, when more than ``state[S_MAX_TABLE]``
    words and pairs are held, those counted fewer than ``min_reduce`` times
    are dropped and ``min_reduce`` grows by one (gensim's ``max_vocab_size``
    and ``utils.prune_vocab``, starting at 1). Returns (keys, counts), new
    arrays when the table grew.
    """
    prev = state[S_PREV]
    pairs = state[S_PAIRS]
    words = state[S_WORDS]
    tokens = 0
    for j in range(stream.shape[0]):
        t = stream[j]
        if t < 0:
            prev = -1
            if words + pairs > state[S_MAX_TABLE]:
                min_reduce = state[S_MIN_REDUCE]
                for w in range(unigrams.shape[0]):
                    if unigrams[w] > 0 and unigrams[w] < min_reduce:
                        unigrams[w] = 0
                        words -= 1
                        state[S_PRUNED] += 1
                kept = _prune_pairs(keys, counts, min_reduce)
                state[S_PRUNED] += pairs - kept
                pairs = kept
                state[S_MIN_REDUCE] = min_reduce + 1
                state[S_PRUNINGS] += 1
            continue
        tokens += 1
        if unigrams[t] == 0:
            words += 1
        unigrams[t] += 1
        if prev >= 0:
            if 10 * (pairs + 1) > 7 * keys.shape[0]:
                keys, counts, pairs = _grown(keys, counts, 2 * keys.shape[0])
            pairs += _insert(keys, counts, pair_key(prev, t), 1)
        prev = t
    state[S_PREV] = prev
    state[S_PAIRS] = pairs
    state[S_WORDS] = words
    state[S_TOKENS] += tokens
    return keys, counts


@njit(cache=True)
def score_pairs(keys, counts, unigrams, scoring, min_count, threshold, len_vocab, n_tokens):
    """The pairs scoring above ``threshold``, as gensim's Phrases scores them.

    scoring DEFAULT: ``(count(a b) - min_count) / (count(a) * count(b)) * len_vocab``;
    NPMI: ``ln(p(a b) / (p(a) p(b))) / -ln(p(a b))`` with p = count / n_tokens,
    only for pairs counted at least ``min_count`` times. Same float64
    operations in the same order as gensim, so the same scores to the bit.
    Returns phrase keys int64 (n,) sorted, scores float64 (n,), pair counts int64 (n,).
    """
    n = 0
    for i in range(keys.shape[0]):
        score = _pair_score(keys, counts, unigrams, i, scoring, min_count, len_vocab, n_tokens)
        if score > threshold:
            n += 1
    out_keys = np.empty(n, np.int64)
    scores = np.empty(n, np.float64)
    out_counts = np.empty(n, np.int64)
    n = 0
    for i in range(keys.shape[0]):
        score = _pair_score(keys, counts, unigrams, i, scoring, min_count, len_vocab, n_tokens)
        if score > threshold:
            out_keys[n] = keys[i]
            scores[n] = score
            out_counts[n] = counts[i]
            n += 1
    order = np.argsort(out_keys)
    return out_keys[order], scores[order], out_counts[order]


@njit(cache=True, inline="always")
def _pair_score(keys, counts, unigrams, i, scoring, min_count, len_vocab, n_tokens):
    """The score of slot i, -inf for an empty slot or a pair that cannot be a phrase."""
    key = keys[i]
    if key == EMPTY or counts[i] <= 0:
        return -np.inf
    ca = unigrams[key >> 32]
    cb = unigrams[key & _LOW32]
    bc = counts[i]
    if ca <= 0 or cb <= 0:
        return -np.inf
    if scoring == DEFAULT:
        return np.float64(bc - min_count) / np.float64(ca * cb) * np.float64(len_vocab)
    if bc < min_count:
        return -np.inf
    total = np.float64(n_tokens)
    pa = ca / total
    pb = cb / total
    pab = bc / total
    return np.log(pab / (pa * pb)) / -np.log(pab)


@njit(cache=True)
def _find_sorted(sorted_keys, key):
    i = np.searchsorted(sorted_keys, key)
    if i < sorted_keys.shape[0] and sorted_keys[i] == key:
        return i
    return -1


@njit(cache=True)
def join_block(stream, starts_phrase, phrase_keys, phrase_ids, state):
    """Rewrite a block, joining phrases greedily from the left (gensim's
    ``analyze_sentence`` without connector words).

    stream: int32 (n,); starts_phrase: bool (n_words,), True for a word that
    begins some phrase; phrase_keys: int64 (p,) sorted pair keys; phrase_ids:
    int32 (p,) the id of each phrase; state: int64 (1,), the pending word of
    the line (-1: none), carried from the previous block. Returns int32
    (m <= n + 1,), the rewritten block.
    """
    out = np.empty(stream.shape[0] + 1, np.int32)
    m = 0
    start = state[0]
    for j in range(stream.shape[0]):
        t = stream[j]
        if t < 0:
            if start >= 0:
                out[m] = start
                m += 1
            out[m] = t
            m += 1
            start = -1
        elif start < 0:
            start = t
        else:
            p = -1
            if starts_phrase[start]:
                p = _find_sorted(phrase_keys, pair_key(start, t))
            if p >= 0:
                out[m] = phrase_ids[p]
                m += 1
                start = -1
            else:
                out[m] = start
                m += 1
                start = t
    state[0] = start
    return out[:m]


@njit(cache=True)
def text_block(stream, words_buf, word_starts, word_ends, state):
    """UTF-8 text of a block: words separated by a space, a newline per line end.

    words_buf: uint8, word w is ``words_buf[word_starts[w]:word_ends[w]]``;
    state: int64 (1,), 1 when the current line already holds a word.
    Returns uint8 (n_bytes,).
    """
    size = 0
    for j in range(stream.shape[0]):
        t = stream[j]
        size += 1 if t < 0 else word_ends[t] - word_starts[t] + 1
    out = np.empty(size, np.uint8)
    pos = 0
    started = state[0]
    for j in range(stream.shape[0]):
        t = stream[j]
        if t < 0:
            out[pos] = 10
            pos += 1
            started = 0
            continue
        if started:
            out[pos] = 32
            pos += 1
        for i in range(word_starts[t], word_ends[t]):
            out[pos] = words_buf[i]
            pos += 1
        started = 1
    state[0] = started
    return out[:pos]
