"""textembed.classify.metrics: the single-label report (values checked against
counts worked out by hand), probability metrics and the multi-label report."""
import numpy as np
import pytest

from textembed.classify.metrics import (classification_report, format_multilabel_report,
                                        format_report, multilabel_report, probability_metrics)

TRUE = ["a", "a", "a", "b", "b", "c"]
PRED = ["a", "a", "b", "b", "c", "c"]


def test_report_literal_values():
    report = classification_report(TRUE, PRED, classes=["a", "b", "c", "d"])
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert (report["correct"], report["n"]) == (4, 6)
    assert report["classes"] == ["a", "b", "c", "d"]
    assert report["confusion"] == [[2, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    expected = {  # class: (precision, recall, f1, support), worked out by hand
        "a": (2 / 2, 2 / 3, 0.8, 3),
        "b": (1 / 2, 1 / 2, 0.5, 2),
        "c": (1 / 2, 1 / 1, 2 / 3, 1),
        "d": (0.0, 0.0, 0.0, 0),  # never true, never predicted
    }
    for name, (p, r, f, s) in expected.items():
        scores = report["per_class"][name]
        assert scores["precision"] == pytest.approx(p)
        assert scores["recall"] == pytest.approx(r)
        assert scores["f1"] == pytest.approx(f)
        assert scores["support"] == s
    assert report["macro"]["precision"] == pytest.approx(2 / 4)
    assert report["macro"]["recall"] == pytest.approx((2 / 3 + 1 / 2 + 1) / 4)
    assert report["macro"]["f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 4)
    assert report["weighted"]["precision"] == pytest.approx((3 * 1 + 2 * 0.5 + 0.5) / 6)
    assert report["weighted"]["recall"] == pytest.approx(4 / 6)  # always the accuracy
    assert report["weighted"]["f1"] == pytest.approx((3 * 0.8 + 2 * 0.5 + 2 / 3) / 6)


def test_report_default_classes_sorted_union():
    report = classification_report(["y", "x", "x"], ["x", "x", "z"])
    assert report["classes"] == ["x", "y", "z"]
    assert report["accuracy"] == pytest.approx(1 / 3)
    assert report["confusion"] == [[1, 0, 1], [1, 0, 0], [0, 0, 0]]
    assert report["per_class"]["x"]["precision"] == 0.5
    assert report["per_class"]["z"]["precision"] == 0.0  # predicted once, never right


def test_report_perfect():
    report = classification_report(["p", "n", "p"], ["p", "n", "p"])
    assert report["accuracy"] == 1.0
    assert all(s["f1"] == 1.0 for s in report["per_class"].values())
    assert report["confusion"] == [[1, 0], [0, 2]]


def test_report_bad_arguments():
    with pytest.raises(ValueError, match="2 true labels but 1 predictions"):
        classification_report(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="no labels"):
        classification_report([], [])
    with pytest.raises(ValueError, match=r"labels not in classes: \['c'\]"):
        classification_report(["a", "c"], ["a", "a"], classes=["a", "b"])
    with pytest.raises(ValueError, match="repeated"):
        classification_report(["a"], ["a"], classes=["a", "a"])


def test_format_report_table():
    text = format_report(classification_report(TRUE, PRED))
    assert text == (
        "accuracy 0.6667 (4 of 6 correct)\n"
        "\n"
        "class         precision     recall         f1    support\n"
        "a                1.0000     0.6667     0.8000          3\n"
        "b                0.5000     0.5000     0.5000          2\n"
        "c                0.5000     1.0000     0.6667          1\n"
        "\n"
        "macro avg        0.6667     0.7222     0.6556          6\n"
        "weighted avg     0.7500     0.6667     0.6778          6\n"
        "\n"
        "confusion matrix (rows: true class, columns: predicted class)\n"
        "   a  b  c\n"
        "a  2  1  0\n"
        "b  0  1  1\n"
        "c  0  0  1\n")


def test_probability_metrics_literal_values():
    probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.7, 0.3], [0.2, 0.8]])
    y = np.array([0, 1, 1, 1])
    m = probability_metrics(probs, y)
    assert m["accuracy"] == 0.75
    # class 0: precision 1/2, recall 1; class 1: precision 1, recall 2/3
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert m["log_loss"] == pytest.approx(-np.mean(np.log([0.9, 0.6, 0.3, 0.8])))
    # 15 bins: confidences 0.9 and 0.8 fall in their own bins, 0.6 and 0.7 too
    assert m["ece"] == pytest.approx((0.1 + 0.4 + 0.7 + 0.2) / 4)


def test_multilabel_report_literal_values():
    classes = ["a", "b", "c"]
    probs = np.array([[0.9, 0.6, 0.1],
                      [0.2, 0.3, 0.8],
                      [0.5, 0.4, 0.45]])
    targets = np.array([[1, 0, 1],
                        [0, 0, 1],
                        [0, 1, 0]], dtype=bool)
    r = multilabel_report(probs, targets, classes, k=2, threshold=0.5)
    # top-1: a (true), c (true), a (false); top-2 adds b (false), b (false), c (false)
    assert (r["p@1"], r["r@1"]) == (pytest.approx(2 / 3), pytest.approx(2 / 4))
    assert (r["p@2"], r["r@2"]) == (pytest.approx(2 / 6), pytest.approx(2 / 4))
    assert (r["p@k"], r["k"]) == (r["p@2"], 2)
    # kept at 0.5: (0,a) (0,b) (1,c) (2,a): 2 of 4 right, 2 of 4 true labels found
    assert r["micro_f1"] == pytest.approx(0.5)
    assert r["per_label"]["a"] == {"precision": 0.5, "recall": 1.0,
                                   "f1": pytest.approx(2 / 3), "support": 1}
    assert r["per_label"]["b"]["f1"] == 0.0 and r["per_label"]["c"]["recall"] == 0.5
    assert r["macro_f1"] == pytest.approx((2 / 3 + 0 + 2 / 3) / 3)
    table = format_multilabel_report(r)
    assert "P@1 0.6667  R@1 0.5000  P@2 0.3333  R@2 0.5000" in table
    assert table.splitlines()[4].split() == ["label", "precision", "recall", "f1", "support"]


def test_multilabel_report_k_is_capped_by_the_labels():
    r = multilabel_report(np.array([[0.2, 0.9]]), np.array([[False, True]]), ["x", "y"], k=5)
    assert r["k"] == 2 and r["p@1"] == 1.0 and r["p@k"] == 0.5 and r["r@k"] == 1.0
