"""The layer protocol every textembed layer follows.

Keras' life cycle, plus the part Keras hides, an explicit backward pass:

* ``__init__`` stores the configuration (Keras argument names and defaults);
  ``input_shape=`` / ``input_dim=`` on a first layer fix its input shape.
* ``build(input_shape)`` creates the weights with :meth:`Layer.add_weight`
  (``input_shape`` includes the batch axis, as ``None``).
* ``forward(inputs, training=False, mask=None)`` returns the output and
  caches what ``backward`` needs (and nothing else).
* ``backward(grad_output)`` returns the gradient for the input and leaves the
  parameter gradients in ``self.grads``, in the order of ``get_weights()``.
  Layers with an ``activity_regularizer`` add its gradient here: call
  :meth:`Layer._activity_forward` on the output at the end of ``forward``
  (sets ``self.activity_penalty``, a float the model adds to the loss) and
  :meth:`Layer._activity_backward` on ``grad_output`` first thing in
  ``backward``.
* Optional: ``sparse_rows[i]`` (an int64 array of unique row ids, or None)
  says that ``grads[i]`` holds only those rows of weight ``i`` (shape
  ``(len(rows),) + weight.shape[1:]``); optimizers then update only those
  rows. ``Embedding`` does this. None (the default) means a dense gradient.
* Optional: ``backward_preactivation(grad_z)`` on layers with an
  ``activation`` attribute: like ``backward`` but ``grad_z`` is the gradient
  for the pre-activation. The model uses it for the fused, numerically stable
  softmax/sigmoid + cross-entropy gradient when this layer is the last one.
* Container layers (Parallel, Bidirectional) present their sublayers'
  ``weights``, ``grads``, ``sparse_rows``, ``activity_penalty``,
  ``regularization_penalty()`` and ``apply_constraints()`` as their own (and
  list them in ``sublayers()``): ``Sequential`` reads only its own layers.
* ``compute_output_shape(input_shape)``, ``compute_mask(inputs, mask)``,
  ``get_config()``; ``output_shape`` has ``None`` for the batch axis.

Arrays are float32 (integer ids for Embedding), C-contiguous, batch first.
Weight regularizer penalties and constraints are applied by the model around
the optimizer step (see :meth:`Layer.regularization_penalty`).
"""
import numpy as np

from .. import initializers as initializers_module
from .. import regularizers as regularizers_module
from .. import constraints as constraints_module

_LAYER_COUNTS = {}


def _unique_name(prefix):
    _LAYER_COUNTS[prefix] = _LAYER_COUNTS.get(prefix, 0) + 1
    count = _LAYER_COUNTS[prefix]
    return prefix if count == 1 else f"{prefix}_{count - 1}"


def _snake(name):
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(c.lower())
    return "".join(out)


