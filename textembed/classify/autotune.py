"""Autotune: search the architecture and its hyper-parameters for a time budget.

:func:`tune` (what ``TextClassifier.fit(autotune_duration=...)`` calls) sets
the validation data aside and calls :func:`autotune`, which trains one
candidate after another on the training part, scores each with the chosen
metric on the validation data (and, for a bag, also on its out-of-fold
predictions for the training part), and returns the best settings, unless
they beat the default's by less than the noise of picking the best of many
(the standard error of the difference times sqrt(2 ln trials)): then the
default's. The first candidate is the default; the others are drawn from
:data:`BAG_SPACE` (and, when the budget is large against the cost of a bag,
:data:`NETWORK_SPACE`) by a generator seeded with ``seed``: the same seed
tries the same candidates in the same order, and how many of them fit in
the duration depends on the machine. Metrics: ``accuracy``, ``macro-f1``,
``f1:LABEL`` (one label's F1) and, for multi-label data, ``p@K`` (precision
at K).
"""
import math
import sys
import time

import numpy as np

from .._blas import thread_limit
from ..io import InputError
from . import architectures

METRICS = ("accuracy", "macro-f1", "f1:LABEL", "p@K")

# Each entry: a list of values to choose from, or ("log", low, high) for a
# log-uniform draw.
BAG_SPACE = {
    "word_ngrams": [1, 2, 2, 3],
    "minn": [1, 2, 3],
    "maxn": [0, 4, 5, 5, 6],
    "epochs": [5, 10, 10, 20, 30],
    "learning_rate": ("log", 0.01, 0.3),
    "l2": ("log", 1e-6, 1e-3),
    "naive_bayes": [True, False],
    "nb_scale": [True, True, False],
    "min_df": [1, 1, 2],
}
NETWORK_SPACE = {
    "embedding-bag": {"epochs": [3, 5, 8, 12], "learning_rate": ("log", 0.001, 0.01),
                      "dropout": [0.0, 0.3, 0.5], "token_dropout": [0.0, 0.2, 0.3],
                      "embed_dim": [32, 64, 128], "ensemble": [1, 2]},
    "cnn": {"epochs": [5, 10], "dropout": [0.3, 0.5], "embed_dim": [100, 300]},
}
# networks are tried only when the budget holds this many bag trials
_NETWORK_BUDGET = 40


def check_metric(metric, classes, multilabel):
    """The metric, checked: InputError with the choices when it is not one."""
    metric = str(metric)
    if metric in ("accuracy", "macro-f1") and not multilabel:
        return metric
    if metric.startswith("f1:") and metric[3:] in classes:
        return metric
    if multilabel and metric.startswith("p@") and metric[2:].isdigit() and int(metric[2:]) > 0:
        return metric
    if metric.startswith("f1:"):
        raise InputError(f"autotune metric {metric}: no label {metric[3:]!r} in the training "
                         f"data")
    choices = "p@K (K >= 1), f1:LABEL" if multilabel else "accuracy, macro-f1, f1:LABEL"
    raise InputError(f"unknown autotune metric {metric!r} for "
                     f"{'multi-label' if multilabel else 'single-label'} data; choose "
                     f"{choices}")


def score(metric, probs, truth, classes, multilabel):
    """The metric of probabilities ``probs`` (n, C) against ``truth`` (higher is better)."""
    from .metrics import multilabel_report, probability_metrics
    if multilabel:
        if metric.startswith("p@"):
            return multilabel_report(probs, truth, classes, k=int(metric[2:]))["p@k"]
        c = classes.index(metric[3:])
        kept, true = probs[:, c] >= 0.5, truth[:, c]
    else:
        if metric == "accuracy":
            return float(np.mean(probs.argmax(axis=1) == truth))
        if metric == "macro-f1":
            return probability_metrics(probs, truth)["macro_f1"]
        c = classes.index(metric[3:])
        kept, true = probs.argmax(axis=1) == c, truth == c
    tp = float(np.sum(kept & true))
    precision, recall = tp / max(kept.sum(), 1), tp / max(true.sum(), 1)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _draw(space, rng):
    out = {}
    for name, choices in space.items():
        if isinstance(choices, tuple) and choices[0] == "log":
            low, high = math.log(choices[1]), math.log(choices[2])
            out[name] = float(round(math.exp(rng.uniform(low, high)), 6))
        else:
            value = choices[int(rng.integers(len(choices)))]
            out[name] = value.item() if hasattr(value, "item") else value
    return out


