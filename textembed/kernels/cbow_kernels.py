"""The CBOW trainer's kernels: continuous bag of words with negative sampling.

Same stream, subsampling, shrunk window and negative table as skip-gram's
kernel (:mod:`.word2vec_kernels`), but the mean of a centre word's context
vectors predicts the centre word (word2vec.c's CBOW, gensim's ``cbow_mean=1``):
for the mean h = mean(syn0[context]) and each target t (the centre word,
label 1, and ``negative`` draws, label 0), g = (label - sigmoid(h . syn1[t]))
* alpha, syn1[t] += g h, and every context row gets the whole sum of
g syn1[t] (as word2vec.c and gensim do: not divided by the context size).

Each update touches a dozen rows scattered over matrices larger than the
caches; a centre word's draws (window and negatives) are therefore made one
centre ahead, and its rows prefetched while the previous centre updates
(8% more words/s on the benchmark corpus). The random numbers come in the
same order as without.
"""
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from .random_kernels import splitmix64
from .word2vec_kernels import _draw, known_words, read_sentence, seed_for, shrunk_window

# The loss is computed for one centre word in LOSS_EVERY (the first, then every
# LOSS_EVERY-th that has a context): it costs a log per target, a quarter of the
# kernel's time if computed for every centre word.
LOSS_EVERY = 8


@intrinsic
def prefetch_row(typingctx, matrix, row):
    """Ask the CPU to bring the cache lines of ``matrix[row, :]`` (float32, C order)
    towards L1 (``llvm.prefetch``, write intent); no effect on the values."""
    if not isinstance(matrix, types.Array) or matrix.ndim != 2 or matrix.layout != "C":
        return None
    sig = types.void(matrix, row)

    def codegen(context, builder, signature, args):
        matrix_type = signature.args[0]
        array = context.make_array(matrix_type)(context, builder, args[0])
        index = context.cast(builder, args[1], signature.args[1], types.intp)
        shape = cgutils.unpack_tuple(builder, array.shape)
        strides = cgutils.unpack_tuple(builder, array.strides)
        zero = context.get_constant(types.intp, 0)
        start = cgutils.get_item_pointer2(context, builder, data=array.data, shape=shape,
                                          strides=strides, layout=matrix_type.layout,
                                          inds=[index, zero], wraparound=False)
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
            "llvm.prefetch.p0")
        base = builder.bitcast(start, byte_pointer)
        row_bytes = builder.mul(shape[1], context.get_constant(
            types.intp, context.get_abi_sizeof(context.get_data_type(matrix_type.dtype))))
        line = context.get_constant(types.intp, 64)
        with cgutils.for_range_slice(builder, zero, row_bytes, line) as (offset, _):
            builder.call(prefetch, [builder.gep(base, [offset]), i32(1), i32(3), i32(1)])
        return context.get_dummy_value()
    return sig, codegen


SATURATED = np.float32(6.0)  # gensim's MAX_EXP


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
        if f <= -SATURATED or f >= SATURATED:
            continue  # as gensim's CBOW: a saturated pair moves nothing
        for d in range(dim):
            out = syn1[target, d]
            grad[d] += g * out
            syn1[target, d] = out + g * mean[d]
    for c in range(n_contexts):
        row = contexts[c]
        for d in range(dim):
            syn0[row, d] += grad[d]
    return loss


@njit(nogil=True, cache=True)
def _draws(sentence, length, i, window, negative, accept, alias, state, contexts, targets,
           syn0, syn1):
    """Centre ``i``'s shrunk window and negatives, its rows prefetched.

    Fills contexts (int64, the words in the window) and targets (int64, the
    centre word then the negatives not equal to it); returns (state, number of
    contexts, number of targets), 0 targets when the window is empty.
    """
    center = sentence[i]
    state, r = splitmix64(state)
    reach = shrunk_window(r, window)
    k = 0
    for j in range(max(0, i - reach), min(length, i + reach + 1)):
        if j != i:
            contexts[k] = sentence[j]
            k += 1
    if k == 0:
        return state, 0, 0
    targets[0] = center
    n_targets = 1
    for _ in range(negative):
        state, drawn = _draw(state, accept, alias)
        if drawn != center:
            targets[n_targets] = drawn
            n_targets += 1
    for a in range(n_targets):
        prefetch_row(syn1, targets[a])
    for c in range(k):
        prefetch_row(syn0, contexts[c])
    return state, k, n_targets


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
    contexts = np.empty((2, 2 * window), np.int64)  # this centre's and the next one's
    targets = np.empty((2, negative + 1), np.int64)
    mean = np.empty(dim, np.float32)
    grad = np.empty(dim, np.float32)
    total = known_words(tokens)
    words = 0
    loss_sum = 0.0
    loss_pairs = 0
    centres = 0
    pos = 0
    while pos < n:
        pos, length, read, state = read_sentence(tokens, pos, keep, state, sentence)
        words += read
        if length < 2:
            continue
        progress = words / max(total, 1)
        alpha = np.float32(alpha_start + (alpha_end - alpha_start) * progress)
        state, k, n_targets = _draws(sentence, length, 0, window, negative, accept, alias,
                                     state, contexts[0], targets[0], syn0, syn1)
        for i in range(length):
            now = i & 1
            k_next = n_next = 0
            if i + 1 < length:
                state, k_next, n_next = _draws(sentence, length, i + 1, window, negative,
                                               accept, alias, state, contexts[1 - now],
                                               targets[1 - now], syn0, syn1)
            if k > 0:
                with_loss = centres % LOSS_EVERY == 0
                centres += 1
                loss_sum += cbow_update(syn0, syn1, contexts[now], k, targets[now], n_targets,
                                        alpha, mean, grad, with_loss)
                loss_pairs += with_loss
            k, n_targets = k_next, n_next
    return words, loss_sum, loss_pairs
