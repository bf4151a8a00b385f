"""Embedding: sparse row gradients, the layer contract, Keras 3 reference outputs, masks,
pretrained tables, growing the table, bad ids."""
import numpy as np
import pytest

from textembed.layers import Embedding

from goldens import CORE, config, core_names
from gradcheck import as_float64, check_layer_gradients, numeric_gradient
from layertest import built, run_layer_test


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# -- gradients -------------------------------------------------------------------------

def test_embedding_sparse_gradient(rng):
    layer = built(Embedding(12, 4), (None, 5))
    ids = rng.integers(0, 6, size=(3, 5))
    check_layer_gradients(layer, ids)
    rows = layer.sparse_rows[0]
    assert sorted(rows) == sorted(np.unique(ids))
    assert layer.grads[0].shape == (len(rows), 4)


def test_embedding_with_regularizer_has_dense_gradient(rng):
    layer = built(Embedding(8, 3, embeddings_regularizer="l2"), (None, 4))
    check_layer_gradients(layer, rng.integers(0, 8, size=(2, 4)))
    assert layer.sparse_rows[0] is None and layer.grads[0].shape == (8, 3)


def test_embedding_activity_regularizer_gradient(rng):
    layer = built(Embedding(8, 3, activity_regularizer="l2"), (None, 4))
    ids = rng.integers(0, 8, size=(2, 4))
    as_float64(layer)
    g = rng.normal(size=(2, 4, 3))

    def scalar():
        return float(np.sum(layer.forward(ids) * g) + layer.activity_penalty)

    scalar()
    layer.backward(g)
    dense = np.zeros_like(layer._weights[0])
    np.add.at(dense, layer.sparse_rows[0], layer.grads[0])
    np.testing.assert_allclose(dense, numeric_gradient(scalar, layer._weights[0]), rtol=1e-5,
                               atol=1e-7)


# -- the layer contract ----------------------------------------------------------------

def test_embedding_layer_contract():
    run_layer_test(Embedding, (None, 5), kwargs=dict(input_dim=20, output_dim=4, mask_zero=True,
                                                      embeddings_constraint="unit_norm",
                                                      input_length=5),
                   id_range=20, expected_output_shape=(None, 5, 4), expected_num_weights=1,
                   expected_num_trainable_weights=1, supports_masking=False)


def test_embedding_config_round_trip_keeps_arguments():
    emb = Embedding.from_config(Embedding(30, 2, mask_zero=True, input_length=4).get_config())
    assert (emb.input_dim, emb.output_dim, emb.mask_zero, emb.batch_input_shape) == \
        (30, 2, True, (None, 4))


# -- behaviour -------------------------------------------------------------------------

def test_embedding_forward_mask_and_float_ids(rng):
    layer = built(Embedding(10, 3, mask_zero=True), (None, 4))
    ids = np.array([[0, 1, 2, 0], [9, 9, 0, 3]])
    out = layer.forward(ids)
    np.testing.assert_array_equal(out, layer.get_weights()[0][ids])
    np.testing.assert_array_equal(layer.compute_mask(ids), ids != 0)
    np.testing.assert_array_equal(layer.forward(ids.astype(np.float64)), out)
    assert built(Embedding(10, 3), (None, 4)).compute_mask(ids) is None


@pytest.mark.parametrize("name", core_names("layer", "Embedding"))
def test_embedding_matches_keras(name):
    spec = config(CORE, f"layer/{name}/config")
    x = CORE[f"layer/{name}/x"]
    layer = Embedding(**spec["kwargs"])
    layer.build((None,) + x.shape[1:])
    layer.set_weights([CORE[f"layer/{name}/w{i}"] for i in range(len(layer.weights))])
    np.testing.assert_allclose(layer.forward(x), CORE[f"layer/{name}/y"], rtol=1e-5, atol=1e-6)
    if f"layer/{name}/mask" in CORE.files:
        np.testing.assert_array_equal(layer.compute_mask(x), CORE[f"layer/{name}/mask"])


@pytest.mark.parametrize("bad", [10, -1, 12345])
def test_embedding_rejects_out_of_range_ids(bad):
    layer = built(Embedding(10, 3, name="words"), (None, 3))
    with pytest.raises(ValueError, match=rf"'words'.*id {bad}.*\[0, 10\)"):
        layer.forward(np.array([[1, bad, 2]]))


def test_embedding_rejects_fractional_ids():
    layer = built(Embedding(10, 3), (None, 2))
    with pytest.raises(ValueError, match="integer ids"):
        layer.forward(np.array([[1.5, 2.0]]))


def test_embedding_pretrained_and_frozen(rng):
    matrix = rng.normal(size=(6, 3)).astype(np.float32)
    for layer in (Embedding(6, 3, weights=[matrix], trainable=False),
                  Embedding.from_pretrained(matrix, freeze=True, mask_zero=True)):
        layer.build((None, 2))
        np.testing.assert_array_equal(layer.get_weights()[0], matrix)
        assert layer.trainable_indices() == []
    assert Embedding.from_pretrained(matrix, freeze=False).trainable
    with pytest.raises(ValueError, match=r"\(6, 4\)"):
        Embedding(6, 4, weights=[matrix])


def test_embedding_add_rows_grows_the_table_and_trains_on(rng):
    from textembed import optimizers
    layer = built(Embedding(4, 3, mask_zero=True), (None, 2))
    before = layer.get_weights()[0]
    extra = rng.normal(size=(2, 3)).astype(np.float32)
    layer.add_rows(extra)
    assert layer.input_dim == 6 and layer.get_config()["input_dim"] == 6
    np.testing.assert_array_equal(layer.get_weights()[0], np.concatenate([before, extra]))
    np.testing.assert_array_equal(layer.forward(np.array([[5, 1]]))[0], [extra[1], before[1]])
    # a gradient step after growing touches exactly the rows looked up
    layer.forward(np.array([[5, 1]]), training=True)
    layer.backward(np.ones((1, 2, 3), dtype=np.float32))
    weights = layer._weights[0]
    optimizers.SGD(learning_rate=0.5).apply_gradients(
        [(weights, layer.grads[0], layer.sparse_rows[0])])
    np.testing.assert_allclose(weights[5], extra[1] - 0.5)
    np.testing.assert_array_equal(weights[4], extra[0])
    with pytest.raises(ValueError, match=r"\(k, 3\)"):
        layer.add_rows(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="built"):
        Embedding(4, 3).add_rows(extra)


def test_embedding_bad_arguments():
    with pytest.raises(ValueError, match="input_dim"):
        Embedding(0, 3)
