"""The lines `textembed predict` writes: one per text, as the command documents."""


def prediction_lines(classifier, texts, k=1, threshold=None, proba=False):
    """list of str, one per text (no line ends): the label; with ``k`` > 1 or a
    ``threshold`` the labels kept, tab-separated (possibly none); ``proba`` adds
    the probabilities (``label<TAB>class:p...`` of every class, or ``label:p``
    for each label kept), 4 decimals."""
    classes = classifier.classes_
    if k > 1 or threshold is not None:
        kept = classifier.top_labels(classifier.predict_proba(texts), k, threshold)
        return ["\t".join(f"{classes[i]}:{p:.4f}" if proba else classes[i]
                          for i, p in ranked) for ranked in kept]
    if proba:
        rows = []
        for p in classifier.predict_proba(texts):
            best = int(p.argmax())
            rows.append(classes[best] + "\t" + "\t".join(
                f"{c}:{v:.4f}" for c, v in zip(classes, p.tolist())))
        return rows
    return classifier.predict(texts)
