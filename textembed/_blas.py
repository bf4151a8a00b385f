"""The thread count of numpy's OpenBLAS (and numba), changed only inside a context manager.

Small products such as one recurrent step's ``(32, 128) @ (128, 512)`` run
about three times faster on one BLAS thread than on two (the threads'
hand-off costs more than the product), while large ones gain from two.
:func:`blas_threads` sets the count for a block and restores it after.

The library is found the way threadpoolctl finds it: the OpenBLAS shared
object numpy has loaded (``/proc/self/maps`` on Linux, else numpy's bundled
``numpy.libs``), called through ctypes.  Where none is found (MKL,
Accelerate, another OS) the context manager does nothing.
"""
import contextlib
import ctypes
import glob
import os

_SYMBOLS = (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
            ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
            ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
            ("openblas_get_num_threads", "openblas_set_num_threads"))
_functions = None


def _candidate_paths():
    import numpy
    paths = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if "openblas" in os.path.basename(path).lower() and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    libs = os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), "numpy.libs")
    paths.extend(p for p in sorted(glob.glob(os.path.join(libs, "*openblas*"))) if p not in paths)
    return paths


def _load():
    """(get, set) ctypes functions of numpy's OpenBLAS, or None."""
    global _functions
    if _functions is None:
        _functions = ()
        for path in _candidate_paths():
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for get_name, set_name in _SYMBOLS:
                if hasattr(lib, get_name) and hasattr(lib, set_name):
                    getter, setter = getattr(lib, get_name), getattr(lib, set_name)
                    getter.restype = ctypes.c_int
                    getter.argtypes = []
                    setter.restype = None
                    setter.argtypes = [ctypes.c_int]
                    _functions = (getter, setter)
                    break
            if _functions:
                break
    return _functions or None


def get_blas_threads():
    """The current OpenBLAS thread count, or None when it cannot be controlled."""
    functions = _load()
    return functions[0]() if functions else None


@contextlib.contextmanager
def blas_threads(n):
    """Run the block with ``n`` OpenBLAS threads, then restore the previous count."""
    functions = _load()
    if not functions:
        yield
        return
    getter, setter = functions
    previous = getter()
    if previous == n:
        yield
        return
    setter(int(n))
    try:
        yield
    finally:
        setter(previous)


@contextlib.contextmanager
def thread_limit(threads):
    """Limit numba's and OpenBLAS' threads to ``threads`` inside the block (None: no change)."""
    if not threads:
        yield
        return
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        with blas_threads(int(threads)):
            yield
    finally:
        numba.set_num_threads(previous)
