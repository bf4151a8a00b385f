"""Conv1D and Conv2D: an independent loop reference, gradients, the sparse backward path,
shapes, Keras 1 spellings, the layer contract, Keras 3 reference outputs, a model that trains."""
import numpy as np
import pytest

from textembed import regularizers
from textembed.layers import (Conv1D, Conv2D, Convolution1D, Convolution2D, GlobalMaxPooling1D,
                              MaxPooling2D, Parallel, get_class)

from goldens import check_conv_golden, layer_names
from gradcheck import check_layer_gradients
from layertest import run_layer_test


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# -- an independent reference: the convolution written as loops -------------

def reference_conv2d(x, kernel, bias, strides, padding, dilation):
    """Direct convolution of x (B, H, W, C) (channels_last) in float64, Keras' padding rules."""
    B, H, W, C = x.shape
    kh, kw, _, F = kernel.shape
    (sh, sw), (dh, dw) = strides, dilation
    ekh, ekw = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if padding == "valid":
        oh, ow, top, left = (H - ekh) // sh + 1, (W - ekw) // sw + 1, 0, 0
    elif padding == "causal":          # 1D only: H == 1
        oh, ow, top, left = 1, W, 0, ekw - 1
    else:
        oh, ow = -(-H // sh), -(-W // sw)
        top = max((oh - 1) * sh + ekh - H, 0) // 2
        left = max((ow - 1) * sw + ekw - W, 0) // 2
    out = np.zeros((B, oh, ow, F))
    for b in range(B):
        for r in range(oh):
            for c in range(ow):
                for i in range(kh):
                    for j in range(kw):
                        rr, cc = r * sh - top + i * dh, c * sw - left + j * dw
                        if 0 <= rr < H and 0 <= cc < W:
                            out[b, r, c] += x[b, rr, cc] @ kernel[i, j]
    if bias is not None:
        out += bias
    return out


def reference_conv(layer, x):
    """The reference output of a built Conv1D/Conv2D layer for input x (its data format)."""
    w = layer.get_weights()
    kernel = w[0].astype(np.float64)
    bias = w[1] if layer.use_bias else None
    x = np.asarray(x, dtype=np.float64)
    if layer.data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    if layer.rank == 1:
        out = reference_conv2d(x[:, None], kernel[None], bias, (1,) + layer.strides,
                               layer.padding, (1,) + layer.dilation_rate)[:, 0]
    else:
        out = reference_conv2d(x, kernel, bias, layer.strides, layer.padding, layer.dilation_rate)
    if layer.data_format == "channels_first":
        out = np.moveaxis(out, -1, 1)
    return out


CONV1D_CASES = [
    dict(filters=3, kernel_size=3),
    dict(filters=2, kernel_size=4, padding="same"),
    dict(filters=2, kernel_size=3, padding="same", strides=2),
    dict(filters=3, kernel_size=2, strides=3, use_bias=False),
    dict(filters=2, kernel_size=3, dilation_rate=2),
    dict(filters=2, kernel_size=2, dilation_rate=3, padding="same"),
    dict(filters=2, kernel_size=3, dilation_rate=2, padding="causal"),
    dict(filters=2, kernel_size=3, padding="same", data_format="channels_first"),
    dict(filters=2, kernel_size=2, strides=2, padding="same", dilation_rate=2,
         data_format="channels_first", use_bias=False),
]


CONV2D_CASES = [
    dict(filters=2, kernel_size=(2, 3)),
    dict(filters=2, kernel_size=3, padding="same"),
    dict(filters=2, kernel_size=(2, 3), strides=(2, 1), padding="same"),
    dict(filters=3, kernel_size=2, strides=2, use_bias=False),
    dict(filters=2, kernel_size=2, dilation_rate=(2, 1), padding="same"),
    dict(filters=2, kernel_size=(3, 2), dilation_rate=2),
    dict(filters=2, kernel_size=3, padding="same", data_format="channels_first"),
    dict(filters=2, kernel_size=(2, 2), strides=(1, 2), padding="valid",
         data_format="channels_first", use_bias=False),
]


def _conv_input_shape(layer, spatial, channels):
    if layer.data_format == "channels_last":
        return (None,) + spatial + (channels,)
    return (None, channels) + spatial


def _random_bias(layer, rng):
    """Non-zero bias so the bias path is exercised."""
    if layer.use_bias:
        w = layer.get_weights()
        w[1] = rng.normal(size=w[1].shape).astype(np.float32)
        layer.set_weights(w)


@pytest.mark.parametrize("kwargs", CONV1D_CASES)
def test_conv1d_matches_reference_and_gradients(kwargs, rng):
    layer = Conv1D(**kwargs)
    shape = _conv_input_shape(layer, (8,), 3)
    layer.build(shape)
    _random_bias(layer, rng)
    x = rng.normal(size=(2,) + shape[1:])
    y = layer.forward(x.astype(np.float32))
    assert y.dtype == np.float32
    assert y.shape == layer.compute_output_shape((2,) + shape[1:])
    np.testing.assert_allclose(y, reference_conv(layer, x), rtol=1e-4, atol=1e-5)
    check_layer_gradients(layer, x)


@pytest.mark.parametrize("kwargs", CONV2D_CASES)
def test_conv2d_matches_reference_and_gradients(kwargs, rng):
    layer = Conv2D(**kwargs)
    shape = _conv_input_shape(layer, (5, 6), 2)
    layer.build(shape)
    _random_bias(layer, rng)
    x = rng.normal(size=(2,) + shape[1:])
    y = layer.forward(x.astype(np.float32))
    assert y.dtype == np.float32
    assert y.shape == layer.compute_output_shape((2,) + shape[1:])
    np.testing.assert_allclose(y, reference_conv(layer, x), rtol=1e-4, atol=1e-5)
    check_layer_gradients(layer, x)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "elu", "softmax"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_activations_gradients(activation, data_format, rng):
    layer = Conv1D(3, 2, padding="same", activation=activation, data_format=data_format)
    shape = (None, 5, 2) if data_format == "channels_last" else (None, 2, 5)
    layer.build(shape)
    _random_bias(layer, rng)
    x = rng.normal(size=(2,) + shape[1:])
    if activation == "relu":
        x += np.sign(x) * 0.05      # stay off the kink
    check_layer_gradients(layer, x)
    layer2 = Conv2D(2, (2, 2), padding="same", activation=activation, data_format=data_format)
    shape2 = (None, 3, 4, 2) if data_format == "channels_last" else (None, 2, 3, 4)
    layer2.build(shape2)
    check_layer_gradients(layer2, rng.normal(size=(2,) + shape2[1:]))


def test_conv_softmax_acts_on_the_last_axis_of_the_output(rng):
    # Keras applies the activation to the output tensor as laid out: channels_first
    # softmax normalises over the last (spatial) axis.
    layer = Conv1D(3, 2, activation="softmax", data_format="channels_first")
    layer.build((None, 2, 6))
    y = layer.forward(rng.normal(size=(2, 2, 6)).astype(np.float32))
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-5)


