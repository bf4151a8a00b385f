"""Linear models on sparse binary features: training by SGD, scoring, counting.

A batch of examples is a CSR matrix of binary features: ``indptr`` int64
(n + 1,) and ``indices`` int32 (nnz,), example i holding the features
``indices[indptr[i]:indptr[i + 1]]`` (each with value 1). A model has a
weight table ``weights`` float32 (n_features, n_classes), a ``bias`` float32
(n_classes,) and a feature scale ``scale`` float32 (n_features, n_classes) or
(n_features, 1) that multiplies the weights (naive-Bayes ratios; ones for
none): the score of class c is ``bias[c] + sum_f scale[f, c] * weights[f, c]``
over the example's features.

Training is plain SGD over shuffled examples with a learning rate falling
linearly to 0 and L2 weight decay applied through one shared factor (so a
step touches only the example's rows). The loss is the softmax cross-entropy
(one label per example) or, with ``multilabel``, the sum over classes of the
logistic loss of each class (labels given as a CSR ``label_indptr``,
``label_indices``). ``sample_weight`` float32 (n,) scales each example's
gradient (class weights).

The kernels release the GIL: models on different data train in parallel
threads.
"""
import numpy as np
from numba import njit

from .random_kernels import rng_below


@njit(cache=True, inline="always")
def _scores(indptr, indices, scale, weights, bias, i, shared, z):
    n_classes = bias.size
    for c in range(n_classes):
        z[c] = 0.0
    if scale.shape[1] > 1:
        for p in range(indptr[i], indptr[i + 1]):
            f = indices[p]
            for c in range(n_classes):
                z[c] += scale[f, c] * weights[f, c]
    else:
        for p in range(indptr[i], indptr[i + 1]):
            f = indices[p]
            s = scale[f, 0]
            for c in range(n_classes):
                z[c] += s * weights[f, c]
    for c in range(n_classes):
        z[c] = bias[c] + shared * z[c]


@njit(cache=True, inline="always")
def _step(indptr, indices, scale, weights, i, step_size, z):
    """weights[f] -= step_size * z * scale[f] for every feature f of example i."""
    n_classes = z.size
    if scale.shape[1] > 1:
        for p in range(indptr[i], indptr[i + 1]):
            f = indices[p]
            for c in range(n_classes):
                weights[f, c] -= step_size * z[c] * scale[f, c]
    else:
        for p in range(indptr[i], indptr[i + 1]):
            f = indices[p]
            s = step_size * scale[f, 0]
            for c in range(n_classes):
                weights[f, c] -= s * z[c]


@njit(cache=True, inline="always")
def _hit(z, i, multilabel, labels, label_indptr, label_indices):
    """1.0 if the scores ``z`` of example i put a true class first (the first of equal
    scores), else 0.0. One logistic column (two classes): whether ``z[0] > 0`` says
    rightly that example i has the class."""
    if multilabel and z.size == 1:
        return 1.0 if (z[0] > 0.0) == (label_indptr[i + 1] > label_indptr[i]) else 0.0
    best = 0
    for c in range(1, z.size):
        if z[c] > z[best]:
            best = c
    if not multilabel:
        return 1.0 if best == labels[i] else 0.0
    for p in range(label_indptr[i], label_indptr[i + 1]):
        if label_indices[p] == best:
            return 1.0
    return 0.0


@njit(cache=True, nogil=True)
def train_sgd(indptr, indices, labels, label_indptr, label_indices, multilabel, scale,
              weights, bias, sample_weight, epochs, learning_rate, l2, rng_state):
    """Train ``weights`` and ``bias`` in place; returns the mean loss of the last epoch.

    labels: int32 (n,) class of each example (single-label); label_indptr,
    label_indices: the classes of each example as CSR (multi-label, else
    empty); rng_state: uint64 (1,) splitmix64 state of the shuffles.
    """
    order = np.arange(indptr.size - 1)
    decay = np.ones(1)
    loss, _ = sgd_epochs(indptr, indices, labels, label_indptr, label_indices, multilabel,
                         scale, weights, bias, sample_weight, epochs, learning_rate, l2,
                         rng_state, order, decay, 0, epochs)
    return loss


