"""LSTM, GRU and Bidirectional: gradients, an independent numpy reference, Keras goldens, shapes."""
import json
import os

import numpy as np
import pytest

from textembed.kernels import recurrent_kernels as RK
from textembed.layers import GRU, LSTM, Bidirectional, get_class

from gradcheck import check_layer_contract, check_layer_gradients, numeric_gradient

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "recurrent.npz")
ACTIVATIONS = ("linear", "tanh", "sigmoid", "hard_sigmoid", "relu")


@pytest.fixture
def rng():
    return np.random.default_rng(4321)


# -- an independent reference: plain numpy step loops in float64 --------------

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


# -- forward against the reference -------------------------------------------

RNN_CASES = [
    (LSTM, {}),
    (LSTM, dict(return_sequences=True)),
    (LSTM, dict(go_backwards=True, return_sequences=True)),
    (LSTM, dict(use_bias=False, unit_forget_bias=False)),
    (GRU, {}),
    (GRU, dict(return_sequences=True, go_backwards=True)),
    (GRU, dict(reset_after=True)),
    (GRU, dict(reset_after=True, return_sequences=True, go_backwards=True)),
    (GRU, dict(reset_after=True, use_bias=False)),
]


@pytest.mark.parametrize("cls,kwargs", RNN_CASES)
@pytest.mark.parametrize("masked", [False, True])
def test_forward_matches_reference(cls, kwargs, masked, rng):
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


@pytest.mark.parametrize("cls", [LSTM, GRU])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("recurrent_activation", ACTIVATIONS)
def test_activation_pairings_match_reference(cls, activation, recurrent_activation, rng):
    layer = cls(3, activation=activation, recurrent_activation=recurrent_activation,
                return_sequences=True)
    layer.build((None, 5, 2))
    random_weights(layer, rng)
    x = rng.normal(size=(2, 5, 2)).astype(np.float32)
    seq, _, _ = reference_rnn(layer, x)
    np.testing.assert_allclose(layer.forward(x), seq, rtol=1e-5, atol=2e-6)


def test_kernel_activations_accuracy():
    x = np.linspace(-12, 12, 20001)
    exact = {"tanh": np.tanh(x), "sigmoid": 1 / (1 + np.exp(-x)),
             "hard_sigmoid": np.clip(0.2 * x + 0.5, 0, 1), "relu": np.maximum(x, 0), "linear": x}
    for name, code in RK.ACTIVATION_CODES.items():
        y32 = RK.activate_array(x.astype(np.float32), code)
        y64 = RK.activate_array(x, code)
        assert y32.dtype == np.float32 and y64.dtype == np.float64
        np.testing.assert_allclose(y32, exact[name], rtol=4e-7, atol=2e-7, err_msg=name)
        np.testing.assert_allclose(y64, exact[name], rtol=1e-13, atol=1e-15, err_msg=name)
        assert np.all(np.abs(y32[np.abs(x) < 20]) <= max(1.0, np.abs(x).max()))
    d = RK.derivative_array(np.array([0.0, 0.3, 1.0]), RK.ACTIVATION_CODES["hard_sigmoid"])
    np.testing.assert_array_equal(d, [0.0, 0.2, 0.0])


# -- gradients (float64 finite differences) -----------------------------------

GRAD_CASES = RNN_CASES + [
    (LSTM, dict(activation="relu", recurrent_activation="sigmoid")),
    (LSTM, dict(activation="linear", recurrent_activation="tanh", return_sequences=True)),
    (GRU, dict(activation="sigmoid", recurrent_activation="relu")),
    (GRU, dict(activation="relu", recurrent_activation="linear", reset_after=True)),
    (LSTM, dict(return_state=True)),
    (LSTM, dict(return_state=True, return_sequences=True, go_backwards=True)),
    (GRU, dict(return_state=True)),
    (GRU, dict(return_state=True, reset_after=True, return_sequences=True)),
    (LSTM, dict(zero_output_for_mask=True, return_sequences=True)),
]


@pytest.mark.parametrize("cls,kwargs", GRAD_CASES)
@pytest.mark.parametrize("masked", [False, True])
def test_gradients(cls, kwargs, masked, rng):
    layer = make(cls, 3, **kwargs)
    layer.build((None, 5, 2))
    random_weights(layer, rng)
    x = rng.normal(size=(3, 5, 2))
    check_layer_gradients(layer, x, mask=masks(3, 5) if masked else None)


