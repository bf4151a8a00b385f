"""In-place optimizer updates (Keras 2 formulas), one pass over the touched rows.

Every kernel takes the weight ``w`` as a 2D C-contiguous array ``(n_rows, d)``
(a dense weight is passed as one row: ``w.reshape(1, -1)``), its gradient
``g`` of shape ``(len(rows), d)`` in the same dtype, and ``rows`` (int64):
row ``i`` of ``g`` belongs to row ``rows[i]`` of ``w``. Slot arrays (momenta,
accumulators) have the shape of ``w`` and are updated in place, on the same
rows only.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def sgd_update(w, g, rows, lr):
    for i in range(rows.size):
        r = rows[i]
        for j in range(w.shape[1]):
            w[r, j] -= lr * g[i, j]


@njit(cache=True)
def sgd_momentum_update(w, g, rows, v, lr, momentum, nesterov):
    for i in range(rows.size):
        r = rows[i]
        for j in range(w.shape[1]):
            vel = momentum * v[r, j] - lr * g[i, j]
            v[r, j] = vel
            if nesterov:
                w[r, j] += momentum * vel - lr * g[i, j]
            else:
                w[r, j] += vel


@njit(cache=True)
def rmsprop_update(w, g, rows, a, lr, rho, eps):
    for i in range(rows.size):
        r = rows[i]
        for j in range(w.shape[1]):
            gij = g[i, j]
            acc = rho * a[r, j] + (1.0 - rho) * gij * gij
            a[r, j] = acc
            w[r, j] -= lr * gij / (np.sqrt(acc) + eps)


@njit(cache=True)
def adam_update(w, g, rows, m, v, lr_t, beta_1, beta_2, eps):
    for i in range(rows.size):
        r = rows[i]
        for j in range(w.shape[1]):
            gij = g[i, j]
            mt = beta_1 * m[r, j] + (1.0 - beta_1) * gij
            vt = beta_2 * v[r, j] + (1.0 - beta_2) * gij * gij
            m[r, j] = mt
            v[r, j] = vt
            w[r, j] -= lr_t * mt / (np.sqrt(vt) + eps)


@njit(cache=True)
def adagrad_update(w, g, rows, a, lr, eps):
    for i in range(rows.size):
        r = rows[i]
        for j in range(w.shape[1]):
            gij = g[i, j]
            acc = a[r, j] + gij * gij
            a[r, j] = acc
            w[r, j] -= lr * gij / (np.sqrt(acc) + eps)


@njit(cache=True)
def adadelta_update(w, g, rows, a, d, lr, rho, eps):
    for i in range(rows.size):
        r = rows[i]
        for j in range(w.shape[1]):
            gij = g[i, j]
            acc = rho * a[r, j] + (1.0 - rho) * gij * gij
            a[r, j] = acc
            step = gij * np.sqrt(d[r, j] + eps) / np.sqrt(acc + eps)
            w[r, j] -= lr * step
            d[r, j] = rho * d[r, j] + (1.0 - rho) * step * step
