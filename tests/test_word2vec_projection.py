"""word2vec.projection: PCA to two dimensions, checked against numpy's eigenvectors of the
covariance, and the words of a map (queries with their nearest neighbours)."""
import numpy as np
import pytest

from textembed.word2vec import WordVectors
from textembed.word2vec.projection import explained_variance, neighbourhoods, pca_2d
from textembed.word2vec.vectors import NotInVocabularyError

from word2vectest import random_vectors


def test_pca_keeps_the_two_directions_of_largest_variance():
    rng = np.random.default_rng(0)
    # most of the spread along (1, 1, 0, ...), some along (0, 0, 1, ...), noise elsewhere
    x = (rng.normal(size=(200, 1)) * 5 * np.array([1, 1, 0, 0, 0]) / np.sqrt(2)
         + rng.normal(size=(200, 1)) * 2 * np.array([0, 0, 1, 0, 0])
         + rng.normal(size=(200, 5)) * 0.1 + 3.0)
    points = pca_2d(x)
    centred = x - x.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred.T))
    top = vectors[:, ::-1][:, :2]
    expected = centred @ top
    for j in range(2):  # the same axes, up to their sign
        assert np.allclose(points[:, j], expected[:, j]) or np.allclose(points[:, j],
                                                                        -expected[:, j])
        assert points[:, j].max() >= -points[:, j].min()
    assert points[:, 0].var() > points[:, 1].var()
    assert explained_variance(x, points) == pytest.approx(values[-2:].sum() / values.sum())


def test_pca_of_too_few_points_or_dimensions():
    assert pca_2d(np.ones((1, 4))).tolist() == [[0.0, 0.0]]
    line = pca_2d(np.array([[0.0], [1.0], [3.0]]))
    assert line[:, 1].tolist() == [0.0, 0.0, 0.0]
    assert sorted(np.round(line[:, 0], 6).tolist()) == pytest.approx([-4 / 3, -1 / 3, 5 / 3])


def test_each_query_comes_with_its_nearest_neighbours_once():
    vectors = random_vectors(40, 8, seed=1)
    words, groups = neighbourhoods(vectors, ["w3", "w7", "w3"], 4)
    assert words[0] == "w3" and groups.tolist() == [0] * 5 + [1] * 5
    assert words[1:5] == [w for w, _ in vectors.most_similar("w3", topn=5)
                          if w != "w7"][:4]
    assert words[5] == "w7" and len(set(words)) == len(words) == 10
    assert neighbourhoods(vectors, ["w3"], 0) == (["w3"], pytest.approx([0]))


def test_a_shared_neighbour_goes_with_the_first_query():
    # c and d are a's nearest after b (a query itself); b's are c, a, e, d: e is left
    rows = {"a": [1, 0.1], "b": [1, -0.1], "c": [1, 0], "d": [0.8, 0.5], "e": [0.8, -0.5]}
    vectors = WordVectors(list(rows), np.array(list(rows.values()), np.float32))
    words, groups = neighbourhoods(vectors, ["a", "b"], 2)
    assert words == ["a", "c", "d", "b", "e"] and groups.tolist() == [0, 0, 0, 1, 1]


def test_a_missing_word_is_named():
    with pytest.raises(NotInVocabularyError, match="'nope' is not in the vocabulary"):
        neighbourhoods(random_vectors(), ["w1", "nope"], 3)
