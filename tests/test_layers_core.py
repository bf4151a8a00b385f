"""Core layers (Dense, Dropout, Flatten, Reshape, RepeatVector, ActivityRegularization,
Activation): float64 gradient checks, the layer contract, Keras 3 reference outputs, masks, bad input."""
import numpy as np
import pytest

from textembed import activations
from textembed.layers import (Activation, ActivityRegularization, Dense, Dropout, Flatten,
                              RepeatVector, Reshape)
from textembed.regularizers import Regularizer

from goldens import CORE, config, core_names
from gradcheck import as_float64, check_layer_gradients, numeric_gradient
from layertest import built, run_layer_test


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


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


# -- the layer contract ------------------------------------------------------------

@pytest.mark.parametrize("layer_class, kwargs, input_shape, output_shape, n_weights, masking", [
    (Dense, dict(units=4, activation="relu", kernel_regularizer="l2", bias_constraint="non_neg",
                 activity_regularizer="l1"), (None, 3), (None, 4), 2, True),
    (Dense, dict(units=4, use_bias=False), (None, 2, 3), (None, 2, 4), 1, True),
    (Dropout, dict(rate=0.3, noise_shape=(None, 1), seed=2), (None, 3), (None, 3), 0, True),
    (Flatten, {}, (None, 2, 3), (None, 6), 0, False),
    (Reshape, dict(target_shape=(-1, 3)), (None, 6), (None, 2, 3), 0, False),
    (RepeatVector, dict(n=2), (None, 3), (None, 2, 3), 0, False),
    (ActivityRegularization, dict(l1=0.1), (None, 3), (None, 3), 0, True),
    (Activation, dict(activation="softmax"), (None, 4), (None, 4), 0, True),
])
def test_layer_contract(layer_class, kwargs, input_shape, output_shape, n_weights, masking):
    run_layer_test(layer_class, input_shape, kwargs=kwargs, expected_output_shape=output_shape,
                   expected_num_weights=n_weights, expected_num_trainable_weights=n_weights,
                   supports_masking=masking)


def test_config_round_trip_keeps_arguments():
    layer = Dense(7, activation="tanh", use_bias=False, kernel_regularizer=Regularizer(l2=0.5),
                  kernel_constraint="max_norm", input_dim=3, name="d")
    clone = Dense.from_config(layer.get_config())
    assert clone.units == 7 and clone.activation.name == "tanh" and not clone.use_bias
    assert clone.kernel_regularizer.l2 == 0.5 and clone.batch_input_shape == (None, 3)
    assert type(clone.kernel_constraint).__name__ == "MaxNorm"


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


@pytest.mark.parametrize("name", core_names("layer", "Dense"))
def test_dense_matches_keras(name):
    spec = config(CORE, f"layer/{name}/config")
    x = CORE[f"layer/{name}/x"]
    layer = Dense(**spec["kwargs"])
    layer.build((None,) + x.shape[1:])
    layer.set_weights([CORE[f"layer/{name}/w{i}"] for i in range(len(layer.weights))])
    np.testing.assert_allclose(layer.forward(x), CORE[f"layer/{name}/y"], rtol=1e-5, atol=1e-6)


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


def test_dense_rejects_wrong_input_width(rng):
    layer = built(Dense(2, name="d2"), (None, 4))
    with pytest.raises(ValueError, match=r"'d2'.*\(3, 5\)"):
        layer.forward(rng.normal(size=(3, 5)))


def test_set_weights_with_wrong_shape():
    layer = built(Dense(2, name="dd"), (None, 4))
    with pytest.raises(ValueError, match=r"'dd'.*kernel.*\(4, 2\).*\(3, 2\)"):
        layer.set_weights([np.zeros((3, 2)), np.zeros(2)])
