"""Kernels of the distributed rounds: finding the rows a stream changed and merging
the streams' changed rows into the common weights.

All on float32 (V, dim) matrices and int32 row numbers; one pass over the data
each, no temporaries the size of the matrix (numpy's versions of these allocate
a boolean matrix, a float64 accumulator and sort the rows).
"""
import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def changed_rows(trained, start):
    """int32 (k,): the rows of ``trained`` that differ from ``start`` anywhere, in order."""
    rows = np.empty(trained.shape[0], np.int32)
    k = 0
    for r in range(trained.shape[0]):
        for j in range(trained.shape[1]):
            if trained[r, j] != start[r, j]:
                rows[k] = r
                k += 1
                break
    return rows[:k].copy()


@njit(cache=True, nogil=True)
def take_rows(table, rows):
    """float32 (len(rows), dim): the rows ``rows`` of ``table``."""
    out = np.empty((rows.shape[0], table.shape[1]), np.float32)
    for i in range(rows.shape[0]):
        out[i] = table[rows[i]]
    return out


@njit(cache=True, nogil=True)
def count_rows(times, rows):
    """Add one to ``times[r]`` for each row r of ``rows`` (rows listed once each)."""
    for i in range(rows.shape[0]):
        times[rows[i]] += 1


@njit(cache=True, nogil=True)
def add_changes(table, total, times, rows, values):
    """Add a stream's changes ``values - table[rows]`` to ``total`` (float64 (V, dim),
    zero where first touched) for the rows that several streams changed."""
    for i in range(rows.shape[0]):
        r = rows[i]
        if times[r] > 1:
            for j in range(table.shape[1]):
                total[r, j] += np.float64(values[i, j]) - np.float64(table[r, j])


@njit(cache=True, nogil=True)
def set_alone(table, copy, times, rows, values):
    """Rows only this stream changed take its values as they are, in ``table`` and
    in ``copy`` (the same shape; pass ``table`` twice for none)."""
    for i in range(rows.shape[0]):
        if times[rows[i]] == 1:
            table[rows[i]] = values[i]
            copy[rows[i]] = values[i]


@njit(cache=True, nogil=True)
def apply_total(table, copy, total, times, rows, power):
    """For each row of ``rows`` that several streams changed, the start plus their
    summed changes divided by times**power (0: sum, 0.5: sqrt, 1: mean), in
    ``table`` and ``copy``; zeroes ``total`` there again."""
    for r in rows:
        n = times[r]
        if n > 1:
            scale = 1.0 / np.float64(n) ** power
            for j in range(table.shape[1]):
                value = np.float32(np.float64(table[r, j]) + total[r, j] * scale)
                table[r, j] = value
                copy[r, j] = value
                total[r, j] = 0.0
