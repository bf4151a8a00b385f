"""classify.labels: label sets, class ids, class weights and their messages."""
import numpy as np
import pytest

from textembed.classify import labels
from textembed.io import InputError

CLASSES = ["a", "b", "c"]


def test_label_sets_and_multilabel_detection():
    sets = labels.label_sets(["a", ["b", "c", "b"], ("c",), 7])
    assert sets == [("a",), ("b", "c"), ("c",), ("7",)]
    assert labels.is_multilabel(sets) and not labels.is_multilabel(sets[:1])


def test_encode_and_encode_sets():
    np.testing.assert_array_equal(labels.encode(["c", "a"], CLASSES, "x"), [2, 0])
    with pytest.raises(InputError, match="test data: label\\(s\\) never seen in training: 'z'"):
        labels.encode(["a", "z"], CLASSES, "test data")
    rows, targets = labels.encode_sets([("a", "c"), (), ("b",)], CLASSES, "x")
    assert rows.indptr.tolist() == [0, 2, 2, 3] and rows.indices.tolist() == [0, 2, 1]
    np.testing.assert_array_equal(targets, [[1, 0, 1], [0, 0, 0], [0, 1, 0]])


@pytest.mark.parametrize("text, expected", [
    ("balanced", "balanced"), ("pos:2,neg:0.5", {"pos": 2.0, "neg": 0.5}),
    ("a:b:3", {"a:b": 3.0}),
])
def test_parse_class_weight(text, expected):
    assert labels.parse_class_weight(text) == expected


@pytest.mark.parametrize("text, message", [
    ("pos", "is not LABEL:WEIGHT"), ("pos:x", "is not a number"), (",", "give 'balanced'"),
])
def test_parse_class_weight_errors(text, message):
    with pytest.raises(ValueError, match=message):
        labels.parse_class_weight(text)


def test_class_weights():
    counts = np.array([6.0, 2.0, 0.0])
    np.testing.assert_array_equal(labels.class_weights(None, CLASSES, counts), [1, 1, 1])
    # balanced: n / (classes present * count); an absent class keeps 1
    np.testing.assert_allclose(labels.class_weights("balanced", CLASSES, counts),
                               [8 / 12, 8 / 4, 1.0])
    np.testing.assert_allclose(labels.class_weights({"b": 3}, CLASSES, counts), [1, 3, 1])
    with pytest.raises(InputError, match="'z': no such label in the training data"):
        labels.class_weights({"z": 2}, CLASSES, counts)
    with pytest.raises(InputError, match="must be a positive number, got -1"):
        labels.class_weights({"a": -1}, CLASSES, counts)
    with pytest.raises(InputError, match="must be 'balanced'"):
        labels.class_weights("even", CLASSES, counts)
