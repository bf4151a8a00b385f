"""Recurrent layers (Keras 2 semantics): the base of LSTM and GRU.

LSTM is in :mod:`.lstm`, GRU in :mod:`.gru` and the Bidirectional wrapper
in :mod:`.bidirectional`; this module holds what LSTM and GRU share:
arguments, shapes, masks, dropout and the sequence plumbing.

Shapes (``None`` is the batch axis, ``T`` time steps, ``D`` input features,
``U`` units):

* input: float (None, T, D); optional mask (None, T) bool (``True`` = a real
  step), e.g. from ``Embedding(mask_zero=True)``;
* output: (None, U), the last output; with ``return_sequences=True``
  (None, T, U), every step's output in processing order (reversed time when
  ``go_backwards=True``, as in Keras); with ``return_state=True`` a list
  ``[output, h]`` (GRU) or ``[output, h, c]`` (LSTM), the final states (None, U).

Weights, in Keras' layout and order (so ``get_weights()`` / ``set_weights()``
move them between Keras and textembed):

* LSTM: kernel (D, 4U), recurrent_kernel (U, 4U), bias (4U,); gate blocks
  ``i, f, c, o`` along the last axis.  ``unit_forget_bias=True`` initialises
  the f block of the bias to 1.
* GRU: kernel (D, 3U), recurrent_kernel (U, 3U); gate blocks ``z, r, h``.
  ``reset_after=False`` (Keras 2.2's default, and ours): bias (3U,), the
  candidate is ``act(x W_h + (r * h_tm1) U_h + b_h)``.  ``reset_after=True``
  (tf.keras 2 / Keras 3 default, the CuDNN form): bias (2, 3U), row 0 for the
  input projection and row 1 for the recurrent one, the candidate is
  ``act(x W_h + b0_h + r * (h_tm1 U_h + b1_h))``.

Formulas (``ra`` the recurrent activation, ``a`` the activation)::

    LSTM  i = ra(x W_i + h U_i + b_i)   f = ra(...)   o = ra(...)
          c = f * c_tm1 + i * a(x W_c + h U_c + b_c)   h = o * a(c)
    GRU   z = ra(x W_z + h U_z + b_z)   r = ra(x W_r + h U_r + b_r)
          h = z * h_tm1 + (1 - z) * hh

Masking (Keras 2): at a masked step the layer carries the previous output and
states unchanged, for pre- and post-padding and with ``go_backwards``; with
``return_sequences`` the output at a masked step is that carried output (the
initial state, zeros, before the first real step).  ``zero_output_for_mask=True``
gives zeros there instead, as Keras 3 does.  ``compute_mask`` returns the
input mask when ``return_sequences`` else None.

Dropout (training only), as Keras: ``dropout`` draws one inverted-dropout
mask (batch, D) per batch for the inputs and ``recurrent_dropout`` one
(batch, U) for ``h_tm1`` in the recurrent product, each reused at every time
step.  One mask is shared by all gates (Keras 2's ``implementation=2``,
Keras 3); Keras 2's ``implementation=1`` drew one per gate.

Activations are fused into numba kernels (:mod:`textembed.kernels.recurrent_kernels`):
'tanh', 'sigmoid', 'hard_sigmoid' (Keras 2's ``clip(0.2 x + 0.5, 0, 1)``),
'relu' and 'linear' (None) for both ``activation`` and ``recurrent_activation``.

Speed: the input projection of all steps is one BLAS product before the time
loop; each step is one ``(batch, U) @ (U, 4U)`` product (GRU
``reset_after=False``: two, the reset gate sits between them) and one kernel
call.  Backward runs the same loop in reverse for the state gradient only,
storing the gate gradients of all steps in a (T, batch, 4U) buffer; the
kernel, recurrent kernel and input gradients are then one product each.
Arrays are time-major inside the layer.

Keras 1 keyword names (``output_dim``, ``init``, ``inner_init``,
``inner_activation``, ``W_regularizer``, ``U_regularizer``, ``b_regularizer``,
``dropout_W``, ``dropout_U``) and ``input_dim=`` / ``input_length=`` are
accepted.  Not supported: ``stateful=True``, initial states other than zeros.
"""
import numpy as np

