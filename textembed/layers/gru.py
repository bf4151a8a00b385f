"""GRU: gated recurrent unit (Cho et al. 2014), Keras 2 semantics, both bias forms.

The sequence plumbing (masks, dropout, return_sequences / return_state,
go_backwards) is :class:`~textembed.layers.recurrent.Recurrent`'s; this module
holds the GRU weights and the time loops around the step kernels of
:mod:`textembed.kernels.recurrent_kernels`, for ``reset_after=False`` (two
recurrent products a step, the reset gate between them) and
``reset_after=True`` (one).
"""
import numpy as np

from .._blas import blas_threads
from ..kernels.recurrent_kernels import (gru_backward_h, gru_backward_r, gru_backward_step_ra,
                                         gru_forward_h, gru_forward_step_ra, gru_forward_zr)
from .recurrent import Recurrent, keras1_recurrent_keywords


class GRU(Recurrent):
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

    @keras1_recurrent_keywords
    def __init__(self, units=None, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 reset_after=False, **kwargs):
        kwargs.pop("unit_forget_bias", None)
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
        recurrent = self.recurrent_kernel
        dtype = recurrent.dtype
        rec_zr = np.ascontiguousarray(recurrent[:, :2 * U])
        rec_h = np.ascontiguousarray(recurrent[:, 2 * U:])
        xp = self._input_projection(xt, self.bias if self.use_bias else None)
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
                gru_forward_zr(xp[t], hr_zr, HM[t], self._ract, gates[t], RH[t])
                np.matmul(RH[t], rec_h, out=hr_h)
                gru_forward_h(xp[t], hr_h, H[t], mask[t], self._act, gates[t], H[t + 1])
        return H, [], (gates, RH, HM[:T], rec_zr, rec_h)

    def _forward_reset_after(self, xt, mask, rmask):
        T, B, _ = xt.shape
        U = self.units
        recurrent = self.recurrent_kernel
        dtype = recurrent.dtype
        if self.use_bias:
            bias = self.bias
            xp = self._input_projection(xt, bias[0])
            rbias = np.ascontiguousarray(bias[1])
        else:
            xp = self._input_projection(xt, None)
            rbias = np.zeros(3 * U, dtype=dtype)
        gates = np.empty((T, B, 3 * U), dtype=dtype)
        inner = np.empty((T, B, U), dtype=dtype)
        H = np.empty((T + 1, B, U), dtype=dtype)
        H[0] = 0.0
        with blas_threads(1):     # small per-step products: one thread is faster
            for t, hr in self._recurrent_products(H, rmask, recurrent):
                gru_forward_step_ra(xp[t], hr, rbias, H[t], mask[t], self._act, self._ract,
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
                gru_backward_h(drec1, drec2, zeros if G is None else G[t], carry, gates[t], H[t],
                               mask[t], self._act, self._ract, dzt)
                np.matmul(dzt[:, 2 * U:], rec_h_t, out=drec1)
                gru_backward_r(drec1, HM[t], gates[t], self._ract, dzt)
                if t > 0:
                    np.matmul(dzt[:, :2 * U], rec_zr_t, out=drec2)
                    if rmask is not None:
                        drec1 *= rmask
                        drec2 *= rmask
        dz2 = dz.reshape(T * B, 3 * U)
        self.set_gradient("kernel", xt.reshape(T * B, -1).T @ dz2)
        grad_rec = np.empty((U, 3 * U), dtype=dtype)
        grad_rec[:, :2 * U] = HM.reshape(T * B, U).T @ dz2[:, :2 * U]
        grad_rec[:, 2 * U:] = RH.reshape(T * B, U).T @ dz2[:, 2 * U:]
        self.set_gradient("recurrent_kernel", grad_rec)
        if self.use_bias:
            self.set_gradient("bias", dz2.sum(axis=0))
        return (dz2 @ self.kernel.T).reshape(xt.shape)

    def _backward_reset_after(self, xt, mask, rmask, H, cache, G, carry):
        gates, inner = cache
        T, B, _ = xt.shape
        U = self.units
        dtype = carry.dtype
        recurrent_t = self.recurrent_kernel.T
        dx = np.empty((T, B, 3 * U), dtype=dtype)
        di = np.empty((T, B, 3 * U), dtype=dtype)
        drec = np.zeros((B, U), dtype=dtype)
        zeros = np.zeros((B, U), dtype=dtype) if G is None else None
        with blas_threads(1):     # small per-step products: one thread is faster
            for t in range(T - 1, -1, -1):
                gru_backward_step_ra(drec, zeros if G is None else G[t], carry, gates[t],
                                     inner[t], H[t], mask[t], self._act, self._ract, dx[t],
                                     di[t])
                if t > 0:
                    np.matmul(di[t], recurrent_t, out=drec)
                    if rmask is not None:
                        drec *= rmask
        hprev = H[:T] if rmask is None else H[:T] * rmask
        dxt = self._weight_gradients(xt, dx, hprev, di)
        if self.use_bias:
            self.set_gradient("bias", np.stack([dx.reshape(T * B, -1).sum(axis=0),
                                                di.reshape(T * B, -1).sum(axis=0)]))
        return dxt

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config
