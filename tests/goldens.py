"""The Keras reference values in tests/golden/*.npz (written by scripts/make_golden_*.py).

* core.npz: ``<kind>/<name>/<array>`` for kind layer (Dense, Embedding),
  loss, opt and train, each with a JSON ``config``;
* conv.npz: ``<name>/<array>`` for convolution and pooling layers, and the
  Kim CNN block as ``kim_cnn:<array>``;
* recurrent.npz: ``<name>/<array>`` for LSTM, GRU and Bidirectional.
"""
import json
import os

import numpy as np

FOLDER = os.path.join(os.path.dirname(__file__), "golden")


def load(filename):
    """The arrays of ``golden/<filename>`` (an NpzFile; empty when the file is missing)."""
    path = os.path.join(FOLDER, filename)
    return np.load(path) if os.path.exists(path) else {}


def config(data, key):
    """The JSON config stored as ``key`` (uint8 bytes in core.npz, a str array elsewhere)."""
    value = data[key]
    text = bytes(value).decode("utf-8") if value.dtype == np.uint8 else str(value)
    return json.loads(text)


CORE = load("core.npz")


def core_names(kind, class_name=None):
    """Names of the core.npz cases of ``kind`` (and, for layers, of ``class_name``)."""
    names = sorted({key.split("/")[1] for key in getattr(CORE, "files", [])
                    if key.startswith(kind + "/")})
    if class_name is None:
        return names
    return [name for name in names
            if config(CORE, f"{kind}/{name}/config")["class_name"] == class_name]


def layer_names(filename, class_names, field="class_name"):
    """Names of the cases in ``filename`` whose config ``field`` is one of ``class_names``.

    recurrent.npz keeps the class in ``class`` (Bidirectional's inner layer in ``inner``).
    """
    data = load(filename)
    names = sorted({key.split("/")[0] for key in getattr(data, "files", []) if "/" in key})
    return [name for name in names if config(data, f"{name}/config")[field] in class_names]


def check_conv_golden(name):
    """The layer of case ``name`` in conv.npz gives Keras' output for Keras' weights."""
    from textembed.layers import get_class
    with np.load(os.path.join(FOLDER, "conv.npz")) as data:
        spec = json.loads(str(data[f"{name}/config"]))
        x = data[f"{name}/x"]
        weights = [data[k] for k in sorted(k for k in data.files if k.startswith(f"{name}/w"))]
        mask = data[f"{name}/mask"] if f"{name}/mask" in data.files else None
        expected = data[f"{name}/y"]
    layer = get_class(spec["class_name"])(**spec["kwargs"])
    layer.build((None,) + x.shape[1:])
    layer.set_weights(weights)
    y = layer.forward(x, mask=mask)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def check_recurrent_golden(name):
    """The layer of case ``name`` in recurrent.npz gives Keras' outputs for Keras' weights."""
    from textembed.layers import Bidirectional, get_class
    with np.load(os.path.join(FOLDER, "recurrent.npz")) as data:
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
