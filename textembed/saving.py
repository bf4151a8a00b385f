"""Saving and loading a :class:`textembed.models.Sequential` (as ``keras.saving``).

A saved model is one ``.npz`` file: ``config``, a UTF-8 JSON document (format
name and version, layer class names and configs, input shape, compile
settings) stored as a uint8 array, and ``weight_<i>``, the arrays of
``get_weights()``. No pickles.
"""
import json
import zipfile

import numpy as np

from . import losses as losses_module
from . import optimizers as optimizers_module
from ._version import __version__
from .io import atomic_output
from .layers import get_class

FORMAT = "textembed.Sequential"
FORMAT_VERSION = 2  # 2: tables of mostly zero rows may be stored by their nonzero rows
SPARSE_SHARE = 0.5  # a 2-D weight with fewer nonzero rows than this share is stored sparse


def _sparse(i, w):
    """The arrays that store weight ``i``: itself, or (for a 2-D weight whose rows are
    mostly zero) its nonzero rows' numbers and values."""
    if w.ndim == 2 and w.shape[0] > 1:
        rows = np.flatnonzero(np.any(w != 0, axis=1))
        if rows.size < SPARSE_SHARE * w.shape[0]:
            return {f"rows_{i}": rows.astype(np.int64), f"values_{i}": w[rows],
                    f"shape_{i}": np.array(w.shape, np.int64)}
    return {f"weight_{i}": w}


def _weight(data, i):
    if f"weight_{i}" in data.files:
        return data[f"weight_{i}"]
    values = data[f"values_{i}"]
    w = np.zeros(tuple(data[f"shape_{i}"]), values.dtype)
    w[data[f"rows_{i}"]] = values
    return w


def save_model(model, path):
    """Write ``model`` (config, weights, compile settings) to one .npz file, atomically.
    A table whose rows are mostly zero is stored by its nonzero rows."""
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built yet (its input shape is "
                         f"unknown); call build(input_shape) or fit/predict first")
    config = {"format": FORMAT, "format_version": FORMAT_VERSION,
              "textembed_version": __version__, **model.get_config(),
              "input_shape": list(model.input_shape)}
    weights = model.get_weights()
    config["n_weights"] = len(weights)
    if model.loss is not None:
        config["compile"] = {"optimizer": optimizers_module.serialize(model.optimizer),
                             "loss": losses_module.serialize(model.loss),
                             "metrics": list(model.metrics)}
    arrays = {"config": np.frombuffer(json.dumps(config).encode("utf-8"), dtype=np.uint8)}
    for i, w in enumerate(weights):
        arrays.update(_sparse(i, w))
    if not any(name.startswith("rows_") for name in arrays):
        config["format_version"] = 1  # readable by textembed before version 2
        arrays["config"] = np.frombuffer(json.dumps(config).encode("utf-8"), dtype=np.uint8)
    with atomic_output(str(path), "wb") as out:
        np.savez(out, **arrays)


def load_model(path):
    """A :class:`Sequential` from a file written by ``Sequential.save`` (compiled if it was).

    The optimizer comes back with its configuration but fresh slots (momenta and
    accumulators are not saved) and a step count of 0.
    """
    from .models import Sequential  # here, not at the top: models imports this module

    not_a_model = f"{path}: not a textembed saved model"
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{not_a_model} ({error})") from None
    if not isinstance(data, np.lib.npyio.NpzFile) or "config" not in data.files:
        raise ValueError(f"{not_a_model} (no model config in the file)")
    with data:
        try:
            config = json.loads(bytes(data["config"].astype(np.uint8)).decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError(f"{not_a_model} (unreadable config: {error})") from None
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise ValueError(f"{not_a_model} (unknown format)")
        if config.get("format_version", 0) > FORMAT_VERSION:
            raise ValueError(f"{path}: saved with format version {config['format_version']} by "
                             f"a newer textembed; this one reads version {FORMAT_VERSION}")
        model = Sequential(name=config.get("name"))
        for spec in config["layers"]:
            model.add(get_class(spec["class_name"]).from_config(spec["config"]))
        if not model.built:
            model.build(tuple(config["input_shape"]))
        missing = [i for i in range(config["n_weights"]) if f"weight_{i}" not in data.files
                   and f"values_{i}" not in data.files]
        if missing:
            raise ValueError(f"{not_a_model} (weight arrays missing: {missing[:5]})")
        model.set_weights([_weight(data, i) for i in range(config["n_weights"])])
    settings = config.get("compile")
    if settings:
        model.compile(optimizer=optimizers_module.get(settings["optimizer"]),
                      loss=settings["loss"], metrics=settings["metrics"])
    return model