from .. import activations as activations_module
from ..kernels.recurrent_kernels import ACTIVATION_CODES
from .base import Layer, Weight, check_positive_int
from .config import keras1_keywords, set_weight_options, weight_options_config

_KERAS1_NAMES = {
    "output_dim": "units", "init": "kernel_initializer", "inner_init": "recurrent_initializer",
    "inner_activation": "recurrent_activation", "W_regularizer": "kernel_regularizer",
    "U_regularizer": "recurrent_regularizer", "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint", "U_constraint": "recurrent_constraint",
    "b_constraint": "bias_constraint", "dropout_W": "dropout", "dropout_U": "recurrent_dropout",
}


def _keras1_options(kwargs):
    """Keras 1 options that are not renames: ``consume_less`` (dropped), ``forget_bias_init``."""
    kwargs.pop("consume_less", None)
    if "forget_bias_init" in kwargs:
        kwargs.setdefault("unit_forget_bias", kwargs.pop("forget_bias_init") in ("one", "ones"))


# Decorates LSTM.__init__ and GRU.__init__: the Keras 1 keyword names are accepted.
keras1_recurrent_keywords = keras1_keywords(_KERAS1_NAMES, _keras1_options)


def _activation_code(identifier, what, layer_name):
    name = activations_module.serialize(activations_module.get(identifier))
    if name not in ACTIVATION_CODES:
        raise ValueError(f"layer {layer_name!r}: {what} {name!r} is not available in recurrent "
                         f"layers; valid values: {', '.join(sorted(ACTIVATION_CODES))}")
    return name, ACTIVATION_CODES[name]


