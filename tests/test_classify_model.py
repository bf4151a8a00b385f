"""TextClassifier: learnability, fit steps, metrics, prediction, ensembles, seeds, bad input."""
import numpy as np
import pytest

from classifytest import CLASSES, FILLER, KEYWORDS, TINY, make_data
from textembed.classify.architectures import ARCH_NAMES
from textembed.classify.model import TextClassifier
from textembed.classify.network_model import NetworkModel
from textembed.io import InputError


@pytest.mark.parametrize("arch", ["embedding-bag", "cnn", "gru"])
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
    kw = {**TINY["embedding-bag"], "epochs": 10, "early_stopping": 0}
    with_bigrams = TextClassifier("embedding-bag", verbose=0, **{**kw, "bigram_buckets": 1024})
    with_bigrams.fit(texts[:300], labels[:300], test_texts=texts[300:], test_labels=labels[300:])
    assert with_bigrams.metrics_["test_accuracy"] >= 0.97
    # bucket rows no training text holds keep no random start (zero predicts as well)
    table = with_bigrams.model.get_weights()[0]
    vocab = with_bigrams.preprocessing_["vocab_size"]
    seen = np.unique(with_bigrams.backend.inputs(texts[:300]))
    unseen = np.setdiff1d(np.arange(vocab, table.shape[0]), seen)
    assert unseen.size == with_bigrams.backend.report["unseen_buckets"] > 0
    assert not table[unseen].any() and table[seen[seen >= vocab]].any(axis=1).all()
    unigrams = TextClassifier("embedding-bag", verbose=0, **kw)
    unigrams.fit(texts[:300], labels[:300], test_texts=texts[300:], test_labels=labels[300:])
    assert unigrams.metrics_["test_accuracy"] < 0.8


def test_metrics_and_classes(fitted):
    m = fitted.metrics_
    assert fitted.classes_ == sorted(CLASSES)
    for key in ("train_accuracy", "valid_accuracy", "test_accuracy", "epochs",
                "seconds_per_epoch", "train_seconds", "num_classes", "vocab_size", "maxlen",
                "arch"):
        assert key in m, key
    assert m["num_classes"] == 3 and m["arch"] == "embedding-bag"
    # two ensemble members, each holding out its own 10% fold (out-of-fold validation)
    assert m["ensemble"] == 2 and m["valid_samples"] == 60 and m["train_samples"] == 270
    assert 1 <= m["epochs"] <= 20 and len(fitted.history["val_accuracy"]) == m["epochs"]
    assert m["vocab_size"] == len(FILLER) + sum(map(len, KEYWORDS.values())) + 1


def test_default_arch_is_resolved():
    assert TextClassifier(verbose=0).arch in ARCH_NAMES
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


def test_string_labels_with_many_classes():
    classes = ("négatif", "neutral label", "pos:itive", "4")
    keywords = {c: [f"k{j}x{i}" for i in range(3)] for j, c in enumerate(classes)}
    texts, labels = make_data(400, 5, classes, keywords)
    model = TextClassifier("embedding-bag", verbose=0, **TINY["embedding-bag"])
    model.fit(texts, labels)
    assert model.classes_ == sorted(classes)
    assert model.metrics_["num_classes"] == 4
    assert set(model.predict(texts[:40])) <= set(classes)
    assert model.metrics_["train_accuracy"] >= 0.95


def test_single_class_is_refused():
    with pytest.raises(InputError, match="single class"):
        TextClassifier("embedding-bag", verbose=0).fit(["a b", "c d", "e"], ["x", "x", "x"])
    with pytest.raises(InputError, match="empty"):
        TextClassifier("embedding-bag", verbose=0).fit([], [])


def test_unseen_test_label_is_named(data):
    (texts, labels), (test_texts, test_labels) = data
    bad = list(test_labels)
    bad[3] = "purple"
    with pytest.raises(InputError, match="'purple'"):
        TextClassifier("embedding-bag", verbose=0, epochs=1).fit(
            texts, labels, test_texts=test_texts, test_labels=bad)


