"""Optimizers with Keras 2's names, defaults and update formulas.

``optimizer.apply_gradients(triples)`` updates weights in place; each triple is
``(weight, grad, rows)``:

* ``rows is None``: ``grad`` has the shape of ``weight`` (a dense update);
* ``rows``: int array of unique row ids; ``grad`` has shape
  ``(len(rows),) + weight.shape[1:]`` and only those rows of the weight (and
  of its slots) change. This is the *lazy* update of TensorFlow's LazyAdam:
  rows not in the batch keep their weights, momenta and accumulators as they
  are (a dense update would still decay their momenta and move them). Adam's
  bias correction uses the global step count.

Slots (momenta, accumulators) are created on first use, zero-initialised like
Keras 2, and belong to the weight array object. The formulas (``t`` counts
``apply_gradients`` calls from 1; ``decay`` is Keras 2's time decay
``lr / (1 + decay * (t - 1))``):

* SGD: ``v = momentum * v - lr * g``; ``w += v`` (nesterov: ``w += momentum * v - lr * g``);
  without momentum ``w -= lr * g``.
* RMSprop: ``a = rho * a + (1 - rho) * g**2``; ``w -= lr * g / (sqrt(a) + epsilon)``.
* Adam: ``m = b1 * m + (1 - b1) * g``; ``v = b2 * v + (1 - b2) * g**2``;
  ``w -= lr * sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + epsilon)``.
* Adagrad: ``a += g**2``; ``w -= lr * g / (sqrt(a) + epsilon)``.
* Adadelta: ``a = rho * a + (1 - rho) * g**2``;
  ``u = g * sqrt(d + epsilon) / sqrt(a + epsilon)``; ``w -= lr * u``;
  ``d = rho * d + (1 - rho) * u**2``.

The old ``lr=`` spelling is accepted everywhere.
"""
import numpy as np

from .kernels.optimizer_kernels import (adadelta_update, adagrad_update, adam_update,
                                        rmsprop_update, sgd_momentum_update, sgd_update)

_ONE_ROW = np.zeros(1, dtype=np.int64)


class Optimizer:
    """Base class: slot bookkeeping, the step counter and the dense/sparse dispatch."""

    _slot_names = ()

    def __init__(self, learning_rate=0.01, lr=None, decay=0.0):
        if lr is not None:
            learning_rate = lr
        learning_rate = float(learning_rate)
        if not learning_rate > 0 or not np.isfinite(learning_rate):
            raise ValueError(f"{type(self).__name__}: learning_rate must be a positive number, "
                             f"got {learning_rate}")
        self.learning_rate = learning_rate
        self.decay = float(decay)
        self.iterations = 0
        self._slots = {}

    @property
    def lr(self):
        return self.learning_rate

    def _current_lr(self):
        if self.decay:
            return self.learning_rate / (1.0 + self.decay * self.iterations)
        return self.learning_rate

    def _get_slots(self, weight):
        entry = self._slots.get(id(weight))
        if entry is None or entry[0] is not weight:
            entry = (weight, [np.zeros_like(weight) for _ in self._slot_names])
            self._slots[id(weight)] = entry
        return entry[1]

    def apply_gradients(self, triples):
        """Update each weight in place from its gradient; see the module docstring."""
        lr = self._current_lr()
        self.iterations += 1
        for weight, grad, rows in triples:
            if not weight.flags.c_contiguous:
                raise ValueError("optimizers update weights in place: weights must be "
                                 "C-contiguous arrays")
            if rows is None:
                if grad.shape != weight.shape:
                    raise ValueError(f"gradient of shape {grad.shape} for a weight of shape "
                                     f"{weight.shape}")
                w2 = weight.reshape(1, -1)
                g2 = np.ascontiguousarray(grad, dtype=weight.dtype).reshape(1, -1)
                idx = _ONE_ROW
                slots = [s.reshape(1, -1) for s in self._get_slots(weight)]
            else:
                idx = np.ascontiguousarray(rows, dtype=np.int64)
                if idx.size == 0:
                    continue
                w2 = weight.reshape(weight.shape[0], -1)
                g2 = np.ascontiguousarray(grad, dtype=weight.dtype).reshape(idx.size, -1)
                slots = [s.reshape(s.shape[0], -1) for s in self._get_slots(weight)]
            self._update(w2, g2, idx, slots, weight.dtype.type(lr), weight.dtype.type)

    def _update(self, w, g, rows, slots, lr, f):
        """One kernel call; ``lr`` is in the weight's dtype and ``f`` converts other scalars to it."""
        raise NotImplementedError

    def get_config(self):
        return {"learning_rate": self.learning_rate, "decay": self.decay}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, lr=None, decay=0.0):
        super().__init__(learning_rate, lr, decay)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        if not 0.0 <= self.momentum:
            raise ValueError(f"SGD: momentum must be >= 0, got {momentum}")
        self._slot_names = ("velocity",) if self.momentum else ()

    def _update(self, w, g, rows, slots, lr, f):
        if self.momentum:
            sgd_momentum_update(w, g, rows, slots[0], lr, f(self.momentum), self.nesterov)
        else:
            sgd_update(w, g, rows, lr)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    _slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, lr=None, decay=0.0):
        super().__init__(learning_rate, lr, decay)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _update(self, w, g, rows, slots, lr, f):
        rmsprop_update(w, g, rows, slots[0], lr, f(self.rho), f(1.0 - self.rho), f(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    _slot_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, lr=None,
                 decay=0.0):
        super().__init__(learning_rate, lr, decay)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _update(self, w, g, rows, slots, lr, f):
        t = self.iterations
        lr_t = float(lr) * np.sqrt(1.0 - self.beta_2 ** t) / (1.0 - self.beta_1 ** t)
        adam_update(w, g, rows, slots[0], slots[1], f(lr_t), f(self.beta_1),
                    f(1.0 - self.beta_1), f(self.beta_2), f(1.0 - self.beta_2), f(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Adagrad(Optimizer):
    _slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.01, epsilon=1e-7, lr=None, decay=0.0):
        super().__init__(learning_rate, lr, decay)
        self.epsilon = float(epsilon)

    def _update(self, w, g, rows, slots, lr, f):
        adagrad_update(w, g, rows, slots[0], lr, f(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


class Adadelta(Optimizer):
    _slot_names = ("accumulator", "delta_accumulator")

    def __init__(self, learning_rate=1.0, rho=0.95, epsilon=1e-7, lr=None, decay=0.0):
        super().__init__(learning_rate, lr, decay)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _update(self, w, g, rows, slots, lr, f):
        adadelta_update(w, g, rows, slots[0], slots[1], lr, f(self.rho), f(1.0 - self.rho),
                        f(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adagrad": Adagrad,
            "adadelta": Adadelta}
_CLASSES = {cls.__name__: cls for cls in _BY_NAME.values()}
NAMES = tuple(_BY_NAME)


def get(identifier):
    """An optimizer from a name ('sgd', 'rmsprop', 'adam', 'adagrad', 'adadelta'),
    a ``{"class_name": ..., "config": ...}`` dict or an Optimizer (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier.get("class_name"))
        if cls is not None:
            return cls.from_config(identifier.get("config", {}))
        identifier = identifier.get("class_name")
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is not None:
            return cls()
    raise ValueError(f"unknown optimizer {identifier!r}; valid names: {', '.join(NAMES)} "
                     f"(or an optimizer object such as textembed.optimizers.Adam())")


def serialize(optimizer):
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}