class Recurrent(Layer):
    """Argument handling, shapes, masks, dropout and the sequence plumbing of LSTM and GRU.

    Subclasses set ``_blocks`` (gate blocks: 4 or 3), ``_state_names`` and
    implement ``_bias_shape``, ``_run_forward`` and ``_run_backward`` on
    time-major arrays.
    """

    supports_masking = True
    _blocks = None
    _state_names = ("h",)
    kernel = Weight()
    recurrent_kernel = Weight()
    bias = Weight()

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, implementation=1, input_dim=None, input_length=None, seed=None,
                 zero_output_for_mask=False, **kwargs):
        if units is None:
            raise TypeError(f"{type(self).__name__} needs units")
        if input_dim is not None and "input_shape" not in kwargs \
                and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length, input_dim)
        elif input_length is not None and "input_shape" not in kwargs \
                and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length, None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = check_positive_int(self, "units", units)
        if stateful:
            raise ValueError(f"layer {self.name!r}: stateful=True is not supported")
        self.activation, self._act = _activation_code(activation, "activation", self.name)
        self.recurrent_activation, self._ract = _activation_code(
            recurrent_activation, "recurrent_activation", self.name)
        self.use_bias = bool(use_bias)
        set_weight_options(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        set_weight_options(self, "recurrent", recurrent_initializer, recurrent_regularizer,
                           recurrent_constraint)
        set_weight_options(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        for what, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0.0 <= float(rate) < 1.0:
                raise ValueError(f"layer {self.name!r}: {what} must be in [0, 1), got {rate!r}")
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.unroll = bool(unroll)
        self.implementation = implementation
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._cache = None

    # -- shapes and weights ------------------------------------------------

    def _check_input_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"layer {self.name!r} expects inputs of shape (batch, timesteps, "
                             f"features), got input shape {input_shape}")
        return input_shape

    def compute_output_shape(self, input_shape):
        batch, steps, _ = self._check_input_shape(input_shape)
        out = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [out] + [(batch, self.units)] * len(self._state_names)
        return out

    def build(self, input_shape):
        input_shape = self._check_input_shape(input_shape)
        if self.built:
            if input_shape[-1] is not None and input_shape[-1] != self.kernel.shape[0]:
                raise ValueError(f"layer {self.name!r} was built for inputs of shape (batch, "
                                 f"timesteps, {self.kernel.shape[0]}), got input shape "
                                 f"{input_shape}")
            return
        features = input_shape[-1]
        if features is None:
            raise ValueError(f"layer {self.name!r}: the feature axis of its input must be known, "
                             f"got input shape {input_shape}")
        width = self._blocks * self.units
        self.add_weight("kernel", (features, width), self.kernel_initializer,
                        self.kernel_regularizer, self.kernel_constraint)
        self.add_weight("recurrent_kernel", (self.units, width), self.recurrent_initializer,
                        self.recurrent_regularizer, self.recurrent_constraint)
        if self.use_bias:
            self.add_weight("bias", self._bias_shape(), self._bias_init(),
                            self.bias_regularizer, self.bias_constraint)
        self.input_shape = input_shape
        self.output_shape = self.compute_output_shape(input_shape)
        self.built = True
        self._load_initial_weights()

    def _bias_init(self):
        return self.bias_initializer

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * len(self._state_names)
        return out

    # -- forward / backward ------------------------------------------------

    def _prepare(self, inputs, mask):
        """(time-major input (T, B, D), time-major mask (T, B) bool or None, batch-major mask)."""
        x = np.asarray(inputs)
        if x.ndim != 3:
            raise ValueError(f"layer {self.name!r} expects inputs of shape (batch, timesteps, "
                             f"features), got an array of shape {x.shape}")
        if not self.built:
            self.build((None,) + x.shape[1:])
        kernel = self.kernel
        if x.shape[2] != kernel.shape[0]:
            raise ValueError(f"layer {self.name!r} was built for inputs of shape (batch, "
                             f"timesteps, {kernel.shape[0]}), got an array of shape {x.shape}")
        if x.shape[1] == 0:
            raise ValueError(f"layer {self.name!r}: inputs have no time steps (shape {x.shape})")
        x = x.astype(kernel.dtype, copy=False)
        if self.go_backwards:
            x = x[:, ::-1]
        xt = np.ascontiguousarray(x.transpose(1, 0, 2))
        mt = None
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != x.shape[:2]:
                raise ValueError(f"layer {self.name!r}: mask of shape {mask.shape} does not match "
                                 f"inputs of shape {x.shape} (expected {x.shape[:2]})")
            mask = mask.astype(bool, copy=False)
            if self.go_backwards:
                mask = mask[:, ::-1]
            mt = np.ascontiguousarray(mask.T)
        return xt, mt

    def _dropout_mask(self, rate, shape, dtype):
        keep = self._rng.random(shape) >= rate
        return (keep / (1.0 - rate)).astype(dtype)

    def forward(self, inputs, training=False, mask=None):
        """inputs: float (B, T, D); mask: (B, T) bool or None.

        Returns (B, U) or (B, T, U) (``return_sequences``), in the kernel's
        dtype; with ``return_state`` a list [output, h] / [output, h, c].
        """
        xt, mt = self._prepare(inputs, mask)
        T, B, _ = xt.shape
        dtype = self.kernel.dtype
        dmask = rmask = None
        if training and self.dropout > 0:
            dmask = self._dropout_mask(self.dropout, (B, xt.shape[2]), dtype)
            xt *= dmask
        if training and self.recurrent_dropout > 0:
            rmask = self._dropout_mask(self.recurrent_dropout, (B, self.units), dtype)
        steps_mask = mt if mt is not None else np.ones((T, B), dtype=bool)
        H, states, cache = self._run_forward(xt, steps_mask, rmask)
        self._cache = (xt, steps_mask, mt is not None, dmask, rmask, H, cache)
        if self.return_sequences:
            y = np.ascontiguousarray(H[1:].transpose(1, 0, 2))
            if self.zero_output_for_mask and mt is not None:
                y *= mt.T[:, :, None]
        else:
            y = H[T].copy()
        y = self._activity_forward(y)
        if self.return_state:
            return [y, H[T].copy()] + [s.copy() for s in states]
        return y

    def backward(self, grad_output):
        """grad_output: the gradient for the output (a list matching the outputs with
        ``return_state``; None entries count as zeros). Returns the input gradient (B, T, D);
        the weight gradients are left in ``grads``."""
        if self._cache is None:
            raise RuntimeError(f"layer {self.name!r}: backward called before forward")
        xt, steps_mask, masked, dmask, rmask, H, cache = self._cache
        T, B, _ = xt.shape
        dtype = self.kernel.dtype
        n_states = len(self._state_names)
        if self.return_state:
            grads = list(grad_output)
            if len(grads) != 1 + n_states:
                raise ValueError(f"layer {self.name!r}: expected {1 + n_states} gradients "
                                 f"(output and states), got {len(grads)}")
        else:
            grads = [grad_output] + [None] * n_states
        g_out = grads[0]
        if g_out is None:
            shape = (B, T, self.units) if self.return_sequences else (B, self.units)
            g_out = np.zeros(shape, dtype=dtype)
        g_out = self._activity_backward(np.asarray(g_out, dtype=dtype))
        carry = np.zeros((B, self.units), dtype=dtype)
        if self.return_sequences:
            G = np.ascontiguousarray(g_out.transpose(1, 0, 2), dtype=dtype)
            if self.zero_output_for_mask and masked:
                G *= steps_mask[:, :, None]
        else:
            G = None
            carry += g_out
        if grads[1] is not None:
            carry += np.asarray(grads[1], dtype=dtype)
        state_grads = [None if g is None else np.asarray(g, dtype=dtype) for g in grads[2:]]
        dxt = self._run_backward(xt, steps_mask, rmask, H, cache, G, carry, state_grads)
        if dmask is not None:
            dxt *= dmask
        dx = dxt.transpose(1, 0, 2)
        if self.go_backwards:
            dx = dx[:, ::-1]
        return np.ascontiguousarray(dx)

    def _input_projection(self, xt, bias):
        """(T, B, k*U) = xt @ kernel (+ bias), one BLAS product for all steps."""
        T, B, D = xt.shape
        xp = xt.reshape(T * B, D) @ self.kernel
        if bias is not None:
            xp += bias
        return xp.reshape(T, B, -1)

    @staticmethod
    def _recurrent_products(H, rmask, recurrent):
        """For each step t: yield (t, hr), hr = ``H[t] @ recurrent`` (B, k*U).

        H: (T + 1, B, U), the outputs, H[0] the initial state; the caller
        writes H[t + 1] before asking for the next step.  With recurrent
        dropout, ``H[t] * rmask`` takes H[t]'s place.  hr is zeros at t = 0
        (zero initial state) and one buffer, overwritten every step.
        """
        T, B, U = H.shape[0] - 1, H.shape[1], H.shape[2]
        hr = np.zeros((B, recurrent.shape[1]), dtype=H.dtype)
        hm = np.empty((B, U), dtype=H.dtype) if rmask is not None else None
        for t in range(T):
            if t > 0:
                src = H[t] if rmask is None else np.multiply(H[t], rmask, out=hm)
                np.matmul(src, recurrent, out=hr)
            yield t, hr

    def _weight_gradients(self, xt, dz, hprev, dz_rec=None):
        """Kernel, recurrent-kernel and input gradients, one product each over all steps.

        dz: (T, B, k*U) gradient for the input projection; hprev: (T, B, U) the
        recurrent product's operand; dz_rec: its gradient when it differs from dz.
        Returns dxt (T, B, D).
        """
        T, B, D = xt.shape
        dz2 = dz.reshape(T * B, -1)
        self.set_gradient("kernel", xt.reshape(T * B, D).T @ dz2)
        rec = dz2 if dz_rec is None else dz_rec.reshape(T * B, -1)
        self.set_gradient("recurrent_kernel", hprev.reshape(T * B, -1).T @ rec)
        return (dz2 @ self.kernel.T).reshape(T, B, D)

    # -- configuration -----------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "use_bias": self.use_bias,
            **weight_options_config(self, ("kernel", "recurrent", "bias")),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "unroll": self.unroll,
            "implementation": self.implementation,
            "seed": self.seed,
            "zero_output_for_mask": self.zero_output_for_mask,
        })
        return config
