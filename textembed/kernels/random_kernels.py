"""Random numbers for the kernels: splitmix64 (Steele, Lea & Flood 2014; the
seeding generator of xoshiro), one stream of 64-bit values per seed.

The generator's whole state is one ``uint64``, held in one of two ways:

* a value the kernel keeps in a local variable, ``state, bits =
  splitmix64(state)`` (inlined, so a hot loop keeps the state in a register:
  the word2vec trainer, :mod:`.word2vec_kernels`);
* a 1-element ``uint64`` array the caller owns and passes in, advanced in
  place by :func:`rng_next`, :func:`rng_uniform`, :func:`rng_below` and
  :func:`shuffle_inplace`, so the caller can continue the stream or reseed it
  (Keras' ``skipgrams``, :mod:`.sequence_kernels`).

Both give the same values from the same state.  All arithmetic stays in
uint64: mixing uint64 with int64 in numba promotes to float64, so every
constant is an ``np.uint64``.

numba's on-disk cache of a kernel in another module that calls these
functions is not invalidated when this file changes: after editing it,
delete the ``__pycache__`` folder beside the kernels.
"""
import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always")
def mix64(z):
    """splitmix64's output function: 64 well-mixed bits (uint64) of the uint64 ``z``.

    Also a good finalizer for hashes (every input bit flips about half the
    output bits).
    """
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def splitmix64(state):
    """The next (state, 64 random bits), both uint64, of the generator at ``state``."""
    state = state + _GOLDEN
    return state, mix64(state)


@njit(cache=True)
def rng_next(state):
    """Advance ``state`` (uint64[1]) and return 64 random bits (uint64)."""
    next_state, bits = splitmix64(state[0])
    state[0] = next_state
    return bits


@njit(cache=True)
def rng_uniform(state):
    """A float64 drawn uniformly from [0, 1) with 53 random bits."""
    top53 = rng_next(state) >> np.uint64(11)
    return np.float64(top53) * (1.0 / 9007199254740992.0)  # / 2**53


@njit(cache=True)
def rng_below(state, n):
    """An int64 drawn uniformly from [0, n), ``n >= 1``, without modulo bias.

    Rejects the lowest ``2**64 mod n`` raw values so that every residue is
    equally likely (the rejection rate is below ``n / 2**64``).
    """
    bound = np.uint64(n)
    threshold = (np.uint64(0) - bound) % bound
    x = rng_next(state)
    while x < threshold:
        x = rng_next(state)
    return np.int64(x % bound)


@njit(cache=True)
def shuffle_inplace(values, state):
    """Fisher-Yates shuffle of the 1-D array ``values`` in place."""
    for i in range(values.shape[0] - 1, 0, -1):
        j = rng_below(state, i + 1)
        tmp = values[i]
        values[i] = values[j]
        values[j] = tmp
