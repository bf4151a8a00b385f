"""Classification metrics.

* :func:`classification_report`, :func:`format_report`: accuracy, per-class
  precision, recall and F1, the confusion matrix, as a dict and as a table
  (pure Python: labels may be any hashable values, usually strings).
* :func:`probability_metrics`: accuracy, macro-F1, log loss and expected
  calibration error of single-label class probabilities.
* :func:`multilabel_report`, :func:`format_multilabel_report`: precision and
  recall at 1 and at k (as fastText's ``test``), micro- and macro-F1 of the
  labels kept at a probability threshold, and each label's P/R/F1/support.
"""
import numpy as np


def classification_report(true_labels, predicted_labels, classes=None):
    """Compare predictions with the true labels.

    ``classes`` fixes the order of the classes (default: the labels seen in
    either list, sorted); it must contain every label of both lists.
    Returns a dict::

        {"accuracy": float, "correct": int, "n": int, "classes": [...],
         "per_class": {class: {"precision", "recall", "f1", "support"}},
         "macro": {"precision", "recall", "f1", "support"},
         "weighted": {...},                      # averages weighted by support
         "confusion": [[int]]}                   # row = true, column = predicted

    A precision (recall) whose class was never predicted (never true) is 0,
    and so is F1 when precision and recall are both 0. Macro averages run
    over all of ``classes``.
    """
    true_labels, predicted_labels = list(true_labels), list(predicted_labels)
    if len(true_labels) != len(predicted_labels):
        raise ValueError(f"{len(true_labels)} true labels but {len(predicted_labels)} "
                         "predictions")
    if not true_labels:
        raise ValueError("no labels to compare")
    if classes is None:
        classes = sorted(set(true_labels) | set(predicted_labels))
    classes = list(classes)
    index = {c: i for i, c in enumerate(classes)}
    if len(index) != len(classes):
        raise ValueError("classes has repeated entries")
    missing = (set(true_labels) | set(predicted_labels)) - index.keys()
    if missing:
        raise ValueError(f"labels not in classes: {sorted(map(str, missing))}")
    k = len(classes)
    confusion = [[0] * k for _ in range(k)]
    for t, p in zip(true_labels, predicted_labels):
        confusion[index[t]][index[p]] += 1
    n = len(true_labels)
    correct = sum(confusion[i][i] for i in range(k))
    per_class = {}
    for i, c in enumerate(classes):
        tp = confusion[i][i]
        support = sum(confusion[i])
        predicted = sum(row[i] for row in confusion)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": precision, "recall": recall, "f1": f1,
                        "support": support}
    macro = {m: sum(s[m] for s in per_class.values()) / k
             for m in ("precision", "recall", "f1")}
    macro["support"] = n
    weighted = {m: sum(s[m] * s["support"] for s in per_class.values()) / n
                for m in ("precision", "recall", "f1")}
    weighted["support"] = n
    return {"accuracy": correct / n, "correct": correct, "n": n, "classes": classes,
            "per_class": per_class, "macro": macro, "weighted": weighted,
            "confusion": confusion}


def format_report(report, digits=4):
    """A plain-text table of a :func:`classification_report`: accuracy, one
    row per class, the averages, then the confusion matrix."""
    classes = [str(c) for c in report["classes"]]
    rows = list(zip(classes, report["per_class"].values()))
    rows += [("macro avg", report["macro"]), ("weighted avg", report["weighted"])]
    width = max(len(name) for name, _ in rows)
    number = max(digits + 2, 9)
    lines = [f"accuracy {report['accuracy']:.{digits}f} "
             f"({report['correct']:,} of {report['n']:,} correct)", ""]
    lines.append(f"{'class':<{width}}  " + "  ".join(
        f"{h:>{number}}" for h in ("precision", "recall", "f1", "support")))
    for i, (name, scores) in enumerate(rows):
        if i == len(classes):
            lines.append("")
        lines.append(f"{name:<{width}}  " + "  ".join(
            f"{scores[m]:>{number}.{digits}f}" for m in ("precision", "recall", "f1"))
            + f"  {scores['support']:>{number},}")
    lines += ["", "confusion matrix (rows: true class, columns: predicted class)"]
    counts = report["confusion"]
    cell = max([len(c) for c in classes] + [len(f"{v:,}") for row in counts for v in row])
    label_width = max(len(c) for c in classes)
    lines.append(" " * label_width + "  " + "  ".join(f"{c:>{cell}}" for c in classes))
    for name, row in zip(classes, counts):
        lines.append(f"{name:<{label_width}}  " + "  ".join(f"{v:>{cell},}" for v in row))
    return "\n".join(lines) + "\n"


