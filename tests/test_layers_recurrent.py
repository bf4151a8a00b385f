"""The recurrent base shared by LSTM and GRU: dropout, masks, stacked layers, Keras 1
spellings, regularizers, constraints, activity regularizer, bad input."""
import numpy as np
import pytest

from textembed.layers import GRU, LSTM

from gradcheck import check_layer_gradients, numeric_gradient
from recurrent_reference import make, masks, random_weights, reference_rnn


@pytest.fixture
def rng():
    return np.random.default_rng(4321)


# -- dropout -------------------------------------------------------------------

@pytest.mark.parametrize("cls,kwargs", [(LSTM, {}), (GRU, {}), (GRU, dict(reset_after=True)),
                                        (LSTM, dict(return_sequences=True, go_backwards=True))])
def test_dropout_gradients_and_reference(cls, kwargs, rng):
    """Dropout masks are drawn once per batch and reused at every step (fixed here)."""
    layer = make(cls, 3, dropout=0.3, recurrent_dropout=0.4, **kwargs)
    layer.build((None, 4, 2))
    random_weights(layer, rng)
    x = rng.normal(size=(2, 4, 2))
    fixed = {2: (rng.random((2, 2)) > 0.3) / 0.7, 3: (rng.random((2, 3)) > 0.4) / 0.6}
    layer._dropout_mask = lambda rate, shape, dtype: fixed[shape[1]].astype(dtype)
    check_layer_gradients(layer, x, training=True)
    seq, h, _ = reference_rnn(layer, x, dmask=fixed[2], rmask=fixed[3])
    y = layer.forward(x, training=True)
    np.testing.assert_allclose(y, seq if layer.return_sequences else h, rtol=1e-10, atol=1e-12)
    # inference uses no dropout
    seq0, h0, _ = reference_rnn(layer, x)
    np.testing.assert_allclose(layer.forward(x), seq0 if layer.return_sequences else h0,
                               rtol=1e-10, atol=1e-12)


def test_dropout_draws_fresh_masks_in_training(rng):
    layer = LSTM(3, dropout=0.5, seed=1)
    layer.build((None, 4, 2))
    x = rng.normal(size=(8, 4, 2)).astype(np.float32)
    a, b = layer.forward(x, training=True), layer.forward(x, training=True)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(layer.forward(x), layer.forward(x))


# -- stacked layers, masking semantics -----------------------------------------

def test_stacked_layers_gradients(rng):
    """LSTM(return_sequences) -> GRU(return_sequences) -> LSTM, chained by hand."""
    layers = [LSTM(4, return_sequences=True), GRU(3, return_sequences=True, reset_after=True),
              LSTM(2)]
    shape = (None, 5, 3)
    for layer in layers:
        layer.build(shape)
        shape = layer.compute_output_shape(shape)
        layer.set_weights([rng.normal(scale=0.5, size=w.shape) for w in layer.get_weights()])
        for i, w in enumerate(layer._weights):
            layer._weights[i] = w.astype(np.float64)
    x = rng.normal(size=(2, 5, 3))
    mask = masks(2, 5)
    g = rng.normal(size=(2, 2))

    def run():
        y = x
        for layer in layers:
            y = layer.forward(y, mask=mask)
        return y

    def scalar():
        return float(np.sum(run() * g))

    run()
    grad = g
    for layer in reversed(layers):
        grad = layer.backward(grad)
    analytic = [[w.copy() for w in layer.grads] for layer in layers]
    np.testing.assert_allclose(grad, numeric_gradient(scalar, x), rtol=1e-5, atol=1e-8)
    for layer, grads in zip(layers, analytic):
        for w, gw in zip(layer._weights, grads):
            np.testing.assert_allclose(gw, numeric_gradient(scalar, w), rtol=1e-5, atol=1e-8)


