"""textembed.saving: Sequential.save and load_model, a round trip with compile settings,
the input shape of a deferred model, and files that are not models."""
import os

import numpy as np
import pytest

from textembed import models, optimizers, saving
from textembed.layers import Dense, Dropout, Embedding, Flatten
from textembed.models import Sequential
from textembed.saving import load_model

from modeltest import separable_ids


def test_save_and_load_round_trip(tmp_path):
    x, y = separable_ids(100)
    model = Sequential([Embedding(31, 4, input_length=6, mask_zero=True), Flatten(),
                        Dropout(0.2), Dense(5, activation="relu", kernel_regularizer="l2"),
                        Dense(3, activation="softmax")], name="roundtrip")
    model.compile(optimizers.Adam(learning_rate=0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "model.npz"
    model.save(path)
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert [type(layer).__name__ for layer in loaded.layers] == \
        ["Embedding", "Flatten", "Dropout", "Dense", "Dense"]
    assert loaded.name == "roundtrip" and loaded.layers[0].mask_zero
    assert isinstance(loaded.optimizer, optimizers.Adam) and loaded.optimizer.learning_rate == 0.01
    assert loaded.loss.name == "sparse_categorical_crossentropy" and loaded.metrics == ["accuracy"]
    assert loaded.evaluate(x, y) == pytest.approx(model.evaluate(x, y), rel=1e-6)


def test_tables_of_mostly_zero_rows_are_stored_by_their_rows(tmp_path):
    model = Sequential([Embedding(1000, 4, input_length=3), Flatten(), Dense(2)])
    model.build((None, 3))
    table, kernel, bias = model.get_weights()
    table[10:] = 0.0  # 10 nonzero rows of 1,000
    model.set_weights([table, kernel, bias])
    model.save(tmp_path / "sparse.npz")
    with np.load(tmp_path / "sparse.npz") as stored:
        assert "weight_0" not in stored.files and stored["rows_0"].tolist() == list(range(10))
        assert "weight_1" in stored.files
    loaded = load_model(tmp_path / "sparse.npz")
    for got, want in zip(loaded.get_weights(), [table, kernel, bias]):
        np.testing.assert_array_equal(got, want)
    table[:600] = 1.0  # mostly nonzero: stored whole, in the format version 1 files had
    model.set_weights([table, kernel, bias])
    model.save(tmp_path / "dense.npz")
    with np.load(tmp_path / "dense.npz") as stored:
        assert "weight_0" in stored.files
        assert bytes(stored["config"]).find(b'"format_version": 1') > 0
    np.testing.assert_array_equal(load_model(tmp_path / "dense.npz").get_weights()[0], table)


def test_deferred_model_saves_its_input_shape(tmp_path):
    model = Sequential([Dense(2)])
    x = np.ones((3, 4), dtype=np.float32)
    expected = model.predict(x)
    model.save(tmp_path / "m.npz")
    np.testing.assert_array_equal(load_model(tmp_path / "m.npz").predict(x), expected)
    with pytest.raises(ValueError, match="not built"):
        Sequential([Dense(2)]).save(tmp_path / "n.npz")


def test_load_model_rejects_other_files(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    npz = tmp_path / "arrays.npz"
    np.savez(npz, a=np.zeros(3))
    npy = tmp_path / "array.npy"
    np.save(npy, np.zeros(3))
    for path in (text, npz, npy):
        with pytest.raises(ValueError, match="not a textembed saved model"):
            load_model(path)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.npz")


def test_load_model_is_importable_from_models():
    assert models.load_model is saving.load_model
