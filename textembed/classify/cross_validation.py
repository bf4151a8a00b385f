"""K-fold cross-validation of a :class:`~textembed.classify.model.TextClassifier`."""
import numpy as np

from ..io import InputError
from .model import TextClassifier, check_pair
from .splits import cross_validation_folds


def cross_validate(texts, labels, k=10, seed=0, **classifier_params):
    """K-fold cross-validation (folds stratified by each text's first label, chosen
    with ``seed``).

    Returns {"folds": [score per fold], "mean", "std", "k"}; each fold trains
    ``TextClassifier(seed=seed + fold, **classifier_params)`` on the other k-1
    folds and scores the held-out one with :meth:`TextClassifier.score`
    (accuracy, or precision at 1 for multi-label data); held-out labels that
    the fold's training data lacks are left out.
    """
    texts, sets = check_pair(texts, labels)
    k = int(k)
    if k < 2:
        raise InputError(f"cross-validation needs k >= 2 folds, got {k}")
    if len(texts) < k:
        raise InputError(f"cross-validation with {k} folds needs at least {k} texts, "
                         f"got {len(texts)}")
    firsts = [s[0] if s else "" for s in sets]
    classes = sorted(set(firsts))
    if len({label for s in sets for label in s}) < 2:
        raise InputError(f"the data has a single class ({classes[0] if classes else None!r}); "
                         f"a classifier needs at least two labels")
    index = {c: i for i, c in enumerate(classes)}
    fold_of = cross_validation_folds(np.array([index[v] for v in firsts], dtype=np.int64), k,
                                     seed)
    labels = [list(s) if len(s) != 1 else s[0] for s in sets]
    scores = []
    for fold in range(k):
        test = np.flatnonzero(fold_of == fold)
        train = np.flatnonzero(fold_of != fold)
        classifier = TextClassifier(seed=seed + fold, **classifier_params)
        classifier.fit([texts[i] for i in train], [labels[i] for i in train])
        known = set(classifier.classes_)
        keep = [i for i in test if set(sets[i] if classifier.multilabel_ else sets[i][:1])
                <= known]
        scores.append(classifier.score([texts[i] for i in keep], [labels[i] for i in keep]))
    folds = [float(a) for a in scores]
    return {"folds": folds, "mean": float(np.mean(folds)), "std": float(np.std(folds)),
            "k": k}