@pytest.mark.parametrize("cls,kwargs", [(LSTM, {}), (GRU, {}), (GRU, dict(reset_after=True)),
                                        (LSTM, dict(return_sequences=True, go_backwards=True))])
def test_dropout_gradients_and_reference(cls, kwargs, rng):
    """Dropout masks are drawn once per batch and reused at every step (fixed here)."""
    layer = make(cls, 3, dropout=0.3, recurrent_dropout=0.4, **kwargs)
    layer.build((None, 4, 2))
    random_weights(layer, rng)
    x = rng.normal(size=(2, 4, 2))
    fixed = {2: (rng.random((2, 2)) > 0.3) / 0.7, 3: (rng.random((2, 3)) > 0.4) / 0.6}
    layer._dropout_mask = lambda rate, shape, dtype: fixed[shape[1]].astype(dtype)
    check_layer_gradients(layer, x, training=True)
    seq, h, _ = reference_rnn(layer, x, dmask=fixed[2], rmask=fixed[3])
    y = layer.forward(x, training=True)
    np.testing.assert_allclose(y, seq if layer.return_sequences else h, rtol=1e-10, atol=1e-12)
    # inference uses no dropout
    seq0, h0, _ = reference_rnn(layer, x)
    np.testing.assert_allclose(layer.forward(x), seq0 if layer.return_sequences else h0,
                               rtol=1e-10, atol=1e-12)


def test_dropout_draws_fresh_masks_in_training(rng):
    layer = LSTM(3, dropout=0.5, seed=1)
    layer.build((None, 4, 2))
    x = rng.normal(size=(8, 4, 2)).astype(np.float32)
    a, b = layer.forward(x, training=True), layer.forward(x, training=True)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(layer.forward(x), layer.forward(x))


BIDI_CASES = [
    (LSTM, dict(), "concat"),
    (LSTM, dict(return_sequences=True), "concat"),
    (GRU, dict(return_sequences=True), "sum"),
    (GRU, dict(reset_after=True), "mul"),
    (LSTM, dict(return_sequences=True), "ave"),
    (GRU, dict(), None),
    (LSTM, dict(return_state=True), "concat"),
]


@pytest.mark.parametrize("cls,kwargs,merge", BIDI_CASES)
@pytest.mark.parametrize("masked", [False, True])
def test_bidirectional_gradients_and_reference(cls, kwargs, merge, masked, rng):
    layer = Bidirectional(cls(3, **kwargs), merge_mode=merge)
    layer.build((None, 5, 2))
    random_weights(layer, rng)
    x = rng.normal(size=(3, 5, 2))
    mask = masks(3, 5) if masked else None
    check_layer_gradients(layer, x, mask=mask)
    fw_seq, fw_h, fw_c = reference_rnn(layer.forward_layer, x, mask)
    bw_seq, bw_h, bw_c = reference_rnn(layer.backward_layer, x, mask)
    if layer.return_sequences:
        yf, yb = fw_seq, bw_seq[:, ::-1]
    else:
        yf, yb = fw_h, bw_h
    expected = {"concat": lambda: np.concatenate([yf, yb], -1), "sum": lambda: yf + yb,
                "mul": lambda: yf * yb, "ave": lambda: (yf + yb) / 2,
                None: lambda: [yf, yb]}[merge]()
    out = layer.forward(x, mask=mask)
    if kwargs.get("return_state"):
        np.testing.assert_allclose(out[0], expected, rtol=1e-10, atol=1e-12)
        for got, want in zip(out[1:], [fw_h, fw_c, bw_h, bw_c]):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    elif merge is None:
        for got, want in zip(out, expected):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    else:
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def test_stacked_layers_gradients(rng):
    """LSTM(return_sequences) -> GRU(return_sequences) -> LSTM, chained by hand."""
    layers = [LSTM(4, return_sequences=True), GRU(3, return_sequences=True, reset_after=True),
              LSTM(2)]
    shape = (None, 5, 3)
    for layer in layers:
        layer.build(shape)
        shape = layer.compute_output_shape(shape)
        layer.set_weights([rng.normal(scale=0.5, size=w.shape) for w in layer.get_weights()])
        for i, w in enumerate(layer._weights):
            layer._weights[i] = w.astype(np.float64)
    x = rng.normal(size=(2, 5, 3))
    mask = masks(2, 5)
    g = rng.normal(size=(2, 2))

    def run():
        y = x
        for layer in layers:
            y = layer.forward(y, mask=mask)
        return y

    def scalar():
        return float(np.sum(run() * g))

    run()
    grad = g
    for layer in reversed(layers):
        grad = layer.backward(grad)
    analytic = [[w.copy() for w in layer.grads] for layer in layers]
    np.testing.assert_allclose(grad, numeric_gradient(scalar, x), rtol=1e-5, atol=1e-8)
    for layer, grads in zip(layers, analytic):
        for w, gw in zip(layer._weights, grads):
            np.testing.assert_allclose(gw, numeric_gradient(scalar, w), rtol=1e-5, atol=1e-8)


