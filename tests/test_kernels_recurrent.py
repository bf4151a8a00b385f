"""The recurrent kernels' activations: accuracy of the float32 approximations and of the
float64 functions, and the derivatives the backward kernels use."""
import numpy as np

from textembed.kernels.recurrent_kernels import ACTIVATION_CODES, activate_array, derivative_array


def test_kernel_activations_accuracy():
    x = np.linspace(-12, 12, 20001)
    exact = {"tanh": np.tanh(x), "sigmoid": 1 / (1 + np.exp(-x)),
             "hard_sigmoid": np.clip(0.2 * x + 0.5, 0, 1), "relu": np.maximum(x, 0), "linear": x}
    for name, code in ACTIVATION_CODES.items():
        y32 = activate_array(x.astype(np.float32), code)
        y64 = activate_array(x, code)
        assert y32.dtype == np.float32 and y64.dtype == np.float64
        np.testing.assert_allclose(y32, exact[name], rtol=4e-7, atol=2e-7, err_msg=name)
        np.testing.assert_allclose(y64, exact[name], rtol=1e-13, atol=1e-15, err_msg=name)
        assert np.all(np.abs(y32[np.abs(x) < 20]) <= max(1.0, np.abs(x).max()))
    d = derivative_array(np.array([0.0, 0.3, 1.0]), ACTIVATION_CODES["hard_sigmoid"])
    np.testing.assert_array_equal(d, [0.0, 0.2, 0.0])
