"""One harness for every layer's tests, in the manner of Keras' ``run_layer_test``.

``run_layer_test(Dense, (None, 3), kwargs=dict(units=4), expected_output_shape=(None, 4))``
builds the layer and checks, in turn:

* the number of weights and of trainable weights, and ``supports_masking``;
* the output of a forward pass: its shape is ``compute_output_shape`` of the
  input's (and ``output_shape`` that of the built input shape);
* the ``get_config`` / ``from_config`` round trip (through JSON): the same
  config again, and the same outputs once the weights are copied;
* the backward pass against float64 finite differences (input and weights,
  see :func:`gradcheck.check_layer_gradients`);
* ``Sequential.save`` / ``load_model``: the loaded model predicts the same.
"""
import json
import os
import tempfile

import numpy as np

from gradcheck import check_layer_gradients


def _outputs(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def _shapes(shape):
    """A shape or a list of shapes -> a list of shape tuples."""
    if isinstance(shape, list):
        return [tuple(s) for s in shape]
    return [tuple(shape)]


def run_layer_test(factory, input_shape, kwargs=None, input_data=None, input_dtype="float32",
                   id_range=None, expected_output_shape=None, expected_num_weights=None,
                   expected_num_trainable_weights=None, supports_masking=None,
                   check_gradients=True, gradient_tolerance=(1e-5, 1e-7), save_load=True,
                   batch=3, seed=0):
    """Check a layer class against the layer protocol; returns the built layer.

    factory: called as ``factory(**kwargs)`` for each new layer (a layer class,
    or a function for layers that wrap others); input_shape: with None for the
    batch axis.  The input is ``input_data``, or ``batch`` samples drawn from
    N(0, 1) in ``input_dtype``, or integer ids in ``[0, id_range)`` (Embedding).
    Checks left as None are skipped; outputs that are lists (``return_state``,
    ``merge_mode=None``) are not saved in a model.
    """
    kwargs = dict(kwargs or {})
    rng = np.random.default_rng(seed)
    layer = factory(**kwargs)
    layer.build(input_shape)
    if expected_num_weights is not None:
        assert len(layer.get_weights()) == expected_num_weights
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_indices()) == expected_num_trainable_weights
    if supports_masking is not None:
        assert layer.supports_masking is supports_masking

    if input_data is not None:
        x = np.asarray(input_data)
    elif id_range is not None:
        x = rng.integers(0, id_range, size=(batch,) + tuple(input_shape[1:]))
    else:
        x = rng.normal(size=(batch,) + tuple(input_shape[1:])).astype(input_dtype)
    outputs = _outputs(layer.forward(x))
    expected = _shapes(layer.compute_output_shape(x.shape))
    assert [o.shape for o in outputs] == expected
    assert _shapes(layer.output_shape) == _shapes(layer.compute_output_shape(input_shape))
    if expected_output_shape is not None:
        assert _shapes(layer.output_shape) == _shapes(expected_output_shape)

    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert clone.get_config() == layer.get_config()
    clone.build(input_shape)
    clone.set_weights(layer.get_weights())
    for got, want in zip(_outputs(clone.forward(x)), outputs):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)

    if check_gradients:
        checked = type(layer).from_config(config)
        checked.build(input_shape)
        checked.set_weights(layer.get_weights())
        rtol, atol = gradient_tolerance
        check_layer_gradients(checked, x, rtol=rtol, atol=atol, seed=seed)

    if save_load and len(outputs) == 1:
        _check_save_load(type(layer).from_config(config), layer.get_weights(), x)
    return layer


def _check_save_load(layer, weights, x):
    """Sequential([layer]) saved and loaded predicts exactly what it predicted before."""
    from textembed.models import Sequential, load_model
    model = Sequential([layer])
    model.predict(x)        # builds the model (and the layer) from the data
    layer.set_weights(weights)
    expected = model.predict(x)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.npz")
        model.save(path)
        loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), expected)


def built(layer, input_shape):
    """``layer`` after ``build(input_shape)``."""
    layer.build(input_shape)
    return layer
