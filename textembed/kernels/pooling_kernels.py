"""Kernels behind :mod:`textembed.layers.pooling`: max pooling and its backward pass.

Pure ``@njit(cache=True)`` functions on channels-last 4D arrays ``(batch,
height, width, channels)``; 1D layers pass ``height == 1`` and the layers
transpose channels-first data before and after.  Padded positions are
skipped (they never win a max).  float32 or float64 (the gradient checks run
in float64); outputs have the dtype of their input.  The callers validate
all arguments; the kernels do not check bounds.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def max_pool_forward(x, ph, pw, sh, sw, pad_top, pad_left, out_h, out_w):
    """Max over (ph, pw) windows with strides (sh, sw); padded positions are skipped.

    x: (B, H, W, C) float.  Returns ``out`` (B, out_h, out_w, C), same dtype, and
    ``arg`` (B, out_h, out_w, C) int64, the flat position ``row * W + col`` of
    the maximum in x (the first one on ties), for the backward pass.  Every
    window must hold at least one position inside x.
    """
    B, H, W, C = x.shape
    out = np.empty((B, out_h, out_w, C), dtype=x.dtype)
    arg = np.empty((B, out_h, out_w, C), dtype=np.int64)
    for b in range(B):
        for oh in range(out_h):
            r0 = oh * sh - pad_top
            r1 = min(r0 + ph, H)
            r0 = max(r0, 0)
            for ow in range(out_w):
                c0 = ow * sw - pad_left
                c1 = min(c0 + pw, W)
                c0 = max(c0, 0)
                for c in range(C):
                    out[b, oh, ow, c] = x[b, r0, c0, c]
                    arg[b, oh, ow, c] = r0 * W + c0
                for ii in range(r0, r1):
                    for jj in range(c0, c1):
                        if ii == r0 and jj == c0:
                            continue
                        pos = ii * W + jj
                        for c in range(C):
                            v = x[b, ii, jj, c]
                            if v > out[b, oh, ow, c]:
                                out[b, oh, ow, c] = v
                                arg[b, oh, ow, c] = pos
    return out, arg


@njit(cache=True)
def max_pool_backward(grad, arg, H, W):
    """Route ``grad`` (B, out_h, out_w, C) to the argmax positions ``arg``.

    Returns dx (B, H, W, C) with the dtype of grad (overlapping windows add up).
    """
    B, out_h, out_w, C = grad.shape
    dx = np.zeros((B, H, W, C), dtype=grad.dtype)
    for b in range(B):
        for oh in range(out_h):
            for ow in range(out_w):
                for c in range(C):
                    pos = arg[b, oh, ow, c]
                    dx[b, pos // W, pos % W, c] += grad[b, oh, ow, c]
    return dx
