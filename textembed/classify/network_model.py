"""The network classifiers (embedding-bag, cnn, lstm, gru, bilstm): texts -> token ids ->
a :class:`textembed.models.Sequential` built by :mod:`.network`.

:meth:`NetworkModel.fit` runs in named steps: plan the hold-outs, fit the
preprocessing (a Keras tokenizer, maxlen, the embedding size), read the
pretrained vectors, train the members, expand the vocabulary, calibrate. An
ensemble (recipe entry ``ensemble`` > 1) trains its members one after the
other, each holding out its own validation fold when the validation set
comes from the training data, and averages them. With pretrained vectors,
their words that the training texts lack join the vocabulary after training
(see :mod:`.pretrained`).
"""
import time
from dataclasses import dataclass

import numpy as np

from .._version import __version__
from ..callbacks import EarlyStopping, LinearDecay
from ..progress import say
from . import pretrained as pretrained_vectors
from .calibration import PowerCalibration
from .features import flatten
from .model_dir import FORMAT
from .network import average_members, build_member
from .splits import complement, holdout_folds

FORMAT_VERSION = 1
_MAXLEN_PERCENTILE = 99


@dataclass
class Holdouts:
    """Which examples each member trains on and is validated on.

    members: one (train indices, valid indices or None) per member, int64;
    vocabulary: the indices the tokenizer is fitted on; shared: the hold-out
    all members share when their own folds do not fit (judged as a whole).
    """
    members: list
    vocabulary: np.ndarray
    shared: np.ndarray = None


