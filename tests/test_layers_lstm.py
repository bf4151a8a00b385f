"""LSTM: the numpy reference (masks, go_backwards, activations), gradients, the weight
layout, the tutorial's shapes, the layer contract, Keras 3 reference outputs."""
import json

import numpy as np
import pytest

from textembed.layers import LSTM, get_class

from goldens import check_recurrent_golden, layer_names
from layertest import run_layer_test
from recurrent_reference import (ACTIVATIONS, check_activation_pairing, check_forward,
                                 check_gradients)


@pytest.fixture
def rng():
    return np.random.default_rng(4321)


# -- forward against the reference -------------------------------------------

LSTM_CASES = [
    (LSTM, {}),
    (LSTM, dict(return_sequences=True)),
    (LSTM, dict(go_backwards=True, return_sequences=True)),
    (LSTM, dict(use_bias=False, unit_forget_bias=False)),
]


@pytest.mark.parametrize("cls,kwargs", LSTM_CASES)
@pytest.mark.parametrize("masked", [False, True])
def test_lstm_forward_matches_reference(cls, kwargs, masked, rng):
    check_forward(cls, kwargs, masked, rng)


@pytest.mark.parametrize("cls", [LSTM])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("recurrent_activation", ACTIVATIONS)
def test_lstm_activation_pairings_match_reference(cls, activation, recurrent_activation, rng):
    check_activation_pairing(cls, activation, recurrent_activation, rng)


# -- gradients (float64 finite differences) -----------------------------------

LSTM_GRAD_CASES = LSTM_CASES + [
    (LSTM, dict(activation="relu", recurrent_activation="sigmoid")),
    (LSTM, dict(activation="linear", recurrent_activation="tanh", return_sequences=True)),
    (LSTM, dict(return_state=True)),
    (LSTM, dict(return_state=True, return_sequences=True, go_backwards=True)),
    (LSTM, dict(zero_output_for_mask=True, return_sequences=True)),
]


@pytest.mark.parametrize("cls,kwargs", LSTM_GRAD_CASES)
@pytest.mark.parametrize("masked", [False, True])
def test_lstm_gradients(cls, kwargs, masked, rng):
    check_gradients(cls, kwargs, masked, rng)


# -- shapes, weights, configuration -------------------------------------------

def test_tutorial_shapes():
    a = LSTM(32, input_shape=(10, 64))
    b = LSTM(32, input_dim=64, input_length=10)
    for layer in (a, b):
        assert layer.batch_input_shape == (None, 10, 64)
        layer.build(layer.batch_input_shape)
        assert layer.output_shape == (None, 32)
    shape = (None, 10, 64)
    stack = [LSTM(64, input_dim=64, input_length=10, return_sequences=True),
             LSTM(32, return_sequences=True), LSTM(10)]
    for layer, expected in zip(stack, [(None, 10, 64), (None, 10, 32), (None, 10)]):
        layer.build(shape)
        shape = layer.output_shape
        assert shape == expected
    x = np.random.default_rng(0).normal(size=(3, 10, 64)).astype(np.float32)
    for layer in stack:
        x = layer.forward(x)
    assert x.shape == (3, 10)


def test_tutorial_shapes_in_sequential():
    models = pytest.importorskip("textembed.models")
    model = models.Sequential()
    model.add(LSTM(32, input_shape=(10, 64)))
    assert model.output_shape == (None, 32)
    model = models.Sequential()
    model.add(LSTM(32, input_dim=64, input_length=10))
    assert model.output_shape == (None, 32)
    model = models.Sequential()
    model.add(LSTM(64, input_dim=64, input_length=10, return_sequences=True))
    model.add(LSTM(32, return_sequences=True))
    model.add(LSTM(10))
    assert model.output_shape == (None, 10)
    x = np.random.default_rng(0).normal(size=(4, 10, 64)).astype(np.float32)
    assert model.predict(x).shape == (4, 10)


def test_lstm_weight_layout():
    lstm = LSTM(5)
    lstm.build((None, 7, 3))
    assert [w.shape for w in lstm.get_weights()] == [(3, 20), (5, 20), (20,)]
    assert lstm.weight_names == ["kernel", "recurrent_kernel", "bias"]
    bias = lstm.get_weights()[2]
    np.testing.assert_array_equal(bias[5:10], 1.0)            # unit_forget_bias: f block
    np.testing.assert_array_equal(np.delete(bias, range(5, 10)), 0.0)
    no_forget = LSTM(5, unit_forget_bias=False)
    no_forget.build((None, 7, 3))
    np.testing.assert_array_equal(no_forget.get_weights()[2], 0.0)
    rec = lstm.get_weights()[1]
    np.testing.assert_allclose(rec @ rec.T, np.eye(5), atol=1e-5)  # orthonormal rows
    assert lstm.count_params() == 3 * 20 + 5 * 20 + 20
    with pytest.raises(ValueError, match="recurrent_kernel"):
        lstm.set_weights([np.zeros((3, 20)), np.zeros((5, 15)), np.zeros(20)])
    with pytest.raises(ValueError, match="expects 3 weight arrays"):
        lstm.set_weights([np.zeros((3, 20))])


@pytest.mark.parametrize("kwargs, output_shape, n_weights", [
    (dict(units=3, return_sequences=True, dropout=0.1, kernel_regularizer="l2"), (None, 4, 3), 3),
])
def test_lstm_contract(kwargs, output_shape, n_weights):
    run_layer_test(LSTM, (None, 4, 2), kwargs=kwargs, expected_output_shape=output_shape,
                   expected_num_weights=n_weights, expected_num_trainable_weights=n_weights,
                   supports_masking=True)


def test_lstm_config_round_trip_through_get_class():
    lstm = LSTM(3, return_state=True, unit_forget_bias=False)
    clone = get_class("LSTM").from_config(json.loads(json.dumps(lstm.get_config())))
    assert clone.return_state and not clone.unit_forget_bias
    assert clone.compute_output_shape((None, 5, 2)) == [(None, 3), (None, 3), (None, 3)]


# -- Keras golden outputs -------------------------------------------------------

@pytest.mark.parametrize("name", layer_names("recurrent.npz", ("LSTM",), field="class"))
def test_lstm_matches_keras(name):
    check_recurrent_golden(name)
