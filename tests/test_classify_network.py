"""Assembling classifier networks: layer order, seeded starts, pretrained rows, optimizers,
averaged ensembles."""
import numpy as np
import pytest

from textembed import optimizers
from textembed.classify.architectures import ARCHITECTURES
from textembed.classify.network import average_members, build_member, optimizer


def _build(name, seed=0, **kw):
    arch = ARCHITECTURES[name]
    recipe = dict(arch.recipe, embed_dim=6, units=4, filters=3, widths=(2, 3))
    return build_member(arch, recipe, rows=20, dim=6, width=7, num_classes=3,
                        rng=np.random.default_rng(seed), **kw)


@pytest.mark.parametrize("name, layers", [
    ("embedding-bag", ["embedding", "token_dropout", "average", "dropout", "output"]),
    ("cnn", ["embedding", "convolutions", "dropout", "output"]),
    ("lstm", ["embedding", "lstm", "output"]),
    ("gru", ["embedding", "gru", "output"]),
    ("bilstm", ["embedding", "bilstm", "output"]),
])
def test_layers_in_order(name, layers):
    model = _build(name, prefix="m2_")
    assert [layer.name for layer in model.layers] == ["m2_" + n for n in layers]
    assert model.layers[0].mask_zero == (name != "cnn")
    x = np.random.default_rng(1).integers(0, 20, size=(5, 7)).astype(np.int32)
    probs = model.predict(x)
    assert probs.shape == (5, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("name", ["embedding-bag", "cnn", "bilstm"])
def test_the_rng_fixes_every_start(name):
    same = [_build(name, seed=3).get_weights(), _build(name, seed=3).get_weights()]
    for a, b in zip(*same):
        np.testing.assert_array_equal(a, b)
    other = _build(name, seed=4).get_weights()
    assert not np.array_equal(other[0], same[0][0])


def test_pretrained_rows_replace_the_random_ones_and_can_be_frozen():
    ids = np.array([2, 5])
    vectors = np.arange(12, dtype=np.float32).reshape(2, 6)
    model = _build("embedding-bag", pretrained=(ids, vectors), trainable=False)
    table = model.layers[0].get_weights()[0]
    np.testing.assert_array_equal(table[ids], vectors)
    assert np.abs(np.delete(table, ids, axis=0)).max() <= 0.05
    assert not model.layers[0].trainable


def test_optimizers_from_the_recipe():
    assert isinstance(optimizer({"optimizer": "adam", "learning_rate": 0.1}), optimizers.Adam)
    adadelta = optimizer({"optimizer": "adadelta", "learning_rate": 1.0})
    assert isinstance(adadelta, optimizers.Adadelta) and adadelta.epsilon == 1e-6
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        optimizer({"optimizer": "lbfgs", "learning_rate": 1.0})


def test_average_members_averages_probabilities():
    members = [_build("gru", seed=s, prefix=f"m{s}_") for s in (1, 2)]
    x = np.random.default_rng(0).integers(1, 20, size=(4, 7)).astype(np.int32)
    expected = np.mean([m.predict(x) for m in members], axis=0)
    merged = average_members(members, width=7)
    np.testing.assert_allclose(merged.predict(x), expected, rtol=1e-5, atol=1e-6)
