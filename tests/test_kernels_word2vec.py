"""textembed.kernels.word2vec_kernels: the alias table, the shrunk window,
one update against a finite difference, and long lines cut into sentences."""
import numpy as np
import pytest
from numba import njit

from textembed.kernels import word2vec_kernels

from word2vectest import alias_distribution


def test_alias_table_is_exact():
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 1000):
        weights = rng.random(n) ** 4 + (rng.random(n) < 0.1) * 50
        accept, alias = word2vec_kernels.alias_table(weights)
        np.testing.assert_allclose(alias_distribution(accept, alias), weights / weights.sum(),
                                   atol=1e-6)


@njit
def _windows(n, window):
    state = np.uint64(12345)
    out = np.empty(n, np.int64)
    for i in range(n):
        state, r = word2vec_kernels.splitmix64(state)
        out[i] = word2vec_kernels.shrunk_window(r, window)
    return out


def test_shrunk_window_is_uniform():
    window = 5
    seen = np.bincount(_windows(50000, window), minlength=window + 2)
    assert seen[0] == 0 and seen[window + 1:].sum() == 0
    freq = seen[1:window + 1] / seen.sum()
    np.testing.assert_allclose(freq, 1 / window, atol=0.01)


# -- one update against a finite difference ------------------------------------

def _pair_loss(u, v_pos, v_neg):
    """Negative log-likelihood of one (context u, centre v_pos) pair and one negative."""
    def log_sigmoid(x):
        return -np.log1p(np.exp(-x))
    return -(log_sigmoid(u @ v_pos) + log_sigmoid(-(u @ v_neg)))


def test_one_update_matches_finite_difference_gradient():
    rng = np.random.default_rng(1)
    dim = 6
    syn0 = rng.normal(0, 0.5, (3, dim)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (3, dim)).astype(np.float32)
    before0, before1 = syn0.copy(), syn1.copy()
    keep = np.full(3, 2 ** 32, np.int64)
    # the negative is always word 2: accept nothing but word 2, alias to it
    accept = np.array([0, 0, 1], np.float32)
    alias = np.array([2, 2, 2], np.int32)
    alpha = 0.01
    tokens = np.array([0, 1, -1], np.int32)  # one line: word 0 then word 1
    words, loss_sum, loss_pairs = word2vec_kernels.train_block(tokens, syn0, syn1, keep, accept, alias,
                                                1, 1, alpha, alpha, 0, 0, 0, 100)
    assert words == 2 and loss_pairs == 2
    # centre 0, context 1: the first step, computed from the initial weights
    u, v_pos, v_neg = (before0[1].astype(np.float64), before1[0].astype(np.float64),
                       before1[2].astype(np.float64))
    eps = 1e-6
    grad_u = np.array([(_pair_loss(u + eps * e, v_pos, v_neg) - _pair_loss(u - eps * e, v_pos, v_neg))
                       / (2 * eps) for e in np.eye(dim)])
    grad_v = np.array([(_pair_loss(u, v_pos + eps * e, v_neg) - _pair_loss(u, v_pos - eps * e, v_neg))
                       / (2 * eps) for e in np.eye(dim)])
    # the kernel steps against the gradient of the loss
    np.testing.assert_allclose(syn0[1] - before0[1], -alpha * grad_u, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(syn1[0] - before1[0], -alpha * grad_v, rtol=1e-4, atol=1e-7)
    # the second pair (context 0, centre 1) sees the negative row after the
    # first step; with a small learning rate the initial weights are close
    second = _pair_loss(before0[0].astype(np.float64), before1[1].astype(np.float64), v_neg)
    assert loss_sum == pytest.approx(_pair_loss(u, v_pos, v_neg) + second, rel=1e-2)


def test_long_lines_are_split_not_truncated():
    dim = 4
    syn0 = np.zeros((2, dim), np.float32)
    syn1 = np.zeros((2, dim), np.float32)
    keep = np.full(2, 2 ** 32, np.int64)
    accept, alias = word2vec_kernels.alias_table(np.ones(2))
    tokens = np.array([0, 1] * 12_345 + [-1], np.int32)
    words, _, pairs = word2vec_kernels.train_block(tokens, syn0, syn1, keep, accept, alias,
                                    2, 1, 0.01, 0.01, 0, 0, 0, 1000)
    assert words == 24_690
    assert pairs == 24_690  # every word was a centre: nothing was cut off
