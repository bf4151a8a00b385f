"""Kernels behind the LSTM and GRU layers: the gate arithmetic of one time step.

Pure ``@njit(cache=True)`` functions on C-contiguous arrays of one float
dtype (float32 in training, float64 in the gradient checks); outputs are
written into arrays the caller preallocates (slices of ``(time, batch, ...)``
buffers), so a step allocates nothing.  The matrix products are done by the
caller in numpy between kernel calls (BLAS): the input projection of all
steps in one product before the time loop, one ``(batch, units) @ (units,
k * units)`` product per step, and the weight gradients summed over all steps
in one product each after the backward loop.

Shapes: ``B`` batch, ``U`` units.  LSTM gate blocks along the last axis are
``i, f, c, o`` (each ``U`` wide), GRU blocks ``z, r, h``, as in Keras.
``mask`` is a ``(B,)`` bool array: a False entry makes the step carry the
previous state (and output) unchanged, and in the backward pass hands the
state gradient straight to the previous step.

Activations are integer codes (:data:`ACTIVATION_CODES`), applied by
:func:`_apply` to contiguous runs of a gate buffer so that the inner loops
have no branches and vectorise (SIMD).  ``tanh`` in float32 is a rational
minimax-style approximation ``x P(x^2) / Q(x^2)`` (degrees 11/8, fitted for
this module on [0, 9], clamped to [-1, 1]): within 3.5e-7 relative of the
exact value, and about seven times faster than ``math.tanh``'s scalar
calls.  float32 ``sigmoid`` is ``0.5 + 0.5 tanh(x / 2)`` (absolute error
below 2e-7).  In float64 both use ``exp`` (relative error below 1e-14), so
the finite-difference checks see the exact functions.  Every derivative is
computed from the activation's output ``y`` (tanh ``1 - y**2``, sigmoid
``y (1 - y)``, hard_sigmoid ``0.2`` where ``0 < y < 1``, relu ``y > 0``,
linear 1), so the forward pass stores only activated gates.

``error_model='numpy'`` lets divisions vectorise (no ZeroDivisionError
checks); ``fastmath`` stays off.
"""
import math

import numpy as np
from numba import njit, types
from numba.extending import overload

LINEAR, TANH, SIGMOID, HARD_SIGMOID, RELU = 0, 1, 2, 3, 4
ACTIVATION_CODES = {"linear": LINEAR, "tanh": TANH, "sigmoid": SIGMOID,
                    "hard_sigmoid": HARD_SIGMOID, "relu": RELU}

# float32 tanh(a) ~ a * P(a^2) / Q(a^2) on |a| <= 9 (coefficients rounded to float32)
_P0, _P1, _P2, _P3, _P4, _P5 = (np.float32(v) for v in (
    1.0, 0.1368868350982666, 0.0038793100975453854, 2.8228676455910318e-05,
    3.1115177989704534e-08, -1.2594658822806526e-11))
_Q0, _Q1, _Q2, _Q3, _Q4 = (np.float32(v) for v in (
    1.0, 0.470220148563385, 0.027286045253276825, 0.0003957981534767896,
    1.3027998875259073e-06))
_ZERO32, _ONE32, _HALF32, _FIFTH32, _LIM32 = (np.float32(v) for v in (0.0, 1.0, 0.5, 0.2, 9.0))

_NJIT = dict(cache=True, error_model="numpy")


@njit(**_NJIT)
def _tanh32(x):
    lim, one = _LIM32, _ONE32
    a = x if x < lim else lim
    a = a if a > -lim else -lim
    s = a * a
    p = ((((_P5 * s + _P4) * s + _P3) * s + _P2) * s + _P1) * s + _P0
    q = (((_Q4 * s + _Q3) * s + _Q2) * s + _Q1) * s + _Q0
    t = a * p / q
    t = t if t < one else one
    return t if t > -one else -one


