"""Thread limits: OpenBLAS' and numba's thread counts change inside the block only."""
import numba
import numpy as np

from textembed._blas import blas_threads, get_blas_threads, thread_limit


def test_thread_limit_sets_and_restores_numba_and_blas_threads():
    before_numba, before_blas = numba.get_num_threads(), get_blas_threads()
    with thread_limit(1):
        assert numba.get_num_threads() == 1
        if before_blas is not None:
            assert get_blas_threads() == 1
        np.ones((64, 64)) @ np.ones((64, 64))
    assert numba.get_num_threads() == before_numba
    assert get_blas_threads() == before_blas
    with thread_limit(None):  # no limit: nothing changes
        assert numba.get_num_threads() == before_numba
    with thread_limit(10 ** 6):  # capped at the threads numba has
        assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS
    assert numba.get_num_threads() == before_numba


def test_blas_threads_restores_after_an_error():
    before = get_blas_threads()
    try:
        with blas_threads(1):
            raise KeyError("inside")
    except KeyError:
        pass
    assert get_blas_threads() == before