def test_freeze_keeps_random_embeddings_unchanged(data):
    (texts, labels), _ = data
    frozen = TextClassifier("gru", verbose=0, freeze_embeddings=True, epochs=1, embed_dim=8,
                            units=8, seed=4)
    frozen.fit(texts, labels, validation_split=0)
    fresh = TextClassifier("gru", verbose=0, embed_dim=8, units=8, seed=4)
    fresh.classes_ = frozen.classes_
    network = NetworkModel(fresh)
    network.tokenizer, network.preprocessing_ = frozen.tokenizer, frozen.preprocessing_
    initial = network._new_member(np.random.default_rng(4)).layers[0].get_weights()[0]
    np.testing.assert_array_equal(frozen.model.layers[0].get_weights()[0], initial)


def test_validation_choices(data):
    (texts, labels), (test_texts, test_labels) = data
    model = TextClassifier("embedding-bag", verbose=0, epochs=2,
                           **{k: v for k, v in TINY["embedding-bag"].items() if k != "epochs"})
    model.fit(texts, labels, validation_split=0)
    assert model.metrics_["valid_accuracy"] is None and model.metrics_["epochs"] == 2
    model.fit(texts, labels, valid_texts=test_texts, valid_labels=test_labels)
    assert model.metrics_["valid_samples"] == len(test_texts)
    with pytest.raises(InputError, match="validation_split"):
        model.fit(texts, labels, validation_split=1.5)


def test_ensemble_averages_members_and_round_trips(data, tmp_path):
    (texts, labels), (test_texts, test_labels) = data
    model = TextClassifier("embedding-bag", verbose=0, ensemble=2, calibrate=False,
                           **{**TINY["embedding-bag"], "epochs": 4})
    model.fit(texts, labels, test_texts=test_texts, test_labels=test_labels)
    assert model.metrics_["ensemble"] == 2
    (ensemble,) = model.model.layers
    members = ensemble.branches
    assert len(members) == 2
    x = model.backend.inputs(test_texts)
    by_member = []
    for layers in members:
        out, mask = x, None
        for layer in layers:
            out, mask = (layer.forward(out, training=False, mask=mask),
                         layer.compute_mask(out, mask))
        by_member.append(out)
    np.testing.assert_allclose(model.predict_proba(test_texts), np.mean(by_member, axis=0),
                               rtol=1e-5, atol=1e-6)
    assert not np.allclose(by_member[0], by_member[1])
    model.save(tmp_path / "ens")
    loaded = TextClassifier.load(tmp_path / "ens")
    np.testing.assert_array_equal(loaded.predict_proba(test_texts),
                                  model.predict_proba(test_texts))


def test_validation_of_an_ensemble(data):
    (texts, labels), (test_texts, test_labels) = data
    kw = {**TINY["embedding-bag"], "epochs": 2}
    # folds that cannot all fit: the members share one hold-out, judged by the ensemble
    shared = TextClassifier("embedding-bag", verbose=0, ensemble=2, **kw).fit(texts, labels,
                                                                     validation_split=0.3)
    assert shared.metrics_["valid_samples"] == 90 and shared.metrics_["train_samples"] == 210
    given = TextClassifier("embedding-bag", verbose=0, ensemble=2, **kw)
    given.fit(texts, labels, valid_texts=test_texts, valid_labels=test_labels)
    assert given.metrics_["valid_samples"] == len(test_texts)
    assert given.metrics_["valid_accuracy"] == pytest.approx(given.score(test_texts, test_labels))


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
        fresh = model.backend._new_member(np.random.default_rng(0))
        layer = fresh.layers[1]
        forward, backward = layer.forward_layer.get_weights(), layer.backward_layer.get_weights()
        for f, b in zip(forward[:2], backward[:2]):
            assert not np.array_equal(f, b)



# -- the default: the bag of n-gram models -----------------------------------------------

def _noisy(labels, rate, seed):
    """The labels with a share ``rate`` replaced by a random class."""
    rng = np.random.default_rng(seed)
    return [str(rng.choice(CLASSES)) if rng.random() < rate else y for y in labels]


