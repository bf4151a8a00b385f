"""Assemble a classifier network from an architecture: embedding, body, output.

Every network is ``Embedding -> [token Dropout] -> body -> [Dropout] -> Dense
softmax``, compiled with the recipe's optimizer and sparse categorical
cross-entropy. An ensemble is saved as one Sequential whose only layer is a
``Parallel(merge="ave")`` of its members.
"""
import numpy as np

from .architectures import glorot

_OPTIMIZERS = ("adam", "adadelta", "sgd", "adagrad", "rmsprop")


def build_member(architecture, recipe, rows, dim, width, num_classes, rng, pretrained=None,
                 trainable=True, prefix="", name="classifier"):
    """A compiled Sequential for ``architecture`` with ``recipe``.

    rows: embedding rows (vocabulary + bigram buckets); dim: embedding size;
    width: input ids per example; rng: np.random.Generator from which every
    random start is seeded (the same rng state gives the same network);
    pretrained: None or (ids int64 (k,), vectors float32 (k, dim)) replacing
    those rows of the random table; trainable: whether the embedding learns;
    prefix: before every layer name (ensemble members differ by it).
    """
    from ..layers import Dense, Dropout, Embedding
    from ..models import Sequential
    seeds = iter(rng.integers(0, 2 ** 31 - 1, size=16).tolist())
    # Keras' uniform(-0.05, 0.05), drawn directly in float32 (3x faster for big tables);
    # each ensemble member draws its own, pretrained or not: a shared start costs the
    # ensemble its diversity (-1 point on MR)
    table = np.random.default_rng(next(seeds)).random((rows, dim), np.float32)
    table *= np.float32(0.1)
    table -= np.float32(0.05)
    if pretrained is not None:
        table[pretrained[0]] = pretrained[1]
    model = Sequential(name=name)
    model.add(Embedding(rows, dim, mask_zero=recipe["mask_zero"], input_length=width,
                        embeddings_initializer="zeros", weights=[table], trainable=trainable,
                        name=prefix + "embedding"))
    if recipe["token_dropout"]:
        # whole tokens dropped (their vectors zeroed) while training
        model.add(Dropout(recipe["token_dropout"], noise_shape=(None, None, 1),
                          seed=next(seeds), name=prefix + "token_dropout"))
    for layer in architecture.body(recipe, seeds, prefix):
        model.add(layer)
    if recipe["dropout"]:
        model.add(Dropout(recipe["dropout"], seed=next(seeds), name=prefix + "dropout"))
    model.add(Dense(num_classes, activation="softmax", kernel_initializer=glorot(seeds),
                    kernel_constraint=_max_norm(recipe), name=prefix + "output"))
    model.compile(optimizer(recipe), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _max_norm(recipe):
    from ..constraints import MaxNorm
    return MaxNorm(recipe["max_norm"]) if recipe["max_norm"] else None


def optimizer(recipe):
    """The recipe's optimizer (``optimizer`` name, ``learning_rate``)."""
    from .. import optimizers
    name = recipe["optimizer"]
    if name not in _OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(_OPTIMIZERS)}")
    kind = {"adam": optimizers.Adam, "adadelta": optimizers.Adadelta, "sgd": optimizers.SGD,
            "adagrad": optimizers.Adagrad, "rmsprop": optimizers.RMSprop}[name]
    kwargs = {"learning_rate": recipe["learning_rate"]}
    if kind is optimizers.Adadelta:
        kwargs["epsilon"] = 1e-6
    return kind(**kwargs)


def average_members(members, width, name="classifier"):
    """One compiled Sequential averaging the members' class probabilities."""
    from ..layers import Parallel
    from ..models import Sequential
    merged = Sequential([Parallel([m.layers for m in members], merge="ave",
                                  input_shape=(width,), name="ensemble")], name=name)
    merged.compile(members[0].optimizer, "sparse_categorical_crossentropy",
                   metrics=["accuracy"])
    return merged
