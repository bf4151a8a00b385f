"""Sequential: the tutorial's examples, training (and Keras 3 reference steps), gradients
through the model, and bad input (saving and loading: test_saving.py)."""
import os

import numpy as np
import pytest

from textembed import initializers, optimizers
from textembed.layers import (ActivityRegularization, Dense, Dropout, Embedding, Flatten, Layer,
                              RepeatVector, Reshape)
from textembed.models import Sequential
from textembed.regularizers import Regularizer

from goldens import CORE, config, core_names
from gradcheck import as_float64, numeric_gradient
from modeltest import separable_ids

SEED = int(os.environ.get("TEXTEMBED_TEST_SEED", "0"))


# -- the tutorial's examples, as written there -----------------------------------------

def test_tutorial_repeat_vector():
    model = Sequential()
    model.add(Dense(32, input_dim=32))
    assert model.output_shape == (None, 32)
    model.add(RepeatVector(3))
    assert model.output_shape == (None, 3, 32)


def test_tutorial_reshape():
    model = Sequential()
    model.add(Reshape((3, 4), input_shape=(12,)))
    assert model.output_shape == (None, 3, 4)
    model.add(Reshape((6, 2)))
    assert model.output_shape == (None, 6, 2)
    model.add(Reshape((-1, 2, 2)))
    assert model.output_shape == (None, 3, 2, 2)


def test_tutorial_embedding():
    model = Sequential()
    model.add(Embedding(1000, 64, input_length=10))
    assert model.output_shape == (None, 10, 64)
    input_array = np.random.randint(1000, size=(32, 10))
    model.compile('rmsprop', 'mse')
    output_array = model.predict(input_array)
    assert output_array.shape == (32, 10, 64)


def test_tutorial_flatten_after_conv2d():
    from textembed.layers import Convolution2D
    model = Sequential()
    model.add(Convolution2D(64, 3, 3, border_mode='same', input_shape=(3, 32, 32)))
    assert model.output_shape == (None, 64, 32, 32)
    model.add(Flatten())
    assert model.output_shape == (None, 65536)


# -- structure ----------------------------------------------------------------------------

def test_summary_table():
    model = Sequential([Embedding(100, 8, input_length=5, name="emb"), Flatten(name="flat"),
                        Dense(3, activation="softmax", name="out")], name="clf")
    model.layers[0].trainable = False
    text = model.summary(print_fn=None)
    assert 'Model: "clf"' in text
    assert "emb (Embedding)" in text and "(None, 5, 8)" in text and "800" in text
    assert "out (Dense)" in text and "(None, 3)" in text and "123" in text
    assert "Total params: 923" in text
    assert "Trainable params: 123" in text and "Non-trainable params: 800" in text
    lines = []
    assert model.summary(print_fn=lines.append) is None and "\n".join(lines) == text


def test_pop_removes_the_last_layer():
    model = Sequential([Dense(4, input_dim=3), Dense(2)])
    assert model.pop().units == 2 and model.output_shape == (None, 4)
    model.pop()
    with pytest.raises(IndexError):
        model.pop()


def test_deferred_build_from_the_first_array():
    model = Sequential([Dense(4, activation="relu"), Dense(2)])
    assert model.output_shape is None
    out = model.predict(np.ones((5, 3), dtype=np.float32))
    assert out.shape == (5, 2) and model.input_shape == (None, 3)


def test_shape_mismatch_at_add_names_layer_and_shapes():
    model = Sequential([Dense(4, input_dim=3)])
    wrong = Dense(2, name="wrong")
    wrong.build((None, 5))
    with pytest.raises(ValueError, match=r"'wrong'.*\(None, 5\).*\(None, 4\)"):
        model.add(wrong)
    with pytest.raises(ValueError, match=r"'rs'.*\(None, 4\).*\(3, 3\)"):
        model.add(Reshape((3, 3), name="rs"))
    with pytest.raises(ValueError, match=r"'rv'.*\(None, 3, 4\)"):
        Sequential([Reshape((3, 4), input_shape=(12,)), RepeatVector(2, name="rv")])
    with pytest.raises(ValueError, match=r"'d3'.*\(None, 7\).*\(None, 4\)"):
        model.add(Dense(1, input_dim=7, name="d3"))