def candidates(seed):
    """Yield candidate settings ({"arch": ..., params}): the default first, then draws
    (a fifth of them networks, which :func:`autotune` may skip)."""
    rng = np.random.default_rng(seed)
    yield {"arch": "default"}
    while True:
        if rng.random() < 0.2:
            arch = ("embedding-bag", "cnn")[int(rng.integers(2))]
            yield dict(_draw(NETWORK_SPACE[arch], rng), arch=arch)
            continue
        params = _draw(BAG_SPACE, rng)
        if params["maxn"] and params["minn"] > params["maxn"]:
            params["minn"] = params["maxn"]
        yield dict(params, arch="bag")


def autotune(make, train, valid, duration, metric, seed, verbose=0):
    """Search for ``duration`` seconds; returns {"params", "metric", "score", "trials",
    "seconds", "history"}.

    make(params) -> an unfitted TextClassifier with those settings; train,
    valid: (texts, labels) as :meth:`TextClassifier.fit` takes them. Networks
    are tried only when the duration holds many trials of the default.
    """
    started = time.perf_counter()
    best, default, history, networks = None, None, [], False
    bar = _progress(duration, verbose)
    try:
        for trial, params in enumerate(candidates(seed)):
            if trial and time.perf_counter() - started >= duration:
                break
            if params["arch"] not in ("default", "bag") and not networks:
                continue
            t0 = time.perf_counter()
            classifier = make(params).fit(*train)
            judged = _judged(classifier, train, valid)
            value = score(metric, judged[0], judged[1], classifier.classes_,
                          classifier.multilabel_)
            seconds = time.perf_counter() - t0
            if trial == 0:
                if seconds > duration:
                    raise InputError(f"the autotune duration of {duration:g} s is too short: "
                                     f"one trial (the default) took {seconds:.1f} s; give at "
                                     f"least {math.ceil(seconds * 10)} s for a search")
                networks = duration >= _NETWORK_BUDGET * seconds
            history.append({"params": params, "score": value, "seconds": seconds})
            if trial == 0:
                default = dict(history[-1], judged=judged)
            if best is None or value > best["score"]:
                best = dict(history[-1], judged=judged)
                _say(verbose, bar, f"autotune: trial {len(history)}: {metric} {value:.4f} "
                                   f"with {_describe(params)}")
            if bar is not None:
                bar.set_postfix_str(f"best {metric} {best['score']:.4f}, "
                                    f"{len(history)} trials")
                bar.n = min(round(time.perf_counter() - started, 1), duration)
                bar.refresh()
    finally:
        if bar is not None:
            bar.close()
    margin = _noise(metric, best["judged"], default["judged"], classifier.classes_,
                    classifier.multilabel_, seed) * math.sqrt(2 * math.log(max(len(history), 2)))
    chosen = best if best["score"] - default["score"] > margin else default
    if chosen is not best:
        _say(verbose, None, f"autotune: the best ({metric} {best['score']:.4f}) beats the "
                            f"default ({default['score']:.4f}) by less than the noise of "
                            f"picking the best of {len(history)} ({margin:.4f}): the default "
                            "is kept")
    return {"params": chosen["params"], "metric": metric, "score": chosen["score"],
            "best_score": best["score"], "margin": margin, "trials": len(history),
            "seconds": time.perf_counter() - started,
            "history": [{k: v for k, v in h.items() if k != "judged"} for h in history]}


def _noise(metric, best, default, classes, multilabel, seed, draws=200):
    """The standard error of the metric's difference between two candidates, on the
    examples both were judged on (``judged`` triples: probabilities, truth, the number
    of validation rows, which come last). Per-example metrics give it in closed form;
    F1 scores by resampling the examples."""
    n = min(len(best[1]), len(default[1]))
    if len(best[1]) != len(default[1]):  # a network: judged on the validation rows only
        n = min(best[2], default[2])
    (pb, tb), (pd, td) = ((j[0][-n:], j[1][-n:]) for j in (best, default))
    if metric == "accuracy" or metric.startswith("p@"):
        d = _per_example(metric, pb, tb) - _per_example(metric, pd, td)
        return float(d.std() / math.sqrt(max(n, 1)))
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(draws):
        rows = rng.integers(0, n, n)
        diffs.append(score(metric, pb[rows], tb[rows], classes, multilabel)
                     - score(metric, pd[rows], td[rows], classes, multilabel))
    return float(np.std(diffs))


