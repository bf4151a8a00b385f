"""Labels as the models take them: class ids, label sets and class weights.

One label per text (single-label) becomes an int32 class id; several labels
per text (multi-label) become a :class:`~.ngrams.SparseRows` of class ids
and a bool (n, C) target matrix. Classes are the sorted label strings.
"""
import numpy as np

from ..io import InputError
from .ngrams import SparseRows


def label_sets(labels):
    """Each example's labels as a tuple of str: a str is one label, a list/tuple/set
    several (duplicates dropped, order kept)."""
    out = []
    for i, item in enumerate(labels):
        if isinstance(item, str):
            out.append((item,))
        elif isinstance(item, (list, tuple, set, frozenset)):
            out.append(tuple(dict.fromkeys(str(v) for v in item)))
        else:
            out.append((str(item),))
    return out


def is_multilabel(sets):
    return any(len(s) != 1 for s in sets)


def unseen_message(what, unseen, classes):
    shown = ", ".join(repr(u) for u in unseen[:10])
    more = f" and {len(unseen) - 10} more" if len(unseen) > 10 else ""
    return (f"{what}: label(s) never seen in training: {shown}{more}; the training labels "
            f"are {', '.join(map(repr, classes[:20]))}")


def encode(labels, classes, what):
    """int32 (n,) class ids of single labels (str); InputError naming unseen labels."""
    index = {label: i for i, label in enumerate(classes)}
    unseen = sorted({label for label in labels if label not in index})
    if unseen:
        raise InputError(unseen_message(what, unseen, classes))
    return np.fromiter((index[label] for label in labels), dtype=np.int32, count=len(labels))


def encode_sets(sets, classes, what):
    """(SparseRows of class ids, bool (n, C) targets) of label sets; InputError for
    labels never seen in training."""
    index = {label: i for i, label in enumerate(classes)}
    unseen = sorted({label for s in sets for label in s if label not in index})
    if unseen:
        raise InputError(unseen_message(what, unseen, classes))
    lengths = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    indptr = np.zeros(len(sets) + 1, np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.fromiter((index[label] for s in sets for label in s), dtype=np.int32,
                          count=int(indptr[-1]))
    targets = np.zeros((len(sets), len(classes)), dtype=bool)
    targets[np.repeat(np.arange(len(sets)), lengths), indices] = True
    return SparseRows(indptr, indices), targets


def parse_class_weight(text):
    """``"balanced"`` or ``"LABEL:W,LABEL:W"`` (from the command line) -> "balanced" or a
    dict label -> float; ValueError with what is wrong."""
    text = text.strip()
    if text == "balanced":
        return text
    weights = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        label, colon, value = part.rpartition(":")
        if not colon or not label:
            raise ValueError(f"{part!r} is not LABEL:WEIGHT")
        try:
            weights[label] = float(value)
        except ValueError:
            raise ValueError(f"{part!r}: the weight {value!r} is not a number") from None
    if not weights:
        raise ValueError("give 'balanced' or LABEL:WEIGHT pairs separated by commas")
    return weights


def class_weights(spec, classes, counts):
    """float32 (C,) weight of each class.

    spec: None (all 1), "balanced" (n / (C * count), as scikit-learn; classes
    absent from the data get 1) or a dict label -> weight (others 1).
    counts: float (C,) examples of each class.
    """
    weights = np.ones(len(classes), np.float32)
    if spec is None:
        return weights
    if isinstance(spec, str):
        if spec != "balanced":
            raise InputError(f"class_weight must be 'balanced' or a dict label -> weight, "
                             f"got {spec!r}")
        present = counts > 0
        weights[present] = counts.sum() / (present.sum() * counts[present])
        return weights
    if not isinstance(spec, dict):
        raise InputError(f"class_weight must be 'balanced' or a dict label -> weight, "
                         f"got {type(spec).__name__}")
    index = {c: i for i, c in enumerate(classes)}
    unknown = sorted(str(label) for label in spec if str(label) not in index)
    if unknown:
        raise InputError(f"class weight for {', '.join(map(repr, unknown))}: no such label in "
                         f"the training data (its labels: "
                         f"{', '.join(map(repr, classes[:20]))})")
    for label, weight in spec.items():
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise InputError(f"class weight of {label!r} must be a number, got "
                             f"{weight!r}") from None
        if not weight > 0 or not np.isfinite(weight):
            raise InputError(f"class weight of {label!r} must be a positive number, got "
                             f"{weight}")
        weights[index[str(label)]] = weight
    return weights