@njit(**_NJIT)
def _tanh64(x):
    a = abs(x)
    if a < 0.0625:      # a - a^3/3 + 2a^5/15 - 17a^7/315 + 62a^9/2835
        a2 = a * a
        t = a * (1.0 + a2 * (-1.0 / 3 + a2 * (2.0 / 15 + a2 * (-17.0 / 315 + a2 * (62.0 / 2835)))))
    else:
        e = math.exp(-2.0 * a)
        t = (1.0 - e) / (1.0 + e)
    return t if x >= 0.0 else -t


@njit(**_NJIT)
def _sigmoid64(x):
    e = math.exp(-abs(x))
    s = 1.0 / (1.0 + e)
    return s if x >= 0.0 else e * s


def _apply(v, code):
    """Apply activation ``code`` to the 1D array v in place (numba only)."""
    raise NotImplementedError("numba-only")


def _apply32(v, code):
    zero, one, half, fifth = _ZERO32, _ONE32, _HALF32, _FIFTH32
    n = v.shape[0]
    if code == TANH:
        for j in range(n):
            v[j] = _tanh32(v[j])
    elif code == SIGMOID:
        for j in range(n):
            v[j] = half + half * _tanh32(half * v[j])
    elif code == HARD_SIGMOID:
        for j in range(n):
            y = fifth * v[j] + half
            y = y if y < one else one
            v[j] = y if y > zero else zero
    elif code == RELU:
        for j in range(n):
            v[j] = v[j] if v[j] > zero else zero


def _apply64(v, code):
    n = v.shape[0]
    if code == TANH:
        for j in range(n):
            v[j] = _tanh64(v[j])
    elif code == SIGMOID:
        for j in range(n):
            v[j] = _sigmoid64(v[j])
    elif code == HARD_SIGMOID:
        for j in range(n):
            v[j] = min(max(0.2 * v[j] + 0.5, 0.0), 1.0)
    elif code == RELU:
        for j in range(n):
            v[j] = v[j] if v[j] > 0.0 else 0.0


@overload(_apply, jit_options=dict(error_model="numpy"))
def _apply_overload(v, code):
    return _apply32 if v.dtype == types.float32 else _apply64


@njit(**_NJIT)
def _derivative_params(code):
    """(A, B, C, lo, hi): the derivative from the output y is ``A + y (B + C y)``
    where ``lo < y < hi``, else 0."""
    inf = np.inf
    if code == TANH:
        return 1.0, 0.0, -1.0, -inf, inf
    if code == SIGMOID:
        return 0.0, 1.0, -1.0, -inf, inf
    if code == HARD_SIGMOID:
        return 0.2, 0.0, 0.0, 0.0, 1.0
    if code == RELU:
        return 1.0, 0.0, 0.0, 0.0, inf
    return 1.0, 0.0, 0.0, -inf, inf


def _derivative_fn(y, params):
    raise NotImplementedError("numba-only")


@overload(_derivative_fn)
def _derivative_overload(y, params):
    def impl(y, params):
        a, b, c, lo, hi = params
        d = a + y * (b + c * y)
        return d if (y > lo and y < hi) else c * 0
    return impl


def _typed_params(code, like):
    raise NotImplementedError("numba-only")


@overload(_typed_params)
def _typed_params_overload(code, like):
    if like == types.float32:
        def impl32(code, like):
            a, b, c, lo, hi = _derivative_params(code)
            return (np.float32(a), np.float32(b), np.float32(c), np.float32(lo), np.float32(hi))
        return impl32

    def impl64(code, like):
        return _derivative_params(code)
    return impl64


@njit(**_NJIT)
def activate_array(x, code):
    """Activation ``code`` of a 1D float array, with the kernels' own formulas (a copy)."""
    out = x.copy()
    _apply(out, code)
    return out


@njit(**_NJIT)
def derivative_array(y, code):
    """The derivative, from the activation's output y (1D), as the backward kernels compute it."""
    out = np.empty_like(y)
    params = _typed_params(code, y[0])
    for j in range(y.shape[0]):
        out[j] = _derivative_fn(y[j], params)
    return out


# -- the start of a backward step, shared by the step kernels (inlined) --------

