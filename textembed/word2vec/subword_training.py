"""The subword skip-gram's training step and start weights, for the epoch loop of :mod:`.training`.

The input matrix holds the V word rows, then ``bucket`` n-gram rows; each
vocabulary word's rows (its own, then its n-grams') are computed once, as CSR
int32 arrays, before training. The step runs
:func:`textembed.kernels.subword_kernels.train_subword_block`.
"""
import numpy as np

from .subwords import SubwordScheme


def subword_setup(vocab, dim, seed, minn, maxn, bucket):
    """(scheme, row_offsets int64 (V + 1,), rows int32, syn0 float32 (V + bucket, D),
    syn1 float32 (V, D)): fastText's start, input rows uniform in [-1/D, 1/D),
    output rows zero."""
    from ..kernels.subword_kernels import uniform_fill

    scheme = SubwordScheme(minn, maxn, bucket, len(vocab))
    row_offsets, rows = scheme.rows(vocab.words, np.arange(len(vocab)))
    syn0 = np.empty((len(vocab) + bucket, dim), np.float32)
    uniform_fill(syn0, -1.0 / dim, 1.0 / dim, np.uint64(seed))
    syn1 = np.zeros((len(vocab), dim), np.float32)
    return scheme, row_offsets, rows, syn0, syn1


def subword_step(syn0, syn1, row_offsets, rows, vocab, window, negative, sample, seed,
                 max_sentence):
    """``step(job, alpha_start, alpha_end, epoch, index) -> (words, loss sum, pairs)``
    training syn0 and syn1 in place."""
    from ..kernels.subword_kernels import train_subword_block

    keep = vocab.keep_thresholds(sample)
    accept, alias = vocab.negative_table()

    def step(job, alpha_start, alpha_end, epoch, index):
        return train_subword_block(job, syn0, syn1, row_offsets, rows, keep, accept, alias,
                                   window, negative, alpha_start, alpha_end, seed, epoch,
                                   index, max_sentence)
    return step
