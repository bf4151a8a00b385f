"""The word2vec trainer's kernels: skip-gram with negative sampling on a token stream.

The training kernel takes a block of the encoded corpus (int32 word ids, -1
ends a line, -2 marks a word left out of the vocabulary) and does everything
for it: subsampling, the shrunk window, negative draws and the updates. It
releases the GIL, so several threads can train different blocks on the same
weights at once, without locks (Hogwild), as word2vec.c and gensim do.

One draw of negatives serves a centre word's whole window (Ji et al. 2016):
every context word in the window predicts the centre word against the same
negatives, so the handful of output rows involved stay in L1 cache, and the
window's updates are computed from the same weights and applied together.
"""
import numpy as np
from numba import njit

from .random_kernels import splitmix64


@njit(cache=True)
def seed_for(seed, epoch, block):
    """A well-mixed generator state for one block of one epoch."""
    state = np.uint64(seed)
    state, a = splitmix64(state ^ (np.uint64(epoch) * np.uint64(0x632BE59BD9B4E019)))
    state, b = splitmix64(a ^ (np.uint64(block) * np.uint64(0x85157AF5)))
    return b


@njit(cache=True)
def known_words(tokens):
    """How many of ``tokens`` (int32, -1 line ends, -2 words out of the vocabulary) are
    vocabulary words."""
    total = 0
    for t in range(tokens.shape[0]):
        if tokens[t] >= 0:
            total += 1
    return total


@njit(cache=True, inline="always")
def read_sentence(tokens, pos, keep, state, sentence):
    """The next sentence: from ``pos`` to the line's end (or until ``sentence`` is
    full), the vocabulary words that subsampling keeps (a 32-bit draw below
    ``keep[w]``) go into ``sentence``. Returns (the next pos, the sentence's
    length, the vocabulary words read, the generator state)."""
    n = tokens.shape[0]
    length = 0
    read = 0
    while pos < n:
        w = tokens[pos]
        pos += 1
        if w == -1:
            break
        if w < 0:
            continue
        read += 1
        state, r = splitmix64(state)
        if np.int64(r >> np.uint64(32)) < keep[w]:
            sentence[length] = w
            length += 1
            if length == sentence.shape[0]:
                break
    return pos, length, read, state


@njit(cache=True)
def alias_table(weights):
    """Vose's alias table for drawing index i with probability weights[i] / sum.

    weights: float64 (n,), non-negative, positive sum.
    Returns (accept float32 (n,), alias int32 (n,)): draw i uniformly, keep it
    if a uniform u < accept[i], else take alias[i].
    """
    n = weights.shape[0]
    scaled = weights * (n / weights.sum())
    accept = np.ones(n, np.float32)
    alias = np.arange(n).astype(np.int32)
    small = np.empty(n, np.int64)
    large = np.empty(n, np.int64)
    n_small = 0
    n_large = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[n_small] = i
            n_small += 1
        else:
            large[n_large] = i
            n_large += 1
    while n_small > 0 and n_large > 0:
        n_small -= 1
        s = small[n_small]
        g = large[n_large - 1]
        accept[s] = scaled[s]
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            n_large -= 1
            small[n_small] = g
            n_small += 1
    return accept, alias


@njit(cache=True, inline="always")
def _draw(state, accept, alias):
    state, r = splitmix64(state)
    n = accept.shape[0]
    # Lemire's multiply-shift maps 32 random bits to [0, n) without a division
    i = np.int64(((r >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))
    u = np.float32(r & np.uint64(0xFFFFFFFF)) * np.float32(2.3283064e-10)
    if u < accept[i]:
        return state, i
    return state, np.int64(alias[i])


@njit(cache=True, inline="always")
def shrunk_window(r, window):
    """The window of one centre word: uniform in [1, window] from random bits r."""
    return window - np.int64(((r >> np.uint64(32)) * np.uint64(window)) >> np.uint64(32))


@njit(cache=True, inline="always")
def _log_sigmoid(x):
    # log(1 / (1 + exp(-x))), stable for large |x|
    if x > 0:
        return -np.log1p(np.exp(-x))
    return x - np.log1p(np.exp(x))


# Reassociation lets the dot products vectorize; NaN/inf semantics and exact
# exp/log are kept (no 'nnan', 'ninf', 'afn').
@njit(nogil=True, cache=True, fastmath={'reassoc', 'contract', 'nsz', 'arcp'})
def train_block(tokens, syn0, syn1, keep, accept, alias, window, negative,
                alpha_start, alpha_end, seed, epoch, block, max_sentence):
    """Train skip-gram with negative sampling on one block of the corpus.

    tokens: int32 (n,), word ids; -1 ends a line, -2 is a word not in the
      vocabulary (skipped, not counted).
    syn0, syn1: float32 (V, D), input and output vectors, updated in place.
    keep: int64 (V,), a word is kept when a 32-bit random number is below it
      (frequent-word subsampling; 2**32 keeps always).
    accept, alias: the alias table of the negative distribution.
    window: int >= 1, negative: int >= 0, alpha_*: learning rate at the
      block's first and last word (linear in between), seed, epoch, block:
      what the random numbers derive from (see ``seed_for``), max_sentence: longer lines are split (never truncated).
    Returns (words, loss_sum, loss_pairs): in-vocabulary words read, and the
    negative log-likelihood (positive pair plus its negatives) summed over the
    pairs whose loss was sampled: the first context word of each window.
    """
    n = tokens.shape[0]
    dim = syn0.shape[1]
    state = seed_for(seed, epoch, block)
    sentence = np.empty(max_sentence, np.int32)
    contexts = np.empty(2 * window, np.int64)
    targets = np.empty(negative + 1, np.int64)
    grad_in = np.empty((2 * window, dim), np.float32)
    grad_out = np.empty((negative + 1, dim), np.float32)
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
            k = 0
            for j in range(max(0, i - reach), min(length, i + reach + 1)):
                if j != i:
                    contexts[k] = sentence[j]
                    k += 1
            if k == 0:
                continue
            targets[0] = center
            n_targets = 1
            for _ in range(negative):
                state, drawn = _draw(state, accept, alias)
                if drawn != center:
                    targets[n_targets] = drawn
                    n_targets += 1
            # Loops over the dimension, written out on 2-D indices, so that
            # LLVM vectorizes each of them (no views, no calls). The first
            # context and the first target assign the gradient buffers
            # instead of clearing them first.
            for c in range(k):
                row = contexts[c]
                for a in range(n_targets):
                    target = targets[a]
                    f = np.float32(0.0)
                    for d in range(dim):
                        f += syn0[row, d] * syn1[target, d]
                    label = np.float32(1.0) if a == 0 else np.float32(0.0)
                    g = (label - np.float32(1.0) / (np.float32(1.0) + np.exp(-f))) * alpha
                    if a == 0:
                        for d in range(dim):
                            grad_in[c, d] = g * syn1[target, d]
                    else:
                        for d in range(dim):
                            grad_in[c, d] += g * syn1[target, d]
                    if c == 0:
                        for d in range(dim):
                            grad_out[a, d] = g * syn0[row, d]
                        loss_sum -= _log_sigmoid(f) if a == 0 else _log_sigmoid(-f)
                    else:
                        for d in range(dim):
                            grad_out[a, d] += g * syn0[row, d]
            loss_pairs += 1
            for c in range(k):
                row = contexts[c]
                for d in range(dim):
                    syn0[row, d] += grad_in[c, d]
            for a in range(n_targets):
                target = targets[a]
                for d in range(dim):
                    syn1[target, d] += grad_out[a, d]
    return words, loss_sum, loss_pairs
