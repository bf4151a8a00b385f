"""Losses (values, gradients, fused gradients) and optimizers (literal two-step values, sparse rows)."""
import numpy as np
import pytest

from textembed import losses, optimizers
from textembed.activations import get as get_activation

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


# -- optimizers ------------------------------------------------------------------------

def two_steps(optimizer, grads=(0.5, -0.25)):
    w = np.ones(1, dtype=np.float32)
    values = []
    for g in grads:
        optimizer.apply_gradients([(w, np.array([g], dtype=np.float32), None)])
        values.append(float(w[0]))
    return values


@pytest.mark.parametrize("optimizer, expected", [
    # w -= 0.1 g
    (optimizers.SGD(learning_rate=0.1), [0.95, 0.975]),
    # v = 0.9 v - 0.1 g: v1 = -0.05, v2 = -0.045 + 0.025 = -0.02; w += v
    (optimizers.SGD(learning_rate=0.1, momentum=0.9), [0.95, 0.93]),
    # nesterov: w += 0.9 v - 0.1 g: 1 - 0.045 - 0.05 = 0.905; 0.905 - 0.018 + 0.025 = 0.912
    (optimizers.SGD(lr=0.1, momentum=0.9, nesterov=True), [0.905, 0.912]),
    # a1 = 0.025, w1 = 1 - 0.05 / sqrt(0.025); a2 = 0.02875, w2 = w1 + 0.025 / sqrt(0.02875)
    (optimizers.RMSprop(learning_rate=0.1), [0.6837724339830356, 0.8312143031814623]),
    # m1 = 0.05, v1 = 0.00025, lr_t = 0.1 sqrt(0.001) / 0.1: w1 = 1 - 0.1 * (1 - tiny eps)
    (optimizers.Adam(learning_rate=0.1), [0.900000632451532, 0.8733670792079218]),
    # a1 = 0.25: w1 = 1 - 0.1; a2 = 0.3125: w2 = 0.9 + 0.025 / sqrt(0.3125)
    (optimizers.Adagrad(learning_rate=0.1), [0.900000019999996, 0.9447213715499932]),
    # a1 = 0.0125, u1 = 0.5 sqrt(1e-7) / sqrt(a1 + 1e-7), d1 = 0.05 u1^2, ...
    (optimizers.Adadelta(), [0.9985857920944472, 0.9994986581550116]),
])
def test_optimizer_two_steps_literal(optimizer, expected):
    np.testing.assert_allclose(two_steps(optimizer), expected, rtol=2e-7)
    assert optimizer.iterations == 2


def test_keras_defaults_and_lr_alias():
    assert optimizers.SGD().learning_rate == 0.01
    assert optimizers.RMSprop().get_config() == {"learning_rate": 0.001, "decay": 0.0,
                                                 "rho": 0.9, "epsilon": 1e-7}
    adam = optimizers.Adam()
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon) == \
        (0.001, 0.9, 0.999, 1e-7)
    assert optimizers.Adagrad().learning_rate == 0.01
    assert (optimizers.Adadelta().learning_rate, optimizers.Adadelta().rho) == (1.0, 0.95)
    assert optimizers.Adam(lr=0.5).lr == 0.5
    clone = optimizers.get(optimizers.serialize(optimizers.SGD(0.2, momentum=0.5)))
    assert isinstance(clone, optimizers.SGD) and clone.momentum == 0.5


def test_get_optimizer():
    for name, cls in [("sgd", optimizers.SGD), ("RMSprop", optimizers.RMSprop),
                      ("adam", optimizers.Adam), ("adagrad", optimizers.Adagrad),
                      ("adadelta", optimizers.Adadelta)]:
        assert isinstance(optimizers.get(name), cls)
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'.*sgd, rmsprop, adam"):
        optimizers.get("adamw")
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.SGD(learning_rate=-1)


@pytest.mark.parametrize("make", [lambda: optimizers.SGD(0.1, momentum=0.9),
                                  optimizers.RMSprop, optimizers.Adam, optimizers.Adagrad,
                                  optimizers.Adadelta])
def test_sparse_rows_update_only_those_rows(make):
    rng = np.random.default_rng(0)
    w = rng.normal(size=(6, 3)).astype(np.float32)
    before = w.copy()
    rows = np.array([4, 1])
    g = rng.normal(size=(2, 3)).astype(np.float32)
    make().apply_gradients([(w, g, rows)])
    untouched = [0, 2, 3, 5]
    np.testing.assert_array_equal(w[untouched], before[untouched])
    # the touched rows move exactly as a dense update of just those rows
    sub = before[rows].copy()
    make().apply_gradients([(sub, g, None)])
    np.testing.assert_allclose(w[rows], sub, rtol=1e-6)


def test_lazy_adam_keeps_slots_of_untouched_rows():
    w = np.zeros((3, 2), dtype=np.float32)
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply_gradients([(w, np.ones((1, 2), dtype=np.float32), np.array([0]))])
    after_first = w.copy()
    opt.apply_gradients([(w, np.ones((1, 2), dtype=np.float32), np.array([2]))])
    np.testing.assert_array_equal(w[0], after_first[0])  # no momentum drift for row 0
    assert np.all(w[2] < 0)
