"""The text classifier: tokenizer + network recipe + training loop, saved as one directory.

:class:`TextClassifier` turns texts (list of str) and labels (list of str)
into a trained :class:`textembed.models.Sequential`. Architectures
(``arch``):

* ``bag`` (the default): fastText-style. Token ids plus hashed word-bigram
  ids, token dropout, averaged embeddings (masked), dropout, softmax; Adam
  with a linearly decaying learning rate; an ensemble of two such networks,
  each trained without its own validation fold, averaged. With pretrained
  vectors, their words that the training texts lack join the vocabulary
  after training (see :meth:`TextClassifier._expansion_plan`).
* ``cnn``: Kim (2014). Embedding 300, Conv1D 100 filters of widths 3, 4, 5
  merged by :class:`textembed.layers.Parallel`, global max pooling, dropout
  0.5, softmax; Adadelta, batch 50.
* ``lstm`` / ``gru`` / ``bilstm``: Embedding 128 (mask_zero), one recurrent
  layer of 128 units (Bidirectional for bilstm), softmax; Adam, batch 32.

``None`` for a hyper-parameter means the recipe's value (:data:`RECIPES`).
An ensemble (recipe entry ``ensemble`` > 1) trains its members one after
the other and saves them as one Sequential whose only layer is a
``Parallel(merge="ave")`` of the members.
A saved model is a directory (see :meth:`TextClassifier.save`): ``model.npz``
(``Sequential.save``), ``tokenizer.json`` (Keras' format), ``labels.json``,
``preprocessing.json`` and ``metrics.json``.

User-caused problems raise :class:`textembed.io.InputError` with one line.
"""
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

from .._defaults import DEFAULT_FILTERS
from .._version import __version__
from ..callbacks import Callback, EarlyStopping
from ..io import InputError
from ._features import feature_rows, flatten
from .architectures import ARCH_NAMES, DEFAULT_ARCH

FORMAT = "textembed.TextClassifier"
FORMAT_VERSION = 1
ARCHS = ARCH_NAMES
# Keras' filters. Keeping "!" and "?" as tokens was measured on MR and did not help.
FILTERS = DEFAULT_FILTERS
_FILES = {"model": "model.npz", "tokenizer": "tokenizer.json", "labels": "labels.json",
          "preprocessing": "preprocessing.json", "metrics": "metrics.json"}

# One source for each architecture's defaults.
RECIPES = {
    # Adam with a learning rate falling linearly to 0 over a fixed number of epochs: on
    # MR it ends where early stopping on the small validation set would, more stably.
    # Two members, each holding out its own fold: +0.8 points on MR for twice the time.
    # Pretrained vectors are rescaled to the random table's spread (std 0.03), and up to
    # expand_vocabulary of their words that training lacks are added after training
    # (mapped into each member's embedding): +0.1 point on MR, in 10-fold CV and over
    # seeds 0-5 of the fixed split.
    "bag": {"epochs": 6, "batch_size": 32, "embed_dim": 64, "optimizer": "adam",
            "learning_rate": 0.003, "dropout": 0.5, "token_dropout": 0.3,
            "bigram_buckets": 1 << 18, "early_stopping": 0, "maxlen_cap": 500,
            "linear_decay": True, "ensemble": 2, "pretrained_scale": 0.03,
            "expand_vocabulary": 100_000},
    "cnn": {"epochs": 10, "batch_size": 50, "embed_dim": 300, "optimizer": "adadelta",
            "learning_rate": 1.0, "dropout": 0.5, "filters": 100, "widths": (3, 4, 5),
            "max_norm": 3.0, "bigram_buckets": 0, "early_stopping": 3, "maxlen_cap": 300,
            "linear_decay": False},
    "lstm": {"epochs": 5, "batch_size": 32, "embed_dim": 128, "units": 128, "optimizer": "adam",
             "learning_rate": 0.001, "dropout": 0.0, "bigram_buckets": 0, "early_stopping": 2,
             "maxlen_cap": 200, "linear_decay": False},
}
for _recipe in RECIPES.values():
    _recipe.setdefault("token_filters", FILTERS)
    _recipe.setdefault("token_dropout", 0.0)
    _recipe.setdefault("pooling", "mean")
    _recipe.setdefault("ensemble", 1)
    _recipe.setdefault("pretrained_scale", None)
    _recipe.setdefault("expand_vocabulary", 0)  # words; 0: none
    _recipe.setdefault("expand_min_count", 3)
    _recipe.setdefault("expand_ridge", 0.01)  # times the mean eigenvalue of the Gram matrix
