"""Batches of texts as one UTF-8 byte buffer, for the numba text kernels.

:class:`ByteBatch` joins the texts of a batch with ``DOC_MARK`` (NUL) into one
buffer and finds its tokens with :mod:`textembed.kernels.text_kernels`;
``separator_bytes`` gives the table of bytes that split tokens. Used by
:class:`textembed.text.Tokenizer` for large batches and by the word2vec
corpus encoder (:mod:`textembed.word2vec.corpus`). The kernels, and numba with
them, are imported on first use.
"""
import gc
from functools import lru_cache
from itertools import islice

import numpy as np

# Joins the texts of a batch; a text holding it cannot be batched.
DOC_MARK = "\x00"


def chunks(items, size):
    """Lists of ``size`` items (the last may be shorter) from an iterable."""
    iterator = iter(items)
    while True:
        chunk = list(islice(iterator, size))
        if not chunk:
            return
        yield chunk


@lru_cache(maxsize=64)
def separator_bytes(filters, split):
    """bool (256,), True for the (ASCII) characters of ``filters`` and ``split``."""
    is_sep = np.zeros(256, dtype=np.bool_)
    for c in filters + split:
        is_sep[ord(c)] = True
    return is_sep


class ByteBatch:
    """A batch of texts as one UTF-8 buffer with token spans.

    texts: list of str without NUL characters; separators: bool (256,), the
    ASCII bytes that split tokens (see ``separator_bytes``).

    raw: bytes; buf: uint8 view of raw; starts, ends: int64 (n_tokens,) byte
    spans; doc_offsets: int64 (n_docs + 1,) token boundaries of each text.
    """

    def __init__(self, texts, separators, lower):
        from .kernels.text_kernels import scan_tokens

        if lower:
            # str.lower on the non-ASCII texts, bytes.lower (ASCII letters
            # only, much faster) on the whole buffer: same result as
            # lower-casing each text.
            texts = [t if t.isascii() else t.lower() for t in texts]
        raw = DOC_MARK.join(texts).encode("utf-8", "surrogatepass") + b"\x00"
        self.raw = raw.lower() if lower else raw
        self.buf = np.frombuffer(self.raw, dtype=np.uint8)
        self.starts, self.ends, self.doc_offsets = scan_tokens(self.buf, separators)

    def count_words(self):
        """The batch's distinct words: (ids int64 (n_tokens,) of each token among
        them, words list of str in first-seen order, counts int64 (n_words,),
        doc_counts int64 (n_words,) texts holding each)."""
        from .kernels.text_kernels import count_words

        ids, words_buf, starts, ends, counts, doc_counts = count_words(
            self.buf, self.starts, self.ends, self.doc_offsets)
        raw = words_buf.tobytes()
        words = [raw[s:e].decode("utf-8", "surrogatepass")
                 for s, e in zip(starts.tolist(), ends.tolist())]
        return ids, words, counts, doc_counts


def encode_words(words):
    """Words as one UTF-8 buffer: (uint8 buffer, starts int64, ends int64)."""
    encoded = [w.encode("utf-8", "surrogatepass") for w in words]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    buf = np.frombuffer(b"".join(encoded) + b"\x00", dtype=np.uint8)
    return buf, starts, ends


def split_by_offsets(values, offsets):
    """Python lists ``values[offsets[i]:offsets[i + 1]]`` for every i."""
    # Creating millions of small lists triggers the cyclic garbage collector
    # again and again; none of them can be part of a cycle.
    enabled = gc.isenabled()
    gc.disable()
    try:
        flat = values.tolist()
        bounds = offsets.tolist()
        return [flat[a:b] for a, b in zip(bounds, bounds[1:])]
    finally:
        if enabled:
            gc.enable()
