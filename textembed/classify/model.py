"""The text classifier: texts -> labels, trained, calibrated and saved as one directory.

:class:`TextClassifier` is the one entry point. The architectures (``arch``)
and their recipes are in :mod:`.architectures`: the ``bag`` of linear
n-gram models (:mod:`.bag`, the default) or a network (:mod:`.network_model`).
:meth:`TextClassifier.fit` runs in named steps: check the data (one label
per text, or several: multi-label), weigh the classes, train the model
(which validates and calibrates itself), final metrics. A saved model is a
directory (see :mod:`.model_dir`). User-caused problems raise
:class:`textembed.io.InputError` with one line.
"""
import json
import os
from dataclasses import dataclass

import numpy as np

from .._blas import thread_limit
from ..io import InputError
from . import architectures, labels as label_tools
from .architectures import ARCH_NAMES, DEFAULT_ARCH
from .bag_model import BagModel
from .calibration import probabilities
from .metrics import multilabel_report, probability_metrics
from .model_dir import is_model_dir, read_model_dir, write_model_dir
from .network_model import NetworkModel

__all__ = ["TextClassifier", "is_model_dir", "ARCH_NAMES", "DEFAULT_ARCH"]

_NETWORK_ONLY = ("batch_size", "maxlen", "num_words", "embed_dim", "pretrained",
                 "early_stopping")
REPORT_K = 5  # P@k and R@k of multi-label metrics
_POWERS = np.linspace(0.0, 1.0, 11)  # of balanced class weights, chosen on validation data


def check_texts(texts, what):
    if isinstance(texts, str):
        raise InputError(f"{what}: expected a list of texts, got one string")
    texts = list(texts)
    bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise InputError(f"{what}: item {bad} is a {type(texts[bad]).__name__}, not a str")
    return texts


def check_pair(texts, labels, what=None):
    """(texts list of str, label sets list of tuples of str) after checking both and
    their lengths; ``what`` (e.g. "validation") names them in messages."""
    texts_name = f"{what} texts" if what else "texts"
    texts = check_texts(texts, texts_name)
    if isinstance(labels, str):
        raise InputError(f"{what + ' ' if what else ''}labels: expected a list of labels, "
                         f"got one string")
    sets = label_tools.label_sets(labels)
    if len(texts) != len(sets):
        raise InputError(f"{len(texts)} {texts_name} but {len(sets)} labels")
    return texts, sets


def _positive_int(name, value, minimum=1):
    if value is not None and (isinstance(value, bool) or not isinstance(
            value, (int, np.integer)) or value < minimum):
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")


@dataclass
class Examples:
    """Texts (list of str) with their class ids int32 (n,) (single-label; the first
    label of each text for multi-label data), and for multi-label data their label
    rows (SparseRows) and bool (n, C) targets."""
    texts: list
    y: np.ndarray
    label_rows: object = None
    targets: np.ndarray = None


