"""cross_validate: k stratified folds, their accuracies, mean and spread."""
import numpy as np
import pytest

from classifytest import TINY
from textembed.classify.cross_validation import cross_validate


def test_cross_validate_returns_k_folds(data):
    (texts, labels), _ = data
    result = cross_validate(texts, labels, k=3, arch="embedding-bag", verbose=0, early_stopping=0,
                            **TINY["embedding-bag"])
    assert result["k"] == 3 and len(result["folds"]) == 3
    assert result["mean"] == pytest.approx(np.mean(result["folds"]))
    assert result["std"] == pytest.approx(np.std(result["folds"]))
    assert result["mean"] > 0.8