class Layer:
    """Base class: weights, shapes, configuration and the forward/backward protocol."""

    supports_masking = False

    def __init__(self, name=None, trainable=True, input_shape=None, batch_input_shape=None,
                 input_dim=None, dtype="float32", activity_regularizer=None):
        self.name = name or _unique_name(_snake(type(self).__name__))
        self.trainable = trainable
        self.dtype = dtype
        if batch_input_shape is not None:
            self.batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            self.batch_input_shape = (None,) + tuple(input_shape)
        elif input_dim is not None:
            self.batch_input_shape = (None, input_dim)
        else:
            self.batch_input_shape = None
        self.activity_regularizer = regularizers_module.get(activity_regularizer)
        self.built = False
        self.input_shape = None
        self.output_shape = None
        self._weights = []
        self._weight_names = []
        self._regularizers = []
        self._constraints = []
        self._trainable_flags = []
        self.grads = []
        self.sparse_rows = []
        self.activity_penalty = 0.0
        self._activity_output = None

    # -- weights -----------------------------------------------------------

    def add_weight(self, name, shape, initializer="zeros", regularizer=None, constraint=None,
                   trainable=True, rng=None):
        """Create a float32 weight of ``shape`` and register it; returns its index."""
        init = initializers_module.get(initializer)
        value = np.ascontiguousarray(init(tuple(shape), rng=rng), dtype=np.float32)
        self._weights.append(value)
        self._weight_names.append(name)
        self._regularizers.append(regularizers_module.get(regularizer))
        self._constraints.append(constraints_module.get(constraint))
        self._trainable_flags.append(trainable)
        self.grads.append(np.zeros_like(value))
        self.sparse_rows.append(None)
        return len(self._weights) - 1

    @property
    def weights(self):
        """The weight arrays themselves (not copies), in Keras' order."""
        return self._weights

    @property
    def weight_names(self):
        return list(self._weight_names)

    def get_weights(self):
        """Copies of the weights, in Keras' order and layout."""
        return [w.copy() for w in self._weights]

    def set_weights(self, weights):
        """Replace the weights (same order and shapes as ``get_weights()``)."""
        weights = list(weights)
        if len(weights) != len(self._weights):
            raise ValueError(f"layer {self.name!r} expects {len(self._weights)} weight arrays "
                             f"({', '.join(self._weight_names) or 'none'}), got {len(weights)}")
        for i, (name, current, new) in enumerate(zip(self._weight_names, self._weights, weights)):
            new = np.asarray(new)
            if new.shape != current.shape:
                raise ValueError(f"layer {self.name!r}: weight {i} ({name}) has shape "
                                 f"{current.shape}, got an array of shape {new.shape}")
            current[...] = new.astype(np.float32, copy=False)

    def count_params(self):
        return int(sum(w.size for w in self._weights))

    def trainable_indices(self):
        """Indices of the weights the optimizer updates."""
        if not self.trainable:
            return []
        return [i for i, flag in enumerate(self._trainable_flags) if flag]

    def regularization_penalty(self, add_gradients=False):
        """Sum of the weight regularizers' penalties (float).

        With ``add_gradients``, their gradients are added to ``self.grads``.
        """
        total = 0.0
        for i, regularizer in enumerate(self._regularizers):
            if regularizer is None:
                continue
            total += regularizer(self._weights[i])
            if add_gradients:
                self.grads[i] += regularizer.gradient(self._weights[i])
        return total

    def _activity_forward(self, outputs):
        """Record the activity regularizer's penalty of ``outputs`` (call at the end of forward).

        Sets ``self.activity_penalty`` (float; 0.0 without a regularizer) and
        caches ``outputs`` for :meth:`_activity_backward`. Returns ``outputs``.
        Like Keras, the penalty is on the whole batch (not divided by its size).
        """
        if self.activity_regularizer is None:
            self.activity_penalty = 0.0
            return outputs
        self.activity_penalty = float(self.activity_regularizer(outputs))
        self._activity_output = outputs
        return outputs

    def _activity_backward(self, grad_output):
        """``grad_output`` plus the activity penalty's gradient (call first in backward)."""
        if self.activity_regularizer is None or self._activity_output is None:
            return grad_output
        extra = self.activity_regularizer.gradient(self._activity_output)
        return grad_output + extra.astype(grad_output.dtype, copy=False)

    def apply_constraints(self):
        for weight, constraint in zip(self._weights, self._constraints):
            if constraint is not None:
                weight[...] = constraint(weight)

    # -- shapes and life cycle ---------------------------------------------

    def build(self, input_shape):
        self.input_shape = tuple(input_shape)
        self.output_shape = tuple(self.compute_output_shape(self.input_shape))
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output: passed on if the layer supports masking."""
        return mask if self.supports_masking else None

    def forward(self, inputs, training=False, mask=None):
        raise NotImplementedError

    def backward(self, grad_output):
        raise NotImplementedError

    def zero_grads(self):
        for g in self.grads:
            g[...] = 0.0

    # -- configuration -----------------------------------------------------

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self.batch_input_shape is not None:
            config["batch_input_shape"] = list(self.batch_input_shape)
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers_module.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r} output_shape={self.output_shape}>"


def as_float32(x):
    """A C-contiguous float32 array of ``x`` (no copy when it already is one)."""
    return np.ascontiguousarray(x, dtype=np.float32)


def check_last_dim(layer, input_shape, expected):
    """ValueError naming the layer when the last axis of ``input_shape`` is not ``expected``."""
    if input_shape[-1] is not None and input_shape[-1] != expected:
        raise ValueError(f"layer {layer.name!r} was built for inputs of shape (..., {expected}), "
                         f"got inputs of shape {tuple(input_shape)}")
