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


# ------------------------------------------------------------------ gensim's queries

ROOT_DIR = __import__("pathlib").Path(__file__).resolve().parents[1]


def _sample_trained():
    from textembed.word2vec import train

    lines = (ROOT_DIR / "data" / "sample_corpus.txt").read_text().splitlines()[:4000]
    return train([line.split() for line in lines], dim=16, epochs=1, min_count=1,
                 threads=1, seed=1)


@pytest.fixture(scope="module", params=["random", "sample"])
def both(request):
    """The same vectors as our WordVectors and as gensim's KeyedVectors."""
    gensim = pytest.importorskip("gensim")
    ours = random_vectors(300, 12, seed=5) if request.param == "random" else _sample_trained()
    theirs = gensim.models.KeyedVectors(ours.vector_size)
    theirs.add_vectors(ours.words, ours.vectors.copy())
    return ours, theirs


def _agree(ours, theirs):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], abs=1e-5)


def _queries(wv):
    w = wv.words
    return [([w[3]], []), ([w[1], w[7]], [w[4]]), ([], [w[2]]), ([w[5], w[9], w[11]], [w[6], w[8]]),
            ([(w[2], 2.5), w[10]], [(w[12], -0.5)]), ([wv.vectors[4] * 3, w[20]], [])]


def test_most_similar_gives_gensims_answers(both):
    ours, theirs = both
    for positive, negative in _queries(ours):
        for topn, restrict in ((10, None), (5, 40), (1, None)):
            _agree(ours.most_similar(positive, negative, topn=topn, restrict_vocab=restrict),
                   theirs.most_similar(positive, negative, topn=topn, restrict_vocab=restrict))
    everything = ours.most_similar(ours.words[3], topn=None)
    assert np.allclose(sorted(s for _, s in everything),
                       np.delete(np.sort(theirs.most_similar(ours.words[3], topn=None)), -1),
                       atol=1e-5)


@pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`:DeprecationWarning")
def test_most_similar_cosmul_gives_gensims_answers(both):
    ours, theirs = both
    for positive, negative in _queries(ours):
        if not positive or isinstance(positive[0], tuple):
            continue  # gensim's cosmul takes neither weights nor an empty positive list
        for topn in (10, 3):
            _agree(ours.most_similar_cosmul(positive, negative, topn=topn),
                   theirs.most_similar_cosmul(positive, negative, topn=topn))
    # with one positive word, the ranking of most_similar
    word = ours.words[7]
    assert [w for w, _ in ours.most_similar_cosmul(word)] == [w for w, _ in ours.most_similar(word)]
    # gensim 4.4 ignores restrict_vocab here; ours looks only among the first N words
    restricted = ours.most_similar_cosmul([ours.words[1], ours.words[2]], [ours.words[3]],
                                          topn=5, restrict_vocab=30)
    assert all(ours.index[w] < 30 for w, _ in restricted) and len(restricted) == 5
    with pytest.raises(ValueError):
        ours.most_similar_cosmul(negative=[ours.words[1]])


def test_doesnt_match_and_n_similarity_give_gensims_answers(both):
    ours, theirs = both
    rng = np.random.default_rng(0)
    for size in (2, 3, 5, 8):
        for _ in range(20):
            words = [ours.words[i] for i in rng.choice(min(len(ours), 100), size, replace=False)]
            assert ours.doesnt_match(words) == theirs.doesnt_match(words)
            other = [ours.words[i] for i in rng.choice(len(ours), 3, replace=False)]
            assert ours.n_similarity(words, other) == pytest.approx(
                float(theirs.n_similarity(words, other)), abs=1e-5)
    assert ours.n_similarity(ours.words[:1], ours.words[:1]) == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError):
        ours.n_similarity([], ours.words[:1])
    with pytest.raises(ValueError):
        ours.doesnt_match([])


@pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`:DeprecationWarning")
def test_unknown_words_raise_the_helpful_error_where_gensim_raises_keyerror(both):
    ours, theirs = both
    known = ours.words[1]
    for query in ("most_similar", "most_similar_cosmul"):
        with pytest.raises(KeyError):
            getattr(theirs, query)([known, "nosuchword"])
        with pytest.raises(NotInVocabularyError) as info:
            getattr(ours, query)([known, "nosuchword"])
        assert str(info.value).startswith("'nosuchword' is not in the vocabulary: ")
    # gensim leaves unknown words out of doesnt_match and n_similarity; ours says so
    for call in (lambda: ours.doesnt_match([known, ours.words[2], "nosuchword"]),
                 lambda: ours.n_similarity([known], ["nosuchword"])):
        with pytest.raises(NotInVocabularyError, match="'nosuchword' is not in the vocabulary"):
            call()


def test_queries_touch_no_unit_matrix():
    """The queries divide by the norms: no (V, D) unit copy is made."""
    wv = random_vectors(50, 6)
    wv.most_similar("w1")
    wv.most_similar_cosmul(["w1", "w2"], ["w3"])
    wv.doesnt_match(["w1", "w2", "w3"])
    wv.similarity("w1", "w2")
    assert wv._unit is None and wv.norms.dtype == np.float32
    assert wv.norms == pytest.approx(np.linalg.norm(wv.vectors, axis=1))
