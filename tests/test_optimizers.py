"""Optimizers: literal two-step values, Keras 3 reference values, defaults, sparse rows."""
import numpy as np
import pytest

from textembed import optimizers

from goldens import CORE, config, core_names


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


@pytest.mark.parametrize("name", core_names("opt"))
def test_optimizer_matches_keras(name):
    spec = config(CORE, f"opt/{name}/config")
    optimizer = getattr(optimizers, spec["class_name"])(**spec["kwargs"])
    w = CORE[f"opt/{name}/w0"].copy()
    for g in CORE[f"opt/{name}/g"]:
        optimizer.apply_gradients([(w, g, None)])
    np.testing.assert_allclose(w, CORE[f"opt/{name}/w"], rtol=1e-5, atol=1e-6)
