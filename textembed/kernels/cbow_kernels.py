"""The CBOW trainer's kernel: continuous bag of words with negative sampling.

Same stream, subsampling, shrunk window and negative table as skip-gram's
kernel (:mod:`.word2vec_kernels`), but the mean of a centre word's context
vectors predicts the centre word (word2vec.c's CBOW, gensim's ``cbow_mean=1``):
for the mean h = mean(syn0[context]) and each target t (the centre word,
label 1, and ``negative`` draws, label 0), g = (label - sigmoid(h . syn1[t]))
* alpha, syn1[t] += g h, and every context row gets the whole sum of
g syn1[t] (as word2vec.c and gensim do: not divided by the context size).
"""
import numpy as np
from numba import njit

from .random_kernels import splitmix64
from .word2vec_kernels import _draw, seed_for, shrunk_window

# The loss is computed for one centre word in LOSS_EVERY (the first, then every
# LOSS_EVERY-th that has a context): it costs a log per target, a quarter of the
# kernel's time if computed for every centre word.
LOSS_EVERY = 8


@njit(nogil=True, cache=True, fastmath={'reassoc', 'contract', 'nsz', 'arcp'})
def cbow_update(syn0, syn1, contexts, n_contexts, targets, n_targets, alpha, mean, grad,
                with_loss):
    """One CBOW update, in place; returns the loss (targets[0] is the positive)
    when ``with_loss``, else 0.

    syn0, syn1: float32 (V, D); contexts: int64 (>= n_contexts,) rows of syn0;
    targets: int64 (>= n_targets,) rows of syn1, the centre word first;
    alpha: float32; mean, grad: float32 (D,) scratch.
    The output rows are updated one after the other (a negative drawn twice
    sees its first update), then every context row gets the summed gradient.
    """
    dim = syn0.shape[1]
    for d in range(dim):
        mean[d] = syn0[contexts[0], d]
    for c in range(1, n_contexts):
        row = contexts[c]
        for d in range(dim):
            mean[d] += syn0[row, d]
    scale = np.float32(1.0) / np.float32(n_contexts)
    for d in range(dim):
        mean[d] *= scale
        grad[d] = np.float32(0.0)
    loss = 0.0
    for a in range(n_targets):
        target = targets[a]
        f = np.float32(0.0)
        for d in range(dim):
            f += mean[d] * syn1[target, d]
        label = np.float32(1.0) if a == 0 else np.float32(0.0)
        e = np.exp(-f)
        g = (label - np.float32(1.0) / (np.float32(1.0) + e)) * alpha
        if with_loss:
            # -log sigmoid(f) = log1p(exp(-f)), -log sigmoid(-f) = that + f
            part = np.float64(np.log1p(e)) if e < np.float32(1e30) else -np.float64(f)
            loss += part if a == 0 else part + f
        for d in range(dim):
            grad[d] += g * syn1[target, d]
        for d in range(dim):
            syn1[target, d] += g * mean[d]
    for c in range(n_contexts):
        row = contexts[c]
        for d in range(dim):
            syn0[row, d] += grad[d]
    return loss


@njit(nogil=True, cache=True)
def train_block_cbow(tokens, syn0, syn1, keep, accept, alias, window, negative,
                     alpha_start, alpha_end, seed, epoch, block, max_sentence):
    """Train CBOW with negative sampling on one block of the corpus.

    Arguments and random numbers as :func:`.word2vec_kernels.train_block`
    (tokens int32 (n,), -1 ends a line, -2 a word out of the vocabulary;
    syn0, syn1 float32 (V, D) updated in place; keep int64 (V,); the alias
    table of the negatives).
    Returns (words, loss_sum, loss_pairs): in-vocabulary words read, the
    negative log-likelihood (centre word plus its negatives) summed over the
    centre words whose loss was sampled (one in LOSS_EVERY of those with a
    context, the first included), and their number.
    """
    n = tokens.shape[0]
    dim = syn0.shape[1]
    state = seed_for(seed, epoch, block)
    sentence = np.empty(max_sentence, np.int32)
    contexts = np.empty(2 * window, np.int64)
    targets = np.empty(negative + 1, np.int64)
    mean = np.empty(dim, np.float32)
    grad = np.empty(dim, np.float32)
    total = 0
    for t in range(n):
        if tokens[t] >= 0:
            total += 1
    words = 0
    loss_sum = 0.0
    loss_pairs = 0
    centres = 0
    pos = 0
    while pos < n:
        length = 0
        while pos < n:
            w = tokens[pos]
            pos += 1
            if w == -1:
                break
            if w < 0:
                continue
            words += 1
            state, r = splitmix64(state)
            if np.int64(r >> np.uint64(32)) < keep[w]:
                sentence[length] = w
                length += 1
                if length == max_sentence:
                    break
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
            with_loss = centres % LOSS_EVERY == 0
            centres += 1
            loss_sum += cbow_update(syn0, syn1, contexts, k, targets, n_targets, alpha,
                                    mean, grad, with_loss)
            loss_pairs += with_loss
    return words, loss_sum, loss_pairs
