"""Bidirectional: a recurrent layer run forwards and a copy of it run backwards, merged.

Shapes (``None`` is the batch axis, ``T`` time steps, ``D`` input features,
``U`` the wrapped layer's units): input (None, T, D) float, optional mask
(None, T) bool; output as the wrapped layer's, merged ('concat': last axis
2U).  See :class:`Bidirectional`.
"""
import numpy as np

from .base import Container
from .config import layer_config
from .gru import GRU
from .lstm import LSTM
from .recurrent import Recurrent

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Container):
    """Run a recurrent layer forwards and a copy of it backwards over the input, and merge.

    ``Bidirectional(layer, merge_mode='concat')``: ``layer`` is an LSTM or GRU
    (it becomes the forward layer, renamed ``forward_<name>``); the backward
    layer is built from its config with ``go_backwards`` flipped
    (``backward_<name>``), or given as ``backward_layer=``.  With
    ``return_sequences`` the backward layer's output is reversed back to input
    order before merging.  merge_mode: 'concat' (last axis, (B, ..., 2U)),
    'sum', 'mul', 'ave' ((B, ..., U)) or None (a list [forward, backward]).
    With ``return_state`` the output is ``[merged] + forward states + backward
    states`` (Keras' order).

    Weights: the forward layer's, then the backward layer's (Keras' order), in
    ``get_weights()``, ``set_weights()``, ``weights`` and ``grads``, and the
    penalties are theirs (see :class:`~textembed.layers.base.Container`);
    ``sublayers()`` returns [forward_layer, backward_layer].  The mask goes to
    both layers; ``compute_mask`` returns it when ``return_sequences``.
    """

    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Recurrent):
            raise TypeError(f"Bidirectional wraps an LSTM or GRU layer, got "
                            f"{type(layer).__name__}")
        super().__init__(weights=weights, **kwargs)
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"layer {self.name!r}: unknown merge_mode {merge_mode!r}; valid "
                             f"values: 'concat', 'sum', 'mul', 'ave', None")
        self.merge_mode = merge_mode
        if self.batch_input_shape is None and layer.batch_input_shape is not None:
            self.batch_input_shape = layer.batch_input_shape
        self._layer_config = layer_config(layer)
        self._layer_config["config"].pop("batch_input_shape", None)
        if backward_layer is None:
            config = dict(self._layer_config["config"], go_backwards=not layer.go_backwards,
                          name=f"backward_{layer.name}")
            backward_layer = type(layer).from_config(config)
        elif not isinstance(backward_layer, Recurrent):
            raise TypeError(f"layer {self.name!r}: backward_layer must be an LSTM or GRU layer")
        elif backward_layer.go_backwards == layer.go_backwards:
            raise ValueError(f"layer {self.name!r}: backward_layer must have go_backwards="
                             f"{not layer.go_backwards}")
        for attr in ("return_sequences", "return_state", "units"):
            if getattr(backward_layer, attr) != getattr(layer, attr):
                raise ValueError(f"layer {self.name!r}: forward and backward layers differ in "
                                 f"{attr}")
        layer.name = f"forward_{layer.name}"
        self.forward_layer = layer
        self.backward_layer = backward_layer
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self._cache = None

    def sublayers(self):
        return [self.forward_layer, self.backward_layer]

    # -- shapes ------------------------------------------------------------

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            out = tuple(shape[:-1]) + (2 * shape[-1],)
        elif self.merge_mode is None:
            out = [tuple(shape), tuple(shape)]
        else:
            out = tuple(shape)
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states + states
        return out

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        for layer in self.sublayers():
            layer.build(input_shape)
        if self.built:
            return
        self.input_shape = input_shape
        self.output_shape = self.compute_output_shape(input_shape)
        self.built = True
        self._load_initial_weights()

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        n_out = 2 if self.merge_mode is None else 1
        if self.return_state:
            n_states = 2 * len(self.forward_layer._state_names)
            return [out] * n_out + [None] * n_states
        return [out, out] if self.merge_mode is None else out

    # -- forward / backward ------------------------------------------------

    def forward(self, inputs, training=False, mask=None):
        """inputs (B, T, D), mask (B, T) bool or None; output as described in the class doc."""
        if not self.built:
            self.build((None,) + tuple(np.shape(inputs)[1:]))
        y_f = self.forward_layer.forward(inputs, training=training, mask=mask)
        y_b = self.backward_layer.forward(inputs, training=training, mask=mask)
        states = []
        if self.return_state:
            states = y_f[1:] + y_b[1:]
            y_f, y_b = y_f[0], y_b[0]
        if self.return_sequences:
            y_b = np.ascontiguousarray(y_b[:, ::-1])
        self._cache = (y_f, y_b)
        if self.merge_mode == "concat":
            out = np.concatenate([y_f, y_b], axis=-1)
        elif self.merge_mode == "sum":
            out = y_f + y_b
        elif self.merge_mode == "mul":
            out = y_f * y_b
        elif self.merge_mode == "ave":
            out = (y_f + y_b) * 0.5
        else:
            out = [y_f, y_b]
        if not isinstance(out, list):
            out = self._activity_forward(out)
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def backward(self, grad_output):
        """grad_output matches the forward output (list with return_state or merge_mode None).

        Returns the input gradient (B, T, D), the sum of both layers'."""
        if self._cache is None:
            raise RuntimeError(f"layer {self.name!r}: backward called before forward")
        y_f, y_b = self._cache
        grads = list(grad_output) if isinstance(grad_output, (list, tuple)) else [grad_output]
        n_out = 2 if self.merge_mode is None else 1
        out_grads, state_grads = grads[:n_out], grads[n_out:]
        if self.merge_mode is None:
            g_f, g_b = [np.zeros_like(y) if g is None else np.asarray(g, dtype=y.dtype)
                        for g, y in zip(out_grads, (y_f, y_b))]
        else:
            g = out_grads[0]
            if g is None:
                width = (2 if self.merge_mode == "concat" else 1) * y_f.shape[-1]
                g = np.zeros(y_f.shape[:-1] + (width,), dtype=y_f.dtype)
            g = np.asarray(g, dtype=y_f.dtype)
            g = self._activity_backward(g)
            units = y_f.shape[-1]
            if self.merge_mode == "concat":
                g_f, g_b = g[..., :units], g[..., units:]
            elif self.merge_mode == "sum":
                g_f, g_b = g, g
            elif self.merge_mode == "mul":
                g_f, g_b = g * y_b, g * y_f
            else:
                g_f = g_b = g * 0.5
        if self.return_sequences:
            g_b = g_b[:, ::-1]
        g_f, g_b = np.ascontiguousarray(g_f), np.ascontiguousarray(g_b)
        if self.return_state:
            half = len(state_grads) // 2
            g_f = [g_f] + list(state_grads[:half])
            g_b = [g_b] + list(state_grads[half:])
        return self.forward_layer.backward(g_f) + self.backward_layer.backward(g_b)

    # -- configuration -----------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update({"layer": {"class_name": self._layer_config["class_name"],
                                 "config": dict(self._layer_config["config"])},
                       "merge_mode": self.merge_mode})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        spec = config.pop("layer")
        layer_class = {"LSTM": LSTM, "GRU": GRU}.get(spec["class_name"])
        if layer_class is None:
            raise ValueError(f"Bidirectional: unknown inner layer class {spec['class_name']!r}")
        return cls(layer_class.from_config(dict(spec["config"])), **config)
