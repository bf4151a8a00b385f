"""Loss functions with Keras 2 semantics, each with its gradient.

Every loss takes ``y_true`` and ``y_pred`` of shape ``(batch, ..., k)``
(``sparse_categorical_crossentropy``: integer class ids of shape
``(batch, ...)`` or ``(batch, ..., 1)``). Probabilities go in (not logits);
they are clipped to ``[EPSILON, 1 - EPSILON]`` with ``EPSILON = 1e-7`` as
Keras does (for float32 predictions the upper bound is float32(1 - 1e-7), as
in Keras). The per-sample loss is the mean (crossentropies: the sum, for
categorical) over the last axis; the reported value is the mean of the
per-sample losses over every remaining axis (batch, and time steps for 3D
outputs), accumulated in float64.

``get(name)`` returns a :class:`Loss` with

* ``loss(y_true, y_pred)`` -> float, the mean loss;
* ``loss.per_sample(y_true, y_pred)`` -> float64 array of shape ``y_pred.shape[:-1]``;
* ``loss.gradient(y_true, y_pred)`` -> d mean loss / d y_pred, shape and dtype of ``y_pred``;
* ``loss.fused_gradient(y_true, y_pred)`` (crossentropies only) -> the
  gradient for the *pre-activation* of the final softmax
  (categorical/sparse) or sigmoid (binary) that produced ``y_pred``:
  ``(p * sum(y) - y) / n`` resp. ``(p - y) / n``, with ``n`` the number of
  per-sample losses averaged (times ``k`` for binary). It is exact for the
  unclipped loss and numerically stable (no division by ``p``); it differs
  from chaining ``gradient`` through the activation only where a probability
  lies within 1e-7 of 0 or 1 (where the clipped loss is flat). tf.keras does
  the same when a crossentropy follows a softmax/sigmoid. ``loss.fuses_with``
  names the activation ('softmax', 'sigmoid', or None).
"""
import numpy as np

EPSILON = 1e-7


def _clip_bounds(dtype):
    """(EPSILON, 1 - EPSILON) as Keras has them in ``dtype``: in float32, 1 - 1e-7 rounds to
    1 - 2**-23, which changes -log(1 - p) at p = 1 from 16.12 to 15.94."""
    high = 1.0 - EPSILON
    if np.dtype(dtype) == np.float32:
        high = float(np.float32(high))
    return EPSILON, high


def _check_shapes(name, y_true, y_pred):
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: targets have shape {y_true.shape} but the model outputs "
                         f"have shape {y_pred.shape}; they must match")


def _as_float_targets(y_true, y_pred):
    y_true = np.asarray(y_true)
    if not np.issubdtype(y_true.dtype, np.floating):
        y_true = y_true.astype(y_pred.dtype)
    return y_true


