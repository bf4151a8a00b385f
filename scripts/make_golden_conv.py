"""Write tests/golden/conv.npz: Keras outputs of convolution and pooling layers.

For each configuration, the file holds the input ``<name>/x``, the weights
``<name>/w0``, ``<name>/w1`` (as Keras' ``get_weights()`` returns them, which
is also textembed's layout), an optional mask ``<name>/mask`` and Keras'
output ``<name>/y``; ``<name>/config`` is the JSON of the layer arguments
(class name and keyword arguments, identical in Keras and textembed).
tests/test_layers_conv.py, test_layers_pooling.py and test_layers_merge.py build
the same textembed layer, set the weights and compare, so the test suite needs neither Keras nor PyTorch.

Needs keras 3 and torch (bench/reference only):
    KERAS_BACKEND=torch python scripts/make_golden_conv.py
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import keras  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "conv.npz")

# (name, class, kwargs, input shape without batch, batch)
CONFIGS = [
    ("conv1d_valid", "Conv1D", dict(filters=4, kernel_size=3), (9, 5)),
    ("conv1d_same_stride2", "Conv1D", dict(filters=3, kernel_size=4, strides=2, padding="same",
                                           activation="tanh"), (10, 4)),
    ("conv1d_same_dilation2", "Conv1D", dict(filters=3, kernel_size=3, dilation_rate=2,
                                             padding="same", activation="relu"), (11, 3)),
    ("conv1d_causal", "Conv1D", dict(filters=2, kernel_size=3, padding="causal",
                                     dilation_rate=2), (8, 3)),
    ("conv1d_stride3_nobias", "Conv1D", dict(filters=5, kernel_size=2, strides=3,
                                             use_bias=False), (11, 2)),
    ("conv1d_channels_first", "Conv1D", dict(filters=3, kernel_size=3, padding="same",
                                             data_format="channels_first"), (4, 7)),
    ("conv2d_valid", "Conv2D", dict(filters=4, kernel_size=(3, 2)), (6, 5, 3)),
    ("conv2d_same_stride2", "Conv2D", dict(filters=3, kernel_size=(4, 3), strides=(2, 3),
                                           padding="same", activation="sigmoid"), (9, 10, 2)),
    ("conv2d_same_dilation", "Conv2D", dict(filters=2, kernel_size=3, dilation_rate=(2, 1),
                                            padding="same"), (8, 7, 3)),
    ("conv2d_channels_first", "Conv2D", dict(filters=4, kernel_size=3, padding="same",
                                             data_format="channels_first"), (3, 6, 5)),
    ("conv2d_channels_first_valid_stride", "Conv2D",
     dict(filters=2, kernel_size=(2, 3), strides=2, data_format="channels_first"), (3, 7, 8)),
    ("maxpool1d_default", "MaxPooling1D", dict(), (9, 3)),
    ("maxpool1d_same_stride", "MaxPooling1D", dict(pool_size=3, strides=2, padding="same"),
     (10, 2)),
    ("maxpool1d_channels_first", "MaxPooling1D", dict(pool_size=2, data_format="channels_first"),
     (3, 7)),
    ("maxpool2d_default", "MaxPooling2D", dict(), (7, 6, 3)),
    ("maxpool2d_same", "MaxPooling2D", dict(pool_size=(3, 2), strides=(2, 2), padding="same"),
     (7, 5, 2)),
    ("maxpool2d_channels_first", "MaxPooling2D", dict(pool_size=2, strides=1,
                                                       data_format="channels_first"), (2, 5, 4)),
    ("globalmax1d", "GlobalMaxPooling1D", dict(), (7, 4)),
    ("globalmax1d_channels_first", "GlobalMaxPooling1D", dict(data_format="channels_first"),
     (4, 7)),
    ("globalavg1d", "GlobalAveragePooling1D", dict(), (7, 4)),
    ("globalavg1d_masked", "GlobalAveragePooling1D", dict(), (6, 3)),
    ("globalavg1d_channels_first", "GlobalAveragePooling1D", dict(data_format="channels_first"),
     (3, 6)),
]
BATCH = 3


def main():
    rng = np.random.default_rng(20261126)
    arrays = {}
    for name, cls_name, kwargs, shape in CONFIGS:
        layer = getattr(keras.layers, cls_name)(**kwargs)
        x = rng.normal(size=(BATCH,) + shape).astype(np.float32)
        layer.build((None,) + shape)
        weights = [rng.normal(scale=0.5, size=w.shape).astype(np.float32)
                   for w in layer.get_weights()]
        layer.set_weights(weights)
        call_kwargs = {}
        if name.endswith("_masked"):
            mask = np.ones((BATCH, shape[0]), dtype=bool)
            mask[0, 4:] = False          # post-padding
            mask[1, :2] = False          # pre-padding
            arrays[f"{name}/mask"] = mask
            call_kwargs["mask"] = keras.ops.convert_to_tensor(mask)
        y = keras.ops.convert_to_numpy(layer(keras.ops.convert_to_tensor(x), **call_kwargs))
        arrays[f"{name}/x"] = x
        for i, w in enumerate(weights):
            arrays[f"{name}/w{i}"] = w
        arrays[f"{name}/y"] = y.astype(np.float32)
        arrays[f"{name}/config"] = np.array(json.dumps({"class_name": cls_name,
                                                        "kwargs": kwargs}))
        print(f"{name:40s} {str(x.shape):16s} -> {y.shape}", file=sys.stderr)
    # Kim's CNN block: three Conv1D + GlobalMaxPooling1D branches concatenated
    # (textembed: one Parallel layer). Stored under "kim_cnn:" (not a single layer).
    widths, filters, shape = (2, 3, 4), 3, (12, 5)
    inputs = keras.Input(shape)
    convs = [keras.layers.Conv1D(filters, k, activation="relu") for k in widths]
    merged = keras.layers.Concatenate()([keras.layers.GlobalMaxPooling1D()(conv(inputs))
                                         for conv in convs])
    model = keras.Model(inputs, merged)
    weights = []
    for conv in convs:
        ws = [rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in conv.get_weights()]
        conv.set_weights(ws)
        weights.extend(ws)
    x = rng.normal(size=(BATCH,) + shape).astype(np.float32)
    arrays["kim_cnn:x"] = x
    arrays["kim_cnn:y"] = keras.ops.convert_to_numpy(model(keras.ops.convert_to_tensor(x)))
    arrays["kim_cnn:widths"] = np.array(widths)
    for i, w in enumerate(weights):
        arrays[f"kim_cnn:w{i}"] = w
    print(f"{'kim_cnn':40s} {str(x.shape):16s} -> {arrays['kim_cnn:y'].shape}", file=sys.stderr)

    arrays["keras_version"] = np.array(keras.__version__)
    arrays["backend"] = np.array(keras.backend.backend())
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp = OUT + ".tmp.npz"
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, OUT)
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes, keras "
          f"{keras.__version__}, backend {keras.backend.backend()})", file=sys.stderr)


if __name__ == "__main__":
    main()
