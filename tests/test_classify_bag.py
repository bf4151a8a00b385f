"""classify.bag: the stacked and calibrated n-gram models, on data whose answer is known."""
import numpy as np
import pytest

from classifytest import CLASSES, make_data
from textembed.classify.bag import NgramBag, fold_numbers
from textembed.classify.calibration import probabilities
from textembed.classify.labels import encode, encode_sets


def _labels(labels):
    return encode(labels, sorted(CLASSES), "labels")


@pytest.fixture(scope="module")
def fitted(data):
    (texts, labels), _ = data
    return NgramBag(3, seed=1, threads=1).fit(texts, labels=_labels(labels))


def test_learns_the_keywords_and_validates_out_of_fold(fitted, data):
    (texts, labels), (test_texts, test_labels) = data
    y = _labels(labels)
    assert fitted.report["folds"] == 5 and len(fitted.members) == 2   # NB-LR and naive Bayes
    assert fitted.oof_logits.shape == (len(texts), 3)
    assert np.mean(fitted.oof_logits.argmax(axis=1) == y) > 0.9
    probs = probabilities(fitted.decision_function(test_texts), False)
    assert np.mean(probs.argmax(axis=1) == _labels(test_labels)) > 0.95
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert 0.0 <= fitted.mix[0] <= 1.0 and fitted.mix.sum() == pytest.approx(1.0)
    assert fitted.train_logits.shape == (len(texts), 3)


def test_saved_arrays_give_the_same_scores(fitted, data):
    test_texts = data[1][0]
    again = NgramBag.from_saved(fitted.get_config(), fitted.arrays())
    np.testing.assert_allclose(again.decision_function(test_texts),
                               fitted.decision_function(test_texts), rtol=1e-5, atol=1e-5)


def test_a_seed_reproduces_the_model(data, fitted):
    (texts, labels), (test_texts, _) = data
    again = NgramBag(3, seed=1, threads=2).fit(texts, labels=_labels(labels))
    np.testing.assert_array_equal(again.decision_function(test_texts),
                                  fitted.decision_function(test_texts))


def test_feature_selection_keeps_character_ngrams_that_help():
    # each text's label shows in the stem of a word seen in no other text
    rng = np.random.default_rng(0)
    texts, labels = [], []
    for i in range(400):
        label = i % 2
        stem = "goodish" if label else "awfulish"
        texts.append(f"{stem}{i} " + " ".join(rng.choice([f"w{k}" for k in range(30)], 3)))
        labels.append(label)
    bag = NgramBag(2, select_features=True, threads=1, features={"maxn": 4})
    bag.fit(texts, labels=np.array(labels, np.int32))
    assert bag.report["character_ngrams"] is True and bag.features.maxn == 4
    words_only = NgramBag(2, threads=1, features={"maxn": 0})
    words_only.fit(texts, labels=np.array(labels, np.int32))
    new = ["goodish1000 w1 w2", "awfulish1001 w3 w4"]
    assert bag.decision_function(new).argmax(axis=1).tolist() == [1, 0]
    assert words_only.report["oof_log_loss"] > bag.report["oof_log_loss"]


def test_too_few_examples_for_folds_still_train():
    bag = NgramBag(2, threads=1).fit(["good", "bad", "fine"], labels=np.array([1, 0, 1],
                                                                             np.int32))
    assert bag.report["folds"] == 0 and bag.oof_logits is None
    assert bag.decision_function(["good"]).shape == (1, 2)


def test_multilabel_bag():
    texts = (["apple pie"] * 20 + ["apple juice"] * 20 + ["orange juice"] * 20
             + ["cherry pie"] * 20)
    sets = ([("fruit", "baking")] * 20 + [("fruit", "drink")] * 20 + [("fruit", "drink")] * 20
            + [("fruit", "baking")] * 20)
    classes = ["baking", "drink", "fruit"]
    rows, targets = encode_sets(sets, classes, "labels")
    bag = NgramBag(3, multilabel=True, seed=0, threads=1).fit(texts, label_rows=rows,
                                                              targets=targets)
    assert len(bag.members) == 1                     # no naive Bayes member for multi-label
    p = probabilities(bag.decision_function(["apple pie", "orange juice"]), True)
    assert ((p > 0.5) == [[True, False, True], [False, True, True]]).all()


def test_fold_numbers_are_stratified():
    strata = np.array([0] * 10 + [1] * 5)
    fold_of = fold_numbers(strata, 5, seed=0)
    assert sorted(np.bincount(fold_of[strata == 0]).tolist()) == [2] * 5
    assert np.bincount(fold_of[strata == 1], minlength=5).tolist() == [1] * 5


def test_history_of_the_first_fold_leaves_the_model_unchanged(fitted, data, monkeypatch):
    (texts, labels), (test_texts, _) = data
    assert fitted.history_source.startswith("NB-LR member trained on folds 2-5 of 5 and "
                                            "validated on fold 1")
    history = fitted.history
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == fitted.epochs for v in history.values())
    assert history["val_accuracy"][-1] > 0.9 and history["loss"][-1] < history["loss"][0]
    # the same bag trained without watching its epochs predicts the same bits
    from textembed.classify import linear
    fit = linear.LogisticRegression.fit
    monkeypatch.setattr(linear.LogisticRegression, "fit",
                        lambda self, *args, watch=None: fit(self, *args[:6]))
    unwatched = NgramBag(3, seed=1, threads=1).fit(texts, labels=_labels(labels))
    assert unwatched.history is None
    np.testing.assert_array_equal(unwatched.decision_function(test_texts),
                                  fitted.decision_function(test_texts))
    np.testing.assert_array_equal(unwatched.oof_logits, fitted.oof_logits)


def test_without_folds_the_history_is_the_training_data_only():
    bag = NgramBag(2, threads=1, epochs=4).fit(["good", "bad", "fine"],
                                               labels=np.array([1, 0, 1], np.int32))
    assert sorted(bag.history) == ["accuracy", "loss"] and len(bag.history["loss"]) == 4
    assert "no folds" in bag.history_source
