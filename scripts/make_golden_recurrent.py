"""Write tests/golden/recurrent.npz: Keras outputs of LSTM, GRU and Bidirectional layers.

For each configuration the file holds the input ``<name>/x``, the weights
``<name>/w0``, ``<name>/w1``, ... (Keras' ``get_weights()`` order and
layout, which is textembed's), an optional mask ``<name>/mask`` (bool,
(batch, time)), Keras' outputs ``<name>/y0``, ``<name>/y1``, ... (one per
output; several with return_state) and ``<name>/config``, the JSON of the
layer arguments (identical in Keras and textembed).  tests/test_layers_lstm.py,
test_layers_gru.py and test_layers_bidirectional.py build the same textembed
layer, set the weights and compare.

Keras 3's ``hard_sigmoid`` is ``relu6(x + 3) / 6`` (Keras 2: ``clip(0.2 x +
0.5, 0, 1)``), so every configuration uses ``recurrent_activation='sigmoid'``
(hard_sigmoid is tested against a numpy reference instead).  With masks and
``return_sequences``, Keras 3 on the torch backend carries the previous output
at masked steps, as Keras 2 and textembed do (``lstm_masked_seq`` checks it).

Needs keras 3 and torch (reference only):
    KERAS_BACKEND=torch python scripts/make_golden_recurrent.py
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import keras  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "recurrent.npz")
S = dict(recurrent_activation="sigmoid")

# (name, class, kwargs, inner (class, kwargs) for Bidirectional or None, (T, D), masked)
CONFIGS = [
    ("lstm", "LSTM", dict(units=4, **S), None, (5, 3), False),
    ("lstm_seq_backwards", "LSTM", dict(units=3, return_sequences=True, go_backwards=True, **S),
     None, (6, 2), False),
    ("lstm_relu_nobias", "LSTM", dict(units=3, activation="relu", use_bias=False, **S), None,
     (4, 3), False),
    ("lstm_state", "LSTM", dict(units=3, return_state=True, **S), None, (5, 2), False),
    ("lstm_masked", "LSTM", dict(units=4, **S), None, (6, 3), True),
    ("lstm_masked_seq", "LSTM", dict(units=3, return_sequences=True, **S), None, (6, 2), True),
    ("lstm_masked_backwards", "LSTM", dict(units=3, go_backwards=True, **S), None, (6, 2), True),
    ("gru_reset_after", "GRU", dict(units=4, reset_after=True, **S), None, (5, 3), False),
    ("gru_reset_before", "GRU", dict(units=4, reset_after=False, **S), None, (5, 3), False),
    ("gru_seq_backwards", "GRU", dict(units=3, reset_after=False, return_sequences=True,
                                      go_backwards=True, **S), None, (6, 2), False),
    ("gru_masked_after", "GRU", dict(units=3, reset_after=True, **S), None, (6, 2), True),
    ("gru_masked_before", "GRU", dict(units=3, reset_after=False, **S), None, (6, 2), True),
    ("gru_state", "GRU", dict(units=3, reset_after=True, return_state=True, **S), None, (4, 2),
     False),
    ("bi_lstm_concat", "Bidirectional", dict(merge_mode="concat"),
     ("LSTM", dict(units=3, **S)), (5, 2), False),
    ("bi_lstm_seq_concat", "Bidirectional", dict(merge_mode="concat"),
     ("LSTM", dict(units=3, return_sequences=True, **S)), (5, 2), False),
    ("bi_gru_sum", "Bidirectional", dict(merge_mode="sum"),
     ("GRU", dict(units=3, reset_after=False, return_sequences=True, **S)), (5, 2), False),
    ("bi_lstm_masked", "Bidirectional", dict(merge_mode="concat"),
     ("LSTM", dict(units=3, **S)), (6, 2), True),
    ("bi_gru_masked_ave", "Bidirectional", dict(merge_mode="ave"),
     ("GRU", dict(units=2, reset_after=True, **S)), (6, 2), True),
]
BATCH = 4


def make_mask(rng, steps):
    """Pre-padded rows, post-padded rows and a full row, each with at least one real step."""
    mask = np.ones((BATCH, steps), dtype=bool)
    mask[0, :2] = False                 # pre-padding
    mask[1, steps - 3:] = False         # post-padding
    mask[2, : rng.integers(1, steps - 1)] = False
    return mask


def main():
    rng = np.random.default_rng(20261126)
    arrays = {}
    for name, cls_name, kwargs, inner, shape, masked in CONFIGS:
        if inner is None:
            layer = getattr(keras.layers, cls_name)(**kwargs)
        else:
            layer = keras.layers.Bidirectional(getattr(keras.layers, inner[0])(**inner[1]),
                                               **kwargs)
        x = rng.normal(size=(BATCH,) + shape).astype(np.float32)
        layer.build((None,) + shape)
        weights = [rng.normal(scale=0.6, size=w.shape).astype(np.float32)
                   for w in layer.get_weights()]
        layer.set_weights(weights)
        call = {}
        if masked:
            mask = make_mask(rng, shape[0])
            call["mask"] = keras.ops.convert_to_tensor(mask)
            arrays[f"{name}/mask"] = mask
        out = layer(keras.ops.convert_to_tensor(x), **call)
        outs = out if isinstance(out, (list, tuple)) else [out]
        arrays[f"{name}/x"] = x
        for i, w in enumerate(weights):
            arrays[f"{name}/w{i}"] = w
        for i, y in enumerate(outs):
            arrays[f"{name}/y{i}"] = keras.ops.convert_to_numpy(y).astype(np.float32)
        spec = {"class": cls_name, "kwargs": kwargs,
                "inner": None if inner is None else {"class": inner[0], "kwargs": inner[1]},
                "n_outputs": len(outs)}
        arrays[f"{name}/config"] = np.array(json.dumps(spec))
    tmp = OUT + ".tmp.npz"
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, OUT)
    print(f"wrote {len(CONFIGS)} configurations to {os.path.normpath(OUT)} "
          f"(keras {keras.__version__}, backend {keras.backend.backend()})")


if __name__ == "__main__":
    main()
