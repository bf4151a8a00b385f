"""Trained word vectors: look-ups, nearest neighbours, evaluation, files.

:class:`WordVectors` holds the words (most frequent first) and their float32
vectors. Similarity queries divide by the vectors' norms (computed on first
use, one pass, cached), as gensim does, so they work on a memory-mapped matrix
(:meth:`WordVectors.load` of a store) without copying it. The queries give
gensim's answers (``most_similar``, ``most_similar_cosmul``,
``doesnt_match``, ``n_similarity``). A word that is not in the vocabulary raises
:class:`NotInVocabularyError` (a ``KeyError``) whose message says why.
"""
import os

import numpy as np

from ..io import InputError
from . import evaluation, formats, store

_DEFAULT_ANALOGY_VOCAB = 30000
_DEFAULT_PAIRS_VOCAB = 300000
_BLOCK_ROWS = 1 << 16
_COSMUL_EPSILON = 1e-6


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
        if not set(map(type, words)) <= {str} and not all(isinstance(w, str) for w in words):
            raise TypeError("words must be a list of str")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words) or vectors.shape[1] < 1:
            raise ValueError(f"vectors must be a (V, D) array with V = {len(words)} "
                             f"(the number of words) and D >= 1, not shape {vectors.shape}")
        if not words:
            raise ValueError("words is empty: there must be at least one word")
        if counts is not None:
            counts = np.asarray(counts, dtype=np.int64)
            if counts.shape != (len(words),):
                raise ValueError(f"counts must have shape ({len(words)},), not {counts.shape}")
        self._setup(words, vectors, counts, pruned, min_count, source)
        self._build_index()  # a word given twice raises ValueError now

    def _setup(self, words, vectors, counts, pruned, min_count, source):
        self.words = words
        self.vectors = vectors
        self.counts = counts
        self.pruned = pruned
        self.min_count = min_count
        self.source = source
        self._index = None
        self._from_store = False
        self._unit = None
        self._norms = None
        self._lowered = None

    @property
    def index(self):
        """dict word -> row. Built by the constructor; for a loaded store, on
        first use (1M words: about 0.3 s), so that loading stays fast."""
        if self._index is None:
            self._build_index()
        return self._index

    def _build_index(self):
        index = dict(zip(self.words, range(len(self.words))))
        if len(index) != len(self.words):
            seen = {}
            for row, word in enumerate(self.words):
                first = seen.setdefault(word, row)
                if first != row:
                    problem = f"the word {word!r} appears twice (rows {first} and {row})"
                    if self._from_store:
                        raise InputError(f"{self.source}: a corrupt vector store: {problem}")
                    raise ValueError(problem)
        self._index = index

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
    def norms(self):
        """float32 (V,): the length of each vector. Computed on first use, in
        blocks of rows (one pass over the matrix, no (V, D) temporary), then cached."""
        if self._norms is None:
            norms = np.empty(len(self), np.float32)
            for start in range(0, len(self), _BLOCK_ROWS):
                block = self.vectors[start:start + _BLOCK_ROWS]
                norms[start:start + len(block)] = np.linalg.norm(block, axis=1)
            self._norms = norms
        return self._norms

    @property
    def unit_vectors(self):
        """float32 (V, D): the vectors scaled to length 1 (all-zero rows stay zero).
        A full copy of the matrix, made on first use and cached; the queries do
        not need it (they divide by :attr:`norms`)."""
        if self._unit is None:
            self._unit = self._unit_rows(len(self))
        return self._unit

    def _unit_rows(self, limit):
        """float32 (limit, D): the first ``limit`` unit vectors (a copy, or the cache)."""
        if self._unit is not None:
            return self._unit[:limit]
        norms = self.norms[:limit, None]
        unit = np.zeros((limit, self.vector_size), np.float32)
        np.divide(self.vectors[:limit], norms, out=unit, where=norms > 0)
        return unit

    def unit_vector(self, word):
        """float32 (D,): the vector of ``word`` scaled to length 1 (zeros stay zeros)."""
        row = self.row(word)
        norm = self.norms[row]
        vector = np.array(self.vectors[row], dtype=np.float32)
        return vector / norm if norm > 0 else vector

    def clear_cache(self):
        """Forget the norms and unit vectors (after ``vectors`` changed in place)."""
        self._unit = None
        self._norms = None

    def _scores(self, queries, limit):
        """float32 (limit, k): cosine of the first ``limit`` rows with each column of
        ``queries`` (float32 (D, k), unit length or not: the rows are what is
        normalized, as gensim does). One pass over the rows, block by block, so a
        memory-mapped matrix is read once and never copied whole."""
        norms = self.norms
        out = np.empty((limit, queries.shape[1]), np.float32)
        for start in range(0, limit, _BLOCK_ROWS):
            stop = min(start + _BLOCK_ROWS, limit)
            block = self.vectors[start:stop] @ queries
            scale = norms[start:stop, None]
            np.divide(block, scale, out=out[start:stop], where=scale > 0)
            out[start:stop][(scale == 0)[:, 0]] = 0
        return out

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
        return float(np.dot(self.unit_vector(word1), self.unit_vector(word2)))

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """The words nearest to the mean of the positive minus the negative words
        (3CosAdd), as gensim's ``KeyedVectors.most_similar`` computes it.

        positive, negative: a word, or a list of words, float (D,) vectors and
          ``(word or vector, weight)`` pairs (weight 1 for a positive item, -1
          for a negative one unless given). A word stands for its unit vector,
          a vector is taken as it is (as gensim does); the query is the mean
          of the weighted items, scaled to length 1. The query words are never
          returned.
        topn: how many (word, similarity) pairs to return (None: all, sorted).
        restrict_vocab: look only among the first (most frequent) N words.
        Returns a list of (word, cosine similarity) pairs, most similar first
        (ties: the more frequent word first). One float32 pass over the
        first ``restrict_vocab`` rows, divided by the cached :attr:`norms`.
        """
        self._check_topn(topn)
        limit = self._limit(restrict_vocab)
        items = [(item, 1.0) for item in _as_list(positive)]
        items += [(item, -1.0) for item in _as_list(negative)]
        if not items:
            raise ValueError("most_similar needs at least one positive or negative word")
        mean = np.zeros(self.vector_size, np.float32)
        total = 0.0
        excluded = set()
        for item, weight in items:
            if isinstance(item, tuple) and len(item) == 2:
                item, weight = item
            if isinstance(item, str):
                excluded.add(self.row(item))
            mean += np.float32(weight) * self._query_vector(item)
            total += abs(weight)
        if total > 0:
            mean /= np.float32(total)
        query = _unit(mean)
        scores = self._scores(query[:, None], limit)[:, 0]
        return self._best(scores, topn, excluded)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """The words that best answer ``positive`` minus ``negative`` by Levy and
        Goldberg's multiplicative objective (3CosMul), as gensim computes it.

        Each candidate x scores prod(s(x, p) for p in positive) /
        (prod(s(x, n) for n in negative) + 1e-6), with s = (1 + cos) / 2 the
        cosine shifted into [0, 1]. positive, negative: a word (its unit
        vector) or a list of words and float (D,) vectors (taken as they are).
        With one positive word the ranking is that of :meth:`most_similar`.
        restrict_vocab: look only among the first N words (gensim 4.4 accepts
        it but searches every word). Returns (word, score) pairs, best first.
        """
        self._check_topn(topn)
        limit = self._limit(restrict_vocab)
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive:
            raise ValueError("most_similar_cosmul needs at least one positive word")
        excluded = {self.row(item) for item in positive + negative if isinstance(item, str)}
        terms = np.stack([self._query_vector(item) for item in positive + negative], axis=1)
        shifted = (1 + self._scores(terms, limit)) / 2  # float32 (limit, k)
        scores = np.prod(shifted[:, :len(positive)], axis=1)
        if negative:
            scores = scores / (np.prod(shifted[:, len(positive):], axis=1) + _COSMUL_EPSILON)
        return self._best(scores.astype(np.float32), topn, excluded)

    def doesnt_match(self, words):
        """The word of ``words`` (a list of str) that goes least with the others:
        the one whose unit vector has the lowest dot product with the mean of
        all their unit vectors, scaled to length 1 (as gensim; ties: the word
        first in sorted order). Unlike gensim, which leaves unknown words out
        with a logged warning, an unknown word raises NotInVocabularyError.
        """
        words = _as_list(words)
        if not words:
            raise ValueError("doesnt_match needs at least one word")
        unit = np.stack([self.unit_vector(word) for word in words])
        query = _unit(unit.sum(axis=0, dtype=np.float32) / np.float32(len(words)))
        scores = unit @ query
        return min(zip(scores.tolist(), words))[1]

    def n_similarity(self, words1, words2):
        """Cosine similarity of the mean vectors of two lists of words (float).

        As gensim 4 computes it, the means are of the raw vectors (not of their
        unit vectors). Unlike gensim, which leaves unknown words out, an
        unknown word raises NotInVocabularyError; an empty list raises
        ValueError (gensim: ZeroDivisionError).
        """
        words1, words2 = _as_list(words1), _as_list(words2)
        if not words1 or not words2:
            raise ValueError("n_similarity needs at least one word in each list")
        means = [_unit(self[words].sum(axis=0, dtype=np.float32) / np.float32(len(words)))
                 for words in (words1, words2)]
        return float(np.dot(means[0], means[1]))

    def _query_vector(self, item):
        """float32 (D,): a word's unit vector, or a given vector as it is."""
        if isinstance(item, str):
            return self.unit_vector(item)
        vector = np.asarray(item, dtype=np.float32)
        if vector.shape != (self.vector_size,):
            raise ValueError(f"a query vector must have shape ({self.vector_size},), "
                             f"not {vector.shape}")
        return vector

    @staticmethod
    def _check_topn(topn):
        if topn is not None and (isinstance(topn, bool) or not isinstance(topn, (int, np.integer))
                                 or topn < 1):
            raise ValueError(f"topn must be a positive integer or None, not {topn!r}")

    def _best(self, scores, topn, excluded):
        """The (word, score) pairs of the ``topn`` best rows of ``scores`` (float32
        (limit,)), rows in ``excluded`` left out, best first, ties by row."""
        limit = len(scores)
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
        predicted = evaluation.predict_analogies(self._unit_rows(limit), questions[:, :3], limit,
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

    def _word_weights(self, weighting, sif_a):
        """float64 (V,): each word's weight in a sentence vector (see sentence_vectors)."""
        if weighting not in ("mean", "sif"):
            raise ValueError(f"weighting must be 'mean' or 'sif', got {weighting!r}")
        if weighting == "mean":
            return np.ones(len(self.words))
        if self.counts is not None:
            p = self.counts / max(self.counts.sum(), 1)
        else:
            p = 1.0 / np.arange(1, len(self.words) + 1)
            p /= p.sum()
        return sif_a / (sif_a + p)

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
        weights = self._word_weights(weighting, sif_a)
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


    def save(self, path):
        """Write the vectors as a textembed vector store: a folder holding the
        float32 matrix (``vectors.npy``), the words and counts (``vocab.tsv``), the
        rows' lengths (``norms.npy``, computed here if they were not yet) and
        ``store.json`` (see :mod:`textembed.word2vec.store`), atomically. An
        existing store at ``path`` is replaced; anything else there raises
        InputError."""
        store.save(path, self.words, self.vectors, counts=self.counts,
                   min_count=self.min_count, norms=self.norms)

    @classmethod
    def load(cls, path, mmap=True):
        """Read a store written by :meth:`save`. With ``mmap`` the matrix is a
        read-only memory map (loading 1M x 300 takes well under a second; rows are
        read from disk when queries touch them); ``mmap=False`` reads it into
        memory. The word index (``index``) is built on first use. Raises
        InputError (one line) for a missing, corrupt or foreign store (a word
        stored twice: when the index is built).
        """
        words, vectors, counts, norms, meta = store.load(path, mmap=mmap)
        # store.load checked the sizes; the word index is built on first use
        loaded = cls.__new__(cls)
        loaded._setup(words, np.ascontiguousarray(vectors), counts, None,
                      meta.get("min_count"), str(path))
        loaded._from_store = True
        loaded._norms = norms  # None: computed on first use
        return loaded


def load_vectors(path, mmap=True):
    """Word vectors from any file of them: a store folder (:meth:`WordVectors.load`),
    a fastText ``.bin`` model (a :class:`~.subword_vectors.SubwordVectors`, which
    gives unseen words vectors) or a word2vec text or binary file
    (:func:`load_word2vec_format`)."""
    if os.path.isdir(path):
        return WordVectors.load(path, mmap=mmap)
    from . import fasttext_format
    if fasttext_format.is_fasttext_model(path):
        from .subword_vectors import SubwordVectors
        return SubwordVectors.load_fasttext_format(path)
    return load_word2vec_format(path)


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


def _unit(vector):
    """float32 (D,): ``vector`` scaled to length 1 (all zeros stay zeros)."""
    norm = np.linalg.norm(vector)
    return (vector / norm).astype(np.float32) if norm > 0 else vector.astype(np.float32)


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else float("nan")
