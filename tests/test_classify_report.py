"""classify.report: the report page of a classifier, read back with html.parser (structure,
numbers) and xml.etree (the SVG figures), and checked against figures computed here."""
import sys
from collections import Counter

import numpy as np
import pytest

from classifytest import FILLER, make_noisy_data
from pagetest import SECTIONS, SVG, Page, assert_self_contained, svg_figures
from textembed.classify.calibration import expected_calibration_error
from textembed.classify.metrics import classification_report, multilabel_report
from textembed.classify.model import TextClassifier
from textembed.classify.report import Evaluation, report_page
from textembed.plotting import MissingMatplotlib

ODD = {"blue": "b<l>&ue"}  # a label the page must escape


def noisy(n, seed):
    return make_noisy_data(n, seed, rename=ODD)


@pytest.fixture(scope="module")
def bag():
    return TextClassifier(verbose=0, seed=1, threads=1).fit(*noisy(400, 1))


@pytest.fixture(scope="module")
def test_set():
    return noisy(300, 2)


@pytest.fixture(scope="module")
def text(bag, test_set):
    return report_page(bag, Evaluation("held-out.tsv", *test_set), title="m<odel>")


def test_sections_figures_and_nothing_from_outside(text):
    page = assert_self_contained(text)
    assert page.headings["h1"] == ["textembed report: m<odel>"]
    assert page.headings["h2"] == SECTIONS
    for section in ("summary", "curves", "confusion", "per-class", "calibration", "errors"):
        assert section in page.ids
    figures = svg_figures(text)
    assert len(figures) == 2 and all(f.tag == f"{SVG}svg" for f in figures)
    # the training curves: 2 panels, training and validation lines of 10 epochs each
    titles = [t.text for t in figures[0].iter(f"{SVG}text")]
    assert "loss" in titles and "accuracy" in titles and "epoch" in titles
    assert "<b>" not in text and "b&lt;l&gt;&amp;ue" in text


def test_summary_gives_sizes_and_the_saved_metrics(bag, text):
    page = Page(text)
    facts = dict(page.tables["facts"])
    assert facts["architecture"] == "bag (the default)"
    assert facts["training examples"] == "400"
    assert facts["validation examples"] == "400 (out of fold, 5 folds)"
    assert facts["evaluated on"] == "held-out.tsv: 300 examples"
    metrics = page.tables["metrics"]
    assert metrics[0] == ["figure", "training", "validation", "held-out.tsv"]
    accuracy = dict((row[0], row[1:]) for row in metrics[1:])["accuracy"]
    m = bag.metrics_
    assert accuracy[:2] == [f"{m['train_accuracy']:.4f}", f"{m['valid_accuracy']:.4f}"]


def test_confusion_matrix_counts_the_predictions(bag, test_set, text):
    texts, labels = test_set
    counted = Counter(zip(labels, bag.predict(texts)))
    rows = Page(text).tables["confusion-matrix"]
    classes = rows[0][1:]
    assert classes == bag.classes_
    for row in rows[1:]:
        assert [int(v.replace(",", "")) for v in row[1:]] == [counted[(row[0], c)]
                                                              for c in classes]
    assert sum(int(v) for row in rows[1:] for v in row[1:]) == len(texts)


def test_per_class_table_gives_the_metrics_figures(bag, test_set, text):
    texts, labels = test_set
    expected = classification_report(labels, bag.predict(texts), classes=bag.classes_)
    rows = {row[0]: row[1:] for row in Page(text).tables["per-class-table"][1:]}
    for c in bag.classes_:
        s = expected["per_class"][c]
        assert rows[c] == [f"{s['precision']:.4f}", f"{s['recall']:.4f}", f"{s['f1']:.4f}",
                           f"{s['support']:,}"]
    assert rows["macro average"][2] == f"{expected['macro']['f1']:.4f}"
    assert f"Accuracy {expected['accuracy']:.4f}" in Page(text).text


def test_reliability_diagram_states_the_ece(bag, test_set, text):
    texts, labels = test_set
    probs = bag.predict_proba(texts)
    y = [bag.classes_.index(label) for label in labels]
    page = Page(text)
    assert f"(ECE): {expected_calibration_error(probs, y):.4f} over 300 predictions" in page.text
    figure = svg_figures(text)[1]
    assert any((t.text or "").startswith("ECE ") for t in figure.iter(f"{SVG}text"))