# -- shapes, legacy spellings and the tutorial -------------------------------

def test_tutorial_convolution2d_example():
    layer = Convolution2D(64, 3, 3, border_mode="same", input_shape=(3, 32, 32))
    layer.build(layer.batch_input_shape)
    assert layer.output_shape == (None, 64, 32, 32)
    assert layer.get_weights()[0].shape == (3, 3, 3, 64)
    assert int(np.prod(layer.output_shape[1:])) == 65536


def test_tutorial_convolution2d_example_in_sequential():
    models = pytest.importorskip("textembed.models")
    from textembed.layers import Flatten
    model = models.Sequential()
    model.add(Convolution2D(64, 3, 3, border_mode="same", input_shape=(3, 32, 32)))
    assert model.output_shape == (None, 64, 32, 32)
    model.add(Flatten())
    assert model.output_shape == (None, 65536)


def test_keras2_conv2d_defaults_to_channels_last():
    layer = Conv2D(64, (3, 3), padding="same")
    layer.build((None, 32, 32, 3))
    assert layer.data_format == "channels_last"
    assert layer.output_shape == (None, 32, 32, 64)
    assert Conv2D(8, 3, 3, dim_ordering="tf").data_format == "channels_last"
    assert Conv2D(8, 3, 3).kernel_size == (3, 3)


