"""The text classifier: tokenizer + network + training loop, saved as one directory.

:class:`TextClassifier` turns texts (list of str) and labels (list of str)
into a trained :class:`textembed.models.Sequential`. The architectures
(``arch``) and their recipes are in :mod:`.architectures`; the network is
assembled by :mod:`.network`. :meth:`TextClassifier.fit` runs in named
steps: check the data, plan the hold-outs, fit the preprocessing, train the
members, final metrics. An ensemble (recipe entry ``ensemble`` > 1) trains
its members one after the other, each holding out its own validation fold
when the validation set comes from the training data, and averages them.
With pretrained vectors, their words that the training texts lack join the
vocabulary after training (see :mod:`.pretrained`).

A saved model is a directory (see :mod:`.model_dir`). User-caused problems
raise :class:`textembed.io.InputError` with one line.
"""
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from .._blas import thread_limit
from .._version import __version__
from ..callbacks import EarlyStopping, LinearDecay
from ..io import InputError
from . import architectures, pretrained as pretrained_vectors
from ..kernels.ngram_kernels import feature_rows
from .features import flatten
from .architectures import ARCH_NAMES, DEFAULT_ARCH
from .model_dir import FORMAT, FORMAT_VERSION, is_model_dir, read_model_dir, write_model_dir
from .network import average_members, build_member
from .splits import complement, holdout_folds

__all__ = ["TextClassifier", "is_model_dir", "ARCH_NAMES", "DEFAULT_ARCH"]

_MAXLEN_PERCENTILE = 99


def _say(verbose, message):
    if verbose:
        print(message, file=sys.stderr)


def check_texts(texts, what):
    if isinstance(texts, str):
        raise InputError(f"{what}: expected a list of texts, got one string")
    texts = list(texts)
    bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise InputError(f"{what}: item {bad} is a {type(texts[bad]).__name__}, not a str")
    return texts


def check_pair(texts, labels, what=None):
    """(texts list of str, labels list of str) after checking both and their lengths;
    ``what`` (e.g. "validation") names them in messages."""
    texts_name = f"{what} texts" if what else "texts"
    texts = check_texts(texts, texts_name)
    labels = [str(label) for label in check_texts(labels, f"{what} labels" if what
                                                   else "labels")]
    if len(texts) != len(labels):
        raise InputError(f"{len(texts)} {texts_name} but {len(labels)} labels")
    return texts, labels


@dataclass
class _Examples:
    """Texts (list of str) and their class ids (int32 (n,))."""
    texts: list
    y: np.ndarray


@dataclass
class _Holdouts:
    """Which examples each member trains on and is validated on.

    members: one (train indices, valid indices or None) per member, int64;
    vocabulary: the indices the tokenizer is fitted on; shared: the hold-out
    all members share when their own folds do not fit (judged as a whole).
    """
    members: list
    vocabulary: np.ndarray
    shared: np.ndarray = None


