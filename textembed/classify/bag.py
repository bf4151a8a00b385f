"""The ``bag`` classifier: linear models on n-gram features, stacked and calibrated.

Members, each on the binary word and character n-grams of
:class:`~.ngrams.NgramFeatures`:

* NB-LR, a softmax regression on naive-Bayes-scaled features (one logistic
  loss per class for multi-label data, unscaled);
* multinomial naive Bayes (single-label data only).

How they are combined is learned without a separate validation set: the
training data is cut into ``folds`` stratified folds, each member is
trained on all folds but one and scores the one left out; on these
out-of-fold scores each member gets a :class:`~.calibration.PowerCalibration`,
the members' calibrated logits are mixed with the weight that minimises the
log loss, and the mix gets a final calibration. The members are then
trained again on all the data. The out-of-fold predictions of the mix are
kept (``oof_logits``): they are honest validation figures for the model;
``train_logits`` are the final model's on its training data.

The bag has no network epochs, but its NB-LR member trains by SGD for
``epochs`` epochs: the one trained without the first fold records them
(``history``, Keras' keys: loss and accuracy, the means over each epoch's
steps, and val_loss, val_accuracy, on the first fold after each epoch; p@1
for accuracy with multi-label data; ``history_source`` says so in words).
Without folds the history is the final member's, on the training data only.

With ``select_features``, the character n-grams are kept or dropped on the
evidence of the first fold (held-out log loss of NB-LR with and without
them) before the rest is trained. The work is bounded: on large data with
many classes, the character n-grams (which multiply the features of a text
about tenfold) and then folds are given up to stay within ``work_budget``.
"""
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .calibration import PowerCalibration, log_loss
from .linear import LogisticRegression, NaiveBayes
from .ngrams import NgramFeatures

_MIX_GRID = np.linspace(0.0, 1.0, 21)


def fold_numbers(strata, folds, seed):
    """int64 (n,) fold in [0, folds) of each example, each stratum dealt round-robin
    in a random order."""
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(strata), np.int64)
    offset = 0
    for value in np.unique(strata):
        members = np.flatnonzero(strata == value)
        members = members[rng.permutation(len(members))]
        fold_of[members] = (np.arange(len(members)) + offset) % folds
        offset += len(members)
    return fold_of


