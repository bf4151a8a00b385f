"""Character n-grams of words, hashed to rows exactly as fastText does.

A word is framed as ``<word>``; its n-grams are its runs of ``minn`` to
``maxn`` characters (a character being a UTF-8 lead byte with its
continuation bytes; a lone ``<`` or ``>`` is never an n-gram). Each n-gram is
hashed with fastText's 32-bit FNV-1a (bytes widened as signed chars) modulo
``bucket``, and its input row is ``n_words + hash``. A vocabulary word's rows
are its own id followed by its n-gram rows; an unseen word has only the
n-gram rows. ``maxn = 0`` means no n-grams. The work is done by
:mod:`textembed.kernels.subword_kernels`.
"""
import numpy as np

from .._defaults import SUBWORD_DEFAULTS  # noqa: F401 (re-exported)

BOW = "<"
EOW = ">"
# fastText's end-of-sentence token: it never gets n-grams.
EOS = "</s>"


class SubwordScheme:
    """The n-gram settings of a model: minn, maxn (0: none), bucket, n_words (first n-gram row)."""

    def __init__(self, minn, maxn, bucket, n_words):
        check_scheme(minn, maxn, bucket)
        self.minn, self.maxn, self.bucket, self.n_words = int(minn), int(maxn), int(bucket), int(n_words)

    def __repr__(self):
        return (f"SubwordScheme(minn={self.minn}, maxn={self.maxn}, bucket={self.bucket}, "
                f"n_words={self.n_words})")

    def rows(self, words, word_ids=None):
        """Input rows of ``words`` (list of str) as CSR: (offsets int64 (n + 1,), rows int32).

        word_ids: int64 (n,), each word's own row or -1 (none); default -1 for all.
        """
        return word_rows(words, word_ids, self)

    def ngrams(self, word):
        """The n-gram strings of one word, in fastText's order (framed, duplicates kept)."""
        return ngram_strings(word, self.minn, self.maxn)

    def hashes(self, word):
        """int64 (k,): the n-grams' ``hash % bucket`` (fastText's ids minus n_words)."""
        _, rows = self.rows([word])
        return rows.astype(np.int64) - self.n_words


def check_scheme(minn, maxn, bucket):
    """Raise ValueError for settings fastText's scheme cannot use."""
    if minn < 0 or maxn < 0:
        raise ValueError(f"minn and maxn must be >= 0, got minn={minn}, maxn={maxn}")
    if maxn > 0 and minn < 1:
        raise ValueError(f"minn must be at least 1 when maxn > 0, got minn={minn}")
    if maxn > 0 and minn > maxn:
        raise ValueError(f"minn ({minn}) is above maxn ({maxn}): no n-gram length fits")
    if bucket < 1 and maxn > 0:
        raise ValueError(f"bucket must be at least 1, got {bucket}")
    if bucket >= 1 << 31:
        raise ValueError(f"bucket must be below 2**31, got {bucket}")


def encode_word(word):
    """The bytes fastText hashes for ``word``: UTF-8 (surrogate escapes back to their bytes)."""
    return word.encode("utf-8", "surrogateescape")


def framed_bytes(words):
    """(data uint8, offsets int64 (n + 1,)): the UTF-8 bytes of ``<word>`` for each word."""
    encoded = [BOW.encode() + encode_word(word) + EOW.encode() for word in words]
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return data, offsets


def word_rows(words, word_ids, scheme):
    """CSR input rows of ``words`` under ``scheme`` (see :meth:`SubwordScheme.rows`).

    A word equal to ``EOS`` gets no n-grams (as in fastText).
    """
    from ..kernels.subword_kernels import subword_rows

    words = list(words)
    if word_ids is None:
        word_ids = np.full(len(words), -1, np.int64)
    word_ids = np.asarray(word_ids, dtype=np.int64)
    data, offsets = framed_bytes(words)
    row_offsets, rows = subword_rows(data, offsets, word_ids, scheme.n_words, scheme.minn,
                                     scheme.maxn, scheme.bucket)
    if EOS in words:
        keep = np.ones(len(rows), bool)
        lengths = np.diff(row_offsets)
        for k in (i for i, w in enumerate(words) if w == EOS):
            first = row_offsets[k] + (1 if word_ids[k] >= 0 else 0)
            keep[first:row_offsets[k + 1]] = False
            lengths[k] = first - row_offsets[k]
        rows = rows[keep]
        row_offsets = np.zeros(len(words) + 1, np.int64)
        np.cumsum(lengths, out=row_offsets[1:])
    return row_offsets, rows


def ngram_strings(word, minn, maxn):
    """The n-grams of ``<word>`` as str (plain Python; for messages and tests)."""
    data = BOW.encode() + encode_word(word) + EOW.encode()
    grams = []
    if maxn <= 0:
        return grams
    for i in range(len(data)):
        if data[i] & 0xC0 == 0x80:
            continue
        j, n = i, 1
        while j < len(data) and n <= maxn:
            j += 1
            while j < len(data) and data[j] & 0xC0 == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == len(data))):
                grams.append(data[i:j].decode("utf-8", "surrogateescape"))
            n += 1
    return grams