def test_keras1_keywords():
    layer = Convolution1D(nb_filter=5, filter_length=3, border_mode="same", subsample_length=2,
                          input_dim=4, input_length=9, init="he_uniform", bias=False,
                          W_regularizer=regularizers.l2(0.1))
    layer.build(layer.batch_input_shape)
    assert layer.output_shape == (None, 5, 5)
    assert len(layer.get_weights()) == 1
    assert layer.kernel_regularizer.l2 == 0.1
    c2 = Convolution2D(nb_filter=4, nb_row=2, nb_col=3, subsample=(2, 2), border_mode="valid")
    c2.build((None, 1, 6, 7))
    assert c2.output_shape == (None, 4, 3, 3)


@pytest.mark.parametrize("layer, in_shape, out_shape", [
    (lambda: Conv1D(100, 3), (None, 51, 300), (None, 49, 100)),
    (lambda: Conv1D(7, 4, strides=3, padding="same"), (None, 10, 2), (None, 4, 7)),
    (lambda: Conv1D(7, 3, padding="causal", dilation_rate=4), (None, 10, 2), (None, 10, 7)),
    (lambda: Conv2D(5, (3, 5), strides=(2, 3), dilation_rate=1), (None, 9, 17, 2),
     (None, 4, 5, 5)),
    (lambda: Conv2D(5, 3, dilation_rate=2, padding="valid"), (None, 9, 9, 1), (None, 5, 5, 5)),
])
def test_output_shapes(layer, in_shape, out_shape):
    layer = layer()
    layer.build(in_shape)
    assert layer.output_shape == out_shape
    assert layer.compute_output_shape(in_shape) == out_shape


def test_aliases():
    assert Convolution1D is Conv1D and Convolution2D is Conv2D


# -- bad input ----------------------------------------------------------------

