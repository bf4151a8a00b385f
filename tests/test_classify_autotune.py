"""classify.autotune: the search, its metrics, its reproducible candidates and its errors."""
import itertools

import numpy as np
import pytest

from classifytest import make_data
from textembed.classify import autotune
from textembed.classify.model import TextClassifier
from textembed.io import InputError


def test_candidates_start_with_the_default_and_repeat_with_the_seed():
    first = list(itertools.islice(autotune.candidates(7), 30))
    assert first[0] == {"arch": "default"}
    assert first == list(itertools.islice(autotune.candidates(7), 30))
    assert first != list(itertools.islice(autotune.candidates(8), 30))
    bags = [c for c in first if c["arch"] == "bag"]
    assert bags and all(not c["maxn"] or c["minn"] <= c["maxn"] for c in bags)
    assert all(1e-6 <= c["l2"] <= 1e-3 and 0.01 <= c["learning_rate"] <= 0.3 for c in bags)
    assert {c["arch"] for c in first} <= {"default", "bag", "embedding-bag", "cnn"}


def test_metrics():
    probs = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]])
    truth = np.array([0, 1, 1, 1])
    classes = ["neg", "pos"]
    assert autotune.score("accuracy", probs, truth, classes, False) == 0.75
    assert autotune.score("f1:pos", probs, truth, classes, False) == pytest.approx(0.8)
    assert autotune.score("macro-f1", probs, truth, classes, False) == pytest.approx(
        (2 / 3 + 0.8) / 2)
    targets = np.array([[1, 0], [0, 1], [1, 1], [0, 1]], dtype=bool)
    assert autotune.score("p@1", probs, targets, classes, True) == 1.0
    assert autotune.score("p@2", probs, targets, classes, True) == pytest.approx(5 / 8)


@pytest.mark.parametrize("metric, multilabel, message", [
    ("recall", False, "unknown autotune metric 'recall'"),
    ("p@3", False, "choose accuracy, macro-f1, f1:LABEL"),
    ("accuracy", True, "choose p@K"),
    ("f1:purple", False, "no label 'purple'"),
])
def test_bad_metrics(metric, multilabel, message):
    with pytest.raises(InputError, match=message):
        autotune.check_metric(metric, ["red", "blue"], multilabel)
    assert autotune.check_metric("f1:red", ["red", "blue"], multilabel) == "f1:red"


def test_fit_searches_then_trains_the_best(tmp_path):
    texts, labels = make_data(300, 1)
    test_texts, test_labels = make_data(100, 2)
    TextClassifier(verbose=0).fit(texts[:60], labels[:60])  # numba compiles once, not in a trial
    model = TextClassifier(verbose=0, seed=3).fit(texts, labels, test_texts=test_texts,
                                                   test_labels=test_labels,
                                                   autotune_duration=4,
                                                   autotune_metric="macro-f1")
    tune = model.metrics_["autotune"]
    assert tune["metric"] == "macro-f1" and tune["trials"] >= 2 and tune["duration"] == 4
    assert tune["score"] > 0.9 and model.metrics_["test_accuracy"] > 0.9
    params = dict(model.metrics_["params"])
    assert params["arch"] in ("default", "bag", "embedding-bag", "cnn")
    # the chosen settings train the same model again
    arch = params.pop("arch")
    again = TextClassifier(arch, verbose=0, seed=3, **params).fit(texts, labels)
    np.testing.assert_allclose(again.predict_proba(test_texts), model.predict_proba(test_texts),
                               rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "m")
    assert TextClassifier.load(tmp_path / "m").metrics_["params"]["arch"] == arch


def test_a_duration_shorter_than_one_trial_is_refused():
    texts, labels = make_data(200, 1)
    with pytest.raises(InputError, match="autotune duration of 0.001 s is too short"):
        TextClassifier(verbose=0).fit(texts, labels, autotune_duration=0.001)
    with pytest.raises(InputError, match="positive number of seconds"):
        TextClassifier(verbose=0).fit(texts, labels, autotune_duration=-5)


def test_the_noise_of_a_difference():
    truth = np.array([0, 1] * 50)
    right = np.eye(2)[truth] * 0.8 + 0.1
    wrong = right[:, ::-1]
    # the same predictions: no noise at all
    judged = (right, truth, 100)
    assert autotune._noise("accuracy", judged, judged, ["a", "b"], False, 0) == 0.0
    # ten examples change sides: the per-example differences are -1 (x10) and 0 (x90)
    mixed = right.copy()
    mixed[:10] = wrong[:10]
    se = autotune._noise("accuracy", (mixed, truth, 100), judged, ["a", "b"], False, 0)
    d = np.r_[-np.ones(10), np.zeros(90)]
    assert se == pytest.approx(d.std() / 10)
    # resampled for F1: about the same size
    f1 = autotune._noise("macro-f1", (mixed, truth, 100), judged, ["a", "b"], False, 0)
    assert 0.5 * se < f1 < 2 * se
    # a network judged on the validation rows only: compared on those
    shorter = (mixed[-40:], truth[-40:], 40)
    assert autotune._noise("accuracy", shorter, judged, ["a", "b"], False, 0) == 0.0