class NetworkModel:
    """A trained network and the preprocessing that feeds it.

    Settings come from the :class:`~.model.TextClassifier` that owns it. After
    :meth:`fit`: ``tokenizer``, ``preprocessing_`` (dict, saved as
    preprocessing.json), ``model`` (Sequential), ``history``, ``coverage_``
    (pretrained vectors, or None), ``calibration``.
    """

    def __init__(self, owner):
        self.owner = owner
        self.architecture = owner.architecture
        self.recipe = owner.recipe
        self.tokenizer = None
        self.preprocessing_ = None
        self.model = None
        self.history = None
        self.history_source = None
        self.heldout_index = None
        self.coverage_ = None
        self.calibration = None
        self.report = {}

    # -- inputs ----------------------------------------------------------------

    def _sequences(self, texts):
        return self.tokenizer.texts_to_sequences(texts)

    def _rows(self, sequences):
        """int32 (n, width) network input rows from id lists (see
        :mod:`textembed.kernels.ngram_kernels`)."""
        from ..kernels.ngram_kernels import feature_rows
        p = self.preprocessing_
        flat, offsets, _ = flatten(sequences)
        maxlen = p["maxlen"]
        buckets = p["bigram_buckets"]
        width = maxlen + (maxlen - 1 if buckets else 0)
        return feature_rows(flat, offsets, maxlen, buckets, p["vocab_size"], max(width, 1))

    def inputs(self, texts):
        return self._rows(self._sequences(texts))

    # -- training --------------------------------------------------------------------

    def fit(self, train, valid, validation_split):
        """Train on ``train`` (texts, y); validate on ``valid`` or a split of train.

        Returns (validation log-probabilities float64 (m, C), their classes
        int (m,)) or None without validation data.
        """
        o = self.owner
        holdouts = self._plan_holdouts(train.y, valid is not None, validation_split)
        start = time.perf_counter()
        x_all = self._fit_preprocessing(train.texts, holdouts.vocabulary)
        x_valid = None if valid is None else self.inputs(valid.texts)
        initial_rows, expansion = self._read_pretrained()
        self.report["setup_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        members, history, stopper = self._train_members(x_all, train.y, x_valid, valid,
                                                        holdouts, initial_rows)
        self.report["unseen_buckets"] = _zero_unseen_buckets(
            members, x_all, self.preprocessing_["vocab_size"])
        expanded = self._expand_vocabulary(members, expansion)  # rows after the buckets
        self.model = members[0] if len(members) == 1 else average_members(
            members, self.preprocessing_["width"], name=f"classifier_{o.arch}")
        self.report["train_seconds"] = time.perf_counter() - start
        self.history = history.history
        self.history_source = self._history_source(holdouts, valid)
        epochs_run = len(history.epoch)
        validation = self._validation(members, x_all, train.y, x_valid, valid, holdouts)
        p = self.preprocessing_
        self.report.update({
            "epochs": epochs_run,
            "best_epoch": (stopper.best_epoch + 1 if stopper and stopper.best_weights is not None
                           else epochs_run),
            # an ensemble's epoch is one epoch of every member
            "seconds_per_epoch": self.report["train_seconds"] / max(epochs_run, 1),
            "ensemble": len(members), "vocab_size": p["vocab_size"], "maxlen": p["maxlen"],
            "embed_dim": p["embed_dim"], "batch_size": o.batch_size,
            "train_samples": int(len(holdouts.members[0][0])),
            "valid_samples": 0 if validation is None else int(len(validation[1])),
            "train_logprobs": self._log_probs(self.model, x_all, train.y, holdouts)})
        if self.coverage_ is not None:
            self.report.update({
                "pretrained": o.pretrained, "pretrained_coverage": self.coverage_["word_coverage"],
                "pretrained_token_coverage": self.coverage_["token_coverage"],
                "freeze_embeddings": o.freeze_embeddings, "expanded_words": expanded or 0})
        self.calibration = PowerCalibration()
        if validation is not None and o.calibrate and len(validation[1]) > 1:
            self.calibration.fit(*validation)
            self.preprocessing_["calibration"] = self.calibration.get_config()
        if validation is not None:
            validation = (self.calibration.transform(validation[0]), validation[1])
        return validation

    def _plan_holdouts(self, y, has_valid, validation_split):
        """The examples each member trains and is validated on.

        When the validation set comes from the training data, each ensemble
        member holds out its own fold (bagging: the members see different data
        and together all of it) if the folds fit in half the data; else they
        share one hold-out.
        """
        members = int(self.recipe["ensemble"])
        everything = np.arange(len(y))
        if has_valid or not validation_split:
            return Holdouts([(everything, None)] * members, everything)
        k = members if members * validation_split <= 0.5 else 1
        folds = holdout_folds(y, validation_split, k, self.owner.seed)
        plans = [(complement(len(y), folds[j % k]), folds[j % k]) for j in range(members)]
        if k > 1:
            return Holdouts(plans, everything)
        return Holdouts(plans, plans[0][0], shared=folds[0])

    def _history_source(self, holdouts, valid):
        """What ``history`` describes, in words."""
        n = len(holdouts.members)
        which = "the network" if n == 1 else f"the last of {n} averaged networks"
        if holdouts.members[-1][1] is not None:
            held = "its own held-out part" if holdouts.shared is None else "a held-out part"
            validated = f"validated on {held} of the training data"
        elif valid is not None:
            validated = "validated on the validation data"
        else:
            validated = "no validation data"
        return (f"{which}, {validated}; training figures are the means over each epoch's "
                "batches (as Keras reports them)")

    def _fit_preprocessing(self, texts, vocabulary_idx):
        """Fit the tokenizer, choose maxlen and the embedding size; returns the int32
        (n, width) input rows of every training text."""
        from ..text import Tokenizer
        o, recipe = self.owner, self.recipe
        self.tokenizer = Tokenizer(num_words=o.num_words, filters=recipe["token_filters"],
                                   lower=True)
        every = len(vocabulary_idx) == len(texts)
        self.tokenizer.fit_on_texts(texts if every else [texts[i] for i in vocabulary_idx])
        seqs_all = self._sequences(texts)
        vocab_size = len(self.tokenizer.word_index) + 1
        if o.num_words:
            vocab_size = min(vocab_size, int(o.num_words))
        maxlen = o.maxlen
        if maxlen is None:
            lengths = np.fromiter((len(seqs_all[i]) for i in vocabulary_idx), dtype=np.int64,
                                  count=len(vocabulary_idx))
            maxlen = int(np.ceil(np.percentile(lengths, _MAXLEN_PERCENTILE))) if len(
                lengths) else 1
            maxlen = max(1, min(maxlen, recipe["maxlen_cap"]))
        maxlen = max(maxlen, self.architecture.min_maxlen(recipe))
        dim = o.embed_dim
        if dim is None and o.pretrained:
            dim = pretrained_vectors.vectors_dim(o.pretrained)
        dim = int(dim or recipe["embed_dim"])
        buckets = int(recipe["bigram_buckets"] or 0)
        width = maxlen + (maxlen - 1 if buckets else 0)
        self.preprocessing_ = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "textembed_version": __version__, "arch": o.arch, "maxlen": maxlen,
            "width": max(width, 1), "padding": "post", "truncating": "post",
            "num_words": o.num_words, "vocab_size": vocab_size, "embed_dim": dim,
            "lower": True, "filters": recipe["token_filters"], "bigrams": bool(buckets),
            "bigram_buckets": buckets, "bigram_offset": vocab_size,
            "bigram_hash": "splitmix-pair-v1", "mask_zero": bool(recipe["mask_zero"]),
            "ensemble": int(recipe["ensemble"])}
        return self._rows(seqs_all)

    def _read_pretrained(self):
        """(rows, expansion plan) from the pretrained vectors; (None, None) without.

        rows: (ids int64 (k,), vectors float32 (k, dim)) for the vocabulary
        words the file has, rescaled by the recipe's ``pretrained_scale``.
        """
        o, recipe = self.owner, self.recipe
        if not o.pretrained:
            return None, None
        words, vectors = pretrained_vectors.read_vectors(o.pretrained,
                                                         self.preprocessing_["embed_dim"])
        ids, rows, self.coverage_ = pretrained_vectors.vocabulary_rows(
            self.tokenizer, o.num_words, words)
        scale = pretrained_vectors.rescale_factor(vectors, recipe["pretrained_scale"])
        plan = None
        if recipe["expand_vocabulary"] and not o.num_words:
            plan = pretrained_vectors.expansion_plan(self.tokenizer, recipe, words, vectors,
                                                     ids, rows)
        c = self.coverage_
        say(o.verbose, f"pretrained vectors {o.pretrained}: {c['words']:,} of "
                       f"{c['vocabulary']:,} vocabulary words found "
                       f"({100 * c['word_coverage']:.1f}%, "
                       f"{100 * c['token_coverage']:.1f}% of training tokens)")
        return (ids, vectors[rows] * scale), plan

    def _new_member(self, rng, initial_rows=None, prefix=""):
        """A compiled, untrained network for the fitted preprocessing (see
        :func:`.network.build_member`)."""
        o, p = self.owner, self.preprocessing_
        return build_member(self.architecture, self.recipe, p["vocab_size"] + p["bigram_buckets"],
                            p["embed_dim"], p["width"], len(o.classes_), rng, initial_rows,
                            trainable=not o.freeze_embeddings, prefix=prefix,
                            name=f"classifier_{o.arch}")

    def _train_members(self, x_all, y_all, x_given, valid, holdouts, initial_rows):
        """Build and train each member; (members, last History, last EarlyStopping)."""
        o = self.owner
        rng = np.random.default_rng(o.seed)
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
                n_batches = -(-len(x_train) // o.batch_size)
                callbacks.append(LinearDecay(n_batches * o.epochs))
            stopper = None
            if o.early_stopping and validation is not None and len(validation[0]):
                stopper = EarlyStopping(monitor="val_accuracy", patience=o.early_stopping,
                                        restore_best_weights=True, mode="max")
                callbacks.append(stopper)
            if n_members > 1:
                say(o.verbose, f"ensemble member {k + 1}/{n_members}")
            history = model.fit(x_train, y_train, batch_size=o.batch_size,
                                epochs=o.epochs, verbose=o.verbose, callbacks=callbacks,
                                validation_data=validation, shuffle=True, seed=o.seed + k)
            members.append(model)
        return members, history, stopper

    def _expand_vocabulary(self, members, plan):
        """Add the planned pretrained words to the tokenizer and members; how many
        (None when expansion does not apply)."""
        o = self.owner
        if not (o.pretrained and self.recipe["expand_vocabulary"] and not o.num_words):
            return None
        p = self.preprocessing_
        expanded = 0
        if plan:
            expanded = pretrained_vectors.expand_vocabulary(
                self.tokenizer, members, plan, p["vocab_size"] + p["bigram_buckets"],
                self.recipe["expand_ridge"])
        p["expanded_words"] = expanded
        say(o.verbose, f"vocabulary expanded by {expanded:,} words of the "
                       f"pretrained vectors that training did not see")
        return expanded

    def _log_probs(self, model, x, y, holdouts):
        """The training examples the members saw: (log-probabilities, classes)."""
        seen = np.unique(np.concatenate([plan[0] for plan in holdouts.members]))
        return _log(model.predict(x[seen], batch_size=512)), y[seen]

    def _validation(self, members, x_all, y_all, x_given, valid, holdouts):
        """(log-probabilities, classes) of the validation examples, or None.

        Out-of-fold where members hold out their own folds (each fold judged
        by the member that did not see it), else the whole model on the
        shared hold-out or the given validation set.
        """
        if holdouts.shared is None and holdouts.members[0][1] is not None:
            parts = [(_log(m.predict(x_all[v], batch_size=512)), y_all[v])
                     for m, (_, v) in zip(members, holdouts.members)]
            self.heldout_index = np.concatenate([v for _, v in holdouts.members])
            return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        if holdouts.shared is not None and len(holdouts.shared):
            shared = holdouts.shared
            self.heldout_index = shared
            return _log(self.model.predict(x_all[shared], batch_size=512)), y_all[shared]
        if x_given is not None and len(x_given):
            return _log(self.model.predict(x_given, batch_size=512)), valid.y
        return None

    # -- prediction ---------------------------------------------------------------

    def decision_function(self, texts, batch_size=256):
        """Calibrated logits float64 (n, C) of texts (list of str)."""
        out = np.zeros((len(texts), len(self.owner.classes_)), dtype=np.float64)
        step = max(batch_size, 4096)
        for start in range(0, len(texts), step):
            x = self.inputs(texts[start:start + step])
            out[start:start + len(x)] = _log(self.model.predict(x, batch_size=batch_size))
        return self.calibration.transform(out)

    def embed(self, texts, batch_size=256):
        """float32 (n, d): the input of each network's output layer, side by side."""
        from ..layers import Parallel
        first = self.model.layers[0]
        branches = first.branches if isinstance(first, Parallel) and len(
            self.model.layers) == 1 else [self.model.layers]
        parts = []
        for start in range(0, len(texts), max(batch_size, 4096)):
            x = self.inputs(texts[start:start + max(batch_size, 4096)])
            outputs = []
            for layers in branches:
                out, mask = x, None
                for layer in layers[:-1]:
                    out, mask = (layer.forward(out, training=False, mask=mask),
                                 layer.compute_mask(out, mask))
                outputs.append(np.asarray(out, np.float32).reshape(len(x), -1))
            parts.append(np.concatenate(outputs, axis=1))
        return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)

    def restore(self, settings, tokenizer, model):
        """Take back a saved network (see :mod:`.model_dir`)."""
        self.tokenizer = tokenizer
        self.tokenizer.filters = settings.get("filters", tokenizer.filters)
        self.preprocessing_ = settings
        self.model = model
        self.calibration = PowerCalibration(**settings.get("calibration", {}))
        return self


def _zero_unseen_buckets(members, x, vocab_size):
    """Zero the bigram-bucket rows (ids from ``vocab_size`` on) of every member's
    embedding that no training input holds: training never moved them from
    their random start, and zero predicts as well (MR, embedding-bag, 3 seeds:
    77.5 / 78.4 / 77.4% random, 77.9 / 78.2 / 77.3% zero) and saves compressed
    to almost nothing (2^18 buckets, 64 dimensions: 180k of 280k rows unseen).
    Returns how many rows were zeroed per member."""
    seen = np.zeros(0, bool)
    zeroed = 0
    for member in members:
        table = member.layers[0].embeddings
        if table.shape[0] <= vocab_size:
            return 0
        if seen.size != table.shape[0]:
            seen = np.zeros(table.shape[0], bool)
            seen[np.unique(np.asarray(x))] = True
            seen[:vocab_size] = True
        table[~seen] = 0.0
        zeroed = int((~seen).sum())
    return zeroed


def _log(probs):
    """float64 log-probabilities of the networks' softmax outputs (floored at 1e-12)."""
    return np.log(np.maximum(np.asarray(probs, np.float64), 1e-12))
