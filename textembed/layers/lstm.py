"""LSTM: long short-term memory (Hochreiter & Schmidhuber 1997), Keras 2 semantics.

The sequence plumbing (masks, dropout, return_sequences / return_state,
go_backwards) is :class:`~textembed.layers.recurrent.Recurrent`'s; this module
holds the LSTM weights and the time loops around the step kernels of
:mod:`textembed.kernels.recurrent_kernels`.
"""
import numpy as np

from .. import initializers as initializers_module
from .._blas import blas_threads
from ..kernels.recurrent_kernels import lstm_backward_step, lstm_forward_step
from .recurrent import Recurrent, keras1_recurrent_keywords


class _UnitForgetBias(initializers_module.Initializer):
    """LSTM bias: ``base`` for the i, c, o blocks, ones for the f block (shape (4U,))."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, rng=None):
        u = self.units
        return np.concatenate([self.base((u,), rng=rng), np.ones(u, dtype=np.float32),
                               self.base((2 * u,), rng=rng)]).astype(np.float32)


class LSTM(Recurrent):
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

    @keras1_recurrent_keywords
    def __init__(self, units=None, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, **kwargs):
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
        recurrent = self.recurrent_kernel
        dtype = recurrent.dtype
        xp = self._input_projection(xt, self.bias if self.use_bias else None)
        gates = np.empty((T, B, 4 * U), dtype=dtype)
        C = np.empty((T + 1, B, U), dtype=dtype)
        H = np.empty((T + 1, B, U), dtype=dtype)
        AC = np.empty((T, B, U), dtype=dtype)
        C[0] = 0.0
        H[0] = 0.0
        with blas_threads(1):     # small per-step products: one thread is faster
            for t, hr in self._recurrent_products(H, rmask, recurrent):
                lstm_forward_step(xp[t], hr, C[t], H[t], mask[t], self._act, self._ract,
                                  gates[t], C[t + 1], AC[t], H[t + 1])
        return H, [C[T].copy()], (gates, C, AC)

    def _run_backward(self, xt, mask, rmask, H, cache, G, carry, state_grads):
        gates, C, AC = cache
        T, B, _ = xt.shape
        U = self.units
        recurrent_t = self.recurrent_kernel.T
        dtype = carry.dtype
        dc = np.zeros((B, U), dtype=dtype)
        if state_grads and state_grads[0] is not None:
            dc += state_grads[0]
        dz = np.empty((T, B, 4 * U), dtype=dtype)
        drec = np.zeros((B, U), dtype=dtype)
        zeros = np.zeros((B, U), dtype=dtype) if G is None else None
        with blas_threads(1):     # small per-step products: one thread is faster
            for t in range(T - 1, -1, -1):
                lstm_backward_step(drec, zeros if G is None else G[t], carry, dc, gates[t], C[t],
                                   AC[t], mask[t], self._act, self._ract, dz[t])
                if t > 0:
                    np.matmul(dz[t], recurrent_t, out=drec)
                    if rmask is not None:
                        drec *= rmask
        hprev = H[:T] if rmask is None else H[:T] * rmask
        dxt = self._weight_gradients(xt, dz, hprev)
        if self.use_bias:
            self.set_gradient("bias", dz.reshape(T * B, -1).sum(axis=0))
        return dxt

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config
