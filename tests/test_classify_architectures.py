"""The architecture registry: names for the command line, complete recipes, and a new
architecture added with one register() call."""
import subprocess
import sys

import pytest

from classifytest import TINY
from textembed.classify import architectures
from textembed.classify.architectures import (ARCH_NAMES, ARCHITECTURES, COMMON_RECIPE,
                                              DEFAULT_ARCH, register)
from textembed.classify.model import TextClassifier


def test_names_and_default():
    assert ARCH_NAMES == ("cnn", "lstm", "gru", "bilstm", "embedding-bag", "bag")
    assert DEFAULT_ARCH in ARCH_NAMES
    assert architectures.get(None) is architectures.get("default") is ARCHITECTURES["bag"]
    assert ARCHITECTURES["bag"].kind == "ngram" and ARCHITECTURES["cnn"].kind == "network"
    with pytest.raises(KeyError):
        architectures.get("transformer")


def test_importing_the_registry_loads_no_numpy():
    code = ("import sys, textembed.classify.architectures as a; "
            "print(len(a.ARCH_NAMES), 'numpy' in sys.modules, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["6", "False", "False"]


@pytest.mark.parametrize("name", [n for n in ARCH_NAMES if ARCHITECTURES[n].kind == "network"])
def test_every_network_recipe_is_complete(name):
    recipe = ARCHITECTURES[name].recipe
    for key in COMMON_RECIPE:
        assert key in recipe, key
    for key in ("epochs", "batch_size", "embed_dim", "optimizer", "learning_rate",
                "early_stopping", "maxlen_cap"):
        assert key in recipe, key
    assert ARCHITECTURES[name].summary


def test_recipes_are_separate_copies():
    assert ARCHITECTURES["gru"].recipe == ARCHITECTURES["lstm"].recipe
    assert ARCHITECTURES["gru"].recipe is not ARCHITECTURES["lstm"].recipe
    assert ARCHITECTURES["cnn"].recipe["mask_zero"] is False
    assert ARCHITECTURES["embedding-bag"].recipe["ensemble"] == 2


def test_cnn_inputs_are_at_least_as_long_as_its_widest_filter(data):
    (texts, labels), _ = data
    model = TextClassifier("cnn", verbose=0, maxlen=3, epochs=1, embed_dim=4, filters=2,
                           widths=(2, 5))
    model.fit(texts, labels)
    assert model.preprocessing_["maxlen"] == 5


@pytest.fixture
def max_bag():
    """A new architecture, registered for one test: max instead of mean pooling."""
    def body(recipe, seeds, prefix):
        from textembed.layers import GlobalMaxPooling1D
        return [GlobalMaxPooling1D(name=prefix + "max")]

    register("max_bag", "max-pooled word embeddings",
             dict(ARCHITECTURES["embedding-bag"].recipe, ensemble=1), body)
    yield "max_bag"
    del ARCHITECTURES["max_bag"]


def test_a_new_architecture_is_one_entry(max_bag, data, tmp_path):
    (texts, labels), (test_texts, test_labels) = data
    model = TextClassifier(max_bag, verbose=0, **TINY["embedding-bag"])
    model.fit(texts, labels, test_texts=test_texts, test_labels=test_labels)
    assert [layer.name for layer in model.model.layers] == [
        "embedding", "token_dropout", "max", "dropout", "output"]
    assert model.metrics_["test_accuracy"] >= 0.97
    model.save(tmp_path / "m")
    loaded = TextClassifier.load(tmp_path / "m")
    assert loaded.arch == "max_bag"
    assert loaded.predict(test_texts) == model.predict(test_texts)
