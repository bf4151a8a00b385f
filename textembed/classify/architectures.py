"""The classifier's architectures, by name: each a recipe and how it is built.

Two kinds:

* ``ngram`` (``bag``, the default): linear models on word and character
  n-grams, stacked and calibrated (:mod:`.bag`); fast on any data. The
  default is ``bag`` with ``select_features`` on: whether the character
  n-grams help is decided on held-out data.
* ``network``: ``Embedding -> [token Dropout] -> body -> [Dropout] -> Dense
  softmax`` (:mod:`.network`); the architecture gives the part in the middle
  (its *body*, a function returning layers):

  - ``embedding-bag``: fastText-style averaged embeddings of words and hashed
    word bigrams, token dropout; Adam with a linearly decaying learning rate;
    an ensemble of two such networks, each trained without its own
    validation fold, averaged;
  - ``cnn``: Kim (2014). Embedding 300, Conv1D 100 filters of widths 3, 4, 5
    merged by :class:`textembed.layers.Parallel`, global max pooling, dropout
    0.5; Adadelta, batch 50;
  - ``lstm`` / ``gru`` / ``bilstm``: Embedding 128 (mask_zero), one recurrent
    layer of 128 units (Bidirectional for bilstm); Adam, batch 32.

Each has a *recipe*, the defaults of its hyper-parameters (``None`` in
``TextClassifier`` means the recipe's value; ``TextClassifier(**options)``
overrides any entry). A new architecture is one :func:`register` call here:
the command line's ``--arch`` choices come from :data:`ARCH_NAMES`.

Importing this module costs nothing (no numpy): bodies import the layers
when called.
"""
from dataclasses import dataclass
from typing import Callable

from .._defaults import DEFAULT_FILTERS

DEFAULT_ARCH = "bag"
# What "default" adds to the default architecture's recipe.
DEFAULT_OPTIONS = {"select_features": True}
DEFAULT_VALIDATION_SPLIT = 0.1

# Entries every network recipe has, unless it says otherwise.
COMMON_RECIPE = {
    # Keras' filters. Keeping "!" and "?" as tokens was measured on MR and did not help.
    "token_filters": DEFAULT_FILTERS,
    "token_dropout": 0.0,       # fraction of whole tokens zeroed while training
    "dropout": 0.0,             # before the output layer
    "bigram_buckets": 0,        # hashed word-bigram ids (0: no bigrams)
    "mask_zero": True,          # padding (id 0) masked out of the body
    "max_norm": None,           # MaxNorm on the output kernel
    "linear_decay": False,      # learning rate falling linearly to 0 over training
    "ensemble": 1,              # networks trained and averaged
    "pretrained_scale": None,   # pretrained vectors rescaled to this std (None: as they are)
    "expand_vocabulary": 0,     # words of the pretrained vectors added after training
    "expand_min_count": 3,      # training words that fit the mapping into the embedding
    "expand_ridge": 0.01,       # times the mean eigenvalue of the Gram matrix
}


@dataclass(frozen=True)
class Architecture:
    """name; summary (one line); recipe (dict of defaults); kind ("network" or
    "ngram"); for networks, body(recipe, seeds, prefix) -> list of layers
    between the embedding and the output, drawing initializer seeds from the
    iterator ``seeds`` and prefixing layer names with ``prefix``, and
    min_maxlen(recipe) -> the shortest input it accepts."""
    name: str
    summary: str
    recipe: dict
    body: Callable = None
    min_maxlen: Callable = lambda recipe: 1
    kind: str = "network"


ARCHITECTURES = {}


def register(name, summary, recipe, body=None, min_maxlen=None, kind="network"):
    """Add an architecture; a network's recipe is completed from :data:`COMMON_RECIPE`."""
    full = dict(COMMON_RECIPE) if kind == "network" else {}
    full.update(recipe)
    ARCHITECTURES[name] = Architecture(name, summary, full, body,
                                       min_maxlen or Architecture.min_maxlen, kind)


def get(name):
    """The :class:`Architecture` called ``name`` (None or "default": the default); KeyError."""
    return ARCHITECTURES[DEFAULT_ARCH if name in (None, "default") else name]


def glorot(seeds):
    """Keras' default kernel initializer (Glorot uniform), seeded from ``seeds``."""
    from ..initializers import VarianceScaling
    return VarianceScaling(1.0, "fan_avg", "uniform", next(seeds))


# -- bodies --------------------------------------------------------------------

def _bag_body(recipe, seeds, prefix):
    from ..layers import GlobalAveragePooling1D, GlobalMaxPooling1D, Parallel
    if recipe.get("pooling", "mean") == "mean":
        return [GlobalAveragePooling1D(name=prefix + "average")]
    return [Parallel([GlobalAveragePooling1D(name=prefix + "average"),
                      GlobalMaxPooling1D(name=prefix + "max")], name=prefix + "pooling")]


