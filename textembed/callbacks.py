"""Training callbacks: the Callback hooks, History and EarlyStopping (Keras semantics),
and LinearDecay of the learning rate.

``Sequential.fit`` calls ``set_model``, ``on_train_begin(logs)``,
``on_epoch_begin(epoch, logs)``, ``on_batch_end(batch, logs)``,
``on_epoch_end(epoch, logs)`` and ``on_train_end(logs)``; ``logs`` maps
metric names ('loss', 'accuracy', 'val_loss', ...) to floats. A callback stops
training by setting ``model.stop_training = True``.
"""
import warnings

import numpy as np


class Callback:
    def __init__(self):
        self.model = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass


class History(Callback):
    """Records the epoch logs: ``history`` maps each metric name to a list, one value per epoch."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    mode: 'min', 'max' or 'auto' (max for names containing 'acc', else min).
    restore_best_weights: put back the weights of the best epoch when training
    ends (whether it stopped early or ran all epochs, as in Keras 3).
    ``stopped_epoch`` is the 0-based epoch at which training stopped (0 if it did not),
    ``best`` the best monitored value, ``best_epoch`` its epoch.
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.mode = mode

    def _improved(self, value, reference):
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best_weights = None
        if self.baseline is not None:
            self.best = float(self.baseline)
        else:
            self.best = np.inf if self.mode == "min" else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"EarlyStopping: the metric {self.monitor!r} is not available; "
                          f"available: {', '.join(sorted(logs or {}))}", RuntimeWarning,
                          stacklevel=2)
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(value, self.best):
            self.best = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
        if self.stopped_epoch and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


class LinearDecay(Callback):
    """The learning rate falls linearly from its initial value to 0 over ``total_batches``.

    Set before every batch (floored at 1e-4 of the initial value); the
    optimizer's initial rate is restored when training ends.
    """

    def __init__(self, total_batches):
        super().__init__()
        self.total = max(int(total_batches), 1)
        self.step = 0
        self.initial = None

    def on_train_begin(self, logs=None):
        self.initial = self.model.optimizer.learning_rate

    def on_batch_begin(self, batch, logs=None):
        fraction = max(1.0 - self.step / self.total, 1e-4)
        self.model.optimizer.learning_rate = self.initial * fraction
        self.step += 1

    def on_train_end(self, logs=None):
        self.model.optimizer.learning_rate = self.initial
