"""Encoding a corpus, once, into a stream of int32 word ids on disk.

The text is read in chunks of lines, tokenized by the byte kernels (through
:class:`textembed.byte_batch.ByteBatch`), and each distinct word gets a
provisional id in order of first appearance. The ids go to a temporary file,
with -1 after every line, so memory stays flat however large the corpus is:
only the vocabulary (every distinct word and its count) is held in memory.
"""
import os

import numpy as np

from .._defaults import DEFAULT_FILTERS
from ..byte_batch import ByteBatch, separator_bytes

LINE_END = -1
_CHUNK_LINES = 32768
_CHUNK_CHARS = 8 << 20
_WHITESPACE = " \t\n\r\x0b\x0c"
# Joins pre-tokenized sentences into one text; never part of a real word.
_TOKEN_JOINER = "\x1f"


def separators_for(tokenizer):
    """The separator table of a tokenizer name: 'keras' or 'whitespace'."""
    if tokenizer == "keras":
        # Keras' filters plus "\r": a carriage return inside a line would
        # otherwise end up inside a word, which the word2vec file formats
        # cannot store (its readers end a word at a space, tab, CR or LF).
        return separator_bytes(DEFAULT_FILTERS + "\r", " ")
    if tokenizer == "whitespace":
        return separator_bytes(_WHITESPACE, " ")
    raise ValueError(f"tokenizer must be 'keras' or 'whitespace', got {tokenizer!r}")


class EncodedCorpus:
    """A corpus encoded as provisional word ids in a binary int32 file.

    words: list of str, provisional id -> word (order of first appearance);
    counts: int64 (n_words,), occurrences of each word;
    n_tokens, n_lines: totals over the corpus; path: the int32 file.
    """

    def __init__(self, path):
        self.path = path
        self.words = []
        self.counts = np.zeros(0, np.int64)
        self.n_tokens = 0
        self.n_lines = 0
        self._index = {}

    def _global_ids(self, batch):
        """Provisional ids of a batch's tokens (new words are added)."""
        local_ids, batch_words, counts, _ = batch.count_words()
        index = self._index
        words = self.words
        to_global = np.empty(len(counts), np.int64)
        for local, word in enumerate(batch_words):
            g = index.get(word)
            if g is None:
                g = index[word] = len(words)
                words.append(word)
            to_global[local] = g
        if len(words) > len(self.counts):
            grown = np.zeros(max(len(words), 2 * len(self.counts)), np.int64)
            grown[:len(self.counts)] = self.counts
            self.counts = grown
        np.add.at(self.counts, to_global, counts)
        return to_global[local_ids]

    def add_lines(self, lines, separators, lower, out):
        """Encode a list of lines (str) and append them to the open file ``out``."""
        if any("\x00" in line for line in lines):
            lines = [line.replace("\x00", " ") for line in lines]
        batch = ByteBatch(lines, separators, lower)
        ids = self._global_ids(batch)
        n_docs = len(lines)
        lengths = np.diff(batch.doc_offsets)
        stream = np.empty(len(ids) + n_docs, np.int32)
        line_of_token = np.repeat(np.arange(n_docs), lengths)
        stream[np.arange(len(ids)) + line_of_token] = ids
        stream[batch.doc_offsets[1:] + np.arange(n_docs)] = LINE_END
        stream.tofile(out)
        self.n_tokens += len(ids)
        self.n_lines += n_docs

    def finish(self):
        self.counts = self.counts[:len(self.words)].copy()
        self._index = None
        return self


def _line_chunks(lines):
    chunk = []
    chars = 0
    for line in lines:
        chunk.append(line)
        chars += len(line)
        if len(chunk) >= _CHUNK_LINES or chars >= _CHUNK_CHARS:
            yield chunk
            chunk = []
            chars = 0
    if chunk:
        yield chunk


def encode_lines(lines, path, tokenizer="keras", lower=True):
    """Encode an iterable of text lines into ``path``; returns the EncodedCorpus."""
    return _encode(lines, path, separators_for(tokenizer), lower)


def encode_sentences(sentences, path):
    """Encode an iterable of token lists (taken as they are) into ``path``."""
    lines = (_TOKEN_JOINER.join(tokens) for tokens in sentences)
    return _encode(lines, path, separator_bytes(_TOKEN_JOINER, _TOKEN_JOINER), False)


def _encode(lines, path, separators, lower):
    corpus = EncodedCorpus(path)
    with open(path, "wb") as out:
        for chunk in _line_chunks(lines):
            corpus.add_lines(chunk, separators, lower, out)
    return corpus.finish()


def read_blocks(path, block_tokens):
    """Yield int32 arrays of about ``block_tokens`` ids, each ending at a line end.

    A line longer than a block is cut at the block's end (the trainer splits
    long lines anyway).
    """
    carry = np.zeros(0, np.int32)
    size = os.path.getsize(path) // 4
    with open(path, "rb") as handle:
        read = 0
        while read < size:
            fresh = np.fromfile(handle, dtype=np.int32, count=block_tokens)
            read += len(fresh)
            block = np.concatenate((carry, fresh)) if len(carry) else fresh
            ends = np.flatnonzero(block == LINE_END)
            if read < size and len(ends) and ends[-1] + 1 < len(block):
                cut = ends[-1] + 1
                carry = block[cut:]
                block = block[:cut]
            else:
                carry = np.zeros(0, np.int32)
            if len(block):
                yield block
        if len(carry):
            yield carry
