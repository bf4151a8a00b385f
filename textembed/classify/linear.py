"""Linear classifiers on sparse binary features (:class:`~.ngrams.SparseRows`).

* :class:`NaiveBayes`: multinomial naive Bayes on binarized features
  (Wang & Manning 2012's MNB): closed form, one pass over the data.
* :class:`LogisticRegression`: softmax (or, for multi-label data, one
  logistic loss per class) trained by SGD (:mod:`textembed.kernels.linear_kernels`),
  optionally on naive-Bayes-scaled features (the NB-LR of Wang & Manning:
  each feature is multiplied by its log-count ratio, so the features that
  tell the classes apart are penalised less and learn faster).

Both give scores (``decision_function``): float32 (n, n_classes) logits.
Features that an estimator's training data never showed get no weight, so
an estimator fitted on part of the data scores the rest as it will score
new texts.
"""
import sys

import numpy as np

FEW_ROWS = 64  # scored with numpy

def _ones(n):
    return np.ones(n, np.float32)


def scores(rows, scale, weights, bias):
    """float32 (n, C) class scores of ``rows`` (see :mod:`textembed.kernels.linear_kernels`);
    a few rows are scored with numpy, unless numba's kernels are loaded already."""
    if len(rows) <= FEW_ROWS and "textembed.kernels.linear_kernels" not in sys.modules:
        values = weights[rows.indices].astype(np.float64) * scale[rows.indices]
        total = np.zeros((values.shape[0] + 1, weights.shape[1]))
        np.cumsum(values, axis=0, out=total[1:])
        return (total[rows.indptr[1:]] - total[rows.indptr[:-1]] + bias).astype(np.float32)
    from ..kernels.linear_kernels import linear_scores
    return linear_scores(rows.indptr, rows.indices, scale, weights, bias)


def _class_feature_counts(*args):
    from ..kernels.linear_kernels import class_feature_counts
    return class_feature_counts(*args)


class NaiveBayes:
    """Multinomial naive Bayes with additive smoothing ``alpha``.

    ``fit_prior=False`` gives every class the same prior (for balanced class
    weights). After fit: ``log_prob`` float32 (n_features, n_classes),
    ``log_prior`` float32 (n_classes,).
    """

    def __init__(self, alpha=1.0, fit_prior=True):
        self.alpha = float(alpha)
        self.fit_prior = fit_prior
        self.log_prob = None
        self.log_prior = None

    def fit(self, rows, labels, n_features, n_classes, sample_weight=None):
        weight = _ones(len(rows)) if sample_weight is None else sample_weight
        counts = _class_feature_counts(rows.indptr, rows.indices, labels, weight, n_features,
                                      n_classes)
        seen = counts.sum(axis=1) > 0
        smoothed = counts + self.alpha
        smoothed[~seen] = 0.0
        totals = smoothed.sum(axis=0)
        log_prob = np.zeros_like(smoothed)
        log_prob[seen] = np.log(smoothed[seen] / np.maximum(totals, 1e-12))
        # a feature's log-probabilities are only compared between classes: center them
        log_prob[seen] -= log_prob[seen].mean(axis=1, keepdims=True)
        self.log_prob = log_prob.astype(np.float32)
        if self.fit_prior:
            class_weight = np.bincount(labels, weights=weight, minlength=n_classes)
            self.log_prior = np.log(np.maximum(class_weight, 1e-12) /
                                    max(class_weight.sum(), 1e-12)).astype(np.float32)
        else:
            self.log_prior = np.zeros(n_classes, np.float32)
        return self

    def decision_function(self, rows):
        ones = np.ones((self.log_prob.shape[0], 1), np.float32)
        return scores(rows, ones, self.log_prob, self.log_prior)

    def state(self):
        """The arrays to save. Each feature's log-probabilities are centred, so of two
        classes one column is the other negated: only the second is kept."""
        if self.log_prob.shape[1] == 2:
            return {"log_ratio": self.log_prob[:, 1:], "log_prior": self.log_prior}
        return {"log_prob": self.log_prob, "log_prior": self.log_prior}

    def set_state(self, state):
        if "log_ratio" in state:
            ratio = np.asarray(state["log_ratio"], np.float32)
            self.log_prob = np.ascontiguousarray(np.concatenate([-ratio, ratio], axis=1))
        else:
            self.log_prob = np.asarray(state["log_prob"], np.float32)
        self.log_prior = np.asarray(state["log_prior"], np.float32)
        return self


def nb_ratios(rows, labels, n_features, n_classes, alpha=1.0, sample_weight=None):
    """float32 (n_features, n_classes) naive-Bayes log-count ratios, one class against
    the rest: log((p_c / |p_c|) / (q_c / |q_c|)) with p_c the (smoothed) counts of the
    examples of class c holding each feature and q_c those of the others. Features
    unseen in ``rows`` get 0."""
    weight = _ones(len(rows)) if sample_weight is None else sample_weight
    counts = _class_feature_counts(rows.indptr, rows.indices, labels, weight, n_features,
                                  n_classes)
    seen = counts.sum(axis=1) > 0
    p = counts + alpha
    q = counts.sum(axis=1, keepdims=True) - counts + alpha
    ratios = np.log(p / p[seen].sum(axis=0)) - np.log(q / q[seen].sum(axis=0))
    ratios[~seen] = 0.0
    return ratios.astype(np.float32)