def test_input_shape_mismatch_at_predict():
    model = Sequential([Embedding(50, 4, input_length=10)])
    with pytest.raises(ValueError, match=r"\(None, 10\).*\(32, 11\)"):
        model.predict(np.zeros((32, 11), dtype=int))


def test_weights_round_trip_and_bad_set_weights():
    model = Sequential([Dense(3, input_dim=2), Dense(1)])
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(2, 3), (3,), (3, 1), (1,)]
    model.set_weights([w + 1 for w in weights])
    np.testing.assert_array_equal(model.get_weights()[2], weights[2] + 1)
    with pytest.raises(ValueError, match="has 4 weight arrays, got 3"):
        model.set_weights(weights[:3])
    with pytest.raises(ValueError, match=r"kernel.*\(3, 1\).*\(3, 2\)"):
        model.set_weights(weights[:2] + [np.zeros((3, 2)), weights[3]])


# -- gradients through the whole model ----------------------------------------------------

def model_gradients(model, x, y):
    """Gradients the model applies, read back from one SGD(lr=1) step on float64 weights."""
    weights = [w for layer in model.layers for w in layer.weights]
    before = [w.copy() for w in weights]
    model.train_on_batch(x, y)
    grads = [b - w for b, w in zip(before, weights)]
    for w, b in zip(weights, before):
        w[...] = b
    return grads


@pytest.mark.parametrize("loss, activation", [("categorical_crossentropy", "softmax"),
                                              ("sparse_categorical_crossentropy", "softmax"),
                                              ("binary_crossentropy", "sigmoid"),
                                              ("mse", "tanh")])
def test_model_gradient_matches_finite_differences(loss, activation):
    """Loss + weight and activity penalties; the fused crossentropy gradient where it applies."""
    rng = np.random.default_rng(3)
    # seeded weights, the same on every run (unseeded, a failure could not be replayed)
    model = Sequential([
        Embedding(7, 3, input_length=4, embeddings_regularizer=Regularizer(l2=0.01),
                  embeddings_initializer=initializers.RandomUniform(seed=SEED)),
        Flatten(), ActivityRegularization(l1=0.01, l2=0.02),
        Dense(5, activation="tanh", kernel_regularizer=Regularizer(l1=0.01, l2=0.03),
              activity_regularizer=Regularizer(l2=0.01),
              kernel_initializer=initializers.glorot_uniform(seed=SEED)),
        Dense(3, activation=activation, bias_regularizer="l2",
              kernel_initializer=initializers.glorot_uniform(seed=SEED + 1))])
    for layer in model.layers:
        as_float64(layer)
    model.compile(optimizers.SGD(learning_rate=1.0), loss)
    x = rng.integers(0, 7, size=(6, 4))
    if loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, 3, size=6)
    elif loss == "categorical_crossentropy":
        y = np.eye(3)[rng.integers(0, 3, size=6)]
    else:
        y = rng.integers(0, 2, size=(6, 3)).astype(np.float64)
    assert model._fused() == (loss != "mse")
    grads = model_gradients(model, x, y)
    weights = [w for layer in model.layers for w in layer.weights]
    for i, (w, g) in enumerate(zip(weights, grads)):
        expected = numeric_gradient(lambda: model.test_on_batch(x, y), w)
        np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-8, err_msg=f"weight {i}")


# -- training ---------------------------------------------------------------------------------

