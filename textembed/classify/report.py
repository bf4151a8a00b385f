"""The report page of a trained classifier: one self-contained HTML file (inline CSS and
SVG figures; no scripts, no links out of the page).

Sections: the summary (architecture, labels, data sizes, the figures of metrics.json),
the training curves (``history``), and, judged on labelled data (an
:class:`Evaluation`): the confusion matrix (single-label models), the per-class
table, a reliability diagram with its expected calibration error, and the most
confident errors, their tokens coloured by :meth:`TextClassifier.explain`. Without
labelled data the page says that these need it. The figures need matplotlib
(:mod:`textembed.plotting`).
"""
from dataclasses import dataclass

import numpy as np

from .. import plotting
from .._version import __version__
from .calibration import reliability
from .metrics import classification_report, multilabel_report
from .pages import escape, highlighted, page, table

ERRORS = 20          # confident errors listed
MATRIX_CLASSES = 30  # largest confusion matrix drawn (the most frequent classes)
TOP_K = 5            # multi-label: precision and recall at k


@dataclass
class Evaluation:
    """Labelled data the model is judged on.

    name: how the page names it (e.g. the file); texts: list of str; labels: a str per
    text, or a list of str per text for a multi-label model; probabilities: None (the
    classifier predicts them) or float (n, C) in ``classes_`` order (e.g. held-out
    scores of the training data); note: a sentence on where they come from, or None.
    """
    name: str
    texts: list
    labels: list
    probabilities: np.ndarray = None
    note: str = None


def report_page(classifier, evaluation=None, title=None, errors=ERRORS):
    """The page (str) of a fitted :class:`~.model.TextClassifier`; ``evaluation`` (an
    :class:`Evaluation` or None), ``title`` (e.g. the model directory), ``errors``: how
    many of the most confident errors to list."""
    plotting.require_matplotlib("the report")
    title = title or f"{classifier.arch} classifier"
    judged = None if evaluation is None else _judge(classifier, evaluation)
    sections = [("summary", "Summary", _summary(classifier, judged)),
                ("curves", "Training curves", _curves(classifier))]
    if judged is None:
        sections.append(("evaluation", "Evaluation", (
            "<p>The evaluation (confusion matrix, per-class table, reliability diagram, most "
            "confident errors) needs a labelled file: <code>textembed report MODEL_DIR "
            "FILE -o OUT.html</code>, FILE in one of the formats of "
            "<code>test-classifier</code>.</p>")))
    else:
        sections += [("confusion", "Confusion matrix", _confusion(judged)),
                     ("per-class", "Per-class figures", _per_class(judged)),
                     ("calibration", "Reliability diagram", _calibration(judged)),
                     ("errors", "Most confident errors", _errors(classifier, judged,
                                                                  errors))]
    nav = " ".join(f'<a href="#{key}">{escape(name)}</a>' for key, name, _ in sections)
    body = [f"<h1>textembed report: {escape(title)}</h1>", f"<nav>{nav}</nav>"]
    body += [f'<section id="{key}">\n<h2>{escape(name)}</h2>\n{html}\n</section>'
             for key, name, html in sections]
    body.append(f'<p class="note">Written by textembed {escape(__version__)}.</p>')
    return page(f"textembed report: {title}", "\n".join(body))


# -- judging ---------------------------------------------------------------------

@dataclass
class _Judged:
    """An evaluation's predictions: classes (the model's, then labels it never saw),
    probs float64 (n, len(classes)), top int (n,) predicted class, correct bool (n,),
    truth (single-label: class index int (n,); multi-label: bool (n, len(classes))),
    report (:func:`classification_report` or :func:`multilabel_report`)."""
    evaluation: Evaluation
    multilabel: bool
    classes: list
    unseen: list
    probs: np.ndarray
    top: np.ndarray
    correct: np.ndarray
    truth: np.ndarray
    report: dict


def _judge(classifier, evaluation):
    model_classes = list(classifier.classes_)
    multilabel = classifier.multilabel_
    sets = [list(labels) if multilabel else [labels] for labels in evaluation.labels]
    unseen = sorted({label for s in sets for label in s} - set(model_classes))
    classes = model_classes + unseen
    probs = (classifier.predict_proba(evaluation.texts) if evaluation.probabilities is None
             else evaluation.probabilities)
    probs = np.asarray(probs, np.float64)
    probs = np.concatenate([probs, np.zeros((len(probs), len(unseen)))], axis=1)
    index = {c: i for i, c in enumerate(classes)}
    top = probs.argmax(axis=1) if len(probs) else np.zeros(0, np.int64)
    if multilabel:
        truth = np.zeros(probs.shape, bool)
        for row, labels in enumerate(sets):
            truth[row, [index[label] for label in labels]] = True
        correct = truth[np.arange(len(top)), top]
        report = multilabel_report(probs, truth, classes, k=TOP_K)
    else:
        truth = np.array([index[s[0]] for s in sets], np.int64)
        correct = top == truth
        report = classification_report([s[0] for s in sets], [classes[i] for i in top],
                                       classes=classes)
    return _Judged(evaluation, multilabel, classes, unseen, probs, top, correct, truth,
                   report)


