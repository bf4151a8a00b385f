"""Text preprocessing with the semantics of Keras' ``keras.preprocessing.text``.

Same functions, arguments, defaults and answers as Keras, with two deliberate
differences, both fixes:

* the default hash of :func:`hashing_trick` and :func:`one_hot` is stable (the
  64-bit BLAKE2b digest of the word's UTF-8 bytes), where Keras uses Python's
  salted ``hash()`` whose results change from one process to the next;
  ``hash_function='md5'`` gives exactly Keras' md5 indices;
* a tokenizer loaded from JSON keeps counting correctly when fitted again
  (Keras' loaded ``word_docs`` is a plain dict and fails on a new word).

Large batches of texts are tokenized, counted and looked up by numba kernels
over UTF-8 bytes (see :mod:`textembed.byte_batch` and
:mod:`textembed.kernels.text_kernels`); small batches, custom analyzers,
``char_level`` and pre-tokenized inputs take a plain path that follows Keras
step by step. Both give identical results.
"""
import json
from collections import OrderedDict, defaultdict
from functools import lru_cache
from hashlib import blake2b, md5
from itertools import chain, repeat

import numpy as np

from ._defaults import DEFAULT_FILTERS
from .byte_batch import (DOC_MARK, ByteBatch, chunks, encode_words, separator_bytes,
                         split_by_offsets)

# Batches smaller than this take the plain path: building the byte buffer and
# the lookup table costs more than it saves on a handful of texts.
_FAST_MIN_TEXTS = 32
_CHUNK_TEXTS = 65536
_HASH_CACHE_LIMIT = 1 << 20


@lru_cache(maxsize=64)
def _translate_table(filters, split):
    return str.maketrans({c: split for c in filters})


