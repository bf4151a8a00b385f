"""Pooling layers: MaxPooling1D/2D, GlobalMaxPooling1D, GlobalAveragePooling1D.

Shapes (channels_last; channels_first puts the channel axis right after the batch):

* MaxPooling1D: (None, steps, C) -> (None, new_steps, C).
* MaxPooling2D: (None, rows, cols, C) -> (None, new_rows, new_cols, C).
* GlobalMaxPooling1D, GlobalAveragePooling1D: (None, steps, C) -> (None, C).

Output lengths follow Keras: 'valid' ``(n - pool) // stride + 1``, 'same'
``ceil(n / stride)`` (padded positions never win a max).  ``strides=None``
means ``strides = pool_size``.  The max kernels record the position of each
maximum (the first one on ties) and the backward pass routes the gradient
there.  Arrays keep the input's float dtype (float32; float64 in gradient
checks).

Masks, as in Keras: GlobalAveragePooling1D excludes masked steps from the
mean (a row whose steps are all masked gives zeros rather than Keras' 0/0);
GlobalMaxPooling1D ignores the mask (masked steps can win the max, as in
Keras 2 and 3); MaxPooling1D/2D do not support masking and drop it.  None of
them passes a mask on.
"""
import numpy as np

from ..kernels.pooling_kernels import max_pool_backward, max_pool_forward
from .base import Layer
from .config import keras1_keywords
from .spatial import (as_2d, conv_output_length, from_4d, normalize_choice, normalize_data_format,
                      normalize_tuple, split_spatial_shape, to_4d)

# Keras 1 keyword names of the max poolings.
_KERAS1_NAMES = {"pool_length": "pool_size", "stride": "strides", "border_mode": "padding"}


class _MaxPooling(Layer):
    """Shared machinery of MaxPooling1D and MaxPooling2D (``rank`` spatial axes)."""

    rank = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        ordering = kwargs.pop("dim_ordering", None)
        if ordering is not None and data_format is None:
            data_format = "channels_first" if ordering == "th" else "channels_last"
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", self.name)
        self.strides = (self.pool_size if strides is None
                        else normalize_tuple(strides, self.rank, "strides", self.name))
        self.padding = normalize_choice(padding, ("valid", "same"), "padding", self.name)
        self.data_format = normalize_data_format(data_format, self.name)
        self._cache = None

    def _split_shape(self, input_shape):
        return split_spatial_shape(input_shape, self.rank, self.data_format, self.name)

    def _geometry(self, spatial):
        geometry = [conv_output_length(n, p, self.padding, s)
                    for n, p, s in zip(spatial, self.pool_size, self.strides)]
        if any(out is not None and out < 1 for out, _ in geometry):
            raise ValueError(f"layer {self.name!r}: input of spatial size {tuple(spatial)} is "
                             f"smaller than the pool {self.pool_size} with padding 'valid'")
        return geometry

    def compute_output_shape(self, input_shape):
        batch, spatial, channels = self._split_shape(input_shape)
        out = tuple(o for o, _ in self._geometry(spatial))
        if self.data_format == "channels_last":
            return (batch,) + out + (channels,)
        return (batch, channels) + out

    def forward(self, inputs, training=False, mask=None):
        """inputs: float array (see the module docstring); mask ignored (dropped)."""
        x = np.asarray(inputs)
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype(np.float32)
        _, spatial, _ = self._split_shape(x.shape)
        x4 = to_4d(x, self.rank, self.data_format)
        (out_h, pad_top), (out_w, pad_left) = as_2d(self._geometry(spatial), self.rank, (1, 0))
        ph, pw = as_2d(self.pool_size, self.rank)
        sh, sw = as_2d(self.strides, self.rank)
        out, arg = max_pool_forward(x4, ph, pw, sh, sw, pad_top, pad_left, out_h, out_w)
        self._cache = (arg, x4.shape[1], x4.shape[2])
        return from_4d(out, self.rank, self.data_format)

    def backward(self, grad_output):
        """grad_output: array of the output's shape -> input gradient (input's shape)."""
        if self._cache is None:
            raise RuntimeError(f"layer {self.name!r}: backward called before forward")
        arg, H, W = self._cache
        g = to_4d(np.asarray(grad_output), self.rank, self.data_format)
        return from_4d(max_pool_backward(g, arg, H, W), self.rank, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": list(self.pool_size), "strides": list(self.strides),
                       "padding": self.padding, "data_format": self.data_format})
        return config


