"""classify.linear: naive Bayes and the (NB-scaled) logistic regression on n-gram rows,
checked against the formulas in numpy."""
import numpy as np
import pytest

from textembed.classify.linear import LogisticRegression, NaiveBayes, nb_ratios
from textembed.classify.ngrams import SparseRows


def _rows(lists):
    indptr = np.zeros(len(lists) + 1, np.int64)
    indptr[1:] = np.cumsum([len(r) for r in lists])
    return SparseRows(indptr, np.array([f for r in lists for f in r], np.int32))


LISTS = [[0, 2], [0, 3], [1, 2], [1, 3], [0, 4]]
LABELS = np.array([0, 0, 1, 1, 0], np.int32)     # feature 0 says class 0, feature 1 class 1
X = np.zeros((5, 6))
for i, r in enumerate(LISTS):
    X[i, r] = 1                                   # feature 5 never occurs


def test_naive_bayes_matches_the_formula():
    model = NaiveBayes(alpha=1.0).fit(_rows(LISTS), LABELS, 6, 2)
    counts = np.stack([X[LABELS == c].sum(axis=0) for c in (0, 1)], axis=1)
    seen = counts.sum(axis=1) > 0
    smoothed = np.where(seen[:, None], counts + 1.0, 0.0)
    log_prob = np.log(smoothed[seen] / smoothed.sum(axis=0))
    expected = (X[:, seen] @ log_prob) + np.log([3 / 5, 2 / 5])
    scores = model.decision_function(_rows(LISTS))
    # scores are compared between classes only: equal up to a constant per row
    np.testing.assert_allclose(scores[:, 1] - scores[:, 0], expected[:, 1] - expected[:, 0],
                               rtol=1e-5)
    assert (model.log_prob[5] == 0).all()        # unseen feature: no say
    flat = NaiveBayes(fit_prior=False).fit(_rows(LISTS), LABELS, 6, 2)
    assert (flat.log_prior == 0).all()
    again = NaiveBayes().set_state(model.state())
    np.testing.assert_array_equal(again.decision_function(_rows(LISTS)), scores)


def test_nb_ratios_match_the_formula():
    ratios = nb_ratios(_rows(LISTS), LABELS, 6, 2)
    p = X[LABELS == 1].sum(axis=0) + 1
    q = X[LABELS == 0].sum(axis=0) + 1
    seen = X.sum(axis=0) > 0
    expected = np.log(p / p[seen].sum()) - np.log(q / q[seen].sum())
    np.testing.assert_allclose(ratios[seen, 1], expected[seen], rtol=1e-5)
    np.testing.assert_allclose(ratios[:, 0], -ratios[:, 1], atol=1e-6)
    assert ratios[5].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("nb_scale", [True, False])
def test_binary_logistic_regression_learns_and_round_trips(nb_scale):
    rows = _rows(LISTS * 20)
    labels = np.tile(LABELS, 20)
    model = LogisticRegression(epochs=20, learning_rate=0.2, l2=1e-4, nb_scale=nb_scale, seed=3)
    model.fit(rows, labels, 6, 2)
    assert model.binary and model.weights.shape == (6, 1)
    scores = model.decision_function(_rows(LISTS))
    assert scores.shape == (5, 2)
    np.testing.assert_allclose(scores[:, 0], -scores[:, 1])
    assert (scores.argmax(axis=1) == LABELS).all()
    again = LogisticRegression().set_state(model.state())
    np.testing.assert_allclose(again.decision_function(_rows(LISTS)), scores, rtol=1e-5,
                               atol=1e-6)


def test_multiclass_and_multilabel_logistic_regression():
    lists = [[0], [1], [2]] * 30
    labels = np.array([0, 1, 2] * 30, np.int32)
    model = LogisticRegression(epochs=10, learning_rate=0.5, seed=0).fit(_rows(lists), labels,
                                                                         3, 3)
    assert model.scale.shape == (3, 3) and not model.binary
    assert (model.decision_function(_rows([[0], [1], [2]])).argmax(axis=1) == [0, 1, 2]).all()
    label_rows = _rows([[0, 1], [1], []] * 30)
    multi = LogisticRegression(epochs=10, learning_rate=0.5, multilabel=True, seed=0)
    multi.fit(_rows(lists), None, 3, 2, label_rows=label_rows)
    z = multi.decision_function(_rows([[0], [1], [2]]))
    assert ((z > 0) == [[True, True], [False, True], [False, False]]).all()


def test_few_rows_are_scored_alike_without_the_kernel():
    from textembed.classify.linear import FEW_ROWS, scores
    from textembed.kernels.linear_kernels import linear_scores
    rng = np.random.default_rng(0)
    lists = [list(rng.choice(50, rng.integers(0, 8), replace=False)) for _ in range(FEW_ROWS)]
    rows = _rows(lists)
    weights = rng.normal(size=(50, 3)).astype(np.float32)
    bias = rng.normal(size=3).astype(np.float32)
    for scale in (np.abs(rng.normal(size=(50, 1))), rng.normal(size=(50, 3))):
        scale = scale.astype(np.float32)
        np.testing.assert_allclose(scores(rows, scale, weights, bias),
                                   linear_scores(rows.indptr, rows.indices, scale, weights, bias),
                                   rtol=1e-5, atol=1e-5)
    assert scores(_rows([]), scale, weights, bias).shape == (0, 3)


@pytest.mark.parametrize("multilabel", [False, True])
def test_watching_the_epochs_changes_no_weight(multilabel):
    rng = np.random.default_rng(1)
    lists = [list(rng.choice(6, 2, replace=False)) for _ in range(120)]
    rows, held = _rows(lists[:90]), _rows(lists[90:])
    if multilabel:
        label_rows = _rows([[f for f in r if f < 3] for r in lists])
        targets = np.zeros((120, 3), bool)
        for i, r in enumerate(lists):
            targets[i, [f for f in r if f < 3]] = True
        labels, n_classes, truth = None, 3, targets
        fit_args = dict(label_rows=label_rows.take(np.arange(90)))
    else:
        labels = np.array([min(r) % 3 for r in lists], np.int32)
        n_classes, truth, fit_args = 3, labels, {}
    plain, watched = (LogisticRegression(epochs=6, learning_rate=0.3, l2=0.01,
                                         multilabel=multilabel, seed=2) for _ in range(2))
    plain.fit(rows, None if labels is None else labels[:90], 6, n_classes, **fit_args)
    watched.fit(rows, None if labels is None else labels[:90], 6, n_classes,
                watch={"val_": (held, truth[90:])}, **fit_args)
    np.testing.assert_array_equal(plain.weights, watched.weights)
    np.testing.assert_array_equal(plain.bias, watched.bias)
    assert plain.history is None and plain.loss == watched.loss
    score = "p@1" if multilabel else "accuracy"
    history = watched.history
    assert sorted(history) == sorted(["loss", score, "val_loss", f"val_{score}"])
    assert all(len(values) == 6 for values in history.values())
    assert history["loss"][-1] == watched.loss
    # the last epoch's validation figures are those of the trained model
    from textembed.classify.calibration import log_loss
    z = watched.decision_function(held)
    assert history["val_loss"][-1] == pytest.approx(log_loss(z, truth[90:], multilabel))
    top = z.argmax(axis=1)
    hits = truth[90:][np.arange(30), top] if multilabel else top == truth[90:]
    assert history[f"val_{score}"][-1] == pytest.approx(hits.mean())
    assert history["loss"][0] > history["loss"][-1]