RECIPES["gru"] = dict(RECIPES["lstm"])
RECIPES["bilstm"] = dict(RECIPES["lstm"])
_MAXLEN_PERCENTILE = 99


def is_model_dir(path):
    """True if ``path`` is a directory written by :meth:`TextClassifier.save`."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        return False
    if not all(os.path.isfile(os.path.join(path, name)) for name in _FILES.values()):
        return False
    try:
        with open(os.path.join(path, _FILES["preprocessing"]), encoding="utf-8") as f:
            settings = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(settings, dict) and settings.get("format") == FORMAT


@contextlib.contextmanager
def _thread_limit(threads):
    """Limit numba's and OpenBLAS' threads to ``threads`` inside the block (None: no change)."""
    if not threads:
        yield
        return
    import numba

    from .._blas import blas_threads
    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        with blas_threads(int(threads)):
            yield
    finally:
        numba.set_num_threads(previous)


def _say(verbose, message):
    if verbose:
        print(message, file=sys.stderr)


def _check_texts(texts, what):
    if isinstance(texts, str):
        raise InputError(f"{what}: expected a list of texts, got one string")
    texts = list(texts)
    bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise InputError(f"{what}: item {bad} is a {type(texts[bad]).__name__}, not a str")
    return texts


def _holdout_folds(labels_ids, fraction, k, seed):
    """k disjoint stratified hold-out sets of ``fraction`` of the samples each.

    Returns a list of k sorted int64 index arrays (seeded by ``seed``); with k=1
    the first is :func:`_split_holdout`'s validation set.
    """
    rng = np.random.default_rng(seed)
    folds = [[] for _ in range(k)]
    for c in np.unique(labels_ids):
        members = np.flatnonzero(labels_ids == c)
        members = members[rng.permutation(len(members))]
        take = int(round(fraction * len(members)))
        take = min(take, (len(members) - 1) // k)
        for j in range(k):
            folds[j].append(members[j * take:(j + 1) * take])
    return [np.sort(np.concatenate(f)) for f in folds]


def _split_holdout(labels_ids, fraction, seed):
    """Stratified hold-out: (train indices, valid indices), int64, each sorted."""
    valid = _holdout_folds(labels_ids, fraction, 1, seed)[0]
    keep = np.ones(len(labels_ids), dtype=bool)
    keep[valid] = False
    return np.flatnonzero(keep), valid


class _LinearDecay(Callback):
    """Callback: learning rate falls linearly from its initial value to 0 over all batches."""

    def __init__(self, total_batches):
        super().__init__()
        self.total = max(int(total_batches), 1)
        self.step = 0
        self.initial = None

    def on_train_begin(self, logs=None):
        self.initial = self.model.optimizer.learning_rate

    def on_batch_begin(self, batch, logs=None):
        fraction = max(1.0 - self.step / self.total, 1e-4)
        self.model.optimizer.learning_rate = self.initial * fraction
        self.step += 1

    def on_train_end(self, logs=None):
        self.model.optimizer.learning_rate = self.initial


class TextClassifier:
    """Texts -> labels. See the module docstring for the architectures.

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
        if arch in (None, "default"):
            arch = DEFAULT_ARCH
        if arch not in ARCHS:
            raise InputError(f"unknown architecture {arch!r}; choose one of "
                             f"{', '.join(ARCHS)} (or 'default')")
        recipe = dict(RECIPES[arch])
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

    # -- preprocessing ---------------------------------------------------------

    def _sequences(self, texts):
        return self.tokenizer.texts_to_sequences(texts)

    def _rows(self, sequences):
        """int32 (n, width) network input rows from id lists (see ``_features``)."""
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

    # -- the network -------------------------------------------------------------

    def _read_pretrained(self, dim):
        """(words list of str, vectors float32 (n, dim)) of the pretrained file."""
        from ..word2vec.formats import read_word2vec
        path = self.pretrained
        try:
            words, vectors = read_word2vec(path)
        except InputError as error:
            raise InputError(f"--pretrained {error} (expected word2vec text or binary vectors, "
                             f"e.g. from 'textembed skipgram')") from None
        except (OSError, ValueError, UnicodeDecodeError) as error:
            raise InputError(f"--pretrained {path}: not a word2vec vectors file ({error})") \
                from None
        if vectors.shape[1] != dim:
            raise InputError(f"--pretrained {path}: vectors have {vectors.shape[1]} dimensions "
                             f"but embed_dim is {dim}; leave embed_dim unset or give "
                             f"{vectors.shape[1]}")
        return words, vectors

    def _pretrained_rows(self, words, vectors):
        """Vocabulary rows found in the pretrained vectors.

        Returns (ids int64 (found,) vocabulary ids, rows int64 (found,) their
        rows in ``vectors``, coverage dict).
        """
        row_of = {w: i for i, w in enumerate(words)}
        index_word = self.tokenizer.index_word
        n_words = min(len(index_word) + 1, self.preprocessing_["num_words"] or 1 << 62)
        ids, rows, found_tokens, total_tokens = [], [], 0, 0
        counts = self.tokenizer.word_counts
        for i in range(1, n_words):
            word = index_word[i]
            j = row_of.get(word)
            if j is None:
                j = row_of.get(word.lower())
            count = counts.get(word, 0)
            total_tokens += count
            if j is not None:
                ids.append(i)
                rows.append(j)
                found_tokens += count
        coverage = {"words": len(ids), "vocabulary": n_words - 1,
                    "word_coverage": len(ids) / max(n_words - 1, 1),
                    "token_coverage": found_tokens / max(total_tokens, 1)}
        return np.asarray(ids, dtype=np.int64), np.asarray(rows, dtype=np.int64), coverage

    def _rescale(self, vectors):
        """Factor taking the vectors' std to the recipe's ``pretrained_scale`` (1: none)."""
        target = self.recipe.get("pretrained_scale")
        scale = float(np.std(vectors)) if vectors.size else 0.0
        return np.float32(target / scale) if target and scale else np.float32(1.0)

    def _expansion_plan(self, words, vectors, ids, rows):
        """What vocabulary expansion needs from the pretrained file, taken before
        training so that the whole file need not be kept.

        The candidates are the file's first ``expand_vocabulary`` words that the
        tokenizer could produce (lower-cased, one token) and does not know.
        Returns None if there is nothing to add, else a dict: ``fit_ids`` int64
        (m,) training words seen at least ``expand_min_count`` times,
        ``fit_vectors`` float32 (m, dim) their pretrained vectors, ``words``
        (list of k str) and ``vectors`` float32 (k, dim) the words to add.
        """
        from ..text import text_to_word_sequence
        r = self.recipe
        counts = self.tokenizer.word_counts
        index_word = self.tokenizer.index_word
        fit = np.array([counts.get(index_word[i], 0) >= r["expand_min_count"] for i in ids],
                       dtype=bool)
        if fit.sum() < 2:
            return None
        word_index = self.tokenizer.word_index
        new_words, new_rows, seen = [], [], set()
        for j, word in enumerate(words[:r["expand_vocabulary"]]):
            key = word.lower()
            if key in word_index or key in seen:
                continue
            if text_to_word_sequence(key, r["token_filters"]) != [key]:
                continue
            seen.add(key)
            new_words.append(key)
            new_rows.append(j)
        if not new_words:
            return None
        return {"fit_ids": ids[fit], "fit_vectors": vectors[rows[fit]],
                "words": new_words, "vectors": vectors[np.asarray(new_rows)]}

    def _expand_vocabulary(self, members, plan):
        """Add the planned words (see :meth:`_expansion_plan`) to the tokenizer and
        every member; returns how many.

        Each member's trained embedding is predicted from the pretrained
        vectors by ridge regression fitted on ``plan["fit_ids"]``; the new
        words' rows are that prediction. New ids follow the embedding table
        (after the bigram rows).
        """
        p = plan["fit_vectors"].astype(np.float64)
        gram = p.T @ p
        gram[np.diag_indices_from(gram)] += (self.recipe["expand_ridge"] * np.trace(gram)
                                             / len(gram))
        source = plan["vectors"].astype(np.float64)
        for model in members:
            embedding = model.layers[0]
            trained = embedding.get_weights()[0][plan["fit_ids"]].astype(np.float64)
            mapping = np.linalg.solve(gram, p.T @ trained)
            embedding.add_rows((source @ mapping).astype(np.float32))
        word_index = self.tokenizer.word_index
        index_word = self.tokenizer.index_word
        first = self.preprocessing_["vocab_size"] + self.preprocessing_["bigram_buckets"]
        for k, word in enumerate(plan["words"]):
            word_index[word] = first + k
            index_word[first + k] = word
        return len(plan["words"])

    def _build(self, vocab_size, num_classes, rng, pretrained=None, prefix=""):
        """A compiled Sequential for the recipe.

        pretrained: None or (ids, vectors) from :meth:`_pretrained_rows`, which
        replace those rows of the random table.
        """
        from .. import optimizers
        from ..constraints import MaxNorm
        from ..initializers import Orthogonal, VarianceScaling
        from ..layers import (GRU, LSTM, Bidirectional, Conv1D, Dense, Dropout, Embedding,
                              GlobalAveragePooling1D, GlobalMaxPooling1D, Parallel)
        from ..models import Sequential
        r = self.recipe
        p = self.preprocessing_
        dim = p["embed_dim"]
        seeds = iter(rng.integers(0, 2 ** 31 - 1, size=16).tolist())
        glorot = lambda: VarianceScaling(1.0, "fan_avg", "uniform", next(seeds))  # noqa: E731
        total_rows = vocab_size + p["bigram_buckets"]
        mask_zero = self.arch != "cnn"
        # Keras' uniform(-0.05, 0.05), drawn directly in float32 (3x faster for big tables);
        # each ensemble member draws its own, pretrained or not: a shared start costs the
        # ensemble its diversity (-1 point on MR)
        table = np.random.default_rng(next(seeds)).random((total_rows, dim), np.float32)
        table *= np.float32(0.1)
        table -= np.float32(0.05)
        if pretrained is not None:
            table[pretrained[0]] = pretrained[1]
        embedding = Embedding(total_rows, dim, mask_zero=mask_zero, input_length=p["width"],
                              embeddings_initializer="zeros", weights=[table],
                              trainable=not self.freeze_embeddings, name=prefix + "embedding")
        model = Sequential(name=f"classifier_{self.arch}")
        model.add(embedding)
        if r["token_dropout"]:
            # whole tokens dropped (their vectors zeroed) while training
            model.add(Dropout(r["token_dropout"], noise_shape=(None, None, 1), seed=next(seeds),
                              name=prefix + "token_dropout"))
        if self.arch == "bag" and r["pooling"] == "mean":
            model.add(GlobalAveragePooling1D(name=prefix + "average"))
        elif self.arch == "bag":
            model.add(Parallel([GlobalAveragePooling1D(name=prefix + "average"),
                                GlobalMaxPooling1D(name=prefix + "max")], name=prefix + "pooling"))
        elif self.arch == "cnn":
            model.add(Parallel([[Conv1D(r["filters"], w, activation="relu",
                                        kernel_initializer=glorot(), name=f"{prefix}conv{w}"),
                                 GlobalMaxPooling1D(name=f"{prefix}maxpool{w}")]
                                for w in r["widths"]], name=prefix + "convolutions"))
        else:
            cell = GRU if self.arch == "gru" else LSTM

            def recurrent(**kw):
                # every initializer seeded, so that --seed reproduces the run; the two
                # directions of bilstm draw their own
                if cell is GRU:
                    kw["reset_after"] = True
                return cell(r["units"], kernel_initializer=glorot(),
                            recurrent_initializer=Orthogonal(seed=next(seeds)),
                            recurrent_activation="sigmoid", **kw)
            if self.arch == "bilstm":
                model.add(Bidirectional(recurrent(), backward_layer=recurrent(go_backwards=True),
                                        name=prefix + "bilstm"))
            else:
                model.add(recurrent(name=prefix + self.arch))
        if r["dropout"]:
            model.add(Dropout(r["dropout"], seed=next(seeds), name=prefix + "dropout"))
        constraint = MaxNorm(r["max_norm"]) if r.get("max_norm") else None
        model.add(Dense(num_classes, activation="softmax", kernel_initializer=glorot(),
                        kernel_constraint=constraint, name=prefix + "output"))
        opt_class = {"adam": optimizers.Adam, "adadelta": optimizers.Adadelta,
                     "sgd": optimizers.SGD, "adagrad": optimizers.Adagrad,
                     "rmsprop": optimizers.RMSprop}[r["optimizer"]]
        kwargs = {"learning_rate": r["learning_rate"]}
        if opt_class is optimizers.Adadelta:
            kwargs["epsilon"] = 1e-6
        model.compile(opt_class(**kwargs), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model

    def _merge(self, models):
        """One Sequential averaging the members' class probabilities (a Parallel of them)."""
        from ..layers import Parallel
        from ..models import Sequential
        merged = Sequential([Parallel([m.layers for m in models], merge="ave",
                                      input_shape=(self.preprocessing_["width"],),
                                      name="ensemble")], name=f"classifier_{self.arch}")
        merged.compile(models[0].optimizer, "sparse_categorical_crossentropy",
                       metrics=["accuracy"])
        return merged

    # -- training ------------------------------------------------------------------

    def fit(self, texts, labels, valid_texts=None, valid_labels=None, validation_split=0.1,
            test_texts=None, test_labels=None):
        """Train on texts (list of str) and labels (list of str, >= 2 classes); returns self.

        Validation: (valid_texts, valid_labels) if given, else a stratified
        ``validation_split`` of the training data (chosen with ``seed``; 0: none,
        and then no early stopping). ``test_*`` are evaluated at the end only.
        """
        from ..text import Tokenizer
        texts = _check_texts(texts, "training texts")
        labels = [str(label) for label in _check_texts(labels, "training labels")]
        if len(texts) != len(labels):
            raise InputError(f"{len(texts)} training texts but {len(labels)} labels")
        if not texts:
            raise InputError("no training texts: the training data is empty")
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise InputError(f"the training data has a single class ({classes[0]!r}); a "
                             f"classifier needs at least two labels")
        self.classes_ = classes
        y_all = self._encode_labels(labels, "training labels")
        has_valid = valid_texts is not None or valid_labels is not None
        if has_valid:
            if valid_texts is None or valid_labels is None:
                raise InputError("validation data needs both texts and labels")
            valid_texts = _check_texts(valid_texts, "validation texts")
            valid_labels = [str(v) for v in _check_texts(valid_labels, "validation labels")]
            if len(valid_texts) != len(valid_labels):
                raise InputError(f"{len(valid_texts)} validation texts but "
                                 f"{len(valid_labels)} labels")
            y_valid = self._encode_labels(valid_labels, "validation data")
        if test_texts is not None or test_labels is not None:
            if test_texts is None or test_labels is None:
                raise InputError("test data needs both texts and labels")
            test_texts = _check_texts(test_texts, "test texts")
            test_labels = [str(v) for v in _check_texts(test_labels, "test labels")]
            if len(test_texts) != len(test_labels):
                raise InputError(f"{len(test_texts)} test texts but {len(test_labels)} labels")
            y_test = self._encode_labels(test_labels, "test data")
        if not 0.0 <= float(validation_split) < 1.0:
            raise InputError(f"validation_split must be in [0, 1), got {validation_split}")
        # Each ensemble member holds out its own fold of the training data when the
        # validation set comes from it (bagging: the members see different data and
        # together all of it); valid_accuracy is then out-of-fold, each fold judged
        # by the member that did not train on it.
        members = int(self.recipe["ensemble"])
        n_all = len(texts)
        everything = np.arange(n_all)
        if not has_valid and validation_split:
            k = members if members * float(validation_split) <= 0.5 else 1
            folds = _holdout_folds(y_all, float(validation_split), k, self.seed)
            plans = []
            for j in range(members):
                fold = folds[j % k]
                keep = np.ones(n_all, dtype=bool)
                keep[fold] = False
                plans.append((np.flatnonzero(keep), fold))
            vocabulary_idx = everything if k > 1 else plans[0][0]
            shared_fold = None if k > 1 else folds[0]
        else:
            plans = [(everything, None)] * members
            vocabulary_idx = everything
            shared_fold = None
        if not has_valid:
            valid_texts, y_valid = None, None

        with _thread_limit(self.threads):
            start = time.perf_counter()
            self.tokenizer = Tokenizer(num_words=self.num_words,
                                       filters=self.recipe["token_filters"], lower=True)
            self.tokenizer.fit_on_texts(texts if len(vocabulary_idx) == n_all
                                        else [texts[i] for i in vocabulary_idx])
            seqs_all = self._sequences(texts)
            seqs = [seqs_all[i] for i in vocabulary_idx]
            vocab_size = len(self.tokenizer.word_index) + 1
            if self.num_words:
                vocab_size = min(vocab_size, int(self.num_words))
            lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
            maxlen = self.maxlen
            if maxlen is None:
                maxlen = int(np.ceil(np.percentile(lengths, _MAXLEN_PERCENTILE))) if len(
                    lengths) else 1
                maxlen = max(1, min(maxlen, self.recipe["maxlen_cap"]))
            if self.arch == "cnn":
                maxlen = max(maxlen, max(self.recipe["widths"]))
            dim = self.embed_dim
            if dim is None and self.pretrained:
                from ..word2vec.formats import _open_vectors_file, _read_header
                try:
                    raw, handle = _open_vectors_file(self.pretrained)
                    try:
                        dim = _read_header(handle, self.pretrained)[1]
                    finally:
                        handle.close()
                        raw.close()
                except InputError as error:
                    raise InputError(f"--pretrained {error} (expected word2vec text or "
                                     f"binary vectors, e.g. from 'textembed skipgram')") \
                        from None
            dim = int(dim or self.recipe["embed_dim"])
            buckets = int(self.recipe["bigram_buckets"] or 0)
            width = maxlen + (maxlen - 1 if buckets else 0)
            self.preprocessing_ = {
                "format": FORMAT, "format_version": FORMAT_VERSION,
                "textembed_version": __version__, "arch": self.arch, "maxlen": maxlen,
                "width": max(width, 1), "padding": "post", "truncating": "post",
                "num_words": self.num_words, "vocab_size": vocab_size, "embed_dim": dim,
                "lower": True, "filters": self.recipe["token_filters"], "bigrams": bool(buckets),
                "bigram_buckets": buckets, "bigram_offset": vocab_size,
                "bigram_hash": "splitmix-pair-v1", "mask_zero": self.arch != "cnn",
                "ensemble": int(self.recipe["ensemble"])}
            x_all = self._rows(seqs_all)
            x_given = None if valid_texts is None else self._rows(self._sequences(valid_texts))
            rng = np.random.default_rng(self.seed)
            pretrained, self.coverage_, plan = None, None, None
            expand = bool(self.pretrained and self.recipe["expand_vocabulary"]
                          and not self.num_words)
            if self.pretrained:
                words, vectors = self._read_pretrained(dim)
                ids, rows, self.coverage_ = self._pretrained_rows(words, vectors)
                pretrained = (ids, vectors[rows] * self._rescale(vectors))
                if expand:
                    plan = self._expansion_plan(words, vectors, ids, rows)
                del words, vectors
            if self.coverage_ is not None:
                c = self.coverage_
                _say(self.verbose, f"pretrained vectors {self.pretrained}: {c['words']:,} of "
                                   f"{c['vocabulary']:,} vocabulary words found "
                                   f"({100 * c['word_coverage']:.1f}%, "
                                   f"{100 * c['token_coverage']:.1f}% of training tokens)")
            setup = time.perf_counter() - start
            start = time.perf_counter()
            models, stopper = [], None
            for k, (train_idx, valid_idx) in enumerate(plans):
                x_train, y_train = x_all[train_idx], y_all[train_idx]
                if valid_idx is not None:
                    x_valid, y_valid = x_all[valid_idx], y_all[valid_idx]
                else:
                    x_valid = x_given
                prefix = f"m{k + 1}_" if members > 1 else ""
                model = self._build(vocab_size, len(classes), rng, pretrained, prefix)
                callbacks = []
                if self.recipe.get("linear_decay"):
                    n_batches = -(-len(x_train) // self.batch_size)
                    callbacks.append(_LinearDecay(n_batches * self.epochs))
                stopper = None
                if self.early_stopping and x_valid is not None and len(x_valid):
                    stopper = EarlyStopping(monitor="val_accuracy", patience=self.early_stopping,
                                            restore_best_weights=True, mode="max")
                    callbacks.append(stopper)
                if members > 1 and self.verbose:
                    _say(self.verbose, f"ensemble member {k + 1}/{members}")
                history = model.fit(
                    x_train, y_train, batch_size=self.batch_size, epochs=self.epochs,
                    verbose=self.verbose, callbacks=callbacks,
                    validation_data=None if x_valid is None else (x_valid, y_valid),
                    shuffle=True, seed=self.seed + k)
                models.append(model)
            expanded = 0
            if expand:
                expanded = self._expand_vocabulary(models, plan) if plan else 0
                self.preprocessing_["expanded_words"] = expanded
                _say(self.verbose, f"vocabulary expanded by {expanded:,} words of the "
                                   f"pretrained vectors that training did not see")
            self.model = models[0] if members == 1 else self._merge(models)
            train_seconds = time.perf_counter() - start
            self.history = history.history
            epochs_run = len(history.epoch)
            # out-of-fold validation: each hold-out judged by the member that did not see it
            valid_correct, valid_count = 0, 0
            for model, (_, valid_idx) in zip(models, plans):
                if valid_idx is None or shared_fold is not None:
                    continue
                probs = model.predict(x_all[valid_idx], batch_size=512)
                valid_correct += int(np.sum(np.argmax(probs, axis=1) == y_all[valid_idx]))
                valid_count += len(valid_idx)
            seen = np.unique(np.concatenate([p[0] for p in plans]))
            x_train, y_train = x_all[seen], y_all[seen]
            metrics = {"arch": self.arch, "train_accuracy": self._accuracy(x_train, y_train)}
            if valid_count:
                metrics["valid_accuracy"] = valid_correct / valid_count
            elif shared_fold is not None and len(shared_fold):
                valid_count = len(shared_fold)
                metrics["valid_accuracy"] = self._accuracy(x_all[shared_fold],
                                                           y_all[shared_fold])
            elif x_given is not None and len(x_given):
                metrics["valid_accuracy"] = self._accuracy(x_given, y_valid)
            else:
                metrics["valid_accuracy"] = None
            if test_texts is not None:
                x_test = self._rows(self._sequences(test_texts))
                metrics["test_accuracy"] = self._accuracy(x_test, y_test)
        metrics.update({
            "epochs": epochs_run, "best_epoch": (stopper.best_epoch + 1 if stopper and
                                                 stopper.best_weights is not None
                                                 else epochs_run),
            # an ensemble's epoch is one epoch of every member
            "seconds_per_epoch": train_seconds / max(epochs_run, 1),
            "train_seconds": train_seconds, "setup_seconds": setup,
            "ensemble": members,
            "num_classes": len(classes), "vocab_size": vocab_size, "maxlen": maxlen,
            "embed_dim": dim, "batch_size": self.batch_size,
            "train_samples": int(len(plans[0][0])),
            "valid_samples": (valid_count if valid_count
                              else 0 if x_given is None else int(len(x_given))),
            "seed": self.seed})
        if self.coverage_ is not None:
            metrics["pretrained"] = self.pretrained
            metrics["pretrained_coverage"] = self.coverage_["word_coverage"]
            metrics["pretrained_token_coverage"] = self.coverage_["token_coverage"]
            metrics["freeze_embeddings"] = self.freeze_embeddings
            metrics["expanded_words"] = expanded
        self.metrics_ = metrics
        return self

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
        texts = _check_texts(texts, "texts to classify")
        batch_size = int(batch_size)
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float32)
        with _thread_limit(self.threads):
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
        """Write the model directory atomically (built beside it, then renamed into place).

        An existing ``model_dir`` (model directory or not) is replaced only with
        ``force=True``; the old one is removed only after the new one is complete.
        """
        self._check_fitted()
        target = os.path.abspath(os.fspath(model_dir))
        if os.path.lexists(target) and not force:
            if is_model_dir(target):
                raise InputError(f"{model_dir}: a model directory already exists there; "
                                 f"use --force (force=True) to replace it")
            raise InputError(f"{model_dir}: exists and is not a textembed model directory; "
                             f"choose another path or use --force (force=True) to replace it")
        parent = os.path.dirname(target)
        if not os.path.isdir(parent):
            raise InputError(f"{model_dir}: the parent directory {parent} does not exist")
        name = os.path.basename(target)
        tmp = tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=parent)
        try:
            self.model.save(os.path.join(tmp, _FILES["model"]))
            files = {"tokenizer": self.tokenizer.to_json(),
                     "labels": json.dumps(list(self.classes_), ensure_ascii=False),
                     "preprocessing": json.dumps(self.preprocessing_, indent=1),
                     "metrics": json.dumps(self.metrics_ or {}, indent=1)}
            for key, text in files.items():
                with open(os.path.join(tmp, _FILES[key]), "w", encoding="utf-8") as f:
                    f.write(text + "\n")
            os.chmod(tmp, 0o755)
            if os.path.lexists(target):
                old = tempfile.mkdtemp(prefix=f".{name}.old-", dir=parent)
                os.rmdir(old)
                os.rename(target, old)
                os.rename(tmp, target)
                if os.path.isdir(old) and not os.path.islink(old):
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    os.remove(old)
            else:
                os.rename(tmp, target)
        except OSError as error:
            shutil.rmtree(tmp, ignore_errors=True)
            raise InputError(f"{model_dir}: cannot write the model ({error})") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self

    @classmethod
    def load(cls, model_dir, threads=None, verbose=0):
        """A fitted classifier from a directory written by :meth:`save`."""
        from ..models import load_model
        from ..text import tokenizer_from_json
        path = os.fspath(model_dir)
        if not is_model_dir(path):
            what = "no such directory" if not os.path.exists(path) else \
                "not a textembed model directory (written by 'textembed train-classifier')"
            raise InputError(f"{path}: {what}")
        try:
            with open(os.path.join(path, _FILES["preprocessing"]), encoding="utf-8") as f:
                settings = json.load(f)
            if settings.get("format_version", 0) > FORMAT_VERSION:
                raise InputError(f"{path}: saved by a newer textembed (format version "
                                 f"{settings['format_version']}); upgrade textembed")
            with open(os.path.join(path, _FILES["labels"]), encoding="utf-8") as f:
                classes = json.load(f)
            with open(os.path.join(path, _FILES["tokenizer"]), encoding="utf-8") as f:
                tokenizer = tokenizer_from_json(f.read())
            with open(os.path.join(path, _FILES["metrics"]), encoding="utf-8") as f:
                metrics = json.load(f)
            model = load_model(os.path.join(path, _FILES["model"]))
        except InputError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InputError(f"{path}: damaged model directory ({error})") from None
        self = cls(arch=settings.get("arch", DEFAULT_ARCH), threads=threads, verbose=verbose)
        self.classes_ = [str(c) for c in classes]
        self.tokenizer = tokenizer
        self.tokenizer.filters = settings.get("filters", tokenizer.filters)
        self.model = model
        self.preprocessing_ = settings
        self.metrics_ = metrics
        self.maxlen = settings["maxlen"]
        return self


