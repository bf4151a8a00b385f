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
from .conv import conv_output_length, normalize_choice, normalize_tuple

_DATA_FORMATS = ("channels_last", "channels_first")


def _data_format(value, layer_name):
    return normalize_choice("channels_last" if value is None else value, _DATA_FORMATS,
                            "data_format", layer_name)


class _MaxPooling(Layer):
    """Shared machinery of MaxPooling1D and MaxPooling2D (``rank`` spatial axes)."""

    rank = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        for old, new in (("pool_length", "pool_size"), ("stride", "strides"),
                         ("border_mode", "padding")):
            if old in kwargs:
                value = kwargs.pop(old)
                if new == "pool_size":
                    pool_size = value
                elif new == "strides":
                    strides = value
                else:
                    padding = value
        ordering = kwargs.pop("dim_ordering", None)
        if ordering is not None and data_format is None:
            data_format = "channels_first" if ordering == "th" else "channels_last"
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", self.name)
        self.strides = (self.pool_size if strides is None
                        else normalize_tuple(strides, self.rank, "strides", self.name))
        self.padding = normalize_choice(padding, ("valid", "same"), "padding", self.name)
        self.data_format = _data_format(data_format, self.name)
        self._cache = None

    def _split_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"layer {self.name!r} expects inputs with {self.rank + 2} axes, "
                             f"got inputs of shape {input_shape}")
        if self.data_format == "channels_last":
            return input_shape[0], input_shape[1:-1], input_shape[-1]
        return input_shape[0], input_shape[2:], input_shape[1]

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
        if self.data_format == "channels_first":
            x = np.moveaxis(x, 1, -1)
        x4 = np.ascontiguousarray(x[:, None] if self.rank == 1 else x)
        geometry = self._geometry(spatial)
        if self.rank == 1:
            geometry = [(1, 0)] + geometry
        (out_h, pad_top), (out_w, pad_left) = geometry
        ph, pw = (1,) + self.pool_size if self.rank == 1 else self.pool_size
        sh, sw = (1,) + self.strides if self.rank == 1 else self.strides
        out, arg = max_pool_forward(x4, ph, pw, sh, sw, pad_top, pad_left, out_h, out_w)
        self._cache = (arg, x4.shape[1], x4.shape[2])
        if self.rank == 1:
            out = out[:, 0]
        if self.data_format == "channels_first":
            out = np.ascontiguousarray(np.moveaxis(out, -1, 1))
        return out

    def backward(self, grad_output):
        """grad_output: array of the output's shape -> input gradient (input's shape)."""
        if self._cache is None:
            raise RuntimeError(f"layer {self.name!r}: backward called before forward")
        arg, H, W = self._cache
        g = np.asarray(grad_output)
        if self.data_format == "channels_first":
            g = np.moveaxis(g, 1, -1)
        g = np.ascontiguousarray(g[:, None] if self.rank == 1 else g)
        dx = max_pool_backward(g, arg, H, W)
        if self.rank == 1:
            dx = dx[:, 0]
        if self.data_format == "channels_first":
            dx = np.ascontiguousarray(np.moveaxis(dx, -1, 1))
        return dx

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": list(self.pool_size), "strides": list(self.strides),
                       "padding": self.padding, "data_format": self.data_format})
        return config


class MaxPooling1D(_MaxPooling):
    """Max over windows of ``pool_size`` steps: (None, steps, C) -> (None, new_steps, C)."""

    rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_MaxPooling):
    """Max over (rows, cols) windows: (None, rows, cols, C) -> (None, new_rows, new_cols, C).

    ``data_format=None`` means channels_last.
    """

    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling1D(Layer):
    """(None, steps, C) -> (None, C) (channels_first: (None, C, steps) -> (None, C))."""

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format, self.name)
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