def test_bad_arguments_and_shapes():
    with pytest.raises(ValueError, match="padding"):
        Conv1D(2, 3, padding="full")
    with pytest.raises(ValueError, match="padding"):
        Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="kernel_size"):
        Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="data_format"):
        Conv1D(2, 3, data_format="nhwc")
    with pytest.raises(ValueError, match="filters"):
        Conv1D(0, 3)
    layer = Conv1D(2, 5, name="narrow")
    with pytest.raises(ValueError, match="narrow.*smaller than the kernel"):
        layer.build((None, 4, 3))
    layer = Conv1D(2, 3, name="c1")
    with pytest.raises(ValueError, match="c1.*3 axes"):
        layer.build((None, 4, 3, 2))
    layer.build((None, 6, 3))
    with pytest.raises(ValueError, match="c1.*3 input channels"):
        layer.forward(np.zeros((2, 6, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="weight 0 .kernel. has shape"):
        layer.set_weights([np.zeros((3, 3, 3)), np.zeros(2)])
    with pytest.raises(RuntimeError, match="before forward"):
        Conv1D(2, 3).backward(np.zeros((1, 1, 2)))


def test_conv_drops_the_mask(rng):
    layer = Conv1D(2, 3)
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    mask = np.ones((2, 5), dtype=bool)
    mask[0, 3:] = False
    np.testing.assert_array_equal(layer.forward(x, mask=mask), layer.forward(x))
    assert layer.compute_mask(x, mask) is None


# -- activity regularizer -----------------------------------------------------

def test_conv_activity_regularizer(rng):
    plain = Conv1D(2, 2, padding="same")
    plain.build((None, 4, 3))
    reg = Conv1D(2, 2, padding="same", activity_regularizer=regularizers.l2(0.3))
    reg.build((None, 4, 3))
    reg.set_weights(plain.get_weights())
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    y = reg.forward(x)
    plain.forward(x)
    assert reg.activity_penalty == pytest.approx(0.3 * float(np.sum(y.astype(np.float64) ** 2)),
                                                 rel=1e-5)
    g = rng.normal(size=y.shape).astype(np.float32)
    # linear activation: the penalty's gradient 0.6 * y simply adds to the upstream gradient
    np.testing.assert_allclose(reg.backward(g), plain.backward(g + 0.6 * y), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(reg.grads[0], plain.grads[0], rtol=1e-5, atol=1e-6)


# -- the layer contract -------------------------------------------------------

@pytest.mark.parametrize("factory, shape, output_shape, n_weights", [
    (lambda: Conv1D(4, 3, padding="same", activation="relu",
                    kernel_regularizer=regularizers.l1_l2(0.01, 0.02),
                    kernel_constraint="max_norm", bias_initializer="ones"), (None, 6, 3),
     (None, 6, 4), 2),
    (lambda: Conv1D(4, 3, use_bias=False, data_format="channels_first", dilation_rate=2),
     (None, 3, 7), (None, 4, 3), 1),
    (lambda: Conv2D(3, (2, 3), strides=(1, 2), padding="same", activation="tanh"),
     (None, 5, 6, 2), (None, 5, 3, 3), 2),
    (lambda: Convolution2D(4, 3, 3, border_mode="same"), (None, 2, 5, 5), (None, 4, 5, 5), 2),
])
def test_conv_contract(factory, shape, output_shape, n_weights):
    layer = run_layer_test(factory, shape, expected_output_shape=output_shape,
                           expected_num_weights=n_weights,
                           expected_num_trainable_weights=n_weights, supports_masking=False)
    clone = get_class(type(layer).__name__).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


# -- golden outputs from Keras 3 ------------------------------------------------

@pytest.mark.parametrize("name", layer_names("conv.npz", ("Conv1D", "Conv2D")))
def test_conv_matches_keras(name):
    check_conv_golden(name)


def test_golden_file_is_present():
    assert len(layer_names("conv.npz", ("Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D",
                                        "GlobalMaxPooling1D", "GlobalAveragePooling1D"))) >= 20


# -- the sparse backward path (output gradient mostly zeros) ------------------

@pytest.mark.parametrize("factory, shape", [
    (lambda: Conv1D(4, 3, activation="relu"), (20, 3)),
    (lambda: Conv1D(3, 2, strides=2, dilation_rate=2, padding="same",
                    data_format="channels_first"), (3, 24)),
    (lambda: Conv2D(3, (2, 3), strides=(2, 1), padding="same", dilation_rate=1), (8, 9, 2)),
    (lambda: Conv2D(2, 3, dilation_rate=2, use_bias=False), (9, 8, 2)),
])
def test_sparse_backward_matches_dense(factory, shape, rng, monkeypatch):
    from textembed.layers import conv as conv_module
    layer = factory()
    layer.build((None,) + shape)
    x = rng.normal(size=(2,) + shape).astype(np.float32)
    y = layer.forward(x)
    g = rng.normal(size=y.shape).astype(np.float32) * (rng.random(y.shape) < 0.04)
    results = []
    for ratio in (0, 10 ** 9):          # never sparse, always sparse
        monkeypatch.setattr(conv_module, "_SPARSE_BACKWARD_RATIO", ratio)
        layer.forward(x)
        dx = layer.backward(g)
        results.append([dx] + [w.copy() for w in layer.grads])
    for dense, sparse in zip(*results):
        np.testing.assert_allclose(sparse, dense, rtol=1e-4, atol=1e-5)


def test_conv_then_global_max_pooling_gradients_use_the_sparse_path(rng, monkeypatch):
    from textembed.layers import conv as conv_module
    calls = []
    original = conv_module.conv_backward_sparse
    monkeypatch.setattr(conv_module, "conv_backward_sparse",
                        lambda *args: calls.append(1) or original(*args))
    layer = Parallel([[Conv1D(3, k, activation="relu"), GlobalMaxPooling1D()] for k in (2, 3)])
    layer.build((None, 30, 2))
    check_layer_gradients(layer, rng.normal(size=(2, 30, 2)))
    assert calls


# -- in a model: training steps lower the loss ---------------------------------

def _train_losses(model, x, y, steps):
    return [float(model.train_on_batch(x, y)) for _ in range(steps)]


def test_conv2d_pooling_model_trains(rng):
    models = pytest.importorskip("textembed.models")
    from textembed.layers import Dense, Flatten
    from textembed.initializers import glorot_uniform
    from textembed.optimizers import RMSprop
    model = models.Sequential()
    model.add(Conv2D(4, 3, padding="same", activation="relu", input_shape=(6, 6, 2),
                     kernel_initializer=glorot_uniform(seed=3)))
    model.add(MaxPooling2D())
    model.add(Flatten())
    model.add(Dense(1, activation="sigmoid", kernel_initializer=glorot_uniform(seed=4)))
    model.compile(RMSprop(learning_rate=0.01), "binary_crossentropy")
    assert model.output_shape == (None, 1)
    x = rng.normal(size=(16, 6, 6, 2)).astype(np.float32)
    y = (x[:, :3, :3, 0].sum(axis=(1, 2)) > 0).astype(np.float32)[:, None]
    losses = _train_losses(model, x, y, 20)
    assert losses[-1] < 0.8 * losses[0]