class NgramBag:
    """See the module docstring.

    n_classes; multilabel; features: dict for NgramFeatures (word_ngrams,
    minn, maxn, filters, min_df); epochs, learning_rate, l2: NB-LR's SGD;
    nb_scale: naive-Bayes-scaled features (single-label); naive_bayes: add
    the naive Bayes member (single-label); folds: out-of-fold folds (< 2:
    no stacking or calibration, members mixed half and half); calibrate:
    calibrate the members and the mix (without, the members' raw logits are
    mixed); select_features; seed; threads: folds trained at once (default: all cores); work_budget: the SGD work
    (epochs x feature visits x weight columns, summed over the fits) allowed:
    past it, the character n-grams are dropped, then folds (down to 2).
    """

    def __init__(self, n_classes, multilabel=False, features=None, epochs=10,
                 learning_rate=0.05, l2=1e-4, nb_scale=True, naive_bayes=True, folds=5,
                 calibrate=True, select_features=False, seed=0, threads=None,
                 work_budget=1.2e10):
        self.n_classes = int(n_classes)
        self.multilabel = bool(multilabel)
        self.features = NgramFeatures(**(features or {}))
        self.epochs, self.learning_rate, self.l2 = int(epochs), float(learning_rate), float(l2)
        self.nb_scale = bool(nb_scale) and not self.multilabel
        self.naive_bayes = bool(naive_bayes) and not self.multilabel
        self.folds = int(folds)
        self.calibrate = bool(calibrate)
        self.select_features = bool(select_features)
        self.seed = int(seed)
        self.threads = int(threads or os.cpu_count() or 1)
        self.work_budget = float(work_budget)
        self.members = []
        self.calibrations = []
        self.mix = np.ones(1)
        self.final = PowerCalibration(self.multilabel)
        self.oof_logits = None
        self.train_logits = None
        self.history = None
        self.history_source = None
        self.report = {}

    # -- members -------------------------------------------------------------

    def _new_members(self, seed):
        members = [LogisticRegression(self.epochs, self.learning_rate, self.l2, self.nb_scale,
                                      self.multilabel, seed)]
        if self.naive_bayes:
            members.append(NaiveBayes())
        return members

    def _train(self, rows, labels, label_rows, weight, seed, watch=None):
        """Fitted members; ``watch``: see :meth:`LogisticRegression.fit`."""
        members = self._new_members(seed)
        for member in members:
            if isinstance(member, LogisticRegression):
                member.fit(rows, labels, self.features.n_features, self.n_classes, weight,
                           label_rows, watch)
            else:
                member.fit(rows, labels, self.features.n_features, self.n_classes, weight)
        return members

    def _mixed(self, logits):
        """The members' calibrated logits mixed: float64 (n, C)."""
        out = 0.0
        for share, calibration, z in zip(self.mix, self.calibrations, logits):
            out = out + share * calibration.transform(z)
        return out

    # -- fitting -------------------------------------------------------------------

    def fit(self, texts, labels=None, label_rows=None, targets=None, sample_weight=None):
        """Train on texts (list of str) and labels (int32 (n,)), or for multi-label data
        label_rows (SparseRows of classes) with targets (bool (n, C)). Returns self."""
        started = time.perf_counter()
        strata = labels if not self.multilabel else _first_labels(label_rows)
        rows = self.features.fit_transform(texts)
        folds = self._plan(rows, len(texts))
        if self.features.maxn and self._work(rows) * (folds + 1) > self.work_budget:
            rows = self._without_character_ngrams(texts, "the budget")
            folds = self._plan(rows, len(texts))
        fold_of = fold_numbers(strata, folds, self.seed) if folds >= 2 else None
        labels = np.zeros(len(texts), np.int32) if labels is None else labels
        truth = targets if self.multilabel else labels
        if self.select_features and fold_of is not None and self.features.maxn:
            words = NgramFeatures(**dict(self.features.get_config(), maxn=0))
            word_rows = words.fit_transform(texts)
            if self._character_ngrams_lose((rows, self.features.n_features),
                                           (word_rows, words.n_features), labels, label_rows,
                                           truth, sample_weight, fold_of):
                self.features, rows = words, word_rows
                self.report["character_ngrams"] = False
            else:
                self.report["character_ngrams"] = True
        if fold_of is not None:
            oof = self._out_of_fold(rows, labels, label_rows, truth, sample_weight, fold_of,
                                    folds)
            self._fit_stack(oof, truth, sample_weight)
            self.oof_logits = self._mixed(oof)
            if self.calibrate:
                self.final.fit(self.oof_logits, truth, sample_weight)
                self.oof_logits = self.final.transform(self.oof_logits)
            self.report["oof_log_loss"] = log_loss(self.oof_logits, truth, self.multilabel)
        else:
            self.calibrations = [PowerCalibration(self.multilabel) for _ in
                                 self._new_members(0)]
            self.mix = np.full(len(self.calibrations), 1.0 / len(self.calibrations))
        watch = {} if fold_of is None else None
        self.members = self._train(rows, labels, label_rows, sample_weight, self.seed, watch)
        if watch is not None:
            self.history = self.members[0].history
            self.history_source = "NB-LR member on all the training data (no folds)"
        self.train_logits = self._calibrated([m.decision_function(rows) for m in self.members])
        self.report.update({"folds": folds if fold_of is not None else 0,
                            "features": self.features.n_features,
                            "seconds": time.perf_counter() - started})
        return self

    def _out_of_fold(self, rows, labels, label_rows, truth, weight, fold_of, folds):
        """Each member's out-of-fold logits: list of float32 (n, C). The folds train in
        ``threads`` parallel threads (the kernels release the GIL). NB-LR without the
        first fold records its ``history`` (``truth``: labels or targets)."""
        def one_fold(k):
            train, held = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
            train_rows, held_rows = rows.take(train), rows.take(held)
            watch = {"val_": (held_rows, truth[held])} if k == 0 else None
            members = self._train(train_rows, labels[train], _take(label_rows, train),
                                  None if weight is None else weight[train], self.seed + 1 + k,
                                  watch)
            return held, members[0].history, [m.decision_function(held_rows) for m in members]

        with ThreadPoolExecutor(max_workers=max(1, min(self.threads, folds))) as pool:
            results = list(pool.map(one_fold, range(folds)))
        self.history = results[0][1]
        self.history_source = (f"NB-LR member trained on folds 2-{folds} of {folds} and "
                               "validated on fold 1, before calibration; training figures "
                               "are the means over each epoch's steps")
        oof = [np.zeros((len(rows), self.n_classes), np.float32) for _ in results[0][2]]
        for held, _, scores in results:
            for out, z in zip(oof, scores):
                out[held] = z
        return oof

    def _fit_stack(self, oof, truth, weight):
        """Each member's calibration (identity without ``calibrate``) and the mix."""
        self.calibrations = [PowerCalibration(self.multilabel) for _ in oof]
        if self.calibrate and len(oof) > 1:  # one member: the final calibration is enough
            for calibration, z in zip(self.calibrations, oof):
                calibration.fit(z, truth, weight)
        calibrated = [c.transform(z) for c, z in zip(self.calibrations, oof)]
        if len(calibrated) == 1:
            self.mix = np.ones(1)
            return
        losses = [log_loss(a * calibrated[0] + (1 - a) * calibrated[1], truth,
                           self.multilabel, weight) for a in _MIX_GRID]
        best = float(_MIX_GRID[int(np.argmin(losses))])
        self.mix = np.array([best, 1.0 - best])

    def _work(self, rows):
        """The SGD work of one NB-LR fit on ``rows``: epochs x feature visits x weight
        columns (one for two classes)."""
        columns = 1 if self.n_classes == 2 and not self.multilabel else self.n_classes
        return float(self.epochs) * rows.indices.size * columns

    def _plan(self, rows, n):
        """How many folds fit in the work budget (fewer for large data with many classes;
        at least 2 when there are enough examples)."""
        folds = min(self.folds, n // 2)
        while folds > 2 and self._work(rows) * (folds + 1) > self.work_budget:
            folds -= 1
        return folds

    def _without_character_ngrams(self, texts, why):
        self.features = NgramFeatures(**dict(self.features.get_config(), maxn=0))
        self.report["character_ngrams"] = False
        self.report["character_ngrams_dropped_by"] = why
        return self.features.fit_transform(texts)

    def _character_ngrams_lose(self, with_characters, words_only, labels, label_rows, truth,
                               weight, fold_of):
        """Whether NB-LR's held-out log loss on fold 0 is lower without the character
        n-grams; each candidate is (SparseRows of all texts, number of features)."""
        train, held = np.flatnonzero(fold_of != 0), np.flatnonzero(fold_of == 0)
        losses = []
        for these, n_features in (with_characters, words_only):
            model = LogisticRegression(self.epochs, self.learning_rate, self.l2,
                                       self.nb_scale, self.multilabel, self.seed)
            model.fit(these.take(train), labels[train], n_features, self.n_classes,
                      None if weight is None else weight[train], _take(label_rows, train))
            z = model.decision_function(these.take(held))
            calibration = PowerCalibration(self.multilabel).fit(z, truth[held])
            losses.append(log_loss(calibration.transform(z), truth[held], self.multilabel))
        return losses[1] < losses[0]

    # -- prediction --------------------------------------------------------------

    def decision_function(self, texts):
        """Calibrated logits float64 (n, C) of texts (list of str)."""
        rows = self.features.transform(texts)
        return self._calibrated([m.decision_function(rows) for m in self.members])

    def _calibrated(self, logits):
        z = self._mixed(logits)
        return self.final.transform(z) if self.calibrate else z

    # -- saving ------------------------------------------------------------------

    def get_config(self):
        return {"n_classes": self.n_classes, "multilabel": self.multilabel,
                "features": self.features.get_config(), "calibrate": self.calibrate,
                "members": [type(m).__name__ for m in self.members],
                "calibrations": [c.get_config() for c in self.calibrations],
                "mix": [float(a) for a in self.mix], "final": self.final.get_config()}

    def arrays(self):
        """The arrays to save (name -> array)."""
        out = {"feature_keys": self.features.keys,
               "vocabulary": np.frombuffer("\n".join(self.features.words).encode(
                   "utf-8", "surrogatepass"), np.uint8)}
        for i, member in enumerate(self.members):
            for name, array in member.state().items():
                out[f"member{i}_{name}"] = array
        return out

    @classmethod
    def from_saved(cls, config, arrays):
        """A fitted NgramBag from :meth:`get_config` and :meth:`arrays`."""
        self = cls(config["n_classes"], config["multilabel"], config["features"],
                   calibrate=config["calibrate"])
        self.features.keys = arrays["feature_keys"]
        vocabulary = arrays.get("vocabulary")
        if vocabulary is not None and vocabulary.size:
            self.features.words = vocabulary.tobytes().decode("utf-8", "surrogatepass").split(
                "\n")
        kinds = {"LogisticRegression": LogisticRegression, "NaiveBayes": NaiveBayes}
        self.members = []
        for i, kind in enumerate(config["members"]):
            prefix = f"member{i}_"
            state = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
            self.members.append(kinds[kind]().set_state(state))
        self.calibrations = [PowerCalibration(**c) for c in config["calibrations"]]
        self.mix = np.asarray(config["mix"], np.float64)
        self.final = PowerCalibration(**config["final"])
        return self


def _first_labels(label_rows):
    """int32 (n,): each example's first class (-1 for none), for stratifying."""
    first = np.full(len(label_rows), -1, np.int32)
    has = label_rows.indptr[1:] > label_rows.indptr[:-1]
    first[has] = label_rows.indices[label_rows.indptr[:-1][has]]
    return first


def _take(label_rows, rows):
    return None if label_rows is None else label_rows.take(rows)
