"""Kernels behind :mod:`textembed.layers.conv`: patches, their adjoint, shifted sums.

Pure ``@njit(cache=True)`` functions: arrays and scalars in, arrays out.
Everything works on channels-last 4D arrays ``(batch, height, width,
channels)``; 1D layers pass ``height == 1`` and the layers transpose
channels-first data before and after.  Padding is implicit: positions outside
the input read as zero.  The arrays may be float32 or float64 (the gradient
checks run in float64); the output has the dtype of the input.

The matrix products of a convolution are done in numpy between these kernels
(``cols @ kernel``), so BLAS runs on few, large, contiguous products.
The callers validate all arguments; the kernels do not check bounds.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def im2col(x, kh, kw, sh, sw, dh, dw, pad_top, pad_left, out_h, out_w):
    """Patches of ``x`` as rows of a new matrix (see :func:`im2col_into`)."""
    B, H, W, C = x.shape
    cols = np.empty((B * out_h * out_w, kh * kw * C), dtype=x.dtype)
    im2col_into(x, kh, kw, sh, sw, dh, dw, pad_top, pad_left, out_h, out_w, cols)
    return cols


@njit(cache=True)
def im2col_into(x, kh, kw, sh, sw, dh, dw, pad_top, pad_left, out_h, out_w, cols):
    """Write the patches of ``x`` into the rows of ``cols`` (reused between calls).

    x: (B, H, W, C) float, C-contiguous.  cols: (B * out_h * out_w,
    kh * kw * C), same dtype, C-contiguous; filled so that row
    ``(b * out_h + oh) * out_w + ow`` holds the patch read at rows
    ``oh * sh - pad_top + i * dh`` and columns ``ow * sw - pad_left + j * dw``,
    ordered (i, j, c) like a Keras kernel ``(kh, kw, C, filters)``;
    positions outside ``x`` are zeros.
    """
    B, H, W, C = x.shape
    row = 0
    for b in range(B):
        for oh in range(out_h):
            for ow in range(out_w):
                for i in range(kh):
                    ii = oh * sh - pad_top + i * dh
                    inside_row = ii >= 0 and ii < H
                    for j in range(kw):
                        jj = ow * sw - pad_left + j * dw
                        off = (i * kw + j) * C
                        if inside_row and jj >= 0 and jj < W:
                            for c in range(C):
                                cols[row, off + c] = x[b, ii, jj, c]
                        else:
                            for c in range(C):
                                cols[row, off + c] = 0.0
                row += 1


@njit(cache=True, inline="always")
def _window_add(dx, patch, scale, b, oh, ow, x, dpatch, gather, kh, kw, sh, sw, dh, dw,
                pad_top, pad_left):
    """Add a scaled patch row into one window of an image gradient (and the window into a patch).

    dx: (B, H, W, C); patch, dpatch: (kh * kw * C,) ordered (i, j, c) as a row
    of :func:`im2col_into`; the window is the one read for output position
    (oh, ow) of image b.  Over the taps inside the image: ``dx[b, ii, jj, c]
    += scale * patch[(i * kw + j) * C + c]``, and with ``gather`` first
    ``dpatch[...] += scale * x[b, ii, jj, c]`` (x: (B, H, W, C)).  Callers
    pass ``gather`` as a constant, so the branch folds away; without it, x
    and dpatch are not read.
    """
    H, W, C = dx.shape[1], dx.shape[2], dx.shape[3]
    for i in range(kh):
        ii = oh * sh - pad_top + i * dh
        if ii < 0 or ii >= H:
            continue
        for j in range(kw):
            jj = ow * sw - pad_left + j * dw
            if jj < 0 or jj >= W:
                continue
            off = (i * kw + j) * C
            for c in range(C):
                if gather:
                    dpatch[off + c] += scale * x[b, ii, jj, c]
                dx[b, ii, jj, c] += scale * patch[off + c]


@njit(cache=True)
def col2im(dcols, B, H, W, C, kh, kw, sh, sw, dh, dw, pad_top, pad_left, out_h, out_w):
    """The adjoint of :func:`im2col`: sum the rows of ``dcols`` back into an image.

    dcols: (B * out_h * out_w, kh * kw * C) float.  Returns dx of shape
    (B, H, W, C), same dtype; entries that fall in the padding are dropped.
    """
    dx = np.zeros((B, H, W, C), dtype=dcols.dtype)
    one = dcols.dtype.type(1)
    row = 0
    for b in range(B):
        for oh in range(out_h):
            for ow in range(out_w):
                _window_add(dx, dcols[row], one, b, oh, ow, dx, dcols[row], False, kh, kw, sh,
                            sw, dh, dw, pad_top, pad_left)
                row += 1
    return dx


@njit(cache=True)
def conv1d_shift_sum(y, B, L, kw, F, dw, pad_left, out_w):
    """Finish a stride-1 1D convolution computed as one product ``y = x @ kernel_p``.

    y: (B * L, kw * F) float, where ``y[b * L + s, j * F + f]`` is input step s
    of sequence b times kernel tap j for filter f (kernel_p is the kernel
    (kw, C, F) laid out as (C, kw * F)).  Returns z (B * out_w, F), same
    dtype: ``z[b * out_w + t, f] = sum_j y[b * L + t - pad_left + j * dw, j * F + f]``
    over the steps inside the sequence (the padding contributes zeros).
    """
    z = np.zeros((B * out_w, F), dtype=y.dtype)
    for b in range(B):
        for t in range(out_w):
            row = b * out_w + t
            for j in range(kw):
                s = t - pad_left + j * dw
                if s < 0 or s >= L:
                    continue
                src = b * L + s
                off = j * F
                for f in range(F):
                    z[row, f] += y[src, off + f]
    return z


@njit(cache=True)
def conv_backward_sparse(x, grad, kernel_t, kh, kw, sh, sw, dh, dw,
                         pad_top, pad_left, out_h, out_w):
    """Kernel and input gradients of a convolution whose output gradient is mostly zeros.

    The same sums as ``im2col(x).T @ grad`` and ``col2im(grad @ kernel_t)``,
    visiting only the non-zero entries of ``grad``; worth it when few are
    non-zero, as behind a global max pooling (one entry per sequence and
    filter).  Reads the patches from x itself (small enough to stay in cache).

    x: (B, H, W, C) input, C-contiguous; grad: (B * out_h * out_w, F) gradient
    for the (pre-activation) output, rows as in :func:`im2col`; kernel_t:
    (F, kh * kw * C) the kernel transposed, C-contiguous.  Returns
    ``dkernel_t`` (F, kh * kw * C) and ``dx`` (B, H, W, C), dtype of grad.
    """
    B, H, W, C = x.shape
    N, F = grad.shape
    dkernel_t = np.zeros((F, kh * kw * C), dtype=grad.dtype)
    dx = np.zeros((B, H, W, C), dtype=grad.dtype)
    per_image = out_h * out_w
    for row in range(N):
        b = row // per_image
        oh = (row % per_image) // out_w
        ow = row % out_w
        for f in range(F):
            v = grad[row, f]
            if v == 0.0:
                continue
            _window_add(dx, kernel_t[f], v, b, oh, ow, x, dkernel_t[f], True, kh, kw, sh, sw,
                        dh, dw, pad_top, pad_left)
    return dkernel_t, dx