def _per_example(metric, probs, truth):
    """float (n,): each example's share of an accuracy or precision at K."""
    if metric == "accuracy":
        return (probs.argmax(axis=1) == truth).astype(np.float64)
    k = int(metric[2:])
    top = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(truth, top, axis=1).mean(axis=1)


def _judged(classifier, train, valid):
    """(probabilities, truth, validation rows) a candidate is scored on: its
    predictions for the validation data (the last rows), and for a bag also its
    out-of-fold predictions for the training part before them (ten times the
    examples, so a lucky draw of the validation data weighs less)."""
    from .calibration import probabilities
    probs, truth = classifier.predict_proba(valid[0]), _truth(classifier, valid)
    oof = getattr(classifier.model, "oof_logits", None)
    if oof is None:
        return probs, truth, len(truth)
    oof_probs = probabilities(oof + classifier.shift_, classifier.multilabel_)
    return (np.concatenate([oof_probs, probs]),
            np.concatenate([_truth(classifier, train), truth]), len(truth))


def _truth(classifier, examples):
    """The labels of (texts, labels) as the fitted classifier encodes them."""
    from .labels import encode, encode_sets
    from .model import check_pair
    _, sets = check_pair(*examples, "validation")
    if classifier.multilabel_:
        return encode_sets(sets, classifier.classes_, "validation data")[1]
    return encode([s[0] for s in sets], classifier.classes_, "validation data")


def _describe(params):
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in params.items())


def _progress(duration, verbose):
    from ..progress import stderr_is_terminal
    if verbose != 1 or not stderr_is_terminal():
        return None
    from tqdm import tqdm
    return tqdm(total=duration, unit="s", desc="autotune", file=sys.stderr, leave=False,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s "
                           "{postfix}")


def _say(verbose, bar, message):
    if verbose >= 2 or (verbose and bar is None):
        print(message, file=sys.stderr)
    elif bar is not None:
        bar.write(message, file=sys.stderr)


def tune(classifier, texts, labels, valid_texts, valid_labels, validation_split, test_texts,
         test_labels, duration, metric):
    """Search settings for ``classifier`` (a TextClassifier whose own settings the
    candidates share: seed, threads, multi-label, class weights, calibration; see
    :meth:`TextClassifier.fit`); returns a new TextClassifier with the best, trained
    on all the training data."""
    self = classifier
    from .model import TextClassifier, check_pair
    from .splits import holdout_folds
    try:
        duration = float(duration)
    except (TypeError, ValueError):
        duration = float("nan")
    if not duration > 0:
        raise InputError(f"autotune_duration must be a positive number of seconds, got "
                         f"{duration}")
    train, valid, _ = self._check_data(texts, labels, valid_texts, valid_labels,
                                       test_texts, test_labels, validation_split)
    metric = check_metric(metric, self.classes_, self.multilabel_)
    label_lists = [list(s) if self.multilabel_ else s[0] for s in
                   check_pair(texts, labels)[1]]
    if valid is None:
        fraction = float(validation_split) or architectures.DEFAULT_VALIDATION_SPLIT
        held = holdout_folds(train.y, fraction, 1, self.seed)[0]
        keep = np.ones(len(train.texts), dtype=bool)
        keep[held] = False
        pick = lambda idx: ([train.texts[i] for i in idx],  # noqa: E731
                            [label_lists[i] for i in idx])
        part, validation = pick(np.flatnonzero(keep)), pick(held)
    else:
        part, validation = (train.texts, label_lists), (valid_texts, valid_labels)
    shared = {"seed": self.seed, "threads": self.threads, "multilabel": self.multilabel_,
              "class_weight": self.class_weight, "calibrate": self.calibrate}

    def make(params):
        return TextClassifier(verbose=0, **shared, **params)

    with thread_limit(self.threads):
        result = autotune(make, part, validation, duration, metric, self.seed,
                          self.verbose)
    best = TextClassifier(verbose=self.verbose, **shared, **result["params"])
    best.fit(texts, labels, valid_texts, valid_labels, validation_split, test_texts,
             test_labels)
    best.metrics_["params"] = dict(result["params"])
    best.metrics_["autotune"] = {k: result[k] for k in ("metric", "score", "best_score",
                                                       "margin", "trials", "seconds")}
    best.metrics_["autotune"]["duration"] = duration
    return best