def _check_split(split):
    if not isinstance(split, str) or not split:
        raise ValueError(f"split must be a non-empty string, got {split!r}")


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Split a text into words, as Keras does.

    Lower-cases (if ``lower``), replaces every character of ``filters`` by
    ``split``, splits on ``split`` and drops empty strings.
    Returns a list of str.
    """
    return list(filter(None, _split_pieces(text, filters, lower, split)))


@lru_cache(maxsize=64)
def _byte_table(filters, split):
    """A bytes.translate table for ASCII filters and split, else None."""
    if not (filters + split).isascii() or len(split) != 1:
        return None
    return bytes.maketrans(filters.encode(), split.encode() * len(filters))


def _split_pieces(text, filters, lower, split):
    """``text`` lower-cased, filtered and split on ``split``, empty pieces kept."""
    if type(text) is not str:
        if not isinstance(text, str):
            raise TypeError(
                f"text must be a str, got {type(text).__name__}; "
                "for many texts call it once per text or use Tokenizer")
    if not split or not isinstance(split, str):
        _check_split(split)
    table = _byte_table(filters, split)
    if table is not None and text.isascii():
        # ASCII text: bytes.lower and bytes.translate are plain table
        # look-ups, several times faster than their str counterparts.
        raw = text.encode("ascii")
        if lower:
            raw = raw.lower()
        return raw.translate(table).decode("ascii").split(split)
    if lower:
        text = text.lower()
    return text.translate(_translate_table(filters, split)).split(split)


def _stable_hash(word):
    digest = blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _md5_hash(word):
    # Same integer as Keras' int(md5(w.encode()).hexdigest(), 16).
    return int.from_bytes(md5(word.encode()).digest(), "big")


_BUILTIN_HASHES = (_stable_hash, _md5_hash)
# (hash function, n - 1) -> {word: index}: a word is hashed once per process,
# not once per occurrence. Only the built-in hashes are cached (a user's
# callable may not be a pure function).
_INDEX_CACHES = OrderedDict()
_INDEX_CACHES_KEPT = 8


def _index_cache(function, modulus):
    key = (function, modulus)
    cache = _INDEX_CACHES.get(key)
    if cache is None:
        cache = _INDEX_CACHES[key] = {}
        if len(_INDEX_CACHES) > _INDEX_CACHES_KEPT:
            _INDEX_CACHES.popitem(last=False)
    return cache


def _resolve_hash(hash_function):
    if hash_function is None:
        return _stable_hash
    if isinstance(hash_function, str):
        if hash_function == "md5":
            return _md5_hash
        raise ValueError(
            f"hash_function must be None (stable default), 'md5' or a callable, "
            f"got {hash_function!r}")
    if not callable(hash_function):
        raise TypeError(
            f"hash_function must be None, 'md5' or a callable, "
            f"got {type(hash_function).__name__}")
    return hash_function


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS,
                  lower=True, split=" ", analyzer=None):
    """Map each word of a text to ``hash(word) % (n - 1) + 1``.

    Indices lie in ``[1, n - 1]``; 0 stays free for padding. Different words
    may share an index. ``hash_function``: None for textembed's stable hash
    (same indices in every process and on every machine), ``'md5'`` for
    exactly Keras' md5 indices, or a callable ``str -> int``. ``analyzer``, a
    callable ``str -> list of str``, replaces filters/lower/split.
    Returns a list of int.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 2:
        raise ValueError(
            f"n must be at least 2 (indices lie in [1, n-1], 0 is reserved "
            f"for padding), got {n}")
    function = _resolve_hash(hash_function)
    if analyzer is None:
        words = list(filter(None, _split_pieces(text, filters, lower, split)))
    else:
        words = analyzer(text)
    modulus = int(n) - 1
    if function not in _BUILTIN_HASHES:
        return [function(w) % modulus + 1 for w in words]
    indices = _index_cache(function, modulus)
    try:
        return list(map(indices.__getitem__, words))
    except KeyError:
        if len(indices) > _HASH_CACHE_LIMIT:
            indices.clear()
        for w in words:
            if w not in indices:
                indices[w] = function(w) % modulus + 1
        return list(map(indices.__getitem__, words))


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" ",
            analyzer=None, hash_function=None):
    """Encode a text as word indices in ``[1, n - 1]`` by hashing.

    :func:`hashing_trick` with the stable default hash (Keras uses the salted
    ``hash()``, which differs between processes). Returns a list of int.
    """
    return hashing_trick(text, n, hash_function=hash_function, filters=filters,
                         lower=lower, split=split, analyzer=analyzer)


