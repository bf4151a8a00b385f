"""Core layers: Dense, Dropout, Flatten, Reshape, RepeatVector, ActivityRegularization, Activation.

All work batch first, in the dtype of their weights (float32; float64 in the
gradient checks); inputs are cast to it. Shapes below use ``N`` for the batch.
"""
import numpy as np

from .. import activations as activations_module
from .. import regularizers as regularizers_module
from .base import Layer, Weight, check_last_dim, check_positive_int
from .config import set_weight_options, weight_options_config


def _float_input(x, dtype=None):
    x = np.asarray(x)
    if dtype is not None and x.dtype != dtype:
        return x.astype(dtype)
    if not np.issubdtype(x.dtype, np.floating):
        return x.astype(np.float32)
    return x


def _prod(dims):
    out = 1
    for d in dims:
        out *= int(d)
    return out


class Dense(Layer):
    """``output = activation(inputs @ kernel + bias)`` on the last axis.

    inputs: float (N, ..., input_dim); kernel: (input_dim, units); bias: (units,);
    output: (N, ..., units). Passes a mask on unchanged (Keras does).
    ``input_dim=`` / ``input_shape=`` on a first layer fix the input shape;
    ``weights=[kernel, bias]`` sets initial weights (Keras 2 legacy).
    """

    supports_masking = True
    kernel = Weight()
    bias = Weight()

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = check_positive_int(self, "units", units)
        self.activation = activations_module.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        set_weight_options(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self._cache = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if self.built:
            check_last_dim(self, input_shape, self.kernel.shape[0])
            return
        if len(input_shape) < 2:
            raise ValueError(f"layer {self.name!r} needs inputs of shape (batch, ..., features), "
                             f"got input shape {input_shape}")
        if input_shape[-1] is None:
            raise ValueError(f"layer {self.name!r}: the last axis of its input must be known, got "
                             f"input shape {input_shape} (give input_length= to an Embedding "
                             f"before a Flatten)")
        self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer,
                        self.kernel_regularizer, self.kernel_constraint)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer, self.bias_regularizer,
                            self.bias_constraint)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, inputs, training=False, mask=None):
        kernel = self.kernel
        x = _float_input(inputs, kernel.dtype)
        if x.ndim < 2 or x.shape[-1] != kernel.shape[0]:
            raise ValueError(f"layer {self.name!r} expects inputs of shape "
                             f"(batch, ..., {kernel.shape[0]}), got an array of shape {x.shape}")
        x2 = x.reshape(-1, kernel.shape[0])
        z = x2 @ kernel
        if self.use_bias:
            z += self.bias
        y = self.activation.forward(z)
        self._cache = (x2, z, y, x.shape)
        return self._activity_forward(y.reshape(x.shape[:-1] + (self.units,)))

    def backward(self, grad_output):
        x2, z, y, _ = self._cache
        g = self._activity_backward(grad_output)
        g = np.asarray(g, dtype=z.dtype).reshape(-1, self.units)
        return self.backward_preactivation(self.activation.backward(g, z, y))

    def backward_preactivation(self, grad_z):
        """Backward pass from the gradient for ``inputs @ kernel + bias`` (shape (N, ..., units))."""
        x2, z, _, in_shape = self._cache
        gz = np.asarray(grad_z, dtype=z.dtype).reshape(-1, self.units)
        self.set_gradient("kernel", x2.T @ gz)
        if self.use_bias:
            self.set_gradient("bias", gz.sum(axis=0))
        return (gz @ self.kernel.T).reshape(in_shape)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations_module.serialize(self.activation),
                "use_bias": self.use_bias, **weight_options_config(self, ("kernel", "bias"))}


