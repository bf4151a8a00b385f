"""classify.explain: the bag's exact token weights, occlusion for networks, top features."""
import numpy as np
import pytest

from classifytest import make_data
from textembed.classify.model import TextClassifier
from textembed.io import InputError


@pytest.fixture(scope="module")
def bag():
    texts, labels = make_data(400, 5)
    return TextClassifier(verbose=0, seed=1, calibrate=False).fit(texts, labels)


def test_bag_weights_add_up_to_the_score(bag):
    """Without calibration the mix is linear: the token weights and the bias-like
    rest add up to the label's centred score exactly."""
    text = "w1 blue2 w3 w7"
    (e,) = bag.explain([text])
    assert e["label"] == "blue" and e["method"] == "linear"
    assert [t for t, _ in e["tokens"]] == ["w1", "blue2", "w3", "w7"]
    weights = dict(e["tokens"])
    assert weights["blue2"] == max(weights.values()) and weights["blue2"] > 1
    z = bag.decision_function([text])[0]
    empty = bag.decision_function([""])[0]
    c = bag.classes_.index("blue")
    centred = (z - z.mean()) - (empty - empty.mean())
    assert sum(weights.values()) == pytest.approx(centred[c], rel=1e-4, abs=1e-4)
    grams = [g for g, _ in e["ngrams"]]  # the bigrams training kept, in text order
    assert grams and set(grams) <= {"w1 blue2", "blue2 w3", "w3 w7"}
    assert grams == sorted(grams, key=["w1 blue2", "blue2 w3", "w3 w7"].index)
    (other,) = bag.explain([text], label="red")
    assert other["label"] == "red" and dict(other["tokens"])["blue2"] < 0
    with pytest.raises(InputError, match="no label 'purple'"):
        bag.explain([text], label="purple")


def test_top_features_are_the_label_keywords(bag, tmp_path):
    top = [w for w, _ in bag.top_features("green", 4)]
    assert sorted(top) == [f"green{i}" for i in range(4)]
    bag.save(tmp_path / "m")
    loaded = TextClassifier.load(tmp_path / "m")
    assert loaded.top_features("green", 4) == bag.top_features("green", 4)
    with pytest.raises(InputError, match="no label"):
        bag.top_features("purple")


def test_networks_are_explained_by_occlusion_and_embedded():
    texts, labels = make_data(300, 6)
    net = TextClassifier("embedding-bag", verbose=0, epochs=15, embed_dim=16, bigram_buckets=0,
                         learning_rate=0.02, ensemble=1).fit(texts, labels)
    (e,) = net.explain(["w1 red3 w2"])
    assert e["method"] == "occlusion" and e["ngrams"] == []
    weights = dict(e["tokens"])
    assert max(weights, key=weights.get) == "red3"
    vectors = net.embed(["w1 red3 w2", "green1"])
    assert vectors.shape == (2, 16) and vectors.dtype == np.float32
    with pytest.raises(InputError, match="is a network"):
        net.top_features("red")


def test_bag_embedding_is_its_class_scores(bag):
    vectors = bag.embed(["w1 red3", "green2"])
    assert vectors.shape == (2, 3)
    np.testing.assert_allclose(vectors, bag.decision_function(["w1 red3", "green2"]),
                               rtol=1e-6)
