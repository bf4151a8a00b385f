"""Layer arguments in and out: weight options, inner-layer configs, Keras 1 keyword names."""
import json

import numpy as np
import pytest

from textembed import constraints, initializers, regularizers
from textembed.layers import GRU, LSTM, Conv1D, Dense, MaxPooling1D
from textembed.layers.config import (layer_config, layer_from_config, set_weight_options,
                                     weight_options_config)


class Options:
    """Any object: the helpers only set and read attributes."""


def test_weight_options_in_and_out():
    holder = Options()
    set_weight_options(holder, "kernel", "he_uniform", "l2", "max_norm")
    set_weight_options(holder, "bias", initializers.Constant(0.5))
    assert isinstance(holder.kernel_regularizer, regularizers.Regularizer)
    assert isinstance(holder.kernel_constraint, constraints.MaxNorm)
    assert holder.bias_regularizer is None and holder.bias_constraint is None
    config = weight_options_config(holder, ("kernel", "bias"))
    assert list(config) == ["kernel_initializer", "bias_initializer", "kernel_regularizer",
                            "bias_regularizer", "kernel_constraint", "bias_constraint"]
    assert config["bias_initializer"] == {"class_name": "Constant", "config": {"value": 0.5}}
    again = Options()
    for weight in ("kernel", "bias"):
        set_weight_options(again, weight, *(json.loads(json.dumps(config))[f"{weight}_{kind}"]
                                             for kind in ("initializer", "regularizer",
                                                          "constraint")))
    assert weight_options_config(again, ("kernel", "bias")) == config


def test_an_initializer_function_cannot_be_saved():
    layer = Dense(2, kernel_initializer=lambda shape, rng=None: np.zeros(shape))
    with pytest.raises(ValueError, match="cannot be saved in a layer config"):
        layer.get_config()


def test_inner_layer_config_round_trip():
    spec = layer_config(Dense(3, activation="tanh", name="inner"))
    assert spec["class_name"] == "Dense"
    clone = layer_from_config(json.loads(json.dumps(spec)))
    assert isinstance(clone, Dense) and clone.get_config() == spec["config"]


def test_keras1_names_bind_as_keras2_arguments():
    assert LSTM(output_dim=4, inner_init="glorot_normal").units == 4
    assert GRU(3, forget_bias_init="one", consume_less="gpu").units == 3
    assert LSTM(3, forget_bias_init="zero").unit_forget_bias is False
    assert MaxPooling1D(pool_length=3, border_mode="same").padding == "same"
    assert Conv1D(nb_filter=2, filter_length=3, bias=False).use_bias is False


@pytest.mark.parametrize("make, old, new", [
    (lambda: LSTM(units=3, output_dim=3), "output_dim", "units"),
    (lambda: Conv1D(2, 3, init="zeros", kernel_initializer="ones"), "init", "kernel_initializer"),
    (lambda: MaxPooling1D(stride=1, strides=2), "stride", "strides"),
])
def test_both_spellings_of_an_argument(make, old, new):
    with pytest.raises(TypeError, match=f"both '{old}' \\(Keras 1\\) and '{new}' given"):
        make()
