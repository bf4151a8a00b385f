"""Shapes and layouts of the convolution and pooling layers: Keras' output lengths, the
channels-last 4D layout of the kernels and back, argument checks."""
import numpy as np
import pytest

from textembed.layers.spatial import (as_2d, conv_output_length, from_4d, normalize_choice,
                                      normalize_data_format, normalize_tuple,
                                      split_spatial_shape, to_4d)


@pytest.mark.parametrize("length, kernel, padding, stride, dilation, expected", [
    (10, 3, "valid", 1, 1, (8, 0)),
    (10, 3, "valid", 3, 1, (3, 0)),
    (10, 3, "valid", 1, 4, (2, 0)),
    (10, 4, "same", 1, 1, (10, 1)),       # 3 zeros: 1 before, 2 after
    (10, 3, "same", 4, 1, (3, 0)),        # ceil(10 / 4); (3 - 1) * 4 + 3 - 10 = 1 zero, after
    (10, 3, "causal", 1, 2, (10, 4)),
    (None, 3, "valid", 1, 1, (None, None)),
])
def test_conv_output_length(length, kernel, padding, stride, dilation, expected):
    assert conv_output_length(length, kernel, padding, stride, dilation) == expected


@pytest.mark.parametrize("shape, rank, data_format", [
    ((2, 7, 3), 1, "channels_last"), ((2, 3, 7), 1, "channels_first"),
    ((2, 5, 6, 3), 2, "channels_last"), ((2, 3, 5, 6), 2, "channels_first"),
])
def test_4d_layout_round_trip(shape, rank, data_format):
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    x4 = to_4d(x, rank, data_format)
    assert x4.ndim == 4 and x4.flags.c_contiguous and x4.shape[0] == 2 and x4.shape[-1] == 3
    if rank == 1:
        assert x4.shape[1] == 1
    np.testing.assert_array_equal(from_4d(x4, rank, data_format), x)
    batch, spatial, channels = split_spatial_shape((None,) + shape[1:], rank, data_format, "l")
    assert (batch, channels) == (None, 3) and len(spatial) == rank


def test_as_2d():
    assert as_2d((3,), 1) == (1, 3) and as_2d((2, 3), 2) == (2, 3)
    assert as_2d([(5, 2)], 1, (1, 0)) == ((1, 0), (5, 2))


def test_argument_checks():
    assert normalize_tuple(3, 2, "strides", "l") == (3, 3)
    assert normalize_tuple([1, 2], 2, "strides", "l") == (1, 2)
    with pytest.raises(ValueError, match="'l': strides must be an int or 2 ints"):
        normalize_tuple((1, 2, 3), 2, "strides", "l")
    with pytest.raises(ValueError, match="'l': strides must be positive"):
        normalize_tuple(0, 1, "strides", "l")
    assert normalize_choice("SAME", ("valid", "same"), "padding", "l") == "same"
    assert normalize_data_format(None, "l") == "channels_last"
    with pytest.raises(ValueError, match="unknown data_format 'nhwc'; valid values"):
        normalize_data_format("nhwc", "l")
    with pytest.raises(ValueError, match=r"'l' expects inputs with 4 axes \(batch, spatial, "
                                         r"spatial, channels\)"):
        split_spatial_shape((None, 3, 4), 2, "channels_last", "l")
