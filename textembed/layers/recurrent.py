"""Recurrent layers: LSTM, GRU and the Bidirectional wrapper (Keras 2 semantics).

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
from .. import constraints as constraints_module
from .. import initializers as initializers_module
from .. import regularizers as regularizers_module
from .._blas import blas_threads
from ..kernels import recurrent_kernels as K
from .base import Layer

_LEGACY_NAMES = {
    "output_dim": "units", "init": "kernel_initializer", "inner_init": "recurrent_initializer",
    "inner_activation": "recurrent_activation", "W_regularizer": "kernel_regularizer",
    "U_regularizer": "recurrent_regularizer", "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint", "U_constraint": "recurrent_constraint",
    "b_constraint": "bias_constraint", "dropout_W": "dropout", "dropout_U": "recurrent_dropout",
}
_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _translate_legacy(kwargs, layer_class):
    """Rename Keras 1 keywords in place (TypeError when both spellings are given)."""
    for old, new in _LEGACY_NAMES.items():
        if old in kwargs:
            if new in kwargs:
                raise TypeError(f"{layer_class}: both {old!r} (Keras 1) and {new!r} given")
            kwargs[new] = kwargs.pop(old)
    kwargs.pop("consume_less", None)
    if "forget_bias_init" in kwargs:
        kwargs.setdefault("unit_forget_bias", kwargs.pop("forget_bias_init") in ("one", "ones"))


def _serialize_initializer(init):
    if hasattr(init, "get_config"):
        return initializers_module.serialize(init)
    raise ValueError(f"initializer {init!r} cannot be saved in a layer config; use an "
                     f"initializer name or a textembed.initializers class")


def _activation_code(identifier, what, layer_name):
    name = activations_module.serialize(activations_module.get(identifier))
    if name not in K.ACTIVATION_CODES:
        raise ValueError(f"layer {layer_name!r}: {what} {name!r} is not available in recurrent "
                         f"layers; valid values: {', '.join(sorted(K.ACTIVATION_CODES))}")
    return name, K.ACTIVATION_CODES[name]


class _UnitForgetBias(initializers_module.Initializer):
    """LSTM bias: ``base`` for the i, c, o blocks, ones for the f block (shape (4U,))."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, rng=None):
        u = self.units
        return np.concatenate([self.base((u,), rng=rng), np.ones(u, dtype=np.float32),
                               self.base((2 * u,), rng=rng)]).astype(np.float32)