def _f1(precision, recall):
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def probability_metrics(probs, y):
    """Single-label: {"accuracy", "macro_f1", "log_loss", "ece"} of probabilities
    float (n, C) against class ids int (n,). Macro-F1 runs over the classes in
    ``y`` or predicted."""
    from .calibration import expected_calibration_error
    probs = np.asarray(probs, np.float64)
    y = np.asarray(y)
    predicted = probs.argmax(axis=1)
    f1s = []
    for c in np.union1d(np.unique(y), np.unique(predicted)):
        tp = float(np.sum((predicted == c) & (y == c)))
        precision = tp / max(np.sum(predicted == c), 1)
        recall = tp / max(np.sum(y == c), 1)
        f1s.append(_f1(precision, recall))
    picked = probs[np.arange(len(y)), y]
    return {"accuracy": float(np.mean(predicted == y)), "macro_f1": float(np.mean(f1s)),
            "log_loss": float(-np.mean(np.log(np.maximum(picked, 1e-15)))),
            "ece": expected_calibration_error(probs, y)}


def multilabel_report(probs, targets, classes, k=5, threshold=0.5):
    """Multi-label predictions judged against the true label sets.

    probs: float (n, C) per-label probabilities; targets: bool (n, C).
    P@k: the share of the k most probable labels of each text that are
    true; R@k: the share of the true labels found among them. F1: labels
    kept when their probability is at least ``threshold``; micro over all
    (text, label) pairs, macro averaged over the labels that are true or
    kept somewhere. Returns a dict with ``p@1``, ``r@1``, ``p@k``, ``r@k``,
    ``k``, ``threshold``, ``micro_f1``, ``macro_f1``, ``n``, ``labels``
    (true label count) and ``per_label`` ({label: precision, recall, f1,
    support}).
    """
    probs = np.asarray(probs, np.float64)
    targets = np.asarray(targets, bool)
    n, n_classes = probs.shape
    k = max(1, min(int(k), n_classes))
    order = np.argsort(-probs, axis=1, kind="stable")
    gold = max(int(targets.sum()), 1)
    out = {"n": n, "labels": int(targets.sum()), "k": k, "threshold": float(threshold)}
    for at in sorted({1, k}):
        hits = np.take_along_axis(targets, order[:, :at], axis=1).sum()
        out[f"p@{at}"] = float(hits / max(n * at, 1))
        out[f"r@{at}"] = float(hits / gold)
    if k != 1:
        out["p@k"], out["r@k"] = out[f"p@{k}"], out[f"r@{k}"]
    else:
        out["p@k"], out["r@k"] = out["p@1"], out["r@1"]
    kept = probs >= threshold
    tp = (kept & targets).sum(axis=0)
    predicted = kept.sum(axis=0)
    support = targets.sum(axis=0)
    micro_p = tp.sum() / max(predicted.sum(), 1)
    micro_r = tp.sum() / gold
    out["micro_f1"] = float(_f1(micro_p, micro_r))
    per_label, f1s = {}, []
    for c in range(n_classes):
        precision = float(tp[c] / predicted[c]) if predicted[c] else 0.0
        recall = float(tp[c] / support[c]) if support[c] else 0.0
        per_label[classes[c]] = {"precision": precision, "recall": recall,
                                 "f1": _f1(precision, recall), "support": int(support[c])}
        if support[c] or predicted[c]:
            f1s.append(per_label[classes[c]]["f1"])
    out["macro_f1"] = float(np.mean(f1s)) if f1s else 0.0
    out["per_label"] = per_label
    return out


def format_multilabel_report(report, digits=4):
    """A plain-text table of a :func:`multilabel_report`."""
    k = report["k"]
    lines = [f"examples {report['n']:,}, true labels {report['labels']:,}",
             f"P@1 {report['p@1']:.{digits}f}  R@1 {report['r@1']:.{digits}f}  "
             f"P@{k} {report['p@k']:.{digits}f}  R@{k} {report['r@k']:.{digits}f}",
             f"at threshold {report['threshold']:g}: micro-F1 {report['micro_f1']:.{digits}f}  "
             f"macro-F1 {report['macro_f1']:.{digits}f}", ""]
    rows = [(str(label), scores) for label, scores in report["per_label"].items()
            if scores["support"] or scores["precision"]]
    width = max([len(name) for name, _ in rows] + [5])
    number = max(digits + 2, 9)
    lines.append(f"{'label':<{width}}  " + "  ".join(
        f"{h:>{number}}" for h in ("precision", "recall", "f1", "support")))
    for name, scores in sorted(rows, key=lambda r: -r[1]["support"]):
        lines.append(f"{name:<{width}}  " + "  ".join(
            f"{scores[m]:>{number}.{digits}f}" for m in ("precision", "recall", "f1"))
            + f"  {scores['support']:>{number},}")
    return "\n".join(lines) + "\n"