class Dropout(Layer):
    """Inverted dropout: in training, zero each value with probability ``rate`` and scale
    the rest by ``1 / (1 - rate)``; the identity at inference.

    ``noise_shape``: a shape broadcastable to the input's, ``None`` entries taken from
    the input (e.g. ``(None, 1, features)`` drops whole features for all time steps).
    ``seed`` seeds the layer's own ``numpy.random.Generator``. Passes masks on.
    """

    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        rate = float(rate)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"layer {self.name!r}: rate must be in [0, 1), got {rate}")
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._scale = None

    def _noise_shape(self, shape):
        if self.noise_shape is None:
            return shape
        if len(self.noise_shape) != len(shape):
            raise ValueError(f"layer {self.name!r}: noise_shape {self.noise_shape} does not fit "
                             f"inputs of shape {shape}")
        return tuple(s if n is None else int(n) for n, s in zip(self.noise_shape, shape))

    def forward(self, inputs, training=False, mask=None):
        x = _float_input(inputs)
        if not training or self.rate == 0.0:
            self._scale = None
            return self._activity_forward(x)
        keep = self._rng.random(self._noise_shape(x.shape), dtype=np.float32) >= self.rate
        self._scale = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.rate))
        return self._activity_forward(x * self._scale)

    def backward(self, grad_output):
        grad_output = self._activity_backward(grad_output)
        return grad_output if self._scale is None else grad_output * self._scale

    def get_config(self):
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": self.seed}


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...). ``data_format`` is accepted and ignored
    (the flattening order is always the array's own, C order)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return (input_shape[0], None)
        return (input_shape[0], _prod(rest))

    def forward(self, inputs, training=False, mask=None):
        x = _float_input(inputs)
        self._in_shape = x.shape
        return self._activity_forward(x.reshape(x.shape[0], -1))

    def backward(self, grad_output):
        return np.asarray(self._activity_backward(grad_output)).reshape(self._in_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """(N, ...) -> (N,) + target_shape; one entry of ``target_shape`` may be -1 (inferred)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError(f"layer {self.name!r}: target_shape must be a tuple of integers, "
                             f"got {target_shape!r}") from None
        if sum(d == -1 for d in target) > 1 or any(d == 0 or d < -1 for d in target):
            raise ValueError(f"layer {self.name!r}: target_shape {target} must hold positive "
                             f"sizes and at most one -1")
        self.target_shape = target

    def _resolve(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        total = _prod(rest)
        known = _prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if total % known:
                raise ValueError(f"layer {self.name!r}: cannot reshape inputs of shape "
                                 f"{tuple(input_shape)} ({total} values per sample) to "
                                 f"{self.target_shape}: {total} is not a multiple of {known}")
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if total != known:
            raise ValueError(f"layer {self.name!r}: cannot reshape inputs of shape "
                             f"{tuple(input_shape)} ({total} values per sample) to "
                             f"{self.target_shape} ({known} values)")
        return self.target_shape

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape))

    def forward(self, inputs, training=False, mask=None):
        x = _float_input(inputs)
        self._in_shape = x.shape
        return self._activity_forward(
            x.reshape((x.shape[0],) + self._resolve((None,) + x.shape[1:])))

    def backward(self, grad_output):
        return np.asarray(self._activity_backward(grad_output)).reshape(self._in_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class RepeatVector(Layer):
    """(N, features) -> (N, n, features): each sample repeated ``n`` times."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = check_positive_int(self, "n", n)

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"layer {self.name!r} needs 2D inputs (batch, features), got "
                             f"input shape {tuple(input_shape)}")
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n) + tuple(input_shape[1:])

    def forward(self, inputs, training=False, mask=None):
        x = _float_input(inputs)
        if x.ndim != 2:
            raise ValueError(f"layer {self.name!r} needs 2D inputs (batch, features), got an "
                             f"array of shape {x.shape}")
        return self._activity_forward(np.repeat(x[:, None, :], self.n, axis=1))

    def backward(self, grad_output):
        return np.asarray(self._activity_backward(grad_output)).sum(axis=1)

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class ActivityRegularization(Layer):
    """The identity, adding ``l1 * sum(|x|) + l2 * sum(x**2)`` of its input to the loss."""

    supports_masking = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers_module.Regularizer(l1=l1, l2=l2),
                         **kwargs)
        self.l1, self.l2 = float(l1), float(l2)

    def forward(self, inputs, training=False, mask=None):
        return self._activity_forward(_float_input(inputs))

    def backward(self, grad_output):
        return self._activity_backward(grad_output)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}


class Activation(Layer):
    """``activation(inputs)`` element-wise (softmax: over the last axis); any shape."""

    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations_module.get(activation)

    def forward(self, inputs, training=False, mask=None):
        x = _float_input(inputs)
        y = self.activation.forward(x)
        self._cache = (x, y)
        return self._activity_forward(y)

    def backward(self, grad_output):
        x, y = self._cache
        g = self._activity_backward(grad_output)
        return self.activation.backward(np.asarray(g, dtype=x.dtype), x, y)

    def backward_preactivation(self, grad_z):
        return grad_z

    def get_config(self):
        return {**super().get_config(),
                "activation": activations_module.serialize(self.activation)}