@njit(**_NJIT, inline="always")
def _masked_backward_row(b, mask, drec, gout, dh_carry, dz):
    """Start batch row b of a backward step; True at a masked step.

    Adds the gradient reaching this step's output, ``drec[b] + gout[b]``, to
    ``dh_carry[b]`` (all (B, U)); at a masked step zeroes the gate gradient
    ``dz[b]``, and ``dh_carry[b]`` goes on to the previous step as it is.
    """
    dh = dh_carry[b]
    rb = drec[b]
    gb = gout[b]
    for j in range(dh.shape[0]):
        dh[j] += rb[j] + gb[j]
    if mask[b]:
        return False
    dz[b, :] = 0.0
    return True


# -- LSTM ---------------------------------------------------------------------

@njit(**_NJIT)
def lstm_forward_step(xp, hr, c_tm1, h_tm1, mask, act, ract, gates, c, ac, h):
    """One LSTM step.

    xp: (B, 4U) input projection of this step, bias included; hr: (B, 4U)
    ``h_tm1 @ recurrent_kernel`` (recurrent dropout applied to h_tm1);
    c_tm1, h_tm1: (B, U) previous states; mask: (B,) bool.
    Writes gates (B, 4U) (activated i, f, c~, o), c (B, U) the new cell state,
    ac (B, U) ``act(c)``, h (B, U) ``o * act(c)``; masked rows carry c_tm1 and
    h_tm1 (their gates and ac are left unwritten).
    """
    B, U = h.shape
    for b in range(B):
        if not mask[b]:
            c[b] = c_tm1[b]
            h[b] = h_tm1[b]
            continue
        g = gates[b]
        xb = xp[b]
        rb = hr[b]
        for j in range(4 * U):
            g[j] = xb[j] + rb[j]
        _apply(g[:2 * U], ract)
        _apply(g[2 * U:3 * U], act)
        _apply(g[3 * U:], ract)
        cb = c[b]
        ab = ac[b]
        cp = c_tm1[b]
        for j in range(U):
            v = g[U + j] * cp[j] + g[j] * g[2 * U + j]
            cb[j] = v
            ab[j] = v
        _apply(ab, act)
        hb = h[b]
        for j in range(U):
            hb[j] = g[3 * U + j] * ab[j]


@njit(**_NJIT)
def lstm_backward_step(drec, gout, dh_carry, dc, gates, c_tm1, ac, mask, act, ract, dz):
    """Backward through one LSTM step.

    The gradient for this step's output ``h`` is ``drec + dh_carry + gout``:
    drec (B, U) from the next step's recurrent product (recurrent dropout
    already applied), dh_carry (B, U) the part that skipped the next step (a
    masked step, or the final-state gradient), gout (B, U) the output
    gradient of this step.  dc (B, U) is the gradient for this step's cell
    state, replaced in place by the one for ``c_tm1``; dh_carry is replaced
    by the part of the ``h_tm1`` gradient that does not go through the
    recurrent kernel.  gates, c_tm1, ac, mask: as stored by the forward step.
    Writes dz (B, 4U), the gradient for the gate pre-activations (zero in
    masked rows); the caller then computes ``drec = dz @ recurrent_kernel.T``.
    Loops are split so each writes one array (they vectorise).
    """
    B, U = dc.shape
    pa = _typed_params(act, dc[0, 0])
    pr = _typed_params(ract, dc[0, 0])
    for b in range(B):
        if _masked_backward_row(b, mask, drec, gout, dh_carry, dz):
            continue
        dh = dh_carry[b]
        d = dz[b]
        g = gates[b]
        ab = ac[b]
        cb = dc[b]
        cp = c_tm1[b]
        for j in range(U):
            cb[j] += dh[j] * g[3 * U + j] * _derivative_fn(ab[j], pa)
        for j in range(U):
            d[j] = cb[j] * g[2 * U + j] * _derivative_fn(g[j], pr)
        for j in range(U):
            d[U + j] = cb[j] * cp[j] * _derivative_fn(g[U + j], pr)
        for j in range(U):
            d[2 * U + j] = cb[j] * g[j] * _derivative_fn(g[2 * U + j], pa)
        for j in range(U):
            d[3 * U + j] = dh[j] * ab[j] * _derivative_fn(g[3 * U + j], pr)
        for j in range(U):
            cb[j] *= g[U + j]
        dh[:] = 0.0