# -- sections ----------------------------------------------------------------------

def _number(value, digits=4):
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def _summary(classifier, judged):
    m = classifier.metrics_ or {}
    arch = m.get("arch", classifier.arch) + (" (the default)" if m.get("default") else "")
    classes = list(classifier.classes_)
    shown = ", ".join(escape(c) for c in classes[:40]) + (
        f", ... ({len(classes) - 40:,} more)" if len(classes) > 40 else "")
    facts = [("architecture", escape(arch)),
             ("labels", f"{len(classes):,}{' (multi-label)' if classifier.multilabel_ else ''}"
                        f": {shown}"),
             ("training examples", _number(m.get("train_samples")))]
    if m.get("valid_samples"):
        folds = m.get("folds")
        how = f" (out of fold, {folds} folds)" if folds else ""
        facts.append(("validation examples", _number(m["valid_samples"]) + how))
    for key, name in (("features", "n-gram features"), ("vocab_size", "vocabulary"),
                      ("epochs", "epochs"), ("train_seconds", "training seconds")):
        if m.get(key) is not None:
            facts.append((name, _number(m[key], 1)))
    if m.get("quantized"):
        facts.append(("stored", "quantized (int8 tables)"))
    if m.get("class_weight"):
        facts.append(("class weights", escape(", ".join(
            f"{c}: {w:.3g}" for c, w in list(m["class_weight"].items())[:10]))))
    if judged is not None:
        e = judged.evaluation
        facts.append(("evaluated on", f"{escape(e.name)}: {len(e.texts):,} examples"
                      + (f" ({escape(e.note)})" if e.note else "")))
    rows = [[escape(name), value] for name, value in facts]
    out = [table(None, rows, id="facts")]
    out.append(_metrics_table(classifier, judged))
    return "\n".join(out)


def _metrics_table(classifier, judged):
    """The key figures of metrics.json (train, validation, test) beside the evaluation's."""
    m = classifier.metrics_ or {}
    if classifier.multilabel_:
        keys = [("p@1", "P@1"), ("r@1", "R@1"), ("p@k", f"P@{m.get('train_k', TOP_K)}"),
                ("r@k", f"R@{m.get('train_k', TOP_K)}"), ("micro_f1", "micro-F1"),
                ("macro_f1", "macro-F1")]
    else:
        keys = [("accuracy", "accuracy"), ("macro_f1", "macro-F1"), ("log_loss", "log loss"),
                ("ece", "ECE")]
    parts = [p for p in ("train", "valid", "test")
             if any(m.get(f"{p}_{key}") is not None for key, _ in keys)]
    names = {"train": "training", "valid": "validation", "test": "test"}
    header = ["figure"] + [names[p] for p in parts]
    own = _evaluation_figures(judged) if judged is not None else None
    if own is not None:
        header.append(judged.evaluation.name)
    rows = []
    for key, name in keys:
        row = [escape(name)] + [_number(m.get(f"{p}_{key}")) for p in parts]
        if own is not None:
            row.append(_number(own.get(key)))
        rows.append(row)
    return table(header, rows, id="metrics", numeric=range(1, len(header)))


def _evaluation_figures(judged):
    r = judged.report
    if judged.multilabel:
        return {k: r[k] for k in ("p@1", "r@1", "p@k", "r@k", "micro_f1", "macro_f1")}
    probs = judged.probs
    picked = probs[np.arange(len(probs)), judged.truth]
    return {"accuracy": r["accuracy"], "macro_f1": r["macro"]["f1"],
            "log_loss": float(-np.mean(np.log(np.maximum(picked, 1e-15)))),
            "ece": reliability(probs.max(axis=1), judged.correct)["ece"]}


def _curves(classifier):
    history = classifier.history
    if not history:
        return ("<p>This model was saved without a training history (by an earlier "
                "textembed).</p>")
    m = classifier.metrics_ or {}
    score = "p@1" if "p@1" in history else "accuracy"
    reference, said = None, ""
    oof = m.get(f"valid_{score}")
    if classifier.kind == "ngram" and oof is not None:
        reference = ("stacked model, out of fold", oof)
        said = (f" The stacked model (NB-LR and naive Bayes, calibrated) scores "
                f"{score} {oof:.4f} out of fold (dashed line).")
    svg = plotting.inline_svg(plotting.training_curves(history, reference), "curves-")
    source = m.get("history_source") or "the model"
    return (f"<figure>{svg}\n<figcaption>Loss and {escape(score)} per epoch: "
            f"{escape(source)}.{escape(said)}</figcaption></figure>")