def cross_validate(texts, labels, k=10, seed=0, **classifier_params):
    """K-fold cross-validation (stratified folds chosen with ``seed``).

    Returns {"folds": [accuracy per fold], "mean", "std", "k"}; each fold trains
    ``TextClassifier(seed=seed, **classifier_params)`` on the other k-1 folds.
    """
    texts = _check_texts(texts, "texts")
    labels = [str(v) for v in _check_texts(labels, "labels")]
    if len(texts) != len(labels):
        raise InputError(f"{len(texts)} texts but {len(labels)} labels")
    k = int(k)
    if k < 2:
        raise InputError(f"cross-validation needs k >= 2 folds, got {k}")
    if len(texts) < k:
        raise InputError(f"cross-validation with {k} folds needs at least {k} texts, "
                         f"got {len(texts)}")
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise InputError(f"the data has a single class ({classes[0] if classes else None!r}); "
                         f"a classifier needs at least two labels")
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[v] for v in labels], dtype=np.int64)
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=np.int64)
    offset = 0
    for c in range(len(classes)):
        members = np.flatnonzero(y == c)
        members = members[rng.permutation(len(members))]
        fold_of[members] = (np.arange(len(members)) + offset) % k
        offset += len(members)
    accuracies = []
    for fold in range(k):
        test = np.flatnonzero(fold_of == fold)
        train = np.flatnonzero(fold_of != fold)
        classifier = TextClassifier(seed=seed + fold, **classifier_params)
        train_labels = [labels[i] for i in train]
        classifier.fit([texts[i] for i in train], train_labels)
        test_labels = [labels[i] for i in test]
        known = set(classifier.classes_)
        keep = [i for i, v in zip(test, test_labels) if v in known]
        accuracies.append(classifier.score([texts[i] for i in keep],
                                           [labels[i] for i in keep]))
    folds = [float(a) for a in accuracies]
    return {"folds": folds, "mean": float(np.mean(folds)), "std": float(np.std(folds)),
            "k": k}
