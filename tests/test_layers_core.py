"""Core layers and Embedding: float64 gradient checks, the layer contract, masks, bad input."""
import numpy as np
import pytest

from textembed import activations
from textembed.layers import (Activation, ActivityRegularization, Dense, Dropout, Embedding,
                              Flatten, RepeatVector, Reshape)
from textembed.regularizers import Regularizer

from gradcheck import as_float64, check_layer_contract, check_layer_gradients, numeric_gradient


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def built(layer, input_shape):
    layer.build(input_shape)
    return layer


# -- gradient checks ---------------------------------------------------------------

@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid", "softmax"])
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)])
def test_dense_gradients(rng, activation, shape):
    layer = built(Dense(5, activation=activation), (None,) + shape[1:])
    check_layer_gradients(layer, rng.normal(size=shape))


def test_dense_without_bias_gradients(rng):
    layer = built(Dense(3, use_bias=False, activation="tanh"), (None, 4))
    assert len(layer.get_weights()) == 1
    check_layer_gradients(layer, rng.normal(size=(4, 4)))


@pytest.mark.parametrize("name", activations.NAMES)
def test_every_activation_gradient(rng, name):
    layer = built(Activation(name), (None, 3, 5))
    x = rng.normal(size=(2, 3, 5))
    # keep clear of the kinks of relu (0) and hard_sigmoid (+-2.5)
    x = np.where(np.abs(x) < 0.05, x + 0.2, x)
    check_layer_gradients(layer, x)
    assert layer.forward(x).dtype == np.float64


def check_with_activity_penalty(layer, x, seed=0):
    """Gradient check of sum(out * g) + activity_penalty (input and weights), float64."""
    as_float64(layer)
    x = np.array(x, dtype=np.float64)
    g = np.random.default_rng(seed).normal(size=layer.forward(x).shape)

    def scalar():
        out = layer.forward(x, training=False)
        return float(np.sum(out * g) + layer.activity_penalty)

    scalar()
    grad_x = layer.backward(g)
    weight_grads = [gr.copy() for gr in layer.grads]
    np.testing.assert_allclose(grad_x, numeric_gradient(scalar, x), rtol=1e-5, atol=1e-7)
    for w, gw in zip(layer._weights, weight_grads):
        np.testing.assert_allclose(gw, numeric_gradient(scalar, w), rtol=1e-5, atol=1e-7)


def test_activity_regularization_layer_is_identity_and_adds_penalty(rng):
    layer = built(ActivityRegularization(l1=0.01, l2=0.1), (None, 4))
    x = rng.normal(size=(3, 4))
    np.testing.assert_array_equal(layer.forward(x), x)
    expected = 0.01 * np.abs(x).sum() + 0.1 * np.square(x).sum()
    assert layer.activity_penalty == pytest.approx(expected, rel=1e-12)
    check_with_activity_penalty(layer, x)


def test_dense_activity_regularizer_gradient(rng):
    layer = built(Dense(3, activation="tanh", activity_regularizer=Regularizer(l1=0.02, l2=0.05)),
                  (None, 4))
    x = rng.normal(size=(3, 4))
    check_with_activity_penalty(layer, x)
    assert layer.activity_penalty > 0


@pytest.mark.parametrize("factory, shape", [
    (lambda r: Flatten(activity_regularizer=r), (2, 3, 2)),
    (lambda r: Reshape((3, -1), activity_regularizer=r), (2, 6)),
    (lambda r: RepeatVector(2, activity_regularizer=r), (2, 3)),
    (lambda r: Dropout(0.5, activity_regularizer=r), (2, 3)),
    (lambda r: Activation("tanh", activity_regularizer=r), (2, 3)),
])
def test_every_layer_applies_its_activity_regularizer(rng, factory, shape):
    layer = built(factory(Regularizer(l1=0.03, l2=0.2)), (None,) + shape[1:])
    x = rng.normal(size=shape)
    check_with_activity_penalty(layer, x)
    assert layer.activity_penalty > 0


def test_dropout_gradient_with_a_fixed_mask(rng):
    layer = built(Dropout(0.4, seed=3), (None, 6))
    original = layer.forward

    def replay(x, training=False, mask=None):
        layer._rng = np.random.default_rng(7)
        return original(x, training=training, mask=mask)

    layer.forward = replay
    check_layer_gradients(layer, rng.normal(size=(5, 6)), training=True)


def test_dropout_statistics_and_inference(rng):
    layer = built(Dropout(0.25, seed=0), (None, 1000))
    x = np.ones((20, 1000), dtype=np.float32)
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    y = layer.forward(x, training=True)
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), y)


def test_dropout_noise_shape_shares_the_mask():
    layer = built(Dropout(0.5, noise_shape=(None, 1, 8), seed=1), (None, 5, 8))
    y = layer.forward(np.ones((4, 5, 8), dtype=np.float32), training=True)
    assert np.all(y == y[:, :1, :])


@pytest.mark.parametrize("factory, in_shape", [
    (lambda: Flatten(), (2, 3, 4)),
    (lambda: Reshape((-1, 2)), (2, 3, 4)),
    (lambda: Reshape((4, 3)), (2, 12)),
    (lambda: RepeatVector(3), (2, 5)),
])
def test_shape_layer_gradients(rng, factory, in_shape):
    layer = built(factory(), (None,) + in_shape[1:])
    check_layer_gradients(layer, rng.normal(size=in_shape))


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


