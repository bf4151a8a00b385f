"""Pooling layers (MaxPooling1D/2D, GlobalMaxPooling1D, GlobalAveragePooling1D): gradients,
values, ties, masks, shapes, Keras 1 spellings, the layer contract, Keras 3 reference outputs."""
import numpy as np
import pytest

from textembed.layers import (GlobalAveragePool1D, GlobalAveragePooling1D, GlobalMaxPool1D,
                              GlobalMaxPooling1D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D)

from goldens import check_conv_golden, layer_names
from gradcheck import check_layer_gradients
from layertest import run_layer_test


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


POOL_CASES = [     # factory, input shape (without the batch axis), supports_masking
    (lambda: MaxPooling1D(), (7, 3), False),
    (lambda: MaxPooling1D(3, strides=2, padding="same"), (8, 2), False),
    (lambda: MaxPooling1D(2, strides=1, data_format="channels_first"), (2, 6), False),
    (lambda: MaxPooling2D(), (5, 4, 2), False),
    (lambda: MaxPooling2D((3, 2), strides=(2, 1), padding="same"), (5, 4, 2), False),
    (lambda: MaxPooling2D(2, strides=1, data_format="channels_first"), (2, 4, 3), False),
    (lambda: GlobalMaxPooling1D(), (6, 3), False),
    (lambda: GlobalMaxPooling1D(data_format="channels_first"), (3, 6), False),
    (lambda: GlobalAveragePooling1D(), (6, 3), True),
    (lambda: GlobalAveragePooling1D(data_format="channels_first"), (3, 6), True),
]


@pytest.mark.parametrize("factory, shape, masking", POOL_CASES)
def test_pooling_gradients_and_contract(factory, shape, masking, rng):
    layer = factory()
    layer.build((None,) + shape)
    x = rng.normal(size=(2,) + shape)         # random floats: no ties
    check_layer_gradients(layer, x)
    run_layer_test(factory, (None,) + shape, expected_num_weights=0, supports_masking=masking)
    y = layer.forward(x.astype(np.float32))
    assert y.dtype == np.float32


def test_max_pooling_values():
    x = np.array([[[1.0], [5.0], [2.0], [-1.0], [3.0]]], dtype=np.float32)
    np.testing.assert_array_equal(MaxPooling1D().forward(x)[:, :, 0], [[5.0, 2.0]])
    same = MaxPooling1D(2, padding="same").forward(x)[:, :, 0]
    np.testing.assert_array_equal(same, [[5.0, 2.0, 3.0]])
    x = -np.ones((1, 3, 1), dtype=np.float32)    # padding never wins against negatives
    np.testing.assert_array_equal(MaxPooling1D(2, padding="same").forward(x)[:, :, 0],
                                  [[-1.0, -1.0]])


def test_max_pooling_ties_send_the_gradient_to_the_first_maximum():
    layer = GlobalMaxPooling1D()
    layer.forward(np.array([[[2.0], [2.0], [1.0]]], dtype=np.float32))
    dx = layer.backward(np.ones((1, 1), dtype=np.float32))
    np.testing.assert_array_equal(dx[0, :, 0], [1.0, 0.0, 0.0])


def test_global_average_pooling_mask(rng):
    x = rng.normal(size=(3, 5, 2))
    mask = np.array([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], dtype=bool)
    layer = GlobalAveragePooling1D()
    layer.build((None, 5, 2))
    y = layer.forward(x, mask=mask)
    expected = np.stack([x[i][mask[i]].mean(axis=0) for i in range(3)])
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    assert layer.compute_mask(x, mask) is None
    check_layer_gradients(layer, x, mask=mask)
    # all steps masked: zeros, not NaN
    y = layer.forward(x, mask=np.zeros((3, 5), dtype=bool))
    np.testing.assert_array_equal(y, 0.0)
    # channels_first: the mask is over the steps axis (the last one)
    cf = GlobalAveragePooling1D(data_format="channels_first")
    np.testing.assert_allclose(cf.forward(np.moveaxis(x, 1, 2), mask=mask), expected[:2].tolist()
                               + [x[2].mean(axis=0).tolist()], rtol=1e-12)
    with pytest.raises(ValueError, match="mask of shape"):
        layer.forward(x, mask=mask[:, :4])


def test_global_max_pooling_ignores_the_mask_like_keras():
    x = np.array([[[1.0], [9.0]]], dtype=np.float32)
    mask = np.array([[True, False]])
    layer = GlobalMaxPooling1D()
    assert layer.forward(x, mask=mask)[0, 0] == 9.0
    assert layer.compute_mask(x, mask) is None


# -- shapes, legacy spellings, bad input ---------------------------------------

@pytest.mark.parametrize("layer, in_shape, out_shape", [
    (lambda: MaxPooling1D(), (None, 9, 3), (None, 4, 3)),
    (lambda: MaxPooling1D(3, padding="same"), (None, 10, 3), (None, 4, 3)),
    (lambda: MaxPooling2D(), (None, 7, 6, 3), (None, 3, 3, 3)),
    (lambda: MaxPooling2D((2, 2), data_format="channels_first"), (None, 64, 32, 32),
     (None, 64, 16, 16)),
    (lambda: GlobalMaxPooling1D(), (None, 49, 100), (None, 100)),
    (lambda: GlobalAveragePooling1D(data_format="channels_first"), (None, 4, 7), (None, 4)),
])
def test_pooling_output_shapes(layer, in_shape, out_shape):
    layer = layer()
    layer.build(in_shape)
    assert layer.output_shape == out_shape
    assert layer.compute_output_shape(in_shape) == out_shape


def test_pooling_aliases():
    assert MaxPool1D is MaxPooling1D and MaxPool2D is MaxPooling2D
    assert GlobalMaxPool1D is GlobalMaxPooling1D
    assert GlobalAveragePool1D is GlobalAveragePooling1D


def test_pooling_keras1_keywords():
    assert MaxPooling1D(pool_length=3, stride=1).pool_size == (3,)


def test_pooling_bad_arguments():
    with pytest.raises(ValueError, match="smaller than the pool"):
        MaxPooling1D(4).build((None, 3, 2))


# -- golden outputs from Keras 3 ------------------------------------------------

@pytest.mark.parametrize("name", layer_names("conv.npz", ("MaxPooling1D", "MaxPooling2D",
                                                        "GlobalMaxPooling1D",
                                                        "GlobalAveragePooling1D")))
def test_pooling_matches_keras(name):
    check_conv_golden(name)