@njit(cache=True, nogil=True)
def sgd_epochs(indptr, indices, labels, label_indptr, label_indices, multilabel, scale,
               weights, bias, sample_weight, epochs, learning_rate, l2, rng_state, order,
               decay, first, stop):
    """Epochs ``first`` to ``stop - 1`` of a :func:`train_sgd` run of ``epochs`` epochs;
    returns (mean loss, accuracy) of the last one run, means over its steps (each
    example scored just before its step, as Keras reports training figures);
    accuracy: the top class is a true one (:func:`_hit`).

    The run's state between calls: ``weights``, ``bias``, ``rng_state``, ``order``
    int64 (n,) (the example order, shuffled in place each epoch; np.arange(n) at
    first) and ``decay`` float64 (1,) (the L2 decay not yet folded into the
    weights: the true weights are ``decay[0] * weights``; 1.0 at first). The last
    epoch folds it in. Calling epoch by epoch gives bit for bit the weights of one
    call for all of them (the learning rate falls over the whole run).
    """
    n = indptr.size - 1
    n_classes = bias.size
    z = np.empty(n_classes, np.float64)
    total_steps = max(epochs * n, 1)
    step = first * n
    shared = decay[0]  # the L2 decay of every weight so far: true weight = shared * stored
    loss = hits = 0.0
    for _ in range(first, stop):
        for i in range(n - 1, 0, -1):
            j = rng_below(rng_state, i + 1)
            order[i], order[j] = order[j], order[i]
        loss = hits = 0.0
        for k in range(n):
            i = order[k]
            rate = learning_rate * (1.0 - step / total_steps)
            step += 1
            _scores(indptr, indices, scale, weights, bias, i, shared, z)
            w = sample_weight[i]
            hits += w * _hit(z, i, multilabel, labels, label_indptr, label_indices)
            if multilabel:
                for c in range(n_classes):
                    z[c] = 1.0 / (1.0 + np.exp(-z[c]))
                for p in range(label_indptr[i], label_indptr[i + 1]):
                    z[label_indices[p]] -= 1.0
                for c in range(n_classes):
                    loss -= w * np.log(max(1.0 - abs(z[c]), 1e-12))
            else:
                top = z.max()
                total = 0.0
                for c in range(n_classes):
                    z[c] = np.exp(z[c] - top)
                    total += z[c]
                for c in range(n_classes):
                    z[c] /= total
                loss -= w * np.log(max(z[labels[i]], 1e-12))
                z[labels[i]] -= 1.0
            shared *= 1.0 - rate * l2
            _step(indptr, indices, scale, weights, i, rate * w / shared, z)
            for c in range(n_classes):
                bias[c] -= rate * w * z[c]
            if shared < 1e-4:  # fold the decay into the weights before it underflows
                weights *= np.float32(shared)
                shared = 1.0
        loss /= max(n, 1)
        hits /= max(n, 1)
    if stop >= epochs:
        weights *= np.float32(shared)
        shared = 1.0
    decay[0] = shared
    return loss, hits


@njit(cache=True, nogil=True)
def linear_scores(indptr, indices, scale, weights, bias):
    """float32 (n, n_classes): the score of every class for every example."""
    n = indptr.size - 1
    out = np.empty((n, bias.size), np.float32)
    z = np.empty(bias.size, np.float64)
    for i in range(n):
        _scores(indptr, indices, scale, weights, bias, i, 1.0, z)
        for c in range(bias.size):
            out[i, c] = z[c]
    return out


@njit(cache=True, nogil=True)
def class_feature_counts(indptr, indices, labels, sample_weight, n_features, n_classes):
    """float64 (n_features, n_classes): the weighted number of examples of each
    class holding each feature."""
    counts = np.zeros((n_features, n_classes), np.float64)
    for i in range(indptr.size - 1):
        c = labels[i]
        w = sample_weight[i]
        for p in range(indptr[i], indptr[i + 1]):
            counts[indices[p], c] += w
    return counts
