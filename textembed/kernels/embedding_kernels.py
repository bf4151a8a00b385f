"""Embedding gradient kernel: scatter-add output gradients into the used rows only."""
import numpy as np
from numba import njit


@njit(cache=True)
def embedding_row_grads(ids, grad, slot_of):
    """Sum the gradient rows of equal ids.

    ids: int64 (n,), each in [0, len(slot_of)); grad: float (n, d);
    slot_of: int64 (input_dim,) scratch, all -1 on entry and on return.
    Returns (rows int64 (m,), row_grads (m, d)) for the m distinct ids, in
    order of first appearance; row_grads[k] = sum of grad[i] with ids[i] == rows[k].
    """
    n = ids.size
    d = grad.shape[1]
    rows = np.empty(n, dtype=np.int64)
    out = np.zeros((n, d), dtype=grad.dtype)
    count = 0
    for i in range(n):
        r = ids[i]
        s = slot_of[r]
        if s < 0:
            s = count
            slot_of[r] = s
            rows[count] = r
            count += 1
        for j in range(d):
            out[s, j] += grad[i, j]
    for k in range(count):
        slot_of[rows[k]] = -1
    return rows[:count].copy(), out[:count].copy()
