"""Parallel: several branches (lists of layers) on the same input, merged.

Kim's CNN for sentence classification, for instance, is three branches
``[Conv1D(100, k, activation='relu'), GlobalMaxPooling1D()]`` for k = 3, 4, 5
over the same embedded sentence, concatenated: (None, 51, 300) -> (None, 300)::

    Parallel([[Conv1D(100, k, activation="relu"), GlobalMaxPooling1D()] for k in (3, 4, 5)])

The weights of a Parallel layer are its branches' weights, branch after
branch, layer after layer (``get_weights()``, ``set_weights()``, ``grads`` and
``weights`` all use that order); ``sublayers()`` lists the inner layers.
"""
import numpy as np

from .base import Container, Layer
from .config import layer_config, layer_from_config

_MERGES = ("concat", "sum", "ave")


class Parallel(Container):
    """Run each branch on the same input and merge the outputs.

    branches: a list of branches, each a Layer or a list of layers applied in
    order.  merge: 'concat' (along ``axis``, the other axes must agree),
    'sum' or 'ave' (all outputs of one shape).  The input mask is given to
    each branch (and propagated through it with ``compute_mask``); the output
    mask is the branches' common output mask if they agree, else None.
    Backward sums the branches' input gradients.  Weights, gradients and
    penalties are the inner layers' (see :class:`~textembed.layers.base.Container`).
    """

    supports_masking = True

    def __init__(self, branches, merge="concat", axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(branches, Layer):
            branches = [branches]
        self.branches = [[b] if isinstance(b, Layer) else list(b) for b in branches]
        if not self.branches or any(not branch for branch in self.branches):
            raise ValueError(f"layer {self.name!r}: branches must be a non-empty list of "
                             f"non-empty lists of layers")
        for branch in self.branches:
            for layer in branch:
                if not isinstance(layer, Layer):
                    raise TypeError(f"layer {self.name!r}: branch items must be layers, "
                                    f"got {type(layer).__name__}")
        if merge not in _MERGES:
            raise ValueError(f"layer {self.name!r}: unknown merge {merge!r}; "
                             f"valid values: {', '.join(_MERGES)}")
        self.merge = merge
        self.axis = int(axis)
        self._sizes = None

    def sublayers(self):
        """All inner layers, branch after branch."""
        return [layer for branch in self.branches for layer in branch]

    # -- shapes ------------------------------------------------------------

    def _branch_shapes(self, input_shape):
        shapes = []
        for branch in self.branches:
            shape = tuple(input_shape)
            for layer in branch:
                shape = tuple(layer.compute_output_shape(shape))
            shapes.append(shape)
        return shapes

    def _merge_shapes(self, shapes):
        first = shapes[0]
        if self.merge != "concat":
            if any(s != first for s in shapes):
                raise ValueError(f"layer {self.name!r}: merge {self.merge!r} needs branch outputs "
                                 f"of one shape, got {shapes}")
            return first
        rank = len(first)
        axis = self.axis % rank if -rank <= self.axis < rank else None
        if axis is None or axis == 0 or any(len(s) != rank for s in shapes):
            raise ValueError(f"layer {self.name!r}: cannot concatenate branch outputs of shapes "
                             f"{shapes} along axis {self.axis}")
        for s in shapes:
            if any(a != b for k, (a, b) in enumerate(zip(s, first)) if k != axis):
                raise ValueError(f"layer {self.name!r}: branch outputs of shapes {shapes} differ "
                                 f"outside the concatenation axis {self.axis}")
        sizes = [s[axis] for s in shapes]
        total = None if any(n is None for n in sizes) else sum(sizes)
        return first[:axis] + (total,) + first[axis + 1:]

    def compute_output_shape(self, input_shape):
        return self._merge_shapes(self._branch_shapes(input_shape))

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        for branch in self.branches:
            shape = input_shape
            for layer in branch:
                if not layer.built:
                    layer.build(shape)
                shape = tuple(layer.compute_output_shape(shape))
        super().build(input_shape)

    # -- forward / backward ------------------------------------------------

    def forward(self, inputs, training=False, mask=None):
        """inputs: the array every branch receives. Returns the merged output (float)."""
        if not self.built:
            self.build((None,) + tuple(np.shape(inputs)[1:]))
        outputs, masks = [], []
        for branch in self.branches:
            x, m = inputs, mask
            for layer in branch:
                y = layer.forward(x, training=training, mask=m)
                m = layer.compute_mask(x, m)
                x = y
            outputs.append(x)
            masks.append(m)
        self._out_mask = masks[0] if all(m is masks[0] for m in masks) else None
        if self.merge == "concat":
            axis = self.axis % outputs[0].ndim
            self._sizes = [o.shape[axis] for o in outputs]
            return np.concatenate(outputs, axis=axis)
        self._sizes = None
        total = outputs[0].copy()
        for o in outputs[1:]:
            total += o
        if self.merge == "ave":
            total /= len(outputs)
        return total

    def compute_mask(self, inputs, mask=None):
        return getattr(self, "_out_mask", None) if mask is not None else None

    def backward(self, grad_output):
        """grad_output: array of the merged output's shape -> the summed input gradient."""
        g = np.asarray(grad_output)
        if self.merge == "concat":
            axis = self.axis % g.ndim
            pieces = np.split(g, np.cumsum(self._sizes)[:-1], axis=axis)
        else:
            share = g / len(self.branches) if self.merge == "ave" else g
            pieces = [share] * len(self.branches)
        total = None
        for branch, piece in zip(self.branches, pieces):
            grad = np.ascontiguousarray(piece)
            for layer in reversed(branch):
                grad = layer.backward(grad)
            if grad is None:
                continue
            total = grad.copy() if total is None else total + grad
        return total

    # -- configuration -----------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update({
            "branches": [[layer_config(layer) for layer in branch] for branch in self.branches],
            "merge": self.merge,
            "axis": self.axis,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        branches = [[layer_from_config(spec) for spec in branch] for branch in config.pop("branches")]
        return cls(branches, **config)
