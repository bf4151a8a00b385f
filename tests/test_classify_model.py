"""TextClassifier: learnability, predict/save/load contracts, pretrained vectors, bad input."""
import json
import os

import numpy as np
import pytest

from textembed.classify.model import TextClassifier, cross_validate, is_model_dir
from textembed.io import InputError
from textembed.word2vec.formats import write_word2vec

CLASSES = ("red", "green", "blue")
KEYWORDS = {c: [f"{c}{i}" for i in range(4)] for c in CLASSES}
FILLER = [f"w{i}" for i in range(40)]


def make_data(n, seed, classes=CLASSES):
    """Texts whose label is the family of the one keyword they contain (filler words around)."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        label = classes[rng.integers(len(classes))]
        words = list(rng.choice(FILLER, size=rng.integers(3, 9)))
        words.insert(int(rng.integers(len(words) + 1)), rng.choice(KEYWORDS[label]))
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


TINY = {
    "bag": dict(embed_dim=16, epochs=20, bigram_buckets=0, learning_rate=0.02),
    "cnn": dict(embed_dim=16, epochs=10, filters=8, widths=(2, 3), learning_rate=1.0),
    "gru": dict(embed_dim=16, epochs=12, units=16, learning_rate=0.01),
}


@pytest.fixture(scope="module")
def data():
    return make_data(300, 1), make_data(150, 2)


@pytest.fixture(scope="module")
def fitted(data):
    (texts, labels), (test_texts, test_labels) = data
    model = TextClassifier("bag", verbose=0, **{**TINY["bag"], "bigram_buckets": 256})
    return model.fit(texts, labels, test_texts=test_texts, test_labels=test_labels)


@pytest.mark.parametrize("arch", ["bag", "cnn", "gru"])
def test_learns_a_known_labelling(data, arch):
    (texts, labels), (test_texts, test_labels) = data
    model = TextClassifier(arch, verbose=0, early_stopping=0, **TINY[arch])
    model.fit(texts, labels, test_texts=test_texts, test_labels=test_labels)
    assert model.metrics_["test_accuracy"] >= 0.97
    assert model.score(test_texts, test_labels) == pytest.approx(model.metrics_["test_accuracy"])
    assert model.arch == arch


def test_bag_bigrams_learn_word_order():
    """The label is the order of two words: only the bigram features can tell."""
    rng = np.random.default_rng(7)
    texts, labels = [], []
    for _ in range(400):
        words = list(rng.choice(FILLER, size=rng.integers(2, 6)))
        first = rng.random() < 0.5
        pair = "alpha beta" if first else "beta alpha"
        words.insert(int(rng.integers(len(words) + 1)), pair)
        texts.append(" ".join(words))
        labels.append("ab" if first else "ba")
    kw = {**TINY["bag"], "epochs": 10, "early_stopping": 0}
    with_bigrams = TextClassifier("bag", verbose=0, **{**kw, "bigram_buckets": 1024})
    with_bigrams.fit(texts[:300], labels[:300], test_texts=texts[300:], test_labels=labels[300:])
    assert with_bigrams.metrics_["test_accuracy"] >= 0.97
    unigrams = TextClassifier("bag", verbose=0, **kw)
    unigrams.fit(texts[:300], labels[:300], test_texts=texts[300:], test_labels=labels[300:])
    assert unigrams.metrics_["test_accuracy"] < 0.8


def test_metrics_and_classes(fitted):
    m = fitted.metrics_
    assert fitted.classes_ == sorted(CLASSES)
    for key in ("train_accuracy", "valid_accuracy", "test_accuracy", "epochs",
                "seconds_per_epoch", "train_seconds", "num_classes", "vocab_size", "maxlen",
                "arch"):
        assert key in m, key
    assert m["num_classes"] == 3 and m["arch"] == "bag"
    # two ensemble members, each holding out its own 10% fold (out-of-fold validation)
    assert m["ensemble"] == 2 and m["valid_samples"] == 60 and m["train_samples"] == 270
    assert 1 <= m["epochs"] <= 20 and len(fitted.history["val_accuracy"]) == m["epochs"]
    assert m["vocab_size"] == len(FILLER) + sum(map(len, KEYWORDS.values())) + 1


def test_default_arch_is_resolved():
    assert TextClassifier(verbose=0).arch in ("cnn", "lstm", "gru", "bilstm", "bag")
    with pytest.raises(InputError, match="unknown architecture"):
        TextClassifier("transformer")


def test_predict_proba_rows_and_column_order(fitted, data):
    test_texts, _ = data[1]
    probs = fitted.predict_proba(test_texts[:50])
    assert probs.dtype == np.float32 and probs.shape == (50, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # column j is the probability of classes_[j]: a text holding only a blue keyword
    blue = fitted.classes_.index("blue")
    p = fitted.predict_proba(["w1 blue2 w3", "blue0"])
    assert np.all(np.argmax(p, axis=1) == blue)
    assert fitted.predict(["w1 blue2 w3"]) == ["blue"]


def test_predict_is_batched_and_chunk_independent(fitted, data):
    test_texts, _ = data[1]
    whole = fitted.predict_proba(test_texts)
    pieces = np.concatenate([fitted.predict_proba(test_texts[i:i + 7], batch_size=3)
                             for i in range(0, len(test_texts), 7)])
    np.testing.assert_allclose(pieces, whole, rtol=1e-5, atol=1e-6)
    assert fitted.predict_proba([]).shape == (0, 3)
    # a text with no known word still gets a distribution
    np.testing.assert_allclose(fitted.predict_proba(["", "zzz qqq"]).sum(axis=1), 1.0, atol=1e-5)


def test_save_load_round_trip(fitted, data, tmp_path):
    test_texts, _ = data[1]
    out = tmp_path / "model"
    fitted.save(out)
    assert is_model_dir(out)
    names = sorted(os.listdir(out))
    assert names == sorted(["model.npz", "tokenizer.json", "labels.json", "preprocessing.json",
                            "metrics.json"])
    assert json.loads((out / "labels.json").read_text()) == fitted.classes_
    settings = json.loads((out / "preprocessing.json").read_text())
    assert settings["arch"] == "bag" and settings["maxlen"] == fitted.metrics_["maxlen"]
    assert json.loads((out / "tokenizer.json").read_text())["class_name"] == "Tokenizer"
    loaded = TextClassifier.load(out)
    assert loaded.classes_ == fitted.classes_ and loaded.arch == "bag"
    np.testing.assert_array_equal(loaded.predict_proba(test_texts), fitted.predict_proba(test_texts))
    assert loaded.metrics_["test_accuracy"] == fitted.metrics_["test_accuracy"]
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]


def test_save_refuses_existing_paths_without_force(fitted, tmp_path):
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not a textembed model directory.*force"):
        fitted.save(other)
    assert (other / "keep.txt").read_text() == "mine"
    model_dir = tmp_path / "m"
    fitted.save(model_dir)
    with pytest.raises(InputError, match="already exists.*force"):
        fitted.save(model_dir)
    fitted.save(model_dir, force=True)
    assert is_model_dir(model_dir)
    fitted.save(other, force=True)
    assert is_model_dir(other) and not (other / "keep.txt").exists()
    assert sorted(n for n in os.listdir(tmp_path)) == ["m", "notes"]


def test_load_of_a_non_model_dir(tmp_path):
    with pytest.raises(InputError, match="not a textembed model directory"):
        TextClassifier.load(tmp_path)
    with pytest.raises(InputError, match="no such directory"):
        TextClassifier.load(tmp_path / "missing")
    assert not is_model_dir(tmp_path) and not is_model_dir(tmp_path / "missing")


def test_string_labels_with_many_classes():
    classes = ("négatif", "neutral label", "pos:itive", "4")
    global KEYWORDS
    saved = dict(KEYWORDS)
    KEYWORDS.update({c: [f"k{j}x{i}" for i in range(3)] for j, c in enumerate(classes)})
    try:
        texts, labels = make_data(400, 5, classes)
    finally:
        KEYWORDS.clear()
        KEYWORDS.update(saved)
    model = TextClassifier("bag", verbose=0, **TINY["bag"]).fit(texts, labels)
    assert model.classes_ == sorted(classes)
    assert model.metrics_["num_classes"] == 4
    assert set(model.predict(texts[:40])) <= set(classes)
    assert model.metrics_["train_accuracy"] >= 0.95


def test_single_class_is_refused():
    with pytest.raises(InputError, match="single class"):
        TextClassifier("bag", verbose=0).fit(["a b", "c d", "e"], ["x", "x", "x"])
    with pytest.raises(InputError, match="empty"):
        TextClassifier("bag", verbose=0).fit([], [])


def test_unseen_test_label_is_named(data):
    (texts, labels), (test_texts, test_labels) = data
    bad = list(test_labels)
    bad[3] = "purple"
    with pytest.raises(InputError, match="'purple'"):
        TextClassifier("bag", verbose=0, epochs=1).fit(texts, labels, test_texts=test_texts,
                                                       test_labels=bad)


@pytest.fixture(scope="module")
def vectors_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("vec") / "tiny.vec"
    words = FILLER[:30] + KEYWORDS["red"] + ["unused"]
    rng = np.random.default_rng(3)
    write_word2vec(path, words, rng.normal(size=(len(words), 8)).astype(np.float32))
    return path


def test_pretrained_vectors_and_coverage(data, vectors_file, capsys):
    (texts, labels), _ = data
    model = TextClassifier("bag", pretrained=vectors_file, verbose=2, epochs=2)
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
    model = TextClassifier("bag", pretrained=vectors_file, freeze_embeddings=True, verbose=0,
                           epochs=3, ensemble=1, pretrained_scale=None)
    model.fit(texts, labels)
    table = model.model.layers[0].get_weights()[0]
    index = model.tokenizer.word_index
    for word in ("w0", "red1"):
        np.testing.assert_array_equal(table[index[word]], vectors[words.index(word)])
    before = table.copy()
    model2 = TextClassifier("bag", pretrained=vectors_file, freeze_embeddings=False, verbose=0,
                            epochs=3, ensemble=1, pretrained_scale=None)
    model2.fit(texts, labels)
    assert not np.array_equal(model2.model.layers[0].get_weights()[0][:before.shape[0]], before)
    # the bag recipe rescales the vectors to a standard deviation of 0.03, directions kept
    scaled = TextClassifier("bag", pretrained=vectors_file, freeze_embeddings=True, verbose=0,
                            epochs=1, ensemble=1)
    scaled.fit(texts, labels)
    table = scaled.model.layers[0].get_weights()[0]
    row = vectors[words.index("w0")] * (0.03 / np.std(vectors))
    np.testing.assert_allclose(table[scaled.tokenizer.word_index["w0"]], row, rtol=1e-5)


def test_ensemble_members_share_pretrained_rows_only(data, vectors_file):
    (texts, labels), _ = data
    model = TextClassifier("bag", pretrained=vectors_file, freeze_embeddings=True, verbose=0,
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


def test_freeze_keeps_random_embeddings_unchanged(data):
    (texts, labels), _ = data
    frozen = TextClassifier("gru", verbose=0, freeze_embeddings=True, epochs=1, embed_dim=8,
                            units=8, seed=4)
    frozen.fit(texts, labels, validation_split=0)
    fresh = TextClassifier("gru", verbose=0, embed_dim=8, units=8, seed=4)
    fresh.tokenizer, fresh.preprocessing_ = frozen.tokenizer, frozen.preprocessing_
    initial = fresh._build(frozen.preprocessing_["vocab_size"], 3,
                           np.random.default_rng(4)).layers[0].get_weights()[0]
    np.testing.assert_array_equal(frozen.model.layers[0].get_weights()[0], initial)


def test_pretrained_bad_files(data, vectors_file, tmp_path):
    (texts, labels), _ = data
    with pytest.raises(InputError, match="8 dimensions but embed_dim is 5"):
        TextClassifier("bag", pretrained=vectors_file, embed_dim=5, verbose=0).fit(texts, labels)
    junk = tmp_path / "junk.txt"
    junk.write_text("this is not\na vectors file\n")
    with pytest.raises(InputError, match="junk.txt"):
        TextClassifier("bag", pretrained=junk, verbose=0).fit(texts, labels)
    with pytest.raises(InputError, match="missing.vec"):
        TextClassifier("bag", pretrained=tmp_path / "missing.vec", embed_dim=8,
                       verbose=0).fit(texts, labels)


def test_validation_choices(data):
    (texts, labels), (test_texts, test_labels) = data
    model = TextClassifier("bag", verbose=0, epochs=2, **{k: v for k, v in TINY["bag"].items()
                                                          if k != "epochs"})
    model.fit(texts, labels, validation_split=0)
    assert model.metrics_["valid_accuracy"] is None and model.metrics_["epochs"] == 2
    model.fit(texts, labels, valid_texts=test_texts, valid_labels=test_labels)
    assert model.metrics_["valid_samples"] == len(test_texts)
    with pytest.raises(InputError, match="validation_split"):
        model.fit(texts, labels, validation_split=1.5)


def test_cross_validate_returns_k_folds(data):
    (texts, labels), _ = data
    result = cross_validate(texts, labels, k=3, arch="bag", verbose=0, early_stopping=0,
                            **TINY["bag"])
    assert result["k"] == 3 and len(result["folds"]) == 3
    assert result["mean"] == pytest.approx(np.mean(result["folds"]))
    assert result["std"] == pytest.approx(np.std(result["folds"]))
    assert result["mean"] > 0.8


def test_ensemble_averages_members_and_round_trips(data, tmp_path):
    (texts, labels), (test_texts, test_labels) = data
    model = TextClassifier("bag", verbose=0, ensemble=2, **{**TINY["bag"], "epochs": 4})
    model.fit(texts, labels, test_texts=test_texts, test_labels=test_labels)
    assert model.metrics_["ensemble"] == 2
    (ensemble,) = model.model.layers
    members = ensemble.branches
    assert len(members) == 2
    x = model._rows(model._sequences(test_texts))
    by_member = []
    for layers in members:
        out, mask = x, None
        for layer in layers:
            out, mask = layer.forward(out, training=False, mask=mask), layer.compute_mask(out, mask)
        by_member.append(out)
    np.testing.assert_allclose(model.predict_proba(test_texts), np.mean(by_member, axis=0),
                               rtol=1e-5, atol=1e-6)
    assert not np.allclose(by_member[0], by_member[1])
    model.save(tmp_path / "ens")
    loaded = TextClassifier.load(tmp_path / "ens")
    np.testing.assert_array_equal(loaded.predict_proba(test_texts),
                                  model.predict_proba(test_texts))


def test_holdout_folds_are_disjoint_stratified_and_seeded():
    from textembed.classify.model import _holdout_folds, _split_holdout
    y = np.repeat([0, 1, 2], [50, 30, 20])
    folds = _holdout_folds(y, 0.1, 3, seed=5)
    assert [np.bincount(y[f], minlength=3).tolist() for f in folds] == [[5, 3, 2]] * 3
    assert len(np.unique(np.concatenate(folds))) == 30
    train, valid = _split_holdout(y, 0.1, seed=5)
    np.testing.assert_array_equal(valid, folds[0])
    assert len(train) + len(valid) == 100 and not set(train) & set(valid)
    assert not np.array_equal(_holdout_folds(y, 0.1, 3, seed=6)[0], folds[0])


def test_validation_of_an_ensemble(data):
    (texts, labels), (test_texts, test_labels) = data
    kw = {**TINY["bag"], "epochs": 2}
    # folds that cannot all fit: the members share one hold-out, judged by the ensemble
    shared = TextClassifier("bag", verbose=0, ensemble=2, **kw).fit(texts, labels,
                                                                     validation_split=0.3)
    assert shared.metrics_["valid_samples"] == 90 and shared.metrics_["train_samples"] == 210
    given = TextClassifier("bag", verbose=0, ensemble=2, **kw)
    given.fit(texts, labels, valid_texts=test_texts, valid_labels=test_labels)
    assert given.metrics_["valid_samples"] == len(test_texts)
    assert given.metrics_["valid_accuracy"] == pytest.approx(given.score(test_texts, test_labels))


# -- words added from the pretrained vectors ------------------------------------------

def _reference_bigram(a, b, offset, buckets):
    """The bigram id of token ids a, b (splitmix-style mixing, in Python integers)."""
    mask = (1 << 64) - 1
    h = ((a + 1) * 0x9E3779B97F4A7C15) & mask
    h ^= h >> 31
    h = ((h + b) * 0xBF58476D1CE4E5B9) & mask
    h ^= h >> 31
    return offset + h % buckets


def test_feature_rows_bigrams_skip_words_added_after_training():
    from textembed.classify._features import feature_rows, flatten
    offset, buckets = 10, 8
    flat, offsets, _ = flatten([[3, 5, 7], [3, 20, 5], [4]])
    rows = feature_rows(flat, offsets, 5, buckets, offset, 9)
    b35 = _reference_bigram(3, 5, offset, buckets)
    b57 = _reference_bigram(5, 7, offset, buckets)
    # token ids, then bigram ids, then padding
    np.testing.assert_array_equal(rows, [[3, 5, 7, b35, b57, 0, 0, 0, 0],
                                         [3, 20, 5, b35, 0, 0, 0, 0, 0],
                                         [4, 0, 0, 0, 0, 0, 0, 0, 0]])


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
    model = TextClassifier("bag", pretrained=family_vectors, **kw).fit(texts, labels)
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
    plain = TextClassifier("bag", pretrained=family_vectors, expand_vocabulary=0, **kw)
    plain.fit(texts, labels)
    assert "red8" not in plain.tokenizer.word_index
    assert len(set(plain.predict(probes))) == 1
    assert plain.metrics_["expanded_words"] == 0
    # with --num-words the tokenizer drops ids past the limit, so nothing is added
    limited = TextClassifier("bag", pretrained=family_vectors, num_words=30, **kw)
    limited.fit(texts, labels)
    assert limited.metrics_["expanded_words"] == 0


@pytest.mark.parametrize("arch", ["gru", "bilstm"])
def test_same_seed_same_weights(data, arch):
    (texts, labels), _ = data
    kw = dict(embed_dim=8, units=8, epochs=1, verbose=0, seed=3)
    first = TextClassifier(arch, **kw).fit(texts, labels).model.get_weights()
    second = TextClassifier(arch, **kw).fit(texts, labels).model.get_weights()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    if arch == "bilstm":
        # the two directions start from different draws
        model = TextClassifier(arch, **kw).fit(texts, labels)
        fresh = model._build(model.preprocessing_["vocab_size"], 3, np.random.default_rng(0))
        layer = fresh.layers[1]
        forward, backward = layer.forward_layer.get_weights(), layer.backward_layer.get_weights()
        for f, b in zip(forward[:2], backward[:2]):
            assert not np.array_equal(f, b)
