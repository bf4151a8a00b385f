"""Shapes and layouts shared by the convolution and pooling layers.

Their kernels work on C-contiguous channels-last 4D arrays ``(batch, height,
width, channels)``; a 1D layer is a 2D one of height 1 (:func:`to_4d`,
:func:`from_4d` and :func:`as_2d` convert), and channels-first data is
transposed before and after.  Output lengths follow Keras' arithmetic
(:func:`conv_output_length`).
"""
import numpy as np

DATA_FORMATS = ("channels_last", "channels_first")


def normalize_tuple(value, n, what, layer_name):
    """An int or a sequence of n ints -> a tuple of n positive ints (ValueError otherwise)."""
    if isinstance(value, (int, np.integer)):
        values = (int(value),) * n
    else:
        try:
            values = tuple(int(v) for v in value)
        except TypeError:
            values = ()
        if len(values) != n:
            raise ValueError(f"layer {layer_name!r}: {what} must be an int or {n} ints, "
                             f"got {value!r}")
    if any(v < 1 for v in values):
        raise ValueError(f"layer {layer_name!r}: {what} must be positive, got {value!r}")
    return values


def normalize_choice(value, choices, what, layer_name):
    value = str(value).lower()
    if value not in choices:
        raise ValueError(f"layer {layer_name!r}: unknown {what} {value!r}; "
                         f"valid values: {', '.join(choices)}")
    return value


def conv_output_length(length, kernel, padding, stride, dilation=1):
    """Output length along one axis and the zeros added before it: (out, pad_before).

    ``length`` may be None (unknown), giving (None, None).
    """
    if length is None:
        return None, None
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        return (length - effective) // stride + 1, 0
    if padding == "causal":
        return (length - 1) // stride + 1, effective - 1
    out = -(-length // stride)
    total = max((out - 1) * stride + effective - length, 0)
    return out, total // 2


def normalize_data_format(value, layer_name):
    """'channels_last' (also for None) or 'channels_first' (ValueError otherwise)."""
    return normalize_choice("channels_last" if value is None else value, DATA_FORMATS,
                            "data_format", layer_name)


def split_spatial_shape(input_shape, rank, data_format, layer_name):
    """(batch, spatial axes tuple, channels) of a full input shape with ``rank`` spatial axes."""
    input_shape = tuple(input_shape)
    if len(input_shape) != rank + 2:
        raise ValueError(f"layer {layer_name!r} expects inputs with {rank + 2} axes "
                         f"(batch, {'spatial, ' * rank}channels), got inputs of shape "
                         f"{input_shape}")
    if data_format == "channels_last":
        return input_shape[0], input_shape[1:-1], input_shape[-1]
    return input_shape[0], input_shape[2:], input_shape[1]


def as_2d(values, rank, fill=1):
    """Per-axis values of a layer with ``rank`` spatial axes as (height, width): a 1D
    layer's get ``fill`` for the height axis in front."""
    return ((fill,) if rank == 1 else ()) + tuple(values)


def to_4d(x, rank, data_format):
    """An array in the layer's layout -> C-contiguous channels-last (B, H, W, C) (H = 1 in 1D)."""
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    if rank == 1:
        x = x[:, None]
    return np.ascontiguousarray(x)


def from_4d(x4, rank, data_format):
    """The inverse of :func:`to_4d`: channels-last (B, H, W, C) -> the layer's layout."""
    if rank == 1:
        x4 = x4[:, 0]
    if data_format == "channels_first":
        x4 = np.ascontiguousarray(np.moveaxis(x4, -1, 1))
    return x4
