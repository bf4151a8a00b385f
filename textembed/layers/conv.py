"""Convolution layers: Conv1D and Conv2D (and the Keras 1 spellings).

A convolution is computed as a matrix product: the input patches are copied
into the rows of a matrix by the numba kernel :func:`im2col_into`, multiplied
by the kernel reshaped to ``(kernel_elements * in_channels, filters)`` with
numpy's ``@`` (BLAS), and the backward pass is the same three products
(kernel gradient ``cols.T @ g``, input gradient ``g @ kernel.T`` folded back by
:func:`col2im`, bias gradient ``g.sum(0)``).  Two shortcuts, same sums:

* stride-1 Conv1D multiplies the input once by all kernel taps side by side,
  ``(B * steps, C) @ (C, kernel_size * filters)``, and adds the shifted
  columns (:func:`conv1d_shift_sum`), with no patch matrix to copy;
* when the output gradient is mostly zeros (fewer than 1 in 12 entries
  non-zero, as behind a global max pooling, which passes one gradient per
  sequence and filter), the backward pass visits only the non-zero entries
  (:func:`conv_backward_sparse`), a fraction of the work.

Shapes (``None`` is the batch axis):

* Conv1D, channels_last: (None, steps, in_channels) -> (None, new_steps, filters);
  channels_first: (None, in_channels, steps) -> (None, filters, new_steps).
  kernel (kernel_size, in_channels, filters), bias (filters,).
* Conv2D, channels_last: (None, rows, cols, in) -> (None, new_rows, new_cols, filters);
  channels_first: (None, in, rows, cols) -> (None, filters, new_rows, new_cols).
  kernel (kh, kw, in_channels, filters), bias (filters,).

Output length per spatial axis (Keras' arithmetic), for input length ``n``,
kernel ``k``, stride ``s``, dilation ``d``, effective kernel ``e = (k - 1) * d + 1``:
'valid' ``(n - e) // s + 1``; 'same' ``ceil(n / s)`` with
``max((out - 1) * s + e - n, 0)`` zeros added, the smaller half before;
'causal' (Conv1D only) ``n`` with ``e - 1`` zeros before.

Masks: convolutions do not support masking (Keras 2: ``supports_masking =
False``); a mask coming in is dropped, and the output carries none.

Keras 1 spellings: ``Convolution1D(nb_filter, filter_length, border_mode=,
subsample_length=, input_dim=, input_length=)`` and ``Convolution2D(nb_filter,
nb_row, nb_col, border_mode=, subsample=, dim_ordering=)``, also written
``Conv2D(64, 3, 3, ...)``. The Keras 1 form of Conv2D defaults to
channels_first (``dim_ordering='th'``), so the tutorial's
``Convolution2D(64, 3, 3, border_mode='same', input_shape=(3, 32, 32))`` gives
``(None, 64, 32, 32)``; pass ``data_format`` or ``dim_ordering='tf'`` for
channels_last.
"""
import numpy as np

from .. import activations as activations_module
from ..kernels.conv_kernels import col2im, conv1d_shift_sum, conv_backward_sparse, im2col_into
from .base import Layer, Weight, check_positive_int
from .config import keras1_keywords, rename_legacy_keywords, set_weight_options, \
    weight_options_config
from .spatial import (as_2d, conv_output_length, from_4d, normalize_choice, normalize_data_format,
                      normalize_tuple, split_spatial_shape, to_4d)

_PADDINGS = ("valid", "same")
# The backward pass visits only the non-zero output gradients when fewer than
# 1 in this many are non-zero (measured: at 2% non-zeros, as behind
# GlobalMaxPooling1D in Kim's CNN, 4x faster than the two BLAS products; even
# at 10% a little faster).
_SPARSE_BACKWARD_RATIO = 12


