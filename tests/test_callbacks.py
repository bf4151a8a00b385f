"""Callbacks: EarlyStopping (patience, restoring the best weights, mode), History, LinearDecay."""
import numpy as np

from textembed import optimizers
from textembed.callbacks import Callback, EarlyStopping, History, LinearDecay
from textembed.layers import Dense
from textembed.models import Sequential


class WeightRecorder(Callback):
    def on_train_begin(self, logs=None):
        self.snapshots = []

    def on_epoch_end(self, epoch, logs=None):
        self.snapshots.append(self.model.get_weights())


def test_early_stopping_restores_best_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
    model = Sequential([Dense(1, input_dim=3, kernel_initializer="zeros")])
    model.compile(optimizers.SGD(learning_rate=0.1), "mse")
    recorder = WeightRecorder()
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    # validating on the negated targets: the loss there grows as training succeeds
    history = model.fit(x, y, epochs=20, verbose=0, validation_data=(x, -y),
                        callbacks=[recorder, stopper], seed=0)
    val = history.history["val_loss"]
    assert len(val) == 3 and stopper.stopped_epoch == 2 and stopper.best_epoch == 0
    assert val[0] < val[1] < val[2]
    for final, best in zip(model.get_weights(), recorder.snapshots[0]):
        np.testing.assert_array_equal(final, best)
    assert not np.array_equal(recorder.snapshots[-1][0], recorder.snapshots[0][0])


def test_early_stopping_mode_and_history():
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    assert EarlyStopping().mode == "min"
    history = History()
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 1.0})
    history.on_epoch_end(1, {"loss": 0.5})
    assert history.history == {"loss": [1.0, 0.5]} and history.epoch == [0, 1]


def test_linear_decay_falls_to_zero_over_all_batches_and_restores_the_rate():
    class Rates(Callback):
        def on_train_begin(self, logs=None):
            self.seen = []

        def on_batch_end(self, batch, logs=None):
            self.seen.append(self.model.optimizer.learning_rate)

    x = np.ones((8, 2), dtype=np.float32)
    model = Sequential([Dense(1, input_dim=2)])
    model.compile(optimizers.SGD(learning_rate=0.4), "mse")
    rates = Rates()
    # 4 batches an epoch, 2 epochs: 8 steps from 0.4 down in equal parts
    model.fit(x, x[:, :1], batch_size=2, epochs=2, verbose=0, seed=0,
              callbacks=[LinearDecay(8), rates])
    np.testing.assert_allclose(rates.seen, [0.4 * (1 - k / 8) for k in range(8)])
    assert model.optimizer.learning_rate == 0.4
    # past the planned batches the rate stays at 1e-4 of the start, never 0 or below
    model.fit(x, x[:, :1], batch_size=2, epochs=1, verbose=0, seed=0,
              callbacks=[LinearDecay(1), rates])
    np.testing.assert_allclose(rates.seen, [0.4] + [0.4 * 1e-4] * 3)
