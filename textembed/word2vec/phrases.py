"""Phrases: frequent collocations joined into one token (``new york`` -> ``new_york``).

The phrases of gensim's ``Phrases`` (and word2vec.c's ``word2phrase``),
streamed and counted in numba. The text is read once and encoded to a file of
int32 word ids (:mod:`.corpus`, the tokenizers of ``skipgram``); each pass then
reads that id file twice: once to count the words and the pairs of adjacent
words of every line, once to rewrite it, joining the pairs that score above
the threshold greedily from the left. ``passes=2`` joins the phrases of the
first pass again (``new_york times`` -> ``new_york_times``). The output is the
tokenized text, one line per input line, tokens separated by single spaces
(UTF-8).

Scores are gensim's, to the bit, with gensim's statistics:

* ``default`` (word2vec.c): ``(count(a b) - min_count) / (count(a) * count(b)) * len_vocab``;
* ``npmi``: ``ln(p(a b) / (p(a) p(b))) / -ln(p(a b))``, ``p = count / tokens``,
  only for pairs seen at least ``min_count`` times;

where ``len_vocab`` is the number of distinct words *and* distinct pairs held
after counting, and ``tokens`` the number of tokens of the pass's input. A pair
is a phrase when its score is strictly above ``threshold``. Like gensim, the
counts are keyed by text: the pair (``new``, ``york``) and a token ``new_york``
already in the text share one count (this matters from the second pass on).

Memory: the word counts (one int64 per distinct word) and the pair table,
16 bytes a slot, at most 70% full. When, at the end of a line, more than
``max_table`` words and pairs are held, every entry seen fewer than
``min_reduce`` times is dropped and ``min_reduce`` grows by one; it starts at
1, so the first pruning drops nothing. This is gensim's ``max_vocab_size``
pruning exactly (same default, 40 million): the phrases change only on a
corpus with more distinct words and pairs than that, and then as gensim's do,
except in one corner: gensim prunes the shared count of a pair and a token
spelled alike (above) once, here each is pruned on its own.
"""
import os
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from ..byte_batch import encode_words
from .corpus import encode_lines, encode_sentences, read_blocks

DEFAULTS = {"passes": 1, "min_count": 5, "threshold": 100.0, "scoring": "default",
            "delimiter": "_", "max_table": 40_000_000}
SCORINGS = ("default", "npmi")
_BLOCK_TOKENS = 1 << 20
# Lines are encoded in chunks of this many characters: smaller than the
# corpus encoder's own chunks, which cost about 100 MB on the benchmark corpus.
_CHUNK_CHARS = 1 << 20
_FIRST_CAPACITY = 1 << 16


@dataclass
class PhrasePass:
    """What one pass found and counted.

    phrases: dict phrase text -> (score, count of the pair); tokens: tokens
    read; tokens_out: tokens written; words, pairs: distinct words and pairs
    held after counting; len_vocab: gensim's ``len(vocab)``; pruned: entries
    dropped by the table limit, prunings: how many times it was reached.
    """
    phrases: dict
    tokens: int
    tokens_out: int
    words: int
    pairs: int
    len_vocab: int
    pruned: int
    prunings: int


@dataclass
class PhraseStats:
    """A whole run: passes (list of PhrasePass), lines, seconds, bytes of the
    input that were not valid in its encoding (replaced_bytes)."""
    passes: list
    lines: int
    seconds: float
    replaced_bytes: int = 0


def check_options(passes=1, min_count=5, threshold=100.0, scoring="default", delimiter="_",
                  max_table=DEFAULTS["max_table"]):
    """Raise ValueError (one line) for options gensim or the output cannot take."""
    if scoring not in SCORINGS:
        raise ValueError(f"scoring must be 'default' or 'npmi', got {scoring!r}")
    if passes < 1:
        raise ValueError(f"passes must be at least 1, got {passes}")
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    if scoring == "default" and not threshold > 0:
        raise ValueError(f"threshold must be above 0 for the default scoring, got {threshold}")
    if scoring == "npmi" and not -1 < threshold <= 1:
        raise ValueError(f"threshold must be in (-1, 1] for npmi scoring, got {threshold}")
    if not delimiter or any(c.isspace() for c in delimiter):
        raise ValueError(f"delimiter must be a non-empty text without whitespace, "
                         f"got {delimiter!r}")
    if max_table < 1:
        raise ValueError(f"max_table must be at least 1, got {max_table}")