# -- GRU, reset_after=False (Keras 2.2's default) ------------------------------

@njit(**_NJIT)
def gru_forward_zr(xp, hr, h_m, ract, gates, rh):
    """First half of a GRU step (the reset gate comes before the candidate's product).

    xp: (B, 3U) input projection (bias included); hr: (B, 2U) ``h_m @
    recurrent_kernel[:, :2U]``; h_m: (B, U) the previous output (recurrent
    dropout applied).  Writes gates[:, :2U] (activated z, r) and rh (B, U)
    ``r * h_m``, the operand of the candidate's recurrent product.
    """
    B, U = h_m.shape
    for b in range(B):
        g = gates[b]
        xb = xp[b]
        hb = hr[b]
        for j in range(2 * U):
            g[j] = xb[j] + hb[j]
        _apply(g[:2 * U], ract)
        out = rh[b]
        hm = h_m[b]
        for j in range(U):
            out[j] = g[U + j] * hm[j]


@njit(**_NJIT)
def gru_forward_h(xp, hr_h, h_tm1, mask, act, gates, h):
    """Second half of a GRU step (reset_after=False).

    hr_h: (B, U) ``rh @ recurrent_kernel[:, 2U:]``.  Writes gates[:, 2U:] (the
    candidate ``hh``) and h (B, U) ``z * h_tm1 + (1 - z) * hh``; masked rows
    carry h_tm1.
    """
    B, U = h.shape
    for b in range(B):
        if not mask[b]:
            h[b] = h_tm1[b]
            continue
        g = gates[b]
        xb = xp[b]
        hb = hr_h[b]
        for j in range(U):
            g[2 * U + j] = xb[2 * U + j] + hb[j]
        _apply(g[2 * U:], act)
        out = h[b]
        prev = h_tm1[b]
        for j in range(U):
            out[j] = g[2 * U + j] + g[j] * (prev[j] - g[2 * U + j])


@njit(**_NJIT)
def gru_backward_h(drec1, drec2, gout, dh_carry, gates, h_tm1, mask, act, ract, dz):
    """Backward through the output and candidate of a GRU step (reset_after=False).

    The gradient for this step's output is ``drec1 + drec2 + dh_carry +
    gout`` (all (B, U); drec1, drec2 the next step's two recurrent parts,
    recurrent dropout applied).  Writes dz[:, :U] (z pre-activation) and
    dz[:, 2U:] (candidate pre-activation); dz[:, U:2U] is written by
    :func:`gru_backward_r` after the caller computes ``d_rh = dz[:, 2U:] @
    recurrent_kernel[:, 2U:].T``.  dh_carry is replaced by the direct part of
    the ``h_tm1`` gradient (``dh * z``, or all of it in masked rows).
    """
    B, U = dh_carry.shape
    pa = _typed_params(act, dh_carry[0, 0])
    pr = _typed_params(ract, dh_carry[0, 0])
    for b in range(B):
        dh = dh_carry[b]
        r1 = drec1[b]
        r2 = drec2[b]
        gb = gout[b]
        for j in range(U):
            dh[j] += r1[j] + r2[j] + gb[j]
        d = dz[b]
        if not mask[b]:
            d[:] = 0.0
            continue
        g = gates[b]
        prev = h_tm1[b]
        for j in range(U):
            d[j] = dh[j] * (prev[j] - g[2 * U + j]) * _derivative_fn(g[j], pr)
        for j in range(U):
            d[2 * U + j] = dh[j] * (1.0 - g[j]) * _derivative_fn(g[2 * U + j], pa)
        for j in range(U):
            dh[j] *= g[j]


