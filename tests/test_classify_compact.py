"""classify.compact: int8 tables with column scales, and the feature cutoff."""
import numpy as np
import pytest

from classifytest import make_data
from textembed.classify.compact import cutoff, dequantize_arrays, is_quantized, quantize_arrays
from textembed.classify.model import TextClassifier
from textembed.io import InputError


def test_quantize_round_trip():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(1000, 3)).astype(np.float32)
    small = rng.normal(size=(4, 2)).astype(np.float32)
    arrays = {"table": table, "small": small, "keys": np.arange(5), "flag": np.array(True)}
    stored = quantize_arrays(arrays)
    assert stored["table"].dtype == np.int8 and stored["table__scale"].shape == (3,)
    assert stored["small"].dtype == np.float16 and stored["keys"].dtype == np.int64
    assert is_quantized(stored) and not is_quantized(arrays)
    back = dequantize_arrays(stored)
    assert set(back) == set(arrays) and back["table"].dtype == np.float32
    # within half a step of each column's scale (its largest magnitude / 127)
    step = np.abs(table).max(axis=0) / 127
    assert (np.abs(back["table"] - table) <= step / 2 + 1e-7).all()
    np.testing.assert_allclose(back["small"], small, rtol=1e-3)
    zeros = quantize_arrays({"z": np.zeros((300, 2), np.float32)})
    np.testing.assert_array_equal(dequantize_arrays(zeros)["z"], 0)


def test_cutoff_keeps_the_heaviest_features():
    texts, labels = make_data(400, 3)
    clone = TextClassifier(verbose=0, seed=1).fit(texts, labels)
    weights = np.abs(clone.model.members[0].state()["weights"]).max(axis=1)
    keys = clone.model.features.keys
    kept = cutoff(clone.model, 50)
    assert len(kept) == 50 and clone.model.features.n_features == 50
    np.testing.assert_array_equal(clone.model.features.keys, keys[kept])
    assert weights[kept].min() >= np.sort(weights)[-50] - 1e-6
    for member in clone.model.members:
        assert all(np.ndim(v) < 2 or len(v) == 50 for v in member.state().values())
    assert cutoff(clone.model, 10 ** 6).size == 50     # nothing more to cut


def test_compact_model_saves_small_and_predicts_as_saved(tmp_path):
    texts, labels = make_data(400, 3)
    test_texts, test_labels = make_data(100, 4)
    model = TextClassifier(verbose=0, seed=1).fit(texts, labels)
    model.save(tmp_path / "full")
    full_size = (tmp_path / "full" / "model.npz").stat().st_size
    model.compact(cutoff=40, texts=texts, labels=labels)
    assert model.metrics_["quantized"] and model.metrics_["cutoff"] == 40
    model.save(tmp_path / "small")
    assert (tmp_path / "small" / "model.npz").stat().st_size < full_size / 2
    loaded = TextClassifier.load(tmp_path / "small")
    np.testing.assert_allclose(loaded.predict_proba(test_texts),
                               model.predict_proba(test_texts), rtol=1e-5, atol=1e-6)
    assert loaded.score(test_texts, test_labels) > 0.95
    network = TextClassifier("gru", verbose=0, epochs=1, embed_dim=4, units=4)
    network.fit(texts[:50], labels[:50])
    with pytest.raises(InputError, match="quantize and cutoff apply to the bag"):
        network.compact()
