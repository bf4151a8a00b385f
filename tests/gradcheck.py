"""Shared finite-difference gradient checker for the layer, loss and model tests.

Layers compute in the dtype of their weights and inputs; the checker turns a
built layer's weights into float64 copies, so central differences are exact
enough to compare at rtol 1e-5 (the layer harness, ``layertest.py``, runs it
on every layer). Usage::

    layer = Dense(3, activation="tanh")
    layer.build((None, 4))
    check_layer_gradients(layer, rng.normal(size=(2, 4)))
"""
import numpy as np


def as_float64(layer):
    """Make every weight (and gradient buffer) of a built layer float64, in place."""
    for i, w in enumerate(layer._weights):
        layer._weights[i] = np.ascontiguousarray(w, dtype=np.float64)
        layer.grads[i] = np.zeros_like(layer._weights[i])
    for sub in getattr(layer, "sublayers", lambda: [])():
        as_float64(sub)
    return layer


def densify(layer, i):
    """A dense copy of ``layer.grads[i]``, scattering sparse row gradients (``layer.sparse_rows``)."""
    rows = layer.sparse_rows[i] if i < len(getattr(layer, "sparse_rows", [])) else None
    if rows is None:
        return layer.grads[i].copy()
    dense = np.zeros_like(layer._weights[i])
    np.add.at(dense, rows, layer.grads[i])
    return dense


def numeric_gradient(f, x, eps=1e-6):
    """Central differences of the scalar function f() with respect to array x (in place)."""
    grad = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1)
    out = grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        plus = f()
        flat[i] = saved - eps
        minus = f()
        flat[i] = saved
        out[i] = (plus - minus) / (2 * eps)
    return grad


def check_layer_gradients(layer, x, training=False, mask=None, rtol=1e-5, atol=1e-7,
                          check_input=True, seed=0, forward_kwargs=None):
    """Compare a layer's backward pass with finite differences, in float64.

    The scalar checked is ``sum(forward(x) * g) + activity_penalty`` for a
    fixed random ``g`` (the layer's backward pass includes the gradient of
    its activity regularizer's penalty). Checks the input gradient (for float inputs, when ``check_input``) and
    every weight gradient. Returns the analytic (input gradient, weight grads).
    """
    rng = np.random.default_rng(seed)
    as_float64(layer)
    kwargs = dict(forward_kwargs or {})
    if mask is not None:
        kwargs["mask"] = mask
    float_input = np.issubdtype(np.asarray(x).dtype, np.floating)
    x = np.array(x, dtype=np.float64 if float_input else np.asarray(x).dtype)

    def outputs():
        out = layer.forward(x, training=training, **kwargs)
        return out if isinstance(out, (list, tuple)) else [out]

    first = outputs()
    upstream = [rng.normal(size=o.shape) for o in first]

    def scalar():
        value = float(sum(np.sum(o.astype(np.float64) * g) for o, g in zip(outputs(), upstream)))
        return value + layer.activity_penalty

    outputs()
    layer.zero_grads() if hasattr(layer, "zero_grads") else None
    grad_x = layer.backward(upstream if len(upstream) > 1 else upstream[0])
    analytic_weights = [densify(layer, i) for i in range(len(layer.grads))]

    if check_input and float_input:
        expected = numeric_gradient(scalar, x)
        np.testing.assert_allclose(grad_x, expected, rtol=rtol, atol=atol,
                                   err_msg=f"{layer.name}: input gradient")
    for i, w in enumerate(layer._weights):
        expected = numeric_gradient(scalar, w)
        np.testing.assert_allclose(analytic_weights[i], expected, rtol=rtol, atol=atol,
                                   err_msg=f"{layer.name}: gradient of weight {i} "
                                           f"({layer._weight_names[i]})")
    return grad_x, analytic_weights