class _Conv(Layer):
    """Shared machinery of Conv1D and Conv2D (``rank`` spatial axes, 1 or 2)."""

    rank = None
    kernel = Weight()
    bias = Weight()

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = check_positive_int(self, "filters", filters)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, self.rank, "strides", self.name)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", self.name)
        paddings = _PADDINGS + (("causal",) if self.rank == 1 else ())
        self.padding = normalize_choice(padding, paddings, "padding", self.name)
        self.data_format = normalize_data_format(data_format, self.name)
        self.activation = activations_module.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        set_weight_options(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self._cache = None
        self._cols_buffer = None

    # -- shapes ------------------------------------------------------------

    def _split_shape(self, input_shape):
        """(batch, spatial tuple, channels) of a full input shape."""
        return split_spatial_shape(input_shape, self.rank, self.data_format, self.name)

    def _geometry(self, spatial):
        """Per spatial axis: (output length, zeros before)."""
        geometry = [conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        for n, (out, _) in zip(spatial, geometry):
            if out is not None and out < 1:
                raise ValueError(f"layer {self.name!r}: input of spatial size {tuple(spatial)} is "
                                 f"smaller than the kernel {self.kernel_size} (dilation "
                                 f"{self.dilation_rate}) with padding {self.padding!r}")
        return geometry

    def compute_output_shape(self, input_shape):
        batch, spatial, _ = self._split_shape(input_shape)
        out = tuple(o for o, _ in self._geometry(spatial))
        if self.data_format == "channels_last":
            return (batch,) + out + (self.filters,)
        return (batch, self.filters) + out

    def build(self, input_shape):
        _, _, channels = self._split_shape(input_shape)
        if channels is None:
            raise ValueError(f"layer {self.name!r}: the channel axis of the input must be known, "
                             f"got input shape {tuple(input_shape)}")
        self._clear_weights()
        self.add_weight("kernel", self.kernel_size + (channels, self.filters),
                        self.kernel_initializer, self.kernel_regularizer, self.kernel_constraint)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer,
                            self.bias_regularizer, self.bias_constraint)
        self.in_channels = channels
        super().build(input_shape)

    # -- forward / backward ------------------------------------------------

    def forward(self, inputs, training=False, mask=None):
        """inputs: float array of the input shape (see the module docstring); mask ignored.

        Computes in the kernel's dtype (float32; float64 in gradient checks).
        """
        if not self.built:
            self.build((None,) + tuple(np.shape(inputs)[1:]))
        kernel = self.kernel
        x = np.asarray(inputs)
        _, spatial, channels = self._split_shape(x.shape)
        if channels != self.in_channels:
            raise ValueError(f"layer {self.name!r} was built for {self.in_channels} input channels, "
                             f"got inputs of shape {x.shape}")
        x4 = to_4d(x.astype(kernel.dtype, copy=False), self.rank, self.data_format)
        B, H, W, C = x4.shape
        (out_h, pad_top), (out_w, pad_left) = as_2d(self._geometry(spatial), self.rank, (1, 0))
        kh, kw = as_2d(self.kernel_size, self.rank)
        sh, sw = as_2d(self.strides, self.rank)
        dh, dw = as_2d(self.dilation_rate, self.rank)
        params = (kh, kw, sh, sw, dh, dw, pad_top, pad_left, out_h, out_w)
        if self.rank == 1 and sw == 1:
            # Stride-1 1D: one product of the input with all kernel taps side by side,
            # then shifted sums (no patch matrix to copy).
            taps = np.ascontiguousarray(kernel.transpose(1, 0, 2)).reshape(C, kw * self.filters)
            z = conv1d_shift_sum(x4.reshape(-1, C) @ taps, B, W, kw, self.filters, dw,
                                 pad_left, out_w)
            cols = None
        else:
            cols = self._patches(x4, params)
            z = cols @ kernel.reshape(-1, self.filters)
        if self.use_bias:
            z += self.bias
        z = z.reshape((B,) + (out_h, out_w)[2 - self.rank:] + (self.filters,))
        if self.data_format == "channels_first":
            z = np.ascontiguousarray(np.moveaxis(z, -1, 1))
        y = self.activation.forward(z)
        linear = self.activation.name == "linear"
        self._cache = (x4, cols, None if linear else z, None if linear else y, params)
        return self._activity_forward(y)

    def _patches(self, x4, params):
        """im2col of x4 into a buffer kept between calls (a fresh array this size costs
        page faults every batch): (B * out_h * out_w, kh * kw * C)."""
        B, _, _, C = x4.shape
        kh, kw, out_h, out_w = params[0], params[1], params[-2], params[-1]
        shape = (B * out_h * out_w, kh * kw * C)
        cols = self._cols_buffer
        if cols is None or cols.shape != shape or cols.dtype != x4.dtype:
            cols = self._cols_buffer = np.empty(shape, dtype=x4.dtype)
        im2col_into(x4, *params, cols)
        return cols

    def backward(self, grad_output):
        """grad_output: array of the output's shape. Returns the input gradient (input's shape)."""
        if self._cache is None:
            raise RuntimeError(f"layer {self.name!r}: backward called before forward")
        _, _, z, y, _ = self._cache
        g = np.asarray(grad_output, dtype=self.kernel.dtype)
        g = self._activity_backward(g)
        if z is not None:
            g = self.activation.backward(g, z, y)
        return self.backward_preactivation(g)

    def backward_preactivation(self, grad_z):
        """Like :meth:`backward`, with grad_z the gradient for the pre-activation output."""
        if self._cache is None:
            raise RuntimeError(f"layer {self.name!r}: backward called before forward")
        x4, cols, _, _, params = self._cache
        B, H, W, C = x4.shape
        kernel = self.kernel
        g = np.asarray(grad_z, dtype=kernel.dtype)
        if self.data_format == "channels_first":
            g = np.moveaxis(g, 1, -1)
        g = np.ascontiguousarray(g).reshape(-1, self.filters)
        if self.use_bias:
            self.set_gradient("bias", g.sum(axis=0))
        kernel_matrix = kernel.reshape(-1, self.filters)
        if np.count_nonzero(g) * _SPARSE_BACKWARD_RATIO < g.size:
            # Mostly zeros (behind a global max pooling, say): visit only the non-zeros.
            kernel_t = np.ascontiguousarray(kernel_matrix.T)
            dkernel_t, dx = conv_backward_sparse(x4, g, kernel_t, *params)
            self.set_gradient("kernel", dkernel_t.T.reshape(kernel.shape))
        else:
            if cols is None:
                cols = self._patches(x4, params)
            self.set_gradient("kernel", (cols.T @ g).reshape(kernel.shape))
            dx = col2im(g @ kernel_matrix.T, B, H, W, C, *params)
        return from_4d(dx, self.rank, self.data_format)

    # -- configuration -----------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate),
            "activation": activations_module.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_options_config(self, ("kernel", "bias")),
        })
        return config


