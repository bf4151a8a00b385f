"""The layer protocol every textembed layer follows, and the base of container layers.

Keras' life cycle, plus the part Keras hides, an explicit backward pass:

* ``__init__`` stores the configuration (Keras argument names and defaults);
  ``input_shape=`` / ``input_dim=`` on a first layer fix its input shape;
  ``weights=`` (a list as ``get_weights()`` returns it) sets the weights once
  the layer is built.
* ``build(input_shape)`` creates the weights with :meth:`Layer.add_weight`
  (``input_shape`` includes the batch axis, as ``None``).  A class attribute
  ``kernel = Weight()`` then makes ``layer.kernel`` that weight's current
  array (see :class:`Weight`).
* ``forward(inputs, training=False, mask=None)`` returns the output and
  caches what ``backward`` needs (and nothing else).
* ``backward(grad_output)`` returns the gradient for the input and stores
  the parameter gradients with :meth:`Layer.set_gradient` (they are kept in
  ``self.grads``, in the order of ``get_weights()``).
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
* Container layers (Parallel, Bidirectional) derive from :class:`Container`,
  which presents their sublayers' ``weights``, ``grads``, ``sparse_rows``,
  ``activity_penalty``, ``regularization_penalty()`` and
  ``apply_constraints()`` as their own: ``Sequential`` reads only its own layers.
* ``compute_output_shape(input_shape)``, ``compute_mask(inputs, mask)``,
  ``get_config()``; ``output_shape`` has ``None`` for the batch axis.

Arrays are float32 (integer ids for Embedding), C-contiguous, batch first.
Weight regularizer penalties and constraints are applied by the model around
the optimizer step (see :meth:`Layer.regularization_penalty`).
"""
import numpy as np

from .. import constraints as constraints_module
from .. import initializers as initializers_module
from .. import regularizers as regularizers_module

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


class Weight:
    """A layer's weight by name, declared as a class attribute: ``kernel = Weight()``.

    ``layer.kernel`` is the array that ``add_weight("kernel", ...)``
    registered, looked up in the layer's weight list on every access, so it is
    always the current array (``set_weights`` writes in place, the gradient
    checker swaps in float64 copies); None while the layer has no weight of
    that name (not built yet, or ``use_bias=False``).  Read-only: change the
    values with ``set_weights()`` or in place.
    """

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, layer, owner=None):
        if layer is None:
            return self
        index = layer._weight_index(self.name)
        return None if index is None else layer._weights[index]

    def __set__(self, layer, value):
        raise AttributeError(f"{self.name!r} is a weight of layer {layer.name!r}: change it "
                             f"with set_weights() or in place")


class Layer:
    """Base class: weights, shapes, configuration and the forward/backward protocol."""

    supports_masking = False

    def __init__(self, name=None, trainable=True, input_shape=None, batch_input_shape=None,
                 input_dim=None, dtype="float32", activity_regularizer=None, weights=None):
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
        self._clear_weights()
        self._initial_weights = weights
        self.activity_penalty = 0.0
        self._activity_output = None

    # -- weights -----------------------------------------------------------

    def _clear_weights(self):
        """Forget every weight (``build`` registers them with :meth:`add_weight`)."""
        self._weights = []
        self._weight_names = []
        self._regularizers = []
        self._constraints = []
        self._trainable_flags = []
        self.grads = []
        self.sparse_rows = []

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

    def _weight_index(self, name):
        """Position of the weight called ``name`` in ``get_weights()`` order, or None."""
        names = self._weight_names
        return names.index(name) if name in names else None

    def _replace_weight(self, name, value):
        """Register a new array for the weight ``name`` (Embedding grows its table)."""
        self._weights[self._weight_names.index(name)] = value

    def set_gradient(self, name, gradient, rows=None):
        """Store the gradient of the weight ``name`` (in ``grads``, for the optimizer).

        gradient: the weight's shape; or, with ``rows`` (int64 (m,), unique row
        ids), shape ``(m,) + weight.shape[1:]``, the gradient of those rows only.
        """
        index = self._weight_names.index(name)
        self.grads[index] = gradient
        self.sparse_rows[index] = rows

    def _load_initial_weights(self):
        """Set the ``weights=`` given to ``__init__`` (once, when built)."""
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

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
        self._load_initial_weights()

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


def _gathered(attribute):
    """A read-only property: ``attribute`` of every sublayer, one list, in ``sublayers()`` order."""
    def gather(self):
        return [item for layer in self.sublayers() for item in getattr(layer, attribute)]
    return property(gather, doc=f"The sublayers' {attribute.lstrip('_')}, one list.")


class Container(Layer):
    """A layer made of other layers, ``sublayers()``, whose weights are theirs.

    Weights, gradients, sparse rows, regularizers, constraints and trainable
    flags are the sublayers', gathered on every access in ``sublayers()``
    order (so arrays swapped in a sublayer, e.g. by the gradient checker, are
    seen at once); weight names are prefixed with the sublayer's name
    (``forward_lstm/kernel``).  The penalties are the sublayers' (plus the
    container's own activity penalty, if it has an activity regularizer).
    Subclasses implement ``sublayers()`` and their own shapes, forward,
    backward and configuration.
    """

    _weights = _gathered("_weights")
    grads = _gathered("grads")
    sparse_rows = _gathered("sparse_rows")
    _regularizers = _gathered("_regularizers")
    _constraints = _gathered("_constraints")
    _trainable_flags = _gathered("_trainable_flags")

    def sublayers(self):
        """The inner layers, in the order of the weights."""
        raise NotImplementedError

    def _clear_weights(self):
        """Nothing to clear: the weights belong to the sublayers."""

    @property
    def _weight_names(self):
        return [f"{layer.name}/{name}" for layer in self.sublayers()
                for name in layer._weight_names]

    def trainable_indices(self):
        if not self.trainable:
            return []
        indices, offset = [], 0
        for layer in self.sublayers():
            indices.extend(offset + i for i in layer.trainable_indices())
            offset += len(layer.weights)
        return indices

    def regularization_penalty(self, add_gradients=False):
        return sum(layer.regularization_penalty(add_gradients) for layer in self.sublayers())

    def apply_constraints(self):
        for layer in self.sublayers():
            layer.apply_constraints()

    def zero_grads(self):
        for layer in self.sublayers():
            layer.zero_grads()

    @property
    def activity_penalty(self):
        """This layer's activity penalty of the last forward pass plus its sublayers' (float)."""
        return float(self._own_activity_penalty
                     + sum(layer.activity_penalty for layer in self.sublayers()))

    @activity_penalty.setter
    def activity_penalty(self, value):
        self._own_activity_penalty = value


def check_positive_int(layer, what, value):
    """``value`` as an int; ValueError naming the layer unless it is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"layer {layer.name!r}: {what} must be a positive integer, "
                         f"got {value!r}")
    return int(value)


def check_last_dim(layer, input_shape, expected):
    """ValueError naming the layer when the last axis of ``input_shape`` is not ``expected``."""
    if input_shape[-1] is not None and input_shape[-1] != expected:
        raise ValueError(f"layer {layer.name!r} was built for inputs of shape (..., {expected}), "
                         f"got inputs of shape {tuple(input_shape)}")