class MaxPooling1D(_MaxPooling):
    """Max over windows of ``pool_size`` steps: (None, steps, C) -> (None, new_steps, C)."""

    rank = 1

    @keras1_keywords(_KERAS1_NAMES)
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_MaxPooling):
    """Max over (rows, cols) windows: (None, rows, cols, C) -> (None, new_rows, new_cols, C).

    ``data_format=None`` means channels_last.
    """

    rank = 2

    @keras1_keywords(_KERAS1_NAMES)
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling1D(Layer):
    """(None, steps, C) -> (None, C) (channels_first: (None, C, steps) -> (None, C))."""

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, self.name)
        self._cache = None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"layer {self.name!r} expects inputs of shape (batch, steps, "
                             f"channels), got inputs of shape {input_shape}")
        channels = input_shape[2] if self.data_format == "channels_last" else input_shape[1]
        return (input_shape[0], channels)

    def compute_mask(self, inputs, mask=None):
        return None

    def _channels_last(self, inputs):
        x = np.asarray(inputs)
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype(np.float32)
        self.compute_output_shape(x.shape)
        if self.data_format == "channels_first":
            x = np.moveaxis(x, 1, -1)
        return x

    def _to_input_layout(self, dx):
        if self.data_format == "channels_first":
            return np.ascontiguousarray(np.moveaxis(dx, -1, 1))
        return dx

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class GlobalMaxPooling1D(_GlobalPooling1D):
    """Max over all steps: (None, steps, C) -> (None, C), same float dtype.

    The mask is ignored, as in Keras (masked steps take part in the max).
    """

    def forward(self, inputs, training=False, mask=None):
        x = np.ascontiguousarray(self._channels_last(inputs))
        B, T, C = x.shape
        out, arg = max_pool_forward(x[:, None], 1, T, 1, T, 0, 0, 1, 1)
        self._cache = (arg, T)
        return out.reshape(B, C)

    def backward(self, grad_output):
        if self._cache is None:
            raise RuntimeError(f"layer {self.name!r}: backward called before forward")
        arg, T = self._cache
        g = np.ascontiguousarray(grad_output)
        dx = max_pool_backward(g.reshape(g.shape[0], 1, 1, g.shape[1]), arg, 1, T)
        return self._to_input_layout(dx[:, 0])


class GlobalAveragePooling1D(_GlobalPooling1D):
    """Mean over steps: (None, steps, C) -> (None, C), same float dtype.

    With a mask (bool (batch, steps), True = keep) only the kept steps are
    averaged; a row with no kept step gives zeros.
    """

    supports_masking = True

    def forward(self, inputs, training=False, mask=None):
        x = self._channels_last(inputs)
        B, T, C = x.shape
        if mask is None:
            weights = np.full((B, T), 1.0 / T, dtype=x.dtype)
        else:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != (B, T):
                raise ValueError(f"layer {self.name!r}: mask of shape {mask.shape} does not match "
                                 f"inputs of shape {np.shape(inputs)}")
            counts = np.maximum(mask.sum(axis=1, keepdims=True), 1)
            weights = (mask / counts).astype(x.dtype)
        self._cache = weights
        # (B, 1, T) @ (B, T, C): the weighted sum over steps, one small product per row.
        return (weights[:, None, :] @ x)[:, 0, :]

    def backward(self, grad_output):
        if self._cache is None:
            raise RuntimeError(f"layer {self.name!r}: backward called before forward")
        weights = self._cache
        g = np.asarray(grad_output)
        dx = weights[:, :, None] * g[:, None, :].astype(weights.dtype, copy=False)
        return self._to_input_layout(dx)


MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalAveragePool1D = GlobalAveragePooling1D
