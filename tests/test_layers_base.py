"""The layer protocol's base: weights by name, gradients by name, containers of layers."""
import numpy as np
import pytest

from textembed import regularizers
from textembed.layers import (LSTM, Bidirectional, Conv1D, Dense, Embedding, GlobalMaxPooling1D,
                              Parallel)
from textembed.layers.base import check_positive_int

from gradcheck import as_float64, check_layer_gradients


@pytest.fixture
def rng():
    return np.random.default_rng(99)


def test_named_weights_are_the_current_arrays(rng):
    layer = Dense(3)
    assert layer.kernel is None and layer.bias is None        # not built yet
    layer.build((None, 4))
    assert layer.kernel is layer.weights[0] and layer.bias is layer.weights[1]
    new = [rng.normal(size=(4, 3)), rng.normal(size=3)]
    layer.set_weights(new)
    np.testing.assert_allclose(layer.kernel, new[0].astype(np.float32))
    as_float64(layer)                                         # the gradient checker's swap
    assert layer.kernel.dtype == np.float64 and layer.kernel is layer.weights[0]
    assert Dense(2, use_bias=False, input_dim=3).bias is None


def test_named_weights_are_read_only():
    layer = Dense(3, input_dim=2)
    layer.build((None, 2))
    with pytest.raises(AttributeError, match="set_weights"):
        layer.kernel = np.zeros((2, 3))


def test_set_gradient_by_name_dense_and_sparse():
    layer = Embedding(10, 2)
    layer.build((None, 3))
    layer.forward(np.array([[1, 4, 1]]))
    layer.backward(np.ones((1, 3, 2), dtype=np.float32))
    np.testing.assert_array_equal(layer.sparse_rows[0], [1, 4])
    np.testing.assert_array_equal(layer.grads[0], [[2.0, 2.0], [1.0, 1.0]])
    layer.set_gradient("embeddings", np.ones((10, 2)))
    assert layer.sparse_rows[0] is None and layer.grads[0].shape == (10, 2)
    with pytest.raises(ValueError):
        layer.set_gradient("kernel", np.ones(2))


def nested_container():
    """Parallel of [Bidirectional LSTM, max pool] and [Conv1D (l2, non_neg), max pool]."""
    return Parallel([[Bidirectional(LSTM(2, return_sequences=True, name="rnn"), name="bi"),
                      GlobalMaxPooling1D()],
                     [Conv1D(3, 2, kernel_regularizer=regularizers.l2(0.5),
                             kernel_constraint="non_neg", activity_regularizer="l1",
                             name="conv"), GlobalMaxPooling1D()]])


def test_container_gathers_nested_sublayers(rng):
    layer = nested_container()
    layer.build((None, 5, 3))
    names = layer.weight_names
    assert names[:3] == ["bi/forward_rnn/kernel", "bi/forward_rnn/recurrent_kernel",
                         "bi/forward_rnn/bias"]
    assert names[6:] == ["conv/kernel", "conv/bias"] and len(layer.weights) == 8
    conv = layer.branches[1][0]
    assert layer.weights[6] is conv.kernel
    assert layer.trainable_indices() == list(range(8))
    conv.trainable = False
    assert layer.trainable_indices() == list(range(6))
    kernel = conv.kernel.astype(np.float64)
    assert layer.regularization_penalty() == pytest.approx(0.5 * np.sum(kernel ** 2), rel=1e-6)
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    layer.forward(x)
    assert layer.activity_penalty == pytest.approx(conv.activity_penalty) and conv.activity_penalty > 0
    conv.kernel[...] = -1.0
    layer.apply_constraints()
    assert np.all(conv.kernel == 0.0)


def test_container_gradients_follow_swapped_arrays(rng):
    layer = nested_container()
    layer.build((None, 5, 3))
    check_layer_gradients(layer, rng.normal(size=(2, 5, 3)))
    assert all(w.dtype == np.float64 for w in layer.weights)
    assert all(g.dtype == np.float64 for g in layer.grads)


def test_container_has_no_weights_of_its_own():
    layer = nested_container()
    with pytest.raises(AttributeError):
        layer._weights = []
    with pytest.raises(AttributeError):
        layer.grads = []


def test_weights_argument_of_any_layer(rng):
    kernel, bias = rng.normal(size=(2, 3, 4)), rng.normal(size=4)
    layer = Conv1D(4, 2, weights=[kernel, bias])
    layer.build((None, 6, 3))
    np.testing.assert_allclose(layer.get_weights()[0], kernel.astype(np.float32))
    np.testing.assert_allclose(layer.get_weights()[1], bias.astype(np.float32))


@pytest.mark.parametrize("value", [0, -2, 2.5, True, "3"])
def test_check_positive_int(value):
    layer = Dense(1, name="d")
    with pytest.raises(ValueError, match=r"'d': width must be a positive integer"):
        check_positive_int(layer, "width", value)
    assert check_positive_int(layer, "width", np.int64(3)) == 3
