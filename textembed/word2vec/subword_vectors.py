"""Subword vectors: every word, seen in training or not, gets a vector.

:class:`SubwordVectors` is a :class:`WordVectors` over the vocabulary, whose
vectors are the mean of each word's own input row and its character n-gram
rows (fastText's word vectors), plus the input matrix and the n-gram scheme,
so that :meth:`SubwordVectors.vector` composes a vector for any word from its
n-grams (an unseen word: the mean of its n-gram rows, as fastText does).
Queries (``most_similar``, ``similarity``), the evaluations and
``sentence_vectors`` accept unseen words. Files: fastText's ``.bin`` format
(:mod:`.fasttext_format`), read by ``fasttext.load_model`` and gensim's
``load_facebook_vectors``.
"""
import numpy as np

from . import evaluation, fasttext_format
from .subwords import SubwordScheme
from .vectors import NotInVocabularyError, WordVectors, _as_list


class SubwordVectors(WordVectors):
    """Word vectors with character n-grams.

    words: list of str (V,), most frequent first;
    input_matrix: float32 (V + bucket, D): word rows, then n-gram bucket rows;
    scheme: the :class:`SubwordScheme` (minn, maxn, bucket; ``n_words`` = V);
    output_matrix: float32 (V, D) or None (kept to save a complete model);
    counts, pruned, min_count, source: as for WordVectors;
    args: fastText's argument block to save (see ``fasttext_format.default_args``).
    ``vectors`` (V, D) are the composed vectors of the vocabulary.
    """

    def __init__(self, words, input_matrix, scheme, output_matrix=None, counts=None,
                 pruned=None, min_count=None, source=None, args=None, ntokens=None):
        from ..kernels.subword_kernels import compose

        words = list(words)
        input_matrix = np.ascontiguousarray(input_matrix, dtype=np.float32)
        if scheme.n_words != len(words) or input_matrix.shape[0] != len(words) + scheme.bucket:
            raise ValueError(f"input_matrix must have {len(words)} + {scheme.bucket} rows "
                             f"(words + buckets), not {input_matrix.shape[0]}")
        offsets, rows = scheme.rows(words, np.arange(len(words)))
        vectors = compose(input_matrix, offsets, rows,
                          np.empty((len(words), input_matrix.shape[1]), np.float32))
        super().__init__(words, vectors, counts=counts, pruned=pruned, min_count=min_count,
                         source=source)
        self.input_matrix = input_matrix
        self.output_matrix = output_matrix
        self.scheme = scheme
        self.args = args
        self.ntokens = ntokens

    def __repr__(self):
        origin = f", from {self.source}" if self.source else ""
        s = self.scheme
        return (f"<SubwordVectors: {len(self):,} words x {self.vector_size}, n-grams "
                f"{s.minn}-{s.maxn} in {s.bucket:,} buckets{origin}>")

    # ------------------------------------------------------------ any word

    def is_unseen(self, word):
        """True for a word outside the vocabulary (its vector comes from its n-grams)."""
        return word not in self.index

    def vectors_for(self, words):
        """float32 (n, D): each word's vector: its row for a known word, the mean of
        its n-gram rows for another one. NotInVocabularyError for an unseen word
        without any n-gram (shorter than minn, or a model without n-grams)."""
        from ..kernels.subword_kernels import compose

        words = list(words)
        out = np.empty((len(words), self.vector_size), np.float32)
        unseen = []
        for k, word in enumerate(words):
            if not isinstance(word, str):
                raise self._missing(word)
            row = self.index.get(word)
            if row is None:
                unseen.append(k)
            else:
                out[k] = self.vectors[row]
        if unseen:
            offsets, rows = self.scheme.rows([words[k] for k in unseen])
            empty = np.flatnonzero(np.diff(offsets) == 0)
            if len(empty):
                raise self._no_ngrams(words[unseen[empty[0]]])
            out[unseen] = compose(self.input_matrix, offsets, rows,
                                  np.empty((len(unseen), self.vector_size), np.float32))
        return out

    def vector(self, word):
        """float32 (D,): the vector of any word (see :meth:`vectors_for`)."""
        return self.vectors_for([word])[0]

    def __getitem__(self, words):
        """float32 (D,) for one word, (n, D) for a list; unseen words from their n-grams."""
        if not isinstance(words, (list, tuple, np.ndarray)):
            return self.vector(words)
        return self.vectors_for(words)

    def _no_ngrams(self, word):
        s = self.scheme
        reason = ("the model has no n-grams (maxn 0)" if s.maxn == 0 else
                  f"it is too short for n-grams of {s.minn}-{s.maxn} characters")
        return NotInVocabularyError(word, f"{word!r} is not in the vocabulary and has no "
                                          f"vector: {reason}")

    # ------------------------------------------------------------ queries

    def similarity(self, word1, word2):
        """Cosine similarity of two words, seen or not (0 if a vector is all zeros)."""
        a, b = self.vectors_for([word1, word2]).astype(np.float64)
        norm = np.linalg.norm(a) * np.linalg.norm(b)
        return float(a @ b / norm) if norm > 0 else 0.0

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """As :meth:`WordVectors.most_similar`; an unseen query word counts by its
        n-gram vector (and, not being in the vocabulary, cannot be returned)."""
        def known(items):
            return [self.vector(item) if isinstance(item, str) and item not in self.index
                    else item for item in _as_list(items)]
        return super().most_similar(known(positive), known(negative), topn, restrict_vocab)

    # ------------------------------------------------------------ evaluation

    def evaluate_word_pairs(self, path, restrict_vocab=None, case_insensitive=True,
                            encoding="utf-8"):
        """Spearman / Pearson over every pair: a word outside the first
        ``restrict_vocab`` words (default all) is composed from its n-grams.

        Returns the dict of :meth:`WordVectors.evaluate_word_pairs` plus
        ``unseen``: distinct words scored by their n-grams (not in the vocabulary).
        """
        limit = self._limit(restrict_vocab)
        lookup, _, _ = evaluation.candidate_vocabulary(self.words, limit, case_insensitive)
        pairs, scores = [], []
        total = 0
        for _lineno, word1, word2, score in evaluation.iter_word_pairs(path, encoding):
            total += 1
            if case_insensitive:
                word1, word2 = word1.lower(), word2.lower()
            pairs.append((word1, word2))
            scores.append(score)
        if total == 0:
            from ..io import InputError
            raise InputError(f"{path}: no word pairs found "
                             "(expected lines 'word1<TAB>word2<TAB>score')")
        vocabulary = sorted({w for pair in pairs for w in pair})
        table, unseen, no_vector = self._evaluation_table(vocabulary, lookup, case_insensitive)
        used = [k for k, (a, b) in enumerate(pairs) if a in table and b in table]
        first = np.asarray([table[pairs[k][0]] for k in used], dtype=np.int64)
        second = np.asarray([table[pairs[k][1]] for k in used], dtype=np.int64)
        matrix = self._table_vectors
        similarities = evaluation.cosine_rows(matrix, first, second)
        kept = [scores[k] for k in used]
        return {"spearman": evaluation.spearman(similarities, kept),
                "pearson": evaluation.pearson(similarities, kept),
                "used": len(used), "skipped": total - len(used), "unseen": unseen}

    def evaluate_word_analogies(self, path, restrict_vocab=30000, case_insensitive=True,
                                encoding="utf-8", batch_size=256):
        """Analogy accuracy over every question: the candidates are the first
        ``restrict_vocab`` words plus every other word of the questions (a known
        word with its vector, an unseen one composed from its n-grams).

        Returns the dict of :meth:`WordVectors.evaluate_word_analogies` plus
        ``unseen``: distinct question words not in the vocabulary.
        """
        limit = self._limit(restrict_vocab)
        lookup, _, _ = evaluation.candidate_vocabulary(self.words, limit, case_insensitive)
        extra = []
        seen_extra = set()
        for _section, _lineno, words in evaluation.iter_analogies(path, encoding):
            for word in words:
                key = word.lower() if case_insensitive else word
                if key not in lookup and key not in seen_extra:
                    seen_extra.add(key)
                    extra.append(key)
        composable = []
        for word in extra:
            try:
                self.vector(self._known_spelling(word, case_insensitive))
            except NotInVocabularyError:
                continue
            composable.append(word)
        extended = WordVectors(
            self.words[:limit] + composable,
            np.concatenate([self.vectors[:limit],
                            self.vectors_for([self._known_spelling(w, case_insensitive)
                                              for w in composable])])
            if composable else self.vectors[:limit])
        result = extended.evaluate_word_analogies(path, restrict_vocab=len(extended),
                                                  case_insensitive=case_insensitive,
                                                  encoding=encoding, batch_size=batch_size)
        result["restrict_vocab"] = limit
        result["unseen"] = sum(1 for w in composable
                               if self._known_spelling(w, case_insensitive) not in self.index)
        return result

    def _known_spelling(self, key, case_insensitive):
        """The vocabulary spelling of a lower-cased key (the most frequent one), else the key."""
        if not case_insensitive or key in self.index:
            return key
        other = self._other_spelling(key)
        return other if other is not None else key

    def _evaluation_table(self, vocabulary, lookup, case_insensitive):
        """Rows for evaluation words: returns ({word: row in self._table_vectors},
        unseen count, words without a vector)."""
        table, rows, composed = {}, [], []
        for word in vocabulary:
            row = lookup.get(word)
            if row is not None:
                table[word] = len(rows) + len(composed)
                rows.append(row)
        matrix = [self.vectors[np.asarray(rows, dtype=np.int64)]]
        unseen, no_vector = 0, 0
        for word in vocabulary:
            if word in table:
                continue
            spelling = self._known_spelling(word, case_insensitive)
            try:
                vector = self.vector(spelling)
            except NotInVocabularyError:
                no_vector += 1
                continue
            table[word] = len(rows) + len(composed)
            composed.append(vector)
            unseen += spelling not in self.index
        if composed:
            matrix.append(np.asarray(composed, dtype=np.float32))
        self._table_vectors = np.concatenate(matrix) if len(matrix) > 1 else matrix[0]
        return table, unseen, no_vector

    # ------------------------------------------------------------ sentences

    def sentence_vectors(self, texts, weighting="mean", sif_a=1e-3, lower=True):
        """As :meth:`WordVectors.sentence_vectors`, unseen words included (composed
        from their n-grams; with ``sif`` they weigh as the rarest words, 1)."""
        from ..text import text_to_word_sequence

        weights = self._word_weights(weighting, sif_a)
        out = np.zeros((len(texts), self.vector_size), np.float32)
        cache = {}
        for i, text in enumerate(texts):
            tokens = text_to_word_sequence(text, lower=lower)
            vectors, w = [], []
            for token in tokens:
                row = self.index.get(token)
                if row is not None:
                    vectors.append(self.vectors[row])
                    w.append(weights[row])
                    continue
                if token not in cache:
                    try:
                        cache[token] = self.vector(token)
                    except NotInVocabularyError:
                        cache[token] = None
                if cache[token] is not None:
                    vectors.append(cache[token])
                    w.append(1.0)
            if vectors:
                w = np.asarray(w)
                out[i] = (w[:, None] * np.asarray(vectors)).sum(axis=0) / w.sum()
        return out

    # ------------------------------------------------------------ files

    def save_fasttext_format(self, path):
        """Write fastText's ``.bin`` model (atomically): ``fasttext.load_model`` and
        gensim's ``load_facebook_vectors`` read it."""
        output = self.output_matrix
        if output is None:
            output = np.zeros((len(self), self.vector_size), np.float32)
        args = dict(self.args) if self.args else fasttext_format.default_args(
            self.vector_size, self.scheme.minn, self.scheme.maxn, self.scheme.bucket)
        args.update(dim=self.vector_size, bucket=self.scheme.bucket, minn=self.scheme.minn,
                    maxn=self.scheme.maxn)
        counts = self.counts if self.counts is not None else np.ones(len(self), np.int64)
        ntokens = self.ntokens if self.ntokens is not None else int(counts.sum())
        fasttext_format.write_fasttext(path, args, self.words, counts, ntokens,
                                       self.input_matrix, output)

    @classmethod
    def load_fasttext_format(cls, path, output=False):
        """Read a fastText ``.bin`` model (ours or fastText's). ``output``: keep the
        output matrix too (needed only to save the model again in full)."""
        model = fasttext_format.read_fasttext(path, output=output)
        args = model.args
        scheme = SubwordScheme(args["minn"], args["maxn"], args["bucket"], len(model.words))
        return cls(model.words, model.input_matrix, scheme, output_matrix=model.output_matrix,
                   counts=model.counts, source=str(path), args=args, ntokens=model.ntokens)


def load_vectors(path):
    """Word vectors from any file of them (see :func:`.vectors.load_vectors`)."""
    from .vectors import load_vectors as load_any
    return load_any(path)
