"""Word vectors on a plane: principal component analysis (numpy's SVD), and the words of
a map (some query words with their nearest neighbours), for ``textembed plot``."""
import numpy as np


def pca_2d(matrix):
    """float64 (n, 2): the rows of ``matrix`` (n, d), centred, on their first two
    principal axes (zeros where there are fewer than two). Each axis is turned so that
    its largest coordinate is positive (the same picture from the same vectors)."""
    x = np.asarray(matrix, np.float64)
    x = x - x.mean(axis=0)
    out = np.zeros((len(x), 2))
    if len(x) < 2:
        return out
    _, _, axes = np.linalg.svd(x, full_matrices=False)
    k = min(2, axes.shape[0])
    out[:, :k] = x @ axes[:k].T
    for j in range(k):
        if -out[:, j].min() > out[:, j].max():
            out[:, j] = -out[:, j]
    return out


def explained_variance(matrix, points):
    """The share (float in [0, 1]) of the centred ``matrix``'s variance that ``points``
    (its :func:`pca_2d`) keep."""
    x = np.asarray(matrix, np.float64)
    total = float(np.sum((x - x.mean(axis=0)) ** 2))
    return float(np.sum(points ** 2)) / total if total > 0 else 1.0


def neighbourhoods(vectors, queries, n):
    """The words of a map: each query word followed by its ``n`` nearest neighbours
    (cosine similarity, :meth:`WordVectors.most_similar`).

    Returns (words list of str, groups int64 (m,) the query each word belongs to). A
    word appears once: a neighbour of several queries goes with the first, and a query
    word is never another query's neighbour. A missing word raises
    :class:`~.vectors.NotInVocabularyError`.
    """
    queries = list(dict.fromkeys(queries))
    for word in queries:
        vectors.row(word)  # the error that names a missing word
    words, groups = list(queries), list(range(len(queries)))
    seen = set(queries)
    for g, query in enumerate(queries):
        if n < 1:
            continue
        # enough candidates for n new words, whatever the earlier groups took
        for word, _ in vectors.most_similar(query, topn=min(n + len(seen), len(vectors))):
            if word in seen:
                continue
            words.append(word)
            groups.append(g)
            seen.add(word)
            if groups.count(g) > n:
                break
    order = np.argsort(np.asarray(groups), kind="stable")
    return [words[i] for i in order], np.asarray(groups, np.int64)[order]
