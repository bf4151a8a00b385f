"""Stratified hold-out and cross-validation folds."""
import numpy as np

from textembed.classify.splits import (complement, cross_validation_folds, holdout_folds,
                                       split_holdout)


def test_holdout_folds_are_disjoint_stratified_and_seeded():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    folds = holdout_folds(y, 0.1, 3, seed=5)
    assert [np.bincount(y[f], minlength=3).tolist() for f in folds] == [[5, 3, 2]] * 3
    assert len(np.unique(np.concatenate(folds))) == 30
    train, valid = split_holdout(y, 0.1, seed=5)
    np.testing.assert_array_equal(valid, folds[0])
    assert len(train) + len(valid) == 100 and not set(train) & set(valid)
    assert not np.array_equal(holdout_folds(y, 0.1, 3, seed=6)[0], folds[0])


def test_holdout_folds_leave_every_class_a_training_example():
    y = np.array([0, 0, 0, 1, 1, 2])
    for fold in holdout_folds(y, 0.5, 2, seed=0):
        assert set(np.unique(y[complement(len(y), fold)])) == {0, 1, 2}
    np.testing.assert_array_equal(complement(5, np.array([1, 3])), [0, 2, 4])


def test_cross_validation_folds_spread_each_class():
    y = np.repeat([0, 1], [23, 7])
    fold_of = cross_validation_folds(y, 3, seed=1)
    assert fold_of.dtype == np.int64 and set(fold_of.tolist()) == {0, 1, 2}
    counts = np.array([np.bincount(fold_of[y == c], minlength=3) for c in (0, 1)])
    # each class is dealt round-robin over the folds: counts differ by at most one
    assert (counts.max(axis=1) - counts.min(axis=1) <= 1).all()
    assert np.bincount(fold_of).tolist() == [10, 10, 10]
    np.testing.assert_array_equal(cross_validation_folds(y, 3, seed=1), fold_of)
    assert not np.array_equal(cross_validation_folds(y, 3, seed=2), fold_of)
