"""textembed.word2vec.subword_vectors: vectors of unseen words, queries and evaluations
that accept them, against numpy references."""
import numpy as np
import pytest

from textembed.word2vec import NotInVocabularyError, WordVectors
from textembed.word2vec.subword_vectors import SubwordVectors
from textembed.word2vec.subwords import SubwordScheme

WORDS = ["king", "queen", "man", "woman", "apple"]


@pytest.fixture
def model():
    rng = np.random.default_rng(3)
    bucket = 97
    scheme = SubwordScheme(3, 5, bucket, len(WORDS))
    inputs = rng.standard_normal((len(WORDS) + bucket, 8)).astype(np.float32)
    return SubwordVectors(WORDS, inputs, scheme, counts=[50, 40, 30, 20, 10])


def _by_rows(model, word, own=None):
    _, rows = model.scheme.rows([word], None if own is None else [own])
    return model.input_matrix[rows].astype(np.float64).mean(axis=0)


def test_known_and_unseen_vectors(model):
    np.testing.assert_allclose(model["queen"], _by_rows(model, "queen", 1), rtol=1e-5)
    np.testing.assert_allclose(model["queens"], _by_rows(model, "queens"), rtol=1e-5)
    assert model.is_unseen("queens") and not model.is_unseen("queen")
    both = model[["king", "kings"]]
    assert both.shape == (2, 8)
    np.testing.assert_allclose(both[1], _by_rows(model, "kings"), rtol=1e-5)
    with pytest.raises(NotInVocabularyError, match="too short for n-grams of 3-5"):
        model.vector("")  # "<>": two characters


def test_similarity_and_most_similar_with_an_unseen_word(model):
    a, b = model["kings"].astype(np.float64), model["queen"].astype(np.float64)
    assert model.similarity("kings", "queen") == pytest.approx(
        a @ b / np.linalg.norm(a) / np.linalg.norm(b), rel=1e-5)
    plain = WordVectors(model.words, model.vectors)
    assert model.most_similar("kings", topn=3) == plain.most_similar(
        positive=[model["kings"]], topn=3)
    assert "kings" not in dict(model.most_similar("kings", topn=None))


def test_pairs_score_unseen_words(model, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("king\tqueen\t9\nkings\tqueen\t8\nman\twomen\t7\napple\tKing\t1\n")
    result = model.evaluate_word_pairs(pairs)
    assert (result["used"], result["skipped"], result["unseen"]) == (4, 0, 2)
    sims = [model.similarity(*p) for p in [("king", "queen"), ("kings", "queen"),
                                          ("man", "women"), ("apple", "king")]]
    order = np.argsort(np.argsort(sims))
    expected = np.corrcoef(order, [3, 2, 1, 0])[0, 1]
    assert result["spearman"] == pytest.approx(expected)
    # the word vectors alone skip the unseen words
    plain = WordVectors(model.words, model.vectors).evaluate_word_pairs(pairs)
    assert plain["used"] == 2


def test_analogies_answer_among_vocabulary_and_unseen_words(model, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(": s\nman woman king queen\nman woman kings queens\n")
    result = model.evaluate_word_analogies(questions)
    assert (result["used"], result["skipped"], result["unseen"]) == (2, 0, 2)
    # the reference: 3CosAdd over the 5 words plus kings and queens
    words = WORDS + ["kings", "queens"]
    unit = np.array([model.vector(w) / np.linalg.norm(model.vector(w)) for w in words])
    correct = 0
    for a, b, c, d in [("man", "woman", "king", "queen"), ("man", "woman", "kings", "queens")]:
        i = {w: k for k, w in enumerate(words)}
        scores = unit @ (unit[i[b]] - unit[i[a]] + unit[i[c]])
        scores[[i[a], i[b], i[c]]] = -np.inf
        correct += words[int(np.argmax(scores))] == d
    assert result["correct"] == correct


def test_sentence_vectors_include_unseen_words(model):
    out = model.sentence_vectors(["King kings", "zz", ""])
    np.testing.assert_allclose(out[0], (model["king"] + model["kings"]) / 2, rtol=1e-5)
    np.testing.assert_allclose(out[1], model["zz"], rtol=1e-5)  # <zz>: two 3-grams
    assert np.all(out[2] == 0)


def test_shape_checks():
    scheme = SubwordScheme(3, 5, 10, 2)
    with pytest.raises(ValueError, match="2 \\+ 10 rows"):
        SubwordVectors(["a", "b"], np.zeros((11, 4), np.float32), scheme)
