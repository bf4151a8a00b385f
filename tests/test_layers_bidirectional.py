"""Bidirectional: gradients and the numpy reference for every merge mode, masks, weights and
their order, the layer contract, the configuration, Keras 3 reference outputs."""
import json

import numpy as np
import pytest

from textembed.layers import GRU, LSTM, Bidirectional, get_class

from goldens import check_recurrent_golden, layer_names
from gradcheck import check_layer_gradients
from layertest import run_layer_test
from recurrent_reference import masks, random_weights, reference_rnn


@pytest.fixture
def rng():
    return np.random.default_rng(4321)


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


def test_bidirectional_compute_mask():
    mask = np.ones((2, 4), dtype=bool)
    assert Bidirectional(GRU(2, return_sequences=True)).compute_mask(None, mask) is mask
    assert Bidirectional(GRU(2)).compute_mask(None, mask) is None


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


def test_bidirectional_contract():
    run_layer_test(lambda: Bidirectional(LSTM(3, return_sequences=True), merge_mode="sum"),
                   (None, 4, 2), expected_output_shape=(None, 4, 3), expected_num_weights=6,
                   expected_num_trainable_weights=6, supports_masking=True)


def test_bidirectional_config_round_trip_through_get_class():
    layer = Bidirectional(GRU(4, reset_after=True, return_sequences=True), merge_mode="ave")
    config = json.loads(json.dumps(layer.get_config()))
    clone = get_class("Bidirectional").from_config(config)
    assert clone.merge_mode == "ave" and clone.forward_layer.reset_after
    clone.build((None, 3, 2))
    assert clone.output_shape == (None, 3, 4)


def test_bidirectional_bad_input():
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(3), merge_mode="max")
    with pytest.raises(TypeError, match="LSTM or GRU"):
        Bidirectional(object())


@pytest.mark.parametrize("name", layer_names("recurrent.npz", ("Bidirectional",), field="class"))
def test_bidirectional_matches_keras(name):
    check_recurrent_golden(name)