# -- masking semantics ---------------------------------------------------------

def test_masked_steps_carry_previous_output(rng):
    layer = LSTM(3, return_sequences=True)
    layer.build((None, 6, 2))
    x = rng.normal(size=(2, 6, 2)).astype(np.float32)
    mask = np.array([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]], dtype=bool)
    y = layer.forward(x, mask=mask)
    np.testing.assert_array_equal(y[0, :2], 0.0)              # pre-padding: the initial state
    np.testing.assert_array_equal(y[1, 4], y[1, 3])            # post-padding: carried
    np.testing.assert_array_equal(y[1, 5], y[1, 3])
    # the padded steps change nothing: same result as the unpadded sequences
    last = LSTM(3)
    last.build((None, 6, 2))
    last.set_weights(layer.get_weights())
    np.testing.assert_allclose(last.forward(x, mask=mask)[0], last.forward(x[:1, 2:])[0],
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(last.forward(x, mask=mask)[1], last.forward(x[1:, :4])[0],
                               rtol=1e-6, atol=1e-7)
    zero = LSTM(3, return_sequences=True, zero_output_for_mask=True)
    zero.build((None, 6, 2))
    zero.set_weights(layer.get_weights())
    np.testing.assert_array_equal(zero.forward(x, mask=mask)[1, 4:], 0.0)


def test_compute_mask():
    mask = np.ones((2, 4), dtype=bool)
    assert LSTM(3, return_sequences=True).compute_mask(None, mask) is mask
    assert LSTM(3).compute_mask(None, mask) is None
    assert GRU(3, return_state=True).compute_mask(None, mask) == [None, None]
    assert Bidirectional(GRU(2, return_sequences=True)).compute_mask(None, mask) is mask
    assert Bidirectional(GRU(2)).compute_mask(None, mask) is None


# -- shapes, weights, configuration -------------------------------------------

def test_tutorial_shapes():
    a = LSTM(32, input_shape=(10, 64))
    b = LSTM(32, input_dim=64, input_length=10)
    for layer in (a, b):
        assert layer.batch_input_shape == (None, 10, 64)
        layer.build(layer.batch_input_shape)
        assert layer.output_shape == (None, 32)
    shape = (None, 10, 64)
    stack = [LSTM(64, input_dim=64, input_length=10, return_sequences=True),
             LSTM(32, return_sequences=True), LSTM(10)]
    for layer, expected in zip(stack, [(None, 10, 64), (None, 10, 32), (None, 10)]):
        layer.build(shape)
        shape = layer.output_shape
        assert shape == expected
    x = np.random.default_rng(0).normal(size=(3, 10, 64)).astype(np.float32)
    for layer in stack:
        x = layer.forward(x)
    assert x.shape == (3, 10)


def test_tutorial_shapes_in_sequential():
    models = pytest.importorskip("textembed.models")
    model = models.Sequential()
    model.add(LSTM(32, input_shape=(10, 64)))
    assert model.output_shape == (None, 32)
    model = models.Sequential()
    model.add(LSTM(32, input_dim=64, input_length=10))
    assert model.output_shape == (None, 32)
    model = models.Sequential()
    model.add(LSTM(64, input_dim=64, input_length=10, return_sequences=True))
    model.add(LSTM(32, return_sequences=True))
    model.add(LSTM(10))
    assert model.output_shape == (None, 10)
    x = np.random.default_rng(0).normal(size=(4, 10, 64)).astype(np.float32)
    assert model.predict(x).shape == (4, 10)


def test_weight_layout():
    lstm = LSTM(5)
    lstm.build((None, 7, 3))
    assert [w.shape for w in lstm.get_weights()] == [(3, 20), (5, 20), (20,)]
    assert lstm.weight_names == ["kernel", "recurrent_kernel", "bias"]
    bias = lstm.get_weights()[2]
    np.testing.assert_array_equal(bias[5:10], 1.0)            # unit_forget_bias: f block
    np.testing.assert_array_equal(np.delete(bias, range(5, 10)), 0.0)
    no_forget = LSTM(5, unit_forget_bias=False)
    no_forget.build((None, 7, 3))
    np.testing.assert_array_equal(no_forget.get_weights()[2], 0.0)
    rec = lstm.get_weights()[1]
    np.testing.assert_allclose(rec @ rec.T, np.eye(5), atol=1e-5)  # orthonormal rows
    gru = GRU(5)
    gru.build((None, 7, 3))
    assert [w.shape for w in gru.get_weights()] == [(3, 15), (5, 15), (15,)]
    gru2 = GRU(5, reset_after=True)
    gru2.build((None, 7, 3))
    assert [w.shape for w in gru2.get_weights()] == [(3, 15), (5, 15), (2, 15)]
    assert lstm.count_params() == 3 * 20 + 5 * 20 + 20
    with pytest.raises(ValueError, match="recurrent_kernel"):
        lstm.set_weights([np.zeros((3, 20)), np.zeros((5, 15)), np.zeros(20)])
    with pytest.raises(ValueError, match="expects 3 weight arrays"):
        lstm.set_weights([np.zeros((3, 20))])


def test_bidirectional_weights_order_and_names(rng):
    layer = Bidirectional(GRU(2, reset_after=True, name="g"))
    layer.build((None, 4, 3))
    assert layer.weight_names == ["forward_g/kernel", "forward_g/recurrent_kernel",
                                  "forward_g/bias", "backward_g/kernel",
                                  "backward_g/recurrent_kernel",
                                  "backward_g/bias"]
    assert layer.sublayers() == [layer.forward_layer, layer.backward_layer]
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    new = [rng.normal(size=w.shape) for w in layer.get_weights()]
    layer.set_weights(new)
    for got, want in zip(layer.forward_layer.get_weights() + layer.backward_layer.get_weights(),
                         new):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert layer.count_params() == 2 * (3 * 6 + 2 * 6 + 12)
    assert layer.output_shape == (None, 4)
    assert len(layer.grads) == 6 and layer.trainable_indices() == list(range(6))


@pytest.mark.parametrize("factory,n_weights", [
    (lambda: LSTM(3, return_sequences=True, dropout=0.1, kernel_regularizer="l2"), 3),
    (lambda: GRU(3, reset_after=True, go_backwards=True, recurrent_constraint="max_norm"), 3),
    (lambda: GRU(3, use_bias=False, activation="relu"), 2),
    (lambda: Bidirectional(LSTM(3, return_sequences=True), merge_mode="sum"), 6),
])
def test_contract(factory, n_weights):
    check_layer_contract(factory, (None, 4, 2),
                         lambda b: np.random.default_rng(b).normal(size=(b, 4, 2))
                         .astype(np.float32), n_weights)


def test_config_round_trip_through_get_class():
    layer = Bidirectional(GRU(4, reset_after=True, return_sequences=True), merge_mode="ave")
    config = json.loads(json.dumps(layer.get_config()))
    clone = get_class("Bidirectional").from_config(config)
    assert clone.merge_mode == "ave" and clone.forward_layer.reset_after
    clone.build((None, 3, 2))
    assert clone.output_shape == (None, 3, 4)
    lstm = LSTM(3, return_state=True, unit_forget_bias=False)
    clone = get_class("LSTM").from_config(json.loads(json.dumps(lstm.get_config())))
    assert clone.return_state and not clone.unit_forget_bias
    assert clone.compute_output_shape((None, 5, 2)) == [(None, 3), (None, 3), (None, 3)]


def test_keras1_spellings():
    layer = LSTM(output_dim=4, inner_activation="sigmoid", dropout_W=0.2, dropout_U=0.1,
                 input_dim=3, input_length=6)
    assert (layer.units, layer.recurrent_activation, layer.dropout, layer.recurrent_dropout) == \
        (4, "sigmoid", 0.2, 0.1)
    assert layer.batch_input_shape == (None, 6, 3)


def test_regularizers_and_constraints_apply(rng):
    layer = LSTM(3, kernel_regularizer="l2", recurrent_constraint="non_neg")
    layer.build((None, 4, 2))
    random_weights(layer, rng)
    penalty = layer.regularization_penalty()
    assert penalty == pytest.approx(0.01 * float(np.sum(layer.get_weights()[0].astype(
        np.float64) ** 2)), rel=1e-5)
    layer.apply_constraints()
    assert (layer.get_weights()[1] >= 0).all()


def test_activity_regularizer_gradient(rng):
    """The penalty l2 * sum(y**2) adds 2 * l2 * y to the output gradient."""
    layer = GRU(3, activity_regularizer="l2", return_sequences=True)
    plain = GRU(3, return_sequences=True)
    for each in (layer, plain):
        each.build((None, 4, 2))
    random_weights(layer, rng)
    plain.set_weights(layer.get_weights())
    x = rng.normal(size=(2, 4, 2)).astype(np.float32)
    g = rng.normal(size=(2, 4, 3)).astype(np.float32)
    y = layer.forward(x)
    assert layer.activity_penalty == pytest.approx(0.01 * float(np.sum(y.astype(np.float64) ** 2)),
                                                   rel=1e-5)
    dx = layer.backward(g)
    plain.forward(x)
    np.testing.assert_allclose(dx, plain.backward(g + 0.02 * y), rtol=1e-5, atol=1e-7)
    for a, b in zip(layer.grads, plain.grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_bad_input():
    with pytest.raises(ValueError, match="valid values"):
        LSTM(3, activation="softmax")
    with pytest.raises(ValueError, match="units"):
        GRU(0)
    with pytest.raises(ValueError, match="dropout"):
        LSTM(3, dropout=1.0)
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(3), merge_mode="max")
    with pytest.raises(TypeError, match="LSTM or GRU"):
        Bidirectional(object())
    layer = LSTM(3)
    with pytest.raises(ValueError, match=r"\(batch, timesteps, features\)"):
        layer.build((None, 4))
    layer.build((None, 4, 2))
    with pytest.raises(ValueError, match="timesteps, 2"):
        layer.forward(np.zeros((1, 4, 5), dtype=np.float32))
    with pytest.raises(ValueError, match="mask of shape"):
        layer.forward(np.zeros((1, 4, 2), dtype=np.float32), mask=np.ones((1, 3), dtype=bool))
    with pytest.raises(RuntimeError, match="before forward"):
        GRU(2).backward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="stateful"):
        LSTM(2, stateful=True)