def test_default_is_the_calibrated_bag(tmp_path):
    texts, labels = make_data(1500, 11)
    test_texts, test_labels = make_data(1000, 12)
    # a label in four is random: the best accuracy is about 0.83
    labels, test_labels = _noisy(labels, 0.25, 1), _noisy(test_labels, 0.25, 2)
    model = TextClassifier(verbose=0, seed=2).fit(texts, labels, test_texts=test_texts,
                                                   test_labels=test_labels)
    assert model.arch == "bag" and model.kind == "ngram" and model.metrics_["default"]
    m = model.metrics_
    assert m["test_accuracy"] >= 0.78 and m["valid_accuracy"] >= 0.78
    for key in ("valid_macro_f1", "valid_log_loss", "valid_ece", "test_macro_f1",
                "test_log_loss", "test_ece", "folds", "features", "character_ngrams"):
        assert key in m, key
    assert m["valid_samples"] == len(texts)          # out of fold: every example
    probs = model.predict_proba(test_texts)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # calibrated: as confident as it is right
    assert abs(probs.max(axis=1).mean() - m["test_accuracy"]) < 0.03
    assert m["test_ece"] < 0.05
    raw = TextClassifier(verbose=0, seed=2, calibrate=False).fit(texts, labels)
    assert raw.metrics_["calibrated"] is False
    assert np.mean(np.array(raw.predict(test_texts)) == model.predict(test_texts)) > 0.97
    assert not np.allclose(raw.predict_proba(test_texts), probs, atol=0.01)
    model.save(tmp_path / "m")
    loaded = TextClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict_proba(test_texts), probs)
    assert loaded.arch == "bag" and loaded.metrics_ == model.metrics_


def test_predict_top_k_and_threshold():
    texts, labels = make_data(300, 1)
    model = TextClassifier(verbose=0).fit(texts, _noisy(labels, 0.3, 3))
    probe = ["w1 blue2 w3", "w1 w2 w5"]
    top2 = model.predict(probe, k=2)
    assert all(len(row) == 2 and row[0] == best for row, best in zip(top2, model.predict(probe)))
    assert all(sorted(row) == sorted(CLASSES) for row in model.predict(probe, k=3))
    probs = model.predict_proba(probe)
    cut = float(np.sort(probs[0])[-2])     # keeps the two best labels of the first text
    kept = model.predict(probe, k=3, threshold=cut)
    assert len(kept[0]) == 2 and all(p >= cut for p in np.sort(probs[1])[::-1][:len(kept[1])])
    for bad in ({"k": 0}, {"threshold": 0}, {"threshold": 1.5}):
        with pytest.raises(InputError):
            model.predict(probe, **bad)


def test_multilabel_fit_predict_and_score():
    texts, sets = [], []
    rng = np.random.default_rng(4)
    for i in range(300):
        tags = [t for t in ("red", "green", "blue") if rng.random() < 0.4] or ["red"]
        words = [f"{t}{rng.integers(4)}" for t in tags] + list(rng.choice(FILLER, 3))
        texts.append(" ".join(rng.permutation(words)))
        sets.append(tags)
    model = TextClassifier(verbose=0).fit(texts[:250], sets[:250], test_texts=texts[250:],
                                           test_labels=sets[250:])
    assert model.multilabel_ and model.metrics_["multilabel"]
    m = model.metrics_
    assert m["test_p@1"] > 0.95 and m["test_micro_f1"] > 0.9 and "test_r@k" in m
    probs = model.predict_proba(["red1 green2 w3"])
    assert probs.shape == (1, 3) and probs[0, model.classes_.index("blue")] < 0.5
    assert sorted(model.predict(["red1 green2 w3"], k=3, threshold=0.5)[0]) == ["green", "red"]
    assert model.score(texts[250:], sets[250:]) == pytest.approx(m["test_p@1"])
    single = TextClassifier(verbose=0, multilabel=False).fit(texts[:250], sets[:250])
    assert not single.multilabel_
    with pytest.raises(InputError, match="multi-label data .* needs the bag"):
        TextClassifier("gru", verbose=0).fit(texts[:50], sets[:50])


