"""The kernels' random numbers: splitmix64 held in a value or in a state array, one stream."""
import numpy as np
from numba import njit

from textembed.kernels.random_kernels import rng_next, splitmix64


@njit
def _value_stream(seed, n):
    state = np.uint64(seed)
    out = np.empty(n, np.uint64)
    for i in range(n):
        state, out[i] = splitmix64(state)
    return out


def test_splitmix64_published_values():
    # splitmix64's first outputs for seed 0
    np.testing.assert_array_equal(_value_stream(0, 2), np.array([0xE220A8397B1DCDAF,
                                                                 0x6E789E6AA1B965F4], np.uint64))


def test_value_and_array_states_give_one_stream():
    for seed in (0, 1, 12345, 2 ** 63 + 7):
        state = np.array([seed], dtype=np.uint64)
        from_array = np.array([rng_next(state) for _ in range(100)], dtype=np.uint64)
        np.testing.assert_array_equal(from_array, _value_stream(np.uint64(seed), 100))
        # the array holds the state after the last draw: the stream goes on from there
        assert rng_next(state) == _value_stream(np.uint64(seed), 101)[100]


def test_array_state_helpers():
    from textembed.kernels import random_kernels as kernels
    state = np.zeros(1, dtype=np.uint64)
    # splitmix64's published first outputs for seed 0
    assert kernels.rng_next(state) == 0xE220A8397B1DCDAF
    assert kernels.rng_next(state) == 0x6E789E6AA1B965F4
    state[0] = 42
    draws = np.array([kernels.rng_below(state, 6) for _ in range(6000)])
    assert draws.min() == 0 and draws.max() == 5
    assert np.all(np.abs(np.bincount(draws) - 1000) < 150)
    u = np.array([kernels.rng_uniform(state) for _ in range(2000)])
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.05
    values = np.arange(50)
    kernels.shuffle_inplace(values, state)
    assert sorted(values.tolist()) == list(range(50))
    assert values.tolist() != list(range(50))