def test_embedding_model_learns_a_separable_problem():
    x, y = separable_ids()
    model = Sequential([Embedding(31, 8, input_length=6,
                                  embeddings_initializer=initializers.RandomUniform(seed=SEED)),
                        Flatten(),
                        Dense(3, activation="softmax",
                              kernel_initializer=initializers.glorot_uniform(seed=SEED))])
    model.compile(optimizers.Adam(learning_rate=0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=8, verbose=0, seed=0,
                        validation_split=0.2)
    assert history.history["accuracy"][-1] > 0.95
    assert history.history["val_accuracy"][-1] > 0.95
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, accuracy = model.evaluate(x, y)
    assert accuracy > 0.95 and loss == pytest.approx(model.test_on_batch(x, y)[0], rel=1e-5)


def test_mlp_learns_with_each_optimizer():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 4)).astype(np.float32)
    score = x[:, 0] + 0.5 * x[:, 1]
    x = x[np.abs(score) > 0.2][:400]  # a margin between the classes
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.float32)[:, None]
    # Keras 2's Adadelta (lr=1.0) starts with steps of about sqrt(epsilon): it needs more epochs
    for optimizer, epochs in [(optimizers.SGD(0.5, momentum=0.5), 6), (optimizers.RMSprop(0.01), 6),
                              (optimizers.Adam(0.02), 6), (optimizers.Adagrad(0.3), 6),
                              (optimizers.Adadelta(), 40)]:
        model = Sequential([Dense(8, activation="relu", input_dim=4,
                                  kernel_initializer=initializers.glorot_uniform(seed=SEED)),
                            Dropout(0.1, seed=0),
                            Dense(1, activation="sigmoid",
                                  kernel_initializer=initializers.glorot_uniform(seed=SEED + 1))])
        model.compile(optimizer, "binary_crossentropy", metrics=["acc"])
        history = model.fit(x, y, epochs=epochs, verbose=0, seed=1)
        assert set(history.history) == {"loss", "acc"}
        assert history.history["acc"][-1] > 0.9, type(optimizer).__name__
        assert model.evaluate(x, y)[1] > 0.95, type(optimizer).__name__


def test_train_on_batch_and_frozen_embedding():
    matrix = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    model = Sequential([Embedding.from_pretrained(matrix, freeze=True, input_length=2),
                        Flatten(), Dense(1, kernel_constraint="non_neg")])
    model.compile("sgd", "mse", metrics=["accuracy"])
    x = np.array([[1, 2], [3, 4]])
    result = model.train_on_batch(x, np.ones((2, 1)))
    assert isinstance(result, list) and len(result) == 2
    np.testing.assert_array_equal(model.get_weights()[0], matrix)
    assert np.all(model.get_weights()[1] >= 0)  # the constraint ran after the step


def test_masks_flow_through_the_stack():
    seen = []

    class Probe(Layer):
        supports_masking = True

        def forward(self, inputs, training=False, mask=None):
            seen.append(mask)
            return inputs

        def backward(self, grad_output):
            return grad_output

    model = Sequential([Embedding(10, 2, mask_zero=True, input_length=3), Dropout(0.5),
                        Probe()])
    x = np.array([[1, 0, 2], [0, 0, 3]])
    model.predict(x)
    np.testing.assert_array_equal(seen[-1], x != 0)


def test_regularization_penalties_are_in_the_loss():
    model = Sequential([Dense(2, input_dim=3, kernel_regularizer=Regularizer(l2=0.5)),
                        ActivityRegularization(l1=0.1)])
    model.compile("sgd", "mse")
    x = np.ones((4, 3), dtype=np.float32)
    y = np.zeros((4, 2), dtype=np.float32)
    out = model.predict(x)
    kernel = model.get_weights()[0].astype(np.float64)
    expected = np.mean(out.astype(np.float64) ** 2) + 0.5 * np.sum(kernel ** 2) \
        + 0.1 * np.abs(out).sum()
    assert model.evaluate(x, y) == pytest.approx(expected, rel=1e-5)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_in_training_stops_with_epoch_and_batch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32) * 100
    model = Sequential([Dense(1, input_dim=3)])
    model.compile(optimizers.SGD(learning_rate=1e6), "mse")
    with pytest.raises(FloatingPointError, match=r"epoch \d+, batch \d+"):
        model.fit(x, rng.normal(size=(64, 1)), batch_size=8, epochs=20, verbose=0)


