"""textembed.word2vec.vectors: the WordVectors object, its queries and the
out-of-vocabulary messages."""
import numpy as np
import pytest

from textembed.word2vec import WordVectors, load_word2vec_format
from textembed.word2vec.vectors import NotInVocabularyError

from word2vectest import random_vectors


# ------------------------------------------------------------------ the object

def test_lookups_and_attributes():
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    wv = WordVectors(["a", "b", "c", "d"], vectors, counts=[9, 5, 5, 2])
    assert len(wv) == 4 and wv.vector_size == 3
    assert "c" in wv and "z" not in wv
    assert wv.index == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert wv.words == ["a", "b", "c", "d"]
    assert wv.vectors is vectors  # float32 C-contiguous input is not copied
    assert wv.counts.dtype == np.int64 and wv.counts.tolist() == [9, 5, 5, 2]
    assert wv["b"].dtype == np.float32 and wv["b"].tolist() == [3.0, 4.0, 5.0]
    assert wv[["d", "a"]].tolist() == [[9.0, 10.0, 11.0], [0.0, 1.0, 2.0]]
    assert wv[[]].shape == (0, 3)


@pytest.mark.parametrize("words, vectors, fragment", [
    (["a", "a"], np.zeros((2, 2)), "appears twice"),
    (["a", "b"], np.zeros((3, 2)), "V = 2"),
    (["a"], np.zeros(2), "(V, D)"),
    ([], np.zeros((0, 2)), "at least one word"),
])
def test_constructor_refuses_bad_input(words, vectors, fragment):
    with pytest.raises(ValueError) as info:
        WordVectors(words, vectors)
    assert fragment in str(info.value)


def brute_force_neighbours(vectors, positive, negative, restrict=None):
    unit = vectors.astype(np.float64)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    query = sum(unit[i] for i in positive) - sum((unit[i] for i in negative), np.zeros(unit.shape[1]))
    query /= np.linalg.norm(query)
    scores = unit[:restrict] @ query
    order = [i for i in np.argsort(-scores) if i not in set(positive) | set(negative)]
    return order, scores


@pytest.mark.parametrize("positive, negative, restrict", [
    ([3], [], None), ([1, 7], [4], None), ([5], [], 20), ([], [2], None),
])
def test_most_similar_matches_brute_force(positive, negative, restrict):
    wv = random_vectors(40, 8)
    order, scores = brute_force_neighbours(wv.vectors, positive, negative, restrict)
    result = wv.most_similar(positive=[f"w{i}" for i in positive],
                             negative=[f"w{i}" for i in negative], topn=5,
                             restrict_vocab=restrict)
    assert [word for word, _ in result] == [f"w{i}" for i in order[:5]]
    assert [s for _, s in result] == pytest.approx([scores[i] for i in order[:5]], abs=1e-5)
    assert all(isinstance(s, float) for _, s in result)
    if restrict:
        assert all(int(word[1:]) < restrict for word, _ in result)


def test_most_similar_single_word_vector_query_and_topn_none():
    wv = random_vectors(30, 6)
    assert wv.most_similar("w2", topn=3) == wv.most_similar(positive=["w2"], topn=3)
    everything = wv.most_similar("w2", topn=None)
    assert len(everything) == 29 and "w2" not in dict(everything)
    # a raw vector query excludes nothing: the word itself comes first, at 1.0
    by_vector = wv.most_similar(positive=[wv["w2"] * 3], topn=2)
    assert by_vector[0][0] == "w2" and by_vector[0][1] == pytest.approx(1.0, abs=1e-6)
    assert by_vector[1][0] == everything[0][0]
    assert by_vector[1][1] == pytest.approx(everything[0][1], abs=1e-6)
    with pytest.raises(ValueError):
        wv.most_similar()
    with pytest.raises(ValueError):
        wv.most_similar("w1", topn=0)


def test_similarity_is_cosine():
    wv = random_vectors(10, 5)
    x, y = wv.vectors[2].astype(np.float64), wv.vectors[7].astype(np.float64)
    expected = x @ y / np.linalg.norm(x) / np.linalg.norm(y)
    assert wv.similarity("w2", "w7") == pytest.approx(expected, abs=1e-6)
    assert wv.similarity("w7", "w7") == pytest.approx(1.0, abs=1e-6)
    assert isinstance(wv.similarity("w2", "w7"), float)


def test_zero_vector_has_zero_similarity():
    wv = WordVectors(["a", "b", "c"], np.array([[1, 0], [0, 0], [1, 1]], dtype=np.float32))
    assert wv.similarity("a", "b") == 0.0
    assert wv.most_similar("a", topn=2) == [("c", pytest.approx(2 ** -0.5)), ("b", 0.0)]


# ------------------------------------------------------------------ out-of-vocabulary

def trained_vectors():
    return WordVectors(["the", "cat", "Sat"], np.eye(3, dtype=np.float32),
                       counts=[10, 7, 6], pruned={"rare": 3, "once": 1, "common": 6},
                       min_count=5)


@pytest.mark.parametrize("wv, word, message", [
    (trained_vectors(), "rare", "'rare' is not in the vocabulary: it was seen 3 times in the "
                                "corpus, below min_count=5"),
    (trained_vectors(), "once", "'once' is not in the vocabulary: it was seen 1 time in the "
                                "corpus, below min_count=5"),
    (trained_vectors(), "common", "'common' is not in the vocabulary: it was seen 6 times in "
                                  "the corpus, but the vocabulary was cut to the 3 most "
                                  "frequent words"),
    (trained_vectors(), "dog", "'dog' is not in the vocabulary: it was never seen in the "
                               "training corpus"),
    (trained_vectors(), "sat", "'sat' is not in the vocabulary: it was never seen in the "
                               "training corpus (did you mean 'Sat'?)"),
    (WordVectors(["a"] , np.ones((1, 2)), source="vectors.txt"), "b",
     "'b' is not in the vocabulary: not among the 1 words of vectors.txt"),
    (WordVectors(["a"], np.ones((1, 2))), "b", "'b' is not in the vocabulary: not among the 1 words"),
])
def test_oov_messages_say_why(wv, word, message):
    for query in (lambda: wv[word], lambda: wv.similarity("the" if "the" in wv else "a", word),
                  lambda: wv.most_similar(word), lambda: wv[[word]]):
        with pytest.raises(KeyError) as info:
            query()
        assert isinstance(info.value, NotInVocabularyError)
        assert str(info.value) == message
        assert info.value.word == word


def test_oov_message_of_a_loaded_file_counts_its_words(tmp_path):
    path = tmp_path / "vectors.txt"
    random_vectors(1234, 4).save_word2vec_format(path)
    wv = load_word2vec_format(path)
    with pytest.raises(KeyError) as info:
        wv["foo"]
    assert str(info.value) == f"'foo' is not in the vocabulary: not among the 1,234 words of {path}"
