"""textembed: Keras-compatible text preprocessing, skip-gram word vectors and
numba neural layers.

Public names are loaded on first use, so ``import textembed`` (and the
command-line tool's ``--help``) stays fast.
"""
from importlib import import_module

from ._version import __version__

_PUBLIC = {
    "text_to_word_sequence": "text",
    "hashing_trick": "text",
    "one_hot": "text",
    "Tokenizer": "text",
    "tokenizer_from_json": "text",
    "pad_sequences": "sequence",
    "make_sampling_table": "sequence",
    "skipgrams": "sequence",
    "TimeseriesGenerator": "sequence",
    "timeseries_generator_from_json": "sequence",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'textembed' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