class Tokenizer:
    """Turns texts into word index sequences or matrices, as Keras' Tokenizer.

    Index 0 is never assigned to a word: it is reserved for padding.
    ``word_index`` ranks every word seen (most frequent first, ties in order
    of first appearance); ``num_words`` only limits the indices that
    ``texts_to_sequences`` and the matrix functions emit to ``< num_words``.
    ``oov_token``, if given, takes index 1 and replaces unknown words.
    ``analyzer``, a callable ``str -> list of str``, replaces
    filters/lower/split (as in tf.keras).
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True,
                 split=" ", char_level=False, oov_token=None, analyzer=None,
                 document_count=0, **kwargs):
        if "nb_words" in kwargs:
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}; Tokenizer "
                            f"got unknown arguments: {sorted(kwargs)}")
        if num_words is not None and (isinstance(num_words, bool)
                                      or not isinstance(num_words, (int, np.integer))
                                      or num_words < 0):
            raise ValueError(f"num_words must be None or an int >= 0, got {num_words!r}")
        _check_split(split)
        if analyzer is not None and not callable(analyzer):
            raise TypeError("analyzer must be a callable that takes a str "
                            "and returns a list of str")
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.split = split
        self.char_level = char_level
        self.oov_token = oov_token
        self.analyzer = analyzer
        self.document_count = document_count
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    # -- tokenizing --------------------------------------------------------

    def _text_words(self, text):
        """Tokens of one text (the plain path, step by step as Keras)."""
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        if not isinstance(text, str):
            raise TypeError(
                f"each text must be a str or a list of str tokens, got "
                f"{type(text).__name__}")
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def _byte_batch(self, texts):
        """A :class:`~textembed.byte_batch.ByteBatch` for texts the kernels can take, else None."""
        if (len(texts) < _FAST_MIN_TEXTS or self.char_level
                or self.analyzer is not None or len(self.split) != 1
                or not (self.filters + self.split).isascii()):
            return None
        if not all(isinstance(t, str) for t in texts):
            return None
        if sum(map(str.count, texts, repeat(DOC_MARK))):
            return None
        return ByteBatch(texts, separator_bytes(self.filters, self.split), self.lower)

    # -- fitting -----------------------------------------------------------

    def fit_on_texts(self, texts):
        """Count the words of ``texts`` (str, or lists of str tokens).

        A plain string is taken, as in Keras, as a sequence of one-character
        texts. Rebuilds ``word_index`` and ``index_word``.
        """
        for chunk in chunks(texts, _CHUNK_TEXTS):
            self.document_count += len(chunk)
            batch = self._byte_batch(chunk)
            if batch is None:
                self._count_plain(chunk)
            else:
                self._count_batch(batch)
        self._rebuild_index()

    def _count_plain(self, texts):
        counts = self.word_counts
        docs = self.word_docs
        for text in texts:
            words = self._text_words(text)
            for w in words:
                counts[w] = counts.get(w, 0) + 1
            for w in set(words):
                docs[w] += 1

    def _count_batch(self, batch):
        _, words, counts, doc_counts = batch.count_words()
        word_counts = self.word_counts
        word_docs = self.word_docs
        for w, c, d in zip(words, counts.tolist(), doc_counts.tolist()):
            word_counts[w] = word_counts.get(w, 0) + c
            word_docs[w] += d

    def _rebuild_index(self):
        ranked = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary.extend(w for w, _ in ranked)
        # A word listed twice (the oov token also seen in the texts) keeps its
        # later index, as in Keras.
        self.word_index = dict(zip(vocabulary, range(1, len(vocabulary) + 1)))
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Count, for each index, the sequences it appears in (for tf-idf)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    # -- texts to sequences ------------------------------------------------

    def _output_index(self, index, oov_index):
        """What ``texts_to_sequences`` emits for a known word's index (None: drop)."""
        if self.num_words and index >= self.num_words:
            return oov_index
        return index

    def texts_to_sequences(self, texts):
        """Word index sequences: a list (one per text) of lists of int."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Yield one list of word indices per text (see texts_to_sequences)."""
        oov_index = self.word_index.get(self.oov_token)
        keras_none_case = self.oov_token is not None and oov_index is None
        lookup = None
        for chunk in chunks(texts, _CHUNK_TEXTS):
            batch = None if keras_none_case else self._byte_batch(chunk)
            if batch is None:
                yield from self._sequences_plain(chunk, oov_index)
                continue
            if lookup is None:
                lookup = self._lookup_table(oov_index)
            yield from self._sequences_batch(batch, lookup, oov_index)

    def _sequences_plain(self, texts, oov_index):
        word_index = self.word_index
        num_words = self.num_words
        has_oov = self.oov_token is not None
        for text in texts:
            seq = []
            for w in self._text_words(text):
                i = word_index.get(w)
                if i is not None:
                    if num_words and i >= num_words:
                        if oov_index is not None:
                            seq.append(oov_index)
                    else:
                        seq.append(i)
                elif has_oov:
                    seq.append(oov_index)
            yield seq

    def _lookup_table(self, oov_index):
        from .kernels.text_kernels import build_lookup

        words = list(self.word_index)
        dropped = -1 if oov_index is None else oov_index
        values = np.array(
            [dropped if self.num_words and i >= self.num_words else i
             for i in self.word_index.values()], dtype=np.int64)
        buf, starts, ends = encode_words(words)
        table, hashes = build_lookup(buf, starts, ends)
        return buf, starts, ends, table, hashes, values

    def _sequences_batch(self, batch, lookup, oov_index):
        from .kernels.text_kernels import lookup_tokens

        missing = -1 if oov_index is None else oov_index
        ids = lookup_tokens(batch.buf, batch.starts, batch.ends, *lookup, missing)
        offsets = batch.doc_offsets
        keep = ids >= 0
        if not keep.all():
            kept_before = np.concatenate(([0], np.cumsum(keep)))
            offsets = kept_before[offsets]
            ids = ids[keep]
        return split_by_offsets(ids, offsets)

    # -- sequences to texts and matrices -----------------------------------

    def sequences_to_texts(self, sequences):
        """Texts (words joined by a space) from word index sequences."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Yield one text per sequence (see sequences_to_texts)."""
        oov_index = self.word_index.get(self.oov_token)
        oov_word = None if oov_index is None else self.index_word.get(oov_index)
        unknown = oov_word if self.oov_token is not None else None
        words = {}
        for i, w in self.index_word.items():
            words[i] = oov_word if self.num_words and i >= self.num_words else w
        for seq in sequences:
            found = map(words.get, seq, repeat(unknown))
            yield " ".join([w for w in found if w is not None])

    def texts_to_matrix(self, texts, mode="binary"):
        """``sequences_to_matrix(texts_to_sequences(texts), mode)``."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Matrix (len(sequences), num_words) float64 of per-text word weights.

        mode: 'binary' (1 if present), 'count', 'freq' (count / length of the
        sequence) or 'tfidf' ((1 + log count) * log(1 + docs / (1 + docs with
        the word))). Indices >= num_words are ignored; num_words defaults to
        ``len(word_index) + 1``.
        """
        if mode not in ("binary", "count", "tfidf", "freq"):
            raise ValueError(
                f"Unknown vectorization mode: {mode!r}; use 'binary', 'count', "
                "'tfidf' or 'freq'")
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError("Specify a dimension (`num_words` argument), or fit "
                             "on some text data first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        n = len(sequences)
        lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=n)
        flat = np.fromiter(chain.from_iterable(sequences), dtype=np.int64,
                           count=int(lengths.sum()))
        if flat.size and flat.min() < 0:
            raise ValueError("sequences contain a negative word index; indices "
                             "must be >= 0")
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        inside = flat < num_words
        cells = rows[inside] * num_words + flat[inside]
        counts = np.bincount(cells, minlength=n * num_words).astype(np.float64)
        counts = counts.reshape(n, num_words)
        if mode == "count":
            return counts
        if mode == "binary":
            return (counts > 0).astype(np.float64)
        if mode == "freq":
            return counts / np.maximum(lengths, 1)[:, None]
        docs_with = np.zeros(num_words, dtype=np.float64)
        for j, c in self.index_docs.items():
            if 0 <= j < num_words:
                docs_with[j] = c
        idf = np.log(1 + self.document_count / (1 + docs_with))
        present = counts > 0
        tf = np.zeros_like(counts)
        tf[present] = 1 + np.log(counts[present])
        return tf * idf

    # -- serialization -----------------------------------------------------

    def get_config(self):
        """The configuration as a dict, in Keras' layout (counts as JSON strings)."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """JSON that Keras' and textembed's ``tokenizer_from_json`` both load."""
        return json.dumps({"class_name": "Tokenizer", "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    """A :class:`Tokenizer` from JSON written by ``to_json`` (textembed's or Keras')."""
    try:
        config = dict(json.loads(json_string)["config"])
        word_counts = json.loads(config.pop("word_counts"))
        word_docs = json.loads(config.pop("word_docs"))
        index_docs = json.loads(config.pop("index_docs"))
        index_word = json.loads(config.pop("index_word"))
        word_index = json.loads(config.pop("word_index"))
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"not a tokenizer JSON (expected the output of Tokenizer.to_json): "
            f"{error}") from None
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(word_counts)
    tokenizer.word_docs = defaultdict(int, word_docs)
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in index_docs.items()})
    tokenizer.index_word = {int(k): v for k, v in index_word.items()}
    tokenizer.word_index = word_index
    return tokenizer