# -- Keras golden outputs -------------------------------------------------------

def _golden_names():
    if not os.path.exists(GOLDEN):
        return []
    with np.load(GOLDEN) as data:
        return sorted({key.split("/")[0] for key in data.files})


@pytest.mark.parametrize("name", _golden_names())
def test_keras_golden(name):
    with np.load(GOLDEN) as data:
        spec = json.loads(str(data[f"{name}/config"]))
        x = data[f"{name}/x"]
        mask = data[f"{name}/mask"] if f"{name}/mask" in data.files else None
        weights = [data[f"{name}/w{i}"] for i in range(len([k for k in data.files
                                                             if k.startswith(f"{name}/w")]))]
        outputs = [data[f"{name}/y{i}"] for i in range(spec["n_outputs"])]
    if spec["inner"] is None:
        layer = get_class(spec["class"])(**spec["kwargs"])
    else:
        inner = get_class(spec["inner"]["class"])(**spec["inner"]["kwargs"])
        layer = Bidirectional(inner, **spec["kwargs"])
    layer.build((None,) + x.shape[1:])
    layer.set_weights(weights)
    y = layer.forward(x, mask=mask)
    ys = y if isinstance(y, list) else [y]
    assert len(ys) == len(outputs)
    for got, want in zip(ys, outputs):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=name)
