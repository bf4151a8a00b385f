"""Intrinsic evaluation of word vectors: analogies and word-pair similarity.

* Analogy files (Mikolov et al. 2013, ``questions-words.txt``): ``: section``
  lines, then questions ``a b c d`` meaning "a is to b as c is to d".
* Word-pair files (WordSim-353, SimLex-999): ``word1<TAB>word2<TAB>score``
  (tab- or whitespace-separated, further columns ignored), ``#`` comment lines.

The parsers stream the file through :class:`~textembed.io.TextSource` and
raise :class:`~textembed.io.InputError` naming the file and line. The math
(rank correlation, batched 3CosAdd) is plain numpy.
"""
import os

import numpy as np

from ..io import InputError, TextSource

NO_SECTION = "(no section)"


def _content_lines(source):
    """Yield ``(lineno, stripped line)`` for the lines that are neither blank nor ``#`` comments."""
    for lineno, line in enumerate(source, 1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield lineno, line


def iter_analogies(path, encoding="utf-8"):
    """Yield ``(section, lineno, [a, b, c, d])`` for each question of ``path``."""
    source = TextSource(os.fspath(path), encoding)
    section = NO_SECTION
    for lineno, line in _content_lines(source):
        if line.startswith(":"):
            section = line[1:].strip() or NO_SECTION
            continue
        words = line.split()
        if len(words) != 4:
            raise InputError(f"{source.name}: line {lineno}: expected a question of 4 words "
                             f"'a b c d' (or a ': section' line), found {len(words)} "
                             f"word(s)")
        yield section, lineno, words


def iter_word_pairs(path, encoding="utf-8"):
    """Yield ``(lineno, word1, word2, score)`` for each pair of ``path``.

    Fields are separated by tabs when the line has one, else by whitespace;
    columns after the third are ignored. A first non-comment line whose score
    is not a number is taken for a column header and skipped.
    """
    source = TextSource(os.fspath(path), encoding)
    first = True
    for lineno, stripped in _content_lines(source):
        fields = [field.strip() for field in stripped.split("\t")] if "\t" in stripped \
            else stripped.split()
        if len(fields) < 3:
            raise InputError(f"{source.name}: line {lineno}: expected "
                             f"'word1<TAB>word2<TAB>score', found {len(fields)} field(s)")
        try:
            score = float(fields[2])
        except ValueError:
            if first:
                first = False
                continue
            raise InputError(f"{source.name}: line {lineno}: the score {fields[2]!r} "
                             "is not a number") from None
        first = False
        yield lineno, fields[0], fields[1], score


def rankdata(values):
    """float64 (n,): ranks 1..n of ``values``, ties given their average rank."""
    values = np.asarray(values, dtype=np.float64).ravel()
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    new_group = np.empty(len(values), dtype=bool)
    new_group[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_group[1:])
    starts = np.flatnonzero(new_group)
    ends = np.append(starts[1:], len(values))
    average = (starts + ends + 1) / 2.0  # mean of the 1-based ranks start+1 .. end
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = average[np.cumsum(new_group) - 1]
    return ranks


def pearson(x, y):
    """Pearson correlation of two float sequences; nan when one is constant or n < 2."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length ({len(x)} and {len(y)})")
    if len(x) < 2:
        return float("nan")
    x = x - x.mean()
    y = y - y.mean()
    denominator = np.sqrt(np.dot(x, x) * np.dot(y, y))
    if denominator == 0:
        return float("nan")
    return float(np.clip(np.dot(x, y) / denominator, -1.0, 1.0))


def spearman(x, y):
    """Spearman rank correlation (ties get average ranks); nan when undefined."""
    return pearson(rankdata(x), rankdata(y))


def candidate_vocabulary(words, limit, case_insensitive):
    """The evaluation vocabulary: the first ``limit`` words (most frequent).

    Returns ``(lookup, canonical, variants)``: ``lookup`` maps a (lower-cased
    when ``case_insensitive``) word to its row, the most frequent spelling
    winning; ``canonical`` int64 (limit,) maps each row to that row;
    ``variants`` maps a canonical row having other spellings to all its rows
    (int64 array).
    """
    lookup = {}
    canonical = np.arange(limit, dtype=np.int64)
    variants = {}
    for row in range(limit):
        key = words[row].lower() if case_insensitive else words[row]
        first = lookup.setdefault(key, row)
        if first != row:
            canonical[row] = first
            variants.setdefault(first, [first]).append(row)
    variants = {row: np.asarray(rows, dtype=np.int64) for row, rows in variants.items()}
    return lookup, canonical, variants


def predict_analogies(unit, questions, limit, variants=None, batch_size=256):
    """3CosAdd answers: for each row (a, b, c), argmax over the first ``limit``
    rows of cos(x, b - a + c) with x not one of a, b, c (nor their other
    spellings in ``variants``).

    unit: float32 (V, D) unit-normalized vectors; questions: int64 (n, 3)
    rows of a, b, c. Returns int64 (n,) predicted rows. One float32 matrix
    product per batch of ``batch_size`` questions.
    """
    questions = np.asarray(questions, dtype=np.int64).reshape(-1, 3)
    candidates = unit[:limit]
    predicted = np.empty(len(questions), dtype=np.int64)
    variants = variants or {}
    for start in range(0, len(questions), batch_size):
        batch = questions[start:start + batch_size]
        a, b, c = batch[:, 0], batch[:, 1], batch[:, 2]
        query = unit[b] - unit[a] + unit[c]
        scores = query @ candidates.T  # (batch, limit) float32
        rows = np.repeat(np.arange(len(batch)), 3)
        scores[rows, batch.ravel()] = -np.inf
        if variants:
            for i, question in enumerate(batch.tolist()):
                for row in question:
                    spellings = variants.get(row)
                    if spellings is not None:
                        scores[i, spellings] = -np.inf
        predicted[start:start + len(batch)] = np.argmax(scores, axis=1)
    return predicted


def cosine_rows(vectors, first, second):
    """float64 (n,): cosine similarity of rows ``first[i]`` and ``second[i]``
    (0 where a vector is all zeros)."""
    x = vectors[first].astype(np.float64)
    y = vectors[second].astype(np.float64)
    norms = np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1)
    dots = np.einsum("ij,ij->i", x, y)
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
