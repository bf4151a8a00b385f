"""An independent reference for the recurrent layer tests: plain numpy step loops in float64,
written from the Keras 2 formulas, and the inputs and masks the tests share."""
import numpy as np

from textembed.layers import LSTM

ACTIVATIONS = ("linear", "tanh", "sigmoid", "hard_sigmoid", "relu")


def _act(name, x):
    return {"linear": lambda v: v, "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
            "hard_sigmoid": lambda v: np.clip(0.2 * v + 0.5, 0, 1),
            "relu": lambda v: np.maximum(v, 0)}[name](x)


def reference_rnn(layer, x, mask=None, dmask=None, rmask=None):
    """Outputs of a built LSTM/GRU for x (B, T, D), written from the Keras 2 formulas.

    Returns (sequence (B, T, U) in processing order, h_T, c_T or None).
    """
    w = [np.asarray(v, dtype=np.float64) for v in layer.get_weights()]
    kernel, rec = w[0], w[1]
    U = layer.units
    x = np.asarray(x, dtype=np.float64)
    B, T, _ = x.shape
    if mask is None:
        mask = np.ones((B, T), dtype=bool)
    order = range(T - 1, -1, -1) if layer.go_backwards else range(T)
    h = np.zeros((B, U))
    c = np.zeros((B, U))
    seq = []
    a, ra = layer.activation, layer.recurrent_activation
    is_lstm = isinstance(layer, LSTM)
    for t in order:
        xt = x[:, t] if dmask is None else x[:, t] * dmask
        hm = h if rmask is None else h * rmask
        if is_lstm:
            z = xt @ kernel + hm @ rec + (w[2] if layer.use_bias else 0)
            i, f, g, o = (z[:, k * U:(k + 1) * U] for k in range(4))
            c_new = _act(ra, f) * c + _act(ra, i) * _act(a, g)
            h_new = _act(ra, o) * _act(a, c_new)
        else:
            if layer.use_bias:
                b_in, b_rec = (w[2][0], w[2][1]) if layer.reset_after else (w[2], np.zeros(3 * U))
            else:
                b_in = b_rec = np.zeros(3 * U)
            xz = xt @ kernel + b_in
            if layer.reset_after:
                inner = hm @ rec + b_rec
                zg = _act(ra, xz[:, :U] + inner[:, :U])
                rg = _act(ra, xz[:, U:2 * U] + inner[:, U:2 * U])
                hh = _act(a, xz[:, 2 * U:] + rg * inner[:, 2 * U:])
            else:
                zg = _act(ra, xz[:, :U] + hm @ rec[:, :U])
                rg = _act(ra, xz[:, U:2 * U] + hm @ rec[:, U:2 * U])
                hh = _act(a, xz[:, 2 * U:] + (rg * hm) @ rec[:, 2 * U:])
            h_new = zg * h + (1 - zg) * hh
            c_new = c
        m = mask[:, t][:, None]
        h = np.where(m, h_new, h)
        c = np.where(m, c_new, c)
        seq.append(h.copy())
    return np.stack(seq, axis=1), h, (c if is_lstm else None)


def random_weights(layer, rng, scale=0.5):
    layer.set_weights([rng.normal(scale=scale, size=w.shape) for w in layer.get_weights()])


def masks(B, T):
    """(B, T) bool masks: pre-padding, post-padding and mixed rows."""
    mask = np.ones((B, T), dtype=bool)
    mask[0, :2] = False
    if B > 1:
        mask[1, T - 2:] = False
    if B > 2:
        mask[2, 1] = False
    return mask


def make(cls, units=3, **kwargs):
    layer = cls(units, **kwargs)
    return layer


# -- the checks the LSTM and GRU tests share ------------------------------------

def check_forward(cls, kwargs, masked, rng):
    """A built layer of 4 units on (3, 6, 3) inputs matches the reference."""
    layer = make(cls, 4, **kwargs)
    layer.build((None, 6, 3))
    random_weights(layer, rng)
    x = rng.normal(size=(3, 6, 3)).astype(np.float32)
    mask = masks(3, 6) if masked else None
    seq, h, _ = reference_rnn(layer, x, mask)
    y = layer.forward(x, mask=mask)
    assert y.dtype == np.float32
    expected = seq if layer.return_sequences else h
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=2e-6)


def check_activation_pairing(cls, activation, recurrent_activation, rng):
    """Any pair of activations matches the reference."""
    layer = cls(3, activation=activation, recurrent_activation=recurrent_activation,
                return_sequences=True)
    layer.build((None, 5, 2))
    random_weights(layer, rng)
    x = rng.normal(size=(2, 5, 2)).astype(np.float32)
    seq, _, _ = reference_rnn(layer, x)
    np.testing.assert_allclose(layer.forward(x), seq, rtol=1e-5, atol=2e-6)


def check_gradients(cls, kwargs, masked, rng):
    """float64 finite differences on a layer of 3 units, (3, 5, 2) inputs."""
    from gradcheck import check_layer_gradients
    layer = make(cls, 3, **kwargs)
    layer.build((None, 5, 2))
    random_weights(layer, rng)
    x = rng.normal(size=(3, 5, 2))
    check_layer_gradients(layer, x, mask=masks(3, 5) if masked else None)
