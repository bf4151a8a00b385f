"""Parallel: branches, merges, weights and their order, masks, penalties and constraints,
the layer contract, Kim's CNN block against Keras 3, in a model that trains and is saved."""
import json
import os

import numpy as np
import pytest

from textembed import regularizers
from textembed.layers import Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, Parallel

from goldens import FOLDER
from gradcheck import check_layer_gradients
from layertest import run_layer_test

GOLDEN = os.path.join(FOLDER, "conv.npz")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def kim_branches(filters=3, widths=(2, 3, 4)):
    return [[Conv1D(filters, k, activation="tanh"), GlobalMaxPooling1D()] for k in widths]


def test_parallel_kim_cnn_shapes_and_weights():
    layer = Parallel([[Conv1D(100, k, activation="relu"), GlobalMaxPooling1D()]
                      for k in (3, 4, 5)])
    layer.build((None, 51, 300))
    assert layer.output_shape == (None, 300)
    shapes = [w.shape for w in layer.get_weights()]
    assert shapes == [(3, 300, 100), (100,), (4, 300, 100), (100,), (5, 300, 100), (100,)]
    assert layer.count_params() == 3 * 100 + 300 * 100 * 12
    assert len(layer.sublayers()) == 6
    assert layer.trainable_indices() == list(range(6))


def test_parallel_gradients_and_concat_order(rng):
    layer = Parallel(kim_branches())
    layer.build((None, 6, 3))
    x = rng.normal(size=(2, 6, 3))
    y = layer.forward(x)
    parts = []
    for branch in layer.branches:
        h = x
        for sub in branch:
            h = sub.forward(h)
        parts.append(h)
    np.testing.assert_allclose(y, np.concatenate(parts, axis=-1))
    check_layer_gradients(layer, x)


@pytest.mark.parametrize("merge", ["sum", "ave"])
def test_parallel_sum_and_average(merge, rng):
    layer = Parallel([Conv1D(2, 2, padding="same"), [Conv1D(2, 3, padding="same")]], merge=merge)
    layer.build((None, 5, 2))
    check_layer_gradients(layer, rng.normal(size=(2, 5, 2)))


def test_parallel_weights_round_trip_and_contract(rng):
    layer = run_layer_test(lambda: Parallel(kim_branches()), (None, 6, 3),
                           expected_output_shape=(None, 9), expected_num_weights=6,
                           expected_num_trainable_weights=6, supports_masking=True)
    new = [rng.normal(size=w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(new)
    assert all(np.array_equal(a, b) for a, b in zip(layer.get_weights(), new))
    np.testing.assert_array_equal(layer.branches[1][0].get_weights()[0], new[2])
    config = json.loads(json.dumps(layer.get_config()))
    clone = Parallel.from_config(config)
    assert [type(s).__name__ for s in clone.sublayers()] == [type(s).__name__
                                                             for s in layer.sublayers()]
    with pytest.raises(ValueError, match="expects 6 weight arrays"):
        layer.set_weights(new[:5])


def test_parallel_passes_the_mask_to_each_branch(rng):
    layer = Parallel([[GlobalAveragePooling1D()], [Conv1D(2, 1), GlobalAveragePooling1D()]])
    x = rng.normal(size=(2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    y = layer.forward(x, mask=mask)
    np.testing.assert_allclose(y[0, :3], x[0, :2].mean(axis=0))
    # the Conv1D drops the mask, so the second branch averages all steps
    conv = layer.branches[1][0]
    np.testing.assert_allclose(y[:, 3:], conv.forward(x).mean(axis=1), rtol=1e-5)


def test_parallel_regularizers_constraints_and_bad_input(rng):
    layer = Parallel([[Conv1D(2, 2, kernel_regularizer=regularizers.l2(0.5)),
                       GlobalMaxPooling1D()],
                      [Conv1D(2, 3, kernel_constraint="non_neg"), GlobalMaxPooling1D()]])
    layer.build((None, 5, 2))
    k0 = layer.get_weights()[0]
    assert layer.regularization_penalty() == pytest.approx(0.5 * float(np.sum(
        k0.astype(np.float64) ** 2)), rel=1e-6)
    layer.apply_constraints()
    assert (layer.get_weights()[2] >= 0).all()
    with pytest.raises(ValueError, match="cannot concatenate|differ outside"):
        Parallel([[Conv1D(2, 2)], [Conv1D(2, 3)]]).build((None, 5, 2))
    with pytest.raises(ValueError, match="merge"):
        Parallel([[Conv1D(2, 2)]], merge="product")
    with pytest.raises(TypeError, match="must be layers"):
        Parallel([["conv"]])


def test_keras_golden_kim_cnn_block():
    """Keras: three Conv1D(relu) + GlobalMaxPooling1D branches and Concatenate."""
    with np.load(GOLDEN) as data:
        x, expected = data["kim_cnn:x"], data["kim_cnn:y"]
        widths = [int(k) for k in data["kim_cnn:widths"]]
        weights = [data[f"kim_cnn:w{i}"] for i in range(2 * len(widths))]
    layer = Parallel([[Conv1D(expected.shape[1] // len(widths), k, activation="relu"),
                       GlobalMaxPooling1D()] for k in widths])
    layer.build((None,) + x.shape[1:])
    layer.set_weights(weights)
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-5, atol=1e-5)


# -- in a model: training steps lower the loss, save/load keeps the outputs ---

def _train_losses(model, x, y, steps):
    return [float(model.train_on_batch(x, y)) for _ in range(steps)]


def test_kim_cnn_trains_and_round_trips(tmp_path, rng):
    models = pytest.importorskip("textembed.models")
    from textembed.layers import Dense, Dropout, Embedding
    from textembed.initializers import RandomUniform, glorot_uniform
    model = models.Sequential()
    model.add(Embedding(40, 8, input_length=12, embeddings_initializer=RandomUniform(seed=2)))
    model.add(Parallel([[Conv1D(6, k, activation="relu", kernel_initializer=glorot_uniform(seed=k)),
                         GlobalMaxPooling1D()] for k in (2, 3, 4)]))
    model.add(Dropout(0.5, seed=1))
    model.add(Dense(2, activation="softmax", kernel_initializer=glorot_uniform(seed=5)))
    from textembed.optimizers import Adam
    model.compile(Adam(learning_rate=0.01), "sparse_categorical_crossentropy")
    assert model.output_shape == (None, 2)
    x = rng.integers(1, 40, size=(32, 12))
    y = (x == 7).any(axis=1).astype(np.int64)     # a word anywhere: what global max pooling sees
    losses = _train_losses(model, x, y, 30)
    assert losses[-1] < 0.8 * losses[0]
    path = str(tmp_path / "kim.npz")
    model.save(path)
    loaded = models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6, atol=1e-6)
