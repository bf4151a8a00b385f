"""Neural network layers with Keras' names, arguments and weight layout, each
with an explicit numba/numpy forward and backward pass (see ``base.Layer``).

Names are loaded from their family module on first use.
"""
from importlib import import_module

from .base import Layer

_FAMILIES = {
    "core": ["Dense", "Dropout", "Flatten", "Reshape", "RepeatVector",
             "ActivityRegularization", "Activation"],
    "embedding": ["Embedding"],
    "conv": ["Conv1D", "Conv2D", "Convolution1D", "Convolution2D"],
    "pooling": ["MaxPooling1D", "MaxPooling2D", "MaxPool1D", "MaxPool2D",
                "GlobalMaxPooling1D", "GlobalAveragePooling1D",
                "GlobalMaxPool1D", "GlobalAveragePool1D"],
    "merge": ["Parallel"],
    "lstm": ["LSTM"],
    "gru": ["GRU"],
    "bidirectional": ["Bidirectional"],
}
_MODULE_OF = {name: family for family, names in _FAMILIES.items() for name in names}

__all__ = ["Layer", *_MODULE_OF]


def __getattr__(name):
    family = _MODULE_OF.get(name)
    if family is None:
        raise AttributeError(f"module 'textembed.layers' has no attribute {name!r}")
    value = getattr(import_module(f".{family}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)


def get_class(name):
    """The layer class called ``name`` (for loading saved models)."""
    if name == "Layer":
        return Layer
    if name not in _MODULE_OF:
        raise ValueError(f"unknown layer class {name!r}")
    return __getattr__(name)
