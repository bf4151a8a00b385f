"""Numba kernels: pure ``@njit`` functions, arrays and scalars in, arrays out."""
