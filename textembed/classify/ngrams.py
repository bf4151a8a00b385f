"""Texts -> sparse binary n-gram features (word n-grams and character n-grams).

Texts are lower-cased and split as Keras' ``text_to_word_sequence`` does
(the filter characters and the space separate words); each text becomes the
set of its hashed n-grams (:func:`textembed.kernels.ngram_kernels.ngram_hashes`).
:meth:`NgramFeatures.fit` keeps the hashes seen in at least ``min_df``
training texts, in sorted order: their positions are the feature columns, so
a model stores only the features training saw. Features unseen in training
are dropped at :meth:`~NgramFeatures.transform`.
"""
from dataclasses import dataclass

import sys

import numpy as np

from .._defaults import DEFAULT_FILTERS

_BATCH_TEXTS = 20_000
# Up to these, texts are hashed in Python and looked up by binary search (no numba).
FEW_TEXTS = 64
FEW_CHARACTERS = 20_000
FEW_HASHES = 50_000


@dataclass
class SparseRows:
    """Binary features of n examples: example i holds the columns
    ``indices[indptr[i]:indptr[i + 1]]`` (int64 (n + 1,), int32 (nnz,))."""
    indptr: np.ndarray
    indices: np.ndarray

    def __len__(self):
        return self.indptr.size - 1

    def take(self, rows):
        """The examples ``rows`` (int array), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        starts, stops = self.indptr[rows], self.indptr[rows + 1]
        lengths = stops - starts
        indptr = np.zeros(rows.size + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        positions = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1])
        return SparseRows(indptr, self.indices[positions])


class NgramFeatures:
    """Word n-grams (1 to ``word_ngrams``) and character n-grams (``minn`` to
    ``maxn`` characters, 0: none), binary, of texts tokenized with ``filters``.

    After :meth:`fit`: ``keys`` int64 (n_features,), the sorted hashes of
    the kept features; ``document_frequency`` int64 (n_features,); ``words``,
    the training words whose single-word feature is kept (for explanations).
    """

    def __init__(self, word_ngrams=2, minn=2, maxn=5, filters=DEFAULT_FILTERS, min_df=1):
        if word_ngrams < 1:
            raise ValueError(f"word_ngrams must be >= 1, got {word_ngrams}")
        if maxn and not 1 <= minn <= maxn:
            raise ValueError(f"character n-grams need 1 <= minn <= maxn, got {minn}, {maxn}")
        self.word_ngrams = int(word_ngrams)
        self.minn = int(minn) if maxn else 0
        self.maxn = int(maxn)
        self.filters = filters
        self.min_df = int(min_df)
        self.keys = None
        self.document_frequency = None
        self.words = []  # the training words (str) that are features, sorted
        self._table = None  # (keys it was built from, slots, columns)

    def get_config(self):
        return {"word_ngrams": self.word_ngrams, "minn": self.minn, "maxn": self.maxn,
                "filters": self.filters, "min_df": self.min_df}

    def hashes(self, texts, words=None):
        """(hashes int64 (total,), offsets int64 (n + 1,)): each text's sorted distinct
        n-gram hashes, ``hashes[offsets[i]:offsets[i + 1]]``. ``words``: a set that
        receives the distinct words of the texts.

        A few short texts are hashed in Python (:mod:`.ngram_hash`, the same
        values), so that predicting one line does not load numba's kernels;
        once they are loaded (a server, a long job) the kernel is faster."""
        if (words is None and len(texts) <= FEW_TEXTS
                and "textembed.kernels.ngram_kernels" not in sys.modules
                and sum(map(len, texts)) <= FEW_CHARACTERS):
            from .ngram_hash import text_hashes
            parts = [np.array(sorted(text_hashes(t, self.filters, self.word_ngrams, self.minn,
                                                 self.maxn)), np.int64) for t in texts]
            offsets = np.zeros(len(texts) + 1, np.int64)
            np.cumsum([p.size for p in parts], out=offsets[1:])
            return (np.concatenate(parts) if parts else np.zeros(0, np.int64)), offsets
        from ..kernels.ngram_kernels import ngram_hashes
        from ..byte_batch import ByteBatch, separator_bytes
        separators = separator_bytes(self.filters, " ")
        parts, offsets, done = [], [np.zeros(1, np.int64)], 0
        for start in range(0, len(texts), _BATCH_TEXTS):
            chunk = [t.replace("\x00", " ") if "\x00" in t else t
                     for t in texts[start:start + _BATCH_TEXTS]]
            batch = ByteBatch(chunk, separators, True)
            if words is not None:
                words.update(batch.count_words()[1])
            h, o = ngram_hashes(batch.buf, batch.starts, batch.ends, batch.doc_offsets,
                                self.word_ngrams, self.minn, self.maxn)
            parts.append(h)
            offsets.append(o[1:] + done)
            done += h.size
        if not parts:
            return np.zeros(0, np.int64), np.zeros(1, np.int64)
        return np.concatenate(parts), np.concatenate(offsets)

    def fit(self, texts):
        """Choose the features (hashes in at least ``min_df`` texts); returns self."""
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts):
        words = set()
        hashes, offsets = self.hashes(texts, words)
        self._choose(hashes)
        self.words = sorted(words)
        self.keep_known_words()
        return self._columns(hashes, offsets)

    def _choose(self, hashes):
        keys, counts = np.unique(hashes, return_counts=True)
        keep = counts >= self.min_df
        self.keys, self.document_frequency = keys[keep], counts[keep]

    def word_columns(self):
        """(words list of str, columns int64): the words whose single-word feature
        is kept, and its column."""
        from .ngram_hash import word_hash
        if not self.words or not self.n_features:
            return [], np.zeros(0, np.int64)
        hashes = np.array([word_hash(w) for w in self.words], np.int64)
        at = np.minimum(np.searchsorted(self.keys, hashes), self.keys.size - 1)
        found = self.keys[at] == hashes
        return [w for w, f in zip(self.words, found) if f], at[found]

    def keep_known_words(self):
        """Drop the words whose single-word feature is not kept (after a cutoff)."""
        self.words = self.word_columns()[0]

    def transform(self, texts):
        """SparseRows of the texts over the fitted features."""
        if self.keys is None:
            raise RuntimeError("NgramFeatures is not fitted")
        return self._columns(*self.hashes(texts))

    def _columns(self, hashes, offsets):
        if hashes.size <= FEW_HASHES:  # a binary search costs less than building the table
            if not self.keys.size:
                return _rows(np.full(hashes.size, -1), offsets)
            at = np.minimum(np.searchsorted(self.keys, hashes), self.keys.size - 1)
            return _rows(np.where(self.keys[at] == hashes, at, -1), offsets)
        from ..kernels.ngram_kernels import key_table, lookup_columns
        if self._table is None or self._table[0] is not self.keys:
            self._table = (self.keys, *key_table(self.keys))
        return _rows(lookup_columns(self._table[1], self._table[2], hashes), offsets)

    @property
    def n_features(self):
        return 0 if self.keys is None else int(self.keys.size)


def _rows(columns, offsets):
    """SparseRows from per-hash columns (-1: dropped) and each text's hash offsets;
    columns stay sorted within a text, as the hashes were."""
    kept = columns >= 0
    total = np.zeros(columns.size + 1, np.int64)
    np.cumsum(kept, out=total[1:])
    return SparseRows(total[offsets], columns[kept].astype(np.int32))
