"""Stratified splits of labelled examples: hold-out folds and cross-validation folds.

Labels are class ids (int array, one per example); every split is drawn from
``np.random.default_rng(seed)``, so a seed gives the same split everywhere.
"""
import numpy as np


def holdout_folds(labels, fraction, k, seed):
    """k disjoint stratified hold-out sets of ``fraction`` of the examples each.

    Returns a list of k sorted int64 index arrays; every class keeps at least
    one example outside all of them.
    """
    rng = np.random.default_rng(seed)
    folds = [[] for _ in range(k)]
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        members = members[rng.permutation(len(members))]
        take = int(round(fraction * len(members)))
        take = min(take, (len(members) - 1) // k)
        for j in range(k):
            folds[j].append(members[j * take:(j + 1) * take])
    return [np.sort(np.concatenate(f)) for f in folds]


def complement(n, indices):
    """Sorted int64 indices in ``range(n)`` that are not in ``indices``."""
    keep = np.ones(n, dtype=bool)
    keep[indices] = False
    return np.flatnonzero(keep)


def split_holdout(labels, fraction, seed):
    """Stratified hold-out: (train indices, valid indices), int64, each sorted."""
    valid = holdout_folds(labels, fraction, 1, seed)[0]
    return complement(len(labels), valid), valid


def cross_validation_folds(labels, k, seed):
    """int64 (n,) fold number in [0, k) of each example, classes spread evenly."""
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(labels), dtype=np.int64)
    offset = 0
    for c in range(int(labels.max()) + 1 if len(labels) else 0):
        members = np.flatnonzero(labels == c)
        members = members[rng.permutation(len(members))]
        fold_of[members] = (np.arange(len(members)) + offset) % k
        offset += len(members)
    return fold_of
