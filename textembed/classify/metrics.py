"""Classification metrics: accuracy, per-class precision, recall and F1, the
confusion matrix, and a readable table of them. Pure Python (labels may be
any hashable values, usually strings)."""


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