def _confusion(judged):
    if judged.multilabel:
        return ("<p>A multi-label model has no confusion matrix: a text may have several "
                "labels and be given several, so an error is not one label taken for "
                "another. The per-label table below gives each label's precision and "
                "recall.</p>")
    classes, counts = judged.classes, np.asarray(judged.report["confusion"])
    shown = list(range(len(classes)))
    note = ""
    if len(classes) > MATRIX_CLASSES:
        support = counts.sum(axis=1)
        shown = sorted(np.argsort(-support, kind="stable")[:MATRIX_CLASSES].tolist())
        note = (f"<p class=\"note\">The {MATRIX_CLASSES} most frequent of {len(classes):,} "
                f"true classes; the other rows and columns are left out.</p>")
    rows = []
    for i in shown:
        total = max(int(counts[i].sum()), 1)
        cells = [(escape(classes[i]), 'class="true"')]
        for j in shown:
            share = counts[i, j] / total
            colour = "0,130,60" if i == j else "200,40,40"
            cells.append((f"{counts[i, j]:,}", f'style="background:rgba({colour},'
                                                 f'{0.85 * share:.2f})" title="{share:.1%} of '
                                                 f'the row"'))
        rows.append(cells)
    matrix = table(["true \\ predicted"] + [classes[j] for j in shown], rows,
                   id="confusion-matrix", css_class="matrix")
    return (f"{note}{matrix}\n<p class=\"note\">Rows: the true class; columns: the "
            "predicted one; the colour shows each cell's share of its row (green: right, "
            f"red: wrong).{_unseen_note(judged)}</p>")


def _unseen_note(judged):
    if not judged.unseen:
        return ""
    return (f" Labels the model never saw in training, counted as errors: "
            f"{escape(', '.join(judged.unseen[:10]))}{' ...' if len(judged.unseen) > 10 else ''}.")


def _per_class(judged):
    r = judged.report
    per_class = r["per_label"] if judged.multilabel else r["per_class"]
    rows = [[escape(c), _number(s["precision"]), _number(s["recall"]), _number(s["f1"]),
             f"{s['support']:,}"] for c, s in per_class.items()]
    header = ["label" if judged.multilabel else "class", "precision", "recall", "F1",
              "support"]
    if judged.multilabel:
        intro = (f"<p>P@1 {r['p@1']:.4f}, R@1 {r['r@1']:.4f}; P@{r['k']} {r['p@k']:.4f}, "
                 f"R@{r['k']} {r['r@k']:.4f}; at threshold {r['threshold']:g}: micro-F1 "
                 f"{r['micro_f1']:.4f}, macro-F1 {r['macro_f1']:.4f}. A label is kept when "
                 f"its probability reaches the threshold.</p>")
    else:
        intro = (f"<p>Accuracy {r['accuracy']:.4f} ({r['correct']:,} of {r['n']:,} "
                 "correct).</p>")
        for name in ("macro", "weighted"):
            s = r[name]
            rows.append([(f"{name} average", 'class="total"'), _number(s["precision"]),
                         _number(s["recall"]), _number(s["f1"]), f"{s['support']:,}"])
    return intro + table(header, rows, id="per-class-table", numeric=(1, 2, 3, 4))


def _calibration(judged):
    confidence = judged.probs.max(axis=1)
    figures = reliability(confidence, judged.correct)
    svg = plotting.inline_svg(plotting.reliability_diagram(figures), "reliability-")
    what = "the top label is a true one" if judged.multilabel else "the prediction is right"
    return (f'<figure>{svg}\n<figcaption>Expected calibration error (ECE): '
            f'<strong id="ece">{figures["ece"]:.4f}</strong> over {len(confidence):,} '
            f"predictions in {len(figures['count'])} equal-width bins of the top "
            f"probability: how far, on average, the confidence is from how often {what}."
            f"</figcaption></figure>")


def _errors(classifier, judged, n):
    wrong = np.flatnonzero(~judged.correct)
    if not len(wrong):
        return "<p>No errors: every prediction is right.</p>"
    if n < 1:
        return f"<p>{len(wrong):,} errors; none listed (--errors 0).</p>"
    confidence = judged.probs.max(axis=1)
    worst = wrong[np.argsort(-confidence[wrong], kind="stable")][:n]
    texts = judged.evaluation.texts
    model_classes = list(classifier.classes_)
    rows = []
    for rank, i in enumerate(worst.tolist(), 1):
        predicted = judged.classes[judged.top[i]]
        explained = classifier.explain([texts[i]], label=predicted)[0] \
            if predicted in model_classes else None
        text = highlighted(explained["tokens"]) if explained and explained["tokens"] \
            else escape(texts[i])
        if judged.multilabel:
            truth = ", ".join(judged.classes[j] for j in np.flatnonzero(judged.truth[i]))
        else:
            truth = judged.classes[judged.truth[i]]
        rows.append([str(rank), f"{confidence[i]:.4f}", escape(predicted), escape(truth),
                     text])
    method = "exact linear weights" if classifier.kind == "ngram" else \
        "occlusion: the drop of the probability without the token"
    note = judged.evaluation.note
    which = (f"All {len(wrong):,} errors" if len(worst) == len(wrong) else
             f"The {len(worst):,} errors of {len(wrong):,} made with the highest probability")
    return (f"<p>{which}, most confident first. Green tokens raise the predicted label, red "
            f"ones lower it ({method}; hover a token for its weight).</p>"
            + (f'<p class="note">{escape(note[:1].upper() + note[1:])}.</p>' if note else "")
            + table(["#", "probability", "predicted", "true", "text"], rows,
                    id="errors-table", numeric=(0, 1)))
