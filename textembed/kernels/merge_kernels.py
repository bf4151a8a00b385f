"""Kernels of the distributed rounds: finding the rows a stream changed and merging
the streams' changed rows into the common weights.

All on float32 (V, dim) matrices and int32 row numbers in ascending order; one
pass over the data each and no temporaries the size of the matrix (numpy's
versions of these allocate a boolean matrix, a float64 accumulator and sort).
"""
import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def extract_changes(trained, start, rows, values):
    """Write the rows of ``trained`` that differ from ``start`` anywhere, in order, to
    ``rows`` (int32 (V,)) and their values to ``values`` (float32 (V, dim)); returns
    how many there are."""
    k = 0
    for r in range(trained.shape[0]):
        for j in range(trained.shape[1]):
            if trained[r, j] != start[r, j]:
                rows[k] = r
                values[k] = trained[r]
                k += 1
                break
    return k


@njit(cache=True, nogil=True)
def merge_sorted(table, copy, rows, ends, values, power, union):
    """Merge the streams' changes into ``table``, the weights at the round's start, and into
    ``copy`` (same shape). Stream s changed rows ``rows[ends[s]:ends[s+1]]`` (int32,
    ascending; ``ends``: int64 (streams + 1,)) to ``values[s]`` (float32 (its rows,
    dim); ``values``: a tuple or a typed list); streams in order. A row one stream
    changed takes its value; a row several changed, the start plus their changes summed
    in float64 in stream order and divided by their number**power (0: sum, 0.5: sqrt, 1:
    mean). Writes the distinct rows that changed to ``union`` (int32 (V,)); returns how
    many."""
    n = ends.shape[0] - 1
    at = ends[:-1].copy()
    total = np.zeros(table.shape[1], np.float64)
    k = 0
    while True:
        row, times, first = -1, 0, -1
        for s in range(n):  # the smallest row not merged yet, and who changed it
            if at[s] < ends[s + 1]:
                r = rows[at[s]]
                if row < 0 or r < row:
                    row, times, first = r, 1, s
                elif r == row:
                    times += 1
        if row < 0:
            return k
        union[k] = row
        k += 1
        if times == 1:
            source = values[first][at[first] - ends[first]]
            table[row] = source
            copy[row] = source
            at[first] += 1
            continue
        total[:] = 0.0
        start = table[row]
        for s in range(first, n):
            if at[s] < ends[s + 1] and rows[at[s]] == row:
                source = values[s][at[s] - ends[s]]
                for j in range(total.shape[0]):
                    total[j] += np.float64(source[j]) - np.float64(start[j])
                at[s] += 1
        scale = 1.0 / np.float64(times) ** power
        target = copy[row]
        for j in range(total.shape[0]):
            value = np.float32(np.float64(start[j]) + total[j] * scale)
            start[j] = value
            target[j] = value
