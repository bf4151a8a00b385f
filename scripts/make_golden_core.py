"""Write tests/golden/core.npz: Keras reference values for the core layers, Embedding,
the losses, the optimizers and whole training steps of a small Sequential model.

Keys (all float32/float64/int arrays; ``<name>/config`` is a JSON string stored
as a uint8 array with the layer / optimizer / loss arguments, identical in
Keras and textembed):

* ``layer/<name>/{config,x,w0,w1,y}``: one layer, its weights and its output
  (``mask`` too for Embedding with mask_zero);
* ``loss/<name>/{y_true,y_pred,value}``: Keras' per-sample loss values;
* ``opt/<name>/{config,w0,g,w}``: a weight after two ``apply_gradients`` steps
  with the gradients ``g[0]``, ``g[1]`` (only optimizers whose Keras 3 formula
  is Keras 2's: SGD, momentum, nesterov, Adam, Adadelta; Keras 3 moved
  RMSprop's epsilon inside the square root and starts Adagrad's accumulator at
  0.1, textembed keeps Keras 2's formulas);
* ``train/<name>/{config,x,y,w_before_<i>,w_step1_<i>,w_after_<i>,losses}``: a
  Sequential Embedding -> Flatten -> Dense(relu) -> Dense(softmax) model trained
  for two ``train_on_batch`` steps (``losses[0]`` is the first step's loss).

Not included: ``hard_sigmoid`` (Keras 3 changed it to ``relu6(x + 3) / 6``;
textembed keeps Keras 2's ``clip(0.2 x + 0.5, 0, 1)``).

The tests of the layers, losses, optimizers and models (test_layers_core.py,
test_layers_embedding.py, test_losses.py, test_optimizers.py, test_models.py)
compare with them, so the suite needs neither Keras nor torch.

Needs keras 3 and torch (reference only):
    KERAS_BACKEND=torch python scripts/make_golden_core.py
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import keras  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "core.npz")
rng = np.random.default_rng(2024)
arrays = {}


def put(key, value):
    arrays[key] = np.asarray(value)


def put_json(key, value):
    arrays[key] = np.frombuffer(json.dumps(value).encode("utf-8"), dtype=np.uint8)


def numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


LAYERS = [
    ("dense_2d_tanh", "Dense", dict(units=3, activation="tanh"), (4, 5), "float"),
    ("dense_3d_softmax", "Dense", dict(units=4, activation="softmax"), (2, 3, 5), "float"),
    ("dense_relu_nobias", "Dense", dict(units=6, activation="relu", use_bias=False), (5, 3),
     "float"),
    ("dense_sigmoid", "Dense", dict(units=2, activation="sigmoid"), (3, 7), "float"),
    ("embedding", "Embedding", dict(input_dim=20, output_dim=4), (3, 6), "int"),
    ("embedding_mask_zero", "Embedding", dict(input_dim=9, output_dim=3, mask_zero=True),
     (2, 5), "int"),
]

for name, cls, kwargs, shape, kind in LAYERS:
    layer = getattr(keras.layers, cls)(**kwargs)
    if kind == "int":
        x = rng.integers(0, kwargs["input_dim"], size=shape).astype(np.int32)
        x[:, -1] = 0
    else:
        x = rng.normal(size=shape).astype(np.float32)
    layer.build((None,) + shape[1:])
    weights = [rng.normal(size=w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    put_json(f"layer/{name}/config", {"class_name": cls, "kwargs": kwargs})
    put(f"layer/{name}/x", x)
    for i, w in enumerate(weights):
        put(f"layer/{name}/w{i}", w)
    put(f"layer/{name}/y", numpy(layer(x)))
    if kwargs.get("mask_zero"):
        put(f"layer/{name}/mask", numpy(layer.compute_mask(x)))

# -- losses -------------------------------------------------------------------------------
for name, shape in [("mean_squared_error", (4, 3)), ("mean_absolute_error", (2, 3, 4)),
                    ("binary_crossentropy", (4, 3)), ("categorical_crossentropy", (5, 4)),
                    ("categorical_crossentropy_3d", (2, 3, 4)),
                    ("sparse_categorical_crossentropy", (5, 4))]:
    fn = name.replace("_3d", "")
    if "crossentropy" in fn and fn != "binary_crossentropy":
        p = rng.uniform(0.05, 1.0, size=shape)
        p[(0,) * len(shape)] = 0.0  # exercises the clipping
        ids = rng.integers(0, shape[-1], size=shape[:-1])
        y = ids if fn.startswith("sparse") else np.eye(shape[-1])[ids]
    elif fn == "binary_crossentropy":
        p = rng.uniform(0.0, 1.0, size=shape)
        p[0, 0], p[1, 1] = 0.0, 1.0
        y = rng.integers(0, 2, size=shape).astype(np.float64)
    else:
        p = rng.normal(size=shape)
        y = rng.normal(size=shape)
    p = p.astype(np.float32)
    value = numpy(getattr(keras.losses, fn)(y.astype(np.float32) if y.dtype.kind == "f" else y,
                                            p))
    put(f"loss/{name}/y_true", y)
    put(f"loss/{name}/y_pred", p)
    put(f"loss/{name}/value", value)
    put_json(f"loss/{name}/config", {"loss": fn})

# -- optimizers ---------------------------------------------------------------------------------
OPTIMIZERS = [
    ("sgd", "SGD", dict(learning_rate=0.1)),
    ("sgd_momentum", "SGD", dict(learning_rate=0.1, momentum=0.9)),
    ("sgd_nesterov", "SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    ("adam", "Adam", dict(learning_rate=0.01, epsilon=1e-7)),
    ("adam_betas", "Adam", dict(learning_rate=0.05, beta_1=0.5, beta_2=0.9, epsilon=1e-3)),
    ("adadelta", "Adadelta", dict(learning_rate=1.0, rho=0.95, epsilon=1e-7)),
]
for name, cls, kwargs in OPTIMIZERS:
    w0 = rng.normal(size=(3, 4)).astype(np.float32)
    grads = rng.normal(size=(2, 3, 4)).astype(np.float32)
    variable = keras.Variable(w0.copy())
    optimizer = getattr(keras.optimizers, cls)(**kwargs)
    for g in grads:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(g), variable)])
    put_json(f"opt/{name}/config", {"class_name": cls, "kwargs": kwargs})
    put(f"opt/{name}/w0", w0)
    put(f"opt/{name}/g", grads)
    put(f"opt/{name}/w", numpy(variable))

# -- two training steps of a small model --------------------------------------------------------
for name, optimizer_spec, loss in [
        ("sgd_sparse_cce", ("SGD", dict(learning_rate=0.5)), "sparse_categorical_crossentropy"),
        ("adam_cce", ("Adam", dict(learning_rate=0.01)), "categorical_crossentropy")]:
    model = keras.Sequential([keras.Input((6,), dtype="int32"),
                              keras.layers.Embedding(30, 5),
                              keras.layers.Flatten(),
                              keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    before = [rng.normal(scale=0.5, size=w.shape).astype(np.float32)
              for w in model.get_weights()]
    model.set_weights(before)
    model.compile(optimizer=getattr(keras.optimizers, optimizer_spec[0])(**optimizer_spec[1]),
                  loss=loss)
    x = rng.integers(0, 15, size=(2, 8, 6)).astype(np.int32)  # two batches of 8; ids < 15
    x[1] %= 10  # ids 10..14 only in the first batch (lazy vs dense Adam on Embedding rows)
    ids = rng.integers(0, 3, size=(2, 8))
    y = ids if loss.startswith("sparse") else np.eye(3)[ids].astype(np.float32)
    step_losses = [float(model.train_on_batch(x[0], y[0]))]
    for i, w in enumerate(model.get_weights()):
        put(f"train/{name}/w_step1_{i}", w)
    step_losses.append(float(model.train_on_batch(x[1], y[1])))
    put_json(f"train/{name}/config", {"optimizer": {"class_name": optimizer_spec[0],
                                                    "config": optimizer_spec[1]},
                                      "loss": loss})
    put(f"train/{name}/x", x)
    put(f"train/{name}/y", y)
    put(f"train/{name}/losses", np.array(step_losses))
    for i, (b, a) in enumerate(zip(before, model.get_weights())):
        put(f"train/{name}/w_before_{i}", b)
        put(f"train/{name}/w_after_{i}", a)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
np.savez_compressed(OUT, **arrays)
print(f"wrote {OUT}: {len(arrays)} arrays, {os.path.getsize(OUT)} bytes, keras {keras.__version__}")
