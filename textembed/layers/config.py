"""Layer arguments in and out: weight options, saved configurations, Keras 1 keyword names.

* :func:`set_weight_options` / :func:`weight_options_config`: the Keras
  arguments ``<weight>_initializer``, ``<weight>_regularizer`` and
  ``<weight>_constraint`` of a layer (``kernel``, ``bias``, ``embeddings``,
  ...), read into attributes of those names and written back to a config;
* :func:`layer_config` / :func:`layer_from_config`: an inner layer as the
  ``{"class_name", "config"}`` pair Keras saves (for containers);
* :func:`keras1_keywords` / :func:`rename_legacy_keywords`: Keras 1 keyword
  names (``output_dim``, ``init``, ``W_regularizer``, ``border_mode``, ...)
  accepted as their Keras 2 names.
"""
import functools

from .. import constraints as constraints_module
from .. import initializers as initializers_module
from .. import regularizers as regularizers_module


def set_weight_options(layer, weight, initializer, regularizer=None, constraint=None):
    """Set ``layer.<weight>_initializer`` / ``_regularizer`` / ``_constraint`` from Keras
    arguments (a name, a config dict or an object; None for no regularizer / constraint)."""
    setattr(layer, f"{weight}_initializer", initializers_module.get(initializer))
    setattr(layer, f"{weight}_regularizer", regularizers_module.get(regularizer))
    setattr(layer, f"{weight}_constraint", constraints_module.get(constraint))


def serialize_initializer(initializer):
    """The config of an initializer; ValueError for one that cannot be saved (a plain function)."""
    if hasattr(initializer, "get_config"):
        return initializers_module.serialize(initializer)
    raise ValueError(f"initializer {initializer!r} cannot be saved in a layer config; use an "
                     f"initializer name or a textembed.initializers class")


def weight_options_config(layer, weights):
    """The config entries of :func:`set_weight_options`' attributes for the named weights,
    in Keras' order: every initializer, then every regularizer, then every constraint."""
    config = {}
    for weight in weights:
        config[f"{weight}_initializer"] = serialize_initializer(
            getattr(layer, f"{weight}_initializer"))
    for weight in weights:
        config[f"{weight}_regularizer"] = regularizers_module.serialize(
            getattr(layer, f"{weight}_regularizer"))
    for weight in weights:
        config[f"{weight}_constraint"] = constraints_module.serialize(
            getattr(layer, f"{weight}_constraint"))
    return config


def layer_config(layer):
    """``{"class_name": ..., "config": ...}`` of a layer, as Keras saves an inner layer."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def layer_from_config(spec):
    """The layer a :func:`layer_config` dict describes (classes looked up by name)."""
    from . import get_class
    return get_class(spec["class_name"]).from_config(spec["config"])


def rename_legacy_keywords(kwargs, renames, owner):
    """Rename Keras 1 keyword arguments in ``kwargs`` to their Keras 2 names, in place.

    renames: {Keras 1 name: Keras 2 name}; owner: the class name for the
    TypeError raised when both spellings are given.
    """
    for old, new in renames.items():
        if old in kwargs:
            if new in kwargs:
                raise TypeError(f"{owner}: both {old!r} (Keras 1) and {new!r} given")
            kwargs[new] = kwargs.pop(old)


def keras1_keywords(renames, translate=None):
    """Decorate a layer's ``__init__`` so that it also takes Keras 1 keyword names.

    The keywords are renamed (``renames`` {Keras 1 name: Keras 2 name}, see
    :func:`rename_legacy_keywords`) before the arguments are bound, so
    ``LSTM(output_dim=32)`` is ``LSTM(units=32)``; ``translate(kwargs)``, if
    given, then handles what a rename does not (dropped or converted values).
    """
    def decorate(init):
        @functools.wraps(init)
        def init_with_keras1_keywords(self, *args, **kwargs):
            rename_legacy_keywords(kwargs, renames, type(self).__name__)
            if translate is not None:
                translate(kwargs)
            init(self, *args, **kwargs)
        return init_with_keras1_keywords
    return decorate
