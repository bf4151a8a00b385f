"""Pretrained vectors in the network classifiers: coverage, initial rows, freezing,
rescaling, bad files and vocabulary expansion."""
import numpy as np
import pytest

from classifytest import CLASSES, FILLER, KEYWORDS
from textembed.classify.model import TextClassifier
from textembed.io import InputError
from textembed.word2vec.formats import write_word2vec

NET_BAG = "embedding-bag"  # the network whose embedding the vectors start


@pytest.fixture(scope="module")
def vectors_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("vec") / "tiny.vec"
    words = FILLER[:30] + KEYWORDS["red"] + ["unused"]
    rng = np.random.default_rng(3)
    write_word2vec(path, words, rng.normal(size=(len(words), 8)).astype(np.float32))
    return path


def test_pretrained_vectors_and_coverage(data, vectors_file, capsys):
    (texts, labels), _ = data
    model = TextClassifier(NET_BAG, pretrained=vectors_file, verbose=2, epochs=2)
    model.fit(texts, labels)
    m = model.metrics_
    vocabulary = len(FILLER) + 12
    assert m["pretrained_coverage"] == pytest.approx(34 / vocabulary)
    assert m["embed_dim"] == 8
    assert "34 of 52 vocabulary words found" in capsys.readouterr().err


def test_pretrained_rows_are_copied_and_frozen(data, vectors_file):
    from textembed.word2vec.formats import read_word2vec
    (texts, labels), _ = data
    words, vectors = read_word2vec(vectors_file)
    model = TextClassifier(NET_BAG, pretrained=vectors_file, freeze_embeddings=True, verbose=0,
                           epochs=3, ensemble=1, pretrained_scale=None)
    model.fit(texts, labels)
    table = model.model.layers[0].get_weights()[0]
    index = model.tokenizer.word_index
    for word in ("w0", "red1"):
        np.testing.assert_array_equal(table[index[word]], vectors[words.index(word)])
    before = table.copy()
    model2 = TextClassifier(NET_BAG, pretrained=vectors_file, freeze_embeddings=False, verbose=0,
                            epochs=3, ensemble=1, pretrained_scale=None)
    model2.fit(texts, labels)
    assert not np.array_equal(model2.model.layers[0].get_weights()[0][:before.shape[0]], before)
    # the bag recipe rescales the vectors to a standard deviation of 0.03, directions kept
    scaled = TextClassifier(NET_BAG, pretrained=vectors_file, freeze_embeddings=True, verbose=0,
                            epochs=1, ensemble=1)
    scaled.fit(texts, labels)
    table = scaled.model.layers[0].get_weights()[0]
    row = vectors[words.index("w0")] * (0.03 / np.std(vectors))
    np.testing.assert_allclose(table[scaled.tokenizer.word_index["w0"]], row, rtol=1e-5)


def test_ensemble_members_share_pretrained_rows_only(data, vectors_file):
    (texts, labels), _ = data
    model = TextClassifier(NET_BAG, pretrained=vectors_file, freeze_embeddings=True, verbose=0,
                           epochs=1, ensemble=2)
    model.fit(texts, labels)
    first, second = (branch[0].get_weights()[0] for branch in model.model.layers[0].branches)
    index = model.tokenizer.word_index
    np.testing.assert_array_equal(first[index["w0"]], second[index["w0"]])
    # words missing from the vectors and the bigram rows: each member draws its own
    missing = [i for w, i in index.items() if w not in FILLER[:30] + KEYWORDS["red"]]
    assert missing
    assert not np.array_equal(first[missing], second[missing])
    vocab = model.preprocessing_["vocab_size"]
    assert not np.array_equal(first[vocab:], second[vocab:])


def test_pretrained_bad_files(data, vectors_file, tmp_path):
    (texts, labels), _ = data
    with pytest.raises(InputError, match="8 dimensions but embed_dim is 5"):
        TextClassifier(NET_BAG, pretrained=vectors_file, embed_dim=5, verbose=0).fit(texts, labels)
    junk = tmp_path / "junk.txt"
    junk.write_text("this is not\na vectors file\n")
    with pytest.raises(InputError, match="junk.txt"):
        TextClassifier(NET_BAG, pretrained=junk, verbose=0).fit(texts, labels)
    with pytest.raises(InputError, match="missing.vec"):
        TextClassifier(NET_BAG, pretrained=tmp_path / "missing.vec", embed_dim=8,
                       verbose=0).fit(texts, labels)


@pytest.fixture(scope="module")
def family_vectors(tmp_path_factory):
    """Vectors where each keyword family shares a direction; '<family>8' never occurs
    in the training texts."""
    rng = np.random.default_rng(5)
    direction = {c: rng.normal(size=8) for c in CLASSES}
    words, rows = [], []
    for w in FILLER:
        words.append(w)
        rows.append(0.3 * rng.normal(size=8))
    for c in CLASSES:
        for w in KEYWORDS[c] + [f"{c}8"]:
            words.append(w)
            rows.append(direction[c] + 0.1 * rng.normal(size=8))
    words += ["Unseen", "has,comma"]
    rows += [rng.normal(size=8), rng.normal(size=8)]
    path = tmp_path_factory.mktemp("vec") / "family.vec"
    write_word2vec(path, words, np.array(rows, dtype=np.float32))
    return path


def test_pretrained_words_unseen_in_training_are_mapped_in(data, family_vectors, tmp_path):
    (texts, labels), _ = data
    kw = dict(epochs=20, learning_rate=0.02, bigram_buckets=64, token_dropout=0.0, verbose=0)
    model = TextClassifier(NET_BAG, pretrained=family_vectors, **kw).fit(texts, labels)
    # 'Unseen' is added lower-cased; a word the tokenizer can never produce is not
    assert model.metrics_["expanded_words"] == 4
    index = model.tokenizer.word_index
    p = model.preprocessing_
    assert index["red8"] >= p["vocab_size"] + p["bigram_buckets"]
    assert "unseen" in index and "has,comma" not in index
    probes = [f"w1 {c}8 w2 w3" for c in CLASSES]
    assert model.predict(probes) == list(CLASSES)
    model.save(tmp_path / "m")
    again = TextClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(again.predict_proba(probes), model.predict_proba(probes))
    # without expansion the unseen keywords are dropped and the probes carry no signal
    plain = TextClassifier(NET_BAG, pretrained=family_vectors, expand_vocabulary=0, **kw)
    plain.fit(texts, labels)
    assert "red8" not in plain.tokenizer.word_index
    assert len(set(plain.predict(probes))) == 1
    assert plain.metrics_["expanded_words"] == 0
    # with --num-words the tokenizer drops ids past the limit, so nothing is added
    limited = TextClassifier(NET_BAG, pretrained=family_vectors, num_words=30, **kw)
    limited.fit(texts, labels)
    assert limited.metrics_["expanded_words"] == 0