def test_errors_are_wrong_and_the_most_confident_first(bag, test_set, text):
    texts, labels = test_set
    page = Page(text)
    rows, spans = page.tables["errors-table"][1:], page.spans["errors-table"][1:]
    probs = bag.predict_proba(texts)
    predicted = bag.predict(texts)
    wrong = [i for i in range(len(texts)) if predicted[i] != labels[i]]
    assert len(rows) == min(20, len(wrong)) and len(wrong) > 20
    truths = {}
    for t, label in zip(texts, labels):
        truths.setdefault(t, set()).add(label)
    confidences = []
    for rank, (row, tokens) in enumerate(zip(rows, spans), 1):
        number, probability, said, truth, _ = row
        shown = " ".join(tokens)           # the highlighted tokens are the text's words
        assert int(number) == rank and shown in truths and truth in truths[shown]
        assert said == bag.predict([shown])[0] != truth
        assert float(probability) == pytest.approx(bag.predict_proba([shown]).max(), abs=1e-4)
        confidences.append(float(probability))
    assert confidences == sorted(confidences, reverse=True)
    # none of the errors left out is more confident than the last one listed
    left_out = sorted(probs[wrong].max(axis=1))[:-len(rows)]
    assert max(left_out) <= confidences[-1] + 1e-4


def test_without_labelled_data_the_page_says_so(bag):
    text = report_page(bag)
    page = assert_self_contained(text)
    assert page.headings["h2"] == ["Summary", "Training curves", "Evaluation"]
    assert "needs a labelled file" in page.text
    assert len(svg_figures(text)) == 1


def test_held_out_probabilities_are_used_as_given(bag, test_set):
    texts, labels = test_set
    uniform = np.full((len(texts), 3), 1 / 3)
    text = report_page(bag, Evaluation("flat", texts, labels, uniform, note="all the same"))
    page = Page(text)
    assert "All the same." in page.text
    # every text gets the first class at 1/3: the matrix has one filled column
    rows = page.tables["confusion-matrix"][1:]
    assert all(row[2:] == ["0", "0"] for row in rows)


def test_multilabel_page_has_per_label_figures_and_no_matrix():
    rng = np.random.default_rng(4)
    texts, sets = [], []
    for _ in range(240):
        tags = [t for t in ("red", "green", "blue") if rng.random() < 0.4] or ["red"]
        words = [f"{t}{rng.integers(4)}" for t in tags] + list(rng.choice(FILLER, 3))
        texts.append(" ".join(rng.permutation(words)))
        sets.append(tags if rng.random() > 0.15 else ["blue"])
    model = TextClassifier(verbose=0, threads=1).fit(texts[:180], sets[:180])
    text = report_page(model, Evaluation("tags", texts[180:], sets[180:]))
    page = assert_self_contained(text)
    assert page.headings["h2"] == SECTIONS
    assert "confusion-matrix" not in page.tables and "has no confusion matrix" in page.text
    targets = np.array([[c in s for c in model.classes_] for s in sets[180:]])
    expected = multilabel_report(model.predict_proba(texts[180:]), targets, model.classes_,
                                 k=5)
    assert f"P@1 {expected['p@1']:.4f}, R@1 {expected['r@1']:.4f}" in page.text
    rows = {row[0]: row[1:] for row in page.tables["per-class-table"][1:]}
    for label, s in expected["per_label"].items():
        assert rows[label][:3] == [f"{s[m]:.4f}" for m in ("precision", "recall", "f1")]
    titles = [t.text for t in svg_figures(text)[0].iter(f"{SVG}text")]
    assert "p@1" in titles


def test_without_matplotlib_one_clear_error(bag, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    with pytest.raises(MissingMatplotlib, match=r"needs matplotlib: pip install "
                                                r"'textembed\[plot\]'"):
        report_page(bag)


def test_a_model_saved_without_history_and_no_errors_listed(bag, test_set):
    import copy
    old = copy.copy(bag)
    old.metrics_ = {k: v for k, v in bag.metrics_.items() if not k.startswith("history")}
    text = report_page(old, Evaluation("t", *test_set), errors=0)
    page = Page(text)
    assert "saved without a training history" in page.text
    assert len(svg_figures(text)) == 1                      # the reliability diagram only
    assert "errors-table" not in page.tables and "none listed" in page.text