class Loss:
    """A loss: mean value, per-sample values and the gradient w.r.t. ``y_pred``."""

    name = None
    fuses_with = None

    def __call__(self, y_true, y_pred):
        return float(np.mean(self.per_sample(y_true, y_pred)))

    def _prepare(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        y_true = _as_float_targets(y_true, y_pred)
        _check_shapes(self.name, y_true, y_pred)
        return y_true, y_pred

    def per_sample(self, y_true, y_pred):
        raise NotImplementedError

    def gradient(self, y_true, y_pred):
        raise NotImplementedError

    def fused_gradient(self, y_true, y_pred):
        raise NotImplementedError(f"{self.name} has no fused gradient")

    def get_config(self):
        return {"name": self.name}

    def __repr__(self):
        return f"<loss {self.name}>"


class MeanSquaredError(Loss):
    name = "mean_squared_error"

    def per_sample(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        diff = y_pred.astype(np.float64) - y_true
        return np.mean(diff * diff, axis=-1)

    def gradient(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        return (2.0 / y_pred.size * (y_pred - y_true)).astype(y_pred.dtype, copy=False)


class MeanAbsoluteError(Loss):
    name = "mean_absolute_error"

    def per_sample(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        return np.mean(np.abs(y_pred.astype(np.float64) - y_true), axis=-1)

    def gradient(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        return (np.sign(y_pred - y_true) / y_pred.size).astype(y_pred.dtype, copy=False)


class BinaryCrossentropy(Loss):
    """``-mean(y log p + (1 - y) log(1 - p), axis=-1)``, p clipped to [1e-7, 1 - 1e-7]."""

    name = "binary_crossentropy"
    fuses_with = "sigmoid"

    def per_sample(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        low, high = _clip_bounds(y_pred.dtype)
        p = np.clip(y_pred.astype(np.float64), low, high)
        return -np.mean(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p), axis=-1)

    def gradient(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        p64 = y_pred.astype(np.float64)
        low, high = _clip_bounds(y_pred.dtype)
        inside = (p64 > low) & (p64 < high)
        p = np.clip(p64, low, high)
        grad = np.where(inside, (p - y_true) / (p * (1.0 - p)), 0.0) / y_pred.size
        return grad.astype(y_pred.dtype)

    def fused_gradient(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        return ((y_pred - y_true) / y_pred.size).astype(y_pred.dtype, copy=False)


class CategoricalCrossentropy(Loss):
    """Keras 2: ``p /= sum(p, -1)``, clip, ``-sum(y log p, axis=-1)``."""

    name = "categorical_crossentropy"
    fuses_with = "softmax"

    def _targets(self, y_true, y_pred):
        return self._prepare(y_true, y_pred)

    def per_sample(self, y_true, y_pred):
        y_true, y_pred = self._targets(y_true, y_pred)
        p = y_pred.astype(np.float64)
        p = np.clip(p / p.sum(axis=-1, keepdims=True), EPSILON, 1.0 - EPSILON)
        return -np.sum(y_true * np.log(p), axis=-1)

    def gradient(self, y_true, y_pred):
        y_true, y_pred = self._targets(y_true, y_pred)
        p = y_pred.astype(np.float64)
        s = p.sum(axis=-1, keepdims=True)
        q = p / s
        inside = (q > EPSILON) & (q < 1.0 - EPSILON)
        g_q = np.where(inside, -y_true / np.clip(q, EPSILON, 1.0), 0.0)
        g_p = (g_q - np.sum(g_q * q, axis=-1, keepdims=True)) / s
        n = y_pred.size // y_pred.shape[-1]
        return (g_p / n).astype(y_pred.dtype)

    def fused_gradient(self, y_true, y_pred):
        y_true, y_pred = self._targets(y_true, y_pred)
        n = y_pred.size // y_pred.shape[-1]
        grad = y_pred * y_true.sum(axis=-1, keepdims=True) - y_true
        return (grad / n).astype(y_pred.dtype, copy=False)


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical crossentropy with integer class ids as targets.

    ``y_true``: ints of shape ``y_pred.shape[:-1]`` or ``y_pred.shape[:-1] + (1,)``,
    each in ``[0, y_pred.shape[-1])``.
    """

    name = "sparse_categorical_crossentropy"

    def _targets(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        ids = np.asarray(y_true)
        if ids.shape == y_pred.shape[:-1] + (1,) and y_pred.shape[-1] != 1:
            ids = ids[..., 0]
        elif ids.shape != y_pred.shape[:-1]:
            raise ValueError(f"{self.name}: targets must be class ids of shape "
                             f"{y_pred.shape[:-1]} (or {y_pred.shape[:-1] + (1,)}) for outputs "
                             f"of shape {y_pred.shape}, got shape {ids.shape}")
        if np.issubdtype(ids.dtype, np.floating):
            if not np.all(np.isfinite(ids)) or np.any(ids != np.round(ids)):
                raise ValueError(f"{self.name}: targets must be integer class ids")
        elif not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"{self.name}: targets must be integer class ids, "
                             f"got dtype {ids.dtype}")
        ids = ids.astype(np.int64)
        k = y_pred.shape[-1]
        if ids.size and (ids.min() < 0 or ids.max() >= k):
            bad = ids[(ids < 0) | (ids >= k)][0]
            raise ValueError(f"{self.name}: class id {bad} is outside [0, {k}) "
                             f"(the model has {k} outputs)")
        one_hot = np.zeros(y_pred.shape, dtype=y_pred.dtype)
        np.put_along_axis(one_hot, ids[..., None], 1, axis=-1)
        return one_hot, y_pred


_CLASSES = (MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy)
_ALIASES = {
    "mse": "mean_squared_error", "MSE": "mean_squared_error",
    "mae": "mean_absolute_error", "MAE": "mean_absolute_error",
}
_BY_NAME = {cls.name: cls for cls in _CLASSES}
NAMES = tuple(sorted(set(_BY_NAME) | set(_ALIASES)))


def get(identifier):
    """A :class:`Loss` from a name ('mse', 'categorical_crossentropy', ...) or a Loss."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        identifier = identifier.get("name")
    if isinstance(identifier, str):
        name = _ALIASES.get(identifier, identifier)
        if name in _BY_NAME:
            return _BY_NAME[name]()
    raise ValueError(f"unknown loss {identifier!r}; valid names: {', '.join(NAMES)}")


def serialize(loss):
    return loss.name


def _per_sample_function(cls):
    def function(y_true, y_pred):
        return cls().per_sample(y_true, y_pred)
    function.__name__ = cls.name
    function.__doc__ = (f"Per-sample {cls.name}: float64 array of shape ``y_pred.shape[:-1]``.")
    return function


mean_squared_error = mse = _per_sample_function(MeanSquaredError)
mean_absolute_error = mae = _per_sample_function(MeanAbsoluteError)
binary_crossentropy = _per_sample_function(BinaryCrossentropy)
categorical_crossentropy = _per_sample_function(CategoricalCrossentropy)
sparse_categorical_crossentropy = _per_sample_function(SparseCategoricalCrossentropy)


# -- accuracy (Keras picks the flavour from the loss and the output size) ----

ACCURACY_NAMES = ("accuracy", "acc")


def accuracy(loss, y_true, y_pred):
    """(number correct, number of predictions) for ``y_pred`` against ``y_true``.

    binary_crossentropy, or a single output unit: threshold at 0.5;
    sparse_categorical_crossentropy: argmax against the class id;
    otherwise: argmax against argmax (one-hot targets).
    """
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true)
    name = get(loss).name
    if name == "sparse_categorical_crossentropy":
        if y_true.shape == y_pred.shape[:-1] + (1,):
            y_true = y_true[..., 0]
        correct = np.argmax(y_pred, axis=-1) == y_true
    elif name == "binary_crossentropy" or y_pred.shape[-1] == 1:
        correct = (y_pred > 0.5) == (y_true > 0.5)
    else:
        correct = np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1)
    return int(np.count_nonzero(correct)), int(correct.size)
