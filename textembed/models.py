"""Keras-style ``Sequential`` model: a stack of layers trained with a loss and an optimizer.

The model talks to its layers only through the Layer protocol
(``textembed.layers.base``): ``build``, ``forward(x, training, mask)``,
``compute_mask``, ``backward``, ``weights`` / ``grads`` / ``sparse_rows`` /
``trainable_indices()``, ``activity_penalty``, ``regularization_penalty()``,
``apply_constraints()``, ``get_config`` / ``from_config``. Container layers
(Parallel, Bidirectional) present their sublayers' weights, gradients and
penalties as their own.

One training step: forward with ``training=True`` (masks flow from layer to
layer through ``compute_mask``), the loss (plus activity and weight
regularization penalties), backward from the loss gradient (fused
softmax/sigmoid + crossentropy gradient when the last layer allows it, see
``textembed.losses``), regularizer gradients added, the optimizer step on the
trainable weights (sparse rows where a layer gives them), then constraints.

Saving and loading (``save`` / ``load_model``) live in :mod:`textembed.saving`;
``load_model`` is importable from here too.
"""
import numpy as np

from . import losses as losses_module
from . import optimizers as optimizers_module
from .callbacks import History
from .layers.base import Layer
# load_model and the format constants are re-exported: importable from here as before.
from .saving import FORMAT, FORMAT_VERSION, load_model, save_model  # noqa: F401


def _compatible(expected, actual):
    if expected is None or actual is None:
        return True
    if len(expected) != len(actual):
        return False
    return all(a is None or b is None or a == b for a, b in zip(expected, actual))


def _shape_str(shape):
    return "?" if shape is None else str(tuple(shape))


