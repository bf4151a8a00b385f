"""``TimeseriesGenerator``: batches of sliding windows over a time series, as
Keras makes them, and ``timeseries_generator_from_json`` to rebuild one."""
import json

import numpy as np

from ._common import as_int


class TimeseriesGenerator:
    """Batches of sliding windows over a time series, as Keras makes them.

    Sample ``k`` of the series ends just before row ``t_k`` and holds
    ``data[t_k - length : t_k : sampling_rate]``; its target is
    ``targets[t_k]``.  The rows ``t_k`` run from ``start_index + length`` to
    ``end_index`` (inclusive) in steps of ``stride``; batch ``b`` holds
    rows ``b * batch_size`` ... of that list.

    Parameters
    ----------
    data : array-like, shape ``(n_steps, ...)``
        The series; axis 0 is time.  A numpy array is windowed by fancy
        indexing; other indexables (lists) slice by slice as Keras does.
    targets : array-like, shape ``(n_steps, ...)``
        One target per time step, same length as ``data``.
    length : int
        Span of each sample in time steps, ``>= 1``.
    sampling_rate : int
        Step between the time steps inside a sample, ``>= 1``; a sample has
        ``ceil(length / sampling_rate)`` steps.
    stride : int
        Step between the end rows of consecutive samples, ``>= 1``.
    start_index : int
        Steps before ``start_index`` are never used, ``>= 0``; the first
        target row is ``start_index + length``.
    end_index : int or None
        Last row (inclusive) used as a target; None: ``n_steps - 1``.
    shuffle : bool
        Draw each batch's end rows uniformly (with replacement) from
        ``[start_index + length, end_index]``, ignoring the batch index,
        instead of chronologically.
    reverse : bool
        Return each sample's steps in reverse chronological order.
    batch_size : int
        Samples per batch (the last chronological batch may be shorter).
    seed : int or None
        Seed of the ``np.random.default_rng`` generator used by
        ``shuffle`` (not a Keras argument).

    Indexing ``gen[b]`` returns ``(samples, targets)``: ``samples`` has
    shape ``(batch, ceil(length / sampling_rate), *data.shape[1:])`` and
    ``data``'s dtype; ``targets`` has shape ``(batch, *targets.shape[1:])``.

    Differences from Keras, all deliberate:

    * ``get_config()['start_index']`` is the constructor's ``start_index``,
      and so is the attribute ``start_index``.  Keras stores
      ``start_index + length`` there, so a Keras JSON round trip shifts the
      windows by ``length``; here ``timeseries_generator_from_json(
      gen.to_json())`` rebuilds exactly the same generator.
    * Shuffled batches come from a private ``np.random.default_rng(seed)``,
      not the global ``np.random`` state (Keras calls
      ``np.random.randint``): same distribution, other draws.
    * ``gen[b]`` with ``b`` outside ``[-len(gen), len(gen))`` raises
      IndexError (Keras returns empty or wrong batches, so ``for batch in
      gen`` never ended); negative ``b`` counts from the end.
    * Arguments are checked up front: ``length``, ``sampling_rate``,
      ``stride``, ``batch_size`` must be ``>= 1``, ``start_index >= 0``, and
      ``end_index`` a valid row of ``data``.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1,
                 start_index=0, end_index=None, shuffle=False, reverse=False,
                 batch_size=128, seed=None):
        if len(data) != len(targets):
            raise ValueError(
                "Data and targets have to be of same length. Data length is "
                f"{len(data)} while target length is {len(targets)}; "
                "`data` and `targets` must have the same length."
            )
        self.data = data
        self.targets = targets
        self.length = self._positive("length", length)
        self.sampling_rate = self._positive("sampling_rate", sampling_rate)
        self.stride = self._positive("stride", stride)
        self.batch_size = self._positive("batch_size", batch_size)
        self.start_index = as_int("start_index", start_index)
        if self.start_index < 0:
            raise ValueError(
                f"`start_index` must be >= 0, got {self.start_index}."
            )
        last = len(data) - 1
        self.end_index = last if end_index is None else as_int(
            "end_index", end_index)
        if self.end_index > last:
            raise ValueError(
                f"`end_index`={self.end_index} is past the last row of "
                f"`data` ({last}); use end_index=None for the last row."
            )
        self._first_row = self.start_index + self.length
        if self._first_row > self.end_index:
            raise ValueError(
                f"`start_index+length={self._first_row} > "
                f"end_index={self.end_index}` is disallowed, as no part of the "
                "sequence would be left to be used as current step; lower "
                "`length` or `start_index`, or raise `end_index`."
            )
        self.shuffle = bool(shuffle)
        self.reverse = bool(reverse)
        self.seed = None if seed is None else as_int("seed", seed)
        self._rng = np.random.default_rng(self.seed)

    @staticmethod
    def _positive(name, value):
        value = as_int(name, value)
        if value < 1:
            raise ValueError(f"`{name}` must be >= 1, got {value}.")
        return value

    def __len__(self):
        """Number of batches."""
        step = self.batch_size * self.stride
        return (self.end_index - self._first_row + step) // step

    def __getitem__(self, index):
        """Batch ``index``: ``(samples, targets)`` numpy arrays (see class)."""
        index = as_int("index", index)
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(
                f"batch index {index} is out of range for {n} batches."
            )
        if self.shuffle:
            rows = self._rng.integers(self._first_row, self.end_index + 1,
                                      size=self.batch_size)
        else:
            step = self.batch_size * self.stride
            first = self._first_row + step * index
            rows = np.arange(first, min(first + step, self.end_index + 1),
                             self.stride)

        if isinstance(self.data, np.ndarray):
            offsets = np.arange(-self.length, 0, self.sampling_rate)
            samples = self.data[rows[:, None] + offsets]
        else:
            samples = np.array([
                self.data[row - self.length:row:self.sampling_rate]
                for row in rows
            ])
        if isinstance(self.targets, np.ndarray):
            targets = self.targets[rows]
        else:
            targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    @staticmethod
    def _json_field(name, values):
        if isinstance(values, (np.ndarray, np.generic)):
            values = values.tolist()
        try:
            return json.dumps(values)
        except TypeError as exc:
            raise TypeError(
                f"{name.capitalize()} not JSON Serializable: {exc}; `{name}` "
                "must be a numpy array or nested lists of numbers."
            ) from None

    def get_config(self):
        """The constructor arguments as a dict (``data``, ``targets`` as JSON).

        ``start_index`` is the constructor's value (Keras stores
        ``start_index + length``; see the class docstring).  ``seed`` is
        included only when set, so the config stays loadable by Keras.
        """
        config = {
            "data": self._json_field("data", self.data),
            "targets": self._json_field("targets", self.targets),
            "length": self.length,
            "sampling_rate": self.sampling_rate,
            "stride": self.stride,
            "start_index": self.start_index,
            "end_index": self.end_index,
            "shuffle": self.shuffle,
            "reverse": self.reverse,
            "batch_size": self.batch_size,
        }
        if self.seed is not None:
            config["seed"] = self.seed
        return config

    def to_json(self, **kwargs):
        """JSON string ``{"class_name": ..., "config": get_config()}``.

        ``kwargs`` go to ``json.dumps``.  Load it back with
        :func:`timeseries_generator_from_json`.
        """
        return json.dumps({"class_name": type(self).__name__,
                           "config": self.get_config()}, **kwargs)


def timeseries_generator_from_json(json_string):
    """Rebuild a :class:`TimeseriesGenerator` from ``to_json()`` output.

    ``data`` and ``targets`` come back as nested Python lists (as in Keras);
    the batches equal the original generator's.

    Raises
    ------
    ValueError
        The string is not JSON or not a TimeseriesGenerator configuration.
    """
    try:
        full = json.loads(json_string)
        config = dict(full["config"])
        name = full.get("class_name", "TimeseriesGenerator")
        config["data"] = json.loads(config["data"])
        config["targets"] = json.loads(config["targets"])
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise ValueError(
            "not a TimeseriesGenerator JSON configuration (expected the "
            f"output of TimeseriesGenerator.to_json()): {exc}"
        ) from None
    if name != "TimeseriesGenerator":
        raise ValueError(
            f"expected a TimeseriesGenerator configuration, got class_name "
            f"{name!r}."
        )
    return TimeseriesGenerator(**config)
