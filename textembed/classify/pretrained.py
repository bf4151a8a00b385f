"""Pretrained word vectors for the classifier: reading them, the vocabulary rows
they initialise, and vocabulary expansion after training.

Expansion: words of the vectors that the training texts lack join the
vocabulary after training. Each network's trained embedding is predicted
from the pretrained vectors by ridge regression fitted on the training words
both know; a new word's row is that prediction of its pretrained vector.
"""
import numpy as np

from ..io import InputError

_HINT = "(expected word2vec text or binary vectors, e.g. from 'textembed skipgram')"


def vectors_dim(path):
    """The dimension of the vectors in ``path`` (reads the header only)."""
    from ..word2vec.formats import read_shape
    try:
        return read_shape(path)[1]
    except InputError as error:
        raise InputError(f"--pretrained {error} {_HINT}") from None


def read_vectors(path, dim):
    """(words list of str, vectors float32 (n, dim)) of the file at ``path``."""
    from ..word2vec.formats import read_word2vec
    try:
        words, vectors = read_word2vec(path)
    except InputError as error:
        raise InputError(f"--pretrained {error} {_HINT}") from None
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise InputError(f"--pretrained {path}: not a word2vec vectors file ({error})") from None
    if vectors.shape[1] != dim:
        raise InputError(f"--pretrained {path}: vectors have {vectors.shape[1]} dimensions "
                         f"but embed_dim is {dim}; leave embed_dim unset or give "
                         f"{vectors.shape[1]}")
    return words, vectors


def vocabulary_rows(tokenizer, num_words, words):
    """The tokenizer's words found among ``words`` (as they are, else lower-cased).

    num_words: the vocabulary limit (None: all). Returns (ids int64 (k,)
    vocabulary ids, rows int64 (k,) their rows in ``words``, coverage dict:
    words, vocabulary, word_coverage, token_coverage).
    """
    row_of = {w: i for i, w in enumerate(words)}
    index_word = tokenizer.index_word
    n_words = min(len(index_word) + 1, num_words or 1 << 62)
    ids, rows, found_tokens, total_tokens = [], [], 0, 0
    counts = tokenizer.word_counts
    for i in range(1, n_words):
        word = index_word[i]
        j = row_of.get(word)
        if j is None:
            j = row_of.get(word.lower())
        count = counts.get(word, 0)
        total_tokens += count
        if j is not None:
            ids.append(i)
            rows.append(j)
            found_tokens += count
    coverage = {"words": len(ids), "vocabulary": n_words - 1,
                "word_coverage": len(ids) / max(n_words - 1, 1),
                "token_coverage": found_tokens / max(total_tokens, 1)}
    return np.asarray(ids, dtype=np.int64), np.asarray(rows, dtype=np.int64), coverage


def rescale_factor(vectors, target):
    """float32 factor taking the std of ``vectors`` to ``target`` (1 when target is None)."""
    scale = float(np.std(vectors)) if vectors.size else 0.0
    return np.float32(target / scale) if target and scale else np.float32(1.0)


def expansion_plan(tokenizer, recipe, words, vectors, ids, rows):
    """What vocabulary expansion needs from the pretrained file, taken before
    training so that the whole file need not be kept.

    The candidates are the file's first ``recipe["expand_vocabulary"]`` words
    that the tokenizer could produce (lower-cased, one token) and does not
    know. ``ids``, ``rows``: from :func:`vocabulary_rows`. Returns None if
    there is nothing to add, else a dict: ``fit_ids`` int64 (m,) training
    words seen at least ``expand_min_count`` times, ``fit_vectors`` float32
    (m, dim) their pretrained vectors, ``words`` (list of k str) and
    ``vectors`` float32 (k, dim) the words to add.
    """
    from ..text import text_to_word_sequence
    counts = tokenizer.word_counts
    index_word = tokenizer.index_word
    fit = np.array([counts.get(index_word[i], 0) >= recipe["expand_min_count"] for i in ids],
                   dtype=bool)
    if fit.sum() < 2:
        return None
    word_index = tokenizer.word_index
    new_words, new_rows, seen = [], [], set()
    for j, word in enumerate(words[:recipe["expand_vocabulary"]]):
        key = word.lower()
        if key in word_index or key in seen:
            continue
        if text_to_word_sequence(key, recipe["token_filters"]) != [key]:
            continue
        seen.add(key)
        new_words.append(key)
        new_rows.append(j)
    if not new_words:
        return None
    return {"fit_ids": ids[fit], "fit_vectors": vectors[rows[fit]],
            "words": new_words, "vectors": vectors[np.asarray(new_rows)]}


def expand_vocabulary(tokenizer, members, plan, first_id, ridge):
    """Add the planned words to ``tokenizer`` and every member network; returns how many.

    first_id: the id of the first new word (after the embedding's rows);
    ridge: the regularisation, times the mean eigenvalue of the Gram matrix.
    """
    p = plan["fit_vectors"].astype(np.float64)
    gram = p.T @ p
    gram[np.diag_indices_from(gram)] += ridge * np.trace(gram) / len(gram)
    source = plan["vectors"].astype(np.float64)
    for model in members:
        embedding = model.layers[0]
        trained = embedding.get_weights()[0][plan["fit_ids"]].astype(np.float64)
        mapping = np.linalg.solve(gram, p.T @ trained)
        embedding.add_rows((source @ mapping).astype(np.float32))
    for k, word in enumerate(plan["words"]):
        tokenizer.word_index[word] = first_id + k
        tokenizer.index_word[first_id + k] = word
    return len(plan["words"])
