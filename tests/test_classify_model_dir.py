"""The model directory: files, atomic replacement, refusal without force, loading."""
import json
import os

import numpy as np
import pytest

from textembed.classify.model import TextClassifier
from textembed.classify.model_dir import is_model_dir
from textembed.io import InputError

NET_BAG = "embedding-bag"


def test_save_load_round_trip(fitted, data, tmp_path):
    test_texts, _ = data[1]
    out = tmp_path / "model"
    fitted.save(out)
    assert is_model_dir(out)
    names = sorted(os.listdir(out))
    assert names == sorted(["model.npz", "tokenizer.json", "labels.json", "preprocessing.json",
                            "metrics.json"])
    assert json.loads((out / "labels.json").read_text()) == fitted.classes_
    settings = json.loads((out / "preprocessing.json").read_text())
    assert settings["arch"] == "embedding-bag" and settings["maxlen"] == fitted.metrics_["maxlen"]
    assert json.loads((out / "tokenizer.json").read_text())["class_name"] == "Tokenizer"
    loaded = TextClassifier.load(out)
    assert loaded.classes_ == fitted.classes_ and loaded.arch == "embedding-bag"
    np.testing.assert_array_equal(loaded.predict_proba(test_texts),
                                  fitted.predict_proba(test_texts))
    assert loaded.metrics_["test_accuracy"] == fitted.metrics_["test_accuracy"]
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]


def test_save_refuses_existing_paths_without_force(fitted, tmp_path):
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not a textembed model directory.*force"):
        fitted.save(other)
    assert (other / "keep.txt").read_text() == "mine"
    model_dir = tmp_path / "m"
    fitted.save(model_dir)
    with pytest.raises(InputError, match="already exists.*force"):
        fitted.save(model_dir)
    fitted.save(model_dir, force=True)
    assert is_model_dir(model_dir)
    fitted.save(other, force=True)
    assert is_model_dir(other) and not (other / "keep.txt").exists()
    assert sorted(n for n in os.listdir(tmp_path)) == ["m", "notes"]


def test_load_of_a_non_model_dir(tmp_path):
    with pytest.raises(InputError, match="not a textembed model directory"):
        TextClassifier.load(tmp_path)
    with pytest.raises(InputError, match="no such directory"):
        TextClassifier.load(tmp_path / "missing")
    assert not is_model_dir(tmp_path) and not is_model_dir(tmp_path / "missing")


def test_format_1_directories_still_load(fitted, data, tmp_path):
    """A model saved before format 2 (no kind; its "bag" was the embedding-bag network,
    without calibration) loads and predicts the network's own probabilities."""
    test_texts, _ = data[1]
    fitted.save(tmp_path / "m")
    settings_path = tmp_path / "m" / "preprocessing.json"
    settings = json.loads(settings_path.read_text())
    for key in ("multilabel", "calibration"):
        settings.pop(key, None)
    settings.update(format_version=1, arch="bag")
    settings_path.write_text(json.dumps(settings))
    old = TextClassifier.load(tmp_path / "m")
    assert old.arch == "embedding-bag" and old.kind == "network" and not old.multilabel_
    raw = old.model.predict(old.backend.inputs(test_texts))
    np.testing.assert_allclose(old.predict_proba(test_texts), raw, rtol=1e-5, atol=1e-6)
