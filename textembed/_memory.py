"""Handing freed heap memory back to the operating system."""
import ctypes
import ctypes.util
import functools


@functools.lru_cache(maxsize=1)
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):        # not glibc (macOS, musl, Windows)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory():
    """Return the allocator's free pages to the system, where glibc allows it.

    Encoding a corpus allocates and frees many chunk-sized buffers; glibc
    keeps the freed pages, scattered among live ones, so the resident size
    would stay at its high-water mark, and that mark creeps up with the
    corpus length. Trimming once before training keeps peak memory flat.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
