"""Encoding a corpus, once, into a stream of int32 word ids on disk.

The text is read in chunks of lines, tokenized by the byte kernels (through
:class:`textembed.byte_batch.ByteBatch`), and each distinct word gets a
provisional id in order of first appearance. The ids go to a temporary file,
with -1 after every line, so memory stays flat however large the corpus is:
only the vocabulary (every distinct word and its count) is held in memory.

Bounded vocabulary memory (word2vec.c's ``ReduceVocab``): when the word table
passes ``max_memory`` bytes (estimated as :data:`WORD_BYTES` per word plus the
word's length; checked after each chunk of up to 32,768 lines or 8 MB of
text), every word seen at most ``min_reduce`` times is dropped and
``min_reduce`` rises by one (it starts at 1), again until the table fits. A
dropped word that comes back starts again from a count of 1, so the counts of
the words that survive may be lower than their true counts, as in word2vec.c.
The surviving words get new, compact ids; the ids already written are
translated in one extra pass over the id file when the corpus ends (only when
something was pruned), and the occurrences of dropped words are removed from
it, as word2vec.c skips words out of its vocabulary. Without pruning, nothing
changes: same words, counts and ids.
"""
import os
import shutil

import numpy as np

from .._defaults import DEFAULT_FILTERS
from ..byte_batch import ByteBatch, separator_bytes

LINE_END = -1
PRUNED = -2  # in the maps of a pruning: a dropped word
_CHUNK_LINES = 32768
_CHUNK_CHARS = 8 << 20
_WHITESPACE = " \t\n\r\x0b\x0c"
# Joins pre-tokenized sentences into one text; never part of a real word.
_TOKEN_JOINER = "\x1f"
# Estimated bytes of one word in the table besides its characters: the str
# object's header, the dict slot, the id's int object, the list and count entries.
WORD_BYTES = 150
_REWRITE_TOKENS = 1 << 22


def default_max_memory():
    """A quarter of the physical memory in bytes (None when it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4
    except (ValueError, OSError, AttributeError):
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024 // 4
    except (OSError, ValueError, IndexError):
        pass
    return None


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
    max_memory: the word table's limit in bytes (None: no limit);
    pruned: words dropped by pruning (a word dropped twice counts twice);
    min_reduce: the count at or below which the next pruning drops words.
    """

    def __init__(self, path, max_memory=None):
        self.path = path
        self.words = []
        self.counts = np.zeros(0, np.int64)
        self.n_tokens = 0
        self.n_lines = 0
        self.max_memory = max_memory
        self.pruned = 0
        self.min_reduce = 1
        self._index = {}
        self._chars = 0           # characters of the words in the table
        self._written = 0         # int32 values written to the file so far
        self._generation = 0      # where the ids of the current numbering start
        self._maps = []           # (start, file of old id -> new id) per pruning

    def _global_ids(self, batch):
        """Provisional ids of a batch's tokens (new words are added)."""
        local_ids, batch_words, counts, _ = batch.count_words()
        index = self._index
        words = self.words
        before = len(words)
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
        self._chars += sum(map(len, words[before:]))
        return to_global[local_ids]

    def table_bytes(self):
        """The estimated memory of the word table: WORD_BYTES per word plus its characters."""
        return len(self.words) * WORD_BYTES + self._chars

    def _prune(self):
        """word2vec.c's ReduceVocab, repeated until the table fits in max_memory."""
        while self.words and self.table_bytes() > self.max_memory:
            n = len(self.words)
            kept = np.flatnonzero(self.counts[:n] > self.min_reduce)
            new_ids = np.full(n, PRUNED, np.int32)
            new_ids[kept] = np.arange(len(kept), dtype=np.int32)
            map_path = f"{self.path}.map{len(self._maps)}"
            new_ids.tofile(map_path)
            self._maps.append((self._generation, map_path))
            self._generation = self._written
            self.pruned += n - len(kept)
            self.words = [self.words[i] for i in kept.tolist()]
            self.counts = self.counts[kept]
            self._index = dict(zip(self.words, range(len(self.words))))
            self._chars = sum(map(len, self.words))
            self.min_reduce += 1

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
        self._written += len(stream)
        self.n_tokens += len(ids)
        self.n_lines += n_docs
        if self.max_memory is not None and self.table_bytes() > self.max_memory:
            self._prune()

    def finish(self):
        """Call once the file is closed: final counts, and the ids written before
        the last pruning translated to the final numbering."""
        self.counts = self.counts[:len(self.words)].copy()
        self._index = None
        if self._maps:
            self._translate_ids()
        return self

    def _translate_ids(self):
        """Rewrite the id file in the final numbering, without the pruned words."""
        # Compose the maps from the last to the first: each then maps its
        # generation's ids straight to the final ids.
        following = None
        for _, map_path in reversed(self._maps):
            new_ids = np.fromfile(map_path, np.int32)
            if following is not None:
                alive = new_ids >= 0
                new_ids[alive] = following[new_ids[alive]]
            new_ids.tofile(map_path)
            following = new_ids
        ends = [start for start, _ in self._maps[1:]] + [self._generation]
        rewritten = f"{self.path}.final"
        try:
            with open(self.path, "rb") as source, open(rewritten, "wb") as out:
                for (start, map_path), end in zip(self._maps, ends):
                    final_ids = np.fromfile(map_path, np.int32)
                    left = end - start
                    while left > 0:
                        block = np.fromfile(source, np.int32, min(left, _REWRITE_TOKENS))
                        left -= len(block)
                        words = block >= 0
                        block[words] = final_ids[block[words]]
                        block[block != PRUNED].tofile(out)
                shutil.copyfileobj(source, out, 1 << 20)  # the last numbering is final
            os.replace(rewritten, self.path)
        finally:
            for _, map_path in self._maps:
                os.remove(map_path)
            if os.path.exists(rewritten):
                os.remove(rewritten)


def _line_chunks(lines, chunk_chars=_CHUNK_CHARS):
    chunk = []
    chars = 0
    for line in lines:
        chunk.append(line)
        chars += len(line)
        if len(chunk) >= _CHUNK_LINES or chars >= chunk_chars:
            yield chunk
            chunk = []
            chars = 0
    if chunk:
        yield chunk


def encode_lines(lines, path, tokenizer="keras", lower=True, max_memory=None,
                 chunk_chars=_CHUNK_CHARS):
    """Encode an iterable of text lines into ``path``; returns the EncodedCorpus.
    max_memory: prune the word table past this many bytes (None: never);
    chunk_chars: the characters encoded at once (memory against calls)."""
    return _encode(lines, path, separators_for(tokenizer), lower, max_memory, chunk_chars)


def encode_sentences(sentences, path, max_memory=None):
    """Encode an iterable of token lists (taken as they are) into ``path``."""
    lines = (_TOKEN_JOINER.join(tokens) for tokens in sentences)
    return _encode(lines, path, separator_bytes(_TOKEN_JOINER, _TOKEN_JOINER), False,
                   max_memory)


def _encode(lines, path, separators, lower, max_memory=None, chunk_chars=_CHUNK_CHARS):
    corpus = EncodedCorpus(path, max_memory)
    with open(path, "wb") as out:
        for chunk in _line_chunks(lines, chunk_chars):
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