def test_bad_training_input():
    model = Sequential([Dense(2, input_dim=3, activation="softmax")])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="unknown optimizer 'fast'.*adam"):
        model.compile("fast", "mse")
    with pytest.raises(ValueError, match="unknown loss 'hinge'.*categorical_crossentropy"):
        model.compile("adam", "hinge")
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        model.compile("adam", "mse", metrics=["f1"])
    model.compile("adam", "categorical_crossentropy")
    x = np.zeros((4, 3), dtype=np.float32)
    x[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN or inf \(sample 2\)"):
        model.fit(x, np.zeros((4, 2)), verbose=0)
    with pytest.raises(ValueError, match=r"targets have shape \(1, 3\).*\(1, 2\)"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 3)), verbose=0)
    with pytest.raises(ValueError, match="same number of samples"):
        model.fit(np.zeros((4, 3)), np.zeros((5, 2)), verbose=0)
    with pytest.raises(ValueError, match=r"id 50 is out of range"):
        Sequential([Embedding(50, 2)]).predict(np.array([[1, 50]]))


@pytest.mark.parametrize("name", core_names("train"))
def test_training_steps_match_keras(name):
    spec = config(CORE, f"train/{name}/config")
    model = Sequential([Embedding(30, 5, input_length=6), Flatten(),
                        Dense(8, activation="relu"), Dense(3, activation="softmax")])
    n = len(model.get_weights())
    model.set_weights([CORE[f"train/{name}/w_before_{i}"] for i in range(n)])
    model.compile(optimizers.get(spec["optimizer"]), spec["loss"])
    x, y = CORE[f"train/{name}/x"], CORE[f"train/{name}/y"]
    first = model.train_on_batch(x[0], y[0])
    assert first == pytest.approx(CORE[f"train/{name}/losses"][0], rel=1e-5)
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, CORE[f"train/{name}/w_step1_{i}"], rtol=1e-4, atol=1e-6,
                                   err_msg=f"weight {i} after one step")
    model.train_on_batch(x[1], y[1])
    after = model.get_weights()
    expected = [CORE[f"train/{name}/w_after_{i}"] for i in range(n)]
    # Embedding rows of batch 1 that batch 2 does not use: Keras (dense update) moves them
    # again with their momentum; textembed's lazy sparse update leaves them as after step 1.
    only_first = np.setdiff1d(np.unique(x[0]), np.unique(x[1]))
    assert only_first.size  # the golden data exercises the difference
    if spec["optimizer"]["class_name"] == "Adam":
        expected[0] = expected[0].copy()
        expected[0][only_first] = CORE[f"train/{name}/w_step1_0"][only_first]
    for i, (w, e) in enumerate(zip(after, expected)):
        np.testing.assert_allclose(w, e, rtol=1e-4, atol=1e-6, err_msg=f"weight {i}")


def test_progress_output_only_when_verbose(capsys):
    x = np.ones((40, 3), dtype=np.float32)
    y = np.zeros((40, 1), dtype=np.float32)
    model = Sequential([Dense(1, input_dim=3, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    history = model.fit(x, y, epochs=2, verbose=1, validation_data=(x, y))
    err = capsys.readouterr().err
    assert "Epoch 1/2" in err and "Epoch 2/2" in err and "val_loss" in err and "accuracy" in err
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    model.fit(x, y, epochs=2, verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[1].startswith("Epoch 2/2 - loss: ")


def test_predict_does_not_depend_on_batch_size():
    rng = np.random.default_rng(0)
    model = Sequential([Embedding(40, 3, input_length=5), Flatten(), Dense(2)])
    x = rng.integers(0, 40, size=(23, 5))
    np.testing.assert_allclose(model.predict(x, batch_size=4), model.predict(x, batch_size=32),
                               rtol=1e-6)
    assert model.predict(x[:0]).shape == (0, 2)