@njit(**_NJIT)
def gru_backward_r(d_rh, h_m, gates, ract, dz):
    """Backward through the reset gate (reset_after=False).

    d_rh: (B, U) gradient for ``r * h_m``; replaced in place by its share of
    the ``h_m`` gradient, ``d_rh * r``.  Writes dz[:, U:2U] (r pre-activation).
    """
    B, U = d_rh.shape
    pr = _typed_params(ract, d_rh[0, 0])
    for b in range(B):
        g = gates[b]
        d = dz[b]
        x = d_rh[b]
        hm = h_m[b]
        for j in range(U):
            d[U + j] = x[j] * hm[j] * _derivative_fn(g[U + j], pr)
        for j in range(U):
            x[j] *= g[U + j]


# -- GRU, reset_after=True (tf.keras 2 / Keras 3 / CuDNN form) ------------------

@njit(**_NJIT)
def gru_forward_step_ra(xp, hr, rbias, h_tm1, mask, act, ract, gates, inner, h):
    """One GRU step with the reset gate applied after the recurrent product.

    xp: (B, 3U) input projection plus input bias; hr: (B, 3U) ``h_m @
    recurrent_kernel``; rbias: (3U,) the recurrent bias.  Writes gates (B, 3U)
    (z, r, candidate hh), inner (B, U) ``hr[:, 2U:] + rbias[2U:]`` and h (B, U)
    ``z * h_tm1 + (1 - z) * hh`` with ``hh = act(xp_h + r * inner)``; masked
    rows carry h_tm1.
    """
    B, U = h.shape
    for b in range(B):
        if not mask[b]:
            h[b] = h_tm1[b]
            continue
        g = gates[b]
        xb = xp[b]
        hb = hr[b]
        for j in range(2 * U):
            g[j] = xb[j] + hb[j] + rbias[j]
        _apply(g[:2 * U], ract)
        inn = inner[b]
        for j in range(U):
            inn[j] = hb[2 * U + j] + rbias[2 * U + j]
        for j in range(U):
            g[2 * U + j] = xb[2 * U + j] + g[U + j] * inn[j]
        _apply(g[2 * U:], act)
        out = h[b]
        prev = h_tm1[b]
        for j in range(U):
            out[j] = g[2 * U + j] + g[j] * (prev[j] - g[2 * U + j])


@njit(**_NJIT)
def gru_backward_step_ra(drec, gout, dh_carry, gates, inner, h_tm1, mask, act, ract, dx, di):
    """Backward through one GRU step (reset_after=True).

    Output gradient ``drec + dh_carry + gout`` as in :func:`lstm_backward_step`.
    Writes dx (B, 3U), the gradient for the input projection (z, r, h
    pre-activations), and di (B, 3U), the gradient for ``h_m @
    recurrent_kernel + rbias`` (same z, r blocks; h block times r).  The
    caller computes ``drec = di @ recurrent_kernel.T``.
    """
    B, U = dh_carry.shape
    pa = _typed_params(act, dh_carry[0, 0])
    pr = _typed_params(ract, dh_carry[0, 0])
    for b in range(B):
        if _masked_backward_row(b, mask, drec, gout, dh_carry, dx):
            di[b, :] = 0.0
            continue
        dh = dh_carry[b]
        d = dx[b]
        e = di[b]
        g = gates[b]
        prev = h_tm1[b]
        inn = inner[b]
        for j in range(U):
            d[j] = dh[j] * (prev[j] - g[2 * U + j]) * _derivative_fn(g[j], pr)
        for j in range(U):
            d[2 * U + j] = dh[j] * (1.0 - g[j]) * _derivative_fn(g[2 * U + j], pa)
        for j in range(U):
            d[U + j] = d[2 * U + j] * inn[j] * _derivative_fn(g[U + j], pr)
        for j in range(2 * U):
            e[j] = d[j]
        for j in range(U):
            e[2 * U + j] = d[2 * U + j] * g[U + j]
        for j in range(U):
            dh[j] *= g[j]