def apply_phrases(corpus, out_path, passes=DEFAULTS["passes"], min_count=DEFAULTS["min_count"],
                  threshold=DEFAULTS["threshold"], scoring=DEFAULTS["scoring"],
                  delimiter=DEFAULTS["delimiter"], max_table=DEFAULTS["max_table"],
                  tokenizer="keras", lower=True, encoding="utf-8", progress=False):
    """Join the phrases of ``corpus`` in ``passes`` passes and write the text to ``out_path``.

    corpus: a path (plain, .gz, .bz2, '-' for standard input), read with
    ``tokenizer`` ('keras' or 'whitespace'), ``lower`` and ``encoding`` as
    ``skipgram`` reads it, or an iterable of lines (str). out_path is written
    atomically (UTF-8, one line per input line, tokens separated by spaces;
    read it back with the whitespace tokenizer, without lower-casing).
    Returns PhraseStats.
    """
    from ..io import TextSource, atomic_output
    from ..kernels.phrase_kernels import text_block
    from ..progress import progress_lines

    check_options(passes, min_count, threshold, scoring, delimiter, max_table)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="textembed-phrases-") as scratch:
        ids_path = os.path.join(scratch, "corpus.ids")
        replaced = 0
        if isinstance(corpus, (str, os.PathLike)):
            source = TextSource(os.fspath(corpus), encoding)
            encoded = encode_lines(progress_lines(source, "reading", show=progress), ids_path,
                                   tokenizer, lower, chunk_chars=_CHUNK_CHARS)
            replaced = source.replaced
        else:
            encoded = encode_lines(corpus, ids_path, tokenizer, lower,
                                   chunk_chars=_CHUNK_CHARS)
        words, ids_path, found = _run_passes(encoded.words, ids_path, scratch, passes,
                                             min_count, threshold, scoring, delimiter,
                                             max_table, progress)
        buf, starts, ends = encode_words(words)
        state = np.zeros(1, np.int64)
        with atomic_output(os.fspath(out_path), "wb") as out:
            for block in read_blocks(ids_path, _BLOCK_TOKENS):
                out.write(text_block(block, buf, starts, ends, state))
    return PhraseStats(found, encoded.n_lines, time.perf_counter() - started, replaced)


def phrase_sentences(sentences, passes=DEFAULTS["passes"], min_count=DEFAULTS["min_count"],
                     threshold=DEFAULTS["threshold"], scoring=DEFAULTS["scoring"],
                     delimiter=DEFAULTS["delimiter"], max_table=DEFAULTS["max_table"]):
    """In memory: ``sentences`` (iterable of lists of str, used as they are) with
    their phrases joined, as gensim's ``phrases[sentence]`` gives them after
    ``passes`` passes. Returns (list of lists of str, PhraseStats)."""
    check_options(passes, min_count, threshold, scoring, delimiter, max_table)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="textembed-phrases-") as scratch:
        ids_path = os.path.join(scratch, "corpus.ids")
        encoded = encode_sentences(sentences, ids_path)
        words, ids_path, found = _run_passes(encoded.words, ids_path, scratch, passes,
                                             min_count, threshold, scoring, delimiter,
                                             max_table, False)
        ids = np.fromfile(ids_path, np.int32)
    ends = np.flatnonzero(ids < 0)
    out, begin = [], 0
    for end in ends.tolist():
        out.append([words[i] for i in ids[begin:end].tolist()])
        begin = end + 1
    return out, PhraseStats(found, encoded.n_lines, time.perf_counter() - started)


def _run_passes(words, ids_path, scratch, passes, min_count, threshold, scoring, delimiter,
                max_table, progress):
    """Run the passes over the id file; returns (words, final id file, list of PhrasePass)."""
    found = []
    words = list(words)
    for number in range(1, passes + 1):
        out_path = os.path.join(scratch, f"pass{number}.ids")
        words, result = phrase_pass(ids_path, out_path, words, min_count, threshold, scoring,
                                    delimiter, max_table, progress and f"phrases, pass {number}")
        found.append(result)
        os.unlink(ids_path)  # a scratch file, read no more
        ids_path = out_path
    return words, ids_path, found


def phrase_pass(ids_path, out_path, words, min_count, threshold, scoring, delimiter,
                max_table=DEFAULTS["max_table"], progress=None):
    """One pass: count ``ids_path`` (int32 ids, -1 after each line; ``words``
    the text of each id), score the pairs, write the joined stream to
    ``out_path``. Returns (words with the new phrases appended, PhrasePass).
    ``progress``: a description for a progress bar, or None for none."""
    from ..kernels import phrase_kernels as pk

    unigrams = np.zeros(len(words), np.int64)
    keys = np.full(_FIRST_CAPACITY, pk.EMPTY, np.int64)
    counts = np.zeros(_FIRST_CAPACITY, np.int64)
    state = np.zeros(pk.COUNT_STATE_SIZE, np.int64)
    state[pk.S_PREV] = -1
    state[pk.S_MIN_REDUCE] = 1
    state[pk.S_MAX_TABLE] = max_table
    bar = _bar(ids_path, progress)
    try:
        for block in read_blocks(ids_path, _BLOCK_TOKENS):
            keys, counts = pk.count_block(block, unigrams, keys, counts, state)
            _advance(bar, len(block))
        merged = merge_same_text(words, delimiter, unigrams, keys, counts)
        len_vocab = int(state[pk.S_WORDS] + state[pk.S_PAIRS]) - merged
        code = pk.DEFAULT if scoring == "default" else pk.NPMI
        phrase_keys, scores, pair_counts = pk.score_pairs(
            keys, counts, unigrams, code, min_count, float(threshold), len_vocab,
            int(state[pk.S_TOKENS]))
        del keys, counts
        words, phrase_ids, phrases = _name_phrases(words, phrase_keys, scores, pair_counts,
                                                   delimiter)
        starts_phrase = np.zeros(len(unigrams), np.bool_)
        starts_phrase[(phrase_keys >> 32).astype(np.int64)] = True
        join_state = np.full(1, -1, np.int64)
        tokens_out = 0
        with open(out_path, "wb") as out:
            for block in read_blocks(ids_path, _BLOCK_TOKENS):
                joined = pk.join_block(block, starts_phrase, phrase_keys, phrase_ids, join_state)
                joined.tofile(out)
                tokens_out += int(np.count_nonzero(joined >= 0))
                _advance(bar, len(block))
    finally:
        if bar is not None:
            bar.close()
    return words, PhrasePass(phrases, int(state[pk.S_TOKENS]), tokens_out,
                             int(state[pk.S_WORDS]), int(state[pk.S_PAIRS]), len_vocab,
                             int(state[pk.S_PRUNED]), int(state[pk.S_PRUNINGS]))


