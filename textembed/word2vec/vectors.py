"""Trained word vectors: look-ups, nearest neighbours, evaluation, files.

:class:`WordVectors` holds the words (most frequent first) and their float32
vectors. Similarity queries use the unit-normalized vectors, computed once
and cached. A word that is not in the vocabulary raises
:class:`NotInVocabularyError` (a ``KeyError``) whose message says why.
"""
import numpy as np

from ..io import InputError
from . import evaluation, formats

_DEFAULT_ANALOGY_VOCAB = 30000
_DEFAULT_PAIRS_VOCAB = 300000


class NotInVocabularyError(KeyError):
    """A word that has no vector. ``str()`` gives the reason in one line;
    ``word`` is the word asked for."""

    def __init__(self, word, message):
        super().__init__(message)
        self.word = word

    def __str__(self):
        return self.args[0]


class WordVectors:
    """Words and their vectors.

    words: list of str (V,), most frequent first, no duplicates.
    vectors: float32 (V, D), C-contiguous (other inputs are converted; an
      array that already is float32 C-contiguous is kept, not copied).
    counts: int64 (V,) corpus counts, or None.
    pruned: dict word -> count of the words seen in the corpus but left out
      (below ``min_count`` or past the vocabulary size limit), or None when
      the vectors do not come from training.
    min_count: the training threshold (for messages), or None.
    source: the file the vectors were read from (for messages), or None.

    The unit-normalized vectors are cached on first use; call
    :meth:`clear_cache` after changing ``vectors`` in place.
    """

    stats = None  # set by the trainer: a description of the training run

    def __init__(self, words, vectors, counts=None, pruned=None, min_count=None, source=None):
        words = list(words)
        if not all(isinstance(word, str) for word in words):
            raise TypeError("words must be a list of str")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words) or vectors.shape[1] < 1:
            raise ValueError(f"vectors must be a (V, D) array with V = {len(words)} "
                             f"(the number of words) and D >= 1, not shape {vectors.shape}")
        if not words:
            raise ValueError("words is empty: there must be at least one word")
        index = {}
        for row, word in enumerate(words):
            first = index.setdefault(word, row)
            if first != row:
                raise ValueError(f"the word {word!r} appears twice (rows {first} and {row})")
        if counts is not None:
            counts = np.asarray(counts, dtype=np.int64)
            if counts.shape != (len(words),):
                raise ValueError(f"counts must have shape ({len(words)},), not {counts.shape}")
        self.words = words
        self.vectors = vectors
        self.index = index
        self.counts = counts
        self.pruned = pruned
        self.min_count = min_count
        self.source = source
        self._unit = None
        self._lowered = None

    # ------------------------------------------------------------ basics

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __iter__(self):
        return iter(self.words)

    def __repr__(self):
        origin = f", from {self.source}" if self.source else ""
        return f"<WordVectors: {len(self):,} words x {self.vector_size}{origin}>"

    @property
    def vector_size(self):
        """D, the number of values per vector."""
        return self.vectors.shape[1]

    @property
    def unit_vectors(self):
        """float32 (V, D): the vectors scaled to length 1 (all-zero rows stay zero). Cached."""
        if self._unit is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            norms[norms == 0] = 1
            self._unit = np.ascontiguousarray(self.vectors / norms, dtype=np.float32)
        return self._unit

    def clear_cache(self):
        """Forget the unit-normalized vectors (after ``vectors`` changed in place)."""
        self._unit = None

    def row(self, word):
        """The row of ``word`` in ``vectors``; NotInVocabularyError if it has none."""
        try:
            return self.index[word]
        except (KeyError, TypeError):
            raise self._missing(word) from None

    def __getitem__(self, words):
        """float32 (D,) for one word; float32 (n, D) for a list of words (copies)."""
        if not isinstance(words, (list, tuple, np.ndarray)):
            return self.vectors[self.row(words)].copy()
        rows = [self.row(word) for word in words]
        return self.vectors[np.asarray(rows, dtype=np.int64)]

    def _missing(self, word):
        """The NotInVocabularyError for ``word``, saying why it has no vector."""
        if not isinstance(word, str):
            return NotInVocabularyError(word, f"{word!r} is not a word (expected a str)")
        start = f"{word!r} is not in the vocabulary: "
        if self.pruned is not None and word in self.pruned:
            count = self.pruned[word]
            seen = f"it was seen {count:,} time{'s' if count != 1 else ''} in the corpus"
            if self.min_count is not None and count < self.min_count:
                reason = f"{seen}, below min_count={self.min_count}"
            else:
                reason = (f"{seen}, but the vocabulary was cut to the {len(self):,} "
                          "most frequent words")
        elif self.pruned is not None:
            reason = "it was never seen in the training corpus"
        elif self.source is not None:
            reason = f"not among the {len(self):,} words of {self.source}"
        else:
            reason = f"not among the {len(self):,} words"
        spelling = self._other_spelling(word)
        if spelling is not None:
            reason += f" (did you mean {spelling!r}?)"
        return NotInVocabularyError(word, start + reason)

    def _other_spelling(self, word):
        if self._lowered is None:
            lowered = {}
            for w in self.words:
                lowered.setdefault(w.lower(), w)
            self._lowered = lowered
        return self._lowered.get(word.lower())

    def _limit(self, restrict_vocab):
        if restrict_vocab is None:
            return len(self)
        if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, (int, np.integer)) \
                or restrict_vocab < 1:
            raise ValueError(f"restrict_vocab must be a positive integer or None, "
                             f"not {restrict_vocab!r}")
        return min(int(restrict_vocab), len(self))

    # ------------------------------------------------------------ queries

    def similarity(self, word1, word2):
        """Cosine similarity of two words (float; 0 if a vector is all zeros)."""
        unit = self.unit_vectors
        return float(np.dot(unit[self.row(word1)], unit[self.row(word2)]))

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """The words nearest to ``sum(positive) - sum(negative)`` (3CosAdd).

        positive, negative: a word, or a list of words and/or float (D,)
          vectors. Each is unit-normalized first; the query words themselves
          are never returned.
        topn: how many (word, similarity) pairs to return (None: all).
        restrict_vocab: look only among the first (most frequent) N words.
        Returns a list of (word, cosine similarity) pairs, most similar first.
        One float32 matrix-vector product over the cached unit vectors.
        """
        positive = _as_list(positive)
        negative = _as_list(negative)
        if not positive and not negative:
            raise ValueError("most_similar needs at least one positive or negative word")
        if topn is not None and (isinstance(topn, bool) or not isinstance(topn, (int, np.integer))
                                 or topn < 1):
            raise ValueError(f"topn must be a positive integer or None, not {topn!r}")
        limit = self._limit(restrict_vocab)
        unit = self.unit_vectors
        query = np.zeros(self.vector_size, dtype=np.float32)
        excluded = set()
        for items, sign in ((positive, 1.0), (negative, -1.0)):
            for item in items:
                if isinstance(item, str):
                    row = self.row(item)
                    excluded.add(row)
                    query += sign * unit[row]
                else:
                    vector = np.asarray(item, dtype=np.float32)
                    if vector.shape != (self.vector_size,):
                        raise ValueError(f"a query vector must have shape ({self.vector_size},), "
                                         f"not {vector.shape}")
                    norm = np.linalg.norm(vector)
                    if norm > 0:
                        query += sign * (vector / norm)
        norm = np.linalg.norm(query)
        if norm > 0:
            query /= norm
        scores = unit[:limit] @ query  # float32 (limit,)
        want = limit if topn is None else min(limit, int(topn) + len(excluded))
        if want < limit:
            top = np.argpartition(-scores, want - 1)[:want]
        else:
            top = np.arange(limit)
        top = top[np.lexsort((top, -scores[top]))]  # best first, ties by row
        result = [(self.words[row], float(scores[row]))
                  for row in top.tolist() if row not in excluded]
        return result if topn is None else result[:topn]

    # ------------------------------------------------------------ evaluation

    def evaluate_word_analogies(self, path, restrict_vocab=_DEFAULT_ANALOGY_VOCAB,
                                case_insensitive=True, encoding="utf-8", batch_size=256):
        """Accuracy on the analogy questions of ``path`` (questions-words.txt format).

        The candidates are the first ``restrict_vocab`` words; a question is
        used only when its four words are among them (lower-cased when
        ``case_insensitive``, the most frequent spelling standing for all).
        The answer is the argmax of cos(x, b - a + c) over unit vectors, x
        not one of a, b, c.

        Returns a dict: ``accuracy`` (correct / used, nan when nothing was
        used), ``correct``, ``used``, ``skipped``, ``questions`` (all read),
        ``restrict_vocab`` (the limit applied) and ``sections``: section name
        -> dict with the same four counts, in file order.
        Raises InputError for a malformed file or one without questions.
        """
        limit = self._limit(restrict_vocab)
        lookup, canonical, variants = evaluation.candidate_vocabulary(
            self.words, limit, case_insensitive)
        sections = {}
        used_rows, used_sections = [], []
        total = 0
        for section, _lineno, words in evaluation.iter_analogies(path, encoding):
            total += 1
            stats = sections.setdefault(section, {"correct": 0, "used": 0, "skipped": 0})
            rows = [lookup.get(word.lower() if case_insensitive else word) for word in words]
            if None in rows:
                stats["skipped"] += 1
                continue
            stats["used"] += 1
            used_rows.append(rows)
            used_sections.append(section)
        if total == 0:
            raise InputError(f"{path}: no analogy questions found "
                                        "(expected lines of 4 words 'a b c d')")
        questions = np.asarray(used_rows, dtype=np.int64).reshape(-1, 4)
        predicted = evaluation.predict_analogies(self.unit_vectors, questions[:, :3], limit,
                                                 variants, batch_size)
        hits = canonical[predicted] == questions[:, 3]
        for section, hit in zip(used_sections, hits.tolist()):
            sections[section]["correct"] += hit
        for stats in sections.values():
            stats["accuracy"] = _ratio(stats["correct"], stats["used"])
        correct = int(hits.sum())
        return {"accuracy": _ratio(correct, len(hits)), "correct": correct, "used": len(hits),
                "skipped": total - len(hits), "questions": total, "restrict_vocab": limit,
                "sections": sections}

    def evaluate_word_pairs(self, path, restrict_vocab=_DEFAULT_PAIRS_VOCAB,
                            case_insensitive=True, encoding="utf-8"):
        """Rank correlation between cosine similarity and human scores.

        path: a WordSim-353 / SimLex-999 style file (``word1 word2 score``
        lines, tab- or whitespace-separated, ``#`` comments). Pairs with a
        word outside the first ``restrict_vocab`` words are skipped.
        Returns a dict: ``spearman`` (average ranks for ties), ``pearson``
        (both nan with fewer than 2 pairs), ``used``, ``skipped``.
        Raises InputError for a malformed file or one without pairs.
        """
        limit = self._limit(restrict_vocab)
        lookup, _canonical, _variants = evaluation.candidate_vocabulary(
            self.words, limit, case_insensitive)
        first, second, scores = [], [], []
        total = 0
        for _lineno, word1, word2, score in evaluation.iter_word_pairs(path, encoding):
            total += 1
            if case_insensitive:
                word1, word2 = word1.lower(), word2.lower()
            row1, row2 = lookup.get(word1), lookup.get(word2)
            if row1 is None or row2 is None:
                continue
            first.append(row1)
            second.append(row2)
            scores.append(score)
        if total == 0:
            raise InputError(f"{path}: no word pairs found "
                                        "(expected lines 'word1<TAB>word2<TAB>score')")
        similarities = evaluation.cosine_rows(self.vectors, np.asarray(first, dtype=np.int64),
                                              np.asarray(second, dtype=np.int64))
        return {"spearman": evaluation.spearman(similarities, scores),
                "pearson": evaluation.pearson(similarities, scores),
                "used": len(scores), "skipped": total - len(scores)}

    # ------------------------------------------------------------ sentences

    def sentence_vectors(self, texts, weighting="mean", sif_a=1e-3, lower=True):
        """float32 (n, D): one vector per text, the (weighted) mean of its known words' vectors
        (zeros when it has none).

        Texts are split as Keras' ``text_to_word_sequence`` splits them. With
        ``weighting="sif"`` each word weighs ``a / (a + p(w))`` (Arora et al.
        2017's smooth inverse frequency, without their common-component
        removal): p(w) from ``counts`` when the vectors have them, else from the
        word's rank (Zipf's law, the file being most frequent first).
        """
        from ..text import text_to_word_sequence
        if weighting not in ("mean", "sif"):
            raise ValueError(f"weighting must be 'mean' or 'sif', got {weighting!r}")
        weights = np.ones(len(self.words))
        if weighting == "sif":
            if self.counts is not None:
                p = self.counts / max(self.counts.sum(), 1)
            else:
                p = 1.0 / np.arange(1, len(self.words) + 1)
                p /= p.sum()
            weights = sif_a / (sif_a + p)
        out = np.zeros((len(texts), self.vector_size), np.float32)
        for i, text in enumerate(texts):
            rows = [self.index[w] for w in text_to_word_sequence(text, lower=lower)
                    if w in self.index]
            if rows:
                w = weights[rows]
                out[i] = (w[:, None] * self.vectors[rows]).sum(axis=0) / w.sum()
        return out

    # ------------------------------------------------------------ files

    def save_word2vec_format(self, path, binary=False):
        """Write the word2vec text (default) or binary format, atomically.

        Text values are written with 9 significant digits, so they read back
        equal to the float32 vectors. ``.gz`` / ``.bz2`` paths are compressed.
        Raises ValueError if a word contains a space, tab or line break.
        """
        formats.write_word2vec(path, self.words, self.vectors, binary=binary)

    @classmethod
    def load_word2vec_format(cls, path, binary=None, limit=None, encoding="utf-8",
                             unicode_errors="strict"):
        """Read a word2vec text or binary file (format detected when ``binary`` is None).

        limit: read only the first N vectors. Raises InputError (one line
        naming the file and line) for a missing, empty or malformed file.
        """
        words, vectors = formats.read_word2vec(path, binary=binary, limit=limit,
                                               encoding=encoding,
                                               unicode_errors=unicode_errors)
        return cls(words, vectors, source=str(path))


def load_word2vec_format(path, binary=None, limit=None, encoding="utf-8",
                         unicode_errors="strict"):
    """Read a word2vec text or binary file into :class:`WordVectors`
    (see :meth:`WordVectors.load_word2vec_format`)."""
    return WordVectors.load_word2vec_format(path, binary=binary, limit=limit,
                                            encoding=encoding, unicode_errors=unicode_errors)


def _as_list(items):
    if items is None:
        return []
    if isinstance(items, (str, np.ndarray)):
        return [items]
    return list(items)


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else float("nan")