def _cnn_body(recipe, seeds, prefix):
    from ..layers import Conv1D, GlobalMaxPooling1D, Parallel
    return [Parallel([[Conv1D(recipe["filters"], w, activation="relu",
                              kernel_initializer=glorot(seeds), name=f"{prefix}conv{w}"),
                       GlobalMaxPooling1D(name=f"{prefix}maxpool{w}")]
                      for w in recipe["widths"]], name=prefix + "convolutions")]


def _recurrent(cell_name, recipe, seeds, **kwargs):
    """One recurrent layer, every initializer seeded (so that a seed reproduces the run)."""
    from ..initializers import Orthogonal
    from .. import layers
    cell = getattr(layers, cell_name)
    if cell_name == "GRU":
        kwargs["reset_after"] = True
    return cell(recipe["units"], kernel_initializer=glorot(seeds),
                recurrent_initializer=Orthogonal(seed=next(seeds)),
                recurrent_activation="sigmoid", **kwargs)


def _lstm_body(recipe, seeds, prefix):
    return [_recurrent("LSTM", recipe, seeds, name=prefix + "lstm")]


def _gru_body(recipe, seeds, prefix):
    return [_recurrent("GRU", recipe, seeds, name=prefix + "gru")]


def _bilstm_body(recipe, seeds, prefix):
    from ..layers import Bidirectional
    # the two directions draw their own initial weights
    forward = _recurrent("LSTM", recipe, seeds)
    backward = _recurrent("LSTM", recipe, seeds, go_backwards=True)
    return [Bidirectional(forward, backward_layer=backward, name=prefix + "bilstm")]


# -- the registry --------------------------------------------------------------

_RECURRENT_RECIPE = {
    "epochs": 5, "batch_size": 32, "embed_dim": 128, "units": 128, "optimizer": "adam",
    "learning_rate": 0.001, "early_stopping": 2, "maxlen_cap": 200,
}

register("cnn", "Kim (2014): convolutions of widths 3, 4, 5, max pooling", {
    "epochs": 10, "batch_size": 50, "embed_dim": 300, "optimizer": "adadelta",
    "learning_rate": 1.0, "dropout": 0.5, "filters": 100, "widths": (3, 4, 5),
    "max_norm": 3.0, "early_stopping": 3, "maxlen_cap": 300, "mask_zero": False,
}, _cnn_body, min_maxlen=lambda recipe: max(recipe["widths"]))
register("lstm", "an LSTM layer of 128 units", _RECURRENT_RECIPE, _lstm_body)
register("gru", "a GRU layer of 128 units", _RECURRENT_RECIPE, _gru_body)
register("bilstm", "a bidirectional LSTM, 128 units each way", _RECURRENT_RECIPE, _bilstm_body)
# The networks' former default. Adam with a learning rate falling linearly to 0 over a
# fixed number of epochs: on MR it ends where early stopping on the small validation set
# would, more stably. Two members, each holding out its own fold: +0.8 points on MR for
# twice the time. Pretrained vectors are rescaled to the random table's spread (std
# 0.03), and up to expand_vocabulary of their words that training lacks are added after
# training (mapped into each member's embedding).
register("embedding-bag", "averaged word and word-bigram embeddings (fastText-style), "
         "2 networks", {
             "epochs": 6, "batch_size": 32, "embed_dim": 64, "optimizer": "adam",
             "learning_rate": 0.003, "dropout": 0.5, "token_dropout": 0.3, "pooling": "mean",
             "bigram_buckets": 1 << 18, "early_stopping": 0, "maxlen_cap": 500,
             "linear_decay": True, "ensemble": 2, "pretrained_scale": 0.03,
             "expand_vocabulary": 100_000,
         }, _bag_body)
# Linear models on binary n-grams (see classify/bag.py). Measured on MR, SUBJ and MPQA
# (scripts/bench_classifier.py --suite): accuracy moves by less than 0.3 point for l2 in
# [1e-5, 3e-4] and 10 to 30 epochs; the naive-Bayes terms (scaled features and the
# naive Bayes member) are per class, so they are used up to max_nb_classes classes
# (past that their per-class counts are small and their tables large).
register("bag", "linear models on word and character n-grams, stacked and calibrated", {
    "token_filters": DEFAULT_FILTERS, "word_ngrams": 2, "minn": 2, "maxn": 5, "min_df": 1,
    "epochs": 10, "learning_rate": 0.05, "l2": 1e-4, "folds": 5, "naive_bayes": True,
    "nb_scale": True, "max_nb_classes": 32, "select_features": False,
}, kind="ngram")

ARCH_NAMES = tuple(ARCHITECTURES)
