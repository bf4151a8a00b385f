"""Losses: values (literal and Keras 3 reference values), gradients, fused gradients, bad input."""
import numpy as np
import pytest

from textembed import losses
from textembed.activations import get as get_activation

from goldens import CORE, config, core_names
from gradcheck import numeric_gradient

ALL_LOSSES = ["mse", "mae", "binary_crossentropy", "categorical_crossentropy",
              "sparse_categorical_crossentropy"]


def make_targets(name, shape, rng):
    if name == "sparse_categorical_crossentropy":
        return rng.integers(0, shape[-1], size=shape[:-1])
    if name == "categorical_crossentropy":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]
    if name == "binary_crossentropy":
        return rng.integers(0, 2, size=shape).astype(np.float64)
    return rng.normal(size=shape)


def make_predictions(name, shape, rng):
    if "crossentropy" in name:
        if name == "binary_crossentropy":
            return rng.uniform(0.05, 0.95, size=shape)
        p = rng.uniform(0.1, 1.0, size=shape)
        return p / p.sum(axis=-1, keepdims=True)
    return rng.normal(size=shape)


@pytest.mark.parametrize("name", ALL_LOSSES)
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5)])
def test_loss_gradient_matches_finite_differences(name, shape):
    rng = np.random.default_rng([len(name), *shape])
    loss = losses.get(name)
    y = make_targets(name, shape, rng)
    p = make_predictions(name, shape, rng)
    if name == "mae":
        p = y + np.where(rng.random(shape) < 0.5, -1, 1) * rng.uniform(0.1, 1, size=shape)
    grad = loss.gradient(y, p)
    assert grad.shape == p.shape and grad.dtype == np.float64
    np.testing.assert_allclose(grad, numeric_gradient(lambda: loss(y, p), p), rtol=1e-5,
                               atol=1e-8)


def test_loss_values_literal():
    # mse: mean over the last axis, then over the batch
    assert losses.get("mse")([[0.0, 0.0], [1.0, 1.0]], [[1.0, 3.0], [1.0, 2.0]]) == \
        pytest.approx(((1 + 9) / 2 + (0 + 1) / 2) / 2)
    assert losses.get("mae")([[0.0, 0.0]], [[1.0, -3.0]]) == pytest.approx(2.0)
    # binary: -(log 0.8 + log 0.6) / 2 for one sample with two outputs
    assert losses.get("binary_crossentropy")([[1.0, 0.0]], [[0.8, 0.4]]) == \
        pytest.approx(-(np.log(0.8) + np.log(0.6)) / 2)
    # categorical: Keras 2 renormalises p: [0.2, 0.6] -> [0.25, 0.75]
    assert losses.get("categorical_crossentropy")([[0.0, 1.0]], [[0.2, 0.6]]) == \
        pytest.approx(-np.log(0.75))
    assert losses.get("sparse_categorical_crossentropy")([1, 0], [[0.3, 0.7], [0.9, 0.1]]) == \
        pytest.approx(-(np.log(0.7) + np.log(0.9)) / 2)
    # (batch, 1) class ids are accepted too
    assert losses.get("sparse_categorical_crossentropy")([[1]], [[0.3, 0.7]]) == \
        pytest.approx(-np.log(0.7))


def test_crossentropies_clip_at_epsilon():
    assert losses.get("binary_crossentropy")([[1.0]], [[0.0]]) == pytest.approx(-np.log(1e-7))
    assert losses.get("categorical_crossentropy")([[1.0, 0.0]], [[0.0, 1.0]]) == \
        pytest.approx(-np.log(1e-7))
    grad = losses.get("binary_crossentropy").gradient(np.array([[1.0]]), np.array([[0.0]]))
    assert grad[0, 0] == 0.0


def test_per_sample_functions_and_float64_accumulation():
    y = np.zeros((3, 2), dtype=np.float32)
    p = np.full((3, 2), 0.5, dtype=np.float32)
    values = losses.mse(y, p)
    assert values.shape == (3,) and values.dtype == np.float64
    np.testing.assert_allclose(values, 0.25)
    assert losses.get("mse").gradient(y, p).dtype == np.float32


@pytest.mark.parametrize("name, activation", [("categorical_crossentropy", "softmax"),
                                              ("sparse_categorical_crossentropy", "softmax"),
                                              ("binary_crossentropy", "sigmoid")])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_fused_gradient_equals_chained_gradient(name, activation, shape):
    rng = np.random.default_rng(5)
    loss = losses.get(name)
    assert loss.fuses_with == activation
    act = get_activation(activation)
    z = rng.normal(size=shape)
    p = act.forward(z)
    y = make_targets(name, shape, rng)
    chained = act.backward(loss.gradient(y, p), z, p)
    np.testing.assert_allclose(loss.fused_gradient(y, p), chained, rtol=1e-7, atol=1e-12)
    # and it is the gradient of the loss of softmax/sigmoid(z) with respect to z
    np.testing.assert_allclose(loss.fused_gradient(y, p),
                               numeric_gradient(lambda: loss(y, act.forward(z)), z),
                               rtol=1e-5, atol=1e-9)


def test_loss_bad_input():
    with pytest.raises(ValueError, match="unknown loss 'msq'.*valid names:.*mse"):
        losses.get("msq")
    with pytest.raises(ValueError, match=r"targets have shape \(2, 3\).*\(2, 4\)"):
        losses.get("mse")(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"class id 3 is outside \[0, 3\)"):
        losses.get("sparse_categorical_crossentropy")([0, 3], np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match="class ids of shape"):
        losses.get("sparse_categorical_crossentropy")(np.zeros((2, 3)), np.full((2, 3), 1 / 3))


def test_accuracy_flavours():
    assert losses.accuracy("binary_crossentropy", [[1], [0]], [[0.7], [0.6]]) == (1, 2)
    assert losses.accuracy("categorical_crossentropy", [[0, 1], [1, 0]],
                           [[0.2, 0.8], [0.3, 0.7]]) == (1, 2)
    assert losses.accuracy("sparse_categorical_crossentropy", [1, 1],
                           [[0.2, 0.8], [0.6, 0.4]]) == (1, 2)


@pytest.mark.parametrize("name", core_names("loss"))
def test_loss_matches_keras(name):
    function = getattr(losses, config(CORE, f"loss/{name}/config")["loss"])
    value = function(CORE[f"loss/{name}/y_true"], CORE[f"loss/{name}/y_pred"])
    np.testing.assert_allclose(value, CORE[f"loss/{name}/value"], rtol=1e-5, atol=1e-6)
