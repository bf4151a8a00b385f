"""The convolution kernels: im2col and col2im are adjoint."""
import numpy as np
import pytest

from textembed.kernels.conv_kernels import col2im, im2col


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def test_im2col_col2im_are_adjoint(rng):
    x = rng.normal(size=(2, 5, 6, 3))
    params = (2, 3, 2, 1, 1, 2, 1, 2, 3, 4)     # kh kw sh sw dh dw top left out_h out_w
    cols = im2col(x, *params)
    d = rng.normal(size=cols.shape)
    back = col2im(d, 2, 5, 6, 3, *params)
    assert np.isclose(np.sum(cols * d), np.sum(x * back))