class LogisticRegression:
    """Softmax regression (logistic loss per class with ``multilabel``) by SGD.

    epochs, learning_rate (falling linearly to 0), l2 (weight decay per
    step, times the learning rate), nb_scale (multiply features by their
    naive-Bayes ratios; single-label only), seed.
    After fit: ``weights`` float32 (n_features, n_classes), ``bias``,
    ``scale`` float32 (n_features, n_classes or 1), ``loss`` (last epoch),
    ``history`` (per-epoch figures of the ``watch`` sets, or None).
    """

    def __init__(self, epochs=10, learning_rate=0.05, l2=1e-4, nb_scale=True, multilabel=False,
                 seed=0):
        self.epochs = int(epochs)
        self.learning_rate = float(learning_rate)
        self.l2 = float(l2)
        self.nb_scale = bool(nb_scale)
        self.multilabel = bool(multilabel)
        self.seed = int(seed)
        self.weights = self.bias = self.scale = None
        self.binary = False
        self.loss = None
        self.history = None

    def fit(self, rows, labels, n_features, n_classes, sample_weight=None, label_rows=None,
            watch=None):
        """labels: int32 (n,) (single-label) or None with ``label_rows`` (SparseRows of
        each example's classes, multi-label).

        watch: None, or {prefix: (rows, truth)} scored after every epoch (truth:
        int (m,) classes, or bool (m, C) targets for multi-label data); then
        ``history`` maps "loss" and "accuracy" (the means over each epoch's steps,
        as Keras reports them), and ``prefix + "loss"`` and ``prefix + "accuracy"``
        to one float per epoch ("p@1" instead of "accuracy" for multi-label data).
        The weights are the same with or without it.
        """
        weight = _ones(len(rows)) if sample_weight is None else sample_weight
        # two classes: one logistic model of class 1 (scores [-z/2, z/2])
        self.binary = not self.multilabel and n_classes == 2
        if self.binary:
            positive = np.flatnonzero(np.asarray(labels) == 1)
            label_indptr = np.zeros(len(rows) + 1, np.int64)
            label_indptr[positive + 1] = 1
            np.cumsum(label_indptr, out=label_indptr)
            label_indices = np.zeros(positive.size, np.int32)
        elif self.multilabel:
            label_indptr, label_indices = label_rows.indptr, label_rows.indices
        else:
            label_indptr, label_indices = np.zeros(1, np.int64), np.zeros(0, np.int32)
        if labels is None:
            labels = np.zeros(len(rows), np.int32)
        if self.nb_scale and not self.multilabel:
            scale = nb_ratios(rows, labels, n_features, n_classes, sample_weight=weight)
            if self.binary:  # the two columns are opposite: one is enough
                scale = np.abs(scale[:, 1:])
        else:
            scale = np.ones((n_features, 1), np.float32)
        columns = 1 if self.binary else n_classes
        self.scale = np.ascontiguousarray(scale)
        self.weights = np.zeros((n_features, columns), np.float32)
        self.bias = np.zeros(columns, np.float32)
        from ..kernels.linear_kernels import sgd_epochs, train_sgd
        rng_state = np.random.SeedSequence(self.seed).generate_state(1, dtype=np.uint64)
        args = (rows.indptr, rows.indices, np.asarray(labels, np.int32), label_indptr,
                label_indices, self.multilabel or self.binary, self.scale, self.weights,
                self.bias, weight, self.epochs, self.learning_rate, self.l2, rng_state)
        if watch is None:
            self.loss = train_sgd(*args)
            return self
        # One epoch per call, the run's state carried between them (same weights).
        order, decay = np.arange(len(rows), dtype=np.int64), np.ones(1)
        hit = "p@1" if self.multilabel else "accuracy"
        self.history = {"loss": [], hit: []}
        for epoch in range(self.epochs):
            self.loss, accuracy = sgd_epochs(*args, order, decay, epoch, epoch + 1)
            self.history["loss"].append(self.loss)
            self.history[hit].append(accuracy)
            self._record(watch, np.float32(decay[0]))
        return self

    def _record(self, watch, decay):
        """Append the loss and accuracy of each watched set to ``history`` (the true
        weights are ``decay`` times the stored ones until the last epoch)."""
        from .calibration import log_loss
        weights = self.weights if decay == 1 else self.weights * decay
        for prefix, (rows, truth) in watch.items():
            z = scores(rows, self.scale, weights, self.bias)
            if self.binary:
                z = np.concatenate([-0.5 * z, 0.5 * z], axis=1)
            top = z.argmax(axis=1)
            if self.multilabel:
                name, hits = "p@1", truth[np.arange(len(top)), top]
            else:
                name, hits = "accuracy", top == truth
            self.history.setdefault(prefix + "loss", []).append(
                log_loss(z, truth, self.multilabel))
            self.history.setdefault(prefix + name, []).append(
                float(np.mean(hits)) if len(hits) else float("nan"))

    def decision_function(self, rows):
        z = scores(rows, self.scale, self.weights, self.bias)
        if self.binary:
            return np.concatenate([-0.5 * z, 0.5 * z], axis=1)
        return z

    def state(self):
        """The arrays to save; the scale is folded into the weights."""
        return {"weights": self.weights * self.scale, "bias": self.bias,
                "binary": np.array(self.binary)}

    def set_state(self, state):
        self.weights = np.ascontiguousarray(state["weights"], np.float32)
        self.bias = np.asarray(state["bias"], np.float32)
        self.binary = bool(state["binary"])
        self.scale = np.ones((self.weights.shape[0], 1), np.float32)
        return self
