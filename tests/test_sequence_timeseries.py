"""textembed.sequence.timeseries: TimeseriesGenerator against Keras, its JSON
round trip and errors."""
import json

import numpy as np
import pytest

from textembed.sequence import TimeseriesGenerator, timeseries_generator_from_json

from sequencetest import assert_same_array


# ---------------------------------------------------------------------------
# TimeseriesGenerator
# ---------------------------------------------------------------------------

TS_CONFIGS = [
    dict(length=10, sampling_rate=2, batch_size=2),
    dict(length=5, stride=3, batch_size=4),
    dict(length=3, sampling_rate=2, stride=2, start_index=4, end_index=40,
         batch_size=5, reverse=True),
    dict(length=1, batch_size=128),
    dict(length=7, sampling_rate=3, stride=1, start_index=2, batch_size=9),
]


def test_timeseries_literal_keras_example():
    data = np.array([[i] for i in range(50)])
    gen = TimeseriesGenerator(data, data, length=10, sampling_rate=2,
                              batch_size=2)
    assert len(gen) == 20
    x, y = gen[0]
    np.testing.assert_array_equal(x, [[[0], [2], [4], [6], [8]],
                                      [[1], [3], [5], [7], [9]]])
    np.testing.assert_array_equal(y, [[10], [11]])
    x, y = gen[-1]
    np.testing.assert_array_equal(y, [[48], [49]])


@pytest.mark.parametrize("config", TS_CONFIGS)
@pytest.mark.parametrize("kind", ["2d", "1d", "list"])
def test_timeseries_matches_keras(kseq, config, kind):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(60, 3))
    targets = rng.integers(0, 100, size=(60, 2))
    if kind == "1d":
        data = data[:, 0]
        targets = targets[:, 0]
    elif kind == "list":
        data = data.tolist()
        targets = targets.tolist()
    ours = TimeseriesGenerator(data, targets, **config)
    ref = kseq.TimeseriesGenerator(data, targets, **config)
    assert len(ours) == len(ref)
    for i in range(len(ref)):
        for a, b in zip(ours[i], ref[i]):
            assert_same_array(a, b)


def test_timeseries_shuffle():
    data = np.arange(100)
    gen = TimeseriesGenerator(data, data * 2, length=4, start_index=10,
                              end_index=80, shuffle=True, batch_size=16,
                              seed=3)
    x, y = gen[0]
    assert x.shape == (16, 4) and y.shape == (16,)
    assert y.min() >= 2 * 14 and y.max() <= 2 * 80
    np.testing.assert_array_equal(x[:, -1] + 1, y // 2)
    again = TimeseriesGenerator(data, data * 2, length=4, start_index=10,
                                end_index=80, shuffle=True, batch_size=16,
                                seed=3)
    np.testing.assert_array_equal(again[0][0], x)


@pytest.mark.parametrize("config", TS_CONFIGS)
def test_timeseries_json_round_trip(config):
    data = np.arange(120, dtype=float).reshape(60, 2)
    targets = np.arange(60)
    gen = TimeseriesGenerator(data, targets, **config)
    conf = gen.get_config()
    assert conf["start_index"] == config.get("start_index", 0)
    text = gen.to_json(indent=1)
    assert json.loads(text)["class_name"] == "TimeseriesGenerator"
    back = timeseries_generator_from_json(text)
    assert back.get_config() == conf
    assert len(back) == len(gen)
    for i in range(len(gen)):
        for a, b in zip(back[i], gen[i]):
            np.testing.assert_array_equal(a, b)


def test_timeseries_start_index_config_fixes_keras_shift(kseq):
    data = np.arange(30)
    kw = dict(length=4, start_index=3, batch_size=5)
    ref = kseq.TimeseriesGenerator(data, data, **kw)
    assert ref.get_config()["start_index"] == 7  # Keras stores start + length
    ours = TimeseriesGenerator(data, data, **kw)
    assert ours.get_config()["start_index"] == 3
    back = timeseries_generator_from_json(ours.to_json())
    np.testing.assert_array_equal(back[0][1], ref[0][1])  # no shift


def test_timeseries_seed_round_trip():
    data = np.arange(50)
    gen = TimeseriesGenerator(data, data, length=3, shuffle=True, seed=12,
                              batch_size=8)
    assert gen.get_config()["seed"] == 12
    back = timeseries_generator_from_json(gen.to_json())
    np.testing.assert_array_equal(back[0][0], gen[0][0])
    assert "seed" not in TimeseriesGenerator(data, data, 3).get_config()


def test_timeseries_errors():
    data = np.arange(20)
    with pytest.raises(ValueError, match="same length"):
        TimeseriesGenerator(data, data[:-1], length=3)
    with pytest.raises(ValueError, match="end_index"):
        TimeseriesGenerator(data, data, length=10, start_index=5,
                            end_index=14)
    with pytest.raises(ValueError, match="past the last row"):
        TimeseriesGenerator(data, data, length=3, end_index=20)
    for name in ("length", "sampling_rate", "stride", "batch_size"):
        kw = {"length": 3, name: 0}
        with pytest.raises(ValueError, match=name):
            TimeseriesGenerator(data, data, **kw)
    with pytest.raises(ValueError, match="start_index"):
        TimeseriesGenerator(data, data, length=3, start_index=-1)
    with pytest.raises(TypeError, match="length"):
        TimeseriesGenerator(data, data, length=2.5)
    gen = TimeseriesGenerator(data, data, length=3, batch_size=4)
    assert len(gen) == 5
    with pytest.raises(IndexError):
        gen[5]
    with pytest.raises(IndexError):
        gen[-6]
    assert len(list(gen)) == 5  # iteration stops
    bad = TimeseriesGenerator([{1}] * 10, data[:10], length=2)
    with pytest.raises(TypeError, match="data"):
        bad.to_json()
    with pytest.raises(ValueError, match="TimeseriesGenerator"):
        timeseries_generator_from_json("{not json")
    with pytest.raises(ValueError, match="class_name"):
        timeseries_generator_from_json(json.dumps(
            {"class_name": "Tokenizer", "config": gen.get_config()}))


def test_timeseries_errors_start_with_keras_wording():
    # Users' tests match on Keras' messages: textembed's hint comes after them.
    with pytest.raises(ValueError, match=r"^Data and targets have to be of same length\. "
                                         r"Data length is 3 while target length is 2"):
        TimeseriesGenerator(np.arange(3), np.arange(2), length=1)
    with pytest.raises(ValueError, match=r"^`start_index\+length=50 > end_index=49` is "
                                         r"disallowed, as no part of the sequence would be "
                                         r"left to be used as current step"):
        TimeseriesGenerator(np.arange(100), np.arange(100), length=50, end_index=49)
    with pytest.raises(TypeError, match=r"^Data not JSON Serializable"):
        TimeseriesGenerator(np.array([object()] * 3), np.arange(3), length=1).to_json()
