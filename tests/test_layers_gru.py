"""GRU (both bias forms): the numpy reference (masks, go_backwards, activations), gradients,
the weight layout, the layer contract, Keras 3 reference outputs."""
import numpy as np
import pytest

from textembed.layers import GRU

from goldens import check_recurrent_golden, layer_names
from layertest import run_layer_test
from recurrent_reference import (ACTIVATIONS, check_activation_pairing, check_forward,
                                 check_gradients)


@pytest.fixture
def rng():
    return np.random.default_rng(4321)


# -- forward against the reference -------------------------------------------

GRU_CASES = [
    (GRU, {}),
    (GRU, dict(return_sequences=True, go_backwards=True)),
    (GRU, dict(reset_after=True)),
    (GRU, dict(reset_after=True, return_sequences=True, go_backwards=True)),
    (GRU, dict(reset_after=True, use_bias=False)),
]


@pytest.mark.parametrize("cls,kwargs", GRU_CASES)
@pytest.mark.parametrize("masked", [False, True])
def test_gru_forward_matches_reference(cls, kwargs, masked, rng):
    check_forward(cls, kwargs, masked, rng)


@pytest.mark.parametrize("cls", [GRU])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("recurrent_activation", ACTIVATIONS)
def test_gru_activation_pairings_match_reference(cls, activation, recurrent_activation, rng):
    check_activation_pairing(cls, activation, recurrent_activation, rng)


# -- gradients (float64 finite differences) -----------------------------------

GRU_GRAD_CASES = GRU_CASES + [
    (GRU, dict(activation="sigmoid", recurrent_activation="relu")),
    (GRU, dict(activation="relu", recurrent_activation="linear", reset_after=True)),
    (GRU, dict(return_state=True)),
    (GRU, dict(return_state=True, reset_after=True, return_sequences=True)),
]


@pytest.mark.parametrize("cls,kwargs", GRU_GRAD_CASES)
@pytest.mark.parametrize("masked", [False, True])
def test_gru_gradients(cls, kwargs, masked, rng):
    check_gradients(cls, kwargs, masked, rng)


# -- shapes, weights, configuration -------------------------------------------

def test_gru_weight_layout():
    gru = GRU(5)
    gru.build((None, 7, 3))
    assert [w.shape for w in gru.get_weights()] == [(3, 15), (5, 15), (15,)]
    gru2 = GRU(5, reset_after=True)
    gru2.build((None, 7, 3))
    assert [w.shape for w in gru2.get_weights()] == [(3, 15), (5, 15), (2, 15)]


@pytest.mark.parametrize("kwargs, output_shape, n_weights", [
    (dict(units=3, reset_after=True, go_backwards=True, recurrent_constraint="max_norm"),
     (None, 3), 3),
    (dict(units=3, use_bias=False, activation="relu"), (None, 3), 2),
])
def test_gru_contract(kwargs, output_shape, n_weights):
    run_layer_test(GRU, (None, 4, 2), kwargs=kwargs, expected_output_shape=output_shape,
                   expected_num_weights=n_weights, expected_num_trainable_weights=n_weights,
                   supports_masking=True)


# -- Keras golden outputs -------------------------------------------------------

@pytest.mark.parametrize("name", layer_names("recurrent.npz", ("GRU",), field="class"))
def test_gru_matches_keras(name):
    check_recurrent_golden(name)
