"""Activation functions with Keras' names, each with its derivative.

``get(name)`` returns an :class:`Activation`: ``forward(x)`` (float array in,
same shape and dtype out: float32 in layers, float64 in gradient checks) and ``backward(grad_y, x, y)``, the gradient for ``x``
given the gradient for ``y = forward(x)``. ``hard_sigmoid`` is Keras 2's
``clip(0.2 * x + 0.5, 0, 1)``; ``softmax`` works on the last axis.
"""
import numpy as np

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


class Activation:
    def __init__(self, name, forward, backward):
        self.name = name
        self._forward = forward
        self._backward = backward

    def forward(self, x):
        return self._forward(x).astype(x.dtype, copy=False)

    def backward(self, grad_y, x, y):
        return self._backward(grad_y, x, y).astype(grad_y.dtype, copy=False)

    def __repr__(self):
        return f"<activation {self.name}>"


def _sigmoid(x):
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def _softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_backward(g, x, y):
    return y * (g - (g * y).sum(axis=-1, keepdims=True))


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


_TABLE = {
    "linear": (lambda x: x, lambda g, x, y: g),
    "relu": (lambda x: np.maximum(x, 0), lambda g, x, y: g * (x > 0)),
    "sigmoid": (_sigmoid, lambda g, x, y: g * y * (1 - y)),
    "tanh": (np.tanh, lambda g, x, y: g * (1 - y * y)),
    "hard_sigmoid": (lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),
                     lambda g, x, y: g * 0.2 * ((x > -2.5) & (x < 2.5))),
    "softmax": (_softmax, _softmax_backward),
    "elu": (_elu, lambda g, x, y: g * np.where(x > 0, 1.0, y + 1.0)),
    "selu": (lambda x: _SELU_SCALE * _elu(x, _SELU_ALPHA),
             lambda g, x, y: g * np.where(x > 0, _SELU_SCALE, y + _SELU_SCALE * _SELU_ALPHA)),
    "softplus": (lambda x: np.logaddexp(0, x), lambda g, x, y: g * _sigmoid(x)),
    "softsign": (lambda x: x / (1 + np.abs(x)), lambda g, x, y: g / np.square(1 + np.abs(x))),
    "exponential": (np.exp, lambda g, x, y: g * y),
}

NAMES = tuple(sorted(_TABLE))


def get(identifier):
    """An :class:`Activation` from a name (None means linear) or an Activation."""
    if identifier is None:
        identifier = "linear"
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, str) and identifier in _TABLE:
        forward, backward = _TABLE[identifier]
        return Activation(identifier, forward, backward)
    raise ValueError(f"unknown activation {identifier!r}; valid names: {', '.join(NAMES)}")


def serialize(activation):
    return activation.name