def test_class_weights_shift_the_decisions():
    # 9 of 10 texts are "common"; the rare class's keyword also shows up in common texts
    rng = np.random.default_rng(0)
    texts, labels = [], []
    for i in range(600):
        rare = i % 10 == 0
        words = list(rng.choice(FILLER, 4)) + (["red1"] if rare or rng.random() < 0.1 else [])
        texts.append(" ".join(words))
        labels.append("rare" if rare else "common")
    plain = TextClassifier(verbose=0).fit(texts, labels)
    weighted = TextClassifier(verbose=0, class_weight={"rare": 20}).fit(texts, labels)
    assert weighted.metrics_["class_weight"] == {"common": 1.0, "rare": 20.0}
    probe = [t for t, y in zip(texts, labels) if "red1" in t.split()]
    assert weighted.predict(probe).count("rare") > plain.predict(probe).count("rare")
    # a weight multiplies the class's probability (before they are normalised again)
    p, q = plain.predict_proba(probe), weighted.predict_proba(probe)
    rare = plain.classes_.index("rare")
    expected = p[:, rare] * 20 / (p[:, rare] * 20 + (1 - p[:, rare]))
    np.testing.assert_allclose(q[:, rare], expected, rtol=1e-4)
    # balanced: inverse class frequencies, to the power that suits macro-F1 out of fold
    balanced = TextClassifier(verbose=0, class_weight="balanced").fit(texts, labels)
    m = balanced.metrics_
    assert m["class_weight"]["rare"] == pytest.approx(600 / (2 * 60))
    assert 0.0 <= m["class_weight_power"] <= 1.0
    assert m["valid_macro_f1"] >= plain.metrics_["valid_macro_f1"]
    network = TextClassifier("gru", verbose=0, epochs=1, embed_dim=8, units=8,
                             class_weight="balanced").fit(texts, labels)
    assert network.metrics_["class_weight"]["rare"] == pytest.approx(5.0)
    with pytest.raises(InputError, match="'blue': no such label"):
        TextClassifier(verbose=0, class_weight={"blue": 2}).fit(texts, labels)


def test_network_options_are_refused_by_the_bag():
    with pytest.raises(InputError, match="embed_dim, pretrained set the networks' inputs"):
        TextClassifier(embed_dim=8, pretrained="v.vec")


def test_history_is_saved_with_the_model(fitted, data, tmp_path):
    import json
    (texts, labels), _ = data
    bag = TextClassifier(verbose=0, seed=1).fit(texts, labels)
    for model, name in ((bag, "bag"), (fitted, "network")):
        history = model.history
        assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history)
        assert len({len(v) for v in history.values()}) == 1
        assert len(history["loss"]) == model.metrics_["epochs"]
        model.save(tmp_path / name)
        saved = json.loads((tmp_path / name / "metrics.json").read_text("utf-8"))
        assert saved["history"] == history and saved["history_source"]
        assert TextClassifier.load(tmp_path / name).history == history
    assert "fold 1" in bag.metrics_["history_source"]
    assert "the last of 2 averaged networks" in fitted.metrics_["history_source"]
    assert fitted.history == fitted.backend.history   # the network's own History


def test_held_out_scores_of_the_training_data(fitted, data):
    (texts, labels), _ = data
    bag = TextClassifier(verbose=0, seed=1).fit(texts, labels)
    for model in (bag, fitted):
        index, z = model.heldout_
        m = model.metrics_
        assert len(index) == len(z) == m["valid_samples"] and len(set(index)) == len(index)
        y = np.array([model.classes_.index(labels[i]) for i in index])
        assert np.mean(z.argmax(axis=1) == y) == pytest.approx(m["valid_accuracy"])
    assert bag.heldout_[0].tolist() == list(range(len(texts)))   # out of fold: all
    given = TextClassifier(verbose=0).fit(texts[:200], labels[:200], valid_texts=texts[200:],
                                          valid_labels=labels[200:])
    assert given.heldout_ is None
