"""Sequence preprocessing with Keras semantics: padding, skip-grams, series.

Drop-in replacements for ``keras_preprocessing.sequence`` (1.1.2):
:func:`pad_sequences`, :func:`make_sampling_table`, :func:`skipgrams`,
:class:`TimeseriesGenerator` and :func:`timeseries_generator_from_json`.
Outputs match Keras for the same inputs; the deliberate differences are
listed in each docstring (clearer errors up front, randomness that never
touches the global ``random`` / ``np.random`` state, an exact JSON round trip
for :class:`TimeseriesGenerator`).

By convention index 0 is reserved for padding and is never a word.

Numba is imported on the first call that needs a kernel, not at import time,
so ``import textembed`` stays fast.
"""
from .padding import pad_sequences
from .skipgram import make_sampling_table, skipgrams
from .timeseries import TimeseriesGenerator, timeseries_generator_from_json

__all__ = [
    "pad_sequences",
    "make_sampling_table",
    "skipgrams",
    "TimeseriesGenerator",
    "timeseries_generator_from_json",
]