# Keras 1 keyword names of both convolutions.
_KERAS1_NAMES = {"init": "kernel_initializer", "W_regularizer": "kernel_regularizer",
                 "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
                 "b_constraint": "bias_constraint", "bias": "use_bias", "border_mode": "padding"}


class Conv1D(_Conv):
    """1D convolution over steps: (None, steps, in) -> (None, new_steps, filters).

    Keras 2 arguments; padding 'valid', 'same' or 'causal'; kernel
    (kernel_size, in_channels, filters) float32, bias (filters,).  Keras 1
    keywords (nb_filter, filter_length, border_mode, subsample_length, init,
    W_regularizer, ..., input_dim with input_length) are accepted.  A mask
    coming in is dropped (Keras 2 Conv1D does not support masking).
    """

    rank = 1

    @keras1_keywords({"nb_filter": "filters", "filter_length": "kernel_size",
                      "subsample_length": "strides", **_KERAS1_NAMES})
    def __init__(self, filters=None, kernel_size=None, strides=1, padding="valid", *args, **kwargs):
        input_length = kwargs.pop("input_length", None)
        if kwargs.get("input_dim") is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length, kwargs.pop("input_dim"))
        if filters is None or kernel_size is None:
            raise TypeError("Conv1D needs filters and kernel_size")
        super().__init__(filters, kernel_size, strides, padding, *args, **kwargs)


class Conv2D(_Conv):
    """2D convolution: (None, rows, cols, in) -> (None, new_rows, new_cols, filters)
    (channels_last) or (None, in, rows, cols) -> (None, filters, new_rows, new_cols)
    (channels_first).

    Keras 2 arguments with int-or-pair kernel_size, strides, dilation_rate;
    padding 'valid' or 'same'; kernel (kh, kw, in_channels, filters) float32,
    bias (filters,).  The Keras 1 form ``Conv2D(nb_filter, nb_row, nb_col,
    border_mode=, subsample=, dim_ordering=)`` is accepted and defaults to
    channels_first, as Keras 1 did (the tutorial's shapes depend on it).
    """

    rank = 2

    def __init__(self, filters=None, kernel_size=None, *args, **kwargs):
        legacy = False
        if "nb_filter" in kwargs:
            filters, legacy = kwargs.pop("nb_filter"), True
        if "nb_row" in kwargs or "nb_col" in kwargs:
            kernel_size = (kwargs.pop("nb_row", kernel_size), kwargs.pop("nb_col", None))
            legacy = True
        if args and isinstance(args[0], (int, np.integer)) and isinstance(kernel_size, (int, np.integer)):
            kernel_size, args, legacy = (kernel_size, int(args[0])), args[1:], True
        for old in ("border_mode", "subsample", "dim_ordering", "init", "W_regularizer",
                    "b_regularizer", "W_constraint", "b_constraint", "bias"):
            legacy = legacy or old in kwargs
        rename_legacy_keywords(kwargs, {"subsample": "strides", **_KERAS1_NAMES}, "Conv2D")
        ordering = kwargs.pop("dim_ordering", None)
        if ordering is not None:
            if ordering not in ("th", "tf"):
                raise ValueError(f"dim_ordering must be 'th' or 'tf', got {ordering!r}")
            kwargs.setdefault("data_format", "channels_first" if ordering == "th" else "channels_last")
        elif legacy:
            kwargs.setdefault("data_format", "channels_first")
        if filters is None or kernel_size is None:
            raise TypeError("Conv2D needs filters and kernel_size")
        super().__init__(filters, kernel_size, *args, **kwargs)


Convolution1D = Conv1D
Convolution2D = Conv2D