def test_masked_steps_carry_previous_output(rng):
    layer = LSTM(3, return_sequences=True)
    layer.build((None, 6, 2))
    x = rng.normal(size=(2, 6, 2)).astype(np.float32)
    mask = np.array([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]], dtype=bool)
    y = layer.forward(x, mask=mask)
    np.testing.assert_array_equal(y[0, :2], 0.0)              # pre-padding: the initial state
    np.testing.assert_array_equal(y[1, 4], y[1, 3])            # post-padding: carried
    np.testing.assert_array_equal(y[1, 5], y[1, 3])
    # the padded steps change nothing: same result as the unpadded sequences
    last = LSTM(3)
    last.build((None, 6, 2))
    last.set_weights(layer.get_weights())
    np.testing.assert_allclose(last.forward(x, mask=mask)[0], last.forward(x[:1, 2:])[0],
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(last.forward(x, mask=mask)[1], last.forward(x[1:, :4])[0],
                               rtol=1e-6, atol=1e-7)
    zero = LSTM(3, return_sequences=True, zero_output_for_mask=True)
    zero.build((None, 6, 2))
    zero.set_weights(layer.get_weights())
    np.testing.assert_array_equal(zero.forward(x, mask=mask)[1, 4:], 0.0)


def test_compute_mask():
    mask = np.ones((2, 4), dtype=bool)
    assert LSTM(3, return_sequences=True).compute_mask(None, mask) is mask
    assert LSTM(3).compute_mask(None, mask) is None
    assert GRU(3, return_state=True).compute_mask(None, mask) == [None, None]


# -- arguments -----------------------------------------------------------------

def test_keras1_spellings():
    layer = LSTM(output_dim=4, inner_activation="sigmoid", dropout_W=0.2, dropout_U=0.1,
                 input_dim=3, input_length=6)
    assert (layer.units, layer.recurrent_activation, layer.dropout, layer.recurrent_dropout) == \
        (4, "sigmoid", 0.2, 0.1)
    assert layer.batch_input_shape == (None, 6, 3)


def test_regularizers_and_constraints_apply(rng):
    layer = LSTM(3, kernel_regularizer="l2", recurrent_constraint="non_neg")
    layer.build((None, 4, 2))
    random_weights(layer, rng)
    penalty = layer.regularization_penalty()
    assert penalty == pytest.approx(0.01 * float(np.sum(layer.get_weights()[0].astype(
        np.float64) ** 2)), rel=1e-5)
    layer.apply_constraints()
    assert (layer.get_weights()[1] >= 0).all()


def test_activity_regularizer_gradient(rng):
    """The penalty l2 * sum(y**2) adds 2 * l2 * y to the output gradient."""
    layer = GRU(3, activity_regularizer="l2", return_sequences=True)
    plain = GRU(3, return_sequences=True)
    for each in (layer, plain):
        each.build((None, 4, 2))
    random_weights(layer, rng)
    plain.set_weights(layer.get_weights())
    x = rng.normal(size=(2, 4, 2)).astype(np.float32)
    g = rng.normal(size=(2, 4, 3)).astype(np.float32)
    y = layer.forward(x)
    assert layer.activity_penalty == pytest.approx(0.01 * float(np.sum(y.astype(np.float64) ** 2)),
                                                   rel=1e-5)
    dx = layer.backward(g)
    plain.forward(x)
    np.testing.assert_allclose(dx, plain.backward(g + 0.02 * y), rtol=1e-5, atol=1e-7)
    for a, b in zip(layer.grads, plain.grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_bad_input():
    with pytest.raises(ValueError, match="valid values"):
        LSTM(3, activation="softmax")
    with pytest.raises(ValueError, match="units"):
        GRU(0)
    with pytest.raises(ValueError, match="dropout"):
        LSTM(3, dropout=1.0)
    layer = LSTM(3)
    with pytest.raises(ValueError, match=r"\(batch, timesteps, features\)"):
        layer.build((None, 4))
    layer.build((None, 4, 2))
    with pytest.raises(ValueError, match="timesteps, 2"):
        layer.forward(np.zeros((1, 4, 5), dtype=np.float32))
    with pytest.raises(ValueError, match="mask of shape"):
        layer.forward(np.zeros((1, 4, 2), dtype=np.float32), mask=np.ones((1, 3), dtype=bool))
    with pytest.raises(RuntimeError, match="before forward"):
        GRU(2).backward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="stateful"):
        LSTM(2, stateful=True)