# -- the layer contract ------------------------------------------------------------

@pytest.mark.parametrize("factory, input_shape, dtype, n_weights", [
    (lambda: Dense(4, activation="relu", kernel_regularizer="l2", bias_constraint="non_neg",
                   activity_regularizer="l1"), (None, 3), "float", 2),
    (lambda: Dense(4, use_bias=False), (None, 2, 3), "float", 1),
    (lambda: Dropout(0.3, noise_shape=(None, 1), seed=2), (None, 3), "float", 0),
    (lambda: Flatten(), (None, 2, 3), "float", 0),
    (lambda: Reshape((-1, 3)), (None, 6), "float", 0),
    (lambda: RepeatVector(2), (None, 3), "float", 0),
    (lambda: ActivityRegularization(l1=0.1), (None, 3), "float", 0),
    (lambda: Activation("softmax"), (None, 4), "float", 0),
    (lambda: Embedding(20, 4, mask_zero=True, embeddings_constraint="unit_norm",
                       input_length=5), (None, 5), "int", 1),
])
def test_layer_contract(rng, factory, input_shape, dtype, n_weights):
    if dtype == "int":
        def make(batch):
            return rng.integers(0, 20, size=(batch,) + input_shape[1:])
    else:
        def make(batch):
            return rng.normal(size=(batch,) + input_shape[1:]).astype(np.float32)
    check_layer_contract(factory, input_shape, make, n_weights)


def test_config_round_trip_keeps_arguments():
    layer = Dense(7, activation="tanh", use_bias=False, kernel_regularizer=Regularizer(l2=0.5),
                  kernel_constraint="max_norm", input_dim=3, name="d")
    clone = Dense.from_config(layer.get_config())
    assert clone.units == 7 and clone.activation.name == "tanh" and not clone.use_bias
    assert clone.kernel_regularizer.l2 == 0.5 and clone.batch_input_shape == (None, 3)
    assert type(clone.kernel_constraint).__name__ == "MaxNorm"
    emb = Embedding.from_config(Embedding(30, 2, mask_zero=True, input_length=4).get_config())
    assert (emb.input_dim, emb.output_dim, emb.mask_zero, emb.batch_input_shape) == \
        (30, 2, True, (None, 4))


# -- behaviour -------------------------------------------------------------------------

def test_dense_matches_numpy_on_3d_input(rng):
    layer = built(Dense(3, activation="sigmoid"), (None, 4, 5))
    kernel, bias = layer.get_weights()
    x = rng.normal(size=(2, 4, 5)).astype(np.float32)
    expected = 1 / (1 + np.exp(-(x @ kernel + bias)))
    y = layer.forward(x)
    assert y.dtype == np.float32 and y.shape == (2, 4, 3)
    np.testing.assert_allclose(y, expected, rtol=1e-5)


def test_dense_passes_masks_and_flatten_drops_them():
    mask = np.array([[True, False]])
    assert Dense(2).compute_mask(None, mask) is mask
    assert Dropout(0.5).compute_mask(None, mask) is mask
    assert Flatten().compute_mask(None, mask) is None


def test_embedding_forward_mask_and_float_ids(rng):
    layer = built(Embedding(10, 3, mask_zero=True), (None, 4))
    ids = np.array([[0, 1, 2, 0], [9, 9, 0, 3]])
    out = layer.forward(ids)
    np.testing.assert_array_equal(out, layer.get_weights()[0][ids])
    np.testing.assert_array_equal(layer.compute_mask(ids), ids != 0)
    np.testing.assert_array_equal(layer.forward(ids.astype(np.float64)), out)
    assert built(Embedding(10, 3), (None, 4)).compute_mask(ids) is None


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


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="units"):
        Dense(0)
    with pytest.raises(ValueError, match="unknown activation 'relux'.*valid names: .*relu"):
        Dense(3, activation="relux")
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="at most one -1"):
        Reshape((-1, -1))
    with pytest.raises(ValueError, match=r"'rs'.*\(None, 12\).*\(5, 3\)"):
        Reshape((5, 3), name="rs").build((None, 12))
    with pytest.raises(ValueError, match="not a multiple"):
        Reshape((-1, 5)).build((None, 12))
    with pytest.raises(ValueError, match="2D"):
        RepeatVector(2).build((None, 3, 4))
    with pytest.raises(ValueError, match="input_dim"):
        Embedding(0, 3)


def test_dense_rejects_wrong_input_width(rng):
    layer = built(Dense(2, name="d2"), (None, 4))
    with pytest.raises(ValueError, match=r"'d2'.*\(3, 5\)"):
        layer.forward(rng.normal(size=(3, 5)))


def test_set_weights_with_wrong_shape():
    layer = built(Dense(2, name="dd"), (None, 4))
    with pytest.raises(ValueError, match=r"'dd'.*kernel.*\(4, 2\).*\(3, 2\)"):
        layer.set_weights([np.zeros((3, 2)), np.zeros(2)])