def merge_same_text(words, delimiter, unigrams, keys, counts):
    """Give the entries that gensim keys by the same text one shared count.

    gensim counts a word under its text and a pair under
    ``word_a + delimiter + word_b``: a token ``x_y`` and the pair (x, y), or
    the pairs (``x_y``, z) and (x, ``y_z``), are one entry there. Only texts
    holding the delimiter can meet, so nothing is done unless a counted word
    holds it. Updates unigrams (int64 (n_words,)) and the table's counts in
    place; returns how many entries merged into others (to subtract from the
    number of distinct entries).
    """
    from ..kernels.phrase_kernels import EMPTY, find_slots

    has_delimiter = np.fromiter((delimiter in w for w in words), np.bool_, len(words))
    has_delimiter &= unigrams > 0
    if not has_delimiter.any():
        return 0
    used = np.flatnonzero(keys != EMPTY)
    first, second = keys[used] >> 32, keys[used] & 0xFFFFFFFF
    slots = used[has_delimiter[first] | has_delimiter[second]]
    # the pairs whose text is a counted word: (x, y) for x_y
    index = {w: i for i, w in enumerate(words)}
    wanted = []
    for w in np.flatnonzero(has_delimiter).tolist():
        text = words[w]
        at = text.find(delimiter)
        while at >= 0:
            a = index.get(text[:at])
            b = index.get(text[at + len(delimiter):])
            if a is not None and b is not None:
                wanted.append((a << 32) | b)
            at = text.find(delimiter, at + 1)
    if wanted:
        found = find_slots(keys, np.array(wanted, np.int64))
        slots = np.union1d(slots, found[found >= 0])
    groups = {}
    for slot, key in zip(slots.tolist(), keys[slots].tolist()):
        text = words[key >> 32] + delimiter + words[key & 0xFFFFFFFF]
        groups.setdefault(text, []).append(slot)
    merged = 0
    for text, members in groups.items():
        w = index.get(text)
        alone = w is None or unigrams[w] <= 0
        if alone and len(members) == 1:
            continue
        total = int(counts[members].sum()) + (0 if alone else int(unigrams[w]))
        counts[members] = total
        if not alone:
            unigrams[w] = total
        merged += len(members) - (1 if alone else 0)
    return merged


def _name_phrases(words, phrase_keys, scores, pair_counts, delimiter):
    """The phrases' texts and ids: a text already a word keeps that word's id.

    Returns (words extended, phrase ids int32 (p,), dict text -> (score, count)).
    """
    firsts = (phrase_keys >> 32).tolist()
    seconds = (phrase_keys & 0xFFFFFFFF).tolist()
    texts = [words[a] + delimiter + words[b] for a, b in zip(firsts, seconds)]
    index = None
    if any(delimiter in w for w in words):
        index = {w: i for i, w in enumerate(words)}
    words = list(words)
    new = {}
    phrase_ids = np.empty(len(texts), np.int32)
    for j, text in enumerate(texts):
        i = index.get(text) if index is not None else None
        if i is None:
            i = new.get(text)
            if i is None:
                i = new[text] = len(words)
                words.append(text)
        phrase_ids[j] = i
    if len(words) >= 1 << 31:
        raise ValueError("more than 2**31 distinct words and phrases")
    phrases = {text: (score, count) for text, score, count
               in zip(texts, scores.tolist(), pair_counts.tolist())}
    return words, phrase_ids, phrases


def _bar(ids_path, description):
    if not description:
        return None
    from tqdm import tqdm
    import sys

    return tqdm(total=2 * (os.path.getsize(ids_path) // 4), unit=" tokens", unit_scale=True,
                desc=description, file=sys.stderr, leave=False, dynamic_ncols=True)


def _advance(bar, n):
    if bar is not None:
        bar.update(n)