class _RNN(Layer):
    """Argument handling, shapes, masks, dropout and the sequence plumbing of LSTM and GRU.

    Subclasses set ``_blocks`` (gate blocks: 4 or 3), ``_state_names`` and
    implement ``_bias_shape``, ``_run_forward`` and ``_run_backward`` on
    time-major arrays.
    """

    supports_masking = True
    _blocks = None
    _state_names = ("h",)

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, implementation=1, input_dim=None, input_length=None, seed=None,
                 zero_output_for_mask=False, weights=None, **kwargs):
        if input_dim is not None and "input_shape" not in kwargs \
                and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length, input_dim)
        elif input_length is not None and "input_shape" not in kwargs \
                and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length, None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"layer {self.name!r}: units must be a positive integer, "
                             f"got {units!r}")
        if stateful:
            raise ValueError(f"layer {self.name!r}: stateful=True is not supported")
        self.units = int(units)
        self.activation, self._act = _activation_code(activation, "activation", self.name)
        self.recurrent_activation, self._ract = _activation_code(
            recurrent_activation, "recurrent_activation", self.name)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers_module.get(kernel_initializer)
        self.recurrent_initializer = initializers_module.get(recurrent_initializer)
        self.bias_initializer = initializers_module.get(bias_initializer)
        self.kernel_regularizer = regularizers_module.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers_module.get(recurrent_regularizer)
        self.bias_regularizer = regularizers_module.get(bias_regularizer)
        self.kernel_constraint = constraints_module.get(kernel_constraint)
        self.recurrent_constraint = constraints_module.get(recurrent_constraint)
        self.bias_constraint = constraints_module.get(bias_constraint)
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
        self._initial_weights = weights
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
            if input_shape[-1] is not None and input_shape[-1] != self._weights[0].shape[0]:
                raise ValueError(f"layer {self.name!r} was built for inputs of shape (batch, "
                                 f"timesteps, {self._weights[0].shape[0]}), got input shape "
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
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

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
        kernel = self._weights[0]
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
        dtype = self._weights[0].dtype
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
        dtype = self._weights[0].dtype
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
        xp = xt.reshape(T * B, D) @ self._weights[0]
        if bias is not None:
            xp += bias
        return xp.reshape(T, B, -1)

    def _weight_gradients(self, xt, dz, hprev, dz_rec=None):
        """Kernel, recurrent-kernel and input gradients, one product each over all steps.

        dz: (T, B, k*U) gradient for the input projection; hprev: (T, B, U) the
        recurrent product's operand; dz_rec: its gradient when it differs from dz.
        Returns dxt (T, B, D).
        """
        T, B, D = xt.shape
        dz2 = dz.reshape(T * B, -1)
        self.grads[0] = xt.reshape(T * B, D).T @ dz2
        rec = dz2 if dz_rec is None else dz_rec.reshape(T * B, -1)
        self.grads[1] = hprev.reshape(T * B, -1).T @ rec
        return (dz2 @ self._weights[0].T).reshape(T, B, D)

    # -- configuration -----------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "use_bias": self.use_bias,
            "kernel_initializer": _serialize_initializer(self.kernel_initializer),
            "recurrent_initializer": _serialize_initializer(self.recurrent_initializer),
            "bias_initializer": _serialize_initializer(self.bias_initializer),
            "kernel_regularizer": regularizers_module.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers_module.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers_module.serialize(self.bias_regularizer),
            "kernel_constraint": constraints_module.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints_module.serialize(self.recurrent_constraint),
            "bias_constraint": constraints_module.serialize(self.bias_constraint),
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


class LSTM(_RNN):
    """Long short-term memory layer (Hochreiter & Schmidhuber 1997), Keras 2 arguments.

    ``LSTM(units, activation='tanh', recurrent_activation='hard_sigmoid',
    use_bias=True, kernel_initializer='glorot_uniform',
    recurrent_initializer='orthogonal', bias_initializer='zeros',
    unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
    bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
    recurrent_constraint=None, bias_constraint=None, dropout=0.,
    recurrent_dropout=0., return_sequences=False, return_state=False,
    go_backwards=False)``, plus ``input_dim=`` / ``input_length=`` (or
    ``input_shape=(T, D)``) on a first layer, ``seed=`` for the dropout masks
    and ``zero_output_for_mask=``.

    inputs (B, T, D) float32 -> (B, U) or (B, T, U); weights kernel (D, 4U),
    recurrent_kernel (U, 4U), bias (4U,), gates i, f, c, o.  See the module
    docstring for masking, dropout and return_state.
    """

    _blocks = 4
    _state_names = ("h", "c")

    def __init__(self, units=None, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, **kwargs):
        _translate_legacy(kwargs, "LSTM")
        units = kwargs.pop("units", units)
        activation = kwargs.pop("activation", activation)
        recurrent_activation = kwargs.pop("recurrent_activation", recurrent_activation)
        kernel_initializer = kwargs.pop("kernel_initializer", kernel_initializer)
        recurrent_initializer = kwargs.pop("recurrent_initializer", recurrent_initializer)
        unit_forget_bias = kwargs.pop("unit_forget_bias", unit_forget_bias)
        if units is None:
            raise TypeError("LSTM needs units")
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_shape(self):
        return (4 * self.units,)

    def _bias_init(self):
        if self.unit_forget_bias:
            return _UnitForgetBias(self.bias_initializer, self.units)
        return self.bias_initializer

    def _run_forward(self, xt, mask, rmask):
        T, B, _ = xt.shape
        U = self.units
        recurrent = self._weights[1]
        dtype = recurrent.dtype
        xp = self._input_projection(xt, self._weights[2] if self.use_bias else None)
        gates = np.empty((T, B, 4 * U), dtype=dtype)
        C = np.empty((T + 1, B, U), dtype=dtype)
        H = np.empty((T + 1, B, U), dtype=dtype)
        AC = np.empty((T, B, U), dtype=dtype)
        C[0] = 0.0
        H[0] = 0.0
        hr = np.zeros((B, 4 * U), dtype=dtype)
        hm = np.empty((B, U), dtype=dtype) if rmask is not None else None
        with blas_threads(1):     # small per-step products: one thread is faster
            for t in range(T):
                if t > 0:
                    src = H[t] if rmask is None else np.multiply(H[t], rmask, out=hm)
                    np.matmul(src, recurrent, out=hr)
                K.lstm_forward_step(xp[t], hr, C[t], H[t], mask[t], self._act, self._ract,
                                    gates[t], C[t + 1], AC[t], H[t + 1])
        return H, [C[T].copy()], (gates, C, AC)

    def _run_backward(self, xt, mask, rmask, H, cache, G, carry, state_grads):
        gates, C, AC = cache
        T, B, _ = xt.shape
        U = self.units
        recurrent_t = self._weights[1].T
        dtype = carry.dtype
        dc = np.zeros((B, U), dtype=dtype)
        if state_grads and state_grads[0] is not None:
            dc += state_grads[0]
        dz = np.empty((T, B, 4 * U), dtype=dtype)
        drec = np.zeros((B, U), dtype=dtype)
        zeros = np.zeros((B, U), dtype=dtype) if G is None else None
        with blas_threads(1):     # small per-step products: one thread is faster
            for t in range(T - 1, -1, -1):
                K.lstm_backward_step(drec, zeros if G is None else G[t], carry, dc, gates[t], C[t],
                                     AC[t], mask[t], self._act, self._ract, dz[t])
                if t > 0:
                    np.matmul(dz[t], recurrent_t, out=drec)
                    if rmask is not None:
                        drec *= rmask
        hprev = H[:T] if rmask is None else H[:T] * rmask
        dxt = self._weight_gradients(xt, dz, hprev)
        if self.use_bias:
            self.grads[2] = dz.reshape(T * B, -1).sum(axis=0)
        return dxt

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRU(_RNN):
    """Gated recurrent unit (Cho et al. 2014), Keras 2 arguments.

    ``GRU(units, activation='tanh', recurrent_activation='hard_sigmoid',
    use_bias=True, kernel_initializer='glorot_uniform',
    recurrent_initializer='orthogonal', bias_initializer='zeros', ...,
    dropout=0., recurrent_dropout=0., return_sequences=False,
    return_state=False, go_backwards=False, reset_after=False)`` (the other
    arguments as :class:`LSTM`).

    ``reset_after=False`` is Keras 2.2's default (tf.keras 2 and Keras 3
    default to True; pass ``reset_after=True`` for weights from them).
    inputs (B, T, D) float32 -> (B, U) or (B, T, U); weights kernel (D, 3U),
    recurrent_kernel (U, 3U), bias (3U,) or, with ``reset_after=True``,
    (2, 3U) (input bias, recurrent bias); gates z, r, h.
    """

    _blocks = 3
    _state_names = ("h",)

    def __init__(self, units=None, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 reset_after=False, **kwargs):
        _translate_legacy(kwargs, "GRU")
        units = kwargs.pop("units", units)
        activation = kwargs.pop("activation", activation)
        recurrent_activation = kwargs.pop("recurrent_activation", recurrent_activation)
        kernel_initializer = kwargs.pop("kernel_initializer", kernel_initializer)
        recurrent_initializer = kwargs.pop("recurrent_initializer", recurrent_initializer)
        kwargs.pop("unit_forget_bias", None)
        if units is None:
            raise TypeError("GRU needs units")
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _run_forward(self, xt, mask, rmask):
        if self.reset_after:
            return self._forward_reset_after(xt, mask, rmask)
        T, B, _ = xt.shape
        U = self.units
        recurrent = self._weights[1]
        dtype = recurrent.dtype
        rec_zr = np.ascontiguousarray(recurrent[:, :2 * U])
        rec_h = np.ascontiguousarray(recurrent[:, 2 * U:])
        xp = self._input_projection(xt, self._weights[2] if self.use_bias else None)
        gates = np.empty((T, B, 3 * U), dtype=dtype)
        H = np.empty((T + 1, B, U), dtype=dtype)
        RH = np.empty((T, B, U), dtype=dtype)
        H[0] = 0.0
        hr_zr = np.zeros((B, 2 * U), dtype=dtype)
        hr_h = np.empty((B, U), dtype=dtype)
        HM = H if rmask is None else np.empty((T, B, U), dtype=dtype)
        with blas_threads(1):     # small per-step products: one thread is faster
            for t in range(T):
                if rmask is not None:
                    np.multiply(H[t], rmask, out=HM[t])
                if t > 0:
                    np.matmul(HM[t], rec_zr, out=hr_zr)
                K.gru_forward_zr(xp[t], hr_zr, HM[t], self._ract, gates[t], RH[t])
                np.matmul(RH[t], rec_h, out=hr_h)
                K.gru_forward_h(xp[t], hr_h, H[t], mask[t], self._act, gates[t], H[t + 1])
        return H, [], (gates, RH, HM[:T], rec_zr, rec_h)

    def _forward_reset_after(self, xt, mask, rmask):
        T, B, _ = xt.shape
        U = self.units
        recurrent = self._weights[1]
        dtype = recurrent.dtype
        if self.use_bias:
            bias = self._weights[2]
            xp = self._input_projection(xt, bias[0])
            rbias = np.ascontiguousarray(bias[1])
        else:
            xp = self._input_projection(xt, None)
            rbias = np.zeros(3 * U, dtype=dtype)
        gates = np.empty((T, B, 3 * U), dtype=dtype)
        inner = np.empty((T, B, U), dtype=dtype)
        H = np.empty((T + 1, B, U), dtype=dtype)
        H[0] = 0.0
        hr = np.zeros((B, 3 * U), dtype=dtype)
        hm = np.empty((B, U), dtype=dtype) if rmask is not None else None
        with blas_threads(1):     # small per-step products: one thread is faster
            for t in range(T):
                if t > 0:
                    src = H[t] if rmask is None else np.multiply(H[t], rmask, out=hm)
                    np.matmul(src, recurrent, out=hr)
                K.gru_forward_step_ra(xp[t], hr, rbias, H[t], mask[t], self._act, self._ract,
                                      gates[t], inner[t], H[t + 1])
        return H, [], (gates, inner)

    def _run_backward(self, xt, mask, rmask, H, cache, G, carry, state_grads):
        if self.reset_after:
            return self._backward_reset_after(xt, mask, rmask, H, cache, G, carry)
        gates, RH, HM, rec_zr, rec_h = cache
        T, B, _ = xt.shape
        U = self.units
        dtype = carry.dtype
        rec_zr_t, rec_h_t = rec_zr.T, rec_h.T
        dz = np.empty((T, B, 3 * U), dtype=dtype)
        drec1 = np.zeros((B, U), dtype=dtype)
        drec2 = np.zeros((B, U), dtype=dtype)
        zeros = np.zeros((B, U), dtype=dtype) if G is None else None
        with blas_threads(1):     # small per-step products: one thread is faster
            for t in range(T - 1, -1, -1):
                dzt = dz[t]
                K.gru_backward_h(drec1, drec2, zeros if G is None else G[t], carry, gates[t], H[t],
                                 mask[t], self._act, self._ract, dzt)
                np.matmul(dzt[:, 2 * U:], rec_h_t, out=drec1)
                K.gru_backward_r(drec1, HM[t], gates[t], self._ract, dzt)
                if t > 0:
                    np.matmul(dzt[:, :2 * U], rec_zr_t, out=drec2)
                    if rmask is not None:
                        drec1 *= rmask
                        drec2 *= rmask
        dz2 = dz.reshape(T * B, 3 * U)
        self.grads[0] = xt.reshape(T * B, -1).T @ dz2
        grad_rec = np.empty((U, 3 * U), dtype=dtype)
        grad_rec[:, :2 * U] = HM.reshape(T * B, U).T @ dz2[:, :2 * U]
        grad_rec[:, 2 * U:] = RH.reshape(T * B, U).T @ dz2[:, 2 * U:]
        self.grads[1] = grad_rec
        if self.use_bias:
            self.grads[2] = dz2.sum(axis=0)
        return (dz2 @ self._weights[0].T).reshape(xt.shape)

    def _backward_reset_after(self, xt, mask, rmask, H, cache, G, carry):
        gates, inner = cache
        T, B, _ = xt.shape
        U = self.units
        dtype = carry.dtype
        recurrent_t = self._weights[1].T
        dx = np.empty((T, B, 3 * U), dtype=dtype)
        di = np.empty((T, B, 3 * U), dtype=dtype)
        drec = np.zeros((B, U), dtype=dtype)
        zeros = np.zeros((B, U), dtype=dtype) if G is None else None
        with blas_threads(1):     # small per-step products: one thread is faster
            for t in range(T - 1, -1, -1):
                K.gru_backward_step_ra(drec, zeros if G is None else G[t], carry, gates[t],
                                       inner[t], H[t], mask[t], self._act, self._ract, dx[t],
                                       di[t])
                if t > 0:
                    np.matmul(di[t], recurrent_t, out=drec)
                    if rmask is not None:
                        drec *= rmask
        hprev = H[:T] if rmask is None else H[:T] * rmask
        dxt = self._weight_gradients(xt, dx, hprev, di)
        if self.use_bias:
            self.grads[2] = np.stack([dx.reshape(T * B, -1).sum(axis=0),
                                      di.reshape(T * B, -1).sum(axis=0)])
        return dxt

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config


# -- Bidirectional -------------------------------------------------------------

def _gathered(attribute, doc):
    """A property listing ``attribute`` of the sublayers, forward then backward.

    Assigning an empty list is accepted (the base class does it in __init__).
    """
    def getter(self):
        return [item for layer in self.sublayers() for item in getattr(layer, attribute)]

    def setter(self, value):
        if value:
            raise AttributeError(f"Bidirectional keeps its {attribute} in its sublayers")

    return property(getter, setter, doc=doc)


class Bidirectional(Layer):
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
    ``get_weights()``, ``set_weights()``, ``weights`` and ``grads``;
    ``sublayers()`` returns [forward_layer, backward_layer].  The mask goes to
    both layers; ``compute_mask`` returns it when ``return_sequences``.
    """

    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, _RNN):
            raise TypeError(f"Bidirectional wraps an LSTM or GRU layer, got "
                            f"{type(layer).__name__}")
        super().__init__(**kwargs)
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"layer {self.name!r}: unknown merge_mode {merge_mode!r}; valid "
                             f"values: 'concat', 'sum', 'mul', 'ave', None")
        self.merge_mode = merge_mode
        if self.batch_input_shape is None and layer.batch_input_shape is not None:
            self.batch_input_shape = layer.batch_input_shape
        self._layer_config = {"class_name": type(layer).__name__, "config": layer.get_config()}
        self._layer_config["config"].pop("batch_input_shape", None)
        if backward_layer is None:
            config = dict(self._layer_config["config"], go_backwards=not layer.go_backwards,
                          name=f"backward_{layer.name}")
            backward_layer = type(layer).from_config(config)
        elif not isinstance(backward_layer, _RNN):
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
        self._initial_weights = weights
        self._cache = None

    def sublayers(self):
        return [self.forward_layer, self.backward_layer]

    _weights = _gathered("_weights", "The sublayers' weight arrays, forward then backward.")
    grads = _gathered("grads", "The sublayers' gradient arrays, forward then backward.")
    _regularizers = _gathered("_regularizers", None)
    _constraints = _gathered("_constraints", None)
    _trainable_flags = _gathered("_trainable_flags", None)
    sparse_rows = _gathered("sparse_rows", None)

    @property
    def _weight_names(self):
        return [f"{layer.name}/{name}" for layer in self.sublayers()
                for name in layer._weight_names]

    @_weight_names.setter
    def _weight_names(self, value):
        if value:
            raise AttributeError("Bidirectional keeps its weight names in its sublayers")

    def trainable_indices(self):
        if not self.trainable:
            return []
        offset = len(self.forward_layer._weights)
        return (self.forward_layer.trainable_indices()
                + [offset + i for i in self.backward_layer.trainable_indices()])

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
        return float(self._own_penalty + sum(layer.activity_penalty for layer in self.sublayers()))

    @activity_penalty.setter
    def activity_penalty(self, value):
        self._own_penalty = value

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
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

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