class TextClassifier:
    """Texts -> labels. See :mod:`.architectures` for the architectures.

    Parameters (None: the recipe's value for ``arch``): epochs, batch_size,
    maxlen (tokens kept per text; default the 99th percentile of training
    lengths, capped), num_words (vocabulary limit, Keras' meaning), embed_dim,
    pretrained (path of word2vec text/binary vectors initialising the
    embedding; missing words random), freeze_embeddings, early_stopping
    (patience in epochs on validation accuracy, best weights restored; 0 turns
    it off), seed, threads (numba and BLAS threads), verbose (0 silent, 1
    progress bars, 2 one line per epoch). ``options`` overrides other recipe
    entries (``learning_rate``, ``dropout``, ``bigram_buckets``, ...).

    After :meth:`fit`: ``classes_`` (sorted label strings), ``history``
    (metric name -> list per epoch), ``metrics_`` (dict), ``tokenizer``,
    ``model``.
    """

    def __init__(self, arch="default", epochs=None, batch_size=None, maxlen=None, num_words=None,
                 embed_dim=None, pretrained=None, freeze_embeddings=False, early_stopping=None,
                 seed=0, threads=None, verbose=1, **options):
        try:
            self.architecture = architectures.get(arch)
        except KeyError:
            raise InputError(f"unknown architecture {arch!r}; choose one of "
                             f"{', '.join(architectures.ARCHITECTURES)} (or 'default')") from None
        arch = self.architecture.name
        recipe = dict(self.architecture.recipe)
        unknown = sorted(set(options) - set(recipe))
        if unknown:
            raise TypeError(f"TextClassifier got unknown arguments: {unknown}")
        recipe.update(options)
        for name, value in (("epochs", epochs), ("batch_size", batch_size), ("maxlen", maxlen),
                            ("num_words", num_words), ("embed_dim", embed_dim)):
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, (int, np.integer)) or value < 1):
                raise InputError(f"{name} must be a positive integer, got {value!r}")
        if early_stopping is not None and (isinstance(early_stopping, bool) or not isinstance(
                early_stopping, (int, np.integer)) or early_stopping < 0):
            raise InputError(f"early_stopping must be an integer >= 0 (patience in epochs; "
                             f"0 turns it off), got {early_stopping!r}")
        self.arch = arch
        self.recipe = recipe
        self.epochs = int(epochs or recipe["epochs"])
        self.batch_size = int(batch_size or recipe["batch_size"])
        self.maxlen = maxlen
        self.num_words = num_words
        self.embed_dim = embed_dim
        self.pretrained = None if pretrained is None else os.fspath(pretrained)
        self.freeze_embeddings = bool(freeze_embeddings)
        self.early_stopping = (recipe["early_stopping"] if early_stopping is None
                               else int(early_stopping))
        self.seed = int(seed)
        self.threads = threads
        self.verbose = verbose
        self.classes_ = None
        self.history = None
        self.metrics_ = None
        self.tokenizer = None
        self.model = None
        self.preprocessing_ = None
        self.coverage_ = None

    # -- preprocessing ---------------------------------------------------------

    def _sequences(self, texts):
        return self.tokenizer.texts_to_sequences(texts)

    def _rows(self, sequences):
        """int32 (n, width) network input rows from id lists (see :mod:`textembed.kernels.ngram_kernels`)."""
        p = self.preprocessing_
        flat, offsets, _ = flatten(sequences)
        maxlen = p["maxlen"]
        buckets = p["bigram_buckets"]
        width = maxlen + (maxlen - 1 if buckets else 0)
        return feature_rows(flat, offsets, maxlen, buckets, p["vocab_size"], max(width, 1))

    def _encode_labels(self, labels, what):
        index = {label: i for i, label in enumerate(self.classes_)}
        unseen = sorted({label for label in labels if label not in index})
        if unseen:
            shown = ", ".join(repr(u) for u in unseen[:10])
            more = f" and {len(unseen) - 10} more" if len(unseen) > 10 else ""
            raise InputError(f"{what}: label(s) never seen in training: {shown}{more}; "
                             f"the training labels are {', '.join(map(repr, self.classes_[:20]))}")
        return np.fromiter((index[label] for label in labels), dtype=np.int32, count=len(labels))

    # -- training ------------------------------------------------------------------

    def fit(self, texts, labels, valid_texts=None, valid_labels=None, validation_split=0.1,
            test_texts=None, test_labels=None):
        """Train on texts (list of str) and labels (list of str, >= 2 classes); returns self.

        Validation: (valid_texts, valid_labels) if given, else a stratified
        ``validation_split`` of the training data (chosen with ``seed``; 0: none,
        and then no early stopping). ``test_*`` are evaluated at the end only.
        """
        train, valid, test = self._check_data(texts, labels, valid_texts, valid_labels,
                                              test_texts, test_labels, validation_split)
        holdouts = self._plan_holdouts(train.y, valid is not None, float(validation_split))
        with thread_limit(self.threads):
            start = time.perf_counter()
            x_all = self._fit_preprocessing(train.texts, holdouts.vocabulary)
            x_valid = None if valid is None else self._rows(self._sequences(valid.texts))
            initial_rows, expansion = self._read_pretrained()
            setup_seconds = time.perf_counter() - start
            start = time.perf_counter()
            members, history, stopper = self._train_members(x_all, train.y, x_valid, valid,
                                                            holdouts, initial_rows)
            expanded = self._expand_vocabulary(members, expansion)
            self.model = members[0] if len(members) == 1 else average_members(
                members, self.preprocessing_["width"], name=f"classifier_{self.arch}")
            train_seconds = time.perf_counter() - start
            self.history = history.history
            self.metrics_ = self._final_metrics(members, x_all, train.y, x_valid, valid, test,
                                                holdouts, history, stopper)
        self.metrics_.update(self._run_metrics(len(history.epoch), train_seconds,
                                               setup_seconds, len(members), holdouts,
                                               x_valid, expanded))
        return self

    def _check_data(self, texts, labels, valid_texts, valid_labels, test_texts, test_labels,
                    validation_split):
        """Step 1: check the inputs and fix the classes; (train, valid, test) _Examples
        (valid and test None when not given)."""
        texts, labels = check_pair(texts, labels, "training")
        if not texts:
            raise InputError("no training texts: the training data is empty")
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise InputError(f"the training data has a single class ({classes[0]!r}); a "
                             f"classifier needs at least two labels")
        self.classes_ = classes
        train = _Examples(texts, self._encode_labels(labels, "training labels"))
        given = []
        for what, (some_texts, some_labels) in (("validation", (valid_texts, valid_labels)),
                                                ("test", (test_texts, test_labels))):
            if some_texts is None and some_labels is None:
                given.append(None)
                continue
            if some_texts is None or some_labels is None:
                raise InputError(f"{what} data needs both texts and labels")
            some_texts, some_labels = check_pair(some_texts, some_labels, what)
            given.append(_Examples(some_texts, self._encode_labels(some_labels,
                                                                   f"{what} data")))
        if not 0.0 <= float(validation_split) < 1.0:
            raise InputError(f"validation_split must be in [0, 1), got {validation_split}")
        return train, given[0], given[1]

    def _plan_holdouts(self, y, has_valid, validation_split):
        """Step 2: the examples each member trains and is validated on.

        When the validation set comes from the training data, each ensemble
        member holds out its own fold (bagging: the members see different data
        and together all of it) if the folds fit in half the data; else they
        share one hold-out.
        """
        members = int(self.recipe["ensemble"])
        everything = np.arange(len(y))
        if has_valid or not validation_split:
            return _Holdouts([(everything, None)] * members, everything)
        k = members if members * validation_split <= 0.5 else 1
        folds = holdout_folds(y, validation_split, k, self.seed)
        plans = [(complement(len(y), folds[j % k]), folds[j % k]) for j in range(members)]
        if k > 1:
            return _Holdouts(plans, everything)
        return _Holdouts(plans, plans[0][0], shared=folds[0])

    def _fit_preprocessing(self, texts, vocabulary_idx):
        """Step 3: fit the tokenizer, choose maxlen and the embedding size; returns the
        int32 (n, width) input rows of every training text."""
        from ..text import Tokenizer
        recipe = self.recipe
        self.tokenizer = Tokenizer(num_words=self.num_words, filters=recipe["token_filters"],
                                   lower=True)
        every = len(vocabulary_idx) == len(texts)
        self.tokenizer.fit_on_texts(texts if every else [texts[i] for i in vocabulary_idx])
        seqs_all = self._sequences(texts)
        vocab_size = len(self.tokenizer.word_index) + 1
        if self.num_words:
            vocab_size = min(vocab_size, int(self.num_words))
        maxlen = self.maxlen
        if maxlen is None:
            lengths = np.fromiter((len(seqs_all[i]) for i in vocabulary_idx), dtype=np.int64,
                                  count=len(vocabulary_idx))
            maxlen = int(np.ceil(np.percentile(lengths, _MAXLEN_PERCENTILE))) if len(
                lengths) else 1
            maxlen = max(1, min(maxlen, recipe["maxlen_cap"]))
        maxlen = max(maxlen, self.architecture.min_maxlen(recipe))
        dim = self.embed_dim
        if dim is None and self.pretrained:
            dim = pretrained_vectors.vectors_dim(self.pretrained)
        dim = int(dim or recipe["embed_dim"])
        buckets = int(recipe["bigram_buckets"] or 0)
        width = maxlen + (maxlen - 1 if buckets else 0)
        self.preprocessing_ = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "textembed_version": __version__, "arch": self.arch, "maxlen": maxlen,
            "width": max(width, 1), "padding": "post", "truncating": "post",
            "num_words": self.num_words, "vocab_size": vocab_size, "embed_dim": dim,
            "lower": True, "filters": recipe["token_filters"], "bigrams": bool(buckets),
            "bigram_buckets": buckets, "bigram_offset": vocab_size,
            "bigram_hash": "splitmix-pair-v1", "mask_zero": bool(recipe["mask_zero"]),
            "ensemble": int(recipe["ensemble"])}
        return self._rows(seqs_all)

    def _read_pretrained(self):
        """Step 3b: (rows, expansion plan) from the pretrained vectors; (None, None) without.

        rows: (ids int64 (k,), vectors float32 (k, dim)) for the vocabulary
        words the file has, rescaled by the recipe's ``pretrained_scale``.
        """
        if not self.pretrained:
            return None, None
        recipe = self.recipe
        words, vectors = pretrained_vectors.read_vectors(self.pretrained,
                                                         self.preprocessing_["embed_dim"])
        ids, rows, self.coverage_ = pretrained_vectors.vocabulary_rows(
            self.tokenizer, self.num_words, words)
        scale = pretrained_vectors.rescale_factor(vectors, recipe["pretrained_scale"])
        plan = None
        if recipe["expand_vocabulary"] and not self.num_words:
            plan = pretrained_vectors.expansion_plan(self.tokenizer, recipe, words, vectors,
                                                     ids, rows)
        c = self.coverage_
        _say(self.verbose, f"pretrained vectors {self.pretrained}: {c['words']:,} of "
                           f"{c['vocabulary']:,} vocabulary words found "
                           f"({100 * c['word_coverage']:.1f}%, "
                           f"{100 * c['token_coverage']:.1f}% of training tokens)")
        return (ids, vectors[rows] * scale), plan

    def _train_members(self, x_all, y_all, x_given, valid, holdouts, initial_rows):
        """Step 4: build and train each member; (members, last History, last EarlyStopping)."""
        rng = np.random.default_rng(self.seed)
        n_members = len(holdouts.members)
        members, stopper = [], None
        for k, (train_idx, valid_idx) in enumerate(holdouts.members):
            x_train, y_train = x_all[train_idx], y_all[train_idx]
            if valid_idx is not None:
                validation = (x_all[valid_idx], y_all[valid_idx])
            else:
                validation = None if valid is None else (x_given, valid.y)
            model = self._new_member(rng, initial_rows,
                                     prefix=f"m{k + 1}_" if n_members > 1 else "")
            callbacks = []
            if self.recipe["linear_decay"]:
                n_batches = -(-len(x_train) // self.batch_size)
                callbacks.append(LinearDecay(n_batches * self.epochs))
            stopper = None
            if self.early_stopping and validation is not None and len(validation[0]):
                stopper = EarlyStopping(monitor="val_accuracy", patience=self.early_stopping,
                                        restore_best_weights=True, mode="max")
                callbacks.append(stopper)
            if n_members > 1:
                _say(self.verbose, f"ensemble member {k + 1}/{n_members}")
            history = model.fit(x_train, y_train, batch_size=self.batch_size,
                                epochs=self.epochs, verbose=self.verbose, callbacks=callbacks,
                                validation_data=validation, shuffle=True, seed=self.seed + k)
            members.append(model)
        return members, history, stopper

    def _new_member(self, rng, initial_rows=None, prefix=""):
        """A compiled, untrained network for the fitted preprocessing (see
        :func:`.network.build_member`)."""
        p = self.preprocessing_
        return build_member(self.architecture, self.recipe, p["vocab_size"] + p["bigram_buckets"],
                            p["embed_dim"], p["width"], len(self.classes_), rng, initial_rows,
                            trainable=not self.freeze_embeddings, prefix=prefix,
                            name=f"classifier_{self.arch}")

    def _expand_vocabulary(self, members, plan):
        """Step 4b: add the planned pretrained words to the tokenizer and members; how many
        (None when expansion does not apply)."""
        if not (self.pretrained and self.recipe["expand_vocabulary"] and not self.num_words):
            return None
        p = self.preprocessing_
        expanded = 0
        if plan:
            expanded = pretrained_vectors.expand_vocabulary(
                self.tokenizer, members, plan, p["vocab_size"] + p["bigram_buckets"],
                self.recipe["expand_ridge"])
        p["expanded_words"] = expanded
        _say(self.verbose, f"vocabulary expanded by {expanded:,} words of the "
                           f"pretrained vectors that training did not see")
        return expanded

    def _final_metrics(self, members, x_all, y_all, x_given, valid, test, holdouts, history,
                       stopper):
        """Step 5: train, validation and test accuracy.

        Validation is out-of-fold where members hold out their own folds (each
        fold judged by the member that did not see it), else the whole model
        on the shared hold-out or the given validation set.
        """
        valid_correct, valid_count = 0, 0
        if holdouts.shared is None:
            for model, (_, valid_idx) in zip(members, holdouts.members):
                if valid_idx is None:
                    continue
                probs = model.predict(x_all[valid_idx], batch_size=512)
                valid_correct += int(np.sum(np.argmax(probs, axis=1) == y_all[valid_idx]))
                valid_count += len(valid_idx)
        seen = np.unique(np.concatenate([plan[0] for plan in holdouts.members]))
        metrics = {"arch": self.arch, "train_accuracy": self._accuracy(x_all[seen], y_all[seen])}
        if valid_count:
            metrics["valid_accuracy"] = valid_correct / valid_count
        elif holdouts.shared is not None and len(holdouts.shared):
            metrics["valid_accuracy"] = self._accuracy(x_all[holdouts.shared],
                                                       y_all[holdouts.shared])
        elif x_given is not None and len(x_given):
            metrics["valid_accuracy"] = self._accuracy(x_given, valid.y)
        else:
            metrics["valid_accuracy"] = None
        if test is not None:
            metrics["test_accuracy"] = self._accuracy(self._rows(self._sequences(test.texts)),
                                                      test.y)
        epochs_run = len(history.epoch)
        metrics["epochs"] = epochs_run
        metrics["best_epoch"] = (stopper.best_epoch + 1 if stopper and
                                 stopper.best_weights is not None else epochs_run)
        return metrics

    def _run_metrics(self, epochs_run, train_seconds, setup_seconds, n_members, holdouts,
                     x_given, expanded):
        """The run's figures for metrics.json: times, sizes and settings."""
        p = self.preprocessing_
        if holdouts.shared is not None:
            valid_samples = len(holdouts.shared)
        else:
            valid_samples = sum(len(v) for _, v in holdouts.members if v is not None)
        if not valid_samples:
            valid_samples = 0 if x_given is None else int(len(x_given))
        metrics = {
            # an ensemble's epoch is one epoch of every member
            "seconds_per_epoch": train_seconds / max(epochs_run, 1),
            "train_seconds": train_seconds, "setup_seconds": setup_seconds,
            "ensemble": n_members, "num_classes": len(self.classes_),
            "vocab_size": p["vocab_size"], "maxlen": p["maxlen"], "embed_dim": p["embed_dim"],
            "batch_size": self.batch_size, "train_samples": int(len(holdouts.members[0][0])),
            "valid_samples": valid_samples, "seed": self.seed}
        if self.coverage_ is not None:
            metrics["pretrained"] = self.pretrained
            metrics["pretrained_coverage"] = self.coverage_["word_coverage"]
            metrics["pretrained_token_coverage"] = self.coverage_["token_coverage"]
            metrics["freeze_embeddings"] = self.freeze_embeddings
            metrics["expanded_words"] = expanded or 0
        return metrics

    def _accuracy(self, x, y):
        if not len(x):
            return None
        probs = self.model.predict(x, batch_size=512)
        return float(np.mean(np.argmax(probs, axis=1) == y))

    # -- prediction ------------------------------------------------------------------

    def _check_fitted(self):
        if self.model is None:
            raise RuntimeError("this TextClassifier is not fitted: call fit() or load() first")

    def predict_proba(self, texts, batch_size=256):
        """float32 (n, num_classes) class probabilities, columns in ``classes_`` order."""
        self._check_fitted()
        texts = check_texts(texts, "texts to classify")
        batch_size = int(batch_size)
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float32)
        with thread_limit(self.threads):
            step = max(batch_size, 4096)
            for start in range(0, len(texts), step):
                x = self._rows(self._sequences(texts[start:start + step]))
                out[start:start + len(x)] = self.model.predict(x, batch_size=batch_size)
        return out

    def predict(self, texts, batch_size=256):
        """The most probable label (str) of each text."""
        probs = self.predict_proba(texts, batch_size=batch_size)
        return [self.classes_[i] for i in np.argmax(probs, axis=1)]

    def score(self, texts, labels, batch_size=256):
        """Accuracy on (texts, labels); labels unseen in training raise InputError."""
        y = self._encode_labels([str(v) for v in labels], "labels")
        probs = self.predict_proba(texts, batch_size=batch_size)
        return float(np.mean(np.argmax(probs, axis=1) == y)) if len(y) else float("nan")

    # -- saving -------------------------------------------------------------------------

    def save(self, model_dir, force=False):
        """Write the model directory atomically (see :func:`.model_dir.write_model_dir`)."""
        self._check_fitted()
        write_model_dir(model_dir, self.model, self.tokenizer.to_json(), self.classes_,
                        self.preprocessing_, self.metrics_, force=force)
        return self

    @classmethod
    def load(cls, model_dir, threads=None, verbose=0):
        """A fitted classifier from a directory written by :meth:`save`."""
        settings, classes, tokenizer, metrics, model = read_model_dir(model_dir)
        self = cls(arch=settings.get("arch", DEFAULT_ARCH), threads=threads, verbose=verbose)
        self.classes_ = classes
        self.tokenizer = tokenizer
        self.tokenizer.filters = settings.get("filters", tokenizer.filters)
        self.model = model
        self.preprocessing_ = settings
        self.metrics_ = metrics
        self.maxlen = settings["maxlen"]
        return self