class TextClassifier:
    """Texts -> labels. See :mod:`.architectures` for the architectures.

    Parameters (None: the recipe's value for ``arch``): epochs; for networks
    also batch_size, maxlen (tokens kept per text; default the 99th
    percentile of training lengths, capped), num_words (vocabulary limit,
    Keras' meaning), embed_dim, pretrained (path of word2vec vectors
    initialising the embedding), freeze_embeddings, early_stopping (patience
    in epochs on validation accuracy, best weights restored; 0 turns it off).
    multilabel: None (decided by the labels: several for a text makes it
    multi-label), True or False (keep each text's first label).
    class_weight: None, "balanced" or a dict label -> weight (see
    :meth:`_weigh_classes`: weights shift the decision). calibrate:
    fit the probability calibration on held-out data (default True). seed,
    threads (numba and BLAS threads), verbose (0 silent, 1 progress bars, 2
    one line per epoch). ``options`` overrides other recipe entries
    (``learning_rate``, ``l2``, ``dropout``, ...).

    After :meth:`fit`: ``classes_`` (sorted label strings), ``multilabel_``,
    ``heldout_`` (the training examples scored by models that did not see them: the
    bag's out-of-fold scores, a network's held-out part; (index int64 (m,) into the
    training texts, logits float64 (m, C)), or None with validation data given; not
    saved),
    ``metrics_`` (dict), ``model`` (the Sequential of a network, the NgramBag
    of the bag), ``history`` (per-epoch figures), and for networks ``tokenizer``,
    ``preprocessing_``.
    """

    def __init__(self, arch="default", epochs=None, batch_size=None, maxlen=None, num_words=None,
                 embed_dim=None, pretrained=None, freeze_embeddings=False, early_stopping=None,
                 seed=0, threads=None, verbose=1, multilabel=None, class_weight=None,
                 calibrate=True, **options):
        try:
            self.architecture = architectures.get(arch)
        except (KeyError, TypeError):
            raise InputError(f"unknown architecture {arch!r}; choose one of "
                             f"{', '.join(architectures.ARCHITECTURES)} (or 'default')") from None
        self.is_default = arch in (None, "default")
        self.arch = self.architecture.name
        recipe = dict(self.architecture.recipe)
        if self.is_default:
            recipe.update(architectures.DEFAULT_OPTIONS)
        unknown = sorted(set(options) - set(recipe))
        if unknown:
            raise TypeError(f"TextClassifier got unknown arguments: {unknown}")
        recipe.update(options)
        for name, value in (("epochs", epochs), ("batch_size", batch_size), ("maxlen", maxlen),
                            ("num_words", num_words), ("embed_dim", embed_dim)):
            _positive_int(name, value)
        _positive_int("early_stopping", early_stopping, 0)
        given = {"batch_size": batch_size, "maxlen": maxlen, "num_words": num_words,
                 "embed_dim": embed_dim, "pretrained": pretrained,
                 "early_stopping": early_stopping}
        if self.kind != "network":
            wrong = [n for n in _NETWORK_ONLY if given[n] is not None] + (
                ["freeze_embeddings"] if freeze_embeddings else [])
            if wrong:
                networks = ", ".join(n for n, a in architectures.ARCHITECTURES.items()
                                     if a.kind == "network")
                raise InputError(f"{', '.join(wrong)} set the networks' inputs; the {self.arch} "
                                 f"architecture has none: choose a network ({networks})")
        self.recipe = recipe
        self.epochs = int(epochs or recipe["epochs"])
        self.batch_size = int(batch_size or recipe.get("batch_size", 32))
        self.maxlen = maxlen
        self.num_words = num_words
        self.embed_dim = embed_dim
        self.pretrained = None if pretrained is None else os.fspath(pretrained)
        self.freeze_embeddings = bool(freeze_embeddings)
        self.early_stopping = (recipe.get("early_stopping", 0) if early_stopping is None
                               else int(early_stopping))
        self.seed = int(seed)
        self.threads = threads
        self.verbose = verbose
        self.multilabel = multilabel
        self.class_weight = class_weight
        self.calibrate = bool(calibrate)
        self.classes_ = None
        self.multilabel_ = False
        self.metrics_ = None
        self.backend = None
        self.shift_ = None
        self.heldout_ = None

    @property
    def kind(self):
        return self.architecture.kind

    # -- what the backend holds ----------------------------------------------------

    @property
    def model(self):
        return None if self.backend is None else self.backend.model

    @property
    def tokenizer(self):
        return getattr(self.backend, "tokenizer", None)

    @property
    def preprocessing_(self):
        return getattr(self.backend, "preprocessing_", None)

    @property
    def history(self):
        """Per-epoch figures, Keras' ``History.history``: {"loss": [float, ...],
        "accuracy": [...], "val_loss": [...], "val_accuracy": [...]} (``p@1`` for
        accuracy with multi-label data), or None; ``metrics_["history_source"]`` says
        which model and data they describe. Saved in metrics.json."""
        return None if self.metrics_ is None else self.metrics_.get("history")

    @property
    def coverage_(self):
        return getattr(self.backend, "coverage_", None)

    # -- training ------------------------------------------------------------------

    def fit(self, texts, labels, valid_texts=None, valid_labels=None,
            validation_split=architectures.DEFAULT_VALIDATION_SPLIT, test_texts=None,
            test_labels=None, autotune_duration=None, autotune_metric="accuracy"):
        """Train on texts (list of str) and labels (a str per text, or a list of str per
        text for multi-label data; >= 2 classes); returns self.

        Validation: the bag validates out of fold on all the training data;
        a network on (valid_texts, valid_labels) if given, else on a
        stratified ``validation_split`` of the training data (chosen with
        ``seed``; 0: none, and then no early stopping or calibration).
        ``test_*`` are evaluated at the end only.

        With ``autotune_duration`` (seconds), the architecture and its
        settings are searched first (see :mod:`.autotune`), scored with
        ``autotune_metric`` on the validation data (given, or the split);
        the best are then trained on all the training data and recorded in
        ``metrics_["params"]``.
        """
        if autotune_duration is not None:
            from .autotune import tune
            best = tune(self, texts, labels, valid_texts, valid_labels, validation_split,
                        test_texts, test_labels, autotune_duration, autotune_metric)
            self.__dict__.update(best.__dict__)
            return self
        train, valid, test = self._check_data(texts, labels, valid_texts, valid_labels,
                                              test_texts, test_labels, validation_split)
        with thread_limit(self.threads):
            if self.kind == "network":
                self.backend = NetworkModel(self)
                validation = self.backend.fit(train, valid, float(validation_split))
                train_scores = self.backend.report.pop("train_logprobs")
            else:
                self.backend = BagModel(self)
                validation = self.backend.fit(train)
                train_scores = self.backend.train_scores
            if valid is not None and self.kind != "network":
                validation = (self.backend.decision_function(valid.texts), self._truth(valid))
            self.shift_ = self._weigh_classes(train, validation)
            shifted = lambda pair: None if pair is None else (pair[0] + self.shift_,  # noqa
                                                              pair[1])
            index = getattr(self.backend, "heldout_index", None)
            self.heldout_ = (None if valid is not None or validation is None or index is None
                             else (index, shifted(validation)[0]))
            self.metrics_ = self._final_metrics(shifted(train_scores), shifted(validation),
                                                test)
        return self

    def _truth(self, examples):
        return examples.targets if self.multilabel_ else examples.y

    def _check_data(self, texts, labels, valid_texts, valid_labels, test_texts, test_labels,
                    validation_split):
        """Check the inputs and fix the classes; (train, valid, test) :class:`Examples`
        (valid and test None when not given)."""
        texts, sets = check_pair(texts, labels, "training")
        if not texts:
            raise InputError("no training texts: the training data is empty")
        self.multilabel_ = (label_tools.is_multilabel(sets) if self.multilabel is None
                            else bool(self.multilabel))
        if self.multilabel_ and self.kind == "network":
            raise InputError(f"multi-label data (several labels for a text) needs the bag "
                             f"architecture, not {self.arch}")
        if not self.multilabel_:
            sets = [s[:1] for s in sets]
        classes = sorted({label for s in sets for label in s})
        if len(classes) < 2:
            raise InputError(f"the training data has a single class ({classes[0]!r}); a "
                             f"classifier needs at least two labels")
        if any(not s for s in sets) and not self.multilabel_:
            raise InputError("a training text has no label")
        self.classes_ = classes
        train = self._examples(texts, sets, "training labels")
        given = []
        for what, (some_texts, some_labels) in (("validation", (valid_texts, valid_labels)),
                                                ("test", (test_texts, test_labels))):
            if some_texts is None and some_labels is None:
                given.append(None)
                continue
            if some_texts is None or some_labels is None:
                raise InputError(f"{what} data needs both texts and labels")
            some_texts, some_sets = check_pair(some_texts, some_labels, what)
            if not self.multilabel_:
                some_sets = [s[:1] for s in some_sets]
            given.append(self._examples(some_texts, some_sets, f"{what} data"))
        if not 0.0 <= float(validation_split) < 1.0:
            raise InputError(f"validation_split must be in [0, 1), got {validation_split}")
        return train, given[0], given[1]

    def _examples(self, texts, sets, what):
        if not self.multilabel_:
            return Examples(texts, label_tools.encode([s[0] for s in sets], self.classes_,
                                                      what))
        rows, targets = label_tools.encode_sets(sets, self.classes_, what)
        first = np.array([self.classes_.index(s[0]) if s else -1 for s in sets], np.int32)
        return Examples(texts, first, rows, targets)

    def _weigh_classes(self, train, validation):
        """The shift float64 (C,) added to every logit for ``class_weight``.

        Weights act on the decision, as costs do: a class's probability is
        multiplied by its weight (its logit shifted by the log of it), the model
        itself trained unweighted. "balanced" weights (inversely to the class
        counts) are applied to the power in [0, 1] that maximises macro-F1 on
        the validation data (out of fold for the bag), 1 without it.
        """
        self.class_weights_, self.class_weight_power_ = None, None
        if self.class_weight is None:
            return np.zeros(len(self.classes_))
        if self.multilabel_:
            counts = train.targets.sum(axis=0).astype(np.float64)
        else:
            counts = np.bincount(train.y, minlength=len(self.classes_)).astype(np.float64)
        weights = label_tools.class_weights(self.class_weight, self.classes_, counts)
        log_weights = np.log(weights.astype(np.float64))
        power = 1.0
        if self.class_weight == "balanced" and validation is not None and len(validation[1]):
            z, truth = validation
            scores = [self._macro_f1(z + p * log_weights, truth) for p in _POWERS]
            power = float(_POWERS[int(np.argmax(scores))])
        self.class_weights_, self.class_weight_power_ = weights, power
        return power * log_weights

    def _macro_f1(self, z, truth):
        probs = probabilities(z, self.multilabel_)
        if self.multilabel_:
            return multilabel_report(probs, truth, self.classes_, k=1)["macro_f1"]
        return probability_metrics(probs, truth)["macro_f1"]

    def _final_metrics(self, train_scores, validation, test):
        """Train, validation and test figures, plus the run's settings."""
        metrics = {"arch": self.arch, "default": self.is_default,
                   "multilabel": self.multilabel_}
        scores, truth = train_scores
        for prefix, (z, t) in (("train", (scores, truth)),
                               ("valid", validation if validation is not None else (None, None))):
            metrics.update(self._scores(prefix, z, t))
        if test is not None:
            metrics.update(self._scores("test", self.decision_function(test.texts),
                                        self._truth(test)))
        metrics.update(self.backend.report)
        if self.backend.history:
            metrics["history"] = {k: [float(v) for v in values]
                                  for k, values in self.backend.history.items()}
            metrics["history_source"] = self.backend.history_source
        metrics.update({"num_classes": len(self.classes_), "seed": self.seed,
                        "calibrated": self.calibrate})
        if self.class_weight is not None:
            metrics["class_weight"] = dict(zip(self.classes_,
                                               map(float, self.class_weights_)))
            metrics["class_weight_power"] = self.class_weight_power_
        return metrics

    def _scores(self, prefix, z, truth):
        """{prefix_accuracy, ...} of logits ``z`` against ``truth``; None values without."""
        if z is None or not len(z):
            keys = ("p@1",) if self.multilabel_ else ("accuracy",)
            return {f"{prefix}_{k}": None for k in keys}
        probs = probabilities(z, self.multilabel_)
        if self.multilabel_:
            report = multilabel_report(probs, truth, self.classes_, k=REPORT_K)
            out = {k: report[k] for k in ("p@1", "r@1", "p@k", "r@k", "micro_f1", "macro_f1")}
            out["k"] = report["k"]
        else:
            out = probability_metrics(probs, truth)
        return {f"{prefix}_{k}": v for k, v in out.items()}

    # -- prediction ------------------------------------------------------------------

    def _check_fitted(self):
        if self.backend is None:
            raise RuntimeError("this TextClassifier is not fitted: call fit() or load() first")

    def decision_function(self, texts, batch_size=256):
        """Calibrated logits, float64 (n, num_classes), columns in ``classes_`` order."""
        self._check_fitted()
        texts = check_texts(texts, "texts to classify")
        batch_size = int(batch_size)
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        if not texts:
            return np.zeros((0, len(self.classes_)))
        with thread_limit(self.threads):
            return self.backend.decision_function(texts, batch_size) + self.shift_

    def predict_proba(self, texts, batch_size=256):
        """float32 (n, num_classes) probabilities, columns in ``classes_`` order: they
        sum to 1 (single-label), or each is its label's own probability (multi-label)."""
        z = self.decision_function(texts, batch_size)
        return probabilities(z, self.multilabel_).astype(np.float32)

    def predict(self, texts, k=1, threshold=None, batch_size=256):
        """The most probable label (str) of each text; with ``k`` > 1 or a
        ``threshold`` in (0, 1], a list per text of up to k labels whose
        probability reaches the threshold, most probable first."""
        _positive_int("k", k)
        if threshold is not None and not 0.0 < float(threshold) <= 1.0:
            raise InputError(f"threshold must be in (0, 1], got {threshold}")
        probs = self.predict_proba(texts, batch_size=batch_size)
        if k == 1 and threshold is None:
            return [self.classes_[i] for i in np.argmax(probs, axis=1)]
        return [[self.classes_[i] for i, p in ranked] for ranked in
                self.top_labels(probs, k, threshold)]

    def top_labels(self, probs, k=1, threshold=None):
        """For each row of ``probs``, [(class index, probability), ...]: the k most
        probable classes, those under ``threshold`` left out."""
        k = min(int(k), probs.shape[1])
        order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        floor = -1.0 if threshold is None else float(threshold)
        return [[(int(i), float(row[i])) for i in ranked if row[i] >= floor]
                for row, ranked in zip(probs, order)]

    def score(self, texts, labels, batch_size=256):
        """Accuracy (single-label) or precision at 1 (multi-label) on (texts, labels);
        labels unseen in training raise InputError."""
        texts, sets = check_pair(texts, labels)
        if not texts:
            return float("nan")
        probs = self.predict_proba(texts, batch_size=batch_size)
        if self.multilabel_:
            _, targets = label_tools.encode_sets(sets, self.classes_, "labels")
            return multilabel_report(probs, targets, self.classes_, k=1)["p@1"]
        y = label_tools.encode([s[0] for s in sets], self.classes_, "labels")
        return float(np.mean(np.argmax(probs, axis=1) == y))

    # -- looking inside ---------------------------------------------------------------

    def explain(self, texts, label=None):
        """Why each text gets a label: a list of dicts, one per text, with ``label``
        (the given one, else the most probable), ``probability``, ``method``
        ("linear" for the bag, "occlusion" for a network; see :mod:`.explain`),
        ``tokens`` [(token, weight)] and ``ngrams`` [(word n-gram, weight)] (the
        bag's only)."""
        from . import explain
        texts = check_texts(texts, "texts to explain")
        probs = self.predict_proba(texts)
        if label is not None and str(label) not in self.classes_:
            raise InputError(f"no label {label!r} in the model; its labels are "
                             f"{', '.join(map(repr, self.classes_[:20]))}")
        out = []
        for text, p in zip(texts, probs):
            c = self.classes_.index(str(label)) if label is not None else int(np.argmax(p))
            if self.kind == "ngram":
                weights, grams = explain.explain_bag(self.model, text, c)
                method = "linear"
            else:
                from ..text import text_to_word_sequence
                weights, grams = explain.explain_by_occlusion(
                    self, text, c, lambda t: text_to_word_sequence(
                        t, self.preprocessing_["filters"])), []
                method = "occlusion"
            out.append({"label": self.classes_[c], "probability": float(p[c]),
                        "method": method, "tokens": weights, "ngrams": grams})
        return out

    def top_features(self, label, n=20):
        """The ``n`` words that raise ``label`` most: [(word, weight)] (bag only)."""
        from .explain import top_features
        self._check_fitted()
        if self.kind != "ngram":
            raise InputError(f"top features are the bag's (its words carry weights); "
                             f"{self.arch} is a network: use explain on texts")
        if str(label) not in self.classes_:
            raise InputError(f"no label {label!r} in the model; its labels are "
                             f"{', '.join(map(repr, self.classes_[:20]))}")
        return top_features(self.model, self.classes_.index(str(label)), int(n))

    def embed(self, texts, batch_size=256):
        """float32 (n, d): one vector per text. A network gives its last hidden layer
        (each averaged network's, side by side); the bag, which has none, its
        calibrated class scores (d = the number of classes)."""
        self._check_fitted()
        texts = check_texts(texts, "texts to embed")
        with thread_limit(self.threads):
            if self.kind == "network":
                return self.backend.embed(texts, batch_size)
            return self.decision_function(texts).astype(np.float32)

    def compact(self, cutoff=None, quantize=True, texts=None, labels=None):
        """Make the fitted bag smaller; returns self.

        cutoff: keep only the ``cutoff`` features that weigh most (the largest
        NB-LR weights); with the training ``texts`` and ``labels`` the models are
        then trained again on those features. quantize: save the tables as int8
        with a scale per column (the rest float16). The classifier predicts as the
        saved model will. Networks cannot be compacted (InputError).
        """
        self._check_fitted()
        if self.kind != "ngram":
            raise InputError(f"quantize and cutoff apply to the bag, not to {self.arch}")
        if cutoff is not None:
            _positive_int("cutoff", cutoff)
        train = None
        if texts is not None:
            texts, sets = check_pair(texts, labels, "training")
            if not self.multilabel_:
                sets = [s[:1] for s in sets]
            train = self._examples(texts, sets, "training labels")
        with thread_limit(self.threads):
            self.backend.compact(cutoff, quantize, train)
        if self.metrics_ is not None:
            self.metrics_.update(features=self.backend.report["features"],
                                 quantized=bool(quantize), cutoff=cutoff)
            source = self.metrics_.get("history_source")
            if cutoff is not None and source and not source.endswith("before the cutoff"):
                self.metrics_["history_source"] = source + ", before the cutoff"
        return self

    # -- saving -------------------------------------------------------------------------

    def save(self, model_dir, force=False):
        """Write the model directory atomically (see :func:`.model_dir.write_model_dir`)."""
        self._check_fitted()
        texts = {"labels": json.dumps(list(self.classes_), ensure_ascii=False),
                 "metrics": json.dumps(self.metrics_ or {}, indent=1)}
        if self.kind == "network":
            texts["tokenizer"] = self.tokenizer.to_json()
            settings, write = self.preprocessing_, self.model.save
        else:
            settings, write = self.backend.settings(), self.backend.save_arrays
        settings = dict(settings, multilabel=self.multilabel_,
                        decision_shift=[float(v) for v in self.shift_])
        texts["preprocessing"] = json.dumps(settings, indent=1)
        write_model_dir(model_dir, write, texts, force=force)
        return self

    @classmethod
    def load(cls, model_dir, threads=None, verbose=0):
        """A fitted classifier from a directory written by :meth:`save`."""
        settings, classes, metrics, file_path = read_model_dir(model_dir)
        path = os.fspath(model_dir)
        arch = settings.get("arch", DEFAULT_ARCH)
        if settings.get("format_version", 1) < 2 and arch == "bag":
            arch = "embedding-bag"  # format 1's bag was the network of that name
        try:
            self = cls(arch=arch, threads=threads, verbose=verbose)
            self.classes_ = classes
            self.multilabel_ = bool(settings.get("multilabel", False))
            self.shift_ = np.asarray(settings.get("decision_shift", np.zeros(len(classes))),
                                     np.float64)
            self.metrics_ = metrics
            if settings.get("kind", "network") == "network":
                from ..saving import load_model
                from ..text import tokenizer_from_json
                with open(file_path("tokenizer"), encoding="utf-8") as f:
                    tokenizer = tokenizer_from_json(f.read())
                self.backend = NetworkModel(self).restore(settings, tokenizer,
                                                          load_model(file_path("model")))
                self.maxlen = settings["maxlen"]
            else:
                self.backend = BagModel.restore(self, settings, file_path("model"))
        except InputError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InputError(f"{path}: damaged model directory ({error})") from None
        return self