class Sequential:
    """A linear stack of layers.

    ``Sequential(layers=None, name=None)``; ``add(layer)`` builds the layer at
    once when the shape of its input is known (the first layer needs
    ``input_shape=`` / ``input_dim=``, or an Embedding; otherwise the model is
    built from the first array it sees). Shape mismatches raise ValueError at
    ``add`` time, naming the layer and both shapes.
    """

    def __init__(self, layers=None, name=None):
        self.name = name or "sequential"
        self._layers = []
        self.optimizer = None
        self.loss = None
        self.metrics = []
        self.stop_training = False
        self.history = None
        for layer in layers or []:
            self.add(layer)

    # -- structure -----------------------------------------------------------

    @property
    def layers(self):
        return list(self._layers)

    @property
    def built(self):
        return bool(self._layers) and all(layer.built for layer in self._layers)

    @property
    def input_shape(self):
        if not self._layers:
            return None
        first = self._layers[0]
        return first.input_shape if first.built else first.batch_input_shape

    @property
    def output_shape(self):
        if not self._layers or not self._layers[-1].built:
            return None
        return self._layers[-1].output_shape

    def add(self, layer):
        """Append a layer (built now if its input shape is known)."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add needs a textembed layer, got "
                            f"{type(layer).__name__}")
        if self._layers:
            previous = self._layers[-1]
            if previous.built:
                self._build_layer(layer, previous.output_shape)
        elif not layer.built and layer.batch_input_shape is not None:
            self._build_layer(layer, layer.batch_input_shape)
        self._layers.append(layer)

    def pop(self):
        """Remove and return the last layer."""
        if not self._layers:
            raise IndexError(f"model {self.name!r} has no layers to pop")
        return self._layers.pop()

    def _build_layer(self, layer, input_shape):
        input_shape = tuple(input_shape)
        kind = type(layer).__name__
        if layer.built:
            if not _compatible(layer.input_shape, input_shape):
                raise ValueError(f"layer {layer.name!r} ({kind}) was built for inputs of shape "
                                 f"{_shape_str(layer.input_shape)}, but receives inputs of "
                                 f"shape {input_shape}")
            return
        declared = layer.batch_input_shape
        if self._layers and declared is not None and not _compatible(declared, input_shape):
            raise ValueError(f"layer {layer.name!r} ({kind}) declares inputs of shape "
                             f"{declared}, but the previous layer outputs shape {input_shape}")
        try:
            layer.build(input_shape)
        except ValueError as error:
            message = str(error)
            if layer.name in message and str(input_shape) in message:
                raise
            raise ValueError(f"layer {layer.name!r} ({kind}) cannot take inputs of shape "
                             f"{input_shape}: {message}") from None

    def build(self, input_shape=None):
        """Build every layer, from ``input_shape`` (batch axis included) or the first layer's."""
        if not self._layers:
            raise ValueError(f"model {self.name!r} has no layers")
        shape = input_shape
        if shape is None:
            first = self._layers[0]
            shape = first.input_shape if first.built else first.batch_input_shape
        if shape is None:
            raise ValueError(f"model {self.name!r}: the input shape is unknown; give "
                             f"input_shape= to the first layer or call build(input_shape)")
        for layer in self._layers:
            self._build_layer(layer, shape)
            shape = layer.output_shape

    def _ensure_built(self, x):
        if not self.built:
            first = self._layers[0] if self._layers else None
            if first is not None and not first.built and first.batch_input_shape is None:
                self.build((None,) + tuple(x.shape[1:]))
            else:
                self.build()
        expected = self.input_shape
        if expected is not None and not _compatible(tuple(expected)[1:], tuple(x.shape[1:])):
            raise ValueError(f"model {self.name!r} expects inputs of shape {tuple(expected)}, "
                             f"got an array of shape {x.shape}")

    # -- weights ---------------------------------------------------------------

    def get_weights(self):
        """Copies of every layer's weights, layer after layer, in Keras' order."""
        return [w for layer in self._layers for w in layer.get_weights()]

    def set_weights(self, weights):
        weights = list(weights)
        expected = sum(len(layer.weights) for layer in self._layers)
        if len(weights) != expected:
            raise ValueError(f"model {self.name!r} has {expected} weight arrays, got "
                             f"{len(weights)}")
        start = 0
        for layer in self._layers:
            n = len(layer.weights)
            layer.set_weights(weights[start:start + n])
            start += n

    def count_params(self):
        return int(sum(layer.count_params() for layer in self._layers))

    def _trainable_count(self, layer):
        return int(sum(layer.weights[i].size for i in layer.trainable_indices()))

    def summary(self, line_length=72, print_fn=print):
        """Keras-like table of layers, output shapes and parameter counts.

        Printed line by line with ``print_fn``; with ``print_fn=None`` the table is returned
        as a string instead.
        """
        widths = [int(line_length * 0.42), int(line_length * 0.33)]
        widths.append(line_length - sum(widths))

        def row(cells):
            return "".join(str(c)[:w - 1].ljust(w) for c, w in zip(cells, widths)).rstrip()

        lines = [f'Model: "{self.name}"', "_" * line_length,
                 row(["Layer (type)", "Output Shape", "Param #"]), "=" * line_length]
        for i, layer in enumerate(self._layers):
            shape = layer.output_shape if layer.built else None
            lines.append(row([f"{layer.name} ({type(layer).__name__})", _shape_str(shape),
                              layer.count_params() if layer.built else "?"]))
            lines.append("=" * line_length if i == len(self._layers) - 1 else "_" * line_length)
        total = self.count_params()
        trainable = sum(self._trainable_count(layer) for layer in self._layers)
        lines += [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", "_" * line_length]
        if print_fn is None:
            return "\n".join(lines)
        for line in lines:
            print_fn(line)
        return None

    # -- compile and the training step -------------------------------------------

    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Set the optimizer (name or object), the loss (name or Loss) and metrics (['accuracy'])."""
        if loss is None:
            raise ValueError(f"compile needs a loss; valid names: "
                             f"{', '.join(losses_module.NAMES)}")
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = losses_module.get(loss)
        metrics = list(metrics or [])
        for metric in metrics:
            if metric not in losses_module.ACCURACY_NAMES:
                raise ValueError(f"unknown metric {metric!r}; valid names: "
                                 f"{', '.join(losses_module.ACCURACY_NAMES)}")
        self.metrics = metrics

    def _check_compiled(self):
        if self.optimizer is None or self.loss is None:
            raise RuntimeError(f"model {self.name!r} must be compiled before training or "
                               f"evaluation: call model.compile(optimizer, loss)")

    def _forward(self, x, training):
        mask = None
        for layer in self._layers:
            out = layer.forward(x, training=training, mask=mask)
            mask = layer.compute_mask(x, mask)
            x = out
        return x

    def _penalty(self, add_gradients):
        total = 0.0
        for layer in self._layers:
            total += float(getattr(layer, "activity_penalty", 0.0) or 0.0)
            total += layer.regularization_penalty(
                add_gradients=add_gradients and bool(layer.trainable_indices()))
        return total

    def _fused(self):
        last = self._layers[-1]
        activation = getattr(last, "activation", None)
        return (self.loss.fuses_with is not None
                and getattr(activation, "name", None) == self.loss.fuses_with
                and hasattr(last, "backward_preactivation")
                and getattr(last, "activity_regularizer", None) is None)

    def _train_step(self, x, y, where=""):
        out = self._forward(x, training=True)
        data_loss = self.loss(y, out)
        if not np.isfinite(data_loss):
            raise FloatingPointError(f"the loss became {data_loss}{where}; training stopped "
                                     f"(check the inputs for NaN/inf, or lower the learning "
                                     f"rate)")
        first = next((i for i, layer in enumerate(self._layers) if layer.trainable_indices()),
                     None)
        if first is not None:
            last = self._layers[-1]
            stop = len(self._layers) - 1
            if self._fused():
                grad = last.backward_preactivation(self.loss.fused_gradient(y, out))
            else:
                grad = last.backward(self.loss.gradient(y, out))
            for index in range(stop - 1, first - 1, -1):
                grad = self._layers[index].backward(grad)
        total = data_loss + self._penalty(add_gradients=True)
        if not np.isfinite(total):
            raise FloatingPointError(f"the loss became {total}{where} (regularization "
                                     f"penalties); training stopped")
        triples = []
        for layer in self._layers:
            rows = getattr(layer, "sparse_rows", None) or []
            for i in layer.trainable_indices():
                triples.append((layer.weights[i], layer.grads[i],
                                rows[i] if i < len(rows) else None))
        self.optimizer.apply_gradients(triples)
        for layer in self._layers:
            if layer.trainable_indices():
                layer.apply_constraints()
        return total, out

    def _test_step(self, x, y):
        out = self._forward(x, training=False)
        return self.loss(y, out) + self._penalty(add_gradients=False), out

    # -- data handling -------------------------------------------------------------

    def _prepare(self, x, y=None):
        if not self._layers:
            raise ValueError(f"model {self.name!r} has no layers")
        x = np.asarray(x)
        if x.ndim == 0:
            raise ValueError(f"model {self.name!r}: x must be an array with a batch axis")
        if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
            bad = int(np.argwhere(~np.isfinite(x.reshape(len(x), -1)))[0, 0])
            raise ValueError(f"model {self.name!r}: x contains NaN or inf (sample {bad})")
        self._ensure_built(x)
        if y is None:
            return x, None
        y = np.asarray(y)
        if len(y) != len(x):
            raise ValueError(f"x and y must have the same number of samples, got {len(x)} "
                             f"and {len(y)}")
        if np.issubdtype(y.dtype, np.floating) and not np.all(np.isfinite(y)):
            raise ValueError(f"model {self.name!r}: y contains NaN or inf")
        return x, y

    def _check_targets(self, x, y):
        """Run the loss on one sample so that target/output mismatches fail before training."""
        if len(x):
            self.loss(y[:1], self._forward(x[:1], training=False))

    def _metrics_of(self, loss_sum, correct, count, n):
        logs = {"loss": loss_sum / max(n, 1)}
        for metric in self.metrics:
            logs[metric] = correct / max(count, 1)
        return logs

    # -- public training API -----------------------------------------------------------

    def fit(self, x, y, batch_size=32, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, seed=None, initial_epoch=0):
        """Train for ``epochs`` epochs; returns a :class:`textembed.callbacks.History`.

        x: (n, ...) inputs (float, or integer ids for an Embedding first layer);
        y: (n, ...) targets matching the model output (class ids for
        sparse_categorical_crossentropy). ``validation_split`` holds out the *last*
        fraction of the samples (before shuffling), as Keras does; ``validation_data``
        = (x_val, y_val) takes precedence. ``seed`` seeds the shuffling.
        ``history.history`` has 'loss' (with regularization penalties), each metric,
        and 'val_loss' / 'val_<metric>' with validation data.
        """
        self._check_compiled()
        x, y = self._prepare(x, y)
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split}")
        if int(batch_size) <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        batch_size = int(batch_size)
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a tuple (x_val, y_val)")
            x_val, y_val = self._prepare(*validation_data)
        elif validation_split:
            split = int(len(x) * (1.0 - validation_split))
            x, x_val = x[:split], x[split:]
            y, y_val = y[:split], y[split:]
        else:
            x_val = y_val = None
        if len(x) == 0:
            raise ValueError("no training samples (check x and validation_split)")
        self._check_targets(x, y)
        rng = np.random.default_rng(seed)
        history = History()
        callbacks = [history] + list(callbacks or [])
        for callback in callbacks:
            callback.set_model(self)
            callback.on_train_begin({})
        self.stop_training = False
        n = len(x)
        n_batches = (n + batch_size - 1) // batch_size
        for epoch in range(initial_epoch, epochs):
            for callback in callbacks:
                callback.on_epoch_begin(epoch, {})
            order = rng.permutation(n) if shuffle else None
            loss_sum, correct, count, seen = 0.0, 0, 0, 0
            bar = _progress(n_batches, f"Epoch {epoch + 1}/{epochs}", verbose == 1)
            try:
                for b in range(n_batches):
                    for callback in callbacks:
                        callback.on_batch_begin(b, {})
                    if order is None:
                        xb, yb = x[b * batch_size:(b + 1) * batch_size], y[b * batch_size:
                                                                            (b + 1) * batch_size]
                    else:
                        idx = order[b * batch_size:(b + 1) * batch_size]
                        xb, yb = x[idx], y[idx]
                    where = f" at epoch {epoch + 1}, batch {b + 1}"
                    batch_loss, out = self._train_step(xb, yb, where)
                    loss_sum += batch_loss * len(xb)
                    seen += len(xb)
                    if self.metrics:
                        c, t = losses_module.accuracy(self.loss, yb, out)
                        correct += c
                        count += t
                    logs = self._metrics_of(loss_sum, correct, count, seen)
                    for callback in callbacks:
                        callback.on_batch_end(b, logs)
                    if bar is not None:
                        bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=False)
                        bar.update(1)
                epoch_logs = self._metrics_of(loss_sum, correct, count, seen)
                if x_val is not None and len(x_val):
                    values = self._evaluate(x_val, y_val, batch_size)
                    epoch_logs["val_loss"] = values[0]
                    for metric, value in zip(self.metrics, values[1:]):
                        epoch_logs[f"val_{metric}"] = value
                if bar is not None:
                    bar.set_postfix({k: f"{v:.4f}" for k, v in epoch_logs.items()})
            finally:
                if bar is not None:
                    bar.close()
            if verbose == 2:
                print(f"Epoch {epoch + 1}/{epochs} - "
                      + " - ".join(f"{k}: {v:.4f}" for k, v in epoch_logs.items()))
            for callback in callbacks:
                callback.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        for callback in callbacks:
            callback.on_train_end({})
        self.history = history
        return history

    def _evaluate(self, x, y, batch_size):
        loss_sum, correct, count = 0.0, 0, 0
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            value, out = self._test_step(xb, yb)
            loss_sum += value * len(xb)
            if self.metrics:
                c, t = losses_module.accuracy(self.loss, yb, out)
                correct += c
                count += t
        logs = self._metrics_of(loss_sum, correct, count, len(x))
        return [logs["loss"]] + [logs[m] for m in self.metrics]

    def evaluate(self, x, y, batch_size=32, verbose=0):
        """Mean loss over (x, y) (with regularization penalties); ``[loss, accuracy]`` with metrics."""
        self._check_compiled()
        x, y = self._prepare(x, y)
        values = self._evaluate(x, y, int(batch_size))
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in zip(["loss"] + self.metrics, values)))
        return values[0] if not self.metrics else values

    def train_on_batch(self, x, y):
        """One optimizer step on (x, y); returns the loss, or ``[loss, accuracy]`` with metrics."""
        self._check_compiled()
        x, y = self._prepare(x, y)
        value, out = self._train_step(x, y)
        if not self.metrics:
            return value
        c, t = losses_module.accuracy(self.loss, y, out)
        return [value] + [c / max(t, 1)] * len(self.metrics)

    def test_on_batch(self, x, y):
        """Loss (and accuracy) on one batch, without training."""
        self._check_compiled()
        x, y = self._prepare(x, y)
        value, out = self._test_step(x, y)
        if not self.metrics:
            return value
        c, t = losses_module.accuracy(self.loss, y, out)
        return [value] + [c / max(t, 1)] * len(self.metrics)

    def predict(self, x, batch_size=32, verbose=0):
        """Model outputs for x, in batches of ``batch_size``: array (n,) + output_shape[1:]."""
        x, _ = self._prepare(x)
        batch_size = int(batch_size)
        if batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        outputs = []
        bar = _progress((len(x) + batch_size - 1) // batch_size, "predict", verbose == 1)
        for start in range(0, len(x), batch_size):
            outputs.append(self._forward(x[start:start + batch_size], training=False))
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        if not outputs:
            shape = tuple(0 if d is None else d for d in (self.output_shape or (0,)))
            return np.zeros((0,) + shape[1:], dtype=np.float32)
        return np.concatenate(outputs, axis=0)

    # -- saving ----------------------------------------------------------------------

    def get_config(self):
        return {"name": self.name,
                "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                           for layer in self._layers]}

    def save(self, path):
        """Write the model (config, weights, compile settings) to one .npz file, atomically.

        See :func:`textembed.saving.save_model`.
        """
        save_model(self, path)

    def __repr__(self):
        return f"<Sequential {self.name!r} layers={len(self._layers)}>"


def _progress(total, desc, enabled):
    if not enabled:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, unit="batch", leave=True)
