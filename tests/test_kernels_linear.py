"""kernels.linear_kernels: SGD on sparse binary features (softmax and per-class logistic
losses, sample weights, L2 decay), scores and class counts against dense numpy."""
import numpy as np
import pytest

from textembed.kernels.linear_kernels import (class_feature_counts, linear_scores, sgd_epochs,
                                             train_sgd)


def _csr(rows):
    indptr = np.zeros(len(rows) + 1, np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    return indptr, np.array([f for r in rows for f in r], np.int32)


def _dense(rows, n_features):
    x = np.zeros((len(rows), n_features))
    for i, r in enumerate(rows):
        x[i, r] = 1
    return x


ROWS = [[0, 3], [1, 3], [2, 3], [0, 4], [1, 4], [2, 4]] * 10
LABELS = np.array([0, 1, 2, 0, 1, 2] * 10, np.int32)  # feature f < 3 names the class


def _train(labels=LABELS, multilabel=False, label_rows=None, weight=None, l2=0.0, epochs=20,
           n_classes=3, scale=None, seed=1):
    indptr, indices = _csr(ROWS)
    weights = np.zeros((5, n_classes), np.float32)
    bias = np.zeros(n_classes, np.float32)
    if label_rows is None:
        label_indptr, label_indices = np.zeros(1, np.int64), np.zeros(0, np.int32)
    else:
        label_indptr, label_indices = _csr(label_rows)
    scale = np.ones((5, 1), np.float32) if scale is None else scale
    weight = np.ones(len(ROWS), np.float32) if weight is None else weight
    state = np.array([seed], np.uint64)
    loss = train_sgd(indptr, indices, labels, label_indptr, label_indices, multilabel, scale,
                     weights, bias, weight, epochs, 0.5, l2, state)
    return weights, bias, loss


def test_softmax_learns_and_scores_match_dense_products():
    weights, bias, loss = _train()
    indptr, indices = _csr(ROWS)
    scores = linear_scores(indptr, indices, np.ones((5, 1), np.float32), weights, bias)
    np.testing.assert_allclose(scores, _dense(ROWS, 5) @ weights + bias, rtol=1e-5, atol=1e-5)
    assert (scores.argmax(axis=1) == LABELS).all()
    assert loss < 0.1
    again, _, _ = _train()
    np.testing.assert_array_equal(again, weights)   # a seed reproduces the run


def test_l2_decay_shrinks_the_weights():
    free, _, _ = _train(l2=0.0)
    decayed, _, _ = _train(l2=0.05)
    assert np.abs(decayed).sum() < 0.8 * np.abs(free).sum()


def test_per_class_scale_multiplies_the_weights():
    scale = np.ones((5, 3), np.float32)
    scale[3] = 0.0  # feature 3 may not count for any class
    weights, bias, _ = _train(scale=scale)
    assert (weights[3] == 0).all()
    indptr, indices = _csr(ROWS)
    scores = linear_scores(indptr, indices, scale, weights, bias)
    np.testing.assert_allclose(scores, _dense(ROWS, 5) @ (weights * scale) + bias, atol=1e-5)


def test_multilabel_learns_each_label_on_its_own():
    # label 0 goes with feature 3, label 1 with feature 1; a text may have both or none
    label_rows = [([0] if 3 in r else []) + ([1] if 1 in r else []) for r in ROWS]
    weights, bias, _ = _train(np.zeros(len(ROWS), np.int32), True, label_rows, n_classes=2)
    indptr, indices = _csr(ROWS)
    p = 1 / (1 + np.exp(-linear_scores(indptr, indices, np.ones((5, 1), np.float32),
                                       weights, bias)))
    truth = np.array([[0 in r, 1 in r] for r in label_rows])
    assert ((p > 0.5) == truth).all()


def test_sample_weights_tip_an_ambiguous_feature():
    # feature 3 alone, half class 0, half class 1: the weights decide
    rows = [[3]] * 20
    labels = np.array([0, 1] * 10, np.int32)
    indptr, indices = _csr(rows)
    results = []
    for weight in (np.where(labels == 1, 3.0, 1.0), np.where(labels == 0, 3.0, 1.0)):
        weights = np.zeros((5, 2), np.float32)
        bias = np.zeros(2, np.float32)
        train_sgd(indptr, indices, labels, np.zeros(1, np.int64), np.zeros(0, np.int32), False,
                  np.ones((5, 1), np.float32), weights, bias, weight.astype(np.float32), 30,
                  0.3, 0.0, np.array([0], np.uint64))
        results.append(linear_scores(indptr, indices, np.ones((5, 1), np.float32), weights,
                                     bias)[0].argmax())
    assert results == [1, 0]


def test_class_feature_counts_match_numpy():
    indptr, indices = _csr(ROWS)
    weight = np.linspace(0.5, 2, len(ROWS)).astype(np.float32)
    counts = class_feature_counts(indptr, indices, LABELS, weight, 5, 3)
    expected = _dense(ROWS, 5).T @ (np.eye(3)[LABELS] * weight[:, None])
    np.testing.assert_allclose(counts, expected, rtol=1e-6)


@pytest.mark.parametrize("multilabel", [False, True])
def test_epoch_by_epoch_gives_the_weights_of_one_run(multilabel):
    """sgd_epochs one epoch at a time carries the run's state: the same bits as train_sgd
    (l2 large enough that the decay is folded into the weights during the run)."""
    indptr, indices = _csr(ROWS)
    if multilabel:
        label_indptr, label_indices = _csr([[c, (c + 1) % 3] for c in LABELS])
    else:
        label_indptr, label_indices = np.zeros(1, np.int64), np.zeros(0, np.int32)
    runs = []
    for by_epoch in (False, True):
        weights, bias = np.zeros((5, 3), np.float32), np.zeros(3, np.float32)
        args = (indptr, indices, LABELS, label_indptr, label_indices, multilabel,
                np.ones((5, 1), np.float32), weights, bias, np.ones(len(ROWS), np.float32),
                12, 0.5, 0.05, np.array([7], np.uint64))
        if by_epoch:
            order, decay, figures = np.arange(len(ROWS)), np.ones(1), []
            for epoch in range(12):
                figures.append(sgd_epochs(*args, order, decay, epoch, epoch + 1))
            assert decay[0] == 1.0  # folded in at the end
            loss = figures[-1][0]
        else:
            loss = train_sgd(*args)
        runs.append((weights, bias, loss))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert runs[0][2] == runs[1][2]
    accuracies = [a for _, a in figures]
    assert all(0.0 <= a <= 1.0 for a in accuracies)
    assert accuracies[-1] == 1.0 and accuracies[0] < 1.0  # learnt, not at first


def test_training_accuracy_counts_the_top_class():
    """A model that already knows the answer: every step's top class is right; with the
    labels swapped, none is (two classes as one logistic column too)."""
    indptr, indices = _csr(ROWS)
    weights = np.zeros((5, 3), np.float32)
    weights[[0, 1, 2], [0, 1, 2]] = 5.0
    empty = np.zeros(1, np.int64), np.zeros(0, np.int32)
    for labels, expected in ((LABELS, 1.0), ((LABELS + 1) % 3, 0.0)):
        _, accuracy = sgd_epochs(indptr, indices, labels.astype(np.int32), *empty, False,
                                 np.ones((5, 1), np.float32), weights.copy(),
                                 np.zeros(3, np.float32), np.ones(len(ROWS), np.float32), 1,
                                 1e-9, 0.0, np.array([1], np.uint64), np.arange(len(ROWS)),
                                 np.ones(1), 0, 1)
        assert accuracy == expected
    # one column: feature 0 says positive
    positive = np.array([r[0] == 0 for r in ROWS])
    label_indptr = np.concatenate([[0], np.cumsum(positive)]).astype(np.int64)
    column = np.zeros((5, 1), np.float32)
    column[0], column[[1, 2]] = 5.0, -5.0
    _, accuracy = sgd_epochs(indptr, indices, np.zeros(len(ROWS), np.int32), label_indptr,
                             np.zeros(positive.sum(), np.int32), True,
                             np.ones((5, 1), np.float32), column, np.zeros(1, np.float32),
                             np.ones(len(ROWS), np.float32), 1, 1e-9, 0.0,
                             np.array([1], np.uint64), np.arange(len(ROWS)), np.ones(1), 0, 1)
    assert accuracy == 1.0
